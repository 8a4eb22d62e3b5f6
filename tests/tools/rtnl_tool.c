// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rtnl_tool - drive src/kernel/rtnl.c from the shell so the integration test
 * can check it against what `ip rule` and `ip route` see.
 *
 * Exit 0 on success, 1 with rtnl_error() on failure, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "kernel/rtnl.h"

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: rtnl_tool rule-add|rule-del|rule-exists FROM MARK MASK TABLE PRIO\n"
		"       rtnl_tool rule-add-local|rule-del-local|rule-exists-local MARK MASK TABLE PRIO\n"
		"       rtnl_tool routes-add|routes-del TABLE GW IFNAME\n"
		"       rtnl_tool table-count TABLE\n"
		"       rtnl_tool ifindex NAME\n"
		"FROM is a.b.c.d/len or \"all\"; numbers take 0x for hex\n");
	exit(2);
}

static uint32_t parse_u32(const char *what, const char *s)
{
	unsigned long v;
	char *end;

	errno = 0;
	/* strtoul would quietly negate "-1" into a huge value. */
	if (*s == '-' || *s == '\0')
		goto bad;
	v = strtoul(s, &end, 0);
	if (errno || *end != '\0' || v > UINT32_MAX)
		goto bad;
	return (uint32_t)v;
bad:
	fprintf(stderr, "rtnl_tool: bad %s '%s'\n", what, s);
	usage();
	return 0;
}

static void parse_from(const char *s, struct nfqlb_net4 *n)
{
	if (strcmp(s, "all") == 0) {
		n->addr.s_addr = INADDR_ANY;
		n->plen = 0;
		return;
	}
	if (net4_parse(s, n) < 0) {
		fprintf(stderr, "rtnl_tool: bad network '%s'\n", s);
		usage();
	}
}

static int fail(const struct rtnl *r)
{
	fprintf(stderr, "rtnl_tool: %s\n", rtnl_error(r));
	return 1;
}

static int do_rule(struct rtnl *r, const char *cmd, char **argv)
{
	struct nfqlb_net4 from;
	uint32_t mark, mask, table, prio;
	int ret;

	parse_from(argv[0], &from);
	mark = parse_u32("mark", argv[1]);
	mask = parse_u32("mask", argv[2]);
	table = parse_u32("table", argv[3]);
	prio = parse_u32("priority", argv[4]);

	if (strcmp(cmd, "rule-add") == 0)
		ret = rtnl_rule_add(r, &from, mark, mask, table, prio);
	else if (strcmp(cmd, "rule-del") == 0)
		ret = rtnl_rule_del(r, &from, mark, mask, table, prio);
	else {
		ret = rtnl_rule_exists(r, &from, mark, mask, table, prio);
		if (ret >= 0) {
			printf("%d\n", ret);
			return 0;
		}
	}
	return ret < 0 ? fail(r) : 0;
}

/* The "iif lo" rules of the box's own traffic (health probes). */
static int do_local_rule(struct rtnl *r, const char *cmd, char **argv)
{
	uint32_t mark, mask, table, prio;
	int ret;

	mark = parse_u32("mark", argv[0]);
	mask = parse_u32("mask", argv[1]);
	table = parse_u32("table", argv[2]);
	prio = parse_u32("priority", argv[3]);

	if (strcmp(cmd, "rule-add-local") == 0)
		ret = rtnl_rule_add_local(r, mark, mask, table, prio);
	else if (strcmp(cmd, "rule-del-local") == 0)
		ret = rtnl_rule_del_local(r, mark, mask, table, prio);
	else {
		ret = rtnl_rule_exists_local(r, mark, mask, table, prio);
		if (ret >= 0) {
			printf("%d\n", ret);
			return 0;
		}
	}
	return ret < 0 ? fail(r) : 0;
}

static int do_routes(struct rtnl *r, const char *cmd, char **argv)
{
	struct in_addr gw;
	uint32_t table;
	unsigned int ifindex;
	int ret;

	table = parse_u32("table", argv[0]);
	if (inet_pton(AF_INET, argv[1], &gw) != 1) {
		fprintf(stderr, "rtnl_tool: bad gateway '%s'\n", argv[1]);
		usage();
	}
	ifindex = rtnl_ifindex(r, argv[2]);
	if (ifindex == 0)
		return fail(r);
	if (strcmp(cmd, "routes-add") == 0)
		ret = rtnl_gw_routes_add(r, table, gw, ifindex);
	else
		ret = rtnl_gw_routes_del(r, table, gw, ifindex);
	return ret < 0 ? fail(r) : 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	struct rtnl *r;
	unsigned int ifindex;
	int ret, n;

	if (argc < 2)
		usage();
	cmd = argv[1];
	if (!strcmp(cmd, "rule-add") || !strcmp(cmd, "rule-del") ||
	    !strcmp(cmd, "rule-exists"))
		n = 5;
	else if (!strcmp(cmd, "rule-add-local") ||
		 !strcmp(cmd, "rule-del-local") ||
		 !strcmp(cmd, "rule-exists-local"))
		n = 4;
	else if (!strcmp(cmd, "routes-add") || !strcmp(cmd, "routes-del"))
		n = 3;
	else if (!strcmp(cmd, "table-count") || !strcmp(cmd, "ifindex"))
		n = 1;
	else
		usage();
	if (argc != n + 2)
		usage();

	r = rtnl_open();
	if (!r) {
		fprintf(stderr, "rtnl_tool: opening rtnetlink socket: %s\n",
			strerror(errno));
		return 1;
	}
	if (n == 5) {
		ret = do_rule(r, cmd, argv + 2);
	} else if (n == 4) {
		ret = do_local_rule(r, cmd, argv + 2);
	} else if (n == 3) {
		ret = do_routes(r, cmd, argv + 2);
	} else if (!strcmp(cmd, "table-count")) {
		n = rtnl_table_count(r, parse_u32("table", argv[2]));
		if (n < 0) {
			ret = fail(r);
		} else {
			printf("%d\n", n);
			ret = 0;
		}
	} else {
		ifindex = rtnl_ifindex(r, argv[2]);
		if (ifindex == 0) {
			ret = fail(r);
		} else {
			printf("%u\n", ifindex);
			ret = 0;
		}
	}
	rtnl_close(r);
	return ret;
}
