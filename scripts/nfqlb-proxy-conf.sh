#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nfqlb-proxy-conf - the proxy's side of "Behind a web proxy" (README),
# from the running nfqlbd's gateways (their marks and intercept ports).
#
#   nfqlb-proxy-conf squid
#       the squid.conf lines: one intercept port per gateway, marked
#   nfqlb-proxy-conf e2guardian GATEWAY USER RUNDIR
#       an e2guardian.conf for GATEWAY's instance (from Debian's file),
#       running as USER, its pid file and log in RUNDIR
#
# Exit 2 on bad arguments, 1 when nfqlbd cannot be asked or the gateway
# is unknown; nothing is printed then.
set -eu
CTL=${NFQLBCTL:-/usr/local/sbin/nfqlbctl}
E2G_CONF=${E2G_CONF:-/etc/e2guardian/e2guardian.conf}

usage() { echo "usage: nfqlb-proxy-conf squid | e2guardian GATEWAY USER RUNDIR" >&2; exit 2; }
# "name mark port" per gateway, from the control socket.
gateways() {
	out=$("$CTL" raw gateways 2>&1) || {
		echo "nfqlb-proxy-conf: cannot ask nfqlbd: $out" >&2; exit 1; }
	printf '%s\n' "$out" | awk 'NR > 1 { n = m = p = ""
		for (i = 1; i <= NF; i++) { split($i, kv, "=")
			if (kv[1] == "name") n = kv[2]; if (kv[1] == "mark") m = kv[2]
			if (kv[1] == "proxy_port") p = kv[2] }
		if (n != "" && p != "") print n, m, p }'
}
[ $# -ge 1 ] || usage
case $1 in
squid)
	[ $# -eq 1 ] || usage
	g=$(gateways)
	[ -n "$g" ] || { echo "nfqlb-proxy-conf: nfqlbd has no proxy ports (proxy.enable)" >&2; exit 1; }
	printf '%s\n' "$g" | while read -r n m p; do
		echo "http_port $p intercept name=nfqlb_$n"
		echo "acl nfqlb_$n myportname nfqlb_$n"
		echo "tcp_outgoing_mark $m nfqlb_$n"
	done
	echo "# Squid reuses an idle upstream connection for any user: never"
	echo "# across gateways, so never at all."
	echo "server_persistent_connections off"
	;;
e2guardian)
	[ $# -eq 4 ] || usage
	gw=$2 user=$3 dir=$4
	case $gw in *[!A-Za-z0-9_-]*|"") echo "nfqlb-proxy-conf: bad gateway name \"$gw\"" >&2; exit 2;; esac
	case $dir in /*) ;; *) echo "nfqlb-proxy-conf: RUNDIR \"$dir\" must be absolute" >&2; exit 2;; esac
	port=$(gateways | awk -v g="$gw" '$1 == g { print $3 }')
	[ -n "$port" ] || { echo "nfqlb-proxy-conf: no gateway \"$gw\" with a proxy port" >&2; exit 1; }
	sed -e "s|^filterports = .*|filterports = $port|" \
	    -e "s|^transparenthttpsport = .*||" \
	    -e "s|^nodaemon = .*|nodaemon = on|" "$E2G_CONF"
	echo "pidfilename = '$dir/$gw.pid'"
	echo "loglocation = '$dir/$gw.log'"
	echo "daemonuser = '$user'"
	echo "daemongroup = 'nogroup'"
	;;
*) usage ;;
esac
