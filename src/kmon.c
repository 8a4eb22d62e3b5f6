// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmon.c - listen for the kernel's deletion notices (see kmon.h).
 * Only the message types are read: the mirror audits what it owns
 * after the box has been quiet, so a notice need not say what went.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "kmon.h"

#define KMON_RCVBUF	(1 << 20)	/* a flush of a big ruleset is many notices */

static int kmon_socket(int proto, unsigned groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int fd, sz = KMON_RCVBUF, saved;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -1;
	/* Best effort: an overrun is itself reported as a change. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int kmon_open_rtnl(void)
{
	return kmon_socket(NETLINK_ROUTE, RTMGRP_IPV4_RULE | RTMGRP_IPV4_ROUTE);
}

int kmon_open_nft(void)
{
	int fd = kmon_socket(NETLINK_NETFILTER, 0), g = NFNLGRP_NFTABLES, saved;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g))) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int kmon_is_deletion(uint16_t type)
{
	unsigned msg = type & 0xff;

	switch (type) {
	case RTM_DELRULE:
	case RTM_DELROUTE:
		return 1;
	}
	if ((type >> 8) != NFNL_SUBSYS_NFTABLES)
		return 0;
	/* The DESTROY verbs (Linux 6.3) are numbered after NFT_MSG_GETFLOWTABLE. */
	return msg == NFT_MSG_DELTABLE || msg == NFT_MSG_DELCHAIN ||
	       msg == NFT_MSG_DELRULE || msg > NFT_MSG_DELFLOWTABLE + 1;
}

int kmon_read(int fd)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	int seen = 0, rounds;
	ssize_t n;

	/* Bounded: a storm of notices cannot keep the loop here. */
	for (rounds = 0; rounds < 256; rounds++) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		size_t len;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return seen || errno == ENOBUFS;
		len = (size_t)n;
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
			if (kmon_is_deletion(h->nlmsg_type))
				seen = 1;
	}
	return seen;
}
