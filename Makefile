# fcgi-redirect: answers web requests with redirects decided by an INI rule file.
# Targets: all test run bench fuzz install clean deps static (see README.md).
#
# Fuzzing and sanitizers (tests/fuzz/, tests/README.md):
#   FUZZ_SECONDS=60   how long `make fuzz` runs each libFuzzer harness
#   FUZZ_CC=clang     compiles the harnesses (build/fuzz/) and the ASan+UBSan
#                     build that `make test` runs (build/asan/, SAN_FLAGS)
#   VALGRIND=valgrind runs memcheck in `make test` (VALGRIND_FLAGS)
#   MEMCHECK_CASES    the tests/cases.tsv rows run under valgrind (below)

# Where `make install` puts things (Debian's places: with PREFIX=/usr the
# rule file goes to /etc, as packages do; with /usr/local, /usr/local/etc).
PREFIX	?= /usr/local
DESTDIR	?=
BINDIR	 = $(PREFIX)/bin
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
MANDIR	?= $(PREFIX)/share/man
RULES_DEFAULT ?= $(SYSCONFDIR)/fcgi-redirect/redirects.ini

CC	?= cc
PKG_CONFIG ?= pkg-config
LIBS_PC	 = inih libpcre2-8
# json-c reads the Redirection plugin's JSON export (--import redirection,
# src/import/redirection.c) and nothing else: it is linked statically, so
# that a CGI request, which starts the program anew, does not pay the
# dynamic loader for it (98,000 instructions of a 696,000-instruction
# request, measured with callgrind).
IMPORT_PC = json-c
# libfcgi is not linked into fcgi-redirect (src/serve/fastcgi.c says why): the
# record fuzzer checks our reader against it, and the bench floor uses it.
FCGI_PC	 = fcgi
CFLAGS	?= -O2 -g
WARN	 = -Wall -Wextra -Wmissing-prototypes -Wshadow -Wstrict-prototypes \
	   -Wformat=2 -Wpointer-arith
# inih has no run-time version: --version prints the one built against.
INIH_VERSION := $(shell $(PKG_CONFIG) --modversion inih)
# The build, recorded in every image it compiles (src/image.c): a process
# uses a cached image only when the same build wrote it.  The version and a
# digest of the sources and of this file.
FR_BUILD := $(shell cat $(sort $(wildcard src/*.[ch] src/*/*.c)) Makefile | \
	    sha256sum | cut -c1-16)
CPPFLAGS_ALL = -Isrc -D_GNU_SOURCE -DPCRE2_CODE_UNIT_WIDTH=8 \
	   -DFR_BUILD='"$(FR_BUILD)"' \
	   -DRULES_DEFAULT='"$(RULES_DEFAULT)"' \
	   -DINIH_VERSION='"$(INIH_VERSION)"' \
	   $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) $(IMPORT_PC)) $(CPPFLAGS)
LDLIBS_ALL = $(shell $(PKG_CONFIG) --libs $(LIBS_PC)) \
	   -Wl,-Bstatic $(shell $(PKG_CONFIG) --libs $(IMPORT_PC)) -Wl,-Bdynamic \
	   -lpthread $(LDLIBS)

B	 = build
SRCS	 = $(filter-out src/main.c,$(wildcard src/*.c src/*/*.c))
OBJS	 = $(SRCS:src/%.c=$(B)/obj/%.o)
HDR	 = src/fcgi-redirect.h

UNIT_SRCS = $(wildcard tests/unit/*.c)
UNIT_OBJS = $(UNIT_SRCS:tests/unit/%.c=$(B)/obj/unit/%.o)

all: $(B)/fcgi-redirect

$(B)/obj/%.o: src/%.c $(HDR) | $(B)/obj
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -c -o $@ $<

$(B)/obj/unit/%.o: tests/unit/%.c $(HDR) tests/unit/unit.h | $(B)/obj/unit
	$(CC) $(CPPFLAGS_ALL) -Isrc $(shell $(PKG_CONFIG) --cflags cunit) \
	    $(CFLAGS) $(WARN) -c -o $@ $<

# The compiled-in rule file follows PREFIX, and --version names inih's
# version: rebuild main.o when they change.
MAIN_DEFS = $(RULES_DEFAULT) inih $(INIH_VERSION)
$(B)/main-defs: FORCE | $(B)/obj
	@echo '$(MAIN_DEFS)' | cmp -s - $@ || echo '$(MAIN_DEFS)' > $@
$(B)/obj/main.o: $(B)/main-defs

# image.o holds the build: rebuild it whenever the build changes.
$(B)/build-id: FORCE | $(B)/obj
	@echo '$(FR_BUILD)' | cmp -s - $@ || echo '$(FR_BUILD)' > $@
$(B)/obj/image.o: $(B)/build-id

$(B)/fcgi-redirect: $(B)/obj/main.o $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(B)/unit-tests: $(UNIT_OBJS) $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL) \
	    $(shell $(PKG_CONFIG) --libs cunit)

$(B)/obj $(B)/obj/unit:
	mkdir -p $@

# Everything CI runs.  Each step prints its own summary line.
test: $(B)/fcgi-redirect $(B)/unit-tests
	$(B)/unit-tests
	tests/check.sh $(B)/fcgi-redirect
	tests/example.sh $(B)/fcgi-redirect
	tests/cgi.sh $(B)/fcgi-redirect
	tests/fastcgi.sh $(B)/fcgi-redirect
	tests/image.sh $(B)/fcgi-redirect
	tests/e2e/run.sh $(B)/fcgi-redirect
	tests/stats.sh $(B)/fcgi-redirect
	tests/import.sh $(B)/fcgi-redirect
	tests/ops.sh $(B)/fcgi-redirect
	tests/load.sh $(B)/fcgi-redirect
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-memcheck
	$(MAKE) --no-print-directory test-fuzz-seeds
	$(MAKE) --no-print-directory test-man
	$(MAKE) --no-print-directory test-static
	$(MAKE) --no-print-directory test-completion
	$(MAKE) --no-print-directory test-install

# The main job: the example rules behind a real lighttpd on 127.0.0.1:$(PORT).
PORT	?= 8080
run: $(B)/fcgi-redirect
	$(B)/fcgi-redirect --check -c etc/redirects.ini
	etc/lighttpd/demo.sh $(B)/fcgi-redirect etc/redirects.ini $(PORT)

# bash-completion's directory, moved under PREFIX (Debian's .pc file names
# /usr/share literally, as datadir), else the usual one under PREFIX.
BASHCOMPDIR ?= $(or $(shell $(PKG_CONFIG) --define-variable=prefix=$(PREFIX) \
	    --define-variable=datadir=$(PREFIX)/share \
	    --variable=completionsdir bash-completion 2>/dev/null), \
	    $(PREFIX)/share/bash-completion/completions)

# The manual pages, at the top of the tree (those that are there).
MAN8	 = $(wildcard fcgi-redirect.8)
MAN5	 = $(wildcard fcgi-redirect.ini.5)

# The binary, the rule file (never over one that is there), the manual
# pages and the completion; tests/install.sh checks where they land.
install: $(B)/fcgi-redirect
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/fcgi-redirect \
	    $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 $(B)/fcgi-redirect $(DESTDIR)$(BINDIR)/fcgi-redirect
	test -e $(DESTDIR)$(RULES_DEFAULT) || \
	    install -m 644 etc/redirects.ini $(DESTDIR)$(RULES_DEFAULT)
	$(if $(MAN8),install -d $(DESTDIR)$(MANDIR)/man8)
	$(if $(MAN8),install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/)
	$(if $(MAN5),install -d $(DESTDIR)$(MANDIR)/man5)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	install -m 644 etc/bash-completion/fcgi-redirect \
	    $(DESTDIR)$(BASHCOMPDIR)/fcgi-redirect

# make install into a temporary DESTDIR (its own build in it).
test-install:
	tests/install.sh

# The bash completion of the options (etc/bash-completion/).
test-completion: $(B)/fcgi-redirect
	tests/completion.sh $(B)/fcgi-redirect

clean:
	rm -rf $(B)

# ---- The static binary: `make static` builds build/fcgi-redirect-static,
# for x86-64 Linux hosts of any distribution (Linux 3.2 or later: glibc
# 2.36's floor), such as shared hosting without libinih and libpcre2-8.
# It links Debian's libinih.a and libpcre2-8.a (libinih-dev, libpcre2-dev)
# and glibc (libc6-dev) statically; its objects are compiled apart, with
# FR_STATIC, in build/static/obj/.  What does not work in it:
#  - uid:NAME and gid:NAME in --allow and FCGI_REDIRECT_ALLOW: static glibc
#    cannot use NSS (getpwnam would load the host's NSS modules, built for
#    another glibc), so it refuses names and takes uid:NUMBER, gid:NUMBER.
#    Host names were never looked up (--listen takes numeric addresses and
#    localhost; --allow numeric addresses).
#  - The libraries' security fixes come only with a rebuild.
# The code is not position-independent (-static, not -static-pie: file(1)
# says "statically linked"), so its addresses are not randomized.  The link
# must stay silent: --fatal-warnings turns glibc's warnings about functions
# that need shared libraries at run time (getpwnam, getaddrinfo, dlopen)
# into errors.
ST	 = $(B)/static
ST_OBJS	 = $(SRCS:src/%.c=$(ST)/obj/%.o)
ST_LDLIBS = $(shell $(PKG_CONFIG) --static --libs $(LIBS_PC) $(IMPORT_PC)) \
	   -lpthread $(LDLIBS)

static: $(B)/fcgi-redirect-static

$(ST)/obj/%.o: src/%.c $(HDR) | $(ST)/obj
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -DFR_STATIC $(CFLAGS) $(WARN) -c -o $@ $<
$(ST)/obj/main.o: $(B)/main-defs
$(ST)/obj/image.o: $(B)/build-id

$(B)/fcgi-redirect-static: $(ST)/obj/main.o $(ST_OBJS)
	$(CC) -static -Wl,--fatal-warnings $(CFLAGS) $(LDFLAGS) -o $@ $^ \
	    $(ST_LDLIBS)

$(ST)/obj:
	mkdir -p $@

# The static binary as CGI in an empty root, and --version of both builds;
# then the CGI and FastCGI tables against the static binary.
test-static: $(B)/fcgi-redirect-static $(B)/fcgi-redirect
	tests/static.sh $(B)/fcgi-redirect-static $(B)/fcgi-redirect
	tests/cgi.sh $(B)/fcgi-redirect-static
	tests/fastcgi.sh $(B)/fcgi-redirect-static

.PHONY: static test-static

# Debian/Ubuntu packages to build and test (run as root).
deps:
	apt-get install -y build-essential pkg-config libfcgi-dev libfcgi-bin \
	    libinih-dev libpcre2-dev libjson-c-dev libcunit1-dev spawn-fcgi \
	    curl python3 \
	    lighttpd apache2 libapache2-mod-fcgid nginx-light fcgiwrap \
	    chromium clang libclang-rt-14-dev valgrind wrk gnuplot-nox time mandoc file \
	    python3-prometheus-client

.PHONY: all test run install test-install test-completion clean deps FORCE

# The manual pages: mandoc -Tlint -W warning must print nothing, and every
# option of --help and every key of the rule file must be documented.
MANPAGES = fcgi-redirect.8 fcgi-redirect.ini.5
test-man: $(B)/fcgi-redirect $(MANPAGES)
	tests/man.sh $(B)/fcgi-redirect

.PHONY: test-man

# ---- Fuzzing, sanitizers and valgrind (tests/fuzz/; variables at the top).
FUZZ_CC	?= clang
FUZZ_SECONDS ?= 60
SAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	    -fno-sanitize-recover=all
SAN_ENV	 = ASAN_OPTIONS=detect_leaks=1 \
	   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
VALGRIND ?= valgrind
VALGRIND_FLAGS = --tool=memcheck --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect
# valgrind costs about a second a process, so the CGI rows it runs are the
# first of each (rule file, status, method) and every 4th of the others;
# MEMCHECK_CASES=tests/cases.tsv runs every row (2.5 minutes instead of 1).
MEMCHECK_CASES ?= $(B)/memcheck/cases.tsv

SAN	 = $(B)/asan
SAN_OBJS = $(SRCS:src/%.c=$(SAN)/obj/%.o)
SAN_UNIT_OBJS = $(UNIT_SRCS:tests/unit/%.c=$(SAN)/obj/unit/%.o)

$(SAN)/obj/%.o: src/%.c $(HDR) | $(SAN)/obj
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(SAN_FLAGS) $(WARN) -c -o $@ $<
$(SAN)/obj/unit/%.o: tests/unit/%.c $(HDR) tests/unit/unit.h | $(SAN)/obj/unit
	$(FUZZ_CC) $(CPPFLAGS_ALL) -Isrc $(shell $(PKG_CONFIG) --cflags cunit) \
	    $(SAN_FLAGS) $(WARN) -c -o $@ $<
$(SAN)/obj/main.o: $(B)/main-defs
$(SAN)/obj/image.o: $(B)/build-id
$(SAN)/fcgi-redirect: $(SAN)/obj/main.o $(SAN_OBJS)
	$(FUZZ_CC) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(SAN)/unit-tests: $(SAN_UNIT_OBJS) $(SAN_OBJS)
	$(FUZZ_CC) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL) \
	    $(shell $(PKG_CONFIG) --libs cunit)

# tests/cgi.sh runs its binary under `env -i` and judges only the answer, so
# the sanitizer settings and valgrind go in a wrapper that execs the binary,
# with every report written to DIR/log/; tests/fuzz/logs.sh judges those.
$(SAN)/run: $(SAN)/fcgi-redirect
	printf '%s\n' '#!/bin/sh' \
	    "ASAN_OPTIONS=detect_leaks=1:log_path=$(abspath $(SAN))/log/report" \
	    "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(abspath $(SAN))/log/report" \
	    'export ASAN_OPTIONS UBSAN_OPTIONS' \
	    'exec "$(abspath $(SAN))/fcgi-redirect" "$$@"' >$@
	chmod 755 $@
$(B)/memcheck/run: $(B)/fcgi-redirect | $(B)/memcheck
	printf '%s\n' '#!/bin/sh' \
	    'exec "$(shell command -v $(VALGRIND) || echo $(VALGRIND))" $(VALGRIND_FLAGS) --log-file="$(abspath $(B))/memcheck/log/%p" "$(abspath $(B))/fcgi-redirect" "$$@"' >$@
	chmod 755 $@

$(B)/memcheck/cases.tsv: tests/cases.tsv | $(B)/memcheck
	awk -F'\t' '/^#/ || NF < 7 { next } \
	    !seen[$$5 FS $$6 FS $$1]++ || ++n % 4 == 0' tests/cases.tsv >$@

$(SAN)/obj $(SAN)/obj/unit $(B)/memcheck $(B)/fuzz/obj:
	mkdir -p $@

# The unit, CGI and FastCGI tests against the ASan+UBSan build.
test-asan: $(SAN)/unit-tests $(SAN)/run
	rm -rf $(SAN)/log && mkdir -p $(SAN)/log
	$(SAN_ENV) $(SAN)/unit-tests
	tests/cgi.sh $(SAN)/run
	tests/fastcgi.sh $(SAN)/run
	tests/fuzz/logs.sh asan $(SAN)/log

# The unit tests and the CGI tests (MEMCHECK_CASES) under valgrind.
test-memcheck: $(B)/unit-tests $(B)/memcheck/run $(MEMCHECK_CASES)
	rm -rf $(B)/memcheck/log && mkdir -p $(B)/memcheck/log
	$(VALGRIND) $(VALGRIND_FLAGS) -q $(B)/unit-tests
	CASES=$(abspath $(MEMCHECK_CASES)) tests/cgi.sh $(B)/memcheck/run
	tests/fuzz/logs.sh memcheck $(B)/memcheck/log

# libFuzzer harnesses: tests/fuzz/fuzz_NAME.c, with the project's objects
# (but main.o) built again with coverage instrumentation.
FUZZERS	 = load request records image import
FUZZ_FLAGS = $(SAN_FLAGS) -fsanitize=fuzzer-no-link
FUZZ_OBJS = $(SRCS:src/%.c=$(B)/fuzz/obj/%.o)

$(B)/fuzz/obj/image.o: $(B)/build-id
$(B)/fuzz/obj/%.o: src/%.c $(HDR) | $(B)/fuzz/obj
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_FLAGS) $(WARN) -c -o $@ $<
$(B)/fuzz/obj/fuzz_%.o: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(HDR) \
    | $(B)/fuzz/obj
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(shell $(PKG_CONFIG) --cflags $(FCGI_PC)) \
	    -Isrc $(FUZZ_FLAGS) $(WARN) -c -o $@ $<
$(B)/fuzz/fuzz_%: $(B)/fuzz/obj/fuzz_%.o $(B)/fuzz/obj/fuzz_check.o \
    $(B)/fuzz/obj/fuzz_rules.o $(FUZZ_OBJS)
	$(FUZZ_CC) $(SAN_FLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ \
	    $(LDLIBS_ALL) $(shell $(PKG_CONFIG) --libs $(FCGI_PC))

# Fuzz each harness for FUZZ_SECONDS on a copy of its corpus in build/fuzz/.
fuzz: $(FUZZERS:%=$(B)/fuzz/fuzz_%)
	tests/fuzz/run.sh fuzz $(B)/fuzz $(FUZZ_SECONDS) $(FUZZERS)

# Every committed seed once: the regression run of `make test`.
test-fuzz-seeds: $(FUZZERS:%=$(B)/fuzz/fuzz_%)
	tests/fuzz/run.sh seeds $(B)/fuzz $(FUZZERS)

.SECONDARY: $(FUZZERS:%=$(B)/fuzz/obj/fuzz_%.o) $(B)/fuzz/obj/fuzz_check.o \
    $(B)/fuzz/obj/fuzz_rules.o
.PHONY: fuzz test-asan test-memcheck test-fuzz-seeds

# ---- Benchmarks (tests/bench/): `make bench`, not part of `make test`.
# The engine alone (tests/bench/engine.c), the floor (a FastCGI responder
# with one fixed answer) and the callgrind hook; tests/bench/run.sh writes
# build/bench/results.csv, rps.png and report.md.  BENCH_SECONDS,
# BENCH_SERVERS and BENCH_PARTS are passed on (see tests/bench/run.sh).
$(B)/bench-engine: tests/bench/engine.c $(OBJS) $(HDR)
	$(CC) -O2 -g $(CPPFLAGS_ALL) -Isrc -o $@ tests/bench/engine.c $(OBJS) $(LDLIBS_ALL)

# The image's costs (tests/bench/image.c) and a timer of whole CGI runs
# (tests/bench/spawn.c), for run.sh's image part.
$(B)/bench/image: tests/bench/image.c $(OBJS) $(HDR) | $(B)/bench
	$(CC) -O2 -g $(CPPFLAGS_ALL) $(WARN) -o $@ tests/bench/image.c $(OBJS) $(LDLIBS_ALL)

$(B)/bench/spawn: tests/bench/spawn.c | $(B)/bench
	$(CC) -O2 -g $(WARN) -o $@ $<

$(B)/bench/floor: tests/bench/floor.c | $(B)/bench
	$(CC) $(CFLAGS) $(WARN) $(shell $(PKG_CONFIG) --cflags $(FCGI_PC)) -o $@ $< \
	    $(shell $(PKG_CONFIG) --libs $(FCGI_PC))

# What counting an answer costs (tests/bench/stats.c): callgrind's
# instructions per count of a rule hit, a map entry hit and a miss.
$(B)/bench/stats: tests/bench/stats.c $(OBJS) $(HDR) | $(B)/bench
	$(CC) -O2 -g $(CPPFLAGS_ALL) $(WARN) -o $@ tests/bench/stats.c $(OBJS) $(LDLIBS_ALL)

bench-stats: $(B)/bench/stats
	tests/bench/stats.sh $(B)/bench/stats

$(B)/bench/cg_hook.so: tests/bench/cg_hook.c | $(B)/bench
	$(CC) -O2 -shared -fPIC $(WARN) -o $@ $<

$(B)/bench:
	mkdir -p $@

bench: $(B)/fcgi-redirect $(B)/bench-engine $(B)/bench/floor \
	    $(B)/bench/cg_hook.so $(B)/bench/image $(B)/bench/spawn \
	    $(B)/bench/stats
	tests/bench/run.sh $(B)/fcgi-redirect $(B)/bench-engine \
	    $(B)/bench/floor $(B)/bench/cg_hook.so $(B)/bench/image \
	    $(B)/bench/spawn
	tests/bench/stats.sh $(B)/bench/stats
	tests/bench/import.sh $(B)/fcgi-redirect $(B)/bench

# What --import costs on a million-line source of each format.
bench-import: $(B)/fcgi-redirect
	tests/bench/import.sh $(B)/fcgi-redirect $(B)/bench

.PHONY: bench bench-stats bench-import

# ---- Test shims (tests/ops.sh): an LD_PRELOAD library that fakes the
# number of CPUs (tests/ops/fake_cpus.c), for the default --workers.
$(B)/test/fake_cpus.so: tests/ops/fake_cpus.c | $(B)/test
	$(CC) -O2 -g -shared -fPIC $(WARN) -o $@ $< -ldl

$(B)/test:
	mkdir -p $@

test: $(B)/test/fake_cpus.so
