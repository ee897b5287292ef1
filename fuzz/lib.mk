# Fuzz targets for the shared library's parsers of untrusted input.
FUZZERS += fuzz_rbuf_line
fuzz_rbuf_line_SRCS :=
