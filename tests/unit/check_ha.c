// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_ha.c - the HA pair's pure parts: the `ha` settings, the
 * fingerprint (equal for what means the same mark, different for any
 * change of meaning), and the learn decision.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "conf/conf.h"
#include "core/ha.h"
#include "conf/hafp.h"

#define LAN "lan = { interface = \"eth1\"; network = \"192.168.182.0/24\"; };\n"
#define GW(n, a, w) "{ name = \"" n "\"; address = \"" a "\"; interface = \"eth0\"; weight = " #w "; }"
#define GWS "gateways = (" GW("a", "10.0.0.1", 1) "," GW("b", "10.0.1.1", 1) "," \
	GW("c", "10.0.2.1", 2) ");\n"
#define HA "ha = { enable = true; pair_addresses = [ \"192.168.182.2\", \"192.168.182.3\", \"10.9.9.1\" ]; };\n"

static struct conf c;
static struct conf_errors e;

static int load(const char *text)
{
	return conf_load_string(text, "test.conf", &c, &e);
}

static int has_error(const char *want)
{
	unsigned i;

	for (i = 0; i < e.count && i < CONF_MAX_ERRORS; i++)
		if (strstr(e.msg[i], want))
			return 1;
	return 0;
}

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void fp_of(const char *text, char out[HA_FINGERPRINT_LEN])
{
	ck_assert_msg(load(text) == 0, "config: %s", e.count ? e.msg[0] : "");
	hafp_fingerprint(&c, out);
}

START_TEST(test_off_by_default)
{
	ck_assert_int_eq(load(LAN GWS), 0);
	ck_assert_int_eq(c.ha.enable, 0);
	ck_assert_int_eq(c.ha.learn, 1);
	ck_assert_uint_eq(c.ha.npair, 0);
	ck_assert_str_eq(c.ha.peer_fingerprint, "");
	ck_assert_uint_eq(c.ha.release_after, 600);
}
END_TEST

START_TEST(test_settings)
{
	ck_assert_int_eq(load(LAN GWS HA), 0);
	ck_assert_int_eq(c.ha.enable, 1);
	ck_assert_uint_eq(c.ha.npair, 3);
	ck_assert(ha_is_pair(&c.ha, ip("192.168.182.3")));
	ck_assert(ha_is_pair(&c.ha, ip("10.9.9.1")));
	ck_assert(!ha_is_pair(&c.ha, ip("192.168.182.4")));
}
END_TEST

START_TEST(test_bad_settings_named)
{
	ck_assert_int_gt(load(LAN GWS "ha = { enable = 1; pair_addresses = [ \"192.168.182.300\" ];"
			      " peer_fingerprint = \"XYZ\"; colour = 3; };"), 0);
	ck_assert_msg(has_error("ha.enable must be true or false"), "%s", e.msg[0]);
	ck_assert_msg(has_error("ha.pair_addresses[0] = \"192.168.182.300\""), "%s", e.msg[0]);
	ck_assert_msg(has_error("ha.peer_fingerprint = \"XYZ\""), "%s", e.msg[0]);
	ck_assert_msg(has_error("colour"), "%s", e.msg[0]);
	ck_assert_int_gt(load(LAN GWS "ha = { release_after = 86401; };"), 0);
	ck_assert(has_error("ha.release_after = 86401 is out of range [0, 86400]"));
	ck_assert_int_gt(load(LAN GWS "ha = { pair_addresses = \"1.2.3.4\"; };"), 0);
	ck_assert(has_error("ha.pair_addresses must be an array"));
}
END_TEST

START_TEST(test_fingerprint_same_meaning)
{
	char a[HA_FINGERPRINT_LEN], b[HA_FINGERPRINT_LEN];

	fp_of(LAN GWS, a);
	ck_assert_uint_eq(strlen(a), 16);
	/* Weights, router addresses, interfaces, ha itself: no mark changes. */
	fp_of(LAN "gateways = (" GW("a", "10.5.0.1", 7) "," GW("b", "10.5.1.1", 0) ","
	      GW("c", "10.5.2.1", 1) ");\n" HA "health = { interval = 5000; };", b);
	ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(test_fingerprint_differs)
{
	char base[HA_FINGERPRINT_LEN], x[HA_FINGERPRINT_LEN];
	static const char *const other[] = {
		/* two gateways swapped: marks mean other routers */
		LAN "gateways = (" GW("b", "10.0.1.1", 1) "," GW("a", "10.0.0.1", 1) ","
		GW("c", "10.0.2.1", 2) ");\n",
		/* one gateway fewer */
		LAN "gateways = (" GW("a", "10.0.0.1", 1) "," GW("b", "10.0.1.1", 1) ");\n",
		/* a renamed gateway: another set */
		LAN "gateways = (" GW("a", "10.0.0.1", 1) "," GW("b", "10.0.1.1", 1) ","
		GW("d", "10.0.2.1", 2) ");\n",
		LAN GWS "marks = { base = 100; };",
		LAN GWS "marks = { mask = 0xfff; };",
		LAN GWS "clients = { set_prefix = \"lb-\"; };",
		"lan = { interface = \"eth1\"; network = \"192.168.0.0/16\"; };\n" GWS,
	};
	unsigned i;

	fp_of(LAN GWS, base);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		fp_of(other[i], x);
		ck_assert_msg(strcmp(base, x), "variant %u has the same fingerprint", i);
	}
}
END_TEST

START_TEST(test_fingerprint_text)
{
	char t[512];

	ck_assert_int_eq(load(LAN GWS), 0);
	hafp_text(&c, t, sizeof(t));
	ck_assert_str_eq(t, "lan=192.168.182.0/24 base=200 mask=0xff prefix=nfqlb- "
			 "0:a:0xc8:200 1:b:0xc9:201 2:c:0xca:202");
	/* A removed gateway leaves its slot: still part of the meaning. */
	c.gw[1].name[0] = '\0';
	hafp_text(&c, t, sizeof(t));
	ck_assert(strstr(t, " 1:-:0xc9:201 "));
	/* Too small a buffer: truncated, NUL-terminated, full length told. */
	ck_assert_uint_gt(hafp_text(&c, t, 10), 10);
	ck_assert_uint_eq(strlen(t), 9);
}
END_TEST

START_TEST(test_learn_decide)
{
	ck_assert_int_eq(load(LAN GWS HA), 0);
	/* gateway n's mark binds to n; other mark bits are ignored */
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.50"), 200, -1), 0);
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.50"), 202, -1), 2);
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.50"), 0x7700 | 201, -1), 1);
	/* bound here: never moved, whatever the entry says */
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.50"), 202, 0), HA_SKIP_BOUND);
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.50"), 200, 0), HA_SKIP_BOUND);
	/* no gateway's mark */
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.50"), 0, -1), HA_SKIP_NO_MARK);
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.50"), 199, -1), HA_SKIP_NO_MARK);
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.50"), 203, -1), HA_SKIP_NO_MARK);
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.50"), 0x100, -1), HA_SKIP_NO_MARK);
	/* not a LAN client: a WAN-side or the box's own connection */
	ck_assert_int_eq(hafp_learn_decide(&c, ip("10.0.0.9"), 200, -1), HA_SKIP_NOT_LAN);
	/* the pair itself, inside lan.network */
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.2"), 200, -1), HA_SKIP_PAIR);
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.3"), 201, -1), HA_SKIP_PAIR);
	/* a removed gateway's slot */
	c.gw[1].name[0] = '\0';
	ck_assert_int_eq(hafp_learn_decide(&c, ip("192.168.182.50"), 201, -1), HA_SKIP_NO_GW);
	ck_assert_str_eq(ha_skip_name(HA_SKIP_PAIR), "an address of the HA pair");
}
END_TEST

static Suite *ha_suite(void)
{
	Suite *s = suite_create("ha");
	TCase *t = tcase_create("core");

	tcase_add_test(t, test_off_by_default);
	tcase_add_test(t, test_settings);
	tcase_add_test(t, test_bad_settings_named);
	tcase_add_test(t, test_fingerprint_same_meaning);
	tcase_add_test(t, test_fingerprint_differs);
	tcase_add_test(t, test_fingerprint_text);
	tcase_add_test(t, test_learn_decide);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(ha_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
