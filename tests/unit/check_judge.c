// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_judge.c - unit tests of the joint verdicts, flap damping and
 * failback rebalance delay (src/core/judge.c), on fake time.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/judge.h"

#define BIT(i)	((uint64_t)1 << (i))

static const struct judge_params P = {
	.half_life_ms = 15000,
	.rebalance_after_ms = 60000,
};

/* n probed gateways, all UP (their first verdict) at time 0. */
static void setup(struct judge_gw *g, unsigned n)
{
	struct judge_turn t;
	unsigned i;

	for (i = 0; i < n; i++) {
		judge_init(&g[i], JUDGE_PROBING, 0);
		g[i].used = 1;
		g[i].raw = HEALTH_UP;
	}
	judge_run(g, n, &P, 0, &t);
	ck_assert_uint_eq(t.up, (BIT(n) - 1));
	ck_assert_int_eq(t.rebalance, 0);	/* a first verdict is no failback */
	for (i = 0; i < n; i++)
		ck_assert_int_eq(g[i].state, JUDGE_UP);
}

/* Raw states from a string ('u' up, 'd' down, 'p' probing), one turn. */
static struct judge_turn turn(struct judge_gw *g, unsigned n, const char *raw,
			      uint64_t now)
{
	struct judge_turn t;
	unsigned i;

	for (i = 0; i < n; i++)
		g[i].raw = raw[i] == 'u' ? HEALTH_UP :
			   raw[i] == 'd' ? HEALTH_DOWN : HEALTH_PROBING;
	judge_run(g, n, &P, now, &t);
	return t;
}

/* The same with the prober's answering ('a') and failing ('f') flags. */
static struct judge_turn turn2(struct judge_gw *g, unsigned n, const char *raw,
			       const char *flags, uint64_t now)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		g[i].answering = flags[i] == 'a';
		g[i].failing = flags[i] == 'f';
	}
	return turn(g, n, raw, now);
}

static const char *states(const struct judge_gw *g, unsigned n)
{
	static char buf[JUDGE_MAX_GW + 1];
	unsigned i;

	for (i = 0; i < n; i++)
		buf[i] = "pudhml"[g[i].state];	/* probing up down held daMped no-Link */
	buf[n] = 0;
	return buf;
}

START_TEST(test_names)
{
	ck_assert_str_eq(judge_state_name(JUDGE_PROBING), "probing");
	ck_assert_str_eq(judge_state_name(JUDGE_UP), "up");
	ck_assert_str_eq(judge_state_name(JUDGE_DOWN), "down");
	ck_assert_str_eq(judge_state_name(JUDGE_HELD), "held");
	ck_assert_str_eq(judge_state_name(JUDGE_DAMPED), "damped");
	ck_assert(judge_in_use(JUDGE_PROBING));
	ck_assert(judge_in_use(JUDGE_UP));
	ck_assert(judge_in_use(JUDGE_HELD));
	ck_assert(!judge_in_use(JUDGE_DOWN));
	ck_assert(!judge_in_use(JUDGE_DAMPED));
}
END_TEST

START_TEST(test_decay)
{
	ck_assert_uint_eq(judge_decay(2000, 0, 1000), 2000);
	ck_assert_uint_eq(judge_decay(2000, 1000, 1000), 1000);
	/* 2^-0.5 and 2^-0.25, within 0.2 % */
	ck_assert_uint_ge(judge_decay(2000, 500, 1000), 1411);
	ck_assert_uint_le(judge_decay(2000, 500, 1000), 1417);
	ck_assert_uint_ge(judge_decay(10000, 250, 1000), 8392);
	ck_assert_uint_le(judge_decay(10000, 250, 1000), 8426);
	/* in small steps or one: the same curve */
	uint32_t pen = 3000;
	for (int i = 0; i < 30; i++)
		pen = judge_decay(pen, 50, 1000);
	ck_assert_uint_ge(pen, judge_decay(3000, 1500, 1000) - 30);
	ck_assert_uint_le(pen, judge_decay(3000, 1500, 1000) + 30);
	ck_assert_uint_eq(judge_decay(2000, 2000, 1000), 500);
	ck_assert_uint_ge(judge_decay(4000, 1500, 1000), 1410);
	ck_assert_uint_le(judge_decay(4000, 1500, 1000), 1418);
	ck_assert_uint_eq(judge_decay(4000, 40000, 1000), 0);
	ck_assert_uint_eq(judge_decay(4000, 123456, 0), 4000);	/* no damping */
	/* monotonic */
	for (uint64_t dt = 1; dt < 5000; dt += 7)
		ck_assert_uint_le(judge_decay(3000, dt, 1000), judge_decay(3000, dt - 1, 1000));
}
END_TEST

/* Every gateway failing in one turn: held, nobody moves, back as they were. */
START_TEST(test_all_at_once)
{
	struct judge_gw g[3];
	struct judge_turn t;

	setup(g, 3);
	t = turn(g, 3, "ddd", 1000);
	ck_assert_uint_eq(t.down, 0);
	ck_assert_uint_eq(t.held, 7);
	ck_assert_int_eq(t.outage_start, 1);
	ck_assert_str_eq(states(g, 3), "hhh");
	/* several rounds of it: still nothing */
	t = turn(g, 3, "ddd", 2000);
	ck_assert_uint_eq(t.down | t.up | t.held | t.unheld, 0);
	ck_assert_str_eq(states(g, 3), "hhh");
	/* probes back: everybody where they were, no failback, no penalty */
	t = turn(g, 3, "uuu", 3000);
	ck_assert_uint_eq(t.unheld, 7);
	ck_assert_uint_eq(t.down | t.up, 0);
	ck_assert_int_eq(t.outage_end, 1);
	ck_assert_str_eq(states(g, 3), "uuu");
	ck_assert_uint_eq(g[0].penalty + g[1].penalty + g[2].penalty, 0);
	t = turn(g, 3, "uuu", 1000000);
	ck_assert_int_eq(t.rebalance, 0);
	/* back one at a time: the first back is up, the rest real downs */
	t = turn(g, 3, "ddd", 1001000);
	ck_assert_str_eq(states(g, 3), "hhh");
	t = turn(g, 3, "udd", 1002000);
	ck_assert_uint_eq(t.unheld, 7);
	ck_assert_uint_eq(t.down, 6);
	ck_assert_int_eq(t.outage_end, 1);
	ck_assert_str_eq(states(g, 3), "udd");
	/* from PROBING too (a start with the targets unreachable) */
	judge_init(&g[0], JUDGE_PROBING, 0);
	judge_init(&g[1], JUDGE_PROBING, 0);
	g[0].used = g[1].used = 1;
	t = turn(g, 2, "dd", 10);
	ck_assert_uint_eq(t.held, 3);
	ck_assert_uint_eq(t.down, 0);
}
END_TEST

/*
 * Back from a hold while the windows still hold the outage's losses
 * (the prober still says down): answering is enough, and until the
 * prober says up only an outright failure takes one down.
 */
START_TEST(test_held_grace)
{
	struct judge_gw g[3];
	struct judge_turn t;

	setup(g, 3);
	t = turn2(g, 3, "ddd", "fff", 1000);
	ck_assert_uint_eq(t.held, 7);
	t = turn2(g, 3, "ddd", "aaa", 2000);
	ck_assert_uint_eq(t.unheld, 7);
	ck_assert_uint_eq(t.down | t.up, 0);
	ck_assert_int_eq(t.outage_end, 1);
	ck_assert_str_eq(states(g, 3), "uuu");
	/* the windows clear slowly: nothing happens meanwhile */
	for (int i = 0; i < 20; i++) {
		t = turn2(g, 3, "ddd", "aaa", 3000 + i * 200);
		ck_assert_uint_eq(t.down | t.up | t.held | t.unheld, 0);
	}
	/* one fails outright: a real failover of that one */
	t = turn2(g, 3, "ddd", "aaf", 8000);
	ck_assert_uint_eq(t.down, 4);
	ck_assert_uint_eq(t.held, 0);
	ck_assert_str_eq(states(g, 3), "uud");
	/* the prober says up: the grace is over, its next down counts */
	t = turn2(g, 3, "uud", "aa-", 9000);
	ck_assert_uint_eq(t.down | t.up, 0);
	t = turn2(g, 3, "dud", "-a-", 10000);
	ck_assert_uint_eq(t.down, 1);
	/* held, then one answers and the others do not: they are down */
	setup(g, 3);
	turn2(g, 3, "ddd", "fff", 1000);
	t = turn2(g, 3, "ddd", "aff", 2000);
	ck_assert_uint_eq(t.unheld, 7);
	ck_assert_uint_eq(t.down, 6);
	ck_assert_str_eq(states(g, 3), "udd");
	/* a gateway answering while in grace and all of them failing again: held again */
	setup(g, 2);
	turn2(g, 2, "dd", "ff", 1000);
	turn2(g, 2, "dd", "aa", 2000);
	t = turn2(g, 2, "dd", "ff", 3000);
	ck_assert_uint_eq(t.held, 3);
	ck_assert_uint_eq(t.down, 0);
}
END_TEST

START_TEST(test_real_failover)
{
	struct judge_gw g[4];
	struct judge_turn t;

	/* two of three together: a real failover */
	setup(g, 3);
	t = turn(g, 3, "ddu", 1000);
	ck_assert_uint_eq(t.down, 3);
	ck_assert_uint_eq(t.held, 0);
	ck_assert_str_eq(states(g, 3), "ddu");
	/* the last one in use going down: nowhere to go, a real down too */
	t = turn(g, 3, "ddd", 2000);
	ck_assert_uint_eq(t.down, 4);
	ck_assert_uint_eq(t.held, 0);
	ck_assert_str_eq(states(g, 3), "ddd");
	/* one gateway alone: a down is a down */
	setup(g, 1);
	t = turn(g, 1, "d", 1000);
	ck_assert_uint_eq(t.down, 1);
	/* a gateway not probed (used 0) does not count */
	setup(g, 3);
	g[3].used = 0;
	g[3].nolink = 0;
	g[3].state = JUDGE_UP;
	t = turn(g, 4, "dddu", 1000);
	ck_assert_uint_eq(t.held, 7);
	ck_assert_int_eq(g[3].state, JUDGE_UP);
	/* a restarted prober (PROBING) keeps the last verdict */
	setup(g, 2);
	t = turn(g, 2, "du", 1000);
	t = turn(g, 2, "pp", 2000);
	ck_assert_uint_eq(t.down | t.up | t.held, 0);
	ck_assert_str_eq(states(g, 2), "du");
}
END_TEST

START_TEST(test_damping)
{
	struct judge_gw g[2];
	struct judge_turn t;
	uint64_t now = 0;

	setup(g, 2);
	/* first down: 1000, back at once */
	t = turn(g, 2, "du", now += 1000);
	ck_assert_uint_eq(t.down, 1);
	ck_assert_uint_eq(g[0].penalty, 1000);
	t = turn(g, 2, "uu", now += 1000);
	ck_assert_uint_eq(t.up, 1);
	/* second down soon after: damped for a while */
	t = turn(g, 2, "du", now += 1000);
	ck_assert_uint_gt(g[0].penalty, 1900);
	t = turn(g, 2, "uu", now += 1000);
	ck_assert_uint_eq(t.up, 0);
	ck_assert_uint_eq(t.damped, 1);
	ck_assert_int_eq(g[0].state, JUDGE_DAMPED);
	/* until the penalty decays to JUDGE_REUSE (about a half-life) */
	while (g[0].state == JUDGE_DAMPED && now < 100000) {
		t = turn(g, 2, "uu", now += 500);
		ck_assert_uint_eq(t.damped, 0);
	}
	ck_assert_int_eq(g[0].state, JUDGE_UP);
	ck_assert_uint_eq(t.up, 1);
	ck_assert_uint_le(g[0].penalty, JUDGE_REUSE);
	ck_assert_uint_ge(now, 4000 + 13000);
	ck_assert_uint_le(now, 4000 + 16000);
	/* capped */
	for (int i = 0; i < 10; i++) {
		turn(g, 2, "du", now += 500);
		turn(g, 2, "uu", now += 500);
	}
	ck_assert_uint_le(g[0].penalty, JUDGE_MAX_PENALTY);
	/* it decays only while the probes say up */
	t = turn(g, 2, "du", now += 500);
	uint32_t pen = g[0].penalty;
	t = turn(g, 2, "du", now += 100000);
	ck_assert_uint_eq(g[0].penalty, pen);
	/* no damping: never damped */
	struct judge_params nod = P;
	nod.half_life_ms = 0;
	setup(g, 2);
	for (int i = 0; i < 10; i++) {
		g[0].raw = HEALTH_DOWN;
		judge_run(g, 2, &nod, now += 500, &t);
		ck_assert_uint_eq(t.down, 1);
		g[0].raw = HEALTH_UP;
		judge_run(g, 2, &nod, now += 500, &t);
		ck_assert_uint_eq(t.up, 1);
	}
}
END_TEST

START_TEST(test_rebalance_after)
{
	struct judge_gw g[2];
	struct judge_turn t;

	setup(g, 2);
	turn(g, 2, "du", 1000);
	t = turn(g, 2, "uu", 2000);
	ck_assert_uint_eq(t.up, 1);
	ck_assert_int_eq(t.rebalance, 0);
	t = turn(g, 2, "uu", 2000 + 59999);
	ck_assert_int_eq(t.rebalance, 0);
	t = turn(g, 2, "uu", 2000 + 60000);
	ck_assert_int_eq(t.rebalance, 1);
	t = turn(g, 2, "uu", 2000 + 70000);
	ck_assert_int_eq(t.rebalance, 0);	/* once */
	/* down again before the delay: no rebalance for that failback */
	turn(g, 2, "du", 100000);
	turn(g, 2, "uu", 101000);
	turn(g, 2, "du", 150000);
	t = turn(g, 2, "du", 200000);
	ck_assert_int_eq(t.rebalance, 0);
	/* rebalance_after 0: in the same turn as the failback */
	struct judge_params now0 = P;
	now0.rebalance_after_ms = 0;
	now0.half_life_ms = 0;
	setup(g, 2);
	g[0].raw = HEALTH_DOWN;
	judge_run(g, 2, &now0, 1000, &t);
	g[0].raw = HEALTH_UP;
	judge_run(g, 2, &now0, 2000, &t);
	ck_assert_uint_eq(t.up, 1);
	ck_assert_int_eq(t.rebalance, 1);
}
END_TEST

/*
 * A link flapping every 2 s for a minute, one turn per 500 ms round:
 * out of use once, back at most once during the minute, never a
 * rebalance while it flaps; after it settles, up and one rebalance.
 */
START_TEST(test_flap_minute)
{
	struct judge_gw g[3];
	struct judge_turn t;
	unsigned downs = 0, ups = 0, rebalances = 0;
	uint64_t now;

	setup(g, 3);
	for (now = 500; now <= 60000; now += 500) {
		int down = (now / 2000) % 2 == 0;

		t = turn(g, 3, down ? "duu" : "uuu", now);
		downs += !!(t.down & 1);
		ups += !!(t.up & 1);
		rebalances += t.rebalance;
		ck_assert_uint_eq(t.held, 0);
	}
	ck_assert_uint_le(downs, 2);
	ck_assert_uint_le(ups, 1);
	ck_assert_uint_eq(rebalances, 0);
	for (; now <= 300000; now += 500) {
		t = turn(g, 3, "uuu", now);
		ups += !!(t.up & 1);
		rebalances += t.rebalance;
	}
	ck_assert_int_eq(g[0].state, JUDGE_UP);
	ck_assert_uint_le(ups, 2);
	ck_assert_uint_eq(rebalances, 1);	/* the last failback only */
}
END_TEST

/* A link lost takes a probed gateway out at once, whatever its probes say. */
START_TEST(test_nolink_probed)
{
	struct judge_gw g[3];
	struct judge_turn t;

	ck_assert_str_eq(judge_state_name(JUDGE_NOLINK), "no-link");
	setup(g, 3);
	g[1].nolink = 1;
	t = turn(g, 3, "uuu", 1000);
	ck_assert_uint_eq(t.down, BIT(1));
	ck_assert_str_eq(states(g, 3), "ulu");
	ck_assert_uint_eq(g[1].penalty, JUDGE_PENALTY);	/* a down for damping */
	/* Still no link: nothing more, even with its probes failing. */
	t = turn(g, 3, "udu", 2000);
	ck_assert_uint_eq(t.down | t.up | t.held, 0);
	ck_assert_str_eq(states(g, 3), "ulu");
	/* Back, probes still failing: out of use, no second down. */
	g[1].nolink = 0;
	t = turn(g, 3, "udu", 3000);
	ck_assert_uint_eq(t.down | t.up, 0);
	ck_assert_str_eq(states(g, 3), "udu");
	/* The probes decide. */
	t = turn(g, 3, "uuu", 4000);
	ck_assert_uint_eq(t.up, BIT(1));
	ck_assert_str_eq(states(g, 3), "uuu");
	/* A second loss soon after: back only when the penalty has decayed. */
	g[1].nolink = 1;
	t = turn(g, 3, "uuu", 5000);
	ck_assert_uint_eq(t.down, BIT(1));
	g[1].nolink = 0;
	t = turn(g, 3, "uuu", 6000);
	ck_assert_uint_eq(t.up, 0);
	ck_assert_uint_eq(t.damped, BIT(1));
	ck_assert_str_eq(states(g, 3), "umu");
}
END_TEST

/* Back with its probes never having noticed: up at once. */
START_TEST(test_nolink_short)
{
	struct judge_gw g[2];
	struct judge_turn t;

	setup(g, 2);
	g[0].nolink = 1;
	t = turn(g, 2, "uu", 100);
	ck_assert_uint_eq(t.down, BIT(0));
	g[0].nolink = 0;
	t = turn(g, 2, "uu", 600);
	ck_assert_uint_eq(t.up, BIT(0));
	ck_assert_str_eq(states(g, 2), "uu");
}
END_TEST

/* Unprobed gateways: the link alone decides. */
START_TEST(test_nolink_unprobed)
{
	struct judge_gw g[2];
	struct judge_turn t;

	judge_init(&g[0], JUDGE_UP, 0);
	judge_init(&g[1], JUDGE_UP, 0);
	g[0].nolink = 1;
	t = turn(g, 2, "pp", 10);
	ck_assert_uint_eq(t.down, BIT(0));
	ck_assert_str_eq(states(g, 2), "lu");
	ck_assert_uint_eq(g[0].penalty, 0);	/* never damped: no probe to lift it */
	g[0].nolink = 0;
	t = turn(g, 2, "pp", 20);
	ck_assert_uint_eq(t.up, BIT(0));
	ck_assert_str_eq(states(g, 2), "uu");
	/* A new gateway whose link is missing from the start. */
	judge_init(&g[1], JUDGE_PROBING, 30);
	g[1].used = 1;
	g[1].nolink = 1;
	t = turn(g, 2, "pp", 30);
	ck_assert_uint_eq(t.down, BIT(1));
	ck_assert_str_eq(states(g, 2), "ul");
}
END_TEST

/* Links lost together are no probe outage; a held gateway losing its link leaves. */
START_TEST(test_nolink_not_outage)
{
	struct judge_gw g[3];
	struct judge_turn t;

	setup(g, 3);
	g[0].nolink = g[1].nolink = 1;
	t = turn(g, 3, "ddu", 1000);
	ck_assert_uint_eq(t.down, BIT(0) | BIT(1));
	ck_assert_uint_eq(t.held, 0);
	ck_assert_int_eq(t.outage_start, 0);
	ck_assert_str_eq(states(g, 3), "llu");

	setup(g, 3);
	t = turn(g, 3, "ddd", 1000);
	ck_assert_uint_eq(t.held, BIT(0) | BIT(1) | BIT(2));
	g[2].nolink = 1;
	t = turn(g, 3, "ddd", 2000);
	ck_assert_uint_eq(t.down, BIT(2));
	ck_assert_uint_eq(t.unheld, BIT(2));
	ck_assert_str_eq(states(g, 3), "hhl");
	/* A no-link gateway's stale UP does not end the outage. */
	g[2].raw = HEALTH_UP;
	t = turn(g, 3, "ddu", 3000);
	ck_assert_str_eq(states(g, 3), "hhl");
}
END_TEST

static Suite *judge_suite(void)
{
	Suite *s = suite_create("judge");
	TCase *tc = tcase_create("judge");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_decay);
	tcase_add_test(tc, test_all_at_once);
	tcase_add_test(tc, test_real_failover);
	tcase_add_test(tc, test_held_grace);
	tcase_add_test(tc, test_damping);
	tcase_add_test(tc, test_rebalance_after);
	tcase_add_test(tc, test_flap_minute);
	tcase_add_test(tc, test_nolink_probed);
	tcase_add_test(tc, test_nolink_short);
	tcase_add_test(tc, test_nolink_unprobed);
	tcase_add_test(tc, test_nolink_not_outage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(judge_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
