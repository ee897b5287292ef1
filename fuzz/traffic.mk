# fuzz/traffic.mk - libFuzzer targets of the traffic area.
FUZZERS += fuzz_mlog fuzz_qml_line
fuzz_mlog_SRCS := src/traffic/mlog.c src/traffic/tacc.c
fuzz_qml_line_SRCS := src/traffic/qml.c
fuzz_qml_line_LIBS := -lz
