# SPDX-License-Identifier: GPL-2.0-or-later
# nspawn.sh - a real systemd for a test, sourced by t_systemd.sh and
# tests/package/t_deb.sh.  systemd-nspawn boots this machine's own root
# in a private mount namespace, over a volatile overlay (whatever the
# container writes lives in a tmpfs and goes with it), in a network
# namespace of the caller's or a private one.  Commands run inside with
# nsenter into its init.  The host's enabled units are masked inside.
#
#   sd_up DIR [NETNS_PATH]   boot (bounded: 60 s); DIR holds the console log
#   in_sd COMMAND...         run in the container
#   sysctl_sd ARGS...        systemctl in the container (bounded: 40 s)
#   sd_down                  shut it down (bounded), always safe to call

SD_PID=""	# systemd-nspawn
SD_INIT=""	# the container's systemd (PID 1 inside)
SD_ROOT=""	# the mount point of / in the private namespace
SD_STATE=""	# is-system-running at the end of sd_up
SD_CONSOLE=""

# The reason this machine cannot boot a container, or nothing.
sd_cannot() {
	local tool
	[ "$(id -u)" -eq 0 ] || { echo "not root"; return; }
	for tool in systemd-nspawn unshare nsenter journalctl; do
		command -v "$tool" >/dev/null || {
			echo "$tool not installed (scripts/install-deps.sh installs systemd-container)"
			return
		}
	done
	[ -d /sys/fs/cgroup ] || echo "no /sys/fs/cgroup: systemd cannot run in a container here"
}

in_sd() { nsenter -t "$SD_INIT" -a "$@"; }
sysctl_sd() { timeout -k 5 40 nsenter -t "$SD_INIT" -a systemctl "$@"; }

sd_up() {
	local dir=$1 netns=${2:-} t u masks=() net
	SD_CONSOLE=$dir/console.log
	SD_ROOT=$(mktemp -d /tmp/nfqlb-sdroot.XXXXXX)
	for u in /etc/systemd/system/*.wants/*; do
		u=$(basename "$u")
		case $u in
		nfqlbd.service | *@*) ;;
		*.service | *.timer | *.socket | *.target | *.path) masks+=("systemd.mask=$u") ;;
		esac
	done
	if [ -n "$netns" ]; then
		net=--network-namespace-path=$netns
	else
		net=--private-network
	fi
	unshare -m --propagation private sh -c '
		mount --bind / "$1" || exit 1
		root=$1 net=$2
		shift 2
		exec systemd-nspawn -D "$root" --volatile=overlay -b --register=no \
			--keep-unit --console=read-only \
			--capability=CAP_NET_ADMIN,CAP_NET_RAW "$net" "$@"
	' sd "$SD_ROOT" "$net" "${masks[@]}" > "$SD_CONSOLE" 2>&1 &
	SD_PID=$!
	SD_STATE=""
	for ((t = 0; t < 600; t++)); do
		[ -z "$SD_INIT" ] && SD_INIT=$(pgrep -P "$SD_PID" -x systemd)
		if [ -n "$SD_INIT" ]; then
			SD_STATE=$(timeout 5 nsenter -t "$SD_INIT" -a systemctl is-system-running 2>/dev/null)
			case $SD_STATE in running | degraded) return 0 ;; esac
		fi
		kill -0 "$SD_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

sd_down() {
	local t
	if [ -n "$SD_PID" ] && kill -0 "$SD_PID" 2>/dev/null; then
		# nspawn turns SIGTERM into an orderly shutdown of the container.
		kill -TERM "$SD_PID" 2>/dev/null
		for ((t = 0; t < 150; t++)); do
			kill -0 "$SD_PID" 2>/dev/null || break
			sleep 0.1
		done
		# Killing the container's init ends its whole PID namespace.
		[ -n "$SD_INIT" ] && kill -KILL "$SD_INIT" 2>/dev/null
		kill -KILL "$SD_PID" 2>/dev/null
		wait "$SD_PID" 2>/dev/null
	fi
	SD_PID=""
	# / was bound in the container's private mount namespace only: here
	# SD_ROOT is an empty directory (rmdir, never rm -r).
	[ -n "$SD_ROOT" ] && rmdir "$SD_ROOT" 2>/dev/null
	SD_ROOT=""
	return 0
}
