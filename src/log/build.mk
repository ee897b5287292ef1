# src/log - splogger.
PROGS += splogger
splogger_SRCS := src/log/splogger.c src/log/splog.c
TESTS += splog_test
splog_test_SRCS := src/log/splog_test.c src/log/splog.c
