# SPDX-License-Identifier: GPL-2.0-or-later
# tap.sh - TAP output for the package tests (sourced): ok, not_ok,
# check (a command's status), is (a value).  T_FAILED counts failures.
T_N=0
T_FAILED=0
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
not_ok() {
	T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"; shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	return 0
}
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d" "command failed: $*"; fi; }
