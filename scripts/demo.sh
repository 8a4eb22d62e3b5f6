#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo: install what is needed, build, and run nfqlbd in a lab of
# network namespaces (40 clients, three routers of weights 1, 1, 2).
# The table printed comes from the routers' own packet counters.
# Run as root on Debian 12:   ./scripts/demo.sh
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it installs packages and creates namespaces)" >&2
	exit 1
fi
scripts/install-deps.sh
make -s all
NCLIENTS=${NCLIENTS:-40}
WEIGHTS=${WEIGHTS:-1 1 2}
LAB_BUILD=$TOP/build
. scripts/lab.sh
trap lab_down EXIT

# shellcheck disable=SC2086
lab_up "$NCLIENTS" $WEIGHTS
echo "lab: $NCLIENTS clients on $LAB_LAN.0/24, routers with weights: $WEIGHTS"
lab_start
echo "nfqlbd is running (pid $(lab_pid)); every client sends 5 datagrams to $LAB_INET"
for ((c = 0; c < NCLIENTS; c++)); do
	lab_send "$c" 1 5
done

echo
printf '%-16s %-8s %-8s %s\n' CLIENT ROUTER PACKETS "BOUND TO (nfqlbd's set)"
join <(lab_counts | sort) <(lab_bindings | sort) | sort -t. -k4,4n |
	awk '{ printf "%-16s wan%-5s %-8s wan%s\n", $1, $2, $3, $4 }'
echo
printf '%-8s %-8s %-8s %s\n' ROUTER WEIGHT CLIENTS PACKETS
i=0
for w in $WEIGHTS; do
	i=$((i + 1))
	lab_counts | awk -v r="$i" -v w="$w" '$2 == r { c++; p += $3 }
		END { printf "wan%-5s %-8s %-8d %d\n", r, w, c, p }'
done
echo
echo "the lab is removed on exit"
