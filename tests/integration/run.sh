#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every integration test (t_*.sh) against the real kernel, in
# namespaces of their own, and print one summary line.
set -u
BUILD=${1:?usage: run.sh BUILD_DIR}
DIR=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0 skipped=0

if [ "$(id -u)" -ne 0 ]; then
	echo "integration tests need root (network namespaces)" >&2
	exit 1
fi
# Namespaces that already exist (another user's, or a killed earlier
# run's) are not ours to judge; only what this run leaves behind is.
export NQ_RUN=$$
ours() { ip netns list | awk '{ print $1 }' | grep "^nq$NQ_RUN-" | sort; }
before=$(ours)
for t in "$DIR"/t_*.sh; do
	name=$(basename "$t" .sh)
	echo "== $name"
	timeout -k 10 300 bash "$t" "$BUILD"
	rc=$?
	case $rc in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)); echo "== $name SKIPPED (exit 77)" ;;
	*) failed=$((failed + 1)); echo "== $name FAILED (exit $rc)" ;;
	esac
done
# Nothing of ours may survive the tests in the host's namespace.
left=$(comm -13 <(echo "$before") <(ours) | grep . | tr '\n' ' ')
if [ -n "$left" ]; then
	echo "leftover namespaces: $left"
	failed=$((failed + 1))
fi
[ -n "$before" ] && echo "note: namespaces from before this run: $(echo $before)"
echo "integration: $passed passed, $failed failed, $skipped skipped"
# In CI everything a test needs is installed (scripts/install-deps.sh):
# a skipped test there is one that did not run, a failure.
if [ "$skipped" -gt 0 ] && [ "${CI:-}" = true ]; then
	echo "integration: $skipped skipped under CI=true: a failure"
	exit 1
fi
[ "$failed" -eq 0 ]
