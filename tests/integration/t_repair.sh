#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Self-repair: the portal's own firewall reloads flush what nfqlbd put
# in the kernel while clients send; nfqlbd puts all of it back, every
# binding (and its metadata) kept, a gateway that is down stays out of
# use, and the flushing script itself never fails.  Then `nfqlbctl
# repair`, a reload that repairs, and a bind whose set add fails is
# refused.  t_repair_unpinned.sh runs it all with pin_connections = false
# (PIN=false: the map set too).
. "$(dirname "$0")/lib.sh"

N=30
LAB_MAX_CLIENTS=64
lab_up $N 1 1 1
SOCK=$LAB_DIR/ctl.sock
cat >> "$LAB_CONF" <<CONF
pin_connections = ${PIN:-true};
control = { socket = "$SOCK"; };
health = {
  interval = 200; timeout = 150; min_ok = 1; fall = 2; rise = 2;
  targets = [ "icmp:$LAB_INET" ];
};
CONF
export NFQLB_SOCKET=$SOCK
C=$BUILD/nfqlbctl
# Every binding with its metadata (IP GATEWAY SINCE MAC USER SESSION, not
# the traffic columns, which move with every packet), as nfqlbctl list shows it.
bindings() { $C list | awk '{ print $1, $2, $3, $4, $5, $6 }' | sort; }
lan_rules() { in_gw ip rule show | grep -c "from $LAB_LAN.0/24 fwmark .* lookup 20[0-2]"; }
members() { in_gw ipset list "$1" | awk 'f { n++ } /^Members:/ { f = 1 } END { print n + 0 }'; }
lan_tables() { in_gw ip rule show | awk -v f="$LAB_LAN.0/24" '$3 == f { print $NF }' | sort | xargs; }

check "nfqlbd starts" lab_start
ok=1
for g in wan1 wan2 wan3; do wait_state "$g" up 10 || ok=0; done
is "all three gateways up" "$ok" 1
# Six clients log in through the hook first: they carry metadata.
for ((c = 0; c < 6; c++)); do
	$C bind "$(lab_client_ip $c)" --mac "02-AC-CC-00-00-0$c" --user "user$c@campus" \
		--session "17961744260000000$c" >/dev/null
done
lab_send 0 $N 1
is "$N clients bound" "$($C -j list | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')" $N

# wan3 is held down by its probes (dropped by mark, so no flush of
# routing can let them out another way until nft flush ruleset).
in_gw iptables -I OUTPUT -p icmp -m mark --mark 0xca/0xff -j DROP
check "wan3 goes down" wait_state wan3 down 10
is "wan3's LAN rule is out (failover)" "$(lan_rules)" 2
before=$(bindings)
# "client router" of every binding: where the routers must see it.
before_at=$($C -j list | python3 -c 'import json, sys
for b in json.load(sys.stdin): print(b["client"], b["gateway"][3:])' | sort)
check "metadata before: user3@campus" grep -q 'user3@campus' <<< "$before"
is "nobody is bound to wan3" "$(grep -c ' wan3 ' <<< "$before")" 0

# Every client sends, round after round, until $STOP exists (bounded:
# 100 rounds).
STOP=$LAB_DIR/stop
sender() {
	local r
	for ((r = 0; r < 100; r++)); do
		[ -e "$STOP" ] && break
		lab_send 0 $N 1
		sleep 0.05
	done
}

# flush NAME SCRIPT WANT: run a firewall reload while clients send; then
# the repair within 3 s (its warning naming WANT), every client at the
# router of its old binding, every binding kept with its metadata.
flush() {
	local name=$1 script=$2 want=$3 t0 t1 r0 lines pid t
	r0=$(stat repairs)
	lines=$(grep -c 'repair: put back' "$LAB_LOG")
	rm -f "$STOP"
	sender &
	pid=$!
	BG_PIDS+=("$pid")
	sleep 0.3	# clients are sending when the reload starts
	check "$name: the script's own commands succeed" in_gw sh -ec "$script"
	# From the end of the reload: its last change starts the quiet second.
	t0=$(date +%s%N)
	for ((t = 0; t < 50; t++)); do
		[ "$(grep -c 'repair: put back' "$LAB_LOG")" -gt "$lines" ] && break
		sleep 0.1
	done
	t1=$(date +%s%N)
	check "$name: repaired within 3 s ($(((t1 - t0) / 1000000)) ms)" \
		test $(((t1 - t0) / 1000000)) -lt 3000
	touch "$STOP"
	wait "$pid"
	is "$name: the repair counter went up" "$(stat repairs)" "$((r0 + 1))"
	check "$name: the warning names what was missing ($want)" sh -c \
		"grep 'repair: put back' '$LAB_LOG' | tail -1 | grep -q '$want'"
	lab_zero_counters
	lab_send 0 $N 1
	is "$name: every binding kept with its metadata, and in the kernel's sets" \
		"$(bindings; lab_bindings | sort)" "$before"$'\n'"$before_at"
	is "$name: the routers see each client at its old binding's router, once" \
		"$(lab_counts | awk '{ print $1, $2 }' | sort)" "$before_at"
}

flush "ALCASAR's firewall reload" \
	'iptables -t mangle -F; for s in $(ipset list -n); do ipset destroy "$s"; done' \
	'set nfqlb-wan1'
if [ "${PIN:-true}" = false ]; then
	check "ALCASAR: the map set was put back too" sh -c \
		"grep 'repair: put back' '$LAB_LOG' | tail -1 | grep -qF 'set nfqlb-.map ($N members)'"
	is "ALCASAR: the map set holds every binding" "$(members nfqlb-.map)" $N
fi

flush "ip rule flush" \
	'ip rule flush; ip rule add pref 32766 lookup main; ip rule add pref 32767 lookup default' \
	'rule 10000 (gateway wan1)'
is "ip rule flush: the LAN rules of wan1 and wan2 are back, wan3 (down) stays out" \
	"$(lan_tables) $(gw wan3 state)" "200 201 down"
is "ip rule flush: the probe rules are back" \
	"$(in_gw ip rule show | grep -c 'iif lo lookup 20[012]$')" 3

flush "nft flush ruleset" 'nft flush ruleset' 'chain NFQLB'
is "one PREROUTING jump" "$(in_gw iptables -t mangle -S PREROUTING | grep -c -- '-j NFQLB$')" 1

# --- ipset flush of one set: no notice, the periodic audit finds it ---
n2=$(grep -c ' wan2 ' <<< "$before")
in_gw ipset flush nfqlb-wan2
check "ipset flush: repaired (periodic audit of the members)" \
	wait_for "$LAB_LOG" "repair: put back what was missing: $n2 of the $n2 members of set nfqlb-wan2" 5
is "ipset flush: wan2's set holds its bindings again" "$(members nfqlb-wan2)" "$n2"

# --- nfqlbctl repair: at once, for a script after its own reload ---
r0=$(stat repairs)
in_gw ipset flush nfqlb-wan1
out=$($C repair)
check "nfqlbctl repair exits 0" test $? -eq 0
is "right after it, wan1's set holds its bindings again" "$(members nfqlb-wan1)" \
	"$(grep -c ' wan1 ' <<< "$before")"
check "the repair counter went up" test "$(stat repairs)" -gt "$r0"
is "nothing missing: nothing repaired" "$($C -j repair)" '{"schema":1,"repaired":0,"missing":"nothing"}'

# --- a reload repairs too ---
# (wan3's probes pass again since nft flush ruleset took their drop rule)
wait_state wan3 up 10
in_gw ip rule del pref 10001
check "nfqlbctl reload" sh -c "$C reload >/dev/null"
is "right after it, wan2's LAN rule is back" "$(lan_tables)" "200 201 202"

# --- a bind whose set add fails is refused ---
# Every set full (clients.max = 64) of addresses that are not clients.
for g in 1 2 3; do
	have=$(members "nfqlb-wan$g")
	for ((h = have + 1; h <= LAB_MAX_CLIENTS; h++)); do echo "add nfqlb-wan$g 10.250.$g.$h"; done |
		in_gw ipset restore
done
is "every set is full" "$(for g in 1 2 3; do members "nfqlb-wan$g"; done | sort -u)" $LAB_MAX_CLIENTS
new=$(lab_client_ip 40)
out=$($C bind "$new" --user late 2>&1)
rc=$?
check "bind fails when the set add fails (exit $rc: $out)" test "$rc" -ne 0
check "the error says why" grep -qi 'full' <<< "$out"
is "the client is not listed as bound" "$($C list | grep -c "^$new ")" 0
t_done
