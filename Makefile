# fcgi-redirect: answers web requests with redirects decided by an INI rule file.
# Targets: all test run bench fuzz install clean deps (see README.md).

PREFIX	?= /usr/local
DESTDIR	?=
BINDIR	 = $(PREFIX)/bin
SYSCONFDIR ?= $(PREFIX)/etc
RULES_DEFAULT ?= $(SYSCONFDIR)/fcgi-redirect/redirects.ini

CC	?= cc
PKG_CONFIG ?= pkg-config
LIBS_PC	 = fcgi inih libpcre2-8
CFLAGS	?= -O2 -g
WARN	 = -Wall -Wextra -Wmissing-prototypes -Wshadow -Wstrict-prototypes \
	   -Wformat=2 -Wpointer-arith
CPPFLAGS_ALL = -D_GNU_SOURCE -DPCRE2_CODE_UNIT_WIDTH=8 \
	   -DRULES_DEFAULT='"$(RULES_DEFAULT)"' \
	   $(shell $(PKG_CONFIG) --cflags $(LIBS_PC)) $(CPPFLAGS)
LDLIBS_ALL = $(shell $(PKG_CONFIG) --libs $(LIBS_PC)) -lpthread $(LDLIBS)

B	 = build
SRCS	 = $(filter-out src/main.c,$(wildcard src/*.c))
OBJS	 = $(SRCS:src/%.c=$(B)/obj/%.o)
HDR	 = src/fcgi-redirect.h

UNIT_SRCS = $(wildcard tests/unit/*.c)
UNIT_OBJS = $(UNIT_SRCS:tests/unit/%.c=$(B)/obj/unit/%.o)

all: $(B)/fcgi-redirect

$(B)/obj/%.o: src/%.c $(HDR) | $(B)/obj
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -c -o $@ $<

$(B)/obj/unit/%.o: tests/unit/%.c $(HDR) tests/unit/unit.h | $(B)/obj/unit
	$(CC) $(CPPFLAGS_ALL) -Isrc $(shell $(PKG_CONFIG) --cflags cunit) \
	    $(CFLAGS) $(WARN) -c -o $@ $<

# The compiled-in rule file follows PREFIX: rebuild main.o when it changes.
$(B)/rules-default: FORCE | $(B)/obj
	@echo '$(RULES_DEFAULT)' | cmp -s - $@ || echo '$(RULES_DEFAULT)' > $@
$(B)/obj/main.o: $(B)/rules-default

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
	tests/e2e/run.sh $(B)/fcgi-redirect

# The main job: the example rules behind a real lighttpd on 127.0.0.1:$(PORT).
PORT	?= 8080
run: $(B)/fcgi-redirect
	$(B)/fcgi-redirect --check -c etc/redirects.ini
	etc/lighttpd/demo.sh $(B)/fcgi-redirect etc/redirects.ini $(PORT)

install: $(B)/fcgi-redirect
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/fcgi-redirect
	install -m 755 $(B)/fcgi-redirect $(DESTDIR)$(BINDIR)/fcgi-redirect
	test -e $(DESTDIR)$(RULES_DEFAULT) || \
	    install -m 644 etc/redirects.ini $(DESTDIR)$(RULES_DEFAULT)

clean:
	rm -rf $(B)

# Debian/Ubuntu packages to build and test (run as root).
deps:
	apt-get install -y build-essential pkg-config libfcgi-dev libfcgi-bin \
	    libinih-dev libpcre2-dev libcunit1-dev spawn-fcgi curl python3 \
	    lighttpd apache2 libapache2-mod-fcgid nginx-light fcgiwrap \
	    chromium

.PHONY: all test run install clean deps FORCE
