# fuzz targets of the vpop area: vpasswd lines, maildirsize files.
FUZZERS += fuzz_vpasswd fuzz_maildirsize
fuzz_vpasswd_SRCS :=
fuzz_vpasswd_LIBS := -lcrypt
fuzz_maildirsize_SRCS :=
# The checkpassword record vchkpw reads from fd 3 (checkpw.h).
FUZZERS += fuzz_checkpw
fuzz_checkpw_SRCS :=
