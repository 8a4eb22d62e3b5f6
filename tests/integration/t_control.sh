#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The control socket through nfqlbctl and the chilli hooks, against the
# real daemon: bind before traffic, release, 100 concurrent hooks for
# one client, permissions, JSON, bad input, a reload that adds and
# removes a gateway while traffic flows.
. "$(dirname "$0")/lib.sh"

lab_up 40 1 1 1
SOCK=$LAB_DIR/ctl.sock
cat >> "$LAB_CONF" <<CONF
control = { socket = "$SOCK"; mode = "0660"; group = "nogroup";
  read_socket = "$LAB_DIR/read.sock"; read_group = "daemon"; };
CONF
chmod 0755 "$LAB_DIR"	# the socket's own mode and group decide
check "nfqlbd starts" lab_start
export NFQLB_SOCKET=$SOCK
C=$BUILD/nfqlbctl
export NFQLBCTL=$C
hook_up() { env -i PATH="$PATH" NFQLBCTL="$C" NFQLB_SOCKET="$SOCK" \
	FRAMED_IP_ADDRESS="$1" CALLING_STATION_ID="$2" USER_NAME="$3" \
	ACCT_SESSION_ID="$4" sh "$TOP/scripts/chilli-conup.sh"; }
hook_down() { env -i PATH="$PATH" NFQLBCTL="$C" NFQLB_SOCKET="$SOCK" \
	FRAMED_IP_ADDRESS="$1" TERMINATE_CAUSE=User-Request sh "$TOP/scripts/chilli-condown.sh"; }
gw_of() { $C -j list | python3 -c 'import json,sys
ip=sys.argv[1]
print(" ".join(b["gateway"] for b in json.load(sys.stdin) if b["client"]==ip))' "$1"; }

# --- login hook before any traffic: the kernel steers from the first packet
ip0=$(lab_client_ip 0)
check "conup hook binds a client" hook_up "$ip0" AA-BB-CC-DD-EE-01 "jean dupont" sess-1
is "bound to the least loaded gateway" "$(gw_of "$ip0")" "wan1"
q0=$(in_gw awk '$1 == 0 { print $8 }' /proc/net/netfilter/nfnetlink_queue)
lab_send 0 1 3
q1=$(in_gw awk '$1 == 0 { print $8 }' /proc/net/netfilter/nfnetlink_queue)
is "its first packet takes the kernel fast path (queue untouched)" "$((q1 - q0))" "0"
is "its traffic reaches router 1" "$(lab_counts | awk -v ip="$ip0" '$1 == ip { print $2 }')" "1"
is "list shows MAC, user and session" \
	"$($C -j list | python3 -c 'import json,sys; b=json.load(sys.stdin)[0]; print(b["mac"], b["user"], b["session"])')" \
	"aa:bb:cc:dd:ee:01 jean dupont sess-1"

# --- a packet first, then the hook: the packet's binding is kept
ip1=$(lab_client_ip 1)
lab_send 1 1 1
check "the packet bound it" wait_bound 1 1
g=$(gw_of "$ip1")
check "conup after traffic" hook_up "$ip1" AA-BB-CC-DD-EE-02 marie sess-2
is "a binding made from a packet is kept by the hook" "$(gw_of "$ip1")" "$g"

# --- 100 concurrent conup hooks for one client, then 100 condown and conup mixed
ip2=$(lab_client_ip 2)
pids=()
for i in $(seq 100); do hook_up "$ip2" AA-BB-CC-DD-EE-03 paul sess-3 & pids+=($!); done
wait "${pids[@]}"
is "100 concurrent conup: exactly one binding" "$($C -j list | python3 -c 'import json,sys; print(sum(1 for b in json.load(sys.stdin) if b["client"]==sys.argv[1]))' "$ip2")" "1"
is "100 concurrent conup: one new bind counted" "$($C -j stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["binds_hook"])')" "2"
pids=()
for i in $(seq 50); do hook_down "$ip2" & pids+=($!); hook_up "$ip2" x y z & pids+=($!); done
wait "${pids[@]}"
hook_down "$ip2"
is "after mixed hooks and a final condown: not bound" "$(gw_of "$ip2")" ""
check "condown of an unknown client succeeds (idempotent)" hook_down "$ip2"
in_gw ipset test nfqlb-wan1 "$ip2" 2>/dev/null || in_gw ipset test nfqlb-wan2 "$ip2" 2>/dev/null || in_gw ipset test nfqlb-wan3 "$ip2" 2>/dev/null
check "released client is in no set" test $? -ne 0

# --- release: nobody else moves
before=$($C list | tail -n +2 | awk '$1 != "'"$ip0"'" { print $1, $2 }' | sort)
check "release" $C release "$ip0"
is "release moves nobody else" "$($C list | tail -n +2 | awk '{ print $1, $2 }' | sort)" "$before"

# --- JSON parsed by a real parser
check "gateways --json parses" sh -c "$C -j gateways | python3 -c 'import json,sys; g=json.load(sys.stdin); assert len(g)==3 and g[0][\"name\"]==\"wan1\" and isinstance(g[0][\"weight\"], int)'"
check "stats --json parses" sh -c "$C -j stats | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s[\"verdicts\"]>=1'"

# --- bad input: clear error, distinct exit codes, daemon keeps serving
expect_rc() {
	local want=$1 msg=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && [[ $out == *"$msg"* ]]; then ok "$* -> $rc: $msg"
	else not_ok "$* -> $want: $msg" "got $rc: $out"; fi
}
expect_rc 6 'client "999.1.1.1" is not an IP address' $C bind 999.1.1.1
expect_rc 6 'outside lan.network' $C bind 10.9.9.9
expect_rc 5 'no gateway named "nope"' $C weight nope 1
expect_rc 6 'weight "x" must be an integer' $C weight wan1 x
expect_rc 6 'mac "zz" is not a MAC address' $C bind "$ip0" --mac zz
expect_rc 2 'unknown command' $C frobnicate
expect_rc 2 'usage: nfqlbctl weight' $C weight wan1
expect_rc 3 'is nfqlbd running' $C -s "$LAB_DIR/none.sock" list
expect_rc 6 'already in use' $C gateway add wan1 10.201.7.254 wan1
long=$(head -c 3000 /dev/zero | tr '\0' a)
expect_rc 2 'request longer than' sh -c "printf '%s\n' $long | $C raw x >/dev/null; python3 -c 'import socket;s=socket.socket(socket.AF_UNIX);s.connect(\"$SOCK\");s.sendall(b\"$long\\n\");print(s.recv(200).decode())' | grep . >&2; exit 2"
expect_rc 0 'version' $C version

# --- permissions: nobody (in group nogroup) may; daemon (not) may not connect
expect_rc 0 'client' setpriv --reuid=65534 --regid=65534 --clear-groups $C bind "$(lab_client_ip 5)"
expect_rc 4 'cannot connect' setpriv --reuid=1 --regid=1 --clear-groups $C list
# --- the read-only socket: group daemon (gid 1) may read there, and
# nothing else, and cannot open the control socket; on it even root
# only reads.  Nothing changes whatever is tried.
RSOCK=$LAB_DIR/read.sock
is "the read-only socket is 0660, group daemon" "$(command stat -c '%a %G' "$RSOCK")" "660 daemon"
reader() { setpriv --reuid=2 --regid=2 --groups=1 "$C" -s "$RSOCK" "$@"; }
# Bindings, and each gateway's name, address, interface, weight, state
# and clients (not its traffic counters, which move on their own).
what_is() { $C list; $C gateways | awk '{ print $1, $2, $3, $4, $5, $6 }'; }
before=$(what_is)
for v in list gateways stats status version; do
	expect_rc 0 '' reader "$v"
done
expect_rc 0 "$(lab_client_ip 5)" reader list
writes=("bind $(lab_client_ip 7)" "release $(lab_client_ip 5)" "weight wan1 9"
	"drain wan1" "gateway del wan2" "reload" "rebalance" "repair" "sync begin"
	"ha refresh" "adopt-conntrack")
# Every verb the daemon marks as changing state is tried.
is "every state-changing verb is tried" \
	"$(printf '%s\n' "${writes[@]}" | awk '{ print $1 }' | sort | tr '\n' ' ')" \
	"$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [0-9]*, [0-9]*, 1,.*/\1/p' \
		"$TOP/src/daemon/commands.c" | sort | tr '\n' ' ')"
for req in "${writes[@]}"; do
	# shellcheck disable=SC2086
	expect_rc 4 "control.read_socket serves only" reader raw $req
	# shellcheck disable=SC2086
	expect_rc 4 "control.read_socket serves only" $C -s "$RSOCK" raw $req
done
expect_rc 4 'cannot connect' setpriv --reuid=2 --regid=2 --groups=1 $C bind "$(lab_client_ip 7)"
expect_rc 4 'cannot connect' setpriv --reuid=2 --regid=2 --clear-groups $C -s "$RSOCK" list
is "nothing changed through the read-only socket" "$(what_is)" "$before"
in_gw chmod 0666 "$SOCK"
expect_rc 4 'is neither root nor in group nogroup' setpriv --reuid=1 --regid=1 --clear-groups $C bind "$(lab_client_ip 6)"
expect_rc 0 'CLIENT' setpriv --reuid=1 --regid=1 --clear-groups $C list

# --- reload while traffic flows: add wan4, remove wan2
for ((c = 10; c < 30; c++)); do lab_send "$c" 1 1; done
check "20 clients bound by their packets" wait_bound 10 20
declare -A was
while read -r ip gw; do was[$ip]=$gw; done < <($C list | tail -n +2 | awk '{ print $1, $2 }')
in_cli "$BUILD/udpgen" -d "$LAB_INET" -c 200 -g 5000 -f "$(lab_client_ip 10)" -n 20 >/dev/null &
gen=$!
lab_add_router 4
sed -i 's/^);$/,  { name = "wan4"; address = "'"$LAB_WAN"'.4.254"; interface = "wan4"; weight = 1; }\n);/' "$LAB_CONF"
python3 - "$LAB_CONF" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r'\s*\{ name = "wan2";[^}]*\},?', '', s)
s = s.replace('}\n,', '},\n')
open(p, 'w').write(s)
PY
check "the edited config is valid" "$BUILD/nfqlbd" -n -c "$LAB_CONF"
check "nfqlbctl reload" $C reload
wait $gen
is "gateways after reload" "$($C gateways | tail -n +2 | awk '{ print $1 }' | tr '\n' ' ')" "wan1 wan3 wan4 "
moved=0 kept=0
while read -r ip gw; do
	[ -n "${was[$ip]:-}" ] || continue
	if [ "${was[$ip]}" = wan2 ]; then [ "$gw" != wan2 ] && moved=$((moved + 1))
	elif [ "$gw" = "${was[$ip]}" ]; then kept=$((kept + 1)); fi
done < <($C list | tail -n +2 | awk '{ print $1, $2 }')
n2=0; for ip in "${!was[@]}"; do [ "${was[$ip]}" = wan2 ] && n2=$((n2 + 1)); done
is "every client of the removed gateway was rebound" "$moved" "$n2"
is "no client of a surviving gateway moved" "$kept" "$(( ${#was[@]} - n2 ))"
is "wan2's rule is gone" "$(in_gw ip rule show | grep -c 'lookup 201')" "0"
is "wan2's set is gone" "$(in_gw ipset list -n | grep -c '^nfqlb-wan2$')" "0"
is "wan4 got a rule" "$(in_gw ip rule show | grep -c 'lookup 203')" "1"
lab_zero_counters
for ((c = 30; c < 40; c++)); do lab_send "$c" 1 1; done
# wan1 and wan3 hold about 10 each, wan4 none: the 10 new clients go
# to wan4 until it catches up (at least 8 of them).
n4=$(lab_counts | awk '$2 == 4' | wc -l)
check "new clients fill the new gateway first ($n4 of 10)" test "$n4" -ge 8
lab_send 10 20 1
is "after reload every client's traffic reaches its bound router" "$(binding_mismatches)" ""

# --- a bad reload keeps the running config
echo "bogus = 1;" >> "$LAB_CONF"
expect_rc 6 "unknown setting 'bogus'" $C reload
reload_failures() { grep -c 'reload failed' "$LAB_LOG"; }
more_failures() { [ "$(reload_failures)" -gt "$1" ]; }
nfail=$(reload_failures)
kill -HUP "$(lab_pid)"
check "SIGHUP with a bad file: the reload is refused" wait_until 5 more_failures "$nfail"
is "SIGHUP with a bad file: still the same gateways" "$($C gateways | tail -n +2 | awk '{ print $1 }' | tr '\n' ' ')" "wan1 wan3 wan4 "
check "the daemon still runs" kill -0 "$(lab_pid)"

# --- a second daemon on the same queue changes nothing of the first
sed -i '$d' "$LAB_CONF"	# the bogus line
rules=$(in_gw ip rule show | grep -c 'lookup 20[0-9]')
chain=$(in_gw iptables -t mangle -S | md5sum)
out=$(in_gw timeout 10 "$BUILD/nfqlbd" -f -c "$LAB_CONF" 2>&1)
is "a second nfqlbd on queue $LAB_QUEUE exits 1" "$?" 1
check "and says why: $out" sh -c "echo '$out' | grep -q 'another nfqlbd already serves queue.number = $LAB_QUEUE'"
is "the first one's rules are intact" "$(in_gw ip rule show | grep -c 'lookup 20[0-9]')" "$rules"
is "its chains are intact" "$(in_gw iptables -t mangle -S | md5sum)" "$chain"
check "it still answers" sh -c "$C gateways >/dev/null"
out=$(in_gw "$BUILD/nfqlbd" --cleanup -c "$LAB_CONF" 2>&1)
is "--cleanup refuses while it runs" "$?" 1
is "rules still intact after the refused cleanup" "$(in_gw ip rule show | grep -c 'lookup 20[0-9]')" "$rules"
t_done
