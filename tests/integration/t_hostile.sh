#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile peers and bad input against the live daemon: forged answer
# lines, non-host addresses (bind and spoofed packets), slow-loris,
# an unprivileged peer holding slots, pipelined output never read,
# connection floods with requests cut in the middle, a peer streaming
# requests, oversized and malformed requests.  Throughout, chilli's
# login hook runs alongside and must succeed within its timeout, and
# the daemon's memory must stay within the bound nfqlbd(8) documents.
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || { echo "1..0 # SKIP setpriv (util-linux) missing"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "1..0 # SKIP no user nobody"; exit 77; }

MAXC=8			# control.max_connections: few, so that slots run out
lab_up 2 1 1
SOCK=$LAB_DIR/ctl.sock
cat >> "$LAB_CONF" <<CONF
control = { socket = "$SOCK"; mode = "0666"; max_connections = $MAXC; idle_timeout = 5; };
CONF
chmod 0755 "$LAB_DIR"
chmod 0644 "$LAB_CONF"
# ASan keeps freed memory in quarantine: keep it small, RSS is judged.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4:thread_local_quarantine_size_kb=64
check "nfqlbd starts" lab_start
C=$BUILD/nfqlbctl
export NFQLB_SOCKET=$SOCK
PY=/usr/bin/python3	# the system's: nobody can run it
[ -x $PY ] || { echo "1..0 # SKIP $PY missing"; exit 77; }
# The attacker runs as nobody, who may not read a checkout under a private
# directory (a CI clone, /root): it gets its own copy in the lab's directory.
install -m 0644 "$TOP/tests/integration/hostile.py" "$LAB_DIR/hostile.py"
H="$PY $LAB_DIR/hostile.py $SOCK"
HN="setpriv --reuid=nobody --regid=nogroup --clear-groups $H"
PID=$(lab_pid)
stat_of() { $H raw stats | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'; }
field() { tr ' ' '\n' <<< "$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$PID/status"; }

# --- item 1: an answer is one well-framed answer whatever the input
a=$($H frame 'bind 192.168.182.63 mac=%0AOK%201\n')
is "a decoded newline in a MAC does not forge lines" "$(field "$a" answers) $(field "$a" lines)" "1 1"
case $(field "$a" first) in ERR_invalid_mac_\"\\x0aOK_1\"*) ok "the bad MAC is quoted escaped";;
	*) not_ok "the bad MAC is quoted escaped" "got: $a";; esac
a=$($H frame 'gateway add name=a%0Ab address=%1b[2J interface=x\n')
is "gateway add: one answer, one line" "$(field "$a" answers) $(field "$a" lines)" "1 1"
cp "$LAB_CONF" "$LAB_DIR/good.conf"
sed -i 's/set_prefix = "nfqlb-"/set_prefix = "x\\nOK 1\\n\\x1b[2J"/' "$LAB_CONF"
a=$($H frame 'reload\n')
case "$(field "$a" answers) $(field "$a" lines) $(field "$a" first)" in
	"1 1 ERR_invalid"*set_prefix*) ok "reload quotes a bad file's value on one line";;
	*) not_ok "reload quotes a bad file's value on one line" "got: $a";; esac
cp "$LAB_DIR/good.conf" "$LAB_CONF"

# --- non-host addresses: refused by bind, ignored on the packet path
for h in 0:network 255:broadcast 1:"an address of this host"; do
	a=$($H frame "bind 192.168.182.${h%%:*}\\n")
	case $a in *first=ERR_invalid_client_192.168.182.${h%%:*}_is_*) ok "bind .${h%%:*} refused (${h#*:})";;
		*) not_ok "bind .${h%%:*} refused (${h#*:})" "got: $a";; esac
done
# Each source alone (a raw socket: the kernel would pick another source
# for a socket bound to the broadcast address), its packet counted
# before the next is sent.
for h in 0 255 1; do
	nh0=$(stat_of non_host)
	in_cli $H spoof "192.168.182.$h" "$LAB_INET" >/dev/null
	for ((t = 0; t < 50; t++)); do
		[ "$(stat_of non_host)" -gt "$nh0" ] && break
		sleep 0.1
	done
	check "a spoofed packet from .$h is counted as non_host" test "$(stat_of non_host)" -gt "$nh0"
done
is "none of them is bound" "$($C list | awk '$1 ~ /^192\.168\.182\.(0|1|255)$/' | wc -l)" "0"

# --- a login hook alongside every attack
HOOKLOG=$LAB_DIR/hooks.log
RSSLOG=$LAB_DIR/rss.log
RUNNING=$LAB_DIR/running
: > "$HOOKLOG"
touch "$RUNNING"
hook_loop() {
	local i t0 t1 rc
	for ((i = 0; i < 400; i++)); do
		[ -e "$RUNNING" ] || break
		t0=$(date +%s%N)
		env -i PATH="$PATH" NFQLBCTL="$C" NFQLB_SOCKET="$SOCK" \
			FRAMED_IP_ADDRESS="192.168.182.$((100 + i % 100))" \
			CALLING_STATION_ID=AA-BB-CC-DD-EE-01 USER_NAME="user $i" \
			ACCT_SESSION_ID="s$i" sh "$TOP/scripts/chilli-conup.sh" >/dev/null 2>&1
		rc=$?
		t1=$(date +%s%N)
		echo "$rc $(( (t1 - t0) / 1000000 ))" >> "$HOOKLOG"
		sleep 0.2
	done
}
rss_loop() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ -e "$RUNNING" ] || break
		rss_kb >> "$RSSLOG"
		sleep 0.05
	done
}
# Enough bindings that a list answer has some size (60 clients).
for ((i = 30; i < 90; i++)); do $C bind "192.168.182.$i" >/dev/null; done
$C list > /dev/null
rss0=$(rss_kb)
hook_loop & BG_PIDS+=($!); HOOK_PID=$!
rss_loop & BG_PIDS+=($!); RSS_PID=$!

# slow-loris by an unprivileged peer: cut at the request deadline
a=$($HN loris 10 5)
echo "# loris: $a"
check "slow-loris peers are cut by the request deadline ($(field "$a" cut) of $(field "$a" peers), within $(field "$a" held_max) s)" \
	awk -v c="$(field "$a" cut)" -v o="$(field "$a" still_open)" -v t="$(field "$a" held_max)" \
	'BEGIN { exit !(c >= 1 && o == 0 && t <= 4.5) }'
# an unprivileged peer tries to hold every slot
a=$($HN hold $MAXC 4)
echo "# hold: $a"
check "an unprivileged peer gets fewer than all $MAXC slots (held $(field "$a" held))" \
	test "$(field "$a" held)" -lt "$MAXC" -a "$(field "$a" busy)" -ge 1
# pipelined output never read, by three unprivileged peers
a=$($HN pipeline 3 200000 5)
echo "# pipeline: $a"
# connection flood with requests cut in the middle
a=$($HN flood 3)
echo "# flood: $a"
# a peer streaming requests: another peer's stats still answered quickly
a=$($HN fair 4)
echo "# fair: $a"
check "a stats request waits less than 2 s behind a stream (worst $(field "$a" worst_ms) ms)" \
	test "$(field "$a" probes)" -ge 1 -a "$(field "$a" worst_ms)" -lt 2000
# oversized, malformed, binary requests
a=$($HN garbage)
echo "# garbage: $a"
is "every answer to garbage is well-framed" "$(field "$a" broken)" "0"

rm -f "$RUNNING"
wait "$HOOK_PID" "$RSS_PID" 2>/dev/null
n=$(wc -l < "$HOOKLOG")
bad=$(awk '$1 != 0' "$HOOKLOG" | wc -l)
check "all $n login hooks run alongside succeeded within their timeout ($bad failed)" \
	test "$n" -ge 10 -a "$bad" = 0
[ "$bad" = 0 ] || awk '$1 != 0 { print "#   rc", $1, "after", $2, "ms" }' "$HOOKLOG" | head

# Memory: nfqlbd(8): at most max_connections x (1 KiB + 64 KiB + one
# answer) + 1 MiB of control buffers; allow the allocator 16 MiB beyond
# that (32 MiB under ASan: its quarantine and size-class regions).
listsz=$($C list | wc -c)
slack_kb=16384
case $BUILD in *-san) slack_kb=32768 ;; esac
bound_kb=$(( (MAXC * (1024 + 65536 + listsz) + 1048576) / 1024 + slack_kb ))
rssmax=$(sort -n "$RSSLOG" | tail -1)
check "RSS grew by $((rssmax - rss0)) KiB, within $bound_kb KiB" test "$((rssmax - rss0))" -le "$bound_kb"
check "refusals were counted ($(stat_of control_refused))" test "$(stat_of control_refused)" -ge 1
check "deadlines and timeouts were counted ($(stat_of control_timeouts))" test "$(stat_of control_timeouts)" -ge 1
check "nfqlbd is alive" kill -0 "$PID"
t_done
