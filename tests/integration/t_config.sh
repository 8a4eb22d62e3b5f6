#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nfqlbd -n: a good file passes, a bad one fails with every error named;
# the daemon refuses to start on it and leaves nothing behind.
. "$(dirname "$0")/lib.sh"

lab_up 1 1 1
check "the lab's config is valid" "$BUILD/nfqlbd" -n -c "$LAB_CONF"
# The example names the group nfqlb-read, which the package (or make
# install) creates from systemd/nfqlb.sysusers: check it as on such a
# box, with that group added to a private copy of /etc/group.
example_ok() {
	local g=$LAB_DIR/group
	cp /etc/group "$g"
	grep -q '^nfqlb-read:' "$g" || echo "nfqlb-read:x:64999:" >> "$g"
	unshare -m --propagation private sh -c \
		'mount --bind "$1" /etc/group && exec "$2" -n -c "$3"' sh \
		"$g" "$BUILD/nfqlbd" "$TOP/conf/nfqlb.conf"
}
check "the shipped example config is valid (with its sysusers groups)" example_ok
is "the sysusers file creates the example's read_group" \
	"$(awk '$1 == "g" { print $2 }' "$TOP/systemd/nfqlb.sysusers")" \
	"$(sed -n 's/^[[:space:]]*read_group = "\([^"]*\)".*/\1/p' "$TOP/conf/nfqlb.conf")"
bad=$LAB_DIR/bad.conf
cat > "$bad" <<'CONF'
lan = { interface = "lan0"; network = "192.168.182.0/24"; colour = "blue"; };
marks = { base = 250; mask = 0xff; };
gateways = (
  { name = "a"; address = "10.0.0.1"; interface = "wan1"; weight = 1; },
  { name = "b"; address = "10.0.0.2"; interface = "wan2"; weight = -1; },
  { name = "c"; address = "10.0.0.300"; interface = "wan3"; weight = 1; },
  { name = "a"; address = "10.0.0.1"; interface = "wan4"; weight = 1; }
);
CONF
out=$("$BUILD/nfqlbd" -n -c "$bad" 2>&1)
rc=$?
is "a bad config exits 78 (EX_CONFIG)" "$rc" "78"
for want in "unknown setting 'lan.colour'" "gateway 2 weight = -1" \
	"gateway 3 address = \"10.0.0.300\"" "gateway 4 name \"a\" duplicates gateway 1" \
	"gateway 4 address 10.0.0.1 duplicates gateway 1"; do
	case $out in
	*"$want"*) ok "error names: $want" ;;
	*) not_ok "error names: $want" "$out" ;;
	esac
done
cat > "$bad" <<'CONF'
lan = { interface = "lan0"; network = "192.168.182.0/24"; };
marks = { base = 250; mask = 0xff; };
gateways = (
  { name = "a"; address = "10.0.0.1"; interface = "wan1"; },
  { name = "b"; address = "10.0.0.2"; interface = "wan2"; },
  { name = "c"; address = "10.0.0.3"; interface = "wan3"; },
  { name = "d"; address = "10.0.0.4"; interface = "wan4"; },
  { name = "e"; address = "10.0.0.5"; interface = "wan5"; },
  { name = "f"; address = "10.0.0.6"; interface = "wan6"; },
  { name = "g"; address = "10.0.0.7"; interface = "wan7"; }
);
CONF
out=$("$BUILD/nfqlbd" -n -c "$bad" 2>&1)
case $out in
*"does not fit in marks.mask"*) ok "marks beyond the mask are refused" ;;
*) not_ok "marks beyond the mask are refused" "$out" ;;
esac
in_gw "$BUILD/nfqlbd" -f -c "$bad" >/dev/null 2>&1
is "the daemon refuses to start on a bad config (exit 78)" "$?" "78"
is "and creates nothing" "$(in_gw ipset list -n | wc -l) $(in_gw iptables-save -t mangle | grep -c NFQLB)" "0 0"
# Integers that wrap at 32 bits and a LAN that takes in everything.
cat > "$bad" <<'CONF'
lan = { interface = "lan0"; network = "0.0.0.0/0"; };
queue = { number = 4294967296; };
gateways = ( { name = "a"; address = "10.0.0.1"; interface = "wan1"; weight = 4294967298; } );
CONF
out=$("$BUILD/nfqlbd" -n -c "$bad" 2>&1)
rc=$?
for want in "queue.number = 4294967296 is out of range" \
	"gateway 1 weight = 4294967298 is out of range" "line 1: lan.network = \"0.0.0.0/0\" is too wide"; do
	case "$rc $out" in
	"78 "*"$want"*) ok "refused, naming: $want" ;;
	*) not_ok "refused, naming: $want" "$rc $out" ;;
	esac
done
# Every error names its line: host bits, a bad prefix, a name too long.
cat > "$bad" <<'CONF'
lan = {
	interface = "lan0-is-too-long";
	network = "192.168.182.1/24";
};
gateways = ( { name = "a"; address = "10.0.0.1"; interface = "wan1"; weight = 1; } );
CONF
out=$("$BUILD/nfqlbd" -n -c "$bad" 2>&1)
rc=$?
for want in "$bad: line 2: lan.interface = \"lan0-is-too-long\" is not a valid interface name" \
	"$bad: line 3: lan.network = \"192.168.182.1/24\" is not an IPv4 network"; do
	case "$rc $out" in
	"78 "*"$want"*) ok "refused, naming: ${want#"$bad: "}" ;;
	*) not_ok "refused, naming: ${want#"$bad: "}" "$rc $out" ;;
	esac
done
sed -i 's|"192.168.182.1/24"|"192.168.182.0/40"|' "$bad"
case $("$BUILD/nfqlbd" -n -c "$bad" 2>&1) in
*"$bad: line 3: lan.network = \"192.168.182.0/40\" is not an IPv4 network"*) ok "a bad prefix names its line" ;;
*) not_ok "a bad prefix names its line" "$("$BUILD/nfqlbd" -n -c "$bad" 2>&1)" ;;
esac
out=$("$BUILD/nfqlbd" -n -c /nonexistent/nfqlb.conf 2>&1)
case $out in
*"/nonexistent/nfqlb.conf: cannot read file"*) ok "a missing file is named" ;;
*) not_ok "a missing file is named" "$out" ;;
esac
t_done
