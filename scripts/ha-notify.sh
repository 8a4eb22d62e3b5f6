#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# ha-notify.sh - keepalived's notify and track script for an nfqlb pair.
#
#   ha-notify.sh check    vrrp_script: exit 0 only if this box may be
#                         master (nfqlbd answers, the fingerprint matches
#                         the peer's, every route is back); restores the
#                         routes it can first.  A failing check puts the
#                         VRRP instance in FAULT: the box never takes over.
#   ha-notify.sh master   notify_master: as Debian's conntrackd
#                         primary-backup.sh (commit, flush, resync, bulk
#                         send), then nfqlbctl adopt-conntrack.
#   ha-notify.sh backup   notify_backup: conntrackd up, stale entries'
#                         timers shortened, nfqlbd's stale bindings
#                         forgotten, the master's state requested.
#   ha-notify.sh fault    notify_fault: stale entries' timers shortened.
#
# Settings: the environment, or the file $HA_ENV (/etc/nfqlb/ha.env):
#   CONNTRACKD, CONNTRACKD_CONFIG, CONNTRACKD_LOCK   conntrackd and its files
#   NFQLBCTL, NFQLB_SOCKET                           nfqlbctl and its socket
#   HA_DEFAULT_ROUTE   the main table's default route, as `ip route` words
#                      ("via 192.0.2.1 dev eth0"): restored by check
#   HA_LOG             a file to log to as well as syslog (tests)
#   HA_EXTERNAL_CACHE  on|off: conntrackd's external cache (default: off if
#                      CONNTRACKD_CONFIG says "DisableExternalCache on")
#
# With the external cache off (the shipped conntrackd.conf), the peer's
# entries are in this box's kernel table all along and nfqlbd learns
# from them as they come: takeover must then neither commit (-c: there
# is nothing to commit) nor flush (-f would delete the injected entries
# from the kernel), and a backup must not schedule the table's flush
# (-t).  With it on, Debian's primary-backup.sh sequence is run as is,
# and nfqlbd learns at takeover, from the committed entries.
HA_ENV=${HA_ENV:-/etc/nfqlb/ha.env}
# shellcheck disable=SC1090
[ -r "$HA_ENV" ] && . "$HA_ENV"
CONNTRACKD=${CONNTRACKD:-/usr/sbin/conntrackd}
CONNTRACKD_CONFIG=${CONNTRACKD_CONFIG:-/etc/conntrackd/conntrackd.conf}
CONNTRACKD_LOCK=${CONNTRACKD_LOCK:-/var/lock/conntrack.lock}
NFQLBCTL=${NFQLBCTL:-nfqlbctl}
HA_DEFAULT_ROUTE=${HA_DEFAULT_ROUTE:-}
HA_LOG=${HA_LOG:-}
if [ -z "${HA_EXTERNAL_CACHE:-}" ]; then
	HA_EXTERNAL_CACHE=on
	grep -Eqi '^[[:space:]]*DisableExternalCache[[:space:]]+on' "$CONNTRACKD_CONFIG" 2>/dev/null &&
		HA_EXTERNAL_CACHE=off
fi
export NFQLB_SOCKET

log() {
	logger -t nfqlb-ha -- "$*" 2>/dev/null
	[ -n "$HA_LOG" ] && echo "$(date +%s.%N) $ROLE: $*" >> "$HA_LOG"
	return 0
}

ctd() {
	"$CONNTRACKD" -C "$CONNTRACKD_CONFIG" "$@" >/dev/null 2>&1 ||
		log "conntrackd $*: failed"
}

# field NAME: one field of `nfqlbctl ha fingerprint` (or "").
ha_field() {
	"$NFQLBCTL" ha fingerprint 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'
}

# Refuse, saying why, unless both boxes give marks the same meaning.
fingerprint_ok() {
	fp=$(ha_field ha_fingerprint)
	if [ -z "$fp" ]; then
		log "refusing: nfqlbd does not answer or ha is off (nfqlbctl ha fingerprint failed)"
		return 1
	fi
	case $(ha_field ha_match) in
	yes) return 0 ;;
	no)
		log "refusing: fingerprint $fp differs from the peer's $(ha_field ha_peer_fingerprint)" \
		    "(gateways, slots, marks, tables, set prefix or LAN differ: compare" \
		    "\`nfqlbctl ha fingerprint\` on both boxes)"
		return 1 ;;
	*)
		log "refusing: ha.peer_fingerprint is not set: set it to the peer's $fp"
		return 1 ;;
	esac
}

# Routes a box loses with its links: restore what can be, fail on the rest.
routes_ok() {
	rc=0
	if ! ip route show default | grep -q .; then
		# shellcheck disable=SC2086  # HA_DEFAULT_ROUTE: words of ip route
		if [ -n "$HA_DEFAULT_ROUTE" ] &&
		   ip route replace default $HA_DEFAULT_ROUTE 2>/dev/null; then
			log "main default route restored: $HA_DEFAULT_ROUTE"
		else
			log "refusing: the main table has no default route"
			rc=1
		fi
	fi
	# name address interface state table, one line per gateway
	"$NFQLBCTL" -j gateways 2>/dev/null | tr '{' '\n' |
		sed -n 's/.*"name":"\([^"]*\)".*"address":"\([^"]*\)".*"interface":"\([^"]*\)".*"state":"\([^"]*\)".*"table":"\{0,1\}\([0-9]*\).*/\1 \2 \3 \4 \5/p' \
		> "${TMPDIR:-/tmp}/nfqlb-ha.$$"
	while read -r name addr ifname state table; do
		[ "$state" = up ] || [ "$state" = probing ] || continue
		ip route show table "$table" default 2>/dev/null | grep -q . && continue
		if ip route replace "$addr/32" dev "$ifname" scope link table "$table" 2>/dev/null &&
		   ip route replace default via "$addr" dev "$ifname" table "$table" 2>/dev/null; then
			log "gateway $name: routes of table $table restored"
		else
			log "refusing: gateway $name: table $table has no default route"
			rc=1
		fi
	done < "${TMPDIR:-/tmp}/nfqlb-ha.$$"
	rm -f "${TMPDIR:-/tmp}/nfqlb-ha.$$"
	return $rc
}

ROLE=${1:-}
case $ROLE in
check)
	fingerprint_ok && routes_ok
	exit $? ;;
master)
	log "taking over"
	fingerprint_ok || log "TAKING OVER REGARDLESS (keepalived moved the addresses): fix the above"
	if [ "$HA_EXTERNAL_CACHE" = on ]; then
		ctd -c	# commit the external cache into the kernel table
		ctd -f	# flush the internal and the external caches
	fi
	ctd -R		# resynchronize the internal cache to the kernel table
	ctd -B		# send a bulk update to the backup
	out=$("$NFQLBCTL" adopt-conntrack 2>&1) || log "nfqlbctl adopt-conntrack: $out"
	log "master: $out"
	;;
backup)
	log "backup"
	if ! "$CONNTRACKD" -C "$CONNTRACKD_CONFIG" -s >/dev/null 2>&1; then
		rm -f "$CONNTRACKD_LOCK"
		"$CONNTRACKD" -C "$CONNTRACKD_CONFIG" -d || { log "cannot start conntrackd"; exit 1; }
	fi
	# flush the kernel table's zombies in PurgeTimeout seconds (their
	# entries are in the external cache; without one, they are the
	# master's, injected: keep them)
	[ "$HA_EXTERNAL_CACHE" = on ] && ctd -t
	# forget the stale bindings, then ask for the master's entries:
	# nfqlbd learns from their injection (or, with the external
	# cache, from their commit at takeover)
	out=$("$NFQLBCTL" ha refresh 2>&1) || log "nfqlbctl ha refresh: $out"
	ctd -n
	routes_ok >/dev/null
	;;
fault)
	log "fault"
	[ "$HA_EXTERNAL_CACHE" = on ] && ctd -t
	;;
*)
	echo "usage: $0 check|master|backup|fault" >&2
	exit 2 ;;
esac
exit 0
