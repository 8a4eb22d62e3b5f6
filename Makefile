# SPDX-License-Identifier: GPL-2.0-or-later
# nfqlb - per-user multi-WAN load balancer.  Plain make + pkg-config.

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
LIBEXECDIR ?= $(PREFIX)/lib/nfqlb
UNITDIR	?= /lib/systemd/system
DESTDIR	?=

CC	?= cc
PKGS	:= libnetfilter_queue libmnl libnfnetlink libipset libconfig libsystemd
CHECK_PKG := check

WARN	:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -Wvla
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 $(WARN) -Iinclude -D_GNU_SOURCE
ifeq ($(SANITIZE),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=address,undefined
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CHECK_CFLAGS := $(shell pkg-config --cflags $(CHECK_PKG))
CHECK_LIBS   := $(shell pkg-config --libs $(CHECK_PKG))

B	:= build$(if $(filter 1,$(SANITIZE)),-san)

CORE_SRCS := src/balance.c src/addr.c
DAEMON_SRCS := src/nfqlbd.c src/commands.c src/control.c src/clientinfo.c \
	       src/queue.c src/ipset.c src/rtnl.c src/steer.c src/kmirror.c src/kmon.c \
	       src/conf.c src/log.c src/health.c src/ct.c \
	       src/failover.c $(CORE_SRCS)

CORE_OBJS   := $(CORE_SRCS:src/%.c=$(B)/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:src/%.c=$(B)/%.o)

UNIT_TESTS := $(B)/check_balance $(B)/check_conf $(B)/check_control \
	      $(B)/check_health $(B)/check_queue $(B)/check_kmon
TOOLS := $(B)/udpgen $(B)/lbset_tool $(B)/rtnl_tool $(B)/health_tool

all: $(B)/nfqlbd $(B)/nfqlbctl $(TOOLS)

$(B):
	mkdir -p $(B)

$(B)/%.o: src/%.c $(wildcard include/*.h) | $(B)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(B)/nfqlbd: $(DAEMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/nfqlbctl: $(B)/nfqlbctl.o $(B)/control.o $(B)/log.o
	$(CC) $(LDFLAGS) -o $@ $^

$(B)/check_control: tests/unit/check_control.c $(B)/control.o $(B)/log.o $(B)/clientinfo.o
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS)

$(B)/check_balance: tests/unit/check_balance.c $(CORE_OBJS)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS)

$(B)/check_conf: tests/unit/check_conf.c $(B)/conf.o $(B)/log.o $(CORE_OBJS)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS)

$(B)/check_health: tests/unit/check_health.c $(B)/health.o $(B)/log.o
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS)

$(B)/check_kmon: tests/unit/check_kmon.c $(B)/kmon.o
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS)

$(B)/check_queue: tests/unit/check_queue.c $(B)/queue.o $(B)/log.o
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS)

$(B)/health_tool: tests/tools/health_tool.c $(B)/health.o $(B)/log.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

$(B)/udpgen: tests/tools/udpgen.c | $(B)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(B)/lbset_tool: tests/tools/lbset_tool.c $(B)/ipset.o $(B)/addr.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(PKG_LIBS)

$(B)/rtnl_tool: tests/tools/rtnl_tool.c $(B)/rtnl.o $(B)/addr.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(PKG_LIBS)

$(B)/bench_balance: bench/bench_balance.c $(CORE_OBJS)
	$(CC) $(CFLAGS) -O2 -o $@ $^ $(LDFLAGS)

deps:
	scripts/install-deps.sh

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; CK_FORK=yes $$t; done

integration: all
	tests/integration/run.sh $(B)

# The README's test command: deps, build, unit tests, integration
# tests, then the same again under ASan/UBSan.
check: deps
	$(MAKE) unit integration
	$(MAKE) SANITIZE=1 unit integration

demo: deps all
	scripts/demo.sh $(B)

$(B)/pktgen: bench/pktgen.c | $(B)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(B)/qaccept: bench/qaccept.c | $(B)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LDFLAGS) $(PKG_LIBS)

$(B)/setadd: bench/setadd.c | $(B)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LDFLAGS) $(PKG_LIBS)

$(B)/bindlat: bench/bindlat.c | $(B)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

BENCH_TOOLS := $(B)/bench_balance $(B)/pktgen $(B)/qaccept $(B)/setadd \
	       $(B)/bindlat

# Root, namespaces, a few minutes; prints figures, never fails on a timing.
bench: all $(BENCH_TOOLS)
	bench/run.sh $(B)
	bench/login.sh $(B)

# The login path alone (part of bench): bind latency, about a minute.
bench-login: all $(B)/bindlat
	bench/login.sh $(B)

# The unit names /usr/local/sbin and /etc/nfqlb and the hooks call plain
# `nfqlbctl`: the installed SBINDIR and SYSCONFDIR are substituted.  An
# existing configuration is never overwritten.
install: $(B)/nfqlbd $(B)/nfqlbctl
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(SYSCONFDIR)/nfqlb $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(B)/nfqlbd $(DESTDIR)$(SBINDIR)/nfqlbd
	install -m 0755 $(B)/nfqlbctl $(DESTDIR)$(SBINDIR)/nfqlbctl
	install -m 0644 man/nfqlbd.8 man/nfqlbctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/nfqlb.conf.5 $(DESTDIR)$(MANDIR)/man5/
	for h in chilli-conup.sh chilli-condown.sh; do \
		sed 's|^NFQLBCTL=$${NFQLBCTL:-nfqlbctl}$$|NFQLBCTL=$${NFQLBCTL:-$(SBINDIR)/nfqlbctl}|' \
			scripts/$$h > $(DESTDIR)$(LIBEXECDIR)/$$h.tmp && \
		chmod 0755 $(DESTDIR)$(LIBEXECDIR)/$$h.tmp && \
		mv -f $(DESTDIR)$(LIBEXECDIR)/$$h.tmp $(DESTDIR)$(LIBEXECDIR)/$$h || exit 1; \
	done
	sed -e 's|/usr/local/sbin/|$(SBINDIR)/|g' -e 's|/etc/nfqlb/|$(SYSCONFDIR)/nfqlb/|g' \
		systemd/nfqlbd.service > $(DESTDIR)$(UNITDIR)/nfqlbd.service.tmp
	chmod 0644 $(DESTDIR)$(UNITDIR)/nfqlbd.service.tmp
	mv -f $(DESTDIR)$(UNITDIR)/nfqlbd.service.tmp $(DESTDIR)$(UNITDIR)/nfqlbd.service
	test -e $(DESTDIR)$(SYSCONFDIR)/nfqlb/nfqlb.conf || \
		install -m 0644 conf/nfqlb.conf $(DESTDIR)$(SYSCONFDIR)/nfqlb/nfqlb.conf

clean:
	rm -rf build build-san

.PHONY: all deps unit integration check demo bench bench-login install clean
