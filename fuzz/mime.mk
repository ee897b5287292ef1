# mime - libFuzzer targets of the MIME layer (src/libmail/mime*.c and
# src/lib/date.c): a whole message through everything IMAP and the
# webmail ask of it; header text (RFC 2047, addresses, base subject,
# folding); the date parsers.  GMime and GLib are linked as they are.
FUZZERS += fuzz_mime fuzz_mime_header fuzz_date
fuzz_mime_SRCS :=
fuzz_mime_LIBS = $(MIME_LIBS)
fuzz_mime_header_SRCS :=
fuzz_mime_header_LIBS = $(MIME_LIBS)
fuzz_date_SRCS :=
