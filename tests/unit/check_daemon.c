// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_daemon.c - the daemon's upper layers (bindings, failover,
 * uplinks, topology, sync, HA adoption, commands) for real, over the fake
 * kernel backend (tests/fake): what they ask of the kernel is read
 * back from the fake's sets, rules and routes.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf/hafp.h"
#include "stack.h"

#define BASE	200	/* marks.base: gateway n has mark and table 200 + n */
#define PRIO	10000	/* marks.rule_priority: its LAN rule, 10000 + n */

#define LAN	"lan = { interface = \"eth1\"; network = \"172.28.3.0/24\"; };\n"
#define HEALTH	"health = { interval = 1000; targets = [ \"tcp:127.0.0.1:9\" ]; " \
		"rebalance = false; damping = 0; };\n"
#define GW3	"gateways = (\n" \
		"  { name = \"wan1\"; address = \"10.0.1.1\"; interface = \"eth0\"; },\n" \
		"  { name = \"wan2\"; address = \"10.0.2.1\"; interface = \"eth2\"; },\n" \
		"  { name = \"wan3\"; address = \"10.0.3.1\"; interface = \"eth3\"; weight = 2; } );\n"

static const char conf3[] = LAN HEALTH GW3
	"clients = { max = 1024; release_hold = 1; state_dir = \"@DIR@\"; };\n";
static const char conf3_unpinned[] = LAN HEALTH GW3 "pin_connections = false;\n"
	"clients = { max = 1024; state_dir = \"@DIR@\"; };\n";

static struct stack st;

static struct nfqlb_addr client(unsigned n)
{
	struct nfqlb_addr a = { .family = AF_INET };

	a.v4.s_addr = htonl(0xac1c0300u + n);	/* 172.28.3.n */
	return a;
}

static const char *set_of(unsigned slot)
{
	return kmirror_set_name(st.km, slot);
}

static int bind_one(unsigned n)
{
	struct nfqlb_addr a = client(n);
	char err[256];
	int created;

	return bindings_bind(st.b, &a, NULL, &created, err, sizeof(err));
}

/* Every gateway's first verdict: up. */
static void all_up(void)
{
	unsigned i;

	for (i = 0; i < st.conf.ngw; i++)
		failover_verdict(st.fo, i, HEALTH_UP);
	failover_tick(st.fo);
	for (i = 0; i < st.conf.ngw; i++)
		ck_assert_str_eq(failover_state(st.fo, i), "up");
}

static void up3(void)
{
	ck_assert_int_eq(stack_init(&st, conf3), 0);
	all_up();
}

static void down(void)
{
	stack_free(&st);
}

/* What nfqlbctl would answer to line (a privileged peer). */
static char *ask(const char *line)
{
	static char out[65536];
	struct control_peer root = { .uid = 0, .privileged = 1 };
	struct control_req req;
	struct obuf o = { 0 };
	char err[128];

	ck_assert_int_eq(proto_parse(line, strlen(line), &req, err, sizeof(err)), 0);
	commands_handle(&req, &root, &o, &st.cmd);
	snprintf(out, sizeof(out), "%.*s", (int)o.len, o.data);
	obuf_free(&o);
	return out;
}

START_TEST(test_start_kernel)
{
	unsigned i;

	for (i = 0; i < 3; i++) {
		ck_assert(fake_kb_set_exists(set_of(i)));
		/* Its two routes (its link is up) and the last resort. */
		ck_assert_int_eq(fake_kb_routes(BASE + i), 3);
		ck_assert(fake_kb_last_resort(BASE + i));
		ck_assert_str_eq(uplink_link(st.up, i), "ok");
		ck_assert(fake_kb_rule(PRIO + i, BASE + i));		/* LAN rule */
		ck_assert(fake_kb_rule(PRIO + BALANCE_MAX_GW + i, BASE + i)); /* probes */
	}
	ck_assert(fake_kb_steered());
}
END_TEST

START_TEST(test_bind_release)
{
	struct nfqlb_addr a = client(10);
	int gw, created;
	char err[256];

	gw = bindings_bind(st.b, &a, NULL, &created, err, sizeof(err));
	ck_assert_int_eq(gw, 0);
	ck_assert_int_eq(created, 1);
	ck_assert(fake_kb_member(set_of(0), &a, NULL));
	/* Again: kept, same gateway, still in its set. */
	ck_assert_int_eq(bindings_bind(st.b, &a, NULL, &created, err, sizeof(err)), 0);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(fake_kb_set_members(set_of(0)), 1);
	ck_assert_int_eq(bindings_release(st.b, &a), 0);
	ck_assert(!fake_kb_member(set_of(0), &a, NULL));
	ck_assert_int_eq(bindings_release(st.b, &a), -1);
	ck_assert_uint_eq(bindings_counters(st.b)->binds_hook, 1);
	ck_assert_uint_eq(bindings_counters(st.b)->releases, 1);
}
END_TEST

START_TEST(test_weighted_order)
{
	static const int want[] = { 0, 1, 2, 2, 0, 1, 2, 2 };
	unsigned i;

	for (i = 0; i < 8; i++)
		ck_assert_int_eq(bind_one(10 + i), want[i]);
	ck_assert_int_eq(fake_kb_set_members(set_of(0)), 2);
	ck_assert_int_eq(fake_kb_set_members(set_of(1)), 2);
	ck_assert_int_eq(fake_kb_set_members(set_of(2)), 4);
}
END_TEST

START_TEST(test_move_new_set_first)
{
	struct nfqlb_addr a = client(20);

	ck_assert_int_eq(bind_one(20), 0);
	ck_assert_int_eq(bindings_move(st.b, &a, 0, 2), 0);
	ck_assert(fake_kb_member(set_of(2), &a, NULL));
	ck_assert(!fake_kb_member(set_of(0), &a, NULL));
	ck_assert_int_eq(balance_lookup(bindings_table(st.b), &a), 2);
}
END_TEST

START_TEST(test_bind_refused_by_kernel)
{
	struct nfqlb_addr a = client(30);
	char err[256];
	int created;

	fake_kb_fail_adds(1);
	ck_assert_int_eq(bindings_bind(st.b, &a, NULL, &created, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot bind 172.28.3.30"));
	/* Never half-bound. */
	ck_assert_int_eq(balance_lookup(bindings_table(st.b), &a), -1);
	ck_assert_uint_eq(kmirror_set_errors(st.km), 1);
	ck_assert_int_eq(bind_one(30), 0);
}
END_TEST

START_TEST(test_packet_batch)
{
	struct nfqlb_addr src[4] = { client(40), client(41), client(40), client(0) };
	struct queue_result res[4];

	memset(res, 0, sizeof(res));
	bindings_packet_batch(src, 4, res, st.b);
	/* 40 bound by its first packet and found by its second; .0 is no host. */
	ck_assert_int_eq(res[0].set, 1);
	ck_assert_uint_eq(res[0].gw_mark, BASE + 0);
	ck_assert_uint_eq(res[1].gw_mark, BASE + 1);
	ck_assert_uint_eq(res[2].gw_mark, BASE + 0);
	ck_assert_int_eq(res[3].set, 0);
	ck_assert_uint_eq(bindings_counters(st.b)->non_host, 1);
	ck_assert_uint_eq(bindings_counters(st.b)->binds_packet, 2);
	/* The set adds wait for the flush, sent before the verdicts. */
	ck_assert_uint_gt(fake_kb_pending(), 0);
	ck_assert(!fake_kb_member(set_of(0), &src[0], NULL));
	bindings_packet_flush(st.b);
	ck_assert_uint_eq(fake_kb_pending(), 0);
	ck_assert(fake_kb_member(set_of(0), &src[0], NULL));
	ck_assert(fake_kb_member(set_of(1), &src[1], NULL));
}
END_TEST

START_TEST(test_hold_expires)
{
	struct nfqlb_addr a = client(50);
	struct queue_result res = { 0 };
	time_t t0 = time(NULL);

	ck_assert_int_eq(bind_one(50), 0);
	bindings_release(st.b, &a);
	bindings_hold(st.b, &a);
	/* Its own packets do not bind it again while held... */
	bindings_packet_batch(&a, 1, &res, st.b);
	ck_assert_int_eq(res.set, 0);
	ck_assert_uint_eq(bindings_counters(st.b)->binds_held, 1);
	/* ... until release_hold (1 s) is over. */
	while (time(NULL) <= t0 + 1 && time(NULL) < t0 + 5)
		usleep(50000);
	bindings_tick(st.b);
	bindings_packet_batch(&a, 1, &res, st.b);
	ck_assert_int_eq(res.set, 1);
}
END_TEST

START_TEST(test_failover_evacuates)
{
	struct nfqlb_addr a;
	unsigned i, moved_to_0 = 0;

	for (i = 0; i < 8; i++)
		bind_one(60 + i);
	failover_verdict(st.fo, 1, HEALTH_DOWN);
	failover_tick(st.fo);
	ck_assert_str_eq(failover_state(st.fo, 1), "down");
	ck_assert(!fake_kb_rule(PRIO + 1, BASE + 1));	/* its LAN rule out */
	ck_assert(fake_kb_rule(PRIO + BALANCE_MAX_GW + 1, BASE + 1)); /* probes go on */
	ck_assert_int_eq(fake_kb_set_members(set_of(1)), 0);
	ck_assert_uint_eq(balance_gw_clients(bindings_table(st.b), 1), 0);
	for (i = 0; i < 8; i++) {
		a = client(60 + i);
		ck_assert_int_ne(balance_lookup(bindings_table(st.b), &a), 1);
		moved_to_0 += balance_lookup(bindings_table(st.b), &a) == 0;
	}
	ck_assert_uint_eq(moved_to_0 + balance_gw_clients(bindings_table(st.b), 2), 8);
	ck_assert_uint_eq(failover_counters(st.fo)->failovers, 1);
	ck_assert_uint_eq(bindings_counters(st.b)->rebinds, 2);
	/* New clients avoid it; back up, its rule is back and it takes clients. */
	ck_assert_int_ne(bind_one(90), 1);
	failover_verdict(st.fo, 1, HEALTH_UP);
	failover_tick(st.fo);
	ck_assert_str_eq(failover_state(st.fo, 1), "up");
	ck_assert(fake_kb_rule(PRIO + 1, BASE + 1));
	ck_assert_int_eq(bind_one(91), 1);
	ck_assert_uint_eq(failover_counters(st.fo)->failbacks, 1);
}
END_TEST

START_TEST(test_all_down_held)
{
	unsigned i;

	for (i = 0; i < 6; i++)
		bind_one(70 + i);
	for (i = 0; i < 3; i++)
		failover_verdict(st.fo, i, HEALTH_DOWN);
	failover_tick(st.fo);	/* one turn: judged together */
	/* Every gateway failing together: held, nobody moved. */
	ck_assert_int_eq(failover_probe_outage(st.fo), 1);
	for (i = 0; i < 3; i++)
		ck_assert(fake_kb_rule(PRIO + i, BASE + i));
	ck_assert_uint_eq(bindings_counters(st.b)->rebinds, 0);
}
END_TEST

START_TEST(test_topology_add_weight_drain_del)
{
	struct conf_gw g;
	char err[256];
	int slot, i;

	ck_assert_int_eq(conf_check_gw(&st.conf, "wan4", "10.0.4.1", "eth4", "3", &g, err,
				       sizeof(err)), 0);
	slot = topology_gw_add(st.topo, &g, err, sizeof(err));
	ck_assert_int_eq(slot, 3);
	ck_assert(fake_kb_set_exists("nfqlb-wan4"));
	ck_assert_int_eq(fake_kb_routes(BASE + 3), 3);
	ck_assert(fake_kb_rule(PRIO + 3, BASE + 3));
	failover_verdict(st.fo, 3, HEALTH_UP);
	failover_tick(st.fo);
	for (i = 0; i < 10; i++)
		bind_one(100 + (unsigned)i);
	ck_assert_uint_gt(balance_gw_clients(bindings_table(st.b), 3), 0);
	/* Drained: no new client, its own keep their binding. */
	ck_assert_int_eq(topology_set_weight(st.topo, 3, 0), 0);
	ck_assert_str_eq(failover_state(st.fo, 3), "drained");
	for (i = 0; i < 10; i++)
		ck_assert_int_ne(bind_one(120 + (unsigned)i), 3);
	/* Removed: clients moved to the others, its rule, routes and set gone. */
	ck_assert_int_eq(topology_gw_del(st.topo, 3, err, sizeof(err)), 0);
	ck_assert_uint_eq(balance_gw_clients(bindings_table(st.b), 3), 0);
	ck_assert(!fake_kb_set_exists("nfqlb-wan4"));
	ck_assert(!fake_kb_rule(PRIO + 3, BASE + 3));
	ck_assert_int_eq(fake_kb_routes(BASE + 3), 0);
	ck_assert_int_eq(conf_gw_find(&st.conf, "wan4"), -1);
	ck_assert_int_eq(topology_gw_del(st.topo, 3, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_reload)
{
	char err[512];

	/* A new gateway and a new weight: applied. */
	ck_assert_int_eq(stack_write_conf(&st, LAN HEALTH
		"gateways = (\n"
		"  { name = \"wan1\"; address = \"10.0.1.1\"; interface = \"eth0\"; weight = 5;\n"
		"    bandwidth = { down = 20000; }; },\n"
		"  { name = \"wan2\"; address = \"10.0.2.1\"; interface = \"eth2\"; },\n"
		"  { name = \"wan3\"; address = \"10.0.3.1\"; interface = \"eth3\"; weight = 2; },\n"
		"  { name = \"wan5\"; address = \"10.0.5.1\"; interface = \"eth5\"; } );\n"
		"balance = { policy = \"load\"; rebalance_idle = true; };\n"
		"clients = { max = 1024; release_hold = 1; state_dir = \"@DIR@\"; };\n"), 0);
	ck_assert_int_eq(topology_reload(st.topo, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_gw_find(&st.conf, "wan5"), 3);
	ck_assert_uint_eq(balance_gw_weight(bindings_table(st.b), 0), 5);
	ck_assert_int_eq(st.conf.policy, CONF_POLICY_LOAD);	/* the balance group too */
	ck_assert_int_eq(st.conf.rebalance_idle, 1);
	ck_assert_uint_eq(st.conf.gw[0].bw_down, 20000);
	ck_assert(fake_kb_set_exists("nfqlb-wan5"));
	/* A setting only a restart applies: refused, named, nothing changed. */
	ck_assert_int_eq(stack_write_conf(&st, "lan = { interface = \"eth9\"; "
		"network = \"172.28.3.0/24\"; };\n" HEALTH GW3
		"clients = { max = 1024; release_hold = 1; state_dir = \"@DIR@\"; };\n"), 0);
	ck_assert_int_eq(topology_reload(st.topo, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "lan.interface changed"));
	ck_assert_str_eq(st.conf.lan_if, "eth1");
	ck_assert_int_eq(conf_gw_find(&st.conf, "wan5"), 3);
	/* A bad file: refused, the first error named. */
	ck_assert_int_eq(stack_write_conf(&st, "gateways = 3;\n"), 0);
	ck_assert_int_eq(topology_reload(st.topo, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "error"));
	ck_assert_uint_eq(topology_counters(st.topo)->reloads, 1);
	ck_assert_uint_eq(topology_counters(st.topo)->reload_errors, 2);
}
END_TEST

START_TEST(test_repair_after_flush)
{
	char what[1024], err[512];
	unsigned i;
	int n;

	for (i = 0; i < 12; i++)
		bind_one(130 + i);
	failover_verdict(st.fo, 2, HEALTH_DOWN);	/* its LAN rule stays out */
	failover_tick(st.fo);
	fake_kb_flush();
	n = topology_repair(st.topo, 1, what, sizeof(what), err, sizeof(err));
	ck_assert_int_gt(n, 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(fake_kb_set_members(set_of(i)),
				 balance_gw_clients(bindings_table(st.b), i));
		ck_assert_int_eq(fake_kb_routes(BASE + i), 3);
		ck_assert(fake_kb_rule(PRIO + BALANCE_MAX_GW + i, BASE + i));
	}
	ck_assert(fake_kb_rule(PRIO + 0, BASE + 0));
	ck_assert(!fake_kb_rule(PRIO + 2, BASE + 2));	/* failover's wish kept */
	ck_assert(fake_kb_steered());
	ck_assert_uint_eq(topology_counters(st.topo)->repairs, 1);
	/* Nothing missing now. */
	ck_assert_int_eq(topology_repair(st.topo, 1, what, sizeof(what), err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_ha_adopt)
{
	struct nfqlb_addr a = client(150);

	/* What the master's conntrack says: slot 2, whatever the weights. */
	ck_assert_int_eq(bindings_adopt(st.b, &a, 2), 0);
	ck_assert(fake_kb_member(set_of(2), &a, NULL));
	ck_assert_int_eq(balance_lookup(bindings_table(st.b), &a), 2);
	ck_assert_int_eq(hafp_learn_decide(&st.conf, a.v4, BASE + 2, 2), HA_SKIP_BOUND);
}
END_TEST

START_TEST(test_sync_through_commands)
{
	char line[128];
	unsigned id;
	char *s;

	bind_one(160);		/* not listed: released */
	s = ask("sync begin");
	ck_assert_ptr_nonnull(strstr(s, "OK 1"));
	ck_assert_int_eq(sscanf(strstr(s, "sync=") + 5, "%u", &id), 1);
	snprintf(line, sizeof(line), "sync add %u 172.28.3.161 user=alice", id);
	ck_assert_ptr_nonnull(strstr(ask(line), "OK 0"));
	snprintf(line, sizeof(line), "sync end %u", id);
	s = ask(line);
	ck_assert_ptr_nonnull(strstr(s, "bound=1"));
	ck_assert_ptr_nonnull(strstr(s, "released=1"));
	ck_assert_uint_eq(sync_count(st.sync), 1);
	s = ask("list");
	ck_assert_ptr_nonnull(strstr(s, "172.28.3.161"));
	ck_assert_ptr_null(strstr(s, "172.28.3.160"));
}
END_TEST

START_TEST(test_commands_read_layers)
{
	char *s;

	bind_one(170);
	s = ask("gateways");
	ck_assert_ptr_nonnull(strstr(s, "OK 3"));
	ck_assert_ptr_nonnull(strstr(s, "name=wan3"));
	ck_assert_ptr_nonnull(strstr(s, "state=up"));
	s = ask("stats");
	ck_assert_ptr_nonnull(strstr(s, "clients=1"));
	ck_assert_ptr_nonnull(strstr(s, "binds_hook=1"));
	s = ask("drain wan2");
	ck_assert_ptr_nonnull(strstr(s, "state=drained"));
	s = ask("repair");
	ck_assert_ptr_nonnull(strstr(s, "repaired=0"));
}
END_TEST

START_TEST(test_unpinned_map)
{
	struct nfqlb_addr a = client(180);
	uint32_t mark = 0;
	const char *map;

	ck_assert_int_eq(stack_init(&st, conf3_unpinned), 0);
	all_up();
	map = kmirror_map_name(st.km);
	ck_assert_str_eq(map, "nfqlb-.map");
	ck_assert_int_eq(bind_one(180), 0);
	ck_assert(fake_kb_member(map, &a, &mark));
	ck_assert_uint_eq(mark, BASE + 0);
	/* A move rewrites the mark in place; a release takes it out. */
	bindings_move(st.b, &a, 0, 2);
	ck_assert(fake_kb_member(map, &a, &mark));
	ck_assert_uint_eq(mark, BASE + 2);
	bindings_release(st.b, &a);
	ck_assert(!fake_kb_member(map, &a, NULL));
	stack_free(&st);
}
END_TEST

/* The uplinks (daemon/uplink.c) over the fake kernel's links. */
static int answer_has(const char *line, const char *what)
{
	return strstr(ask(line), what) != NULL;
}

START_TEST(test_uplink_lost_and_back)
{
	struct nfqlb_addr a;
	unsigned i;

	for (i = 0; i < 12; i++)
		bind_one(160 + i);
	ck_assert_uint_gt(balance_gw_clients(bindings_table(st.b), 1), 0);
	/* eth2 down: the kernel drops its routes, the last resort stays. */
	ck_assert_int_eq(fake_kb_link("eth2", 1, 0, 0, NULL), 0);
	ck_assert_int_eq(fake_kb_routes(BASE + 1), 1);
	uplink_audit(st.up);
	ck_assert_str_eq(failover_state(st.fo, 1), "no-link");
	ck_assert_str_eq(uplink_link(st.up, 1), "admin-down");
	ck_assert(!fake_kb_rule(PRIO + 1, BASE + 1));		/* its LAN rule out */
	ck_assert_int_eq(fake_kb_routes(BASE + 1), 1);
	ck_assert(fake_kb_last_resort(BASE + 1));	/* nothing falls through */
	/* Its users moved, as for any outage; new ones go elsewhere. */
	ck_assert_uint_eq(balance_gw_clients(bindings_table(st.b), 1), 0);
	ck_assert_int_eq(fake_kb_set_members(set_of(1)), 0);
	for (i = 0; i < 12; i++) {
		a = client(160 + i);
		ck_assert_int_ne(balance_lookup(bindings_table(st.b), &a), 1);
	}
	ck_assert_int_ne(bind_one(180), 1);
	ck_assert_uint_eq(uplink_counters(st.up)->link_losses, 1);
	ck_assert(answer_has("gateways", "state=no-link link=admin-down"));
	ck_assert(answer_has("stats", "link_losses=1 link_returns=0"));
	/* Audited again with nothing new: nothing logged or counted twice. */
	uplink_audit(st.up);
	ck_assert_uint_eq(uplink_counters(st.up)->link_losses, 1);
	/* Back: its routes at once; in use once its probes say up. */
	ck_assert_int_eq(fake_kb_link("eth2", 1, 1, 0, NULL), 0);
	uplink_audit(st.up);
	ck_assert_str_eq(uplink_link(st.up, 1), "ok");
	ck_assert_int_eq(fake_kb_routes(BASE + 1), 3);
	ck_assert_str_ne(failover_state(st.fo, 1), "no-link");
	failover_verdict(st.fo, 1, HEALTH_UP);
	failover_tick(st.fo);
	ck_assert_str_eq(failover_state(st.fo, 1), "up");
	ck_assert(fake_kb_rule(PRIO + 1, BASE + 1));
	ck_assert_int_eq(bind_one(181), 1);	/* the least loaded takes the next */
	ck_assert_uint_eq(uplink_counters(st.up)->link_returns, 1);
}
END_TEST

/* A re-created interface (new index): the routes follow it. */
START_TEST(test_uplink_recreated)
{
	ck_assert_int_eq(fake_kb_link("eth3", 0, 0, 0, NULL), 0);
	uplink_audit(st.up);
	ck_assert_str_eq(uplink_link(st.up, 2), "missing");
	ck_assert_str_eq(failover_state(st.fo, 2), "no-link");
	ck_assert_int_eq(fake_kb_routes(BASE + 2), 1);
	ck_assert_int_eq(fake_kb_link("eth3", 1, 1, 77, NULL), 0);
	uplink_audit(st.up);
	ck_assert_int_eq(fake_kb_routes(BASE + 2), 3);
	/* Its routes are through index 77: eth3 down again drops them. */
	ck_assert_int_eq(fake_kb_link("eth3", 1, 0, 77, NULL), 0);
	ck_assert_int_eq(fake_kb_routes(BASE + 2), 1);
	uplink_audit(st.up);
	ck_assert_str_eq(failover_state(st.fo, 2), "no-link");
	ck_assert_uint_eq(uplink_counters(st.up)->link_losses, 2);
	ck_assert_uint_eq(uplink_counters(st.up)->link_returns, 1);
}
END_TEST

/* A bounce the audits did not see (down and up in between): the routes come back. */
START_TEST(test_uplink_unseen_bounce)
{
	ck_assert_int_eq(fake_kb_link("eth0", 1, 0, 0, NULL), 0);
	ck_assert_int_eq(fake_kb_link("eth0", 1, 1, 0, NULL), 0);
	ck_assert_int_eq(fake_kb_routes(BASE + 0), 1);
	uplink_audit(st.up);
	ck_assert_int_eq(fake_kb_routes(BASE + 0), 3);
	ck_assert_str_eq(failover_state(st.fo, 0), "up");
}
END_TEST

/* The kernel not answering about links: the verdict stands. */
START_TEST(test_uplink_no_answer)
{
	fake_kb_fail_links(1);
	uplink_audit(st.up);
	ck_assert_str_eq(uplink_link(st.up, 0), "ok");
	ck_assert_str_eq(failover_state(st.fo, 0), "up");
	fake_kb_fail_links(0);
}
END_TEST

/* A gateway whose interface is missing at start, then appears. */
START_TEST(test_uplink_late_interface)
{
	static const char conf_late[] = LAN HEALTH "gateways = (\n"
		"  { name = \"wan1\"; address = \"10.0.1.1\"; interface = \"eth0\"; },\n"
		"  { name = \"wan2\"; address = \"10.0.2.1\"; interface = \"eth2\"; },\n"
		"  { name = \"lte\"; address = \"10.0.9.1\"; interface = \"missing9\"; } );\n"
		"clients = { max = 1024; state_dir = \"@DIR@\"; };\n";
	unsigned i;

	ck_assert_int_eq(stack_init(&st, conf_late), 0);
	for (i = 0; i < 3; i++)
		failover_verdict(st.fo, i, HEALTH_UP);
	failover_tick(st.fo);
	ck_assert_str_eq(failover_state(st.fo, 0), "up");
	ck_assert_str_eq(failover_state(st.fo, 2), "no-link");
	ck_assert_str_eq(uplink_link(st.up, 2), "missing");
	ck_assert_int_eq(fake_kb_routes(BASE + 2), 1);	/* the last resort alone */
	ck_assert(!fake_kb_rule(PRIO + 2, BASE + 2));
	for (i = 0; i < 10; i++)
		ck_assert_int_ne(bind_one(190 + i), 2);
	ck_assert(answer_has("gateways", "name=lte"));
	/* It appears: taken in, no restart, no reload. */
	ck_assert_int_eq(fake_kb_link("missing9", 1, 1, 0, NULL), 0);
	uplink_audit(st.up);
	ck_assert_str_eq(uplink_link(st.up, 2), "ok");
	ck_assert_int_eq(fake_kb_routes(BASE + 2), 3);
	failover_verdict(st.fo, 2, HEALTH_UP);
	failover_tick(st.fo);
	ck_assert_str_eq(failover_state(st.fo, 2), "up");
	ck_assert(fake_kb_rule(PRIO + 2, BASE + 2));
	ck_assert_int_eq(bind_one(200), 2);
	stack_free(&st);
}
END_TEST

/* address = "dhcp": the next hop is main's default via the interface. */
START_TEST(test_uplink_learned_nexthop)
{
	static const char conf_dhcp[] = LAN "gateways = (\n"
		"  { name = \"wan1\"; address = \"10.0.1.1\"; interface = \"eth0\"; },\n"
		"  { name = \"isp\"; address = \"dhcp\"; interface = \"eth5\"; } );\n"
		"clients = { max = 1024; state_dir = \"@DIR@\"; };\n";
	char buf[INET_ADDRSTRLEN];

	ck_assert_int_eq(stack_init(&st, conf_dhcp), 0);
	/* No lease yet: no next hop, no-link. */
	ck_assert_str_eq(uplink_link(st.up, 1), "no-nexthop");
	ck_assert_str_eq(failover_state(st.fo, 1), "no-link");
	ck_assert_str_eq(uplink_nexthop(st.up, 1, buf, sizeof(buf)), "-");
	ck_assert_str_eq(uplink_nexthop(st.up, 0, buf, sizeof(buf)), "10.0.1.1");
	/* A lease: in use at once (not probed), routes through it. */
	ck_assert_int_eq(fake_kb_link("eth5", 1, 1, 0, "10.0.5.1"), 0);
	uplink_audit(st.up);
	ck_assert_str_eq(failover_state(st.fo, 1), "up");
	ck_assert_str_eq(uplink_nexthop(st.up, 1, buf, sizeof(buf)), "10.0.5.1");
	ck_assert_int_eq(fake_kb_routes(BASE + 1), 3);
	ck_assert(answer_has("gateways", "address=10.0.5.1"));
	/* The lease changes the router: followed. */
	ck_assert_int_eq(fake_kb_link("eth5", 1, 1, 0, "10.0.5.254"), 0);
	uplink_audit(st.up);
	ck_assert_str_eq(uplink_nexthop(st.up, 1, buf, sizeof(buf)), "10.0.5.254");
	ck_assert_int_eq(fake_kb_routes(BASE + 1), 3);
	/* Gone: no-link again, the last resort alone. */
	ck_assert_int_eq(fake_kb_link("eth5", 1, 1, 0, NULL), 0);
	uplink_audit(st.up);
	ck_assert_str_eq(failover_state(st.fo, 1), "no-link");
	ck_assert_int_eq(fake_kb_routes(BASE + 1), 1);
	stack_free(&st);
}
END_TEST

static Suite *daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("layers");

	tcase_add_checked_fixture(tc, up3, down);
	tcase_add_test(tc, test_start_kernel);
	tcase_add_test(tc, test_bind_release);
	tcase_add_test(tc, test_weighted_order);
	tcase_add_test(tc, test_move_new_set_first);
	tcase_add_test(tc, test_bind_refused_by_kernel);
	tcase_add_test(tc, test_packet_batch);
	tcase_add_test(tc, test_hold_expires);
	tcase_add_test(tc, test_failover_evacuates);
	tcase_add_test(tc, test_all_down_held);
	tcase_add_test(tc, test_topology_add_weight_drain_del);
	tcase_add_test(tc, test_reload);
	tcase_add_test(tc, test_repair_after_flush);
	tcase_add_test(tc, test_ha_adopt);
	tcase_add_test(tc, test_sync_through_commands);
	tcase_add_test(tc, test_commands_read_layers);
	tcase_add_test(tc, test_uplink_lost_and_back);
	tcase_add_test(tc, test_uplink_recreated);
	tcase_add_test(tc, test_uplink_unseen_bounce);
	tcase_add_test(tc, test_uplink_no_answer);
	suite_add_tcase(s, tc);
	tc = tcase_create("uplinks");
	tcase_add_test(tc, test_uplink_late_interface);
	tcase_add_test(tc, test_uplink_learned_nexthop);
	suite_add_tcase(s, tc);
	tc = tcase_create("unpinned");
	tcase_add_test(tc, test_unpinned_map);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(daemon_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
