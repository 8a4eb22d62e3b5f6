// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * foreign.c - see foreign.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "kernel/foreign.h"

/* Gateway slot whose mark (under our mask) or table rr uses, or -1. */
static int foreign_slot(const struct conf *c, const struct rtnl_rule *rr)
{
	unsigned i;

	for (i = 0; i < c->ngw; i++) {
		uint32_t m = conf_gw_mark(c, i);

		if (rr->has_mark && (rr->mark & rr->mask & c->mark_mask) == m)
			return (int)i;
		if (rr->to_table && rr->table == m)
			return (int)i;
	}
	return -1;
}

/* Is rr the rule of that kind that nfqlbd makes for slot i (conf_gw_rule)? */
static int is_gw_rule(const struct conf *c, const struct rtnl_rule *rr, unsigned i,
		      enum conf_rule_kind kind)
{
	struct conf_rule w;

	conf_gw_rule(c, i, kind, &w);
	if (rr->other_selectors || !rr->to_table || !rr->has_mark || rr->prio != w.prio ||
	    rr->mark != w.mark || rr->mask != w.mask || rr->table != w.table)
		return 0;
	if (w.iif_lo)
		return !strcmp(rr->iif, "lo") && rr->src_len == 0;
	return !rr->iif[0] && rr->src_len == w.from.plen &&
	       rr->src.s_addr == w.from.addr.s_addr;
}

/* One of the two rules kmirror makes for slot i (its LAN rule, its probe rule). */
static int ours(const struct conf *c, const struct rtnl_rule *rr, unsigned i)
{
	return is_gw_rule(c, rr, i, CONF_RULE_LAN) || is_gw_rule(c, rr, i, CONF_RULE_PROBE);
}

int foreign_rule_conflicts(const struct conf *c, const struct rtnl_rule *rr)
{
	int i = foreign_slot(c, rr);

	return i >= 0 && !ours(c, rr, (unsigned)i);
}

void foreign_rule_desc(const struct rtnl_rule *rr, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN] = "all", from[INET_ADDRSTRLEN + 8] = "all";
	size_t off;

	if (rr->src_len) {
		inet_ntop(AF_INET, &rr->src, a, sizeof(a));
		snprintf(from, sizeof(from), "%s/%u", a, rr->src_len);
	}
	off = (size_t)snprintf(buf, len, "%u: from %s", rr->prio, from);
	if (off < len && rr->iif[0])
		off += (size_t)snprintf(buf + off, len - off, " iif %s", rr->iif);
	if (off < len && rr->has_mark)
		off += (size_t)snprintf(buf + off, len - off, " fwmark 0x%x/0x%x",
					rr->mark, rr->mask);
	if (off < len && rr->to_table)
		snprintf(buf + off, len - off, " lookup %u", rr->table);
}

struct foreign_ctx {
	const struct conf *c;
	unsigned n;
	char first[160];
};

static void foreign_cb(const struct rtnl_rule *rr, void *arg)
{
	struct foreign_ctx *x = arg;

	if (!foreign_rule_conflicts(x->c, rr))
		return;
	if (!x->n++)
		foreign_rule_desc(rr, x->first, sizeof(x->first));
}

int foreign_rules_check(struct rtnl *r, const struct conf *c, char *err, size_t len)
{
	struct foreign_ctx x = { .c = c };

	if (rtnl_rule_foreach(r, foreign_cb, &x)) {
		snprintf(err, len, "%s", rtnl_error(r));
		return -1;
	}
	if (!x.n)
		return 0;
	snprintf(err, len, "ip rule \"%s\" is not nfqlbd's but uses the marks or "
		 "routing tables of its gateways (%u..%u, marks.base = %u)%s: "
		 "remove it (ALCASAR: MULTIWAN=off) or choose another marks.base; "
		 "nothing was changed", x.first, conf_gw_mark(c, 0),
		 conf_gw_mark(c, c->ngw ? c->ngw - 1 : 0), c->mark_base,
		 x.n > 1 ? ", and more such rules" : "");
	return -1;
}
