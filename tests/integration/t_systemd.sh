#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The shipped unit under a real systemd: boot systemd 252 in a container
# (systemd-nspawn) over this machine's own root, in a private mount
# namespace with a volatile overlay (nothing it writes reaches the real
# root), joined to the lab's gateway box namespace.  Install the unit
# and the binaries there, then: start (READY=1 and the status text),
# reload of a good and of a bad file, restart and stop leaving nothing
# behind in the kernel, journal priorities, and no restart loop on a
# configuration error.
. "$(dirname "$0")/lib.sh"

# shellcheck source=nspawn.sh
. "$TOP/tests/integration/nspawn.sh"
why=$(sd_cannot)
if [ -n "$why" ]; then
	echo "1..0 # SKIP $why"
	exit 77
fi

sd_cleanup() {
	local rc=$?
	if [ "$T_FAILED" -gt 0 ] && [ -n "$SD_INIT" ] && [ -n "$SD_PID" ]; then
		echo "# journal of nfqlbd.service in the container:"
		in_sd journalctl -u nfqlbd --no-pager -o short-monotonic 2>/dev/null |
			tail -40 | sed 's/^/#   /'
	fi
	sd_down
	t_cleanup
	return $rc
}
trap sd_cleanup EXIT
prop() { sysctl_sd show -p "$1" --value nfqlbd; }

lab_up 6 1 1
# Probes (ICMP to the routers' INET address), fast, so a gateway can be
# made to go down within a second.
cat >> "$LAB_CONF" <<CONF
health = { interval = 200; timeout = 150; min_ok = 1; fall = 2; rise = 2;
  targets = [ "icmp:$LAB_INET" ]; };
CONF
check "the lab's config is valid" "$BUILD/nfqlbd" -n -c "$LAB_CONF"

# --- boot ---
if sd_up "$LAB_DIR" "/run/netns/$LAB_GW"; then
	ok "systemd boots in the container ($SD_STATE)"
else
	not_ok "systemd boots in the container within 60 s" "state: '$SD_STATE'" \
		"$(tail -20 "$SD_CONSOLE")"
	t_done
	exit 1
fi
is "the container runs in the lab's box namespace" \
	"$(in_sd readlink /proc/self/ns/net)" "$(ip netns exec "$LAB_GW" readlink /proc/self/ns/net)"

# --- install: binaries, config, the shipped unit ---
STAGE=$LAB_DIR/stage
mkdir -p "$STAGE/usr/local/sbin" "$STAGE/etc/nfqlb" "$STAGE/etc/systemd/system"
cp "$BUILD/nfqlbd" "$BUILD/nfqlbctl" "$STAGE/usr/local/sbin/"
cp "$LAB_CONF" "$STAGE/etc/nfqlb/nfqlb.conf"
cp "$TOP/systemd/nfqlbd.service" "$STAGE/etc/systemd/system/"
# An ASan build: LeakSanitizer needs ptrace, which the unit's system
# call filter forbids (rightly); the rest of the sandbox stays.
if ldd "$BUILD/nfqlbd" | grep -q libasan; then
	mkdir -p "$STAGE/etc/systemd/system/nfqlbd.service.d"
	printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' \
		> "$STAGE/etc/systemd/system/nfqlbd.service.d/asan.conf"
fi
# --keep-directory-symlink: the container's /lib, /bin... are symlinks.
tar -C "$STAGE" -c . | in_sd tar -C / -x --keep-directory-symlink --no-same-owner
sysctl_sd daemon-reload
is "the unit is known and not started by itself" "$(prop ActiveState)" "inactive"
exposure=$(in_sd systemd-analyze security nfqlbd.service 2>/dev/null |
	sed -n 's/.*Overall exposure level for nfqlbd.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: exposure ${exposure:-?} <= 3.0" \
	awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 <= 3.0) }'
before_chilli() { prop Before | grep -qw chilli.service; }
check "the unit is ordered before chilli" before_chilli

# --- start ---
check "systemctl start (waits for READY=1)" sysctl_sd start nfqlbd
is "active, running" "$(prop ActiveState)/$(prop SubState)" "active/running"
is "status text" "$(prop StatusText)" "serving 2 gateways"
is "the PREROUTING jump is in place" "$(in_gw iptables -t mangle -S PREROUTING | grep -c -- '-j NFQLB$')" 1
lab_send 0 6 2
is "6 clients bound" "$(lab_bindings | wc -l)" 6
ours_left() {
	echo "chains/jumps $(in_gw iptables-save -t mangle | grep -c NFQLB)" \
		"rules $(in_gw ip rule show | grep -c 'lookup 20[01]')" \
		"routes $(for tb in 200 201; do in_gw ip route show table $tb; done | wc -l)"
}

# --- journal priorities ---
jctl() { timeout 20 nsenter -t "$SD_INIT" -a journalctl -u nfqlbd --no-pager -o cat "$@"; }
wait_journal() {	# wait_journal PRIORITY REGEX SECONDS
	local t
	for ((t = 0; t < $3 * 10; t++)); do
		jctl -p "$1" | grep -Eq "$2" && return 0
		sleep 0.1
	done
	return 1
}
check "'serving 2 gateways' is at info" wait_journal info "^serving 2 gateways" 10
is "... and not at warning" "$(jctl -p warning | grep -c '^serving')" 0
# Up first (probing -> up), then its probes are dropped: up -> down.
check "wan2 comes up (info)" wait_journal info "^gateway wan2: probing -> up" 10
in_r 2 iptables -I INPUT -p icmp -j DROP
check "journalctl -p warning shows 'gateway wan2: up -> down'" \
	wait_journal warning "^gateway wan2: up -> down" 10
in_r 2 iptables -D INPUT -p icmp -j DROP
check "'gateway wan2: down -> up' is at info" wait_journal info "^gateway wan2: down -> up" 10
is "... and not at warning" "$(jctl -p warning | grep -c 'down -> up')" 0
pri=$(in_sd journalctl -u nfqlbd --no-pager -o json --output-fields=PRIORITY,MESSAGE |
	python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("MESSAGE", "").startswith("gateway wan2: up -> down"):
        print(m["PRIORITY"])' | head -1)
is "its PRIORITY field is 4 (warning)" "$pri" 4
is "no line carries a literal '<N>' prefix" "$(jctl | grep -c '^<[0-9]>')" 0

# --- reload: a good file, then a bad one ---
in_sd sed -i 's/interface = "wan2"; weight = 1;/interface = "wan2"; weight = 3;/' /etc/nfqlb/nfqlb.conf
check "systemctl reload of a good file succeeds" sysctl_sd reload nfqlbd
is "status text after a good reload" "$(prop StatusText)" "serving 2 gateways; reloaded"
is "the new weight is in use" "$(in_sd /usr/local/sbin/nfqlbctl gateways | awk '$1 == "wan2" { print $4 }')" 3
in_sd cp /etc/nfqlb/nfqlb.conf /etc/nfqlb/good.conf
in_sd sed -i 's/weight = 3;/weight = -5;/' /etc/nfqlb/nfqlb.conf
out=$(sysctl_sd reload nfqlbd 2>&1)
rc=$?
check "systemctl reload of a bad file fails (exit $rc)" test "$rc" -ne 0
is "the unit stays active" "$(prop ActiveState)" "active"
reload_failed_status() { prop StatusText | grep -q '^serving 2 gateways; reload failed: .*weight'; }
check "the status text says the reload failed, and why" reload_failed_status
check "the reason is at warning in the journal" wait_journal warning "reload failed" 5
in_sd cp /etc/nfqlb/good.conf /etc/nfqlb/nfqlb.conf

# --- restart and stop, twice each: clean every time ---
# With the default KillMode=control-group, systemd's SIGTERM also hits
# the iptables-restore children nfqlbd starts as it tears down, when
# they are forked while systemd is still sweeping the cgroup: a race
# (it left a jump and an empty chain in 2 stops of 2 on one machine,
# none here), so the mode is checked as well as the result.
is "KillMode=mixed: SIGTERM to nfqlbd alone" "$(prop KillMode)" mixed
before=$(lab_bindings | sort)
for round in 1 2; do
	check "systemctl restart ($round)" sysctl_sd restart nfqlbd
	is "restart $round: active" "$(prop ActiveState)" "active"
	is "restart $round: one PREROUTING jump" \
		"$(in_gw iptables -t mangle -S PREROUTING | grep -c -- '-j NFQLB$')" 1
done
is "the bindings survived the restarts" "$(lab_bindings | sort)" "$before"
for round in 1 2; do
	check "systemctl stop ($round)" sysctl_sd stop nfqlbd
	is "stop $round: inactive, result success" "$(prop ActiveState)/$(prop Result)" "inactive/success"
	is "stop $round: nothing left in the kernel" "$(ours_left)" "chains/jumps 0 rules 0 routes 0"
	is "stop $round: no process left" "$(prop MainPID)" 0
	[ "$round" = 1 ] && check "start again" sysctl_sd start nfqlbd
done

# --- configuration errors: exit 78, no restart loop ---
bad_start() {	# bad_start WHAT: start fails with 78, and no restart follows
	local what=$1 t n=0 st
	sysctl_sd reset-failed nfqlbd 2>/dev/null
	if sysctl_sd start nfqlbd 2>/dev/null; then
		not_ok "$what: systemctl start fails"
	else
		ok "$what: systemctl start fails"
	fi
	is "$what: main process exit status 78" "$(prop ExecMainStatus)" 78
	# RestartSec=2s: a restart would be under way within 2.5 s; watch 4 s.
	for ((t = 0; t < 40; t++)); do
		n=$(prop NRestarts)
		st=$(prop ActiveState)
		[ "$n" != 0 ] || [ "$st" != failed ] && break
		sleep 0.1
	done
	is "$what: no restart, the unit stays failed" "$n/$st" "0/failed"
	is "$what: nothing left in the kernel" "$(ours_left)" "chains/jumps 0 rules 0 routes 0"
}
sysctl_sd stop nfqlbd
# A gateway's interface missing is no configuration error: the gateway
# waits for it (no-link), the others are served.
in_sd sed -i 's/interface = "wan2"/interface = "nfqlb-nosuch"/' /etc/nfqlb/nfqlb.conf
sysctl_sd reset-failed nfqlbd 2>/dev/null
check "a gateway interface missing: the unit starts" sysctl_sd start nfqlbd
is "a gateway interface missing: active" "$(prop ActiveState)" active
check "the missing interface is named at warning" wait_journal warning "gateway wan2: .*nfqlb-nosuch" 5
is "wan2 is no-link with 0 clients" \
	"$(in_sd /usr/local/sbin/nfqlbctl -j gateways | python3 -c 'import json, sys
print(" ".join("%s %s" % (g["state"], g["clients"]) for g in json.load(sys.stdin) if g["name"] == "wan2"))')" \
	"no-link 0"
check "and stops" sysctl_sd stop nfqlbd
in_sd sh -c 'echo "lan = 5;" >> /etc/nfqlb/nfqlb.conf'
bad_start "a bad file"
in_sd cp /etc/nfqlb/good.conf /etc/nfqlb/nfqlb.conf
sysctl_sd reset-failed nfqlbd
check "with the file fixed, it starts" sysctl_sd start nfqlbd
check "and stops" sysctl_sd stop nfqlbd
t_done
