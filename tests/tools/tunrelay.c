// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tunrelay - a point-to-point link between two network namespaces for
 * the tests (this kernel has no ipip, gre, wireguard, ppp or dummy
 * modules): a tun device in each, created by this process, and every
 * packet one of them sends written into the other.  The devices are
 * real IFF_POINTOPOINT, NOARP links without a link-layer address, and
 * have carrier exactly while this process runs.
 *
 *   tunrelay NETNS_A IFNAME_A NETNS_B IFNAME_B
 *
 * NETNS_* are names under /run/netns.  Prints "ready" once both
 * devices exist; runs until killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "tunrelay: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A tun device called name in network namespace ns. */
static int tun_in(const char *ns, const char *name)
{
	struct ifreq ifr;
	char path[256];
	int nsfd, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		die(path);
	if (setns(nsfd, CLONE_NEWNET))
		die("setns");
	close(nsfd);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("/dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr))
		die("TUNSETIFF");
	return fd;
}

int main(int argc, char **argv)
{
	struct pollfd p[2];
	char buf[65536];
	int i;

	if (argc != 5) {
		fprintf(stderr, "usage: tunrelay NETNS_A IFNAME_A NETNS_B IFNAME_B\n");
		return 2;
	}
	p[0].fd = tun_in(argv[1], argv[2]);
	p[1].fd = tun_in(argv[3], argv[4]);
	p[0].events = p[1].events = POLLIN;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & POLLIN))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0)
				continue;
			/* A write that fails drops the packet, as a real link would. */
			if (write(p[1 - i].fd, buf, (size_t)n) < 0)
				continue;
		}
	}
}
