// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_portal.c - the pure parts behind a portal (issue 10): the sync
 * list parser, the UTF-8 cut of user names, the journal's lines, the
 * judge of foreign ip rules and the address table.
 */
#include <check.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clientinfo.h"
#include "conf/conf.h"
#include "kernel/foreign.h"
#include "core/iptab.h"
#include "daemon/state.h"
#include "core/synclist.h"
#include "core/utf8.h"

static char err[256];

static int sl(const char *line, struct synclist_ent *e, char *buf)
{
	strcpy(buf, line);
	return synclist_parse(buf, e, err, sizeof(err));
}

START_TEST(test_synclist)
{
	struct synclist_ent e;
	char b[512];

	ck_assert_int_eq(sl("10.0.0.5", &e, b), 1);
	ck_assert_str_eq(e.ip, "10.0.0.5");
	ck_assert_ptr_null(e.mac);
	ck_assert_ptr_null(e.user);
	ck_assert_int_eq(sl("10.0.0.5 mac=AA-BB-CC-DD-EE-FF user=jean%20dupont session=5f3a", &e, b), 1);
	ck_assert_str_eq(e.mac, "AA-BB-CC-DD-EE-FF");
	ck_assert_str_eq(e.user, "jean dupont");
	ck_assert_str_eq(e.session, "5f3a");
	ck_assert_int_eq(sl("  10.0.0.6\tuser=b\r", &e, b), 1);
	ck_assert_str_eq(e.ip, "10.0.0.6");
	ck_assert_str_eq(e.user, "b");
	ck_assert_int_eq(sl("10.0.0.6 user=", &e, b), 1);	/* empty: not given */
	ck_assert_str_eq(e.user, "");
	ck_assert_int_eq(sl("", &e, b), 0);
	ck_assert_int_eq(sl("   ", &e, b), 0);
	ck_assert_int_eq(sl("# a comment", &e, b), 0);
	ck_assert_int_eq(sl("10.0.0.5 colour=blue", &e, b), -1);
	ck_assert_ptr_nonnull(strstr(err, "colour=blue"));
	ck_assert_int_eq(sl("10.0.0.5 user=a user=b", &e, b), -1);
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	ck_assert_int_eq(sl("10.0.0.5 user=%4", &e, b), -1);
	ck_assert_int_eq(sl("10.0.0.5 user=%00", &e, b), -1);
	ck_assert_int_eq(sl("user=a 10.0.0.5", &e, b), -1);
	ck_assert_ptr_null(e.ip);		/* names nobody */
	ck_assert_int_eq(sl("10.0.0.5 bare", &e, b), -1);
	ck_assert_str_eq(e.ip, "10.0.0.5");	/* a refused line still names it */
	ck_assert_int_eq(sl("10.0.0.7 user=a user=b", &e, b), -1);
	ck_assert_str_eq(e.ip, "10.0.0.7");
	ck_assert_int_eq(sl("10.0.0.300 user=a", &e, b), 1);	/* the daemon judges it */
	ck_assert_str_eq(e.ip, "10.0.0.300");
}
END_TEST

/* Whom a refused line names: what the sync may not do to anyone. */
START_TEST(test_synclist_who)
{
	struct nfqlb_net4 lan;
	struct in_addr ip = { 0 };

	ck_assert_int_eq(net4_parse("192.168.182.0/24", &lan), 0);
	ck_assert_int_eq(synclist_who("192.168.182.5", &lan, &ip), SYNCLIST_CLIENT);
	ck_assert_uint_eq(ntohl(ip.s_addr), 0xc0a8b605);
	ck_assert_int_eq(synclist_who("192.168.182.0", &lan, &ip), SYNCLIST_CLIENT);
	ck_assert_int_eq(synclist_who("192.168.182.255", &lan, &ip), SYNCLIST_CLIENT);
	/* Addresses nfqlb balances nobody at: another LAN, IPv6. */
	ip.s_addr = 0;
	ck_assert_int_eq(synclist_who("192.168.183.5", &lan, &ip), SYNCLIST_NOBODY);
	ck_assert_int_eq(synclist_who("10.0.0.1", &lan, &ip), SYNCLIST_NOBODY);
	ck_assert_int_eq(synclist_who("2001:db8::1", &lan, &ip), SYNCLIST_NOBODY);
	ck_assert_int_eq(synclist_who("::ffff:192.168.182.5", &lan, &ip), SYNCLIST_NOBODY);
	ck_assert_uint_eq(ip.s_addr, 0);	/* untouched unless a client */
	/* Not an address: it may have meant anyone. */
	ck_assert_int_eq(synclist_who(NULL, &lan, &ip), SYNCLIST_UNREADABLE);
	ck_assert_int_eq(synclist_who("", &lan, &ip), SYNCLIST_UNREADABLE);
	ck_assert_int_eq(synclist_who("-", &lan, &ip), SYNCLIST_UNREADABLE);
	ck_assert_int_eq(synclist_who("192.168.182.300", &lan, &ip), SYNCLIST_UNREADABLE);
	ck_assert_int_eq(synclist_who("192.168.182.5x", &lan, &ip), SYNCLIST_UNREADABLE);
	ck_assert_int_eq(synclist_who(" 192.168.182.5", &lan, &ip), SYNCLIST_UNREADABLE);
	ck_assert_int_eq(synclist_who("IP", &lan, &ip), SYNCLIST_UNREADABLE);
	ck_assert_uint_eq(ip.s_addr, 0);
	/* A /0 LAN holds every IPv4 address. */
	ck_assert_int_eq(net4_parse("0.0.0.0/0", &lan), 0);
	ck_assert_int_eq(synclist_who("10.0.0.1", &lan, &ip), SYNCLIST_CLIENT);
}
END_TEST

START_TEST(test_utf8_cut)
{
	char s[600];
	size_t i;

	ck_assert_uint_eq(utf8_cut("abc", 3, 253), 3);
	ck_assert_uint_eq(utf8_cut("abcdef", 6, 4), 4);
	/* é is 2 bytes: 3 of them cut at 5 keep 2 (4 bytes). */
	ck_assert_uint_eq(utf8_cut("\xc3\xa9\xc3\xa9\xc3\xa9", 6, 5), 4);
	/* A 4-byte character across the limit goes whole. */
	ck_assert_uint_eq(utf8_cut("ab\xf0\x9f\x98\x80", 6, 5), 2);
	/* 3-byte (€). */
	ck_assert_uint_eq(utf8_cut("\xe2\x82\xac\xe2\x82\xac", 6, 4), 3);
	/* Bytes that are not UTF-8 count as one each. */
	ck_assert_uint_eq(utf8_cut("\xff\xff\xff\xff", 4, 3), 3);
	ck_assert_uint_eq(utf8_cut("\xc3" "abc", 4, 2), 2);
	/* 150 ü (300 bytes) cut at 253: 126 characters, 252 bytes. */
	for (i = 0; i < 150; i++)
		memcpy(s + 2 * i, "\xc3\xbc", 2);
	ck_assert_uint_eq(utf8_cut(s, 300, 253), 252);
	/* 253 bytes exactly: kept whole. */
	ck_assert_uint_eq(utf8_cut(s, 253, 253), 253);
}
END_TEST

START_TEST(test_meta_field_user)
{
	struct client_meta m = { 0 };
	char s[600];
	size_t cut = 1, i;

	ck_assert_int_eq(clientinfo_meta_field(&m, "user", "alice", &cut, err, sizeof(err)), 0);
	ck_assert_str_eq(m.user, "alice");
	ck_assert_uint_eq(cut, 0);
	memset(s, 'a', 253);
	s[253] = '\0';
	ck_assert_int_eq(clientinfo_meta_field(&m, "user", s, &cut, err, sizeof(err)), 0);
	ck_assert_uint_eq(strlen(m.user), 253);
	ck_assert_uint_eq(cut, 0);
	for (i = 0; i < 150; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);
	s[300] = '\0';
	ck_assert_int_eq(clientinfo_meta_field(&m, "user", s, &cut, err, sizeof(err)), 0);
	ck_assert_uint_eq(strlen(m.user), 252);
	ck_assert_uint_eq(cut, 300);
	ck_assert_int_eq(clientinfo_meta_field(&m, "mac", "AA-BB-CC-DD-EE-FF", NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(m.mac, "aa:bb:cc:dd:ee:ff");
	ck_assert_int_eq(clientinfo_meta_field(&m, "mac", "zz", NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "zz"));
	memset(s, 'x', 65);
	s[65] = '\0';
	ck_assert_int_eq(clientinfo_meta_field(&m, "session", s, NULL, err, sizeof(err)), -1);
	ck_assert_int_eq(clientinfo_meta_field(&m, "colour", "x", NULL, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_state_lines)
{
	struct state_rec r = { .since = 1700000000, .confirmed = 1 }, back;
	struct in_addr a, b;
	char line[2048];
	int n;

	inet_pton(AF_INET, "192.168.182.10", &a);
	strcpy(r.m.mac, "aa:bb:cc:dd:ee:ff");
	strcpy(r.m.user, "jean dupont \xc3\xa9=%");
	strcpy(r.m.session, "5f3a");
	n = state_format_line(line, sizeof(line), a, &r);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(line[n - 1], '\n');
	line[n - 1] = '\0';
	ck_assert_int_eq(state_parse_line(line, &b, &back), 'B');
	ck_assert_uint_eq(b.s_addr, a.s_addr);
	ck_assert_uint_eq(back.since, r.since);
	ck_assert_int_eq(back.confirmed, 1);
	ck_assert_str_eq(back.m.mac, r.m.mac);
	ck_assert_str_eq(back.m.user, r.m.user);
	ck_assert_str_eq(back.m.session, r.m.session);
	/* Unknown fields and a packet binding. */
	memset(&r.m, 0, sizeof(r.m));
	r.confirmed = 0;
	n = state_format_line(line, sizeof(line), a, &r);
	line[n - 1] = '\0';
	ck_assert_str_eq(line, "B 192.168.182.10 1700000000 p = = =");
	ck_assert_int_eq(state_parse_line(line, &b, &back), 'B');
	ck_assert_int_eq(back.confirmed, 0);
	ck_assert_str_eq(back.m.user, "");
	strcpy(line, "R 192.168.182.10");
	ck_assert_int_eq(state_parse_line(line, &b, &back), 'R');
	/* Not valid: each is refused, none crashes. */
	strcpy(line, "R 192.168.182.10 x");
	ck_assert_int_eq(state_parse_line(line, &b, &back), -1);
	strcpy(line, "B 192.168.182.10 -5 c = = =");
	ck_assert_int_eq(state_parse_line(line, &b, &back), -1);
	strcpy(line, "B 192.168.182.10 5 x = = =");
	ck_assert_int_eq(state_parse_line(line, &b, &back), -1);
	strcpy(line, "B 192.168.182.10 5 c = =");
	ck_assert_int_eq(state_parse_line(line, &b, &back), -1);
	strcpy(line, "B 192.168.182.10 5 c = = = extra");
	ck_assert_int_eq(state_parse_line(line, &b, &back), -1);
	strcpy(line, "B 192.168.182.10 5 c =%zz = =");
	ck_assert_int_eq(state_parse_line(line, &b, &back), -1);
	strcpy(line, "B 999.1.1.1 5 c = = =");
	ck_assert_int_eq(state_parse_line(line, &b, &back), -1);
	strcpy(line, "X 192.168.182.10");
	ck_assert_int_eq(state_parse_line(line, &b, &back), -1);
	strcpy(line, "");
	ck_assert_int_eq(state_parse_line(line, &b, &back), -1);
}
END_TEST

static struct conf test_conf(void)
{
	struct conf c;

	memset(&c, 0, sizeof(c));
	c.mark_base = 200;
	c.mark_mask = 0xff;
	c.rule_priority = 10000;
	c.ngw = 3;
	inet_pton(AF_INET, "192.168.182.0", &c.lan_net.addr);
	c.lan_net.plen = 24;
	return c;
}

START_TEST(test_foreign_rules)
{
	struct conf c = test_conf();
	struct rtnl_rule r;
	char d[160];

	/* Our LAN rule and our local rule for slot 1. */
	memset(&r, 0, sizeof(r));
	r.prio = 10001; r.table = 201; r.mark = 201; r.mask = 0xff; r.has_mark = 1;
	r.to_table = 1; r.src = c.lan_net.addr; r.src_len = 24;
	ck_assert_int_eq(foreign_rule_conflicts(&c, &r), 0);
	r.prio = 10000 + BALANCE_MAX_GW + 1; r.src_len = 0; r.src.s_addr = 0;
	strcpy(r.iif, "lo");
	ck_assert_int_eq(foreign_rule_conflicts(&c, &r), 0);
	/* ALCASAR's MULTIWAN: fwmark 201 lookup 201, elsewhere. */
	memset(&r, 0, sizeof(r));
	r.prio = 100; r.table = 201; r.mark = 201; r.mask = 0xffffffff; r.has_mark = 1;
	r.to_table = 1;
	ck_assert_int_eq(foreign_rule_conflicts(&c, &r), 1);
	foreign_rule_desc(&r, d, sizeof(d));
	ck_assert_str_eq(d, "100: from all fwmark 0xc9/0xffffffff lookup 201");
	/* Only our table, no mark. */
	memset(&r, 0, sizeof(r));
	r.prio = 300; r.table = 202; r.to_table = 1;
	ck_assert_int_eq(foreign_rule_conflicts(&c, &r), 1);
	/* Only our mark, into another table. */
	r.table = 50; r.mark = 200; r.mask = 0xff; r.has_mark = 1;
	ck_assert_int_eq(foreign_rule_conflicts(&c, &r), 1);
	/* Our rule at the wrong priority is not ours. */
	r.prio = 12; r.table = 200; r.src = c.lan_net.addr; r.src_len = 24;
	ck_assert_int_eq(foreign_rule_conflicts(&c, &r), 1);
	/* The kernel's own rules and unrelated ones are fine. */
	memset(&r, 0, sizeof(r));
	r.prio = 0; r.table = 255; r.to_table = 1;
	ck_assert_int_eq(foreign_rule_conflicts(&c, &r), 0);
	r.prio = 32766; r.table = 254;
	ck_assert_int_eq(foreign_rule_conflicts(&c, &r), 0);
	r.prio = 500; r.table = 5; r.mark = 5; r.mask = 0xffffffff; r.has_mark = 1;
	ck_assert_int_eq(foreign_rule_conflicts(&c, &r), 0);
	/* A mark outside our gateways' (203: only 3 gateways). */
	r.table = 203; r.mark = 203;
	ck_assert_int_eq(foreign_rule_conflicts(&c, &r), 0);
}
END_TEST

static int del_odd(struct iptab_ent *e, void *arg)
{
	(*(unsigned *)arg)++;
	return e->ip & 1;
}

START_TEST(test_iptab)
{
	struct iptab *t = iptab_new(10);
	unsigned seen = 0;
	uint32_t i;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(iptab_get(t, 5));
	for (i = 1; i <= 1000; i++)
		iptab_put(t, i)->t1 = i * 2;
	ck_assert_uint_eq(iptab_count(t), 1000);
	ck_assert_ptr_eq(iptab_put(t, 7), iptab_get(t, 7));
	ck_assert_uint_eq(iptab_get(t, 7)->t1, 14);
	iptab_get(t, 7)->p = malloc(10);	/* freed with the entry */
	iptab_del(t, 7);
	iptab_del(t, 7);
	ck_assert_ptr_null(iptab_get(t, 7));
	ck_assert_uint_eq(iptab_count(t), 999);
	iptab_foreach(t, del_odd, &seen);
	ck_assert_uint_eq(seen, 999);
	ck_assert_uint_eq(iptab_count(t), 500);
	ck_assert_ptr_null(iptab_get(t, 9));
	ck_assert_ptr_nonnull(iptab_get(t, 10));
	iptab_free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("portal");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_synclist);
	tcase_add_test(tc, test_synclist_who);
	tcase_add_test(tc, test_utf8_cut);
	tcase_add_test(tc, test_meta_field_user);
	tcase_add_test(tc, test_state_lines);
	tcase_add_test(tc, test_foreign_rules);
	tcase_add_test(tc, test_iptab);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
