#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lib.sh - TAP-style helpers for the integration tests, and the lab.
# A test script sources this with the build dir as $1; the lab is torn
# down on any exit, failed or not.

set -u
BUILD=${1:?usage: $0 BUILD_DIR}
# Every lab test makes network namespaces: without root, skipped (77),
# never a pass, never a hang.
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (network namespaces)"
	exit 77
fi
BUILD=$(cd "$BUILD" && pwd)
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_BUILD=$BUILD
# shellcheck source=../../scripts/lab.sh
. "$TOP/scripts/lab.sh"

T_N=0
T_FAILED=0

ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1"
}

not_ok() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	return 0
}

# check DESCRIPTION COMMAND...: ok if the command succeeds.
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d" "command failed: $*"; fi
}

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi
}

# Background processes a test starts (listeners, tools): killed at exit.
BG_PIDS=()

t_cleanup() {
	local rc=$? p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	if [ "$T_FAILED" -gt 0 ] && [ -s "$LAB_LOG" ]; then
		echo "# nfqlbd log:"
		sed 's/^/#   /' "$LAB_LOG" | tail -40
	fi
	lab_down
	return $rc
}
trap t_cleanup EXIT

# A part of a test that this machine cannot run: said, and counted.
T_SKIPPED=0
skip_part() {
	T_N=$((T_N + 1))
	T_SKIPPED=$((T_SKIPPED + 1))
	echo "ok $T_N - # SKIP $1"
}

# Exit status: 1 on a failure, 77 (skipped: run.sh fails it under
# CI=true) when a part was skipped, 0 otherwise.
t_done() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ] || return 1
	[ "$T_SKIPPED" -eq 0 ] || return 77
}

# in_r ROUTER COMMAND...: run a command in router i's namespace.
in_r() {
	local i=$1
	shift
	ip netns exec "$(lab_router "$i")" "$@"
}

# wait_for FILE REGEX SECONDS: until a line of FILE matches (bounded).
wait_for() {
	local t
	for ((t = 0; t < $3 * 10; t++)); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# wait_until SECONDS COMMAND...: until COMMAND succeeds, tried every
# 0.1 s for at most SECONDS (a whole number); its last status.
wait_until() {
	local t n=$(($1 * 10))
	shift
	for ((t = 0; t < n; t++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# gw NAME FIELD: one field of gateway NAME in `nfqlbctl -j gateways`
# ("-" for null); stat NAME: one field of `nfqlbctl -j stats`.  The
# test exports NFQLB_SOCKET.
gw() {
	"$BUILD/nfqlbctl" -j gateways | python3 -c 'import json, sys
for g in json.load(sys.stdin):
    if g["name"] == sys.argv[1]:
        v = g[sys.argv[2]]
        print("-" if v is None else v)' "$1" "$2"
}
stat() { "$BUILD/nfqlbctl" -j stats | python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# wait_state NAME STATE SECONDS: until gateway NAME is in STATE.
state_is() { [ "$(gw "$1" state)" = "$2" ]; }
wait_state() { wait_until "$3" state_is "$1" "$2"; }

# all_bound FIRST COUNT: clients FIRST.. FIRST+COUNT-1 are in a set.
all_bound() {
	local c b
	b=$(lab_bindings | awk '{ print $1 }')
	for ((c = $1; c < $1 + $2; c++)); do
		grep -qxF "$(lab_client_ip "$c")" <<< "$b" || return 1
	done
}

# wait_bound FIRST COUNT [SECONDS]: until those clients are bound (a
# packet waits in the queue until the daemon reads it).
wait_bound() { wait_until "${3:-5}" all_bound "$1" "$2"; }

# per_router FN: "n1 n2 ..." clients per router, from FN's "client
# router ..." lines (lab_counts: the routers' counters; lab_bindings:
# the daemon's sets).  FN runs once.
per_router() {
	local lines i out=""
	lines=$("$1")
	for ((i = 1; i <= LAB_NROUTERS; i++)); do
		out="$out${out:+ }$(awk -v r="$i" '$2 == r' <<< "$lines" | wc -l)"
	done
	echo "$out"
}

router_client_counts() { per_router lab_counts; }

# not_once N FN WHAT: the clients (of the first N) that FN's "client
# ..." lines list other than exactly once, as "IP WHAT COUNT".
not_once() {
	local n=$1 fn=$2 what=$3 c
	for ((c = 0; c < n; c++)); do lab_client_ip "$c"; done |
		sort | join -a 1 - <("$fn" | awk '{ print $1 }' | sort | uniq -c |
			awk '{ print $2, $1 }') |
		awk -v w="$what" 'NF != 2 || $2 != 1 { print $1, w, (NF == 2 ? $2 : 0) }'
}

# Clients seen by more than one router, or by none (of the first N).
misrouted_clients() { not_once "$1" lab_counts "routers:"; }

# Clients whose router differs from the gateway of their binding.
binding_mismatches() {
	join <(lab_counts | awk '{ print $1, $2 }' | sort) <(lab_bindings | sort) |
		awk '$2 != $3 { print $1, "at router", $2, "bound to", $3 }'
}
