# hsmail - top-level GNU Makefile.
#
#   make            build every program into build/bin, and the unit tests
#                   (says `make deps` first when packages are missing)
#   make deps       install the packages `make` needs
#   make test       install what is missing, build with ASan+UBSan (build-san/),
#                   run every test; ends with "N passed, N failed"
#   make run        install what is missing, build, run the stack on ./var
#   make bench      the benchmarks, side by side with the peers
#   make fuzz       build the libFuzzer targets (build-fuzz/)
#   make install    the production tree under $(DESTDIR)$(PREFIX)
#
# Each source directory has a build.mk that adds to PROGS and TESTS:
#   PROGS += qmail-foo
#   qmail-foo_SRCS := src/dir/qmail-foo.c src/dir/foo_proto.c
#   qmail-foo_LIBS := -lssl -lcrypto          (optional)
#   TESTS += foo_proto_test
#   foo_proto_test_SRCS := src/dir/foo_proto_test.c src/dir/foo_proto.c
# Two library layers, as Postfix's util/ and global/ or Dovecot's lib/ and
# lib-mail/: src/lib/*.c (not *_test.c) make libhsmail.a, the generic layer
# (strings, buffers, io, child, priv, tls, cdb, dns, log); src/libmail/*.c
# make libhsmail-mail.a, the mail layer (queue, Maildir++, vpopmail store,
# MIME, checkpassword) which may use src/lib but never the other way round
# (every program links libhsmail-mail.a before libhsmail.a, so a generic
# module calling the mail layer fails to link).  src/lib*/X_test.c is a
# unit test linked with both automatically; src/libmail/build.mk may add
# compiler flags (LIBMAIL_CFLAGS) and per-test libraries (X_test_LIBS).
# fuzz/*.mk list the fuzz targets.

SAN	?= 0
ifeq ($(SAN),1)
B	:= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
FORTIFY	:=
else
B	:= build
SANFLAGS :=
FORTIFY	:= -D_FORTIFY_SOURCE=2
endif

CC	:= gcc
WARN	:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
	   -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
CFLAGS	:= -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) $(FORTIFY) -fstack-protector-strong \
	   $(SANFLAGS) -Isrc/lib -Isrc/libmail -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS	:= $(SANFLAGS) -Wl,--as-needed
BASELIBS := -lcdb

PREFIX	?= /usr/local
DESTDIR	?=

# `make` on a machine without the build packages says so at once instead
# of failing on a missing header: scripts/deps lists what is missing (for
# the unit tests too when they are built).  Not for the targets that
# install packages first, nor inside them.
ifeq ($(MAKELEVEL),0)
DEPS_GOALS := $(filter-out deps clean test run bench,$(or $(MAKECMDGOALS),all))
ifneq ($(DEPS_GOALS),)
DEPS_MISSING := $(shell ./scripts/deps check \
    $(if $(filter all,$(DEPS_GOALS)),build,run))
ifneq ($(strip $(DEPS_MISSING)),)
$(error missing packages: $(strip $(DEPS_MISSING)); run `make deps` first \
    (it installs them), or `make run` / `make test`, which do)
endif
endif
endif

PROGS	:=
TESTS	:=
SCRIPTS	:=
FUZZERS	:=
include $(sort $(wildcard src/*/build.mk))
-include $(sort $(wildcard fuzz/*.mk))

# src/lib/test.c: the unit tests' helpers (cmocka), linked into them only,
# so that the programs build without cmocka (`make run` on a fresh box);
# src/lib/tlsfront_*.c: a login front end's two builds (the same
# functions), each named by the programs of its build.
LIB_SRCS := $(filter-out %_test.c src/lib/test.c src/lib/tlsfront_%.c,\
	$(wildcard src/lib/*.c))
TEST_OBJ := $(B)/obj/lib/test.o
LIB_TESTS := $(patsubst src/lib/%.c,%,$(wildcard src/lib/*_test.c))
LIB	:= $(B)/libhsmail.a
LIBMAIL_SRCS := $(filter-out %_test.c,$(wildcard src/libmail/*.c))
LIBMAIL_TESTS := $(patsubst src/libmail/%.c,%,$(wildcard src/libmail/*_test.c))
LIBMAIL	:= $(B)/libhsmail-mail.a
LIBS_ALL := $(LIBMAIL) $(LIB)

obj	= $(patsubst src/%.c,$(B)/obj/%.o,$(1))

all: progs $(addprefix $(B)/test/,$(LIB_TESTS) $(LIBMAIL_TESTS) $(TESTS))
progs: $(addprefix $(B)/bin/,$(PROGS))

$(B)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/obj/libmail/%.o: CFLAGS += $(LIBMAIL_CFLAGS)

$(LIB): $(call obj,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LIBMAIL): $(call obj,$(LIBMAIL_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

define prog_rule
$(B)/bin/$(1): $(call obj,$($(1)_SRCS)) $(LIBS_ALL)
	@mkdir -p $$(dir $$@)
	$(CC) $(LDFLAGS) -o $$@ $(call obj,$($(1)_SRCS)) $(LIBS_ALL) \
	    $($(1)_LIBS) $(BASELIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

define test_rule
$(B)/test/$(1): $(call obj,$($(1)_SRCS)) $(TEST_OBJ) $(LIBS_ALL)
	@mkdir -p $$(dir $$@)
	$(CC) $(LDFLAGS) -o $$@ $(call obj,$($(1)_SRCS)) $(TEST_OBJ) $(LIBS_ALL) \
	    $($(1)_LIBS) $(BASELIBS) -lcmocka
endef
$(foreach t,$(LIB_TESTS),$(eval $(t)_SRCS := src/lib/$(t).c))
$(foreach t,$(LIBMAIL_TESTS),$(eval $(t)_SRCS := src/libmail/$(t).c))
$(foreach t,$(LIB_TESTS) $(LIBMAIL_TESTS),$(eval $(t)_LIBS ?= -lssl -lcrypto -lcrypt))
$(foreach t,$(LIB_TESTS) $(LIBMAIL_TESTS) $(TESTS),$(eval $(call test_rule,$(t))))

# libFuzzer targets: clang, the library rebuilt with fuzzer-no-link.
FZ	:= build-fuzz
FZCFLAGS := -std=gnu11 -D_GNU_SOURCE -O1 -g -Isrc/lib -Isrc/libmail -MMD -MP \
	    -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-sanitize-recover=all
FZLIB	:= $(FZ)/libhsmail.a
FZLIBMAIL := $(FZ)/libhsmail-mail.a
$(FZ)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	clang $(FZCFLAGS) -c -o $@ $<
$(FZ)/obj/libmail/%.o: FZCFLAGS += $(LIBMAIL_CFLAGS)
$(FZLIB): $(patsubst src/%.c,$(FZ)/obj/%.o,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^
$(FZLIBMAIL): $(patsubst src/%.c,$(FZ)/obj/%.o,$(LIBMAIL_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^
define fuzz_rule
$(FZ)/bin/$(1): fuzz/$(1).c $(patsubst src/%.c,$(FZ)/obj/%.o,$($(1)_SRCS)) $(FZLIBMAIL) $(FZLIB)
	@mkdir -p $$(dir $$@)
	clang $(FZCFLAGS) -fsanitize=fuzzer -o $$@ $$(filter %.c %.o %.a,$$^) \
	    $($(1)_LIBS) $(BASELIBS)
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_rule,$(f))))
fuzz: $(addprefix $(FZ)/bin/,$(FUZZERS))

deps:
	@./scripts/deps build

# make test builds both trees in one make, a job per processor unless
# make was given -j; tests/run runs the tests in parallel (doc/INTERNALS.md).
NPROC	= $(shell nproc 2>/dev/null || echo 1)
test:
	@./scripts/deps test
	$(MAKE) $(if $(filter -j%,$(MAKEFLAGS)),,-j$(NPROC)) SAN=1 all fuzz
	./tests/run --build build-san

run:
	@./scripts/deps run
	$(MAKE) progs
	./scripts/run

bench:
	@./scripts/deps bench
	$(MAKE) progs
	./bench/run

install: progs
	./scripts/install "$(DESTDIR)" "$(PREFIX)" "$(B)"

clean:
	rm -rf build build-san build-fuzz

.PHONY: all progs test run bench install clean deps fuzz
.DELETE_ON_ERROR:

-include $(shell find $(B) $(FZ) -name '*.d' 2>/dev/null)
