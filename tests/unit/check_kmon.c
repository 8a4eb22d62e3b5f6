// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_kmon.c - unit tests of the kernel notice parser.
 *
 * kmon_read() only recv()s from its fd: crafted netlink messages are
 * fed to it through a datagram socketpair (no privilege, no kernel
 * netlink), and the events it reports are compared with what each
 * message says: rule and route deletions with their priority and
 * table, nf_tables deletions in ip mangle only, additions never.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "kernel/kmon.h"

#define MAX_EV	8

struct seen {
	struct kmon_event ev[MAX_EV];
	unsigned n;
};

static void seen_cb(const struct kmon_event *e, void *arg)
{
	struct seen *s = arg;

	if (s->n < MAX_EV)
		s->ev[s->n] = *e;
	s->n++;
}

struct msg {
	char buf[512] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h;
};

static void msg_init(struct msg *m, uint16_t type, const void *hdr, size_t hlen)
{
	memset(m, 0, sizeof(*m));
	m->h = (struct nlmsghdr *)m->buf;
	m->h->nlmsg_type = type;
	m->h->nlmsg_len = (uint32_t)NLMSG_LENGTH(hlen);
	memcpy(NLMSG_DATA(m->h), hdr, hlen);
}

static void msg_attr(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(m->buf + NLMSG_ALIGN(m->h->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	m->h->nlmsg_len = (uint32_t)(NLMSG_ALIGN(m->h->nlmsg_len) + RTA_ALIGN(a->rta_len));
}

static void msg_u32(struct msg *m, uint16_t type, uint32_t v)
{
	msg_attr(m, type, &v, sizeof(v));
}

/* Send each message as its own datagram, then drain through kmon_read(). */
static struct seen feed(struct msg *msgs, unsigned n)
{
	struct seen s = { .n = 0 };
	int sv[2];
	unsigned i;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(send(sv[1], msgs[i].buf, msgs[i].h->nlmsg_len, 0),
				 (ssize_t)msgs[i].h->nlmsg_len);
	kmon_read(sv[0], seen_cb, &s);
	close(sv[0]);
	close(sv[1]);
	return s;
}

static void rule(struct msg *m, uint16_t type, uint8_t family, uint32_t prio,
		 uint32_t table)
{
	struct fib_rule_hdr frh = { .family = family, .table = RT_TABLE_UNSPEC };

	msg_init(m, type, &frh, sizeof(frh));
	msg_u32(m, FRA_PRIORITY, prio);
	msg_u32(m, FRA_TABLE, table);
}

START_TEST(test_rules)
{
	struct msg m[4];
	struct seen s;

	rule(&m[0], RTM_DELRULE, AF_INET, 10000, 200);
	rule(&m[1], RTM_NEWRULE, AF_INET, 10001, 201);	/* an addition */
	rule(&m[2], RTM_DELRULE, AF_INET6, 10002, 202);	/* not IPv4 */
	rule(&m[3], RTM_DELRULE, AF_INET, 10064, 202);
	s = feed(m, 4);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(s.ev[0].kind, KMON_RULE);
	ck_assert_uint_eq(s.ev[0].prio, 10000);
	ck_assert_uint_eq(s.ev[0].table, 200);
	ck_assert_int_eq(s.ev[1].kind, KMON_RULE);
	ck_assert_uint_eq(s.ev[1].prio, 10064);
	ck_assert_uint_eq(s.ev[1].table, 202);
}
END_TEST

START_TEST(test_routes)
{
	struct rtmsg rt = { .rtm_family = AF_INET, .rtm_table = 201 };
	struct msg m[3];
	struct seen s;

	/* Table in the header only (below 256), then in RTA_TABLE. */
	msg_init(&m[0], RTM_DELROUTE, &rt, sizeof(rt));
	rt.rtm_table = RT_TABLE_COMPAT;
	msg_init(&m[1], RTM_DELROUTE, &rt, sizeof(rt));
	msg_u32(&m[1], RTA_TABLE, 1000);
	msg_init(&m[2], RTM_NEWROUTE, &rt, sizeof(rt));
	s = feed(m, 3);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(s.ev[0].kind, KMON_ROUTE);
	ck_assert_uint_eq(s.ev[0].table, 201);
	ck_assert_uint_eq(s.ev[1].table, 1000);
}
END_TEST

static void nft(struct msg *m, unsigned verb, uint8_t family, const char *table)
{
	struct nfgenmsg g = { .nfgen_family = family, .version = NFNETLINK_V0 };

	msg_init(m, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | verb), &g, sizeof(g));
	if (table)
		msg_attr(m, 1, table, strlen(table) + 1);
}

START_TEST(test_nftables)
{
	struct msg m[8];
	struct seen s;

	nft(&m[0], NFT_MSG_DELRULE, NFPROTO_IPV4, "mangle");	/* iptables -t mangle -F */
	nft(&m[1], NFT_MSG_DELRULE, NFPROTO_IPV4, "filter");	/* not ours */
	nft(&m[2], NFT_MSG_DELRULE, NFPROTO_IPV6, "mangle");	/* ip6tables */
	nft(&m[3], NFT_MSG_NEWRULE, NFPROTO_IPV4, "mangle");	/* an addition */
	nft(&m[4], NFT_MSG_DELTABLE, NFPROTO_IPV4, "mangle");	/* nft flush ruleset */
	nft(&m[5], NFT_MSG_DELCHAIN, NFPROTO_IPV4, "mangler");	/* a longer name */
	nft(&m[6], NFT_MSG_NEWGEN, NFPROTO_UNSPEC, NULL);
	nft(&m[7], NFT_MSG_DELSET, NFPROTO_IPV4, "mangle");	/* nft sets: not ours */
	s = feed(m, 8);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(s.ev[0].kind, KMON_MANGLE);
	ck_assert_int_eq(s.ev[1].kind, KMON_MANGLE);
}
END_TEST

/* The proxy's redirects live in ip nat: its deletions too, apart. */
START_TEST(test_nftables_nat)
{
	struct msg m[4];
	struct seen s;

	nft(&m[0], NFT_MSG_DELRULE, NFPROTO_IPV4, "nat");	/* iptables -t nat -F */
	nft(&m[1], NFT_MSG_DELRULE, NFPROTO_IPV6, "nat");	/* ip6tables */
	nft(&m[2], NFT_MSG_NEWRULE, NFPROTO_IPV4, "nat");	/* an addition */
	nft(&m[3], NFT_MSG_DELCHAIN, NFPROTO_IPV4, "nat2");	/* another table */
	s = feed(m, 4);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.ev[0].kind, KMON_NAT);
}
END_TEST

START_TEST(test_truncated)
{
	struct msg m[2];
	struct seen s;

	/* A rule deletion too short for its header, an attribute cut off. */
	rule(&m[0], RTM_DELRULE, AF_INET, 10000, 200);
	m[0].h->nlmsg_len = (uint32_t)NLMSG_LENGTH(4);
	rule(&m[1], RTM_DELRULE, AF_INET, 10001, 201);
	m[1].h->nlmsg_len -= 2;
	s = feed(m, 2);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.ev[0].prio, 10001);
	ck_assert_uint_eq(s.ev[0].table, RT_TABLE_UNSPEC);	/* FRA_TABLE cut: header's */
}
END_TEST

static Suite *kmon_suite(void)
{
	Suite *s = suite_create("kmon");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_nftables);
	tcase_add_test(tc, test_nftables_nat);
	tcase_add_test(tc, test_truncated);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(kmon_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
