#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A restart keeps every binding (read back from the kernel's sets);
# installing twice duplicates nothing; --cleanup leaves no rule, route,
# set or chain, and never touches what is not nfqlb's.
. "$(dirname "$0")/lib.sh"

lab_up 30 1 2 3
# Things that are not ours, which nothing may touch.
in_gw ip rule add pref 500 fwmark 0x5 lookup 5
in_gw ip route add 203.0.113.0/24 via "$LAB_WAN.1.254" table 5
in_gw iptables -t mangle -N OTHER
in_gw iptables -t mangle -A PREROUTING -i lan0 -j OTHER
in_gw ipset create other hash:ip

check "nfqlbd starts" lab_start
lab_send 0 30 1
before=$(lab_bindings | sort)
is "30 bindings" "$(echo "$before" | wc -l)" "30"
lab_stop TERM
check "nfqlbd restarts" lab_start
lab_zero_counters
lab_send 0 30 2
is "after restart: the same bindings" "$(lab_bindings | sort)" "$before"
is "after restart: clients reach the same routers" "$(binding_mismatches)" ""
grep -q "restored 30 bindings" "$LAB_LOG"
check "the daemon says it restored 30 bindings" test $? -eq 0

# Crash, then start again over the leftovers: nothing twice.
lab_stop KILL
check "nfqlbd starts over a crashed run's state" lab_start
is "one PREROUTING jump" "$(in_gw iptables -t mangle -S PREROUTING | grep -c -- '-j NFQLB$')" "1"
is "one FORWARD jump" "$(in_gw iptables -t mangle -S FORWARD | grep -c -- '-j NFQLB_SAVE$')" "1"
is "three fwmark rules" "$(in_gw ip rule show | grep -c 'lookup 20[0-2]')" "3"
is "two routes and the last resort in table 201" "$(in_gw ip route show table 201 | wc -l)" "3"
lab_send 0 30 1
is "still the same bindings" "$(lab_bindings | sort)" "$before"

lab_stop TERM
check "nfqlbd --cleanup" in_gw "$BUILD/nfqlbd" --cleanup -c "$LAB_CONF"
is "no nfqlb set left" "$(in_gw ipset list -n | grep -c '^nfqlb-')" "0"
is "no NFQLB chain or jump left" "$(in_gw iptables-save -t mangle | grep -c NFQLB)" "0"
is "no fwmark rule of ours left" "$(in_gw ip rule show | grep -c 'lookup 20[0-2]')" "0"
is "tables 200-202 empty" "$(for t in 200 201 202; do in_gw ip route show table $t; done | wc -l)" "0"
is "the unrelated rule is intact" "$(in_gw ip rule show | grep -c 'fwmark 0x5 lookup 5')" "1"
is "the unrelated route is intact" "$(in_gw ip route show table 5 | wc -l)" "1"
is "the unrelated chain is intact" "$(in_gw iptables -t mangle -S PREROUTING | grep -c 'j OTHER')" "1"
is "the unrelated set is intact" "$(in_gw ipset list -n | grep -c '^other$')" "1"
check "--cleanup twice is fine" in_gw "$BUILD/nfqlbd" --cleanup -c "$LAB_CONF"
t_done
