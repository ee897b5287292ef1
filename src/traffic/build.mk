# src/traffic: mail-traffic (maillog -> daily statistics files),
# trafficloader and xfer-cat (statistics -> system database / panel),
# mail-traffic-report.
PROGS += mail-traffic
mail-traffic_SRCS := src/traffic/mail-traffic.c src/traffic/mlog.c \
	src/traffic/tacc.c
mail-traffic_LIBS := -lz

TESTS += mlog_test tacc_test
mlog_test_SRCS := src/traffic/mlog_test.c src/traffic/mlog.c
tacc_test_SRCS := src/traffic/tacc_test.c src/traffic/tacc.c src/traffic/mlog.c
