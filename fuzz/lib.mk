# Fuzz targets for the shared library's parsers of untrusted input.
FUZZERS += fuzz_rbuf_line
fuzz_rbuf_line_SRCS :=
FUZZERS += fuzz_elf_note
fuzz_elf_note_SRCS :=
