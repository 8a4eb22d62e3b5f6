#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Check src/'s shape against the layer order written once in src/LAYERS
# (format described there, the layers drawn in src/README): no include
# circle between modules, no include up the order, no include of a
# missing header, every module's .c with its header, nothing outside a
# declared folder, few long functions, a small main.
#
# usage: scripts/check-layers.sh [-r ROOT] [-l LAYERS_FILE]
#   ROOT (env LAYERS_ROOT) holds src/; default: this repository.
#   LAYERS_FILE (env LAYERS_FILE); default: ROOT/src/LAYERS.
# Prints one line per violation and a summary; exit 0 clean, 1 on a
# violation, 2 on a usage or LAYERS syntax error.
set -eu
root=${LAYERS_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
layers=${LAYERS_FILE:-}
while getopts r:l:h opt; do
	case $opt in
	r) root=$OPTARG ;;
	l) layers=$OPTARG ;;
	*) echo "usage: $0 [-r ROOT] [-l LAYERS_FILE]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "usage: $0 [-r ROOT] [-l LAYERS_FILE]" >&2; exit 2; }
layers=${layers:-$root/src/LAYERS}
[ -d "$root/src" ] || { echo "check-layers: no $root/src" >&2; exit 2; }
[ -f "$layers" ] || { echo "check-layers: no layers file $layers" >&2; exit 2; }

exec python3 - "$root" "$layers" <<'PY'
import os
import re
import sys
from collections import deque

root, layers_path = sys.argv[1], sys.argv[2]
src = os.path.join(root, "src")
violations = []


def bad(msg):
    violations.append(msg)
    print(msg)


def syntax(lineno, msg):
    print(f"{layers_path}:{lineno}: {msg}", file=sys.stderr)
    sys.exit(2)


# ---- src/LAYERS ----
level = {}      # folder -> line index (0 = lowest)
order = {}      # folder -> [module basenames], bottom first
uses = {}       # program folder -> set of folders it may include
mains = set()   # "folder/basename" of .c files without a header
fn_max, fn_count = 80, 3
file_max = {}   # "folder/file" -> max lines (exclusive)
with open(layers_path) as f:
    for n, raw in enumerate(f, 1):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        if line[0] == "@function-lines":
            if len(line) != 3 or not all(w.isdigit() for w in line[1:]):
                syntax(n, "@function-lines MAX COUNT")
            fn_max, fn_count = int(line[1]), int(line[2])
            continue
        if line[0] == "@file-lines":
            if len(line) != 3 or not line[2].isdigit():
                syntax(n, "@file-lines FILE MAX")
            file_max[line[1]] = int(line[2])
            continue
        if line[0].startswith("@"):
            syntax(n, f"unknown limit {line[0]}")
        folder = line[0]
        if not re.fullmatch(r"[A-Za-z0-9_]+", folder):
            syntax(n, f"bad folder name '{folder}'")
        if folder in level:
            syntax(n, f"folder '{folder}' declared twice")
        level[folder] = len(level)
        key = None
        for w in line[1:]:
            if w in ("order:", "uses:", "mains:"):
                key = w
                if key == "order:":
                    order[folder] = []
                elif key == "uses:":
                    uses[folder] = set()
                continue
            if key is None:
                syntax(n, f"'{w}' after '{folder}': expected order:, uses: or mains:")
            if key == "order:":
                order[folder].append(w)
            elif key == "uses:":
                if w not in level or w == folder:
                    syntax(n, f"'{folder}' uses '{w}', which is not a folder on an earlier line")
                uses[folder].add(w)
            else:
                mains.add(f"{folder}/{w}")

# ---- the files ----
files = []      # "folder/name" of every .c and .h in a declared folder
for name in sorted(os.listdir(src)):
    path = os.path.join(src, name)
    if os.path.isfile(path):
        if name not in ("LAYERS", "README") and os.path.abspath(path) != os.path.abspath(layers_path):
            bad(f"src/{name}: outside the layer folders (declare a folder in src/LAYERS)")
        continue
    if name not in level:
        bad(f"src/{name}/: a folder not declared in src/LAYERS")
        continue
    for sub in sorted(os.listdir(path)):
        rel = f"{name}/{sub}"
        if os.path.isdir(os.path.join(path, sub)):
            bad(f"src/{rel}/: a folder inside a layer folder (layers are one level deep)")
        elif sub.endswith((".c", ".h")):
            files.append(rel)
        else:
            bad(f"src/{rel}: neither .c nor .h in a layer folder")
fileset = set(files)
for folder in level:
    if not os.path.isdir(os.path.join(src, folder)):
        print(f"check-layers: note: folder '{folder}' of src/LAYERS does not exist")


def module(rel):
    return rel.rsplit(".", 1)[0]


modules = {module(r) for r in files}

# ---- every .c of a module has its header ----
for rel in files:
    if rel.endswith(".c") and module(rel) not in mains and module(rel) + ".h" not in fileset:
        bad(f"src/{rel}: no header {os.path.basename(module(rel))}.h beside it "
            f"(only the mains listed in src/LAYERS may go without)")


# ---- includes ----
INC = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
edges = {}      # module -> {module: (file, line, header)}, first seen
n_includes = 0


def pos(folder, mod):
    names = order.get(folder, [])
    return names.index(mod) if mod in names else None


for rel in files:
    me = module(rel)
    mfolder, mname = me.split("/")
    with open(os.path.join(src, rel), errors="replace") as f:
        for n, text in enumerate(f, 1):
            m = INC.match(text)
            if not m:
                continue
            n_includes += 1
            hdr = m.group(1)
            where = f"src/{rel}:{n}: includes \"{hdr}\""
            if "/" not in hdr:
                if os.path.isfile(os.path.join(src, mfolder, hdr)):
                    bad(f"{where}: written without its folder "
                        f"(write \"{mfolder}/{hdr}\")")
                else:
                    bad(f"{where}: no such header (includes name their folder: \"folder/file.h\")")
                continue
            if hdr not in fileset:
                why = "no such header" if not os.path.exists(os.path.join(src, hdr)) \
                    else "not a header of a declared layer folder"
                bad(f"{where}: {why}")
                continue
            them = module(hdr)
            if them == me:
                continue        # a .c including its own .h
            tfolder, tname = them.split("/")
            edges.setdefault(me, {}).setdefault(them, (rel, n, hdr))
            if mfolder in uses:
                if tfolder != mfolder and tfolder not in uses[mfolder]:
                    bad(f"{where}: {mfolder} is a program that may use only "
                        f"{' '.join(sorted(uses[mfolder], key=level.get))}, not {tfolder}")
            elif level[tfolder] > level[mfolder]:
                bad(f"{where}: goes up the layers ({mfolder} is below {tfolder} in src/LAYERS)")
            elif tfolder in uses:
                bad(f"{where}: {tfolder} is a program; nothing may include it")
            if tfolder == mfolder:
                a, b = pos(mfolder, mname), pos(mfolder, tname)
                if a is not None and b is not None and b > a:
                    bad(f"{where}: goes up {mfolder}'s order ({tname} comes after {mname} "
                        f"in src/LAYERS)")


# ---- include circles: every strongly connected group of modules ----
def sccs(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            out.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def shortest_cycle(start, group):
    # breadth first from start back to start, inside the group
    prev = {start: None}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(edges.get(v, {})):
            if w not in group:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return None


seen = set()
for group in sccs(edges):
    if len(group) < 2:
        continue
    gs = set(group)
    for start in sorted(group):
        cyc = shortest_cycle(start, gs)
        if not cyc:
            continue
        body = cyc[:-1]
        k = body.index(min(body))
        key = tuple(body[k:] + body[:k])
        if key in seen:
            continue
        seen.add(key)
        cyc = list(key) + [key[0]]
        links = []
        for a, b in zip(cyc, cyc[1:]):
            f, n, h = edges[a][b]
            links.append(f"src/{f}:{n} \"{h}\"")
        f, n, h = edges[cyc[0]][cyc[1]]
        bad(f"src/{f}:{n}: includes \"{h}\": include circle "
            f"{' -> '.join(cyc)} ({'; '.join(links)})")

# ---- long functions and the main's length ----
long_fns = []
for rel in files:
    if not rel.endswith(".c"):
        continue
    with open(os.path.join(src, rel), errors="replace") as f:
        lines = f.read().split("\n")
    start = None
    for i, text in enumerate(lines):
        if text.startswith("{"):
            start = i
        elif text.startswith("}") and start is not None:
            length = i - start + 1
            # the declarator: the lines just above the `{`
            j, decl = start - 1, ""
            while j >= 0 and lines[j].strip() and not lines[j].rstrip().endswith((";", "}", "*/")) \
                    and not lines[j].startswith("#"):
                decl = lines[j] + " " + decl
                j -= 1
            m = re.search(r"(\w+)\s*\(", decl)
            if m and "=" not in decl.split("(", 1)[0] and length > fn_max:
                long_fns.append((length, f"src/{rel}:{j + 2}", m.group(1)))
            start = None
long_fns.sort(reverse=True)
print(f"functions over {fn_max} lines ({len(long_fns)}, at most {fn_count}):")
for length, where, name in long_fns:
    print(f"  {where}: {name}: {length} lines")
if len(long_fns) > fn_count:
    bad(f"functions over {fn_max} lines: {len(long_fns)}, more than {fn_count} "
        f"(split the longest)")

for rel, limit in sorted(file_max.items()):
    path = os.path.join(src, rel)
    if not os.path.isfile(path):
        bad(f"src/{rel}: named in @file-lines but missing")
        continue
    with open(path, errors="replace") as f:
        count = sum(1 for _ in f)
    if count >= limit:
        bad(f"src/{rel}: {count} lines, must stay under {limit} (@file-lines)")

print(f"layers: {len(modules)} modules, {n_includes} includes, {len(violations)} violations; "
      f"functions over {fn_max} lines: {len(long_fns)}")
sys.exit(1 if violations else 0)
PY
