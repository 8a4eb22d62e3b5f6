// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_traffic.c - the realm counters: 64-bit sums across the
 * kernel's 32-bit wraps, realms in 1..255, the binary rt_acct layout.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/traffic.h"

START_TEST(test_realm)
{
	ck_assert_uint_eq(traffic_realm(200), 200);
	ck_assert_uint_eq(traffic_realm(255), 255);
	ck_assert_uint_eq(traffic_realm(256), 1);
	ck_assert_uint_eq(traffic_realm(1), 1);
	ck_assert_uint_eq(traffic_realm(510), 255);
	ck_assert_uint_ne(traffic_realm(0), 0);
}
END_TEST

START_TEST(test_wrap)
{
	struct traffic_acct a = { .o_packets = 0xfffffff0u, .o_bytes = 0xffffff00u };
	struct traffic_ctr c;

	traffic_ctr_start(&c, &a);
	ck_assert_uint_eq(c.packets, 0);
	a.o_packets += 0x20;		/* wraps to 0x10 */
	a.o_bytes += 0x1000;
	traffic_ctr_update(&c, &a);
	ck_assert_uint_eq(c.packets, 0x20);
	ck_assert_uint_eq(c.bytes, 0x1000);
	a.o_bytes += 0xf0000000u;
	traffic_ctr_update(&c, &a);
	a.o_bytes += 0xf0000000u;
	traffic_ctr_update(&c, &a);
	ck_assert_uint_eq(c.bytes, 0x1000 + 2 * 0xf0000000ull);
	traffic_ctr_update(&c, &a);	/* nothing new */
	ck_assert_uint_eq(c.packets, 0x20);
}
END_TEST

START_TEST(test_read)
{
	struct traffic_acct in[TRAFFIC_REALMS] = { { 0 } }, out[TRAFFIC_REALMS];
	char path[] = "/tmp/check_traffic.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	in[200].o_packets = 7;
	in[200].o_bytes = 420;
	ck_assert_int_eq(write(fd, in, sizeof(in) / 2), (ssize_t)sizeof(in) / 2);
	/* A short file is refused, not half-read. */
	ck_assert_int_eq(traffic_read(path, out), -1);
	ck_assert_int_eq(write(fd, (char *)in + sizeof(in) / 2, sizeof(in) / 2),
			 (ssize_t)sizeof(in) / 2);
	close(fd);
	ck_assert_int_eq(traffic_read(path, out), 0);
	ck_assert_uint_eq(out[200].o_packets, 7);
	ck_assert_uint_eq(out[200].o_bytes, 420);
	unlink(path);
	ck_assert_int_eq(traffic_read(path, out), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("traffic");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_realm);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_read);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
