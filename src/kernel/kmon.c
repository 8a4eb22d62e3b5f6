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
#include <netinet/in.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "kernel/kmon.h"

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

int kmon_open_groups(int proto, unsigned groups)
{
	return kmon_socket(proto, groups);
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

/* Attribute type's u32 (host order), or dflt. */
static uint32_t attr_u32(const struct nlmsghdr *h, size_t hdrlen, uint16_t type,
			 uint32_t dflt)
{
	const struct rtattr *a;
	int len;

	if (h->nlmsg_len < NLMSG_LENGTH(hdrlen))
		return dflt;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(hdrlen));
	for (a = (const struct rtattr *)((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(hdrlen));
	     RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
			uint32_t v;

			memcpy(&v, RTA_DATA(a), sizeof(v));
			return v;
		}
	return dflt;
}

static int rtnl_event(const struct nlmsghdr *h, struct kmon_event *e)
{
	const struct rtmsg *rt = NLMSG_DATA(h);

	/* fib_rule_hdr and rtmsg share their layout up to the table. */
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)) || rt->rtm_family != AF_INET)
		return 0;
	e->kind = h->nlmsg_type == RTM_DELRULE ? KMON_RULE : KMON_ROUTE;
	e->table = attr_u32(h, sizeof(*rt), e->kind == KMON_RULE ? FRA_TABLE : RTA_TABLE,
			    rt->rtm_table);
	e->prio = e->kind == KMON_RULE ? attr_u32(h, sizeof(*rt), FRA_PRIORITY, 0) : 0;
	return 1;
}

/*
 * An nf_tables deletion in table "mangle" (or "nat": the proxy's
 * redirects) of family ip (every object's
 * first attribute is its table's name: NFTA_TABLE_NAME, NFTA_CHAIN_TABLE,
 * NFTA_RULE_TABLE).  The DESTROY verbs (Linux 6.3) come after
 * NFT_MSG_GETRULE_RESET, itself after NFT_MSG_DELFLOWTABLE.
 */
static int nft_event(const struct nlmsghdr *h, struct kmon_event *e)
{
	static const char mangle[] = "mangle", nat[] = "nat";
	const struct nfgenmsg *g = NLMSG_DATA(h);
	unsigned msg = h->nlmsg_type & 0xff;
	const struct rtattr *a;
	int len;

	if ((h->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*g)) || g->nfgen_family != NFPROTO_IPV4)
		return 0;
	if (msg != NFT_MSG_DELTABLE && msg != NFT_MSG_DELCHAIN &&
	    msg != NFT_MSG_DELRULE && msg <= NFT_MSG_DELFLOWTABLE + 1)
		return 0;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*g)));
	for (a = (const struct rtattr *)((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(*g)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == 1 && RTA_PAYLOAD(a) >= sizeof(mangle) &&
		    !memcmp(RTA_DATA(a), mangle, sizeof(mangle))) {
			e->kind = KMON_MANGLE;
			return 1;
		} else if (a->rta_type == 1 && RTA_PAYLOAD(a) >= sizeof(nat) &&
			   !memcmp(RTA_DATA(a), nat, sizeof(nat))) {
			e->kind = KMON_NAT;
			return 1;
		}
	return 0;
}

void kmon_read(int fd, kmon_cb cb, void *arg)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct kmon_event e;
	int rounds;
	ssize_t n;

	/* Bounded: a storm of notices cannot keep the loop here. */
	for (rounds = 0; rounds < 256; rounds++) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		size_t len;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			memset(&e, 0, sizeof(e));
			e.kind = KMON_LOST;
			cb(&e, arg);
			continue;
		}
		if (n <= 0)
			return;
		len = (size_t)n;
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			memset(&e, 0, sizeof(e));
			if (h->nlmsg_type == RTM_DELRULE || h->nlmsg_type == RTM_DELROUTE ?
			    rtnl_event(h, &e) : nft_event(h, &e))
				cb(&e, arg);
		}
	}
}
