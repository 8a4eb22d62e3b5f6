// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_queue.c - unit tests of the queue's parsing: a queued-packet
 * message into the per-batch entry (id, mark, source, status) and the
 * IP header into a source, on messages built here as the kernel sends
 * them.  No socket: the batch callback and the verdicts are exercised
 * by the integration tests.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "kernel/nlcheck.h"
#include "kernel/queue.h"

#define MSG_BUFSIZE	512

/* An IPv4 header from 10.1.2.3 to 192.0.2.1, 20 bytes. */
static void ip4_header(uint8_t *p)
{
	static const uint8_t h[20] = {
		0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0,
		10, 1, 2, 3, 192, 0, 2, 1,
	};

	memcpy(p, h, sizeof(h));
}

/* An IPv6 header from 2001:db8::5, 40 bytes. */
static void ip6_header(uint8_t *p)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[8] = 0x20;
	p[9] = 0x01;
	p[10] = 0x0d;
	p[11] = 0xb8;
	p[23] = 5;
}

/*
 * A queued-packet message: with_hdr adds the packet header (id),
 * with_mark the mark, and plen > 0 that many bytes of payload.
 */
static struct nlmsghdr *packet_msg(char *buf, int with_hdr, uint32_t id,
				   int with_mark, uint32_t mark,
				   const uint8_t *payload, size_t plen)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_PACKET, 0);
	struct nfqnl_msg_packet_hdr ph = {
		.packet_id = htonl(id),
		.hw_protocol = htons(0x0800),
		.hook = NF_INET_PRE_ROUTING,
	};

	if (with_hdr)
		mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(ph), &ph);
	if (with_mark)
		mnl_attr_put_u32(nlh, NFQA_MARK, htonl(mark));
	if (plen)
		mnl_attr_put(nlh, NFQA_PAYLOAD, plen, payload);
	return nlh;
}

START_TEST(test_parse_ipv4)
{
	char buf[MSG_BUFSIZE];
	uint8_t pkt[60];
	struct queue_pkt p;

	ip4_header(pkt);
	memset(pkt + 20, 0xaa, sizeof(pkt) - 20);
	ck_assert_int_eq(queue_parse_msg(packet_msg(buf, 1, 0xdeadbeef, 1,
						    0x12345678, pkt, sizeof(pkt)),
					 &p), 0);
	ck_assert_int_eq(p.status, QUEUE_PKT_OK);
	ck_assert_uint_eq(p.id, 0xdeadbeef);
	ck_assert_uint_eq(p.mark, 0x12345678);
	ck_assert_uint_eq(p.src.family, AF_INET);
	ck_assert_uint_eq(ntohl(p.src.v4.s_addr), 0x0a010203);

	/* Without a mark attribute the mark is 0; the copy may stop at 20. */
	memset(&p, 0xff, sizeof(p));
	ck_assert_int_eq(queue_parse_msg(packet_msg(buf, 1, 7, 0, 0, pkt, 20),
					 &p), 0);
	ck_assert_int_eq(p.status, QUEUE_PKT_OK);
	ck_assert_uint_eq(p.id, 7);
	ck_assert_uint_eq(p.mark, 0);
	ck_assert_uint_eq(ntohl(p.src.v4.s_addr), 0x0a010203);
}
END_TEST

START_TEST(test_parse_ipv6)
{
	char buf[MSG_BUFSIZE];
	uint8_t pkt[40];
	struct queue_pkt p;

	ip6_header(pkt);
	ck_assert_int_eq(queue_parse_msg(packet_msg(buf, 1, 9, 1, 3, pkt,
						    sizeof(pkt)), &p), 0);
	ck_assert_int_eq(p.status, QUEUE_PKT_UNSUPPORTED);
	ck_assert_uint_eq(p.id, 9);
	ck_assert_uint_eq(p.mark, 3);
	ck_assert_uint_eq(p.src.family, AF_INET6);
}
END_TEST

/* Still an id, so still a verdict: accepted unmarked. */
START_TEST(test_parse_malformed)
{
	char buf[MSG_BUFSIZE];
	uint8_t pkt[40];
	struct queue_pkt p;

	ck_assert_int_eq(queue_parse_msg(packet_msg(buf, 1, 11, 1, 5, NULL, 0),
					 &p), 0);
	ck_assert_int_eq(p.status, QUEUE_PKT_MALFORMED);
	ck_assert_uint_eq(p.id, 11);
	ck_assert_uint_eq(p.mark, 5);

	ip4_header(pkt);
	ck_assert_int_eq(queue_parse_msg(packet_msg(buf, 1, 12, 0, 0, pkt, 19),
					 &p), 0);
	ck_assert_int_eq(p.status, QUEUE_PKT_MALFORMED);
	ck_assert_uint_eq(p.id, 12);

	pkt[0] = 0x44;		/* IHL below 5 words */
	ck_assert_int_eq(queue_parse_msg(packet_msg(buf, 1, 13, 0, 0, pkt, 20),
					 &p), 0);
	ck_assert_int_eq(p.status, QUEUE_PKT_MALFORMED);

	pkt[0] = 0x55;		/* neither IPv4 nor IPv6 */
	ck_assert_int_eq(queue_parse_msg(packet_msg(buf, 1, 14, 0, 0, pkt, 20),
					 &p), 0);
	ck_assert_int_eq(p.status, QUEUE_PKT_MALFORMED);

	ip6_header(pkt);
	ck_assert_int_eq(queue_parse_msg(packet_msg(buf, 1, 15, 0, 0, pkt, 39),
					 &p), 0);
	ck_assert_int_eq(p.status, QUEUE_PKT_MALFORMED);
}
END_TEST

/* No packet header, or a short one: no id, nothing to answer. */
START_TEST(test_parse_no_id)
{
	char buf[MSG_BUFSIZE];
	uint8_t pkt[20], half[3] = { 0 };
	struct nlmsghdr *nlh;
	struct queue_pkt p;

	ip4_header(pkt);
	ck_assert_int_eq(queue_parse_msg(packet_msg(buf, 0, 0, 1, 1, pkt,
						    sizeof(pkt)), &p), -1);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_PACKET, 0);
	mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(half), half);
	mnl_attr_put(nlh, NFQA_PAYLOAD, sizeof(pkt), pkt);
	ck_assert_int_eq(queue_parse_msg(nlh, &p), -1);
}
END_TEST

START_TEST(test_parse_source)
{
	struct nfqlb_addr a;
	uint8_t pkt[40] = { 0 };

	ck_assert_int_eq(queue_parse_source(pkt, 0, &a), -1);
	ip4_header(pkt);
	ck_assert_int_eq(queue_parse_source(pkt, 20, &a), 0);
	ck_assert_uint_eq(a.family, AF_INET);
	ck_assert_uint_eq(ntohl(a.v4.s_addr), 0x0a010203);
	ck_assert_int_eq(queue_parse_source(pkt, 19, &a), -1);
	ip6_header(pkt);
	ck_assert_int_eq(queue_parse_source(pkt, 40, &a), 0);
	ck_assert_uint_eq(a.family, AF_INET6);
	ck_assert_uint_eq(a.v6.s6_addr[15], 5);
	ck_assert_int_eq(queue_parse_source(pkt, 39, &a), -1);
}
END_TEST

/* A header claiming more than was received never reaches libmnl. */
START_TEST(test_nlcheck)
{
	uint32_t buf[64] = { 0 };
	struct nlmsghdr *h = (struct nlmsghdr *)buf, *h2;

	h->nlmsg_len = 20;
	h2 = (struct nlmsghdr *)((char *)buf + 20);
	h2->nlmsg_len = 16;
	ck_assert_int_eq(nlcheck_batch(buf, 36), 0);
	ck_assert_int_eq(nlcheck_batch(buf, 40), 0);	/* padding left over */
	ck_assert_int_eq(nlcheck_batch(buf, 0), 0);
	/* libmnl 1.0.4 lets 2 GiB and more through mnl_nlmsg_ok(). */
	h2->nlmsg_len = 0x80000000u;
	ck_assert_int_eq(nlcheck_batch(buf, 36), -1);
	h2->nlmsg_len = 0xffffffffu;
	ck_assert_int_eq(nlcheck_batch(buf, 36), -1);
	h2->nlmsg_len = 17;		/* one byte past the end */
	ck_assert_int_eq(nlcheck_batch(buf, 36), -1);
	h2->nlmsg_len = 8;		/* shorter than its own header */
	ck_assert_int_eq(nlcheck_batch(buf, 36), -1);
	h->nlmsg_len = 0;
	ck_assert_int_eq(nlcheck_batch(buf, 36), -1);
}
END_TEST

static Suite *queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_parse_ipv4);
	tcase_add_test(tc, test_nlcheck);
	tcase_add_test(tc, test_parse_ipv6);
	tcase_add_test(tc, test_parse_malformed);
	tcase_add_test(tc, test_parse_no_id);
	tcase_add_test(tc, test_parse_source);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(queue_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
