// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * linkmon.c - the gateways' links, from rtnetlink (see linkmon.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "kernel/kmon.h"
#include "kernel/linkmon.h"

struct linkmon {
	int fd;
};

struct linkmon *linkmon_open(char *err, size_t len)
{
	struct linkmon *m = calloc(1, sizeof(*m));

	if (!m) {
		snprintf(err, len, "link watch: out of memory");
		return NULL;
	}
	m->fd = kmon_open_groups(NETLINK_ROUTE, RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
				 RTMGRP_IPV4_ROUTE);
	if (m->fd < 0) {
		snprintf(err, len, "link watch: rtnetlink socket: %s", strerror(errno));
		free(m);
		return NULL;
	}
	return m;
}

void linkmon_close(struct linkmon *m)
{
	if (!m)
		return;
	close(m->fd);
	free(m);
}

int linkmon_fd(const struct linkmon *m)
{
	return m->fd;
}

/* A route message of the main table (our own tables' changes are ours). */
static int main_route(const struct nlmsghdr *h)
{
	const struct rtmsg *rt = NLMSG_DATA(h);
	const struct rtattr *a;
	unsigned table;
	int len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)) || rt->rtm_family != AF_INET)
		return 0;
	table = rt->rtm_table;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*rt)));
	for (a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) >= sizeof(uint32_t))
			memcpy(&table, RTA_DATA(a), sizeof(uint32_t));
	return table == RT_TABLE_MAIN;
}

int linkmon_read(struct linkmon *m)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	int rounds, seen = 0;
	ssize_t n;

	/* Bounded: a storm of notices cannot keep the loop here. */
	for (rounds = 0; rounds < 256; rounds++) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		size_t len;

		n = recv(m->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			seen = 1;	/* lost some: look at everything */
			continue;
		}
		if (n <= 0)
			break;
		len = (size_t)n;
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			switch (h->nlmsg_type) {
			case RTM_NEWLINK:
			case RTM_DELLINK:
			case RTM_NEWADDR:
			case RTM_DELADDR:
				seen = 1;
				break;
			case RTM_NEWROUTE:
			case RTM_DELROUTE:
				seen |= main_route(h);
				break;
			}
		}
	}
	return seen;
}
