# libmail - build flags of the mail layer.  The MIME modules (mime*.c)
# use GMime 3; its headers are system headers here (-isystem), so the
# project's warnings stay on for our code only.  Programs and tests that
# link the MIME modules add $(MIME_LIBS).
MIME_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags gmime-3.0 2>/dev/null))
MIME_LIBS := $(shell pkg-config --libs gmime-3.0 2>/dev/null)
LIBMAIL_CFLAGS += $(MIME_CFLAGS)
mime_test_LIBS = $(MIME_LIBS)
