#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nfqlb behind coova-chilli (issue 10), chilli emulated at the box as it
# behaves: hooks run with env -i and chilli's variables only, several
# at once; before login a device sends DNS to the box (chilli's dns1)
# and to a resolver outside, and HTTP to the portal's port on the box;
# logout is followed at once by DNS; one device never logs in; a conup
# chilli skipped is repaired by chilli-sync.sh from a chilli_query list;
# a restart and a crash keep MAC, user, session and since; a foreign
# rule on nfqlb's tables stops the start.  Evidence: the routers'
# counters, the queue's own counter, the daemon's list.
. "$(dirname "$0")/lib.sh"

LAB_CLIENTS_EXTRA="release_hold = 5; idle_timeout = 6;"
lab_up 40 1 1
SOCK=$LAB_DIR/ctl.sock
cat >> "$LAB_CONF" <<CONF
control = { socket = "$SOCK"; };
CONF
check "nfqlbd starts (bind_on_packet default true)" lab_start
export NFQLB_SOCKET=$SOCK
C=$BUILD/nfqlbctl
BOX=$LAB_LAN.1
PORTAL_PORT=3990

# chilli runs its hooks with its own environment only (env -i).
hook_up() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NFQLBCTL="$C" NFQLB_SOCKET="$SOCK" \
	FRAMED_IP_ADDRESS="$1" CALLING_STATION_ID="$2" USER_NAME="$3" \
	ACCT_SESSION_ID="$4" NAS_ID=nas01 sh "$TOP/scripts/chilli-conup.sh"; }
hook_down() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NFQLBCTL="$C" NFQLB_SOCKET="$SOCK" \
	FRAMED_IP_ADDRESS="$1" CALLING_STATION_ID="$2" USER_NAME="$3" \
	ACCT_SESSION_ID="$4" NAS_ID=nas01 TERMINATE_CAUSE=User-Request \
	sh "$TOP/scripts/chilli-condown.sh"; }
# The daemon's own records, read from the socket (protocol key=value,
# %XX-decoded): "client gateway mac user session since", by client.
records() { python3 - "$SOCK" <<'PY'
import socket, sys, urllib.parse
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"list\n"); s.shutdown(1)
data = b""
while True:
    b = s.recv(65536)
    if not b: break
    data += b
rows = []
for line in data.decode().splitlines()[1:]:
    kv = dict(w.split("=", 1) for w in line.split(" "))
    rows.append(" ".join(urllib.parse.unquote(kv[k]) for k in ("client", "gateway", "mac", "user", "session", "since")))
print("\n".join(sorted(rows, key=lambda r: tuple(int(x) for x in r.split(" ")[0].split(".")))))
PY
}
meta_of() { records | awk -v ip="$1" '$1 == ip { $1 = ""; sub(/^ /, ""); print }'; }
bound() { [ -n "$(meta_of "$1")" ]; }
unbound() { ! bound "$1"; }
queued() { in_gw awk -v q="$LAB_QUEUE" '$1 == q { print $8 }' /proc/net/netfilter/nfnetlink_queue; }
# Datagrams from client i to the box's DNS, an outside resolver.
dns_box() { in_cli "$BUILD/udpgen" -d "$BOX" -p 53 -c "${2:-2}" -f "$(lab_client_ip "$1")" -n 1 >/dev/null; }
dns_out() { in_cli "$BUILD/udpgen" -d "$LAB_INET" -p 53 -c "${2:-2}" -f "$(lab_client_ip "$1")" -n 1 >/dev/null; }
# The portal's login page on the box (chilli's uamlisten:uamport).
mkdir -p "$LAB_DIR/www" && echo "login here" > "$LAB_DIR/www/index.html"
in_gw python3 -m http.server "$PORTAL_PORT" --bind "$BOX" --directory "$LAB_DIR/www" \
	>"$LAB_DIR/portal.log" 2>&1 &
BG_PIDS+=($!)
# GET the portal's page from client address $1 (no curl needed).
http_get() { in_cli python3 -c 'import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2, source_address=(sys.argv[3], 0))
s.sendall(b"GET / HTTP/1.0\r\n\r\n"); r = s.recv(100)
sys.exit(0 if r.startswith(b"HTTP/1.0 200") else 1)' "$BOX" "$PORTAL_PORT" "$1" 2>/dev/null; }
portal_up() { http_get "$(lab_client_ip 0)"; }
# eventually CMD...: until CMD succeeds (bounded: 100 tries, 20 s).
eventually() { local t t0=$SECONDS; for ((t = 0; t < 100 && SECONDS - t0 < 20; t++)); do
	"$@" && return 0; sleep 0.1; done; return 1; }
wait_portal() { local t t0=$SECONDS; for ((t = 0; t < 200 && SECONDS - t0 < 30; t++)); do
	portal_up && return 0; sleep 0.1; done
	cat "$LAB_DIR/portal.log" >&2; return 1; }
# How many datagrams router r counted from client i.
count_at() { lab_counts | awk -v ip="$(lab_client_ip "$2")" -v r="$1" '$1 == ip && $2 == r { print $3 }'; }

# --- 1. before login: DNS and HTTP to the box itself bind nobody, queue nothing
ip0=$(lab_client_ip 0)
q0=$(queued)
dns_box 0 3
check "the portal's page answers a device before login" wait_portal
check "HTTP from the device to the portal port works" http_get "$ip0"
# A barrier: one datagram outside from another device, bound once the
# box has seen it, so everything sent before has passed the box too.
ip39=$(lab_client_ip 39)
dns_out 39 1
check "(barrier: a device's datagram to the outside is queued and binds it)" eventually bound "$ip39"
is "packets to the box never reach the queue (only the barrier's)" "$(( $(queued) - q0 ))" "1"
is "DNS and HTTP to the box bind nobody" "$(records | awk '{ print $1 }')" "$ip39"
$C release "$ip39" >/dev/null

# --- 2. login (conup, env -i), then logout (condown) followed at once by DNS
check "conup binds the client" hook_up "$ip0" AA-BB-CC-DD-EE-00 alice sess-0
is "bound with chilli's MAC, user and session" "$(meta_of "$ip0" | cut -d' ' -f2-4)" \
	"aa:bb:cc:dd:ee:00 alice sess-0"
check "condown releases it" hook_down "$ip0" AA-BB-CC-DD-EE-00 alice sess-0
q0=$(queued)
dns_out 0 2
dns_box 0 2
held() { [ "$($C -j status | python3 -c 'import json,sys; print(json.load(sys.stdin)["binds_held"])')" -ge 2 ]; }
check "nfqlbd saw the DNS right after logout, and held it" eventually held
check "DNS right after logout does not bind it again (release_hold)" unbound "$ip0"
check "a bind request still binds a held client at once" hook_up "$ip0" AA-BB-CC-DD-EE-00 alice sess-0b
check "... and it is bound" bound "$ip0"

# --- 3. a device that never logs in: its packet binding ends after idle_timeout
ip5=$(lab_client_ip 5)
dns_out 5 2
check "a device that never logs in is bound by its packets (bind_on_packet true)" eventually bound "$ip5"
t0=$SECONDS
released=0
# Released between 6 and 9 s (plus a tick); bounded in count and time.
for ((t = 0; t < 300 && SECONDS - t0 < 40; t++)); do
	bound "$ip5" || { released=1; break; }
	sleep 0.2
done
is "its binding is released after idle_timeout without traffic" "$released" "1"
check "... not before 6 s ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -ge 5
check "the logged-in client (bound by conup) is not idled out" bound "$ip0"
# A device that keeps talking keeps its packet binding.
ip6=$(lab_client_ip 6)
t0=$SECONDS
for ((t = 0; t < 40 && SECONDS - t0 < 14; t++)); do dns_out 6 1; sleep 0.5; done
check "a packet binding with traffic every ~0.5 s outlives idle_timeout (14 s)" bound "$ip6"

# --- 4. behind the portal: bind_on_packet = false
lab_stop TERM
sed -i 's/release_hold = 5;/release_hold = 5; bind_on_packet = false;/' "$LAB_CONF"
check "nfqlbd restarts with bind_on_packet = false" lab_start
$C release "$ip6" >/dev/null
ip7=$(lab_client_ip 7)
# A packet binding could only go to wan2 now: unmarked, it goes to router 1.
$C weight wan1 0 >/dev/null
lab_zero_counters
q0=$(queued)
dns_out 7 3
dns_box 7 3
check "HTTP to the portal port works without a binding" http_get "$ip7"
check "a device before login is not bound" unbound "$ip7"
is "its packets are not queued at all" "$(( $(queued) - q0 ))" "0"
three_at_r1() { [ "$(count_at 1 7)" = 3 ]; }
check "its outside DNS reaches router 1 (the main table)" eventually three_at_r1
is "... and only router 1 (unmarked)" "$(count_at 1 7)/$(count_at 2 7)" "3/"
$C weight wan1 1 >/dev/null
check "unbound packets are counted" test "$($C -j status | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets_unbound"])')" -ge 3

# --- 5. concurrent logins: each bound once, weighted fill, right details
pids=()
for ((i = 10; i < 30; i++)); do
	hook_up "$(lab_client_ip $i)" "AA-BB-CC-DD-EE-$i" "user$i" "sess-$i" &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
is "20 concurrent conup hooks succeed" "$fails" "0"
is "21 bound (20 and client 0): 11 and 10 per gateway" "$($C -j gateways | python3 -c 'import json,sys; print(" ".join(str(g["clients"]) for g in json.load(sys.stdin)))')" "11 10"
is "each with its own MAC, user and session" "$(records | awk -v f="$LAB_FIRST" '{ split($1, o, "."); i = o[4] - f
	if ($3 == sprintf("aa:bb:cc:dd:ee:%02d", i) && $4 == "user" i && $5 == "sess-" i) n++ } END { print n }')" "20"
lab_zero_counters
lab_send 10 20 2
is "logged-in clients' traffic reaches their gateway's router" "$(binding_mismatches)" ""

# --- 6. long and accented user names (RADIUS: 253 bytes)
ip30=$(lab_client_ip 30) ip31=$(lab_client_ip 31)
long253=$(python3 -c 'print("é" * 126 + "x")')
long300=$(python3 -c 'print("ü" * 150)')
check "conup with a 253-byte accented user name succeeds" hook_up "$ip30" AA-BB-CC-DD-EE-30 "$long253" s30
is "the 253-byte name is stored and shown whole" "$(meta_of "$ip30" | cut -d' ' -f3)" "$long253"
err=$(hook_up "$ip31" AA-BB-CC-DD-EE-31 "$long300" s31 2>&1)
is "conup with a 300-byte user name succeeds" "$?" "0"
is "it is cut at a character boundary to 252 bytes" "$(meta_of "$ip31" | cut -d' ' -f3)" "$(python3 -c 'print("ü" * 126)')"
check "the cut is noted" grep -q "cut to 252" <<< "$err"

# --- 7. a hook failure is never silent, with no syslog socket at all
nosys() { unshare -m sh -c 'for s in /dev/log /run/systemd/journal/dev-log /run/systemd/journal/socket; do
	[ -e "$s" ] && mount --bind /dev/null "$s"; done; exec "$@"' sh "$@"; }
out=$(nosys env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NFQLBCTL="$C" NFQLB_SOCKET="$LAB_DIR/none.sock" \
	FRAMED_IP_ADDRESS="$ip30" USER_NAME=bob sh "$TOP/scripts/chilli-conup.sh" 2>&1 >/dev/null)
rc=$?
is "conup to a daemon that is not there exits 3" "$rc" "3"
check "... and says so on stderr" grep -q "bind $ip30 (user bob) failed (3)" <<< "$out"
out=$(nosys env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NFQLBCTL="$C" NFQLB_SOCKET="$SOCK" \
	FRAMED_IP_ADDRESS=10.9.9.9 sh "$TOP/scripts/chilli-condown.sh" 2>&1 >/dev/null)
is "condown of an address outside the LAN exits 6" "$?" "6"
check "... and says so on stderr" grep -q "release 10.9.9.9 .* failed (6)" <<< "$out"

# --- 8. a lost conup, a lost condown: chilli-sync.sh from chilli_query list
ip32=$(lab_client_ip 32)
# chilli's list: 10..29 logged in, 32 logged in (its conup was lost),
# 33 only has a DHCP lease (AUTH 0); 30 and 31 logged out (condown lost).
{
	for ((i = 10; i < 30; i++)); do
		echo "AA-BB-CC-DD-EE-$i $(lab_client_ip $i) pass sess-$i 1 user$i 120/0 3/0 0/0 0/0 0 0 http://x/"
	done
	echo "AA-BB-CC-DD-EE-32 $ip32 pass sess-32 1 carol 5/0 1/0 0/0 0/0 0 0 -"
	echo "AA-BB-CC-DD-EE-33 $(lab_client_ip 33) dnat - 0 - 0/0 0/0 0/0 0/0 0 0 -"
} > "$LAB_DIR/chilli-list"
printf '#!/bin/sh\n[ "$1" = list ] && exec cat %s\nexit 1\n' "$LAB_DIR/chilli-list" > "$LAB_DIR/chilli_query"
chmod +x "$LAB_DIR/chilli_query"
# 30 and 31 logged out, and their condown was lost: still bound.
$C bind "$ip30" >/dev/null && $C bind "$ip31" >/dev/null
check "(clients 30 and 31 are bound before the sync)" bound "$ip31"
before=$(lab_bindings | sort)
out=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CHILLI_QUERY="$LAB_DIR/chilli_query" NFQLBCTL="$C" \
	NFQLB_SOCKET="$SOCK" sh "$TOP/scripts/chilli-sync.sh" 2>&1)
is "chilli-sync.sh succeeds" "$?" "0"
check "it says what it did" grep -q "bound 1 released 3 kept 20" <<< "$(echo $out)"
is "the lost conup is repaired, with chilli's details" "$(meta_of "$ip32" | cut -d' ' -f2-4)" \
	"aa:bb:cc:dd:ee:32 carol sess-32"
check "a device with only a lease stays unbound" unbound $(lab_client_ip 33)
check "the lost condown of client 30 is repaired" unbound "$ip30"
check "the lost condown of client 31 is repaired" unbound "$ip31"
is "nobody listed and bound moved" "$(lab_bindings | sort | grep -v "^$ip32 " | grep -vx "$ip0 .*")" \
	"$(grep -v -e "^$ip30 " -e "^$ip31 " -e "^$ip0 " <<< "$before")"
printf '#!/bin/sh\necho "cannot connect to chilli" >&2; exit 1\n' > "$LAB_DIR/chilli_query"
n0=$($C list | awk 'NR > 1' | wc -l)
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CHILLI_QUERY="$LAB_DIR/chilli_query" NFQLBCTL="$C" \
	NFQLB_SOCKET="$SOCK" sh "$TOP/scripts/chilli-sync.sh" >/dev/null 2>&1
is "a chilli that does not answer changes nothing (exit 3)" "$?/$($C list | awk 'NR > 1' | wc -l)" "3/$n0"

# --- 9. a restart, a crash keep who is who
hook_up "$ip30" AA-BB-CC-DD-EE-30 "$long253" s30 >/dev/null 2>&1
sleep 1	# so that a since reset by the restart would differ
meta_before=$(records)
lab_stop TERM
check "nfqlbd restarts" lab_start
is "after a restart: MAC, user, session, since of every binding" "$(records)" "$meta_before"
lab_stop KILL
check "nfqlbd starts after a crash" lab_start
is "after a crash: the same" "$(records)" "$meta_before"
echo "keep_on_exit = true;" >> "$LAB_CONF"
lab_stop TERM
check "nfqlbd restarts (keep_on_exit)" lab_start
is "after a keep_on_exit restart: the same" "$(records)" "$meta_before"

# --- 10. a foreign rule on nfqlb's marks or tables stops the start
lab_stop TERM
in_gw ip rule add pref 100 fwmark 201 lookup 201
lab_start >/dev/null 2>&1
check "nfqlbd refuses to start beside ALCASAR-style rule 'fwmark 201 lookup 201'" \
	bash -c "! kill -0 $(lab_pid) 2>/dev/null"
check "... and names it" grep -q 'ip rule "100: from all fwmark 0xc9/0xffffffff lookup 201" is not nfqlbd' "$LAB_LOG"
in_gw ip rule del pref 100
check "without it nfqlbd starts" lab_start
t_done
