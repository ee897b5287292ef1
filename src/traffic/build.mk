# src/traffic: mail-traffic (maillog -> daily statistics files),
# trafficloader and xfer-cat (statistics -> system database / panel),
# mail-traffic-report.
PROGS += mail-traffic
mail-traffic_SRCS := src/traffic/mail-traffic.c src/traffic/mlog.c \
	src/traffic/tacc.c src/traffic/qml.c
mail-traffic_LIBS := -lz

TESTS += mlog_test tacc_test
mlog_test_SRCS := src/traffic/mlog_test.c src/traffic/mlog.c
tacc_test_SRCS := src/traffic/tacc_test.c src/traffic/tacc.c src/traffic/mlog.c

PROGS += trafficloader xfer-cat mail-traffic-report
trafficloader_SRCS := src/traffic/trafficloader.c src/traffic/qml.c \
	src/traffic/tdb.c
trafficloader_LIBS := -lz -lsqlite3 -lpq
xfer-cat_SRCS := src/traffic/xfer-cat.c src/traffic/qml.c
xfer-cat_LIBS := -lz
mail-traffic-report_SRCS := src/traffic/mail-traffic-report.c \
	src/traffic/tdb.c
mail-traffic-report_LIBS := -lsqlite3 -lpq

TESTS += qml_test
qml_test_SRCS := src/traffic/qml_test.c src/traffic/qml.c
qml_test_LIBS := -lz
