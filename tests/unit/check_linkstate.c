// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_linkstate.c - unit tests of the link verdict (src/core/linkstate.c):
 * every combination of facts and next-hop kinds against the rule as
 * the README states it.
 */
#include <check.h>
#include <stdlib.h>

#include "core/linkstate.h"

START_TEST(test_names)
{
	ck_assert_str_eq(linkstate_why_name(LINKSTATE_OK), "ok");
	ck_assert_str_eq(linkstate_why_name(LINKSTATE_MISSING), "missing");
	ck_assert_str_eq(linkstate_why_name(LINKSTATE_ADMIN_DOWN), "admin-down");
	ck_assert_str_eq(linkstate_why_name(LINKSTATE_NO_CARRIER), "no-carrier");
	ck_assert_str_eq(linkstate_why_name(LINKSTATE_NO_ADDRESS), "no-address");
	ck_assert_str_eq(linkstate_why_name(LINKSTATE_NEEDS_ADDRESS), "needs-address");
	ck_assert_str_eq(linkstate_why_name(LINKSTATE_NO_NEXTHOP), "no-nexthop");
	ck_assert_str_eq(linkstate_why_name((enum linkstate_why)99), "?");
}
END_TEST

/* Every one of the 2^6 fact sets, for each kind of next hop. */
START_TEST(test_exhaustive)
{
	unsigned bits, nh, ok = 0;

	for (nh = LINKSTATE_NH_ADDR; nh <= LINKSTATE_NH_LEARNED; nh++) {
		for (bits = 0; bits < 64; bits++) {
			struct linkstate_facts f = {
				.exists = !!(bits & 1), .admin_up = !!(bits & 2),
				.carrier = !!(bits & 4), .has_addr4 = !!(bits & 8),
				.pointopoint = !!(bits & 16), .nexthop_known = !!(bits & 32),
			};
			enum linkstate_why want, got;

			got = linkstate_judge(&f, (enum linkstate_nh)nh);
			if (!f.exists)
				want = LINKSTATE_MISSING;
			else if (!f.admin_up)
				want = LINKSTATE_ADMIN_DOWN;
			else if (!f.carrier)
				want = LINKSTATE_NO_CARRIER;
			else if (!f.has_addr4)
				want = LINKSTATE_NO_ADDRESS;
			else if (nh == LINKSTATE_NH_DEV && !f.pointopoint)
				want = LINKSTATE_NEEDS_ADDRESS;
			else if (nh == LINKSTATE_NH_LEARNED && !f.nexthop_known)
				want = LINKSTATE_NO_NEXTHOP;
			else
				want = LINKSTATE_OK;
			ck_assert_msg(got == want, "nh %u facts 0x%x: got %s, want %s", nh,
				      bits, linkstate_why_name(got), linkstate_why_name(want));
			ok += got == LINKSTATE_OK;
		}
	}
	/* ADDR: 4 irrelevant bits' worth; DEV and LEARNED: half that each. */
	ck_assert_uint_eq(ok, 4 + 2 + 2);
}
END_TEST

/* A configured next hop never depends on point-to-point or a learned route. */
START_TEST(test_addr_ignores_p2p)
{
	struct linkstate_facts f = { 1, 1, 1, 1, 0, 0 };

	ck_assert_int_eq(linkstate_judge(&f, LINKSTATE_NH_ADDR), LINKSTATE_OK);
	ck_assert_int_eq(linkstate_judge(&f, LINKSTATE_NH_DEV), LINKSTATE_NEEDS_ADDRESS);
	ck_assert_int_eq(linkstate_judge(&f, LINKSTATE_NH_LEARNED), LINKSTATE_NO_NEXTHOP);
	ck_assert_int_eq(linkstate_judge(&f, (enum linkstate_nh)7), LINKSTATE_NO_NEXTHOP);
}
END_TEST

static Suite *linkstate_suite(void)
{
	Suite *s = suite_create("linkstate");
	TCase *tc = tcase_create("linkstate");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_exhaustive);
	tcase_add_test(tc, test_addr_ignores_p2p);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(linkstate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
