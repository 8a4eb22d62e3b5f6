#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of scripts/check-layers.sh itself.  Each folder here is a tiny
# fake tree (src/ with its own LAYERS) and an `expect` file: its first
# line `exit N`, then lines that must each appear, verbatim, in what the
# checker prints.  The long-function cases are written on the fly.
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
CHECK=$DIR/../../scripts/check-layers.sh
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME ROOT EXPECT_FILE
check() {
	local name=$1 root=$2 expect=$3 out rc want line ok=1
	out=$("$CHECK" -r "$root" 2>&1)
	rc=$?
	want=$(head -n 1 "$expect")
	if [ "exit $rc" != "$want" ]; then
		echo "FAIL $name: exit $rc, expected ${want#exit }"
		ok=0
	fi
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		if ! grep -qF -- "$line" <<<"$out"; then
			echo "FAIL $name: missing: $line"
			ok=0
		fi
	done < <(tail -n +2 "$expect")
	if [ $ok -eq 1 ]; then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		sed 's/^/     | /' <<<"$out"
		failed=$((failed + 1))
	fi
}

for d in "$DIR"/*/; do
	check "$(basename "$d")" "$d" "$d/expect"
done

# A function of LEN lines from `{` to `}`: fn NAME LEN
fn() {
	printf 'static int %s(int a)\n{\n' "$1"
	for ((i = 0; i < $2 - 3; i++)); do printf '\ta += %d;\n' "$i"; done
	printf '\treturn a;\n}\n\n'
}

# Three functions over 80 lines pass (and are listed); a table at
# column 0 and a function of exactly 80 lines are not counted.
mkdir -p "$tmp/three/src/core"
printf 'core\n@function-lines 80 3\n' > "$tmp/three/src/LAYERS"
{
	echo '#include "core/big.h"'
	fn one 81; fn two 95; fn three 81; fn edge 80
	printf 'static const int tab[] =\n{\n'
	for ((i = 0; i < 90; i++)); do printf '\t%d,\n' "$i"; done
	printf '};\n'
} > "$tmp/three/src/core/big.c"
echo 'int big(void);' > "$tmp/three/src/core/big.h"
cat > "$tmp/three.expect" <<'EOF'
exit 0
functions over 80 lines (3, at most 3):
  src/core/big.c:85: two: 95 lines
  src/core/big.c:2: one: 81 lines
layers: 1 modules, 1 includes, 0 violations; functions over 80 lines: 3
EOF
check long-three "$tmp/three" "$tmp/three.expect"
if grep -q 'edge\|tab' <<<"$("$CHECK" -r "$tmp/three" 2>&1)"; then
	echo "FAIL long-three: counted a function of 80 lines or a table"
	failed=$((failed + 1))
fi

# A fourth one fails.
mkdir -p "$tmp/four/src/core"
cp "$tmp/three/src/LAYERS" "$tmp/three/src/core/big.h" "$tmp/four/src/"
mv "$tmp/four/src/big.h" "$tmp/four/src/core/"
{ cat "$tmp/three/src/core/big.c"; fn four 82; } > "$tmp/four/src/core/big.c"
cat > "$tmp/four.expect" <<'EOF'
exit 1
: four: 82 lines
functions over 80 lines: 4, more than 3
layers: 1 modules, 1 includes, 1 violations; functions over 80 lines: 4
EOF
check long-four "$tmp/four" "$tmp/four.expect"

echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
