// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_conf.c - the configuration parser: defaults, every kind of bad
 * value named in its message, all errors reported at once.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "conf/conf.h"
#include "kernel/ownaddr.h"

#define GOOD_LAN "lan = { interface = \"eth1\"; network = \"192.168.182.0/24\"; };\n"
#define GW(n, a, w) "{ name = \"" n "\"; address = \"" a "\"; interface = \"eth0\"; weight = " #w "; }"

static struct conf c;
static struct conf_errors e;

static int load(const char *text)
{
	return conf_load_string(text, "test.conf", &c, &e);
}

/* Does any error message contain want? */
static int has_error(const char *want)
{
	unsigned i;

	for (i = 0; i < e.count && i < CONF_MAX_ERRORS; i++)
		if (strstr(e.msg[i], want))
			return 1;
	return 0;
}

#define ck_assert_error(want) \
	ck_assert_msg(has_error(want), "no error containing \"%s\" (got %u: %s)", \
		      want, e.count, e.count ? e.msg[0] : "")

START_TEST(test_minimal_defaults)
{
	char set[32];

	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");"), 0);
	ck_assert_str_eq(c.lan_if, "eth1");
	ck_assert_uint_eq(c.lan_net.plen, 24);
	ck_assert_uint_eq(c.ngw, 1);
	ck_assert_uint_eq(c.mark_base, 200);
	ck_assert_uint_eq(c.mark_mask, 0xff);
	ck_assert_uint_eq(c.queue_num, 0);
	ck_assert_uint_eq(c.copy_range, 40);
	ck_assert_uint_eq(c.max_clients, 65536);
	ck_assert_int_eq(c.fail_open, 1);
	ck_assert_int_eq(c.keep_on_exit, 0);
	ck_assert_int_eq(c.pin_connections, 1);
	conf_set_name(&c, 0, set, sizeof(set));
	ck_assert_str_eq(set, "nfqlb-a");
	ck_assert_uint_eq(conf_gw_mark(&c, 0), 200);
}
END_TEST

/* nfqlb-web's group is nfqlb-web's: nfqlbd accepts it, whatever is in it. */
START_TEST(test_web_group_ignored)
{
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");"
			      "web = { listen = \"127.0.0.1:9733\"; interval = 5; anything = 1; };"), 0);
	ck_assert_uint_eq(c.ngw, 1);
}
END_TEST

START_TEST(test_full)
{
	char set[32];

	ck_assert_int_eq(load(GOOD_LAN
		"queue = { number = 3; max_len = 100; socket_buffer = 100000; copy_range = 60; fail_open = false; };\n"
		"marks = { base = 16; mask = 0x3f; rule_priority = 500; };\n"
		"clients = { max = 10; set_prefix = \"lb_\"; };\n"
		"keep_on_exit = true;\n"
		"pin_connections = false;\n"
		"gateways = (" GW("a", "10.0.0.1", 1) "," GW("b", "10.0.0.2", 0) ");"), 0);
	ck_assert_uint_eq(c.queue_num, 3);
	ck_assert_uint_eq(c.mark_base, 16);
	ck_assert_uint_eq(c.gw[1].weight, 0);
	ck_assert_int_eq(c.fail_open, 0);
	ck_assert_int_eq(c.keep_on_exit, 1);
	ck_assert_str_eq(c.set_prefix, "lb_");
	ck_assert_int_eq(c.pin_connections, 0);
	conf_map_set_name(&c, set, sizeof(set));
	/* No gateway can be called ".map": never a gateway's set name. */
	ck_assert_str_eq(set, "lb_.map");
}
END_TEST

START_TEST(test_all_errors_at_once)
{
	int n = load("lan = { interface = \"a/b\"; network = \"10.0.0.1/24\"; x = 1; };\n"
		     "queue = { number = 70000; };\n"
		     "bogus = 1;\n"
		     "gateways = (" GW("a", "10.0.0.1", -1) "," GW("a b", "1.2.3", 1)
		     "," GW("c", "10.0.0.1", 1) ");");

	ck_assert_int_ge(n, 7);
	ck_assert_error("lan.interface = \"a/b\"");
	ck_assert_error("lan.network = \"10.0.0.1/24\"");
	ck_assert_error("unknown setting 'lan.x'");
	ck_assert_error("queue.number = 70000 is out of range");
	ck_assert_error("unknown setting 'bogus'");
	ck_assert_error("gateway 1 weight = -1");
	ck_assert_error("gateway 2 name = \"a b\"");
	ck_assert_error("gateway 2 address = \"1.2.3\"");
	ck_assert_error("gateway 3 address 10.0.0.1 duplicates gateway 1");
	ck_assert_error("test.conf: ");
}
END_TEST

/*
 * Every error about something in the file names its line: only a
 * missing group (nothing to point at) and an unreadable file do not.
 */
static void ck_every_error_has_a_line(void)
{
	unsigned i;

	for (i = 0; i < e.count && i < CONF_MAX_ERRORS; i++)
		ck_assert_msg(strstr(e.msg[i], "test.conf: line ") == e.msg[i] &&
			      !strstr(e.msg[i], "line 0:"),
			      "error without its line: %s", e.msg[i]);
}

START_TEST(test_lines)
{
	int n = load("lan = {\n"
		     "  interface = \"abcdefghijklmnopq\";\n"
		     "  network = \"192.168.182.1/24\";\n"
		     "};\n"
		     "gateways = (\n"
		     "  " GW("a", "10.0.0.1", 0) ",\n"
		     "  { name = \"b\"; address = \"10.0.0.2\"; interface = \"eth0\"; weight = 0;\n"
		     "    targets = [ \"icmp:10.9.9.9\" ]; }\n"
		     ");\n"
		     "health = {\n"
		     "  interval = 300;\n"
		     "  timeout = 400;\n"
		     "  loss_down = 10; loss_up = 50;\n"
		     "  rtt_down = 100;\n"
		     "  rtt_up = 200;\n"
		     "  min_ok = 2;\n"
		     "  targets = [ \"icmp:10.9.9.8\", \"icmp:10.9.9.7\" ];\n"
		     "};\n");

	ck_assert_int_eq(n, 7);
	ck_assert_error("test.conf: line 2: lan.interface = \"abcdefghijklmnopq\" is not a valid interface name");
	ck_assert_error("test.conf: line 3: lan.network = \"192.168.182.1/24\" is not an IPv4 network");
	ck_assert_error("test.conf: line 5: every gateway has weight 0");
	ck_assert_error("test.conf: line 12: health.timeout = 400 must not exceed health.interval = 300");
	ck_assert_error("test.conf: line 13: health.loss_up = 50 must not exceed");
	ck_assert_error("test.conf: line 15: health.rtt_up = 200 must be 1..health.rtt_down = 100");
	ck_assert_error("test.conf: line 16: health.min_ok = 2 but gateway 2 (b) has only 1");
	ck_every_error_has_a_line();

	/* A bad prefix, a network too wide; the interval alone too short. */
	load("lan = { interface = \"eth1\";\n network = \"192.168.182.0/33\"; };\n"
	     "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
	     "health = {\n interval = 100; };\n");
	ck_assert_error("test.conf: line 2: lan.network = \"192.168.182.0/33\" is not an IPv4 network");
	ck_assert_error("test.conf: line 5: health.timeout = 1000 must not exceed health.interval = 100");
	ck_every_error_has_a_line();
	load("lan = { interface = \"eth1\";\n\n network = \"0.0.0.0/0\"; };\n"
	     "gateways = (" GW("a", "10.0.0.1", 1) ");\n");
	ck_assert_error("test.conf: line 3: lan.network = \"0.0.0.0/0\" is too wide");
	ck_every_error_has_a_line();

	/* Marks: the line of marks.base, or of the group, or of the gateways. */
	load(GOOD_LAN "marks = {\n  base = 250;\n};\ngateways = (" GW("a", "10.0.0.1", 1) ","
	     GW("b", "10.0.0.2", 1) "," GW("c", "10.0.0.3", 1) "," GW("d", "10.0.0.4", 1) ","
	     GW("e", "10.0.0.5", 1) "," GW("f", "10.0.0.6", 1) "," GW("g", "10.0.0.7", 1) ");");
	ck_assert_error("test.conf: line 3: marks.base = 250: gateway 7's mark");
	ck_every_error_has_a_line();
	load(GOOD_LAN "marks = { base = 252;\n mask = 0xffff; };\ngateways = (" GW("a", "10.0.0.1", 1)
	     "," GW("b", "10.0.0.2", 1) ");");
	ck_assert_error("test.conf: line 2: marks.base = 252: gateway 2 would use routing table 253");
	ck_every_error_has_a_line();
	load(GOOD_LAN "marks = { base = 4294967295;\n mask = 0xffffffff; };\n"
	     "gateways = (" GW("a", "10.0.0.1", 1) "," GW("b", "10.0.0.2", 1) ");");
	ck_assert_error("test.conf: line 2: marks.base = 4294967295: gateway marks");
	ck_every_error_has_a_line();

	/* What has no line: nothing in the file to point at. */
	load("");
	ck_assert_error("test.conf: lan { interface; network; } is required: the file has no lan group");
	ck_assert_error("test.conf: gateways = ( { name; address; interface; weight; }, ... ) is required: the file has no gateways list");
}
END_TEST

/* address: none (point-to-point), "dhcp" or an IP; last_resort. */
START_TEST(test_uplinks)
{
	char buf[32];

	ck_assert_int_eq(load(GOOD_LAN
		"gateways = ( { name = \"p\"; interface = \"tun0\"; },\n"
		"  { name = \"d\"; address = \"dhcp\"; interface = \"eth1\"; last_resort = \"main\"; },\n"
		"  { name = \"e\"; address = \"dhcp\"; interface = \"eth2\"; },\n"
		"  " GW("a", "10.0.0.1", 1) " );"), 0);
	ck_assert_int_eq(c.last_resort, CONF_LR_UNREACHABLE);
	ck_assert_int_eq(c.gw[0].nh, LINKSTATE_NH_DEV);
	ck_assert_int_eq(c.gw[1].nh, LINKSTATE_NH_LEARNED);
	ck_assert_int_eq(c.gw[2].nh, LINKSTATE_NH_LEARNED);
	ck_assert_int_eq(c.gw[3].nh, LINKSTATE_NH_ADDR);
	ck_assert_uint_eq(c.gw[0].addr.s_addr, 0);
	ck_assert_int_eq(c.gw[0].last_resort, CONF_LR_UNREACHABLE);
	ck_assert_int_eq(c.gw[1].last_resort, CONF_LR_MAIN);
	ck_assert_str_eq(conf_gw_address(&c.gw[0], buf, sizeof(buf)), "");
	ck_assert_str_eq(conf_gw_address(&c.gw[1], buf, sizeof(buf)), "dhcp");
	ck_assert_str_eq(conf_gw_address(&c.gw[3], buf, sizeof(buf)), "10.0.0.1");
	ck_assert_str_eq(conf_last_resort_name(c.gw[1].last_resort), "main");
	ck_assert_str_eq(conf_last_resort_name(c.gw[0].last_resort), "unreachable");
	/* The top-level default, overridden per gateway. */
	ck_assert_int_eq(load(GOOD_LAN "last_resort = \"main\";\n"
		"gateways = ( " GW("a", "10.0.0.1", 1) ",\n"
		"  { name = \"b\"; address = \"10.0.0.2\"; interface = \"e\"; last_resort = \"unreachable\"; } );"), 0);
	ck_assert_int_eq(c.gw[0].last_resort, CONF_LR_MAIN);
	ck_assert_int_eq(c.gw[1].last_resort, CONF_LR_UNREACHABLE);
	/* Bad values: named with their line. */
	load(GOOD_LAN "last_resort = \"drop\";\n"
	     "gateways = ( { name = \"a\"; address = \"dhcpx\"; interface = \"e\";\n"
	     "  last_resort = 3; } );");
	ck_assert_error("line 2: last_resort = \"drop\" must be \"unreachable\" or \"main\"");
	ck_assert_error("line 3: gateway 1 address = \"dhcpx\" is not a unicast IPv4 address or \"dhcp\"");
	ck_assert_error("gateway 1 last_resort must be a string, not an integer");
}
END_TEST

START_TEST(test_types)
{
	load(GOOD_LAN "marks = { base = \"200\"; };\nqueue = { fail_open = 1; };\n"
	     "pin_connections = \"no\";\n"
	     "gateways = ( { name = 1; address = \"10.0.0.1\"; interface = \"e\"; weight = \"2\"; } );");
	ck_assert_error("marks.base must be an integer, not a string");
	ck_assert_error("queue.fail_open must be true or false");
	ck_assert_error("pin_connections must be true or false, not a string");
	ck_assert_error("gateway 1 name must be a string, not an integer");
	ck_assert_error("gateway 1 weight must be an integer, not a string");
}
END_TEST

START_TEST(test_required)
{
	load("");
	ck_assert_error("lan { interface; network; } is required");
	ck_assert_error("gateways = (");
	load(GOOD_LAN "gateways = ();");
	ck_assert_error("gateways is empty");
	load(GOOD_LAN "gateways = ( { name = \"a\"; } );");
	ck_assert_error("gateway 1 interface is required");
	ck_assert_int_eq(has_error("gateway 1 address"), 0);	/* point-to-point */
	ck_assert_error("gateway 1 interface is required");
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 0) ");");
	ck_assert_error("every gateway has weight 0");
}
END_TEST

START_TEST(test_marks)
{
	load(GOOD_LAN "marks = { base = 250; };\ngateways = (" GW("a", "10.0.0.1", 1) ","
	     GW("b", "10.0.0.2", 1) "," GW("c", "10.0.0.3", 1) "," GW("d", "10.0.0.4", 1) ","
	     GW("e", "10.0.0.5", 1) "," GW("f", "10.0.0.6", 1) "," GW("g", "10.0.0.7", 1) ");");
	ck_assert_error("does not fit in marks.mask = 0xff");
	load(GOOD_LAN "marks = { base = 252; mask = 0xffff; };\ngateways = (" GW("a", "10.0.0.1", 1)
	     "," GW("b", "10.0.0.2", 1) ");");
	ck_assert_error("routing table 253, which is the kernel's default table");
	load(GOOD_LAN "marks = { mask = 0; };\ngateways = (" GW("a", "10.0.0.1", 1) ");");
	ck_assert_error("marks.mask = 0 is out of range");
}
END_TEST

START_TEST(test_control_mode)
{
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
			      "control = { mode = \"0600\"; };"), 0);
	ck_assert_uint_eq(c.ctl_mode, 0600);
	/* The owner (the daemon) must read and write its own socket. */
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\ncontrol = { mode = \"0460\"; };");
	ck_assert_error("control.mode = \"0460\" must be an octal mode");
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\ncontrol = { mode = \"0200\"; };");
	ck_assert_error("control.mode = \"0200\"");
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\ncontrol = { mode = \"rw\"; };");
	ck_assert_error("control.mode = \"rw\"");
}
END_TEST

/* The read-only socket: its own path, an existing group, never the control socket. */
START_TEST(test_control_read)
{
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");"), 0);
	ck_assert_str_eq(c.ctl_read_path, "");
	ck_assert_uint_eq(c.ctl_read_gid, (gid_t)-1);
	/* "root" is group 0 on every Debian box, chroot or not. */
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
			      "control = { read_socket = \"/run/nfqlb/r.sock\";\n"
			      "read_group = \"root\"; };"), 0);
	ck_assert_str_eq(c.ctl_read_path, "/run/nfqlb/r.sock");
	ck_assert_str_eq(c.ctl_read_group, "root");
	ck_assert_uint_eq(c.ctl_read_gid, 0);
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
	     "control = { read_socket = \"r.sock\"; };");
	ck_assert_error("line 3: control.read_socket = \"r.sock\" must be an absolute path");
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
	     "control = { socket = \"/run/x.sock\"; read_socket = \"/run/x.sock\"; };");
	ck_assert_error("control.read_socket = \"/run/x.sock\" is control.socket itself");
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
	     "control = { read_socket = \"/run/r.sock\";\n"
	     "read_group = \"no-such-group-here\"; };");
	ck_assert_error("line 4: control.read_group = \"no-such-group-here\": no such group");
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
	     "control = { read_group = \"root\"; };");
	ck_assert_error("control.read_group = \"root\" without control.read_socket");
}
END_TEST

START_TEST(test_health)
{
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ","
			      "{ name = \"b\"; address = \"10.0.0.2\"; interface = \"eth0\"; "
			      "targets = [ \"tcp:192.0.2.9:443\" ]; } );\n"
			      "health = { interval = 500; timeout = 200; fall = 4; rise = 3; "
			      "targets = [ \"icmp:192.0.2.1\", \"tcp:192.0.2.2:80\" ]; "
			      "rebalance = true; notify = \"/bin/true\"; notify_timeout = 3; };"), 0);
	ck_assert_uint_eq(c.health.interval_ms, 500);
	ck_assert_uint_eq(c.health.timeout_ms, 200);
	ck_assert_uint_eq(c.health.fall, 4);
	ck_assert_uint_eq(c.health.rise, 3);
	ck_assert_uint_eq(c.ntargets, 2);
	ck_assert_int_eq(c.targets[1].kind, HEALTH_TCP);
	ck_assert_uint_eq(c.targets[1].port, 80);
	ck_assert_int_eq(c.rebalance, 1);
	ck_assert_str_eq(c.notify, "/bin/true");
	ck_assert_uint_eq(c.notify_timeout, 3);
	{
		unsigned n;
		const struct health_target *t = conf_gw_targets(&c, 1, &n);

		ck_assert_uint_eq(n, 1);
		ck_assert_uint_eq(t[0].port, 443);
		conf_gw_targets(&c, 0, &n);
		ck_assert_uint_eq(n, 2);	/* health.targets */
	}
	/* Defaults without a health section: no probing. */
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");"), 0);
	ck_assert_uint_eq(c.ntargets, 0);
	ck_assert_uint_eq(c.health.interval_ms, HEALTH_DEFAULT_INTERVAL_MS);
	ck_assert_uint_eq(c.health.fall, HEALTH_DEFAULT_FALL);
	/* Every bad value named, all at once. */
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
	     "health = { interval = 300; timeout = 400; fall = 0; min_ok = 2; "
	     "targets = [ \"icmp:192.0.2.1\", \"ping:1.2.3.4\", \"tcp:192.0.2.3:0\" ]; "
	     "notify = \"notify.sh\"; colour = 1; };");
	ck_assert_error("health.timeout = 400 must not exceed health.interval = 300");
	ck_assert_error("health.fall");
	ck_assert_error("health.targets target 2 = \"ping:1.2.3.4\"");
	ck_assert_error("health.targets target 3 = \"tcp:192.0.2.3:0\"");
	ck_assert_error("health.notify = \"notify.sh\" must be an absolute path");
	ck_assert_error("unknown setting 'health.colour'");
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
	     "health = { min_ok = 2; targets = [ \"icmp:192.0.2.1\" ]; };");
	ck_assert_error("health.min_ok = 2 but gateway 1 (a) has only 1 probe targets");
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
	     "health = { targets = \"icmp:192.0.2.1\"; };");
	ck_assert_error("health.targets must be a list");
}
END_TEST

/* Link quality, damping and the failback delay (issue 13). */
START_TEST(test_health_quality)
{
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");"), 0);
	ck_assert_uint_eq(c.health.window, HEALTH_DEFAULT_WINDOW);
	ck_assert_uint_eq(c.health.loss_down, HEALTH_DEFAULT_LOSS_DOWN);
	ck_assert_uint_eq(c.health.loss_up, HEALTH_DEFAULT_LOSS_UP);
	ck_assert_uint_eq(c.health.rtt_down_ms, HEALTH_DEFAULT_RTT_DOWN_MS);
	ck_assert_uint_eq(c.health.rtt_up_ms, HEALTH_DEFAULT_RTT_UP_MS);
	ck_assert_uint_eq(c.damping, JUDGE_DEFAULT_HALF_LIFE);
	ck_assert_uint_eq(c.rebalance_after, JUDGE_DEFAULT_REBALANCE_AFTER);
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
			      "health = { window = 10; loss_down = 40; loss_up = 10; "
			      "rtt_down = 0; rtt_up = 0; damping = 0; rebalance_after = 5; };"), 0);
	ck_assert_uint_eq(c.health.window, 10);
	ck_assert_uint_eq(c.health.loss_down, 40);
	ck_assert_uint_eq(c.health.loss_up, 10);
	ck_assert_uint_eq(c.health.rtt_down_ms, 0);
	ck_assert_uint_eq(c.damping, 0);
	ck_assert_uint_eq(c.rebalance_after, 5);
	/* every bad value named, all at once */
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
	     "health = { window = 65; loss_down = 20; loss_up = 30; rtt_down = 100; "
	     "rtt_up = 200; damping = -1; rebalance_after = \"soon\"; };");
	ck_assert_error("health.window = 65 is out of range [1, 64]");
	ck_assert_error("health.loss_up = 30 must not exceed health.loss_down = 20");
	ck_assert_error("health.rtt_up = 200 must be 1..health.rtt_down = 100 ms");
	ck_assert_error("health.damping = -1 is out of range");
	ck_assert_error("health.rebalance_after must be an integer");
}
END_TEST

START_TEST(test_syntax_error)
{
	ck_assert_int_eq(load("lan = { interface = ; };"), 1);
	ck_assert_error("line 1: syntax error");
}
END_TEST

START_TEST(test_many_gateways)
{
	char *buf = malloc(65536);
	size_t off = 0;
	int i;

	off += (size_t)sprintf(buf + off, GOOD_LAN "marks = { base = 1; mask = 0xff; };\ngateways = (");
	for (i = 0; i < BALANCE_MAX_GW + 1; i++)
		off += (size_t)sprintf(buf + off, "%s{ name = \"g%d\"; address = \"10.0.%d.1\"; interface = \"e\"; }",
				       i ? "," : "", i, i);
	sprintf(buf + off, ");");
	load(buf);
	ck_assert_error("at most 64 are supported");
	free(buf);
}
END_TEST

/* libconfig reads plain integers at 32 bits: they must not wrap. */
START_TEST(test_int64)
{
	load(GOOD_LAN "queue = { number = 4294967296; };\n"
	     "marks = { rule_priority = -4294967295; };\n"
	     "gateways = (" GW("a", "10.0.0.1", 4294967298) ");");
	ck_assert_error("queue.number = 4294967296 is out of range [0, 65535]");
	ck_assert_error("marks.rule_priority = -4294967295 is out of range");
	ck_assert_error("gateway 1 weight = 4294967298 is out of range [0, 1000000]");
	load(GOOD_LAN "clients = { max = 99999999999999999999; };\n"
	     "gateways = (" GW("a", "10.0.0.1", 1) ");");
	ck_assert_error("line 2: integer 99999999999999999999 does not fit in 64 bits");
	/* Hex above 2^31 and explicit 64-bit values are read as they are. */
	ck_assert_int_eq(load(GOOD_LAN "marks = { base = 0x10; mask = 0xffffffff; };\n"
			      "clients = { max = 1000L; };\n"
			      "gateways = (" GW("a", "10.0.0.1", 2) ");"), 0);
	ck_assert_uint_eq(c.mark_mask, 0xffffffffu);
	ck_assert_uint_eq(c.mark_base, 16);
	ck_assert_uint_eq(c.max_clients, 1000);
	/* Digits in names, strings and comments are left alone. */
	ck_assert_int_eq(load(GOOD_LAN "# weight = 4294967298\n/* 99999999999999999999 */\n"
			      "clients = { set_prefix = \"p4294967298\"; };\n"
			      "gateways = (" GW("g4294967298", "10.0.0.1", 1) ");"), 0);
	ck_assert_str_eq(c.set_prefix, "p4294967298");
	ck_assert_str_eq(c.gw[0].name, "g4294967298");
	ck_assert_uint_eq(c.gw[0].weight, 1);
	load(GOOD_LAN "health = { interval = 1e10; };\ngateways = (" GW("a", "10.0.0.1", 1) ");");
	ck_assert_error("health.interval must be an integer, not a float");
}
END_TEST

START_TEST(test_lan_too_wide)
{
	load("lan = { interface = \"eth1\"; network = \"0.0.0.0/0\"; };\n"
	     "gateways = (" GW("a", "10.0.0.1", 1) ");");
	ck_assert_error("lan.network = \"0.0.0.0/0\" is too wide");
	load("lan = { interface = \"eth1\"; network = \"128.0.0.0/1\"; };\n"
	     "gateways = (" GW("a", "10.0.0.1", 1) ");");
	ck_assert_error("lan.network = \"128.0.0.0/1\" is too wide");
	ck_assert_int_eq(load("lan = { interface = \"eth1\"; network = \"64.0.0.0/2\"; };\n"
			      "gateways = (" GW("a", "10.0.0.1", 1) ");"), 0);
}
END_TEST

/* Network, broadcast and own addresses are never clients. */
START_TEST(test_nonhost)
{
	struct nfqlb_net4 lan, p31, p32;
	struct ownaddr own = { .n = 1 };
	struct in_addr a;

	ck_assert_int_eq(net4_parse("172.28.3.0/24", &lan), 0);
	inet_pton(AF_INET, "172.28.3.1", &own.a[0]);
	inet_pton(AF_INET, "172.28.3.0", &a);
	ck_assert_str_eq(ownaddr_nonhost(&lan, &own, a), "the network address");
	inet_pton(AF_INET, "172.28.3.255", &a);
	ck_assert_str_eq(ownaddr_nonhost(&lan, &own, a), "the broadcast address");
	inet_pton(AF_INET, "172.28.3.1", &a);
	ck_assert_str_eq(ownaddr_nonhost(&lan, &own, a), "an address of this host");
	ck_assert_ptr_null(ownaddr_nonhost(&lan, NULL, a));
	inet_pton(AF_INET, "172.28.3.63", &a);
	ck_assert_ptr_null(ownaddr_nonhost(&lan, &own, a));
	inet_pton(AF_INET, "172.28.3.254", &a);
	ck_assert_ptr_null(ownaddr_nonhost(&lan, &own, a));
	/* RFC 3021: a /31 has two hosts and no broadcast, a /32 one. */
	ck_assert_int_eq(net4_parse("10.0.0.0/31", &p31), 0);
	inet_pton(AF_INET, "10.0.0.0", &a);
	ck_assert_ptr_null(ownaddr_nonhost(&p31, NULL, a));
	inet_pton(AF_INET, "10.0.0.1", &a);
	ck_assert_ptr_null(ownaddr_nonhost(&p31, NULL, a));
	ck_assert_int_eq(net4_parse("10.0.0.7/32", &p32), 0);
	inet_pton(AF_INET, "10.0.0.7", &a);
	ck_assert_ptr_null(ownaddr_nonhost(&p32, NULL, a));
	/* The loopback interface's address is in no such LAN: not listed. */
	ck_assert_int_eq(ownaddr_refresh(&own, &lan, 1), 0);
	ck_assert_int_eq(net4_parse("127.0.0.0/8", &lan), 0);
	ck_assert_int_eq(ownaddr_refresh(&own, &lan, 1), 0);
	ck_assert_uint_ge(own.n, 1);
	inet_pton(AF_INET, "127.0.0.1", &a);
	ck_assert_str_eq(ownaddr_nonhost(&lan, &own, a), "an address of this host");
}
END_TEST

/* The balance group and gateway bandwidths (issue 22). */
START_TEST(test_balance)
{
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");"), 0);
	ck_assert_int_eq(c.policy, CONF_POLICY_USERS);
	ck_assert_int_eq(c.rebalance_idle, 0);
	ck_assert_int_eq(c.measure, 0);
	ck_assert_uint_eq(c.rebalance_margin, 25);
	ck_assert_uint_eq(c.rebalance_hold, 10);
	ck_assert_uint_eq(c.rebalance_interval, 2);
	ck_assert_uint_eq(c.gw[0].bw_down, 0);
	ck_assert_uint_eq(c.gw[0].bw_up, 0);
	ck_assert_int_eq(load(GOOD_LAN "gateways = ({ name = \"a\"; address = \"10.0.0.1\"; "
			      "interface = \"eth0\"; bandwidth = { down = 20000; up = 5000; }; },"
			      "{ name = \"b\"; address = \"10.0.0.2\"; interface = \"eth0\"; "
			      "bandwidth = { up = 100000000; }; });\n"
			      "balance = { policy = \"load\"; rebalance_idle = true; measure = true; "
			      "rebalance_margin = 40; rebalance_hold = 0; rebalance_interval = 5; };"),
			 0);
	ck_assert_int_eq(c.policy, CONF_POLICY_LOAD);
	ck_assert_int_eq(c.rebalance_idle, 1);
	ck_assert_int_eq(c.measure, 1);
	ck_assert_uint_eq(c.rebalance_margin, 40);
	ck_assert_uint_eq(c.rebalance_hold, 0);
	ck_assert_uint_eq(c.rebalance_interval, 5);
	ck_assert_uint_eq(c.gw[0].bw_down, 20000);
	ck_assert_uint_eq(c.gw[0].bw_up, 5000);
	ck_assert_uint_eq(c.gw[1].bw_down, 0);
	ck_assert_uint_eq(c.gw[1].bw_up, 100000000);
	/* Every bad value named with its line, all at once. */
	load(GOOD_LAN "gateways = ({ name = \"a\"; address = \"10.0.0.1\"; "
	     "interface = \"eth0\";\n bandwidth = { down = 0; up = \"fast\"; left = 1; }; },\n"
	     "{ name = \"b\"; address = \"10.0.0.2\"; interface = \"eth0\"; "
	     "bandwidth = 1000; });\n"
	     "balance = { policy = \"bytes\"; rebalance_margin = 0; colour = 1; };");
	ck_assert_error("line 3: gateway 1 bandwidth.down = 0 is out of range [1, 100000000]");
	ck_assert_error("line 3: gateway 1 bandwidth.up must be an integer (kbit/s), not a string");
	ck_assert_error("unknown setting 'gateway 1 bandwidth.left'");
	ck_assert_error("line 4: gateway 2 bandwidth must be a group");
	ck_assert_error("line 5: balance.policy = \"bytes\" must be \"users\" or \"load\"");
	ck_assert_error("balance.rebalance_margin = 0 is out of range");
	ck_assert_error("unknown setting 'balance.colour'");
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\npin_connections = false;\n"
	     "balance = { rebalance_idle = true; };");
	ck_assert_error("line 4: balance.rebalance_idle = true needs pin_connections = true");
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
	     "balance = { policy = 1; rebalance_idle = 1; };");
	ck_assert_error("balance.policy must be a string");
	ck_assert_error("balance.rebalance_idle must be true or false");
	load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
	     "balance = { rebalance_hold = 3601; rebalance_interval = 0; };");
	ck_assert_error("balance.rebalance_hold = 3601 is out of range [0, 3600]");
	ck_assert_error("balance.rebalance_interval = 0 is out of range [1, 3600]");
}
END_TEST

/* The proxy group: defaults, a full group, every bad value named. */
START_TEST(test_proxy)
{
	struct conf_proxy a;

	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");"), 0);
	ck_assert_int_eq(c.proxy.enable, 0);
	ck_assert_uint_eq(c.proxy.port_base, 3400);
	ck_assert_uint_eq(c.proxy.nports, 1);
	ck_assert_uint_eq(c.proxy.ports[0], 80);
	ck_assert_str_eq(c.proxy.user_prefix, "");
	a = c.proxy;
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");"
			      "proxy = { enable = true; port_base = 5000; ports = [ 80, 8080 ];"
			      " user_prefix = \"nfqlb-e2g-\"; };"), 0);
	ck_assert_int_eq(c.proxy.enable, 1);
	ck_assert_uint_eq(conf_proxy_port(&c, 2), 5002);
	ck_assert_uint_eq(c.proxy.nports, 2);
	ck_assert_uint_eq(c.proxy.ports[1], 8080);
	ck_assert_str_eq(c.proxy.user_prefix, "nfqlb-e2g-");
	ck_assert_int_eq(conf_proxy_equal(&a, &c.proxy), 0);
	ck_assert_int_eq(conf_proxy_equal(&c.proxy, &c.proxy), 1);

	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");\n"
			      "proxy = { enable = 1; port_base = 65500; ports = [ 80, 0, 80 ];\n"
			      " user_prefix = \"Bad name\"; colour = 1; };"), 6);
	ck_assert_error("line 3: proxy.enable must be true or false, not an integer");
	ck_assert_error("line 3: proxy.port_base = 65500 is out of range [1, 65472]");
	ck_assert_error("proxy.ports[1] = 0 is not a TCP port (1..65535)");
	ck_assert_error("proxy.ports[2] = 80 is listed twice");
	ck_assert_error("proxy.user_prefix = \"Bad name\" must be at most 15 characters");
	ck_assert_error("unknown setting 'proxy.colour'");
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");"
			      "proxy = { ports = [ 1, 2, 3, 4, 5, 6, 7, 8, 9 ]; };"), 1);
	ck_assert_error("proxy.ports has 9 entries: 1 to 8 are supported");
	ck_assert_int_eq(load(GOOD_LAN "gateways = (" GW("a", "10.0.0.1", 1) ");"
			      "proxy = { ports = 80; };"), 1);
	ck_assert_error("proxy.ports must be an array");
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_minimal_defaults);
	tcase_add_test(tc, test_proxy);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_all_errors_at_once);
	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_uplinks);
	tcase_add_test(tc, test_required);
	tcase_add_test(tc, test_marks);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_control_mode);
	tcase_add_test(tc, test_control_read);
	tcase_add_test(tc, test_health);
	tcase_add_test(tc, test_health_quality);
	tcase_add_test(tc, test_many_gateways);
	tcase_add_test(tc, test_int64);
	tcase_add_test(tc, test_lan_too_wide);
	tcase_add_test(tc, test_nonhost);
	tcase_add_test(tc, test_web_group_ignored);
	tcase_add_test(tc, test_balance);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
