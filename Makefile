# SPDX-License-Identifier: GPL-2.0-or-later
# nfqlb - per-user multi-WAN load balancer.  Plain make + pkg-config.

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
LIBEXECDIR ?= $(PREFIX)/lib/nfqlb
UNITDIR	?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR	?= $(PREFIX)/share/doc/nfqlb
DESTDIR	?=

VERSION	:= $(shell cat VERSION)

CC	?= cc
PKGS	:= libnetfilter_queue libmnl libnfnetlink libipset libconfig libsystemd
CHECK_PKG := check

# The project's own flags live in NFQLB_CFLAGS and NFQLB_LDFLAGS; CPPFLAGS,
# CFLAGS and LDFLAGS are the builder's (dpkg-buildflags, `make CFLAGS=-O0`)
# and come last, so they win.  -Werror only where asked: WERROR=1 (CI and
# `make check`); a distribution's newer compiler must not fail the build
# on a new warning.
WARN	:= -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -Wvla
CFLAGS	?= -O2 -g
NFQLB_CFLAGS := -std=gnu11 $(WARN) -Isrc -D_GNU_SOURCE \
	   -DNFQLB_VERSION='"$(VERSION)"'
NFQLB_LDFLAGS :=
ifeq ($(WERROR),1)
NFQLB_CFLAGS += -Werror
endif
ifeq ($(SANITIZE),1)
NFQLB_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
NFQLB_LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = $(NFQLB_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(NFQLB_LDFLAGS) $(LDFLAGS)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CHECK_CFLAGS := $(shell pkg-config --cflags $(CHECK_PKG))
CHECK_LIBS   := $(shell pkg-config --libs $(CHECK_PKG))

B	:= build$(if $(filter 1,$(SANITIZE)),-san)

# src/ is layered (src/README): one folder a layer, objects flat in $(B).
LAYERS	:= util core conf kernel daemon ctl web
vpath %.c $(LAYERS:%=src/%)
HDRS	:= $(wildcard $(LAYERS:%=src/%/*.h))

# A module's source, wherever its layer keeps it: $(call src,balance addr)
src	= $(foreach m,$(1),$(firstword $(wildcard $(LAYERS:%=src/%/$(m).c))))
CORE_MODS := balance addr load
DAEMON_MODS := nfqlbd commands control clientinfo kb_ipt hafp notify bindings topology proto instance prober \
	       queue lbset rtnl steer proxy iptaudit kmirror kmon \
	       conf log spawn sbuf health ct \
	       failover portal state sync synclist iptab \
	       foreign utf8 escape ownaddr traffic \
	       judge ha ctlearn hasync ctacct loadwatch \
	       linkstate linkmon uplink \
	       $(CORE_MODS)

CORE_OBJS   := $(CORE_MODS:%=$(B)/%.o)
DAEMON_OBJS := $(DAEMON_MODS:%=$(B)/%.o)

UNIT_TESTS := $(B)/check_balance $(B)/check_conf $(B)/check_control \
	      $(B)/check_health $(B)/check_queue $(B)/check_portal \
	      $(B)/check_log $(B)/check_traffic $(B)/check_records $(B)/check_judge \
	      $(B)/check_ha $(B)/check_kmon $(B)/check_daemon $(B)/check_load \
	      $(B)/check_linkstate
TOOLS := $(B)/udpgen $(B)/lbset_tool $(B)/rtnl_tool $(B)/health_tool $(B)/tunrelay

all: $(B)/nfqlbd $(B)/nfqlbctl $(B)/nfqlb-web $(TOOLS)

$(B):
	mkdir -p $(B)

$(B)/%.o: %.c $(HDRS) VERSION | $(B)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(B)/nfqlbd: $(DAEMON_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

JSON_CFLAGS := $(shell pkg-config --cflags json-c)
JSON_LIBS   := $(shell pkg-config --libs json-c)

$(B)/nfqlbctl.o $(B)/records.o: $(B)/%.o: %.c $(HDRS) VERSION | $(B)
	$(CC) $(ALL_CFLAGS) $(JSON_CFLAGS) -c -o $@ $<

$(B)/nfqlbctl: $(B)/nfqlbctl.o $(B)/records.o $(B)/proto.o $(B)/log.o $(B)/synclist.o $(B)/addr.o \
		$(B)/utf8.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(JSON_LIBS)

# nfqlb-web: a separate program (nfqlb-web(8)), the dashboard embedded.
WEB_PKGS := libmicrohttpd json-c libconfig
WEB_CFLAGS := $(shell pkg-config --cflags $(WEB_PKGS))
WEB_LIBS   := $(shell pkg-config --libs $(WEB_PKGS)) -lm -lpthread
WEB_ASSETS := web/index.html web/app.js web/style.css

$(B)/web.o $(B)/webcore.o: $(B)/%.o: %.c $(HDRS) VERSION | $(B)
	$(CC) $(ALL_CFLAGS) $(WEB_CFLAGS) -c -o $@ $<

$(B)/web_assets.o: src/web/web_assets.c $(WEB_ASSETS) | $(B)
	$(CC) $(ALL_CFLAGS) -DWEB_DIR='"$(CURDIR)/web"' -c -o $@ $<

$(B)/nfqlb-web: $(B)/web.o $(B)/webcore.o $(B)/web_assets.o $(B)/records.o $(B)/proto.o $(B)/log.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(WEB_LIBS)

$(B)/check_control: tests/unit/check_control.c $(B)/control.o $(B)/proto.o $(B)/log.o $(B)/clientinfo.o \
		$(B)/utf8.o $(B)/escape.o
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS)

$(B)/check_portal: tests/unit/check_portal.c $(B)/synclist.o $(B)/utf8.o $(B)/state.o \
		$(B)/foreign.o $(B)/iptab.o $(B)/clientinfo.o $(B)/proto.o $(B)/log.o \
		$(B)/rtnl.o $(B)/addr.o $(B)/traffic.o $(B)/conf.o
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS)

$(B)/check_balance: tests/unit/check_balance.c $(CORE_OBJS)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS)

$(B)/check_load: tests/unit/check_load.c $(CORE_OBJS)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS)

$(B)/check_conf: tests/unit/check_conf.c $(B)/conf.o $(B)/log.o $(B)/ownaddr.o $(CORE_OBJS)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS)

$(B)/check_records: tests/unit/check_records.c $(B)/records.o $(B)/webcore.o $(B)/proto.o $(B)/log.o
	$(CC) $(ALL_CFLAGS) $(WEB_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS) $(WEB_LIBS)

$(B)/check_traffic: tests/unit/check_traffic.c $(B)/traffic.o
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS)

$(B)/check_ha: tests/unit/check_ha.c $(B)/ha.o $(B)/hafp.o $(B)/conf.o $(B)/log.o $(B)/ownaddr.o $(CORE_OBJS)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS)

$(B)/check_health: tests/unit/check_health.c $(B)/health.o $(B)/prober.o $(B)/log.o
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS)

$(B)/check_judge: tests/unit/check_judge.c $(B)/judge.o
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS)

# The daemon's layers for real over the fake kernel backend (tests/fake).
STACK_OBJS := $(filter-out $(B)/nfqlbd.o,$(DAEMON_OBJS)) $(B)/fake_kbackend.o $(B)/stack.o

$(B)/fake_kbackend.o $(B)/stack.o: $(B)/%.o: tests/fake/%.c $(wildcard tests/fake/*.h) $(HDRS) | $(B)
	$(CC) $(ALL_CFLAGS) -Itests/fake $(PKG_CFLAGS) -c -o $@ $<

$(B)/check_daemon: tests/unit/check_daemon.c $(STACK_OBJS)
	$(CC) $(ALL_CFLAGS) -Itests/fake $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS)
$(B)/check_linkstate: tests/unit/check_linkstate.c $(B)/linkstate.o
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS)

$(B)/check_kmon: tests/unit/check_kmon.c $(B)/kmon.o
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS)

$(B)/check_queue: tests/unit/check_queue.c $(B)/queue.o $(B)/log.o
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS)

$(B)/check_log: tests/unit/check_log.c $(B)/log.o
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CHECK_LIBS)

$(B)/health_tool: tests/tools/health_tool.c $(B)/health.o $(B)/prober.o $(B)/log.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS)

$(B)/tunrelay: tests/tools/tunrelay.c | $(B)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

$(B)/udpgen: tests/tools/udpgen.c | $(B)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

$(B)/lbset_tool: tests/tools/lbset_tool.c $(B)/lbset.o $(B)/addr.o $(B)/spawn.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/rtnl_tool: tests/tools/rtnl_tool.c $(B)/rtnl.o $(B)/addr.o $(B)/traffic.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/bench_balance: bench/bench_balance.c $(CORE_OBJS)
	$(CC) $(ALL_CFLAGS) -O2 -o $@ $^ $(ALL_LDFLAGS)

# ---- fuzzing (libFuzzer, clang): tests/fuzz/, seeds in tests/fuzz/corpus/ ----
# `make fuzz` runs each harness for FUZZ_TIME seconds (default 600) with
# ASan and UBSan; any finding (crash, leak, undefined behaviour, a
# broken answer framing) fails it and leaves the input in build-fuzz/.
FUZZ_CC	?= clang
FUZZ_TIME ?= 600
FB	:= build-fuzz
FUZZ_FLAGS := -g -O1 -std=gnu11 $(WARN) -Wno-format-nonliteral -Isrc -Itests/fuzz -Itests/fake -D_GNU_SOURCE \
	      -DNFQLB_VERSION='"$(VERSION)"' \
	      -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer
FUZZERS	:= fuzz_conf fuzz_control fuzz_queue fuzz_addr
FUZZ_conf_SRCS := $(call src,conf log addr)
FUZZ_control_SRCS := $(call src,$(filter-out nfqlbd,$(DAEMON_MODS))) tests/fake/fake_kbackend.c \
		     tests/fake/stack.c
FUZZ_queue_SRCS := $(call src,queue log)
FUZZ_addr_SRCS := $(call src,addr clientinfo proto log utf8 escape ownaddr)

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c $(HDRS) $(wildcard tests/fuzz/*.h src/*/*.c tests/fuzz/*.c tests/fake/*)
	@mkdir -p $(FB)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(PKG_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_$*_SRCS) $(PKG_LIBS)

# libconfig 1.5 leaks on every syntax error, which would make libFuzzer
# check for leaks after nearly every input (5 inputs a second instead
# of 500): the config fuzzer runs without leak checks (ASan and UBSan
# stay on; conf.c's own leaks are LeakSanitizer's in check_conf under
# SANITIZE=1).  The others check leaks (libconfig's: lsan.supp).
FUZZ_conf_OPTS := -detect_leaks=0

fuzz-build: $(FUZZERS:%=$(FB)/%)

fuzz: fuzz-build
	@set -e; for f in $(FUZZERS); do \
		echo "== $$f for $(FUZZ_TIME) s"; \
		mkdir -p $(FB)/corpus/$$f; \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(FB)/$$f -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
			$$(case $$f in fuzz_conf) echo "$(FUZZ_conf_OPTS)";; esac) \
			-print_final_stats=1 -artifact_prefix=$(FB)/$$f- \
			$(FB)/corpus/$$f tests/fuzz/corpus/$$f \
			> $(FB)/$$f.log 2>&1 || { tail -n 60 $(FB)/$$f.log; \
			echo "FAIL: $$f found a bug, input in $(FB)/$$f-*"; exit 1; }; \
		grep -E "^stat::number_of_executed_units|^Done" $(FB)/$$f.log || true; \
	done

deps:
	scripts/install-deps.sh

# Check kills a test after 4 s by default: too short for a sanitized build
# on a busy machine.  A hung test still ends, after 120 s.
# A suite exits 77 when part of it needs root and we are not (a package
# build): skipped, which fails under CI=true, where nothing may be.
unit: $(UNIT_TESTS)
	@skipped=0; for t in $(UNIT_TESTS); do echo "== $$t"; \
		CK_FORK=yes CK_DEFAULT_TIMEOUT=120 $$t; rc=$$?; \
		if [ $$rc -eq 77 ]; then skipped=$$((skipped + 1)); \
		elif [ $$rc -ne 0 ]; then exit $$rc; fi; \
	done; \
	if [ $$skipped -gt 0 ] && [ "$${CI:-}" = true ]; then \
		echo "unit: $$skipped suite(s) skipped checks, a failure under CI=true"; exit 1; fi

integration: all
	tests/integration/run.sh $(B)

# The README's test command (after scripts/install-deps.sh, which
# scripts/check.sh runs first; make check itself never runs apt-get):
# build with -Werror, unit tests, integration tests, then the same again
# under ASan/UBSan.
check:
	$(MAKE) layers
	$(MAKE) WERROR=1 unit integration
	$(MAKE) package-check
	$(MAKE) WERROR=1 SANITIZE=1 unit integration
	$(MAKE) fuzz FUZZ_TIME=60

# The Debian package, from a copy of the tree: dpkg-buildpackage, lintian,
# hardening-check, both units started under a real systemd (t_deb, about
# two minutes); built as Debian builds it, in a clean chroot from the
# Build-Depends alone, as an ordinary user (t_clean_build, a few
# minutes).  Skipped without their tools, a failure under CI=true.
package-check:
	@rc=0; for t in tests/package/t_deb.sh tests/package/t_clean_build.sh; do \
		echo "== $$t"; $$t; r=$$?; \
		if [ $$r -eq 77 ] && [ "$${CI:-}" = true ]; then \
			echo "== $$t skipped under CI=true: a failure"; rc=1; \
		elif [ $$r -ne 0 ] && [ $$r -ne 77 ]; then rc=1; fi; \
	done; exit $$rc

# src/'s shape (src/LAYERS, src/README): no include circle, no include up
# the layers, every module with its header, few long functions, a small
# main; then the checker's own tests.
layers:
	scripts/check-layers.sh && tests/layers/run.sh

# Hunt flakes: the whole suite SOAK_RUNS times, every other run under
# stress-ng; prints how often each failing check failed.  Not for CI.
SOAK_RUNS ?= 5
soak:
	scripts/soak.sh $(SOAK_RUNS)

demo: deps all
	scripts/demo.sh $(B)

$(B)/pktgen: bench/pktgen.c | $(B)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

$(B)/qaccept: bench/qaccept.c | $(B)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/setadd: bench/setadd.c | $(B)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/bindlat: bench/bindlat.c | $(B)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

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
# `nfqlbctl`: the installed SBINDIR and SYSCONFDIR are substituted, and
# the man pages get the VERSION in their .TH line.  An existing
# configuration is never overwritten.
install: $(B)/nfqlbd $(B)/nfqlbctl $(B)/nfqlb-web
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(SYSCONFDIR)/nfqlb $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(B)/nfqlbd $(DESTDIR)$(SBINDIR)/nfqlbd
	install -m 0755 $(B)/nfqlbctl $(DESTDIR)$(SBINDIR)/nfqlbctl
	install -m 0755 $(B)/nfqlb-web $(DESTDIR)$(SBINDIR)/nfqlb-web
	install -m 0644 completion/nfqlbctl $(DESTDIR)$(BASHCOMPDIR)/nfqlbctl
	for m in man8/nfqlbd.8 man8/nfqlbctl.8 man8/nfqlb-web.8 man5/nfqlb.conf.5; do \
		sed '/^\.TH /s/"nfqlb"/"nfqlb $(VERSION)"/' man/$${m#*/} \
			> $(DESTDIR)$(MANDIR)/$$m.tmp && \
		chmod 0644 $(DESTDIR)$(MANDIR)/$$m.tmp && \
		mv -f $(DESTDIR)$(MANDIR)/$$m.tmp $(DESTDIR)$(MANDIR)/$$m || exit 1; \
	done
	for h in chilli-conup.sh chilli-condown.sh chilli-sync.sh; do \
		sed 's|^NFQLBCTL=$${NFQLBCTL:-nfqlbctl}$$|NFQLBCTL=$${NFQLBCTL:-$(SBINDIR)/nfqlbctl}|' \
			scripts/$$h > $(DESTDIR)$(LIBEXECDIR)/$$h.tmp && \
		chmod 0755 $(DESTDIR)$(LIBEXECDIR)/$$h.tmp && \
		mv -f $(DESTDIR)$(LIBEXECDIR)/$$h.tmp $(DESTDIR)$(LIBEXECDIR)/$$h || exit 1; \
	done
	for u in nfqlbd.service nfqlb-web.service nfqlb-chilli-sync.service \
		 nfqlb-chilli-sync.timer nfqlb-e2guardian@.service; do \
		sed -e 's|/usr/local/sbin/|$(SBINDIR)/|g' -e 's|/etc/nfqlb/|$(SYSCONFDIR)/nfqlb/|g' \
			-e 's|/usr/local/lib/nfqlb/|$(LIBEXECDIR)/|g' \
			systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u.tmp && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.tmp && \
		mv -f $(DESTDIR)$(UNITDIR)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	test -e $(DESTDIR)$(SYSCONFDIR)/nfqlb/nfqlb.conf || \
		install -m 0644 conf/nfqlb.conf $(DESTDIR)$(SYSCONFDIR)/nfqlb/nfqlb.conf
	# The groups the units and the example name (nfqlb-read), made now
	# on a live install; a staged one (DESTDIR) leaves it to its package.
	install -d $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 systemd/nfqlb.sysusers $(DESTDIR)$(SYSUSERSDIR)/nfqlb.conf
	if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/nfqlb.conf; fi
	# The HA pair (README "Two boxes"): the notify script beside the
	# hooks, calling the installed nfqlbctl; examples under the docs.
	sed 's|^NFQLBCTL=$${NFQLBCTL:-nfqlbctl}$$|NFQLBCTL=$${NFQLBCTL:-$(SBINDIR)/nfqlbctl}|' \
		scripts/ha-notify.sh > $(DESTDIR)$(LIBEXECDIR)/ha-notify.sh.tmp
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/ha-notify.sh.tmp
	mv -f $(DESTDIR)$(LIBEXECDIR)/ha-notify.sh.tmp $(DESTDIR)$(LIBEXECDIR)/ha-notify.sh
	install -d $(DESTDIR)$(DOCDIR)/examples
	sed 's|/usr/local/lib/nfqlb/|$(LIBEXECDIR)/|g' conf/keepalived.conf \
		> $(DESTDIR)$(DOCDIR)/examples/keepalived.conf
	install -m 0644 conf/conntrackd.conf $(DESTDIR)$(DOCDIR)/examples/conntrackd.conf
	install -m 0644 scripts/ha-notify.sh $(DESTDIR)$(DOCDIR)/examples/ha-notify.sh
	# Behind a web proxy (README): the proxy's side, from nfqlbd's gateways.
	sed 's|/usr/local/sbin/|$(SBINDIR)/|g' scripts/nfqlb-proxy-conf.sh \
		> $(DESTDIR)$(LIBEXECDIR)/nfqlb-proxy-conf.tmp
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/nfqlb-proxy-conf.tmp
	mv -f $(DESTDIR)$(LIBEXECDIR)/nfqlb-proxy-conf.tmp $(DESTDIR)$(LIBEXECDIR)/nfqlb-proxy-conf

# A source tarball of the committed tree: nfqlb-VERSION.tar.gz.
DIST	:= nfqlb-$(VERSION)
dist:
	git archive --format=tar.gz --prefix=$(DIST)/ -o $(DIST).tar.gz HEAD
	@echo "$(DIST).tar.gz"

clean:
	rm -rf build build-san build-fuzz

.PHONY: all deps unit integration check layers soak demo bench bench-login install dist package-check clean \
	fuzz fuzz-build
