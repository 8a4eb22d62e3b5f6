#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No descriptor leaks: every descriptor nfqlbd holds is close-on-exec,
# its children (the health.notify script here) start with only stdin,
# stdout and stderr, and a notify script still running when the daemon
# is killed (SIGKILL: no clean stop) does not keep the NFQUEUE socket:
# the restarted daemon binds the queue and binds new clients.
#
# shellcheck disable=SC2317  # functions are called through check()
[ "$(id -u)" -eq 0 ] || { echo "t_fds: needs root (namespaces)"; exit 77; }
. "$(dirname "$0")/lib.sh"

SOCK=$LAB_DIR/ctl.sock
export NFQLB_SOCKET=$SOCK

# The notify script: Python, which opens nothing of its own before the
# script runs; it lists the descriptors it was started with ("N:target"
# beyond 0-2), records its pid, and, while $LAB_DIR/hang exists, stays
# (at most 60 s) holding whatever it inherited.
cat > "$LAB_DIR/notify.py" <<PY
#!/usr/bin/python3
import os, sys, time
fds = []
for fd in range(65536):
    try:
        os.fstat(fd)
    except OSError:
        continue
    try:
        fds.append("%d:%s" % (fd, os.readlink("/proc/self/fd/%d" % fd)) if fd > 2 else str(fd))
    except OSError:
        fds.append(str(fd))
with open("$LAB_DIR/notify.log", "a") as f:
    f.write("%s %s %s fds %s\n" % (sys.argv[1], sys.argv[2], sys.argv[3], " ".join(fds)))
with open("$LAB_DIR/notify.pids", "a") as f:
    f.write("%d\n" % os.getpid())
end = time.monotonic() + 60
while os.path.exists("$LAB_DIR/hang") and time.monotonic() < end:
    time.sleep(0.1)
PY
chmod 0755 "$LAB_DIR/notify.py"

# The scripts may outlive the daemon: they are ended by pid at exit.
fds_cleanup() {
	local rc=$? p
	rm -f "$LAB_DIR/hang"
	for p in $(cat "$LAB_DIR/notify.pids" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	(exit $rc)
	t_cleanup
}
trap fds_cleanup EXIT

lab_up 4 1 1
cat >> "$LAB_CONF" <<CONF
health = {
  interval = 200; timeout = 150; min_ok = 1; fall = 2; rise = 2;
  targets = [ "icmp:$LAB_INET" ];
  notify = "$LAB_DIR/notify.py"; notify_timeout = 120;
};
control = { socket = "$SOCK"; };
CONF
touch "$LAB_DIR/hang"
check "nfqlbd starts" lab_start
pid=$(lab_pid)
notified() { [ "$(grep -c ' probing up fds ' "$LAB_DIR/notify.log" 2>/dev/null)" = 2 ]; }
check "notify ran for both gateways (probing -> up, 10 s)" wait_until 10 notified

# --- the children: only 0, 1 and 2 ---
is "each notify script started with descriptors 0 1 2 only" \
	"$(sed -n 's/^\(wan[0-9]\) probing up fds /\1 /p' "$LAB_DIR/notify.log" | sort)" \
	"wan1 0 1 2
wan2 0 1 2"

# --- the daemon: every descriptor from 3 up is close-on-exec ---
# fdinfo's "flags" are octal open flags; O_CLOEXEC is 02000000.
leaks=""
n=0
for f in /proc/"$pid"/fdinfo/*; do
	fd=${f##*/}
	if ! [[ $fd =~ ^[0-9]+$ ]] || [ "$fd" -le 2 ]; then
		continue
	fi
	fl=$(awk '$1 == "flags:" { print $2 }' "$f" 2>/dev/null) || continue
	[ -n "$fl" ] || continue
	n=$((n + 1))
	(( 8#$fl & 8#2000000 )) || leaks="$leaks $fd:$(readlink /proc/"$pid"/fd/"$fd")"
done
check "nfqlbd holds descriptors to judge ($n)" [ "$n" -ge 5 ]
is "every one of them is close-on-exec" "$leaks" ""

# --- a crash with the scripts still running, then a restart ---
running() {
	local p n=0
	for p in $(cat "$LAB_DIR/notify.pids" 2>/dev/null); do
		kill -0 "$p" 2>/dev/null || return 1
		n=$((n + 1))
	done
	[ "$n" = 2 ]
}
check "both notify scripts still running" running
lab_stop KILL
check "nfqlbd is gone (SIGKILL), the scripts still run" running
: > "$LAB_DIR/notify.log"
check "nfqlbd starts again" lab_start
pid=$(lab_pid)
# "bound" is the daemon's: a queue held by a script's inherited socket
# would be listed too, but nobody would read it.
check "new clients are bound by their first packets (10 s)" \
	eval 'lab_send 0 4 2; wait_bound 0 4 10'
check "the restarted nfqlbd still runs" kill -0 "$pid"
check "its log has no queue error" eval "! grep -Ei 'queue.*(EPERM|not permitted|bind)' '$LAB_LOG'"
rm -f "$LAB_DIR/hang"
lab_stop
t_done
