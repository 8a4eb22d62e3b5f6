#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pin_connections = false: the kernel marks every packet from one map
# set (hash:ip skbinfo, one lookup) and nothing uses conntrack.  Shown
# on the real kernel: where the clients' packets arrive, the map set's
# members and marks, the box's conntrack table (empty unpinned, filled
# pinned: the same traffic), a moved client's old flows following it,
# a restart repairing a map edited behind the daemon's back, and the
# map going away with pinning back on and with --cleanup.
#
# shellcheck disable=SC2317  # functions are called through check()
. "$(dirname "$0")/lib.sh"

SOCK=$LAB_DIR/ctl.sock
C="$BUILD/nfqlbctl -s $SOCK"
MAP=nfqlb-.map

lab_up 8 1 1
cat >> "$LAB_CONF" <<EOF
control = { socket = "$SOCK"; };
pin_connections = false;
EOF

# "IP MARK" of every map member, sorted.
map_members() {
	in_gw ipset list "$MAP" 2>/dev/null |
		awk '/^Members:/ { m = 1; next } m && NF { print $1, $3 }' | sort
}
# "IP MARK" expected from the daemon's bindings (wanN: mark 199 + N).
bound_marks() {
	lab_bindings | awk '{ printf "%s 0x%x/0xff\n", $1, 199 + $2 }' | sort
}
ct_count() { in_gw conntrack -L -f ipv4 2>/dev/null | grep -c "src=$LAB_LAN\."; }

check "nfqlbd starts with pin_connections = false" lab_start
is "stats say pinning off" "$($C stats | awk '$1 == "pinning" { print $2 }')" off
rules=$(in_gw iptables -t mangle -S)
is "NFQLB marks from the map set in one rule" \
	"$(grep -c -- "-A NFQLB -j SET --map-set $MAP src --map-mark" <<< "$rules")" 1
is "no rule of ours uses connmark" "$(grep -ci connmark <<< "$rules")" 0
is "no FORWARD jump to NFQLB_SAVE" "$(grep -c -- '-A FORWARD .*NFQLB_SAVE' <<< "$rules")" 0
is "the map set has the skbinfo extension" \
	"$(in_gw ipset list -t "$MAP" | grep -c 'skbinfo')" 1

lab_send 0 8 3
is "every client at exactly one router" "$(misrouted_clients 8)" ""
is "each at the router of its binding" "$(binding_mismatches)" ""
is "4 clients per router" "$(router_client_counts)" "4 4"
is "the map holds 8 members" "$(map_members | grep -c .)" 8
is "the map holds every client with its gateway's mark" "$(map_members)" "$(bound_marks)"
is "the box tracked no connection" "$(ct_count)" 0

# The kernel alone: a member added by hand, with the daemon paused.
kill -STOP "$(lab_pid)"
lab_add_clients 2
in_gw ipset add "$MAP" "$(lab_client_ip 8)" skbmark 0xc9/0xff
lab_zero_counters
lab_send 8 1 2
is "a hand-made map member reaches its mark's router, daemon paused" \
	"$(lab_counts | awk '{ print $1, $2 }')" "$(lab_client_ip 8) 2"
kill -CONT "$(lab_pid)"
in_gw ipset del "$MAP" "$(lab_client_ip 8)"

# Rebalance towards wan1 (weight 3): the moved clients' next packets
# reach the new router at once (no connection pinning holds them).
check "weight wan1 3" sh -c "$C weight wan1 3 >/dev/null"
out=$($C -j rebalance)
moved=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["moved"])' <<< "$out")
is "rebalance moved 2 clients" "$moved" 2
lab_zero_counters
lab_send 0 8 3
is "after the move: every client at exactly one router" "$(misrouted_clients 8)" ""
is "after the move: each at its new binding's router" "$(binding_mismatches)" ""
is "after the move: 6 and 2" "$(router_client_counts)" "6 2"
is "after the move: map marks follow the bindings" "$(map_members)" "$(bound_marks)"

check "release a client" sh -c "$C release $(lab_client_ip 0) >/dev/null"
is "a released client leaves the map" \
	"$(map_members | grep -c "^$(lab_client_ip 0) ")" 0

# Restart over a map edited behind our back: a stale member, a wrong mark.
lab_stop TERM
in_gw ipset add "$MAP" "$(lab_client_ip 9)" skbmark 0xc8/0xff
wrong=$(lab_bindings | awk '$2 == 2 { print $1; exit }')
in_gw ipset add -exist "$MAP" "$wrong" skbmark 0xc8/0xff
check "nfqlbd restarts" lab_start
is "restart: map = bindings again (stale gone, mark repaired)" "$(map_members)" "$(bound_marks)"
is "restart: 7 bindings kept" "$(lab_bindings | grep -c .)" 7
is "restart: 7 map members" "$(map_members | grep -c .)" 7

# The same traffic pinned fills conntrack: the check above can fail.
lab_stop TERM
sed -i 's/^pin_connections = false;/pin_connections = true;/' "$LAB_CONF"
check "nfqlbd restarts pinned" lab_start
is "stats say pinning connmark" "$($C stats | awk '$1 == "pinning" { print $2 }')" connmark
is "pinned: the map set is gone" "$(in_gw ipset list -n | grep -c "^$MAP\$")" 0
is "pinned: the FORWARD jump is back" \
	"$(in_gw iptables -t mangle -S FORWARD | grep -c NFQLB_SAVE)" 1
lab_send 1 7 2
is "pinned: each at the router of its binding" "$(binding_mismatches)" ""
c=$(ct_count)
check "pinned: the box tracks the clients' flows ($c)" test "$c" -ge 7

# Unpinned again, then --cleanup takes the map with everything else.
lab_stop TERM
sed -i 's/^pin_connections = true;/pin_connections = false;/' "$LAB_CONF"
check "nfqlbd restarts unpinned" lab_start
is "reload refuses a pin_connections change" \
	"$(sed -i 's/^pin_connections = false;/pin_connections = true;/' "$LAB_CONF"
	   $C reload 2>&1 | grep -c 'pin_connections changed')" 1
is "map still in use after the refused reload" "$(map_members)" "$(bound_marks)"
lab_stop TERM
check "nfqlbd --cleanup" in_gw "$BUILD/nfqlbd" --cleanup -c "$LAB_CONF"
is "--cleanup destroyed the map set" "$(in_gw ipset list -n | grep -c "^$MAP\$")" 0
t_done
