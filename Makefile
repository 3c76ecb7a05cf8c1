# Makefile - builds libs4s.a and .so, ./s4s-normalize, ./s4s-term and ./s4s-dask;
# `make check` runs every test; `make install PREFIX=…` installs them with the
# public headers, s4s.pc, the man pages and examples/embed.c.
#
# Layout follows the pipeline: filter/ (input -> sax -> assemble -> writer,
# report, stats), rules/ (validate, normalize, terminology checks),
# terminology/ (FHIR-agnostic engines: cache, UCUM, HGVS).  Every .c file in
# those folders except the two CLIs goes into libs4s.a, so a new rule family or
# engine is one new file: no Makefile edit.

CC       ?= cc
PKGS     := yajl icu-uc icu-i18n sqlite3 zlib
# -O3: 4-5% less CPU than -O2 on the NDJSON at one thread, 3% at two
# (inlining and unrolling in the parse and the structure walk); the
# sanitizer and fuzz builds set their own OPT
OPT      ?= -O3
CFLAGS   ?= $(OPT) -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
# -fPIC: the same objects make the static and the shared library;
# -fno-semantic-interposition keeps calls inside a file inlinable as before
override CFLAGS += -std=c11 -D_GNU_SOURCE -fPIC -fno-semantic-interposition $(WARN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
PREFIX   ?= /usr/local
BUILD    ?= build
OUT      ?= .
NORM     := $(OUT)/s4s-normalize
TERM     := $(OUT)/s4s-term

# gzip backend: ISA-L igzip when its header is installed (several times
# faster), else zlib.  `make INFLATE=zlib` forces the fallback; make check
# runs one pass with each.
INFLATE  ?= $(if $(wildcard /usr/include/isa-l/igzip_lib.h),isal,zlib)
NOT_INFLATE := $(if $(filter isal,$(INFLATE)),filter/inflate_zlib.c,filter/inflate_isal.c)
ifeq ($(INFLATE),isal)
LDLIBS   += -lisal
endif

CLI_SRC  := filter/main.c filter/term_main.c
LIB_SRC  := $(filter-out $(CLI_SRC) $(NOT_INFLATE),$(sort $(wildcard filter/base/*.c filter/*.c rules/*.c rules/tables/*.c terminology/*.c terminology/tables/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
# ar keeps members by file name: two sources with one name would clobber
LIB_DUPS := $(shell printf '%s\n' $(notdir $(LIB_SRC)) | sort | uniq -d)
$(if $(LIB_DUPS),$(error libs4s sources share a file name: $(LIB_DUPS)))
LIB      := $(BUILD)/libs4s.a
# what `make install` ships: both libraries with the default terminology
# cache inside (s4s_use_default_terminology)
SO       := $(BUILD)/libs4s.so
DIST_A   := $(BUILD)/dist/libs4s.a
DASK     := $(OUT)/s4s-dask
PUB_H    := filter/s4s.h filter/base/rc.h filter/base/opts.h

# The embedded default terminology cache; terminology/cache.mk defines
# EMBED_OBJ (an object holding s4s_default_db / s4s_default_db_len) and how it
# is built from the committed tables.
.DEFAULT_GOAL := all
EMBED_OBJ :=
-include terminology/cache.mk

all: $(NORM) $(TERM) $(SO) $(DASK)

# objects depend on the Makefile: a flag change (-fPIC) rebuilds them
$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SO): $(LIB_OBJ) $(EMBED_OBJ)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,libs4s.so -o $@ $^ $(LDLIBS)

$(DIST_A): $(LIB_OBJ) $(EMBED_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

# s4s-dask is a Python 3 script (python3-distributed); `make` puts it beside
# the binaries
$(DASK): tools/s4s-dask.py
	@mkdir -p $(OUT)
	cp $< $@ && chmod 755 $@

$(NORM): $(BUILD)/filter/main.o $(EMBED_OBJ) $(LIB)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(TERM): $(BUILD)/filter/term_main.o $(EMBED_OBJ) $(LIB)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# --- tests -------------------------------------------------------------------
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(EMBED_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(EMBED_OBJ) $(LIB) $(LDLIBS)

# the seed replay compiles the fuzz harnesses in
$(BUILD)/tests/test_fuzz_seeds: $(wildcard tests/fuzz/fuzz_*.c)

unit: $(UNIT_BIN)

# `make check`: installs missing build packages (root) or names them, builds
# with -Werror, runs unit + case tests, then again under ASan+UBSan (LSan on).
check: deps
	@sh tests/check.sh

# one test pass over the current build flavour (used by tests/check.sh)
test-pass: all unit
	@sh tests/run-tests.sh $(BUILD) $(OUT)

deps:
	@sh tests/deps.sh

# micro-benchmarks: bench/bench_*.c, each a program linked against libs4s
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/%: bench/%.c $(EMBED_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(EMBED_OBJ) $(LIB) $(LDLIBS)
bench-bin: $(BENCH_BIN)

# --- allocation-failure test (tests/oom/run.sh) -------------------------------
# Both CLIs again, linked with alloc.c built -DS4S_FAILALLOC, which fails the
# allocation numbered by $$S4S_FAIL_AT.  It is linked ahead of libs4s.a, so
# the archive's own alloc.o is never pulled in; the release build is untouched.
OOM_DIR  := $(BUILD)/oom
$(OOM_DIR)/alloc.o: filter/base/alloc.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DS4S_FAILALLOC -MMD -MP -c $< -o $@
$(OOM_DIR)/s4s-normalize: $(BUILD)/filter/main.o $(OOM_DIR)/alloc.o $(EMBED_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(OOM_DIR)/s4s-term: $(BUILD)/filter/term_main.o $(OOM_DIR)/alloc.o $(EMBED_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
oom-bin: $(OOM_DIR)/s4s-normalize $(OOM_DIR)/s4s-term

# every allocation of a small complete run made to fail in turn; meant for the
# ASan build (tests/check.sh runs it there, where LSan sees leaks)
test-oom: oom-bin
	@sh tests/oom/run.sh $(OOM_DIR)

# --- fuzzing -----------------------------------------------------------------
# each harness tests/fuzz/fuzz_*.c (or those in FUZZ_HARNESSES) for FUZZ_SECONDS;
# new coverage is merged into tests/fuzz/seeds/<harness>/
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES ?=
fuzz:
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# --- demo, bench, tables, install ---------------------------------------------
demo:
	@sh tests/demo.sh

bench: all bench-bin
	@bench/run

# Regenerate every committed table from ../shared/sources (needs python3).
tables:
	@for g in rules/gen/*.py terminology/gen/*.py; do [ -f "$$g" ] || continue; echo "gen $$g"; python3 "$$g" || exit 1; done

install: all $(DIST_A)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/s4s/base \
	  $(DESTDIR)$(PREFIX)/share/doc/s4s/examples
	install -m 755 $(NORM) $(TERM) $(DASK) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 filter/s4s-normalize.1 filter/s4s-term.1 filter/s4s-dask.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 755 $(SO) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(DIST_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 filter/s4s.h $(DESTDIR)$(PREFIX)/include/s4s/
	install -m 644 filter/base/rc.h filter/base/opts.h $(DESTDIR)$(PREFIX)/include/s4s/base/
	install -m 644 examples/embed.c $(DESTDIR)$(PREFIX)/share/doc/s4s/examples/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(shell sed -n 's/.*S4S_VERSION "\(.*\)"/\1/p' filter/base/opts.h)|' \
	    -e 's|@LIBS_PRIVATE@|$(filter -lm -lpthread -lisal,$(LDLIBS))|' s4s.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/s4s.pc

clean:
	rm -rf build build-san build-tsan s4s-normalize s4s-term s4s-dask

.PHONY: bench-bin all unit check test-pass deps fuzz demo bench tables install clean oom-bin test-oom
-include $(LIB_OBJ:.o=.d) $(BUILD)/filter/main.d $(BUILD)/filter/term_main.d $(OOM_DIR)/alloc.d
