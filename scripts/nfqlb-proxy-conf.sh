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
#   nfqlb-proxy-conf e2guardian-dir GATEWAY USER RUNDIR
#       the same written into RUNDIR (e2guardian.conf and its filter
#       group's e2guardianf1.conf), RUNDIR given to USER: what
#       nfqlb-e2guardian@GATEWAY.service runs before E2Guardian
#
# Exit 2 on bad arguments, 1 when nfqlbd cannot be asked or the gateway
# is unknown; nothing is printed then.
set -eu
CTL=${NFQLBCTL:-/usr/local/sbin/nfqlbctl}
E2G_CONF=${E2G_CONF:-/etc/e2guardian/e2guardian.conf}

usage() {
	echo "usage: nfqlb-proxy-conf squid | e2guardian GATEWAY USER RUNDIR" \
		"| e2guardian-dir GATEWAY USER RUNDIR" >&2
	exit 2
}
# "name mark port" per gateway, from the table of every field (raw): columns found by
# their header (NAME, MARK, PROXY_PORT), whose values hold no blank.
gateways() {
	out=$("$CTL" raw gateways 2>&1) || {
		echo "nfqlb-proxy-conf: cannot ask nfqlbd: $out" >&2; exit 1; }
	printf '%s\n' "$out" | awk '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		col["NAME"] && col["MARK"] && col["PROXY_PORT"] {
			p = $(col["PROXY_PORT"])
			if (p ~ /^[0-9]+$/) print $(col["NAME"]), $(col["MARK"]), p }'
}
e2g_args() {
	case $1 in *[!A-Za-z0-9_-]*|"") echo "nfqlb-proxy-conf: bad gateway name \"$1\"" >&2; exit 2;; esac
	case $2 in /*) ;; *) echo "nfqlb-proxy-conf: RUNDIR \"$2\" must be absolute" >&2; exit 2;; esac
}
# e2g_conf GATEWAY USER RUNDIR: the instance's e2guardian.conf.
e2g_conf() {
	port=$(gateways | awk -v g="$1" '$1 == g { print $3 }')
	[ -n "$port" ] || { echo "nfqlb-proxy-conf: no gateway \"$1\" with a proxy port" >&2; exit 1; }
	sed -e "s|^filterports = .*|filterports = $port|" \
	    -e "s|^transparenthttpsport = .*||" \
	    -e "s|^nodaemon = .*|nodaemon = on|" "$E2G_CONF"
	echo "pidfilename = '$3/$1.pid'"
	echo "loglocation = '$3/$1.log'"
	echo "daemonuser = '$2'"
	# Its own primary group: an unprivileged instance can take no other.
	echo "daemongroup = '$(id -gn "$2" 2>/dev/null || echo nogroup)'"
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
e2guardian | e2guardian-dir)
	[ $# -eq 4 ] || usage
	e2g_args "$2" "$4"
	if [ "$1" = e2guardian ]; then
		e2g_conf "$2" "$3" "$4"
		exit 0
	fi
	gw=$2 user=$3 dir=$4
	id -u "$user" >/dev/null 2>&1 || {
		echo "nfqlb-proxy-conf: no user \"$user\" for gateway $gw's E2Guardian" \
			"(adduser --system --no-create-home --ingroup nogroup $user)" >&2
		exit 1
	}
	[ -d "$dir" ] || { echo "nfqlb-proxy-conf: no directory \"$dir\"" >&2; exit 1; }
	e2g_conf "$gw" "$user" "$dir" > "$dir/e2guardian.conf.new"
	# Its filter group's file is found by the main file's name.
	cp "${E2G_CONF%.conf}f1.conf" "$dir/e2guardianf1.conf"
	mv -f "$dir/e2guardian.conf.new" "$dir/e2guardian.conf"
	# The instance reads its files and writes its log there as USER.
	chown "$user" "$dir" "$dir/e2guardian.conf" "$dir/e2guardianf1.conf"
	;;
*) usage ;;
esac
