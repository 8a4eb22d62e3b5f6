#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two boxes as one: keepalived (VRRP) moves a LAN and three WAN
# addresses between boxes A and B, conntrackd (FTFW, dedicated link,
# external cache off) copies every connection with its NAT mapping and
# ctmark, and each nfqlbd learns the bindings from its conntrack table.
#
#   clients --- [switch: LAN] --- A lan0 .2  /  B lan0 .3   (VIP .1)
#   router i --- [switch: WANi] --- A wani / B wani      (VIP 10.201.i.1, SNAT)
#   A sync0 10.99.0.1 ---------- B sync0 10.99.0.2      (conntrackd)
#
# 30 users are bound on A and hold a TCP connection each; A is killed
# (its daemons and links); the routers' own logs must show every user's
# new connections at the same router as before, the held connections
# answering through B from the same router, and new users bound by the
# weighted rule from B's learned counts.  A comes back as backup,
# relearns, is given the addresses back, and the same is checked again.
# The chilli sync timer runs on both boxes (`nfqlbctl sync` of what each
# box's portal lists): the backup's portal and, right after the
# takeover, the new master's list nobody, and that must release or move
# nobody; users who log in again become the new master's own.
#
# shellcheck disable=SC2317  # functions called through traps
# shellcheck disable=SC2046  # $(users ...): one word per address
. "$(dirname "$0")/lib.sh"

for p in keepalived conntrackd conntrack python3; do
	command -v "$p" >/dev/null || { echo "1..0 # SKIP $p not installed"; exit 77; }
done
modprobe nf_conntrack_netlink 2>/dev/null

C=$BUILD/nfqlbctl
HA=$TOP/scripts/ha-notify.sh
PY=(python3 "$TOP/tests/integration/ha_tcp.py")
PORT=7000
NUSERS=30
NNEW=6
SW=${LAB_ID}s
NS_A=${LAB_ID}a
NS_B=${LAB_ID}b
D=$LAB_DIR
LAN=192.168.182
INET=198.51.100.1
export LAB_NROUTERS=3	# lab.sh's lab_down
WEIGHTS=(0 1 1 2)	# by router 1..3

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }
in_box() { local b=$1; shift; ip netns exec "${LAB_ID}$b" "$@"; }
ctl() { local b=$1; shift; NFQLB_SOCKET=$D/$b.sock "$C" "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
user_ip() { echo "$LAN.$((10 + $1))"; }
users() { local i; for ((i = $1; i < $1 + $2; i++)); do user_ip "$i"; done; }

# Everything this test started lives in its namespaces: end it there.
ha_cleanup() {
	local ns p
	touch "$D/stop" 2>/dev/null
	for ns in "$NS_A" "$NS_B" "$SW" "${LAB_ID}c" "$(lab_router 1)" \
	    "$(lab_router 2)" "$(lab_router 3)"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	done
	if [ "$T_FAILED" -gt 0 ]; then
		for f in "$D"/ha.log "$D"/a.log "$D"/b.log "$D"/ka-a.log "$D"/ka-b.log \
		    "$D"/ctd-a.log "$D"/ctd-b.log; do
			[ -s "$f" ] || continue
			echo "# $(basename "$f"):"
			tail -25 "$f" | sed 's/^/#   /'
		done
	fi
	[ -n "${HA_KEEP_LOGS:-}" ] && rm -rf "$HA_KEEP_LOGS" && cp -a "$D" "$HA_KEEP_LOGS"
	for ns in "$NS_A" "$NS_B" "$SW"; do
		ip netns del "$ns" 2>/dev/null
	done
}
trap 'ha_cleanup; t_cleanup' EXIT

# --- the network -----------------------------------------------------
veth() {	# veth NS1 IF1 NS2 IF2
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

ip netns add "$SW"
ip netns add "${LAB_ID}c"
ip netns add "$NS_A"
ip netns add "$NS_B"
for ns in "$SW" "${LAB_ID}c" "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
for br in brl brw1 brw2 brw3; do
	ip -n "$SW" link add "$br" type bridge
	ip -n "$SW" link set "$br" up
done
veth "${LAB_ID}c" eth0 "$SW" lc
ip -n "$SW" link set lc master brl
for i in $(seq 0 $((NUSERS + NNEW + NNEW - 1))); do
	ip -n "${LAB_ID}c" addr add "$(user_ip "$i")/24" dev eth0
done
ip -n "${LAB_ID}c" route add default via "$LAN.1"
n=2
for b in a b; do
	ns=${LAB_ID}$b
	veth "$ns" lan0 "$SW" "l$b"
	ip -n "$SW" link set "l$b" master brl
	ip -n "$ns" addr add "$LAN.$n/24" dev lan0
	for i in 1 2 3; do
		veth "$ns" "wan$i" "$SW" "w$i$b"
		ip -n "$SW" link set "w$i$b" master "brw$i"
		ip -n "$ns" addr add "10.201.$i.$n/24" dev "wan$i"
	done
	in_box "$b" sysctl -qw net.ipv4.ip_forward=1
	in_box "$b" sysctl -qw net.ipv4.conf.all.rp_filter=2
	in_box "$b" sysctl -qw net.ipv4.conf.default.rp_filter=2
	# keepalived's VIPs: answer ARP for them at once
	in_box "$b" sysctl -qw net.ipv4.conf.all.arp_notify=1
	ip -n "$ns" route add default via 10.201.1.254
	# NAT to the WAN addresses that VRRP moves: the same public
	# address whichever box holds them
	for i in 1 2 3; do
		in_box "$b" iptables -t nat -A POSTROUTING -o "wan$i" -s "$LAN.0/24" \
			-j SNAT --to-source "10.201.$i.1"
	done
	n=$((n + 1))
done
veth "$NS_A" sync0 "$NS_B" sync0
ip -n "$NS_A" addr add 10.99.0.1/30 dev sync0
ip -n "$NS_B" addr add 10.99.0.2/30 dev sync0
for i in 1 2 3; do
	r=$(lab_router "$i")
	ip netns add "$r"
	ip -n "$r" link set lo up
	ip -n "$r" addr add "$INET/32" dev lo
	veth "$r" eth0 "$SW" "r$i"
	ip -n "$SW" link set "r$i" master "brw$i"
	ip -n "$r" addr add "10.201.$i.254/24" dev eth0
	: > "$D/srv.$i.log"
	ip netns exec "$r" "${PY[@]}" srv "$i" "$INET" "$PORT" "$D/srv.$i.log" &
	BG_PIDS+=($!)
done

# --- configuration -----------------------------------------------------
PAIR='"192.168.182.2", "192.168.182.3", "10.99.0.1", "10.99.0.2"'
write_nfqlb_conf() {	# BOX [FINGERPRINT]
	local b=$1 fp=${2:-} i
	{
		echo "lan = { interface = \"lan0\"; network = \"$LAN.0/24\"; };"
		echo "queue = { number = 0; };"
		echo "marks = { base = 200; mask = 0xff; };"
		echo "clients = { set_prefix = \"nfqlb-\"; };"
		echo "control = { socket = \"$D/$b.sock\"; };"
		echo "gateways = ("
		for i in 1 2 3; do
			echo "  { name = \"wan$i\"; address = \"10.201.$i.254\"; interface = \"wan$i\"; weight = ${WEIGHTS[$i]}; }$([ "$i" -lt 3 ] && echo ,)"
		done
		echo ");"
		echo "ha = { enable = true; release_after = 2; pair_addresses = [ $PAIR ];${fp:+ peer_fingerprint = \"$fp\";} };"
	} > "$D/$b.conf"
}

write_ctd_conf() {	# BOX SELF PEER
	cat > "$D/ctd-$1.conf" <<EOC
Sync {
	Mode FTFW {
		DisableExternalCache on
		PurgeTimeout 5
	}
	UDP {
		IPv4_address $2
		IPv4_Destination_Address $3
		Port 3780
		Interface sync0
		SndSocketBuffer 1249280
		RcvSocketBuffer 1249280
		Checksum on
	}
}
General {
	Systemd off
	HashSize 8192
	HashLimit 65536
	LogFile $D/ctd-$1.log
	Syslog off
	LockFile $D/ctd-$1.lock
	UNIX {
		Path $D/ctd-$1.ctl
	}
	NetlinkBufferSize 2097152
	NetlinkBufferSizeMaxGrowth 8388608
	Filter From Userspace {
		Protocol Accept {
			TCP
		}
		Address Ignore {
			IPv4_address 127.0.0.1
			IPv4_address 192.168.182.1
			IPv4_address 192.168.182.2
			IPv4_address 192.168.182.3
			IPv4_address 10.99.0.1
			IPv4_address 10.99.0.2
		}
	}
}
EOC
}

write_env() {	# BOX: the notify script's settings
	cat > "$D/ha-$1.env" <<EOE
CONNTRACKD_CONFIG=$D/ctd-$1.conf
CONNTRACKD_LOCK=$D/ctd-$1.lock
NFQLBCTL=$C
NFQLB_SOCKET=$D/$1.sock
HA_DEFAULT_ROUTE="via 10.201.1.254 dev wan1"
HA_LOG=$D/ha.log
TMPDIR=$D
EOE
}

write_ka_conf() {	# BOX SELF_LAN PEER_LAN SELF_WAN PEER_WAN PRIORITY
	local b=$1 run="HA_ENV=$D/ha-$1.env $HA"
	cat > "$D/ka-$b.conf" <<EOK
global_defs {
	router_id nfqlb_$b
	script_user root
	enable_script_security
	vrrp_garp_master_delay 1
	vrrp_garp_master_repeat 3
}
vrrp_script nfqlb_ready {
	script "/usr/bin/env $run check"
	interval 1
	timeout 5
	fall 1
	rise 1
}
vrrp_sync_group PORTAL {
	group {
		LAN
		WAN
	}
	notify_master "/usr/bin/env $run master"
	notify_backup "/usr/bin/env $run backup"
	notify_fault "/usr/bin/env $run fault"
}
vrrp_instance LAN {
	state BACKUP
	nopreempt
	interface lan0
	virtual_router_id 51
	priority $6
	advert_int 1
	unicast_src_ip $2
	unicast_peer {
		$3
	}
	virtual_ipaddress {
		192.168.182.1/24 dev lan0
	}
	track_script {
		nfqlb_ready
	}
}
vrrp_instance WAN {
	state BACKUP
	nopreempt
	interface wan1
	virtual_router_id 52
	priority $6
	advert_int 1
	unicast_src_ip $4
	unicast_peer {
		$5
	}
	virtual_ipaddress {
		10.201.1.1/24 dev wan1
		10.201.2.1/24 dev wan2
		10.201.3.1/24 dev wan3
	}
	track_script {
		nfqlb_ready
	}
}
EOK
}

start_nfqlbd() {	# BOX
	local b=$1 t
	# ip netns exec execs the daemon: $! is its pid
	ip netns exec "${LAB_ID}$b" "$BUILD/nfqlbd" -f -c "$D/$b.conf" >> "$D/$b.log" 2>&1 &
	echo $! > "$D/$b.nfqlbd.pid"
	for ((t = 0; t < 100; t++)); do
		ctl "$b" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
start_ctd() {
	rm -f "$D/ctd-$1.lock"	# a killed conntrackd leaves it
	ip netns exec "${LAB_ID}$1" conntrackd -C "$D/ctd-$1.conf" >> "$D/ctd-$1.out" 2>&1 &
	echo $! > "$D/$1.ctd.pid"
	wait_until 10 in_box "$1" conntrackd -C "$D/ctd-$1.conf" -s
}
start_ka() {
	ip netns exec "${LAB_ID}$1" keepalived -n -l -D --vrrp -f "$D/ka-$1.conf" -p "$D/ka-$1.pid" \
		-r "$D/ka-$1.vrrp.pid" >> "$D/ka-$1.log" 2>&1 &
	echo $! > "$D/$1.ka.pid"
}
kill_box_daemons() {	# BOX: as a crash does (VRRP child first: it
	# would send a priority-0 advert, a graceful handover, on its parent's death)
	local b=$1 x
	kill -KILL "$(cat "$D/ka-$b.vrrp.pid")" 2>/dev/null
	# shellcheck disable=SC2046
	kill -KILL $(ip netns pids "${LAB_ID}$b") 2>/dev/null
	for x in ka ctd nfqlbd; do wait "$(cat "$D/$b.$x.pid")" 2>/dev/null; done
	return 0
}

# wait_until SECONDS COMMAND...: bounded poll, 0.1 s steps.
wait_until() {
	local s=$1 t
	shift
	for ((t = 0; t < s * 10; t++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
holds_vip() { in_box "$1" ip -4 addr show dev lan0 | grep -q "$LAN.1/24"; }
is_master() { holds_vip "$1" && in_box "$1" ip -4 addr show dev wan3 | grep -q "10.201.3.1/24"; }
# seconds from T to the last user's first answer in FILE (ha_tcp.py new)
last_flow() { awk -v t="$2" '$4 > m { m = $4 } END { printf "%.2f", m - t }' "$1"; }
clients_is() { [ "$(clients_of "$1")" = "$2" ]; }
stat_ge() { [ "$(stat_of "$1" "$2")" -ge "$3" ]; }
# seconds from T (date +%s.%N) to the first "ROLE: taking over" after it
took_over() {
	awk -v t="$1" '$1 > t && $2 == "master:" && $3 == "taking" { printf "%.2f", $1 - t; exit }' "$D/ha.log"
}
master_done() { awk -v t="$1" '$1 > t && $2 == "master:" && $3 == "master:" { f = 1 } END { exit !f }' "$D/ha.log"; }
# users whose connection to PORT is ESTABLISHED in the box's conntrack table
held_in_ct() {
	in_box "$1" conntrack -L -p tcp --dport "$PORT" --state ESTABLISHED 2>/dev/null |
		grep -oE 'src=192\.168\.182\.[0-9]+' | sort -u | wc -l
}
clients_of() { ctl "$1" -j stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["clients"])'; }
stat_of() { ctl "$1" -j ha status | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"; }
# "n1 n2 n3": members of the gateways' sets, from the box's kernel
set_counts() {
	local i out=""
	for i in 1 2 3; do
		out="$out${out:+ }$(in_box "$1" ipset list "nfqlb-wan$i" | awk 'f { n++ } /^Members:/ { f = 1 } END { print n + 0 }')"
	done
	echo "$out"
}
# "IP ROUTER" of every binding, from the box's kernel sets
set_bindings() {
	local i
	for i in 1 2 3; do
		in_box "$1" ipset list "nfqlb-wan$i" | awk -v r="$i" 'f { print $1, r } /^Members:/ { f = 1 }'
	done | sort
}
# "IP ROUTER": where the routers received KIND ROUND lines (their own logs)
received() {
	cat "$D"/srv.[123].log | awk -v k="$1" -v r="$2" '$2 == k && $3 == r { print $4, $1 }' | sort -u
}
# lines of A not equal in B (as "IP was X now Y" or "IP missing")
moved() {
	join -a 1 "$1" "$2" | awk 'NF != 3 { print $1, "missing"; next } $2 != $3 { print $1, "was", $2, "now", $3 }'
}
# weighted CHOICES from counts "n1 n2 n3": the gateway of each next new user
weighted() {
	awk -v c="$1" -v k="$2" -v w="${WEIGHTS[1]} ${WEIGHTS[2]} ${WEIGHTS[3]}" 'BEGIN {
		split(c, n); split(w, ww)
		for (u = 0; u < k; u++) {
			best = 0
			for (i = 1; i <= 3; i++) {
				if (ww[i] == 0) continue
				if (!best || n[i] * ww[best] < n[best] * ww[i]) best = i
			}
			print best; n[best]++
		}
	}'
}

# --- start: A first, as master ----------------------------------------
write_nfqlb_conf a
write_nfqlb_conf b
start_nfqlbd a || { not_ok "nfqlbd A starts" "$(tail -5 "$D/a.log")"; exit 1; }
FP=$(ctl a ha fingerprint | awk '$1 == "ha_fingerprint" { print $2 }')
check "fingerprint printed (16 hex digits)" grep -Eq '^[0-9a-f]{16}$' <<< "$FP"
write_nfqlb_conf a "$FP"
write_nfqlb_conf b "$FP"
ctl a reload >/dev/null
is "A: fingerprint matches the peer's after reload" \
	"$(ctl a ha fingerprint | awk '$1 == "ha_match" { print $2 }')" "yes"
start_nfqlbd b || { not_ok "nfqlbd B starts" "$(tail -5 "$D/b.log")"; exit 1; }
is "B: the same fingerprint" "$(ctl b ha fingerprint | awk '$1 == "ha_fingerprint" { print $2 }')" "$FP"
write_ctd_conf a 10.99.0.1 10.99.0.2
write_ctd_conf b 10.99.0.2 10.99.0.1
write_env a
write_env b
write_ka_conf a "$LAN.2" "$LAN.3" 10.201.1.2 10.201.1.3 150
write_ka_conf b "$LAN.3" "$LAN.2" 10.201.1.3 10.201.1.2 100
start_ctd a || not_ok "conntrackd A answers"
start_ctd b || not_ok "conntrackd B answers"
start_ka a
check "A becomes master (both VIPs, 15 s)" wait_until 15 is_master a
start_ka b
check "B enters backup (its notify ran, 15 s)" wait_until 15 stat_ge b ha_refreshes 1
check "B stays backup" bash -c "! ip netns exec $NS_B ip -4 addr show dev lan0 | grep -q '$LAN.1/24'"

# --- 30 users: bound on A, each holding a TCP connection ----------------
in_box c "${PY[@]}" hold "$D" "$INET" "$PORT" $(users 0 "$NUSERS") 2>> "$D/hold.err" &
BG_PIDS+=($!)
touch "$D/go.0"
check "held connections answer (round 0)" wait_until 30 test -s "$D/hold.0"
in_box c "${PY[@]}" new 1 "$INET" "$PORT" 20 par $(users 0 "$NUSERS") > "$D/new.1"
is "before: every user's new connection answered" "$(grep -c FAIL "$D/new.1")" "0"
received NEW 1 > "$D/r.1"
is "before: the routers received all $NUSERS users" "$(wc -l < "$D/r.1")" "$NUSERS"
received HOLD 0 > "$D/h.0"
is "before: held connection and new ones at the same router" "$(moved "$D/h.0" "$D/r.1")" ""
COUNTS_A=$(set_counts a)
is "A's sets: the users, weighted" "$(echo "$COUNTS_A" | awk '{ print $1 + $2 + $3 }')" "$NUSERS"
# B learned every binding from conntrackd's injected entries (events)
check "B learned all $NUSERS users (10 s)" wait_until 10 clients_is b "$NUSERS"
is "B's sets equal A's" "$(set_bindings b | md5sum)" "$(set_bindings a | md5sum)"
check "B holds A's held connections with their marks" \
	test "$(in_b conntrack -L -p tcp --dport "$PORT" 2>/dev/null | grep -c 'mark=20[012]')" -ge "$NUSERS"
is "no address of the pair is bound on A" "$(ctl a list | grep -cE "$LAN\.(1|2|3) ")" "0"
is "no address of the pair is bound on B" "$(ctl b list | grep -cE "$LAN\.(1|2|3) ")" "0"
# The chilli sync timer on both boxes: A's portal lists every user, B's
# (a backup: nobody logs in there) lists nobody.
sync_out() { local b=$1; shift; echo $("$@" | ctl "$b" -t 30 sync); }
is "sync on A (its portal lists all $NUSERS): nobody changed" \
	"$(sync_out a users 0 "$NUSERS")" "bound 0 released 0 kept $NUSERS errors 0 withheld 0"
is "sync on B (backup, its portal lists nobody): nobody released" \
	"$(sync_out b true)" "bound 0 released 0 kept 0 errors 0 withheld $NUSERS"
is "B's sets still equal A's" "$(set_bindings b | md5sum)" "$(set_bindings a | md5sum)"
is "B: $NUSERS learned bindings, none confirmed by its portal" "$(stat_of b ha_unconfirmed)" "$NUSERS"

# --- kill the master: its daemons and its links --------------------------
T0=$(now)
kill_box_daemons a
for l in lan0 wan1 wan2 wan3 sync0; do ip -n "$NS_A" link set "$l" down; done
in_box c "${PY[@]}" new 2 "$INET" "$PORT" 40 par $(users 0 "$NUSERS") > "$D/new.2" &
NEWPID=$!
check "B takes over (20 s)" wait_until 20 is_master b
check "B's notify master ran (10 s)" wait_until 10 master_done "$T0"
T_VRRP=$(took_over "$T0")
# The new master's chilli knows nobody yet: its sync timer fires.
SETS_B=$(set_bindings b)
is "sync on B right after takeover (its portal lists nobody): nobody released" \
	"$(sync_out b true)" "bound 0 released 0 kept 0 errors 0 withheld $NUSERS"
is "... B's sets unchanged" "$(set_bindings b)" "$SETS_B"
# idle since round 0: only conntrackd can have put them in B's table
is "B kept the held connections' state through the takeover" "$(held_in_ct b)" "$NUSERS"
wait "$NEWPID"
T_FLOW=$(last_flow "$D/new.2" "$T0")
is "after takeover: every user's new connection answered" "$(grep -c FAIL "$D/new.2")" "0"
received NEW 2 > "$D/r.2"
is "after takeover: 0 users moved (routers' logs)" "$(moved "$D/r.1" "$D/r.2")" ""
touch "$D/go.1"
check "held connections answered (round 1, 30 s)" wait_until 30 test -s "$D/hold.1"
is "after takeover: 0 held connections broken" "$(grep -c BROKEN "$D/hold.1")" "0"
received HOLD 1 > "$D/h.1"
is "after takeover: held connections through the same routers" "$(moved "$D/h.0" "$D/h.1")" ""
COUNTS_B=$(set_counts b)
is "B's counts are A's" "$COUNTS_B" "$COUNTS_A"
# Ten users log in again at B's portal: theirs now, same gateways; the
# others stay learned (kept until their traffic stops or they log in).
is "sync on B listing 10 users who logged in again: kept, nobody released" \
	"$(sync_out b users 0 10)" "bound 0 released 0 kept 10 errors 0 withheld $((NUSERS - 10))"
is "... $((NUSERS - 10)) learned bindings left unconfirmed" "$(stat_of b ha_unconfirmed)" "$((NUSERS - 10))"
is "... B's sets unchanged" "$(set_bindings b)" "$SETS_B"
in_box c "${PY[@]}" new 3 "$INET" "$PORT" 20 seq $(users "$NUSERS" "$NNEW") > "$D/new.3"
received NEW 3 > "$D/r.3"
is "after takeover: new users bound by the weighted rule from B's counts" \
	"$(users "$NUSERS" "$NNEW" | sort | join - "$D/r.3" | sort -t. -k4 -n | awk '{ print $2 }' | tr '\n' ' ')" \
	"$(weighted "$COUNTS_B" "$NNEW" | tr '\n' ' ')"

# --- A comes back, as backup; B gives back -------------------------------
T1=$(now)
for l in lan0 wan1 wan2 wan3 sync0; do ip -n "$NS_A" link set "$l" up; done
start_nfqlbd a || not_ok "nfqlbd A restarts"
start_ctd a || not_ok "conntrackd A restarts"
start_ka a
check "A refreshed as backup (20 s)" wait_until 20 stat_ge a ha_refreshes 1
NB=$((NUSERS + NNEW))
check "A relearned every user from B (15 s)" wait_until 15 clients_is a "$NB"
T_RELEARN=$(since "$T1")
is "A's sets equal B's" "$(set_bindings a | md5sum)" "$(set_bindings b | md5sum)"
# A user released on the master (its connections gone with it) is
# released on the backup too: the counts stay the master's.
REL=$(user_ip "$NUSERS")
ctl b release "$REL" >/dev/null
in_b conntrack -D -s "$REL" >/dev/null 2>&1
not_bound() { ! set_bindings "$1" | grep -q "^$2 "; }
check "A released $REL, released on B (15 s)" wait_until 15 not_bound a "$REL"
is "A's sets still equal B's" "$(set_bindings a | md5sum)" "$(set_bindings b | md5sum)"
check "A's main default route is back" test -n "$(in_a ip route show default)"
is "A stays backup (nopreempt)" "$(holds_vip a && echo master || echo backup)" "backup"
T2=$(now)
kill -TERM "$(cat "$D/ka-b.pid")"	# keepalived's own pid file
in_box c "${PY[@]}" new 4 "$INET" "$PORT" 40 par $(users 0 "$NUSERS") \
	$(users $((NUSERS + 1)) $((NNEW - 1))) > "$D/new.4" &
NEWPID=$!
check "A takes over again (20 s)" wait_until 20 is_master a
check "A's notify master ran (10 s)" wait_until 10 master_done "$T2"
T_VRRP2=$(took_over "$T2")
is "A kept the held connections' state through the give-back" "$(held_in_ct a)" "$NUSERS"
wait "$NEWPID"
T_FLOW2=$(last_flow "$D/new.4" "$T2")
is "after give-back: every user's new connection answered" "$(grep -c FAIL "$D/new.4")" "0"
received NEW 4 > "$D/r.4"
cat "$D/r.2" "$D/r.3" | grep -v "^$REL " | sort > "$D/r.23"
is "after give-back: 0 users moved (routers' logs)" "$(moved "$D/r.23" "$D/r.4")" ""
touch "$D/go.2"
check "held connections answered (round 2, 30 s)" wait_until 30 test -s "$D/hold.2"
is "after give-back: 0 held connections broken" "$(grep -c BROKEN "$D/hold.2")" "0"
received HOLD 2 > "$D/h.2"
is "after give-back: held connections through the same routers" "$(moved "$D/h.0" "$D/h.2")" ""
COUNTS_A2=$(set_counts a)
in_box c "${PY[@]}" new 5 "$INET" "$PORT" 20 seq $(users "$NB" "$NNEW") > "$D/new.5"
received NEW 5 > "$D/r.5"
is "after give-back: new users bound by the weighted rule from A's counts" \
	"$(users "$NB" "$NNEW" | sort | join - "$D/r.5" | sort -t. -k4 -n | awk '{ print $2 }' | tr '\n' ' ')" \
	"$(weighted "$COUNTS_A2" "$NNEW" | tr '\n' ' ')"
is "no address of the pair is bound on A" "$(ctl a list | grep -cE "$LAN\.(1|2|3) ")" "0"

# A master keeps a learned binding the portal never confirmed while its
# user has connections, and releases it once they are gone (two
# reconciles ha.release_after apart); one the portal listed is its own.
U0=$(user_ip 0) U1=$(user_ip 1) U2=$(user_ip 2)
is "sync on A listing only $U2: A's packet bindings released, learned ones kept" \
	"$(sync_out a echo "$U2")" \
	"bound 0 released $NNEW kept 1 errors 0 withheld $((NUSERS + NNEW - 2))"
in_a conntrack -D -s "$U0" >/dev/null 2>&1
in_a conntrack -D -s "$U2" >/dev/null 2>&1
check "A releases $U0 (learned, no connection left, 15 s)" wait_until 15 not_bound a "$U0"
check "... keeps $U1 (learned, its connection held)" eval "set_bindings a | grep -q '^$U1 '"
check "... keeps $U2 (no connection, but its portal listed it)" eval "set_bindings a | grep -q '^$U2 '"

# A box whose fingerprint differs from its peer's may not become master.
write_nfqlb_conf b 0123456789abcdef
ctl b reload >/dev/null
is "B: a wrong peer fingerprint is seen" "$(ctl b ha fingerprint | awk '$1 == "ha_match" { print $2 }')" "no"
HA_ENV=$D/ha-b.env in_b "$HA" check
is "ha-notify.sh check refuses B (exit 1)" "$?" "1"
check "and says why" grep -q "check: refusing: fingerprint $FP differs from the peer's 0123456789abcdef" "$D/ha.log"
write_nfqlb_conf b "$FP"
ctl b reload >/dev/null
HA_ENV=$D/ha-b.env in_b "$HA" check
is "ha-notify.sh check accepts B again" "$?" "0"

echo "# timings: takeover: VRRP ${T_VRRP}s, every user flowing ${T_FLOW}s after the kill;" \
	"give-back: VRRP ${T_VRRP2}s, every user flowing ${T_FLOW2}s; A back (links, daemons, refresh) and holding all $NB bindings ${T_RELEARN}s after its links came up"
t_done
