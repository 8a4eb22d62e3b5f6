// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * steer.c - install and remove nfqlb's iptables chains.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/iptaudit.h"
#include "kernel/proxy.h"
#include "util/sbuf.h"
#include "kernel/steer.h"
#include "util/spawn.h"

#define STEER_MAX_JUMP_DELETES	64


/*
 * Unpinned: one lookup in the map set sets the mark of a bound source
 * (its gateway's, under the mask); the rest go to the queue.  No rule
 * touches conntrack, so the box need not track connections for us, and
 * NFQLB_SAVE stays empty.
 */
static int steer_rules_unpinned(const struct conf *c, char *buf, size_t len,
				size_t *off)
{
	char map[32];

	conf_map_set_name(c, map, sizeof(map));
	return sbuf_appendf(buf, len, off, "-A %s -j SET --map-set %s src --map-mark\n",
		       STEER_CHAIN, map);
}

/* Pinned: restore the connection's mark, else the per-gateway sets. */
static int steer_rules_pinned(const struct conf *c, char *buf, size_t len,
			      size_t *off)
{
	uint32_t m = c->mark_mask;
	char set[32];
	unsigned i;
	int r = 0;

	r |= sbuf_appendf(buf, len, off,
		     "-A %s -j CONNMARK --restore-mark --nfmask 0x%x --ctmask 0x%x\n"
		     "-A %s -m mark ! --mark 0x0/0x%x -j RETURN\n",
		     STEER_CHAIN, m, m, STEER_CHAIN, m);
	for (i = 0; i < c->ngw; i++) {
		if (!c->gw[i].name[0])
			continue;	/* an empty slot */
		conf_set_name(c, i, set, sizeof(set));
		r |= sbuf_appendf(buf, len, off,
			     "-A %s -m set --match-set %s src -j MARK --set-xmark 0x%x/0x%x\n",
			     STEER_CHAIN, set, conf_gw_mark(c, i), m);
	}
	r |= sbuf_appendf(buf, len, off,
		     "-A %s -m mark ! --mark 0x0/0x%x -j CONNMARK --save-mark --nfmask 0x%x --ctmask 0x%x\n",
		     STEER_CHAIN, m, m, m);
	return r;
}

/* Pinned: a queued packet's verdict mark saved to its connection. */
static int steer_rules_save(const struct conf *c, char *buf, size_t len,
			    size_t *off)
{
	uint32_t m = c->mark_mask;

	return sbuf_appendf(buf, len, off,
		       "-A %s -m connmark --mark 0x0/0x%x -m mark ! --mark 0x0/0x%x "
		       "-j CONNMARK --save-mark --nfmask 0x%x --ctmask 0x%x\n",
		       STEER_SAVE_CHAIN, m, m, m, m);
}

int steer_ruleset(const struct conf *c, char *buf, size_t len)
{
	uint32_t m = c->mark_mask;
	size_t off = 0;
	int r = 0;

	/* A chain declared with --noflush is flushed: the restore replaces it. */
	r |= sbuf_appendf(buf, len, &off, "*mangle\n:%s - [0:0]\n:%s - [0:0]\n",
		     STEER_CHAIN, STEER_SAVE_CHAIN);
	r |= c->pin_connections ? steer_rules_pinned(c, buf, len, &off) :
				  steer_rules_unpinned(c, buf, len, &off);
	r |= sbuf_appendf(buf, len, &off, "-A %s -m mark ! --mark 0x0/0x%x -j RETURN\n",
		     STEER_CHAIN, m);
	/*
	 * Only unknown clients get here, so neither rule below slows the
	 * fast path.  Packets to the box itself (a portal's DNS and login
	 * page) never bind anyone; without bind_on_packet nothing is
	 * queued at all, and the last rule only counts what leaves unmarked.
	 */
	if (c->bind_on_packet)
		r |= sbuf_appendf(buf, len, &off,
			     "-A %s -m addrtype --dst-type LOCAL,BROADCAST,MULTICAST "
			     "-j RETURN\n"
			     "-A %s -j NFQUEUE --queue-num %u --queue-bypass\n",
			     STEER_CHAIN, STEER_CHAIN, c->queue_num);
	else
		r |= sbuf_appendf(buf, len, &off, "-A %s -m comment --comment %s\n",
			     STEER_CHAIN, STEER_UNBOUND_COMMENT);
	if (c->pin_connections)
		r |= steer_rules_save(c, buf, len, &off);
	r |= sbuf_appendf(buf, len, &off, "COMMIT\n");
	return r ? -1 : 0;
}

/* The jump rules, as iptables arguments after "-t mangle -X CHAIN". */
struct steer_jump {
	const char *hook;
	const char *target;
	int with_source;
	int pinned_only;	/* the connmark save: unpinned, no jump */
};

static const struct steer_jump steer_jumps[] = {
	{ "PREROUTING", STEER_CHAIN, 1, 0 },
	{ "FORWARD", STEER_SAVE_CHAIN, 0, 1 },
};

static int steer_jump_cmd(const struct conf *c, const struct steer_jump *j,
			  const char *op, char *out, size_t outlen)
{
	char net[INET_ADDRSTRLEN + 4], a[INET_ADDRSTRLEN];
	char *argv[16];
	int n = 0;

	inet_ntop(AF_INET, &c->lan_net.addr, a, sizeof(a));
	snprintf(net, sizeof(net), "%s/%u", a, c->lan_net.plen);
	argv[n++] = "iptables";
	argv[n++] = "-w";
	argv[n++] = "-t";
	argv[n++] = "mangle";
	argv[n++] = (char *)op;
	argv[n++] = (char *)j->hook;
	argv[n++] = "-i";
	argv[n++] = (char *)c->lan_if;
	if (j->with_source) {
		argv[n++] = "-s";
		argv[n++] = net;
	}
	argv[n++] = "-j";
	argv[n++] = (char *)j->target;
	argv[n] = NULL;
	return spawn_run(argv, NULL, out, outlen);
}

/* Every copy of jump j (bounded: a broken iptables can't loop us). */
static void steer_jump_delete_all(const struct conf *c,
				  const struct steer_jump *j)
{
	char out[512];
	unsigned k;

	for (k = 0; k < STEER_MAX_JUMP_DELETES; k++)
		if (steer_jump_cmd(c, j, "-D", out, sizeof(out)))
			break;
}

int steer_install(const struct conf *c, char *err, size_t errlen)
{
	char *restore[] = { "iptables-restore", "-w", "--noflush", NULL };
	char rules[8192], out[512];
	unsigned i;

	if (steer_ruleset(c, rules, sizeof(rules))) {
		snprintf(err, errlen, "iptables ruleset too long");
		return -1;
	}
	if (spawn_run(restore, rules, out, sizeof(out))) {
		snprintf(err, errlen, "iptables-restore of chain %s failed: %s",
			 STEER_CHAIN, out);
		return -1;
	}
	for (i = 0; i < sizeof(steer_jumps) / sizeof(steer_jumps[0]); i++) {
		if (steer_jumps[i].pinned_only && !c->pin_connections) {
			/* Left by a pinned run: it would only cost time. */
			steer_jump_delete_all(c, &steer_jumps[i]);
			continue;
		}
		if (!steer_jump_cmd(c, &steer_jumps[i], "-C", out, sizeof(out)))
			continue;	/* already there: never twice */
		if (steer_jump_cmd(c, &steer_jumps[i], "-I", out, sizeof(out))) {
			snprintf(err, errlen, "iptables -t mangle -I %s -i %s -j %s: %s",
				 steer_jumps[i].hook, c->lan_if,
				 steer_jumps[i].target, out);
			return -1;
		}
	}
	/* The proxy's rules follow the same slots (or go, when it is off). */
	return c->proxy.enable ? proxy_install(c, err, errlen) :
				 proxy_remove(c, err, errlen);
}

static int steer_chain_cmd(const char *op, const char *chain, char *out,
			   size_t outlen)
{
	char *argv[] = { "iptables", "-w", "-t", "mangle", (char *)op,
			 (char *)chain, NULL };

	return spawn_run(argv, NULL, out, outlen);
}

int steer_remove(const struct conf *c, char *err, size_t errlen)
{
	const char *chains[] = { STEER_CHAIN, STEER_SAVE_CHAIN };
	char out[512];
	unsigned i;
	int r = 0;

	for (i = 0; i < sizeof(steer_jumps) / sizeof(steer_jumps[0]); i++)
		steer_jump_delete_all(c, &steer_jumps[i]);
	for (i = 0; i < 2; i++) {
		if (steer_chain_cmd("-L", chains[i], out, sizeof(out)))
			continue;	/* no such chain */
		if (steer_chain_cmd("-F", chains[i], out, sizeof(out)) ||
		    steer_chain_cmd("-X", chains[i], out, sizeof(out))) {
			snprintf(err, errlen, "removing chain %s: %s", chains[i], out);
			r = -1;
		}
	}
	if (proxy_remove(c, out, sizeof(out)) && !r) {
		snprintf(err, errlen, "%s", out);
		r = -1;
	}
	return r;
}

/*
 * Packets of unbound clients left unmarked without bind_on_packet: the
 * counter of the chain's last rule.  0, or -1 if it cannot be read.
 */
int steer_unbound_packets(unsigned long long *pk)
{
	char *argv[] = { "iptables", "-w", "-t", "mangle", "-nvxL", STEER_CHAIN, NULL };
	char out[8192], *l;

	*pk = 0;
	if (spawn_run(argv, NULL, out, sizeof(out)))
		return -1;
	for (l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, "/* " STEER_UNBOUND_COMMENT " */"))
			*pk = strtoull(l, NULL, 10);
	return 0;
}

/*
 * Count-based: a chain that exists with all its rules is taken as
 * ours (a flush or a deletion is what this looks for, not an edit).
 */
static int steer_audit_chain(const char *chain, unsigned want, char *missing,
			     size_t len, size_t *off)
{
	return want ? iptaudit_chain("mangle", chain, want, missing, len, off) : 0;
}

int steer_audit(const struct conf *c, char *missing, size_t len)
{
	char rules[8192], out[512];
	size_t off = 0;
	unsigned i;
	int n = 0;

	if (len)
		missing[0] = '\0';
	if (steer_ruleset(c, rules, sizeof(rules)))
		return -1;
	n += steer_audit_chain(STEER_CHAIN, iptaudit_count(rules, STEER_CHAIN),
			       missing, len, &off);
	n += steer_audit_chain(STEER_SAVE_CHAIN,
			       iptaudit_count(rules, STEER_SAVE_CHAIN),
			       missing, len, &off);
	for (i = 0; i < sizeof(steer_jumps) / sizeof(steer_jumps[0]); i++) {
		if (steer_jumps[i].pinned_only && !c->pin_connections)
			continue;
		if (!steer_jump_cmd(c, &steer_jumps[i], "-C", out, sizeof(out)))
			continue;
		sbuf_appendf(missing, len, &off, "%sjump %s -> %s", off ? ", " : "",
			steer_jumps[i].hook, steer_jumps[i].target);
		n++;
	}
	if (c->proxy.enable) {
		int p = proxy_audit(c, missing + off, len - off, off > 0);

		if (p < 0)
			return -1;
		n += p;
	}
	return n;
}
