// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_records.c - what people and programs get from a record:
 * terminal escaping (no control sequence, no line break), display
 * width, JSON types (numbers, ratios, null, UTF-8), and nfqlb-web's
 * Prometheus text, label escaping and client filter.
 */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/records.h"
#include "web/webcore.h"

static char *esc(const char *s, int utf8)
{
	static char *last;

	free(last);
	last = records_term_escape(s, utf8);
	return last;
}

START_TEST(test_term_escape)
{
	ck_assert_str_eq(esc("plain text", 1), "plain text");
	ck_assert_str_eq(esc("\x1b[31mred\n", 1), "\\x1b[31mred\\x0a");
	ck_assert_str_eq(esc("a\\b", 1), "a\\\\b");
	ck_assert_str_eq(esc("\r\t\x7f", 1), "\\x0d\\x09\\x7f");
	/* C1 CSI as UTF-8 (U+009B), and as a raw byte (invalid UTF-8). */
	ck_assert_str_eq(esc("\xc2\x9b" "2J", 1), "\\u{009b}2J");
	ck_assert_str_eq(esc("\x9b" "2J", 1), "\\x9b2J");
	/* Line separator, right-to-left override. */
	ck_assert_str_eq(esc("a\xe2\x80\xa8z\xe2\x80\xae", 1), "a\\u{2028}z\\u{202e}");
	ck_assert_str_eq(esc("Élodie", 1), "Élodie");
	ck_assert_str_eq(esc("Élodie", 0), "\\xc3\\x89lodie");
	/* Overlong and surrogate encodings are not UTF-8. */
	ck_assert_str_eq(esc("\xc0\xaf", 1), "\\xc0\\xaf");
	ck_assert_str_eq(esc("\xed\xa0\x80", 1), "\\xed\\xa0\\x80");
}
END_TEST

START_TEST(test_width)
{
	ck_assert_int_eq(records_display_width("abc"), 3);
	ck_assert_int_eq(records_display_width("Élodie Lefèvre"), 14);
	ck_assert_int_eq(records_display_width("日本"), 4);
	ck_assert_int_eq(records_display_width("e\xcc\x81"), 1);	/* e + combining acute */
}
END_TEST

static const char *js(const char *key, const char *v)
{
	static char buf[256];
	struct json_object *j = records_json_value(key, v);

	snprintf(buf, sizeof(buf), "%s", j ? json_object_to_json_string_ext(j,
		 JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "null");
	json_object_put(j);
	return buf;
}

START_TEST(test_json_values)
{
	ck_assert_str_eq(js("clients", "12"), "12");
	ck_assert_str_eq(js("client_share", "33.3"), "33.3");
	ck_assert_str_eq(js("loss", "0%"), "0");
	ck_assert_str_eq(js("loss", "25%"), "0.25");
	ck_assert_str_eq(js("rtt_ms", "-"), "null");
	ck_assert_str_eq(js("tx_bytes", "18446744073709551615"), "18446744073709551615");
	ck_assert_str_eq(js("mark", "0xc8"), "\"0xc8\"");
	ck_assert_str_eq(js("user", "007"), "\"007\"");
	ck_assert_str_eq(js("name", "12"), "\"12\"");
	ck_assert_str_eq(js("user", "Élodie Lefèvre"), "\"Élodie Lefèvre\"");
	ck_assert_str_eq(js("user", "a\x1b\nb\"\\"), "\"a\\u001b\\nb\\\"\\\\\"");
	ck_assert_str_eq(js("user", "x\xff"), "\"x\xef\xbf\xbd\"");
}
END_TEST

START_TEST(test_json_record)
{
	char line[] = "name=wan1 weight=2 loss=10%25 user=%C3%89l%20x";
	struct record r;
	struct json_object *j;

	records_parse(line, &r);
	ck_assert_int_eq(r.n, 4);
	ck_assert_str_eq(r.val[3], "Él x");
	j = records_json(&r);
	ck_assert_str_eq(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE),
			 "{\"schema\":1,\"name\":\"wan1\",\"weight\":2,\"loss\":0.1,\"user\":\"Él x\"}");
	json_object_put(j);
}
END_TEST

START_TEST(test_prom_label)
{
	struct wbuf b = { 0 };

	web_prom_label(&b, "a\"b\\c\nd");
	ck_assert_str_eq(b.data, "a\\\"b\\\\c\\nd");
	wbuf_free(&b);
}
END_TEST

START_TEST(test_metrics)
{
	char g1[] = "name=wan1 weight=1 state=up clients=3 rtt_ms=1.5 loss=20%25 tx_packets=7 tx_bytes=420";
	char g2[] = "name=wan2 weight=0 state=down clients=0 rtt_ms=- loss=- tx_packets=0 tx_bytes=0";
	char st[] = "version=0.1.0 uptime=5 clients=3 max_clients=10 pinning=connmark "
		    "bind_on_packet=true binds_hook=2 "
		    "tx_packets=7 tx_bytes=420 ha=on ha_fingerprint=0123456789abcdef ha_learned=4";
	struct record g[2], s;
	struct wbuf b = { 0 };

	records_parse(g1, &g[0]);
	records_parse(g2, &g[1]);
	records_parse(st, &s);
	web_metrics(&b, 1, g, 2, &s);
	ck_assert_ptr_nonnull(strstr(b.data, "nfqlb_up 1\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "nfqlb_gateway_up{gateway=\"wan1\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "nfqlb_gateway_up{gateway=\"wan2\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "nfqlb_gateway_rtt_seconds{gateway=\"wan1\"} 0.0015\n"));
	ck_assert_ptr_null(strstr(b.data, "nfqlb_gateway_rtt_seconds{gateway=\"wan2\"}"));
	ck_assert_ptr_nonnull(strstr(b.data, "nfqlb_gateway_loss_ratio{gateway=\"wan1\"} 0.2\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "nfqlb_gateway_transmit_bytes_total{gateway=\"wan1\"} 420\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "# TYPE nfqlb_binds_hook_total counter\nnfqlb_binds_hook_total 2\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "nfqlb_uptime_seconds 5\n"));
	ck_assert_ptr_null(strstr(b.data, "nfqlb_tx_bytes_total"));
	ck_assert_ptr_null(strstr(b.data, "nfqlb_version"));
	/* Every stats field: the totals of the gateway series, words as labels. */
	ck_assert_ptr_nonnull(strstr(b.data, "# TYPE nfqlb_transmit_packets_total counter\n"
				     "nfqlb_transmit_packets_total 7\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "# TYPE nfqlb_transmit_bytes_total counter\n"
				     "nfqlb_transmit_bytes_total 420\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "nfqlb_info{version=\"0.1.0\",pinning=\"connmark\","
				     "bind_on_packet=\"true\",ha=\"on\","
				     "ha_fingerprint=\"0123456789abcdef\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "nfqlb_ha_learned_total 4\n"));
	wbuf_free(&b);
	web_metrics(&b, 0, NULL, 0, NULL);
	ck_assert_str_eq(b.data, "# HELP nfqlb_up 1 if nfqlb-web could query nfqlbd.\n"
			 "# TYPE nfqlb_up gauge\nnfqlb_up 0\n");
	wbuf_free(&b);
}
END_TEST

START_TEST(test_filter)
{
	char l[] = "client=10.0.0.5 gateway=wan2 since=1 mac=aa:bb:cc:dd:ee:ff user=Jean%20Dupont session=-";
	struct record r;
	struct web_filter f = { 0 };

	records_parse(l, &r);
	ck_assert(web_filter_match(&f, &r));
	f.gateway = "wan2";
	ck_assert(web_filter_match(&f, &r));
	f.gateway = "wan1";
	ck_assert(!web_filter_match(&f, &r));
	f = (struct web_filter){ .ip = "10.0.0.5" };
	ck_assert(web_filter_match(&f, &r));
	f.ip = "10.0.0.50";
	ck_assert(!web_filter_match(&f, &r));
	f = (struct web_filter){ .mac = "AA-BB-CC-DD-EE-FF" };
	ck_assert(web_filter_match(&f, &r));
	f.mac = "aa:bb";
	ck_assert(!web_filter_match(&f, &r));
	f = (struct web_filter){ .user = "dupont" };
	ck_assert(web_filter_match(&f, &r));
	f = (struct web_filter){ .q = "jean" };
	ck_assert(web_filter_match(&f, &r));
	f.q = "aabb.ccdd.eeff";
	ck_assert(web_filter_match(&f, &r));
	f.q = "10.0.0";
	ck_assert(web_filter_match(&f, &r));
	f.q = "nobody";
	ck_assert(!web_filter_match(&f, &r));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("records");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	setlocale(LC_CTYPE, "C.UTF-8");
	tcase_add_test(tc, test_term_escape);
	tcase_add_test(tc, test_width);
	tcase_add_test(tc, test_json_values);
	tcase_add_test(tc, test_json_record);
	tcase_add_test(tc, test_prom_label);
	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_filter);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
