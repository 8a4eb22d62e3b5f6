#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# soak.sh [N] - hunt flaky checks: run the whole test suite N times
# (default 5), every other run with both CPUs kept busy by stress-ng,
# and print, for every check that failed at least once, in how many
# runs it failed (quiet and loaded apart).  As root; minutes per run,
# so never part of CI.  Logs stay in $SOAK_DIR (default: a new
# directory under /tmp) for the post-mortem.
#
#   SOAK_LOAD="--cpu 2"   stress-ng's arguments for the loaded runs
#   SOAK_SUITE="unit integration"   the make targets of one run (both
#                         the plain and the SANITIZE=1 build)
set -u
cd "$(dirname "$0")/.." || exit 1
N=${1:-5}
case $N in '' | *[!0-9]* | 0) echo "usage: soak.sh [RUNS>0]" >&2; exit 2 ;; esac
LOAD=${SOAK_LOAD:---cpu 2}
SUITE=${SOAK_SUITE:-unit integration}
DIR=${SOAK_DIR:-$(mktemp -d /tmp/nfqlb-soak.XXXXXX)}
mkdir -p "$DIR"
if [ "$(id -u)" -ne 0 ]; then
	echo "soak.sh: the integration tests need root" >&2
	exit 1
fi
scripts/install-deps.sh >/dev/null || exit 1
command -v stress-ng >/dev/null || { echo "soak.sh: stress-ng missing" >&2; exit 1; }

STRESS=""
stop_load() {
	[ -n "$STRESS" ] || return 0
	kill "$STRESS" 2>/dev/null
	wait "$STRESS" 2>/dev/null
	STRESS=""
}
trap 'stop_load' EXIT
trap 'exit 130' INT TERM

# failures LOG: one line per failed check, "FILE: DESCRIPTION", from the
# integration tests' TAP lines (under their "== t_name" heading), Check's
# failure lines, and a test file or suite that failed as a whole.
failures() {
	awk '
	/^== .* FAILED \(exit/ { print $2 ": the file failed " $4 " " $5 }
	/^== /		{ t = $2; sub(/^.*\//, "", t); next }
	/^not ok /	{ d = $0; sub(/^not ok [0-9]+ - /, "", d); print t ": " d; next }
	/:[FE]:/	{ split($0, f, ":"); print "unit " f[1] ": " f[5]; next }
	/leftover namespaces/ { print "run.sh: " $0 }
	/^make.*Error/	{ print "make: " $0 }
	' "$1" | sort -u
}

for ((r = 1; r <= N; r++)); do
	mode=quiet
	if [ $((r % 2)) -eq 1 ]; then
		mode=loaded
		# shellcheck disable=SC2086
		stress-ng $LOAD --timeout 3h --quiet &
		STRESS=$!
	fi
	log=$DIR/run$r.$mode.log
	start=$(date +%s)
	# shellcheck disable=SC2086
	{ make $SUITE && make SANITIZE=1 $SUITE; } > "$log" 2>&1
	rc=$?
	stop_load
	failures "$log" > "$DIR/run$r.$mode.failed"
	printf 'run %d/%d (%s): %s in %d s, %d failed checks\n' "$r" "$N" "$mode" \
		"$([ $rc -eq 0 ] && echo pass || echo FAIL)" $(($(date +%s) - start)) \
		"$(grep -c . "$DIR/run$r.$mode.failed")"
done

echo
echo "soak: $N runs, logs in $DIR"
if ! cat "$DIR"/run*.failed | grep -q .; then
	echo "no check failed in any run"
	exit 0
fi
printf '%-8s %-8s %s\n' QUIET LOADED CHECK
for f in "$DIR"/run*.failed; do cat "$f"; done | sort -u | while IFS= read -r c; do
	q=0 l=0
	for f in "$DIR"/run*.quiet.failed; do [ -e "$f" ] && grep -qxF "$c" "$f" && q=$((q + 1)); done
	for f in "$DIR"/run*.loaded.failed; do [ -e "$f" ] && grep -qxF "$c" "$f" && l=$((l + 1)); done
	printf '%-8s %-8s %s\n' "$q/$((N / 2))" "$l/$(((N + 1) / 2))" "$c"
done
exit 1
