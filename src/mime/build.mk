# mime - hsmail-mime, the MIME layer's diagnostic and speed tool (what
# IMAP and the webmail see of a message file), and the unit test of the
# layer (src/libmail/mime*).
PROGS += hsmail-mime
hsmail-mime_SRCS := src/mime/hsmail-mime.c
hsmail-mime_LIBS = $(MIME_LIBS)
