# Makefile - builds libs4s.a, ./s4s-normalize and ./s4s-term; `make check` runs every test.
#
# Layout follows the pipeline: filter/ (input -> sax -> assemble -> writer,
# report, stats), rules/ (validate, normalize, terminology checks),
# terminology/ (FHIR-agnostic engines: cache, UCUM, HGVS).  Every .c file in
# those folders except the two CLIs goes into libs4s.a, so a new rule family or
# engine is one new file: no Makefile edit.

CC       ?= cc
PKGS     := yajl icu-uc icu-i18n sqlite3 zlib
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
override CFLAGS += -std=c11 -D_GNU_SOURCE $(WARN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
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

# The embedded default terminology cache; terminology/cache.mk defines
# EMBED_OBJ (an object holding s4s_default_db / s4s_default_db_len) and how it
# is built from the committed tables.
.DEFAULT_GOAL := all
EMBED_OBJ :=
-include terminology/cache.mk

all: $(NORM) $(TERM)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

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

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 s4s-normalize s4s-term $(DESTDIR)$(PREFIX)/bin/
	install -m 644 filter/s4s-normalize.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf build build-san s4s-normalize s4s-term

.PHONY: bench-bin all unit check test-pass deps fuzz demo bench tables install clean
-include $(LIB_OBJ:.o=.d) $(BUILD)/filter/main.d $(BUILD)/filter/term_main.d
