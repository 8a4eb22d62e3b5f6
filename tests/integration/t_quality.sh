#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Health checks an ISP link deserves (issue 13), with the real daemon
# and deterministic probe loss (nth marking in a router's mangle
# PREROUTING, then one DROP rule for the marked echo requests):
#  - the probe target unreachable through every gateway at once for
#    many rounds: nobody moves, no conntrack entry goes, long-lived TCP
#    connections through the box survive, the state says "held";
#  - 30 % of one router's probes lost for 60 rounds, three in a row
#    each time: the gateway's state changes at most once;
#  - a clean outage is still judged down in fall rounds (the time is
#    printed; t_flap.sh measures it with the default settings).
# Rounds every 200 ms (timeout 150, fall 3, rise 2), weights 2:1:1.
#
# shellcheck disable=SC2317  # functions are called through check()
. "$(dirname "$0")/lib.sh"
# A router "goes down" by answering nothing (iptables -I OUTPUT -j DROP
# in its namespace): its link stays up, so the probes decide.  A link
# that goes down is no-link at once, without probes (t_uplink.sh).

PY=$(command -v python3)
C=$BUILD/nfqlbctl
PORT=5000
NOTIFY_LOG=$LAB_DIR/notify.log
NCLI=24

# wait_rounds NAME N SECONDS: until gateway NAME has judged N more rounds.
wait_rounds() {
	local from t
	from=$(gw "$1" rounds)
	for ((t = 0; t < $3 * 10; t++)); do
		[ "$(gw "$1" rounds)" -ge $((from + $2)) ] && return 0
		sleep 0.1
	done
	return 1
}
gw_counts() { echo "$(gw wan1 clients) $(gw wan2 clients) $(gw wan3 clients)"; }
all_states() { echo "$(gw wan1 state) $(gw wan2 state) $(gw wan3 state)"; }
lan_rules() { in_gw ip rule show | grep -c "fwmark 0xc[89a]/0xff lookup 20[012]\$"; }

# An echo service on each router (echo_srv.py), and a client holding
# one long-lived connection per address: asked before, then again
# once $flag exists (see t_failover.sh).
cat > "$LAB_DIR/cli.py" <<'PY'
import os, socket, sys, time
pre, dst, port, flag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
ips = sys.argv[5:]
def ask(s):
    s.sendall(b"?\n")
    return s.recv(64).decode().strip() or "closed"
def write(path, lines):
    with open(path + ".tmp", "w") as f:
        f.write("".join(lines))
    os.rename(path + ".tmp", path)
conns, lines = {}, []
for ip in ips:
    try:
        s = socket.socket()
        s.settimeout(3)
        s.bind((ip, 0))
        s.connect((dst, port))
        conns[ip] = s
        lines.append("%s %s\n" % (ip, ask(s)))
    except OSError:
        lines.append("%s error\n" % ip)
write(pre + ".before", lines)
end = time.monotonic() + 90
while not os.path.exists(flag) and time.monotonic() < end:
    time.sleep(0.05)
lines = []
for ip in ips:
    try:
        lines.append("%s %s\n" % (ip, ask(conns[ip])))
    except (OSError, KeyError):
        lines.append("%s error\n" % ip)
write(pre + ".after", lines)
PY
# Spawned in the event loop turn of the decision: its clock times it.
cat > "$LAB_DIR/notify.sh" <<SH
#!/bin/sh
echo "\$*" >> "$NOTIFY_LOG"
echo "\$(date +%s%N) \$*" >> "$NOTIFY_LOG.t"
SH
chmod 0755 "$LAB_DIR/notify.sh"

lab_up "$NCLI" 2 1 1
for i in 1 2 3; do
	ip netns exec "$(lab_router "$i")" "$PY" "$TOP/tests/integration/echo_srv.py" "r$i" "$LAB_INET" "$PORT" 120 &
	BG_PIDS+=($!)
	in_r "$i" iptables -I INPUT -p icmp --icmp-type echo-request -m comment --comment probes
done
SOCK=$LAB_DIR/ctl.sock
cat >> "$LAB_CONF" <<CONF
health = {
  interval = 200; timeout = 150; min_ok = 1; fall = 3; rise = 2;
  targets = [ "icmp:$LAB_INET" ];
  rebalance = false;
  notify = "$LAB_DIR/notify.sh";
};
control = { socket = "$SOCK"; };
CONF
export NFQLB_SOCKET=$SOCK
check "nfqlbd starts" lab_start
ok=1
for g in wan1 wan2 wan3; do wait_state "$g" up 5 || ok=0; done
is "all three gateways up" "$ok" 1
lab_send 0 "$NCLI" 1
is "clients per gateway follow the weights 2:1:1" "$(gw_counts)" "12 6 6"

# --- the shared probe target unreachable through every gateway ---
# One rule on the box drops every probe at once (the target, or the
# box's own path to it, failing); clients' traffic is forwarded, not
# sent by the box, so it is untouched.
ips=()
for ((c = 0; c < NCLI; c++)); do ips+=("$(lab_client_ip "$c")"); done
flag=$LAB_DIR/go
in_cli "$PY" "$LAB_DIR/cli.py" "$LAB_DIR/conn" "$LAB_INET" "$PORT" "$flag" "${ips[@]}" &
cli=$!
BG_PIDS+=($cli)
check "$NCLI long-lived TCP connections open" wait_for "$LAB_DIR/conn.before" "" 10
is "every connection answered" "$(grep -c ' r[123]$' "$LAB_DIR/conn.before")" "$NCLI"
fo=$(stat failovers) ctf=$(stat conntrack_flushes) rb=$(stat rebinds)
in_gw iptables -I OUTPUT -p icmp --icmp-type echo-request -d "$LAB_INET" -j DROP \
	-m comment --comment outage
ok=1
for g in wan1 wan2 wan3; do wait_state "$g" held 3 || ok=0; done
is "every gateway held (probes failed together), none down" "$ok" 1
check "the outage lasts 15 more rounds" wait_rounds wan1 15 10
is "during it: stats say so" "$(stat probe_outage) $(stat probe_outages)" "1 1"
is "during it: the prober says down, the daemon held" \
	"$(gw wan1 health) $(gw wan2 health) $(gw wan3 health) $(all_states)" \
	"down down down held held held"
is "during it: nobody moved" "$(gw_counts)" "12 6 6"
is "during it: every LAN rule in use" "$(lan_rules)" 3
lab_zero_counters
lab_send 0 "$NCLI" 1
is "during it: every client at exactly one router" "$(misrouted_clients "$NCLI")" ""
is "during it: each at the router of its binding" "$(binding_mismatches)" ""
in_gw iptables -D OUTPUT -p icmp --icmp-type echo-request -d "$LAB_INET" -j DROP \
	-m comment --comment outage
ok=1
for g in wan1 wan2 wan3; do wait_state "$g" up 10 || ok=0; done
is "probes back: every gateway up again" "$ok" 1
is "no failover, no conntrack deletion, nobody rebound" \
	"$(stat failovers) $(stat conntrack_flushes) $(stat rebinds)" "$fo $ctf $rb"
is "everybody where they were" "$(gw_counts)" "12 6 6"
check "the log says why nobody moved" grep -q "probes of every gateway failed in the same round" "$LAB_LOG"
is "notify: held and back, with loss and RTT" \
	"$(grep -c -E '^wan[123] up held [0-9]+ ' "$NOTIFY_LOG") $(grep -c -E '^wan[123] held up [0-9]+ [0-9.]+$' "$NOTIFY_LOG")" "3 3"
touch "$flag"
check "connections asked again" wait_for "$LAB_DIR/conn.after" "" 20
wait "$cli"
is "every long-lived connection survived, answered by the same router" \
	"$(join <(sort "$LAB_DIR/conn.before") <(sort "$LAB_DIR/conn.after") | awk '$2 != $3')" ""

# --- 30 % of wan1's probes lost for 60 rounds, three in a row ---
# Marks on echo requests 0, 1, 2 of every 10 (each nth rule sees every
# packet: MARK does not end the chain), one DROP for the marked ones.
# The three rules go in in one transaction: each nth rule counts from
# its own insertion, and probes keep arriving meanwhile.
in_r 1 iptables-restore --noflush <<RULES
*mangle
-A PREROUTING -p icmp --icmp-type echo-request -m statistic --mode nth --every 10 --packet 0 -j MARK --set-mark 1
-A PREROUTING -p icmp --icmp-type echo-request -m statistic --mode nth --every 10 --packet 1 -j MARK --set-mark 1
-A PREROUTING -p icmp --icmp-type echo-request -m statistic --mode nth --every 10 --packet 2 -j MARK --set-mark 1
COMMIT
RULES
ch=$(gw wan1 changes) fo=$(stat failovers) fb=$(stat failbacks) rb=$(stat rebinds)
in_r 1 iptables -Z INPUT
in_r 1 iptables -I INPUT -p icmp -m mark --mark 1 -j DROP -m comment --comment loss30
check "60 rounds under the loss" wait_rounds wan1 60 30
echo "# wan1 after them: health $(gw wan1 health), state $(gw wan1 state), loss $(gw wan1 loss) over $(gw wan1 window) rounds"
# Read while the loss lasts: once it ends wan1 comes back (a failback).
n=$(( $(gw wan1 changes) - ch ))
nfo=$(( $(stat failovers) - fo )) nfb=$(( $(stat failbacks) - fb )) nrb=$(( $(stat rebinds) - rb ))
drops=$(in_r 1 iptables -nvxL INPUT | awk '/loss30/ { print $1 }')
seen=$(in_r 1 iptables -nvxL INPUT | awk '/probes/ { print $1 }')
in_r 1 iptables -D INPUT -p icmp -m mark --mark 1 -j DROP -m comment --comment loss30
in_r 1 iptables -t mangle -F PREROUTING
echo "# router 1 dropped $drops of $((drops + seen)) echo requests"
check "router 1 dropped 30 % of the probes ($drops of $((drops + seen)), 24..36 %)" \
	test "$drops" -ge 18 -a $((drops * 100)) -ge $(((drops + seen) * 24)) -a \
	$((drops * 100)) -le $(((drops + seen) * 36))
echo "# wan1: $n state changes, failovers $nfo, failbacks $nfb, users moved $nrb"
check "30 % loss for 60 rounds: wan1 changed state at most once ($n)" test "$n" -le 1
check "at most one failover or failback ($nfo + $nfb)" test $((nfo + nfb)) -le 1
check "wan1's users moved at most once ($nrb moves of its 12)" test "$nrb" -le 12
check "wan1 up again once the loss is over" wait_state wan1 up 15

# --- a clean outage: judged down as fast as before (fall rounds) ---
t0=$(date +%s%N)
in_r 3 iptables -I OUTPUT -j DROP
check "wan3 down" wait_state wan3 down 5
t1=$(awk '$2 == "wan3" && $3 == "up" && $4 == "down" { t = $1 } END { print t }' "$NOTIFY_LOG.t")
t1=${t1:-$t0}
ms=$(( (t1 - t0) / 1000000 ))
echo "# clean outage, interval 200 ms, timeout 150 ms, fall 3: down decision after $ms ms"
# fall rounds, the first of which may have started just before the cut
check "decided within fall + 1 rounds plus the timeout (750 ms, 1500 with slack for a busy machine): $ms ms" test "$ms" -gt 0 -a "$ms" -le 1500
is "its clients moved to the live gateways" "$(gw wan3 clients)" 0
in_r 3 iptables -D OUTPUT -j DROP
in_r 3 ip route replace "$LAB_LAN.0/24" via "$LAB_WAN.3.1"
check "wan3 back up" wait_state wan3 up 15
check "daemon still running" kill -0 "$(lab_pid)"
t_done
