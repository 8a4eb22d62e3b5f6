// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * proxy.c - the rules that keep proxied web traffic on its user's
 * gateway (proxy.h says which and why).
 */
#include <arpa/inet.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/iptaudit.h"
#include "kernel/proxy.h"
#include "util/spawn.h"
#include "util/log.h"
#include "util/sbuf.h"

#define PROXY_TAG	"nfqlb-proxy:"		/* + slot: a REDIRECT rule */
#define PROXY_TX_TAG	"nfqlb-proxy-tx:"	/* + slot: a counting rule */

/*
 * What the rules counted before their chains were last replaced (a
 * restore with --noflush empties a declared chain, counters included):
 * added back so that the counters only grow while the daemon runs.
 */
static struct proxy_counters proxy_base;

static void lan_net_str(const struct conf *c, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &c->lan_net.addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, c->lan_net.plen);
}

static void ports_str(const struct conf *c, char *buf, size_t len)
{
	size_t off = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < c->proxy.nports; i++)
		sbuf_appendf(buf, len, &off, "%s%u", i ? "," : "", c->proxy.ports[i]);
}

int proxy_ruleset(const struct conf *c, const uint32_t *uid, char *buf,
		  size_t len)
{
	uint32_t m = c->mark_mask;
	char net[INET_ADDRSTRLEN + 4], ports[8 * CONF_PROXY_MAX_PORTS];
	size_t off = 0;
	unsigned i;
	int r = 0;

	lan_net_str(c, net, sizeof(net));
	ports_str(c, ports, sizeof(ports));
	r |= sbuf_appendf(buf, len, &off, "*nat\n:%s - [0:0]\n", PROXY_NAT_CHAIN);
	for (i = 0; i < c->ngw; i++)
		if (c->gw[i].name[0])
			r |= sbuf_appendf(buf, len, &off,
				     "-A %s -p tcp -m multiport --dports %s "
				     "-m mark --mark 0x%x/0x%x "
				     "-m comment --comment " PROXY_TAG "%u "
				     "-j REDIRECT --to-ports %u\n",
				     PROXY_NAT_CHAIN, ports, conf_gw_mark(c, i), m,
				     i, conf_proxy_port(c, i));
	r |= sbuf_appendf(buf, len, &off, "COMMIT\n*mangle\n:%s - [0:0]\n"
		     "-A %s -d %s -j RETURN\n", PROXY_OUT_CHAIN, PROXY_OUT_CHAIN, net);
	for (i = 0; i < c->ngw; i++)
		if (c->gw[i].name[0] && uid[i] != PROXY_UID_NONE)
			r |= sbuf_appendf(buf, len, &off,
				     "-A %s -m owner --uid-owner %u "
				     "-j MARK --set-xmark 0x%x/0x%x\n",
				     PROXY_OUT_CHAIN, uid[i], conf_gw_mark(c, i), m);
	/* Counting only (no target): whoever marked it, socket or rule. */
	for (i = 0; i < c->ngw; i++)
		if (c->gw[i].name[0])
			r |= sbuf_appendf(buf, len, &off,
				     "-A %s -m mark --mark 0x%x/0x%x "
				     "-m comment --comment " PROXY_TX_TAG "%u\n",
				     PROXY_OUT_CHAIN, conf_gw_mark(c, i), m, i);
	r |= sbuf_appendf(buf, len, &off, "COMMIT\n");
	return r ? -1 : 0;
}

/* Slot i's instance user, user_prefix + gateway name, if it exists. */
static uint32_t slot_uid(const struct conf *c, unsigned i, int warn)
{
	char name[CONF_PROXY_PREFIX_MAX + CONF_NAME_MAX];
	struct passwd *pw;

	if (!c->proxy.user_prefix[0] || !c->gw[i].name[0])
		return PROXY_UID_NONE;
	snprintf(name, sizeof(name), "%s%s", c->proxy.user_prefix, c->gw[i].name);
	pw = getpwnam(name);
	if (!pw && warn)
		log_warnx("proxy: no user %s: gateway %s's proxy instance is not "
			  "marked (proxy.user_prefix = \"%s\")", name, c->gw[i].name,
			  c->proxy.user_prefix);
	return pw ? (uint32_t)pw->pw_uid : PROXY_UID_NONE;
}

/* The jumps, as iptables arguments after "-t TABLE OP HOOK". */
struct proxy_jump {
	const char *table, *hook, *target;
	int from_lan;
};

static const struct proxy_jump proxy_jumps[] = {
	{ "nat", "PREROUTING", PROXY_NAT_CHAIN, 1 },
	{ "mangle", "OUTPUT", PROXY_OUT_CHAIN, 0 },
};

#define PROXY_NJUMPS	(sizeof(proxy_jumps) / sizeof(proxy_jumps[0]))
#define PROXY_MAX_JUMP_DELETES	64

static int jump_cmd(const struct conf *c, const struct proxy_jump *j,
		    const char *op, char *out, size_t outlen)
{
	char *argv[16];
	int n = 0;

	argv[n++] = "iptables";
	argv[n++] = "-w";
	argv[n++] = "-t";
	argv[n++] = (char *)j->table;
	argv[n++] = (char *)op;
	argv[n++] = (char *)j->hook;
	if (!strcmp(op, "-I"))
		argv[n++] = "1";	/* ahead of the portal's own redirect */
	if (j->from_lan) {
		argv[n++] = "-i";
		argv[n++] = (char *)c->lan_if;
		argv[n++] = "-p";
		argv[n++] = "tcp";
	}
	argv[n++] = "-j";
	argv[n++] = (char *)j->target;
	argv[n] = NULL;
	return spawn_run(argv, NULL, out, outlen);
}

static int chain_cmd(const char *table, const char *op, const char *chain,
		     char *out, size_t outlen)
{
	char *argv[] = { "iptables", "-w", "-t", (char *)table, (char *)op,
			 (char *)chain, NULL };

	return spawn_run(argv, NULL, out, outlen);
}

/* Add the counters of chain's tagged rules (slot after tag) to pk, by. */
static int read_chain(const char *table, const char *chain, const char *tag,
		      uint64_t *pk, uint64_t *by)
{
	char *argv[] = { "iptables", "-w", "-t", (char *)table, "-nvxL",
			 (char *)chain, NULL };
	static char out[65536];
	char *l, *save = NULL, *t;

	if (spawn_run(argv, NULL, out, sizeof(out)))
		return -1;
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long p, b;
		unsigned slot;

		t = strstr(l, tag);
		if (!t || sscanf(l, "%llu %llu", &p, &b) != 2 ||
		    sscanf(t + strlen(tag), "%u", &slot) != 1 || slot >= BALANCE_MAX_GW)
			continue;
		pk[slot] += p;
		if (by)
			by[slot] += b;
	}
	return 0;
}

static int read_now(struct proxy_counters *pc)
{
	int r = 0;

	memset(pc, 0, sizeof(*pc));
	r |= read_chain("nat", PROXY_NAT_CHAIN, PROXY_TAG, pc->steered, NULL);
	r |= read_chain("mangle", PROXY_OUT_CHAIN, PROXY_TX_TAG, pc->tx_packets,
			pc->tx_bytes);
	return r ? -1 : 0;
}

int proxy_read(const struct conf *c, struct proxy_counters *pc)
{
	unsigned i;
	int r;

	(void)c;
	r = read_now(pc);
	for (i = 0; i < BALANCE_MAX_GW; i++) {
		pc->steered[i] += proxy_base.steered[i];
		pc->tx_packets[i] += proxy_base.tx_packets[i];
		pc->tx_bytes[i] += proxy_base.tx_bytes[i];
	}
	return r;
}

/* Before the chains are emptied: keep what they counted. */
static void keep_counts(void)
{
	struct proxy_counters now;
	unsigned i;

	read_now(&now);		/* chains absent: nothing to keep */
	for (i = 0; i < BALANCE_MAX_GW; i++) {
		proxy_base.steered[i] += now.steered[i];
		proxy_base.tx_packets[i] += now.tx_packets[i];
		proxy_base.tx_bytes[i] += now.tx_bytes[i];
	}
}

int proxy_install(const struct conf *c, char *err, size_t len)
{
	char *restore[] = { "iptables-restore", "-w", "--noflush", NULL };
	static char rules[32768];
	uint32_t uid[BALANCE_MAX_GW];
	char out[512];
	unsigned i;

	for (i = 0; i < BALANCE_MAX_GW; i++)
		uid[i] = i < c->ngw ? slot_uid(c, i, 1) : PROXY_UID_NONE;
	if (proxy_ruleset(c, uid, rules, sizeof(rules))) {
		snprintf(err, len, "proxy: iptables ruleset too long");
		return -1;
	}
	keep_counts();
	if (spawn_run(restore, rules, out, sizeof(out))) {
		snprintf(err, len, "iptables-restore of chains %s and %s failed: %s",
			 PROXY_NAT_CHAIN, PROXY_OUT_CHAIN, out);
		return -1;
	}
	for (i = 0; i < PROXY_NJUMPS; i++) {
		if (!jump_cmd(c, &proxy_jumps[i], "-C", out, sizeof(out)))
			continue;	/* already there: never twice */
		if (jump_cmd(c, &proxy_jumps[i], "-I", out, sizeof(out))) {
			snprintf(err, len, "iptables -t %s -I %s -j %s: %s",
				 proxy_jumps[i].table, proxy_jumps[i].hook,
				 proxy_jumps[i].target, out);
			return -1;
		}
	}
	return 0;
}

int proxy_remove(const struct conf *c, char *err, size_t len)
{
	const char *tables[] = { "nat", "mangle" };
	const char *chains[] = { PROXY_NAT_CHAIN, PROXY_OUT_CHAIN };
	char out[512];
	unsigned i, k;
	int r = 0;

	for (i = 0; i < PROXY_NJUMPS; i++)
		for (k = 0; k < PROXY_MAX_JUMP_DELETES; k++)
			if (jump_cmd(c, &proxy_jumps[i], "-D", out, sizeof(out)))
				break;
	for (i = 0; i < 2; i++) {
		/* -S, not -L: -L looks the LAN address up in the DNS. */
		if (chain_cmd(tables[i], "-S", chains[i], out, sizeof(out)))
			continue;	/* no such chain */
		if (chain_cmd(tables[i], "-F", chains[i], out, sizeof(out)) ||
		    chain_cmd(tables[i], "-X", chains[i], out, sizeof(out))) {
			snprintf(err, len, "removing chain %s: %s", chains[i], out);
			r = -1;
		}
	}
	return r;
}

int proxy_audit(const struct conf *c, char *missing, size_t len, int sep)
{
	static char rules[32768];
	uint32_t uid[BALANCE_MAX_GW];
	char out[512], m[512] = "";
	const char *mangle;
	size_t off = 0;
	unsigned i;
	int n = 0;

	for (i = 0; i < BALANCE_MAX_GW; i++)
		uid[i] = i < c->ngw ? slot_uid(c, i, 0) : PROXY_UID_NONE;
	if (proxy_ruleset(c, uid, rules, sizeof(rules)))
		return -1;
	/* The text is "*nat ... COMMIT *mangle ...": each chain its table's. */
	mangle = strstr(rules, "*mangle");
	n += iptaudit_chain("nat", PROXY_NAT_CHAIN, iptaudit_count(rules, PROXY_NAT_CHAIN),
			 m, sizeof(m), &off);
	n += iptaudit_chain("mangle", PROXY_OUT_CHAIN,
			 iptaudit_count(mangle ? mangle : "", PROXY_OUT_CHAIN),
			 m, sizeof(m), &off);
	for (i = 0; i < PROXY_NJUMPS; i++) {
		if (!jump_cmd(c, &proxy_jumps[i], "-C", out, sizeof(out)))
			continue;
		sbuf_appendf(m, sizeof(m), &off, "%sjump %s %s -> %s", off ? ", " : "",
			proxy_jumps[i].table, proxy_jumps[i].hook,
			proxy_jumps[i].target);
		n++;
	}
	if (len)
		snprintf(missing, len, "%s%s", n && sep ? ", " : "", n ? m : "");
	return n;
}
