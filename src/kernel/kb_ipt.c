// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kb_ipt.c - the kernel backend of today's nfqlbd: ipset sets, the
 * iptables mangle chains (steer.c), rtnetlink rules and routes
 * (rtnl.c).  See kbackend.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "kernel/kb_ipt.h"
#include "kernel/lbset.h"
#include "kernel/rtnl.h"
#include "kernel/steer.h"

struct kbackend {
	struct lbset *sets;
	struct rtnl *rtnl;
	const char *err;	/* the failing part's own message */
};

static struct kbackend *ipt_open(void)
{
	struct kbackend *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->sets = lbset_open();
	b->rtnl = rtnl_open();
	if (!b->sets || !b->rtnl) {
		lbset_close(b->sets);
		rtnl_close(b->rtnl);
		free(b);
		return NULL;
	}
	b->err = "";
	return b;
}

static void ipt_close(struct kbackend *b)
{
	if (!b)
		return;
	lbset_close(b->sets);
	rtnl_close(b->rtnl);
	free(b);
}

static const char *ipt_error(const struct kbackend *b)
{
	return b->err;
}

/* Remember which part failed, so that error() gives its message. */
static int set_rc(struct kbackend *b, int rc)
{
	if (rc < 0 || (rc && rc != 1))
		b->err = lbset_error(b->sets);
	return rc;
}

static int rt_rc(struct kbackend *b, int rc)
{
	if (rc < 0)
		b->err = rtnl_error(b->rtnl);
	return rc;
}

static int ipt_set_create(struct kbackend *b, const char *set, uint32_t max, int map)
{
	int rc = map ? lbset_create_map(b->sets, set, max) : lbset_create(b->sets, set, max);

	return rc ? set_rc(b, -1) : 0;
}

static int ipt_set_destroy(struct kbackend *b, const char *set)
{
	return lbset_destroy(b->sets, set) ? set_rc(b, -1) : 0;
}

static int ipt_set_exists(struct kbackend *b, const char *set)
{
	return set_rc(b, lbset_exists(b->sets, set));
}

static int64_t ipt_set_count(struct kbackend *b, const char *set)
{
	int64_t n = lbset_count(b->sets, set);

	if (n < 0)
		b->err = lbset_error(b->sets);
	return n;
}

static int ipt_set_list(struct kbackend *b, const char *set, kb_member_cb cb, void *arg)
{
	return lbset_list(b->sets, set, cb, arg) ? set_rc(b, -1) : 0;
}

static int ipt_member_add(struct kbackend *b, const char *set, const struct nfqlb_addr *a,
			  uint32_t mark, uint32_t mask, int defer)
{
	int rc;

	if (mark)
		rc = defer ? lbset_add_mark_defer(b->sets, set, a, mark, mask) :
			     lbset_add_mark(b->sets, set, a, mark, mask);
	else
		rc = defer ? lbset_add_defer(b->sets, set, a) : lbset_add(b->sets, set, a);
	return rc ? set_rc(b, -1) : 0;
}

static int ipt_member_del(struct kbackend *b, const char *set, const struct nfqlb_addr *a)
{
	return lbset_del(b->sets, set, a) ? set_rc(b, -1) : 0;
}

static unsigned ipt_pending(const struct kbackend *b)
{
	return lbset_pending(b->sets);
}

static void ipt_commit(struct kbackend *b, kb_fail_cb fail, void *arg)
{
	lbset_commit(b->sets, fail, arg);
}

static int ipt_routes_add(struct kbackend *b, uint32_t table, struct in_addr gw,
			  unsigned ifindex)
{
	return rt_rc(b, rtnl_gw_routes_add(b->rtnl, table, gw, ifindex));
}

static int ipt_last_resort(struct kbackend *b, uint32_t table, int add)
{
	return rt_rc(b, rtnl_last_resort(b->rtnl, table, add));
}

static int ipt_table_flush(struct kbackend *b, uint32_t table, int keep_last_resort)
{
	return rt_rc(b, rtnl_table_flush(b->rtnl, table, keep_last_resort));
}

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000		/* <linux/if.h>, clashes with <net/if.h> */
#endif

static int ipt_link_get(struct kbackend *b, const char *ifname, enum linkstate_nh nh,
			struct kb_link *l)
{
	struct rtnl_link rl;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = rtnl_link_get(b->rtnl, ifname, &rl);
	if (rc <= 0)
		return rt_rc(b, rc);
	l->ifindex = rl.ifindex;
	l->facts.exists = 1;
	l->facts.admin_up = !!(rl.flags & IFF_UP);
	l->facts.carrier = !!(rl.flags & IFF_LOWER_UP);
	/* ppp, tun, wireguard, gre, raw-IP wwan: no link-layer address. */
	l->facts.pointopoint = !!(rl.flags & IFF_POINTOPOINT) || !rl.lladdr_len;
	rc = rtnl_has_addr4(b->rtnl, rl.ifindex);
	if (rc < 0)
		return rt_rc(b, rc);
	l->facts.has_addr4 = rc;
	if (nh == LINKSTATE_NH_LEARNED) {
		rc = rtnl_main_default_via(b->rtnl, rl.ifindex, &l->nexthop);
		if (rc < 0)
			return rt_rc(b, rc);
		l->facts.nexthop_known = rc;
	}
	return 0;
}

static int ipt_table_count(struct kbackend *b, uint32_t table)
{
	return rt_rc(b, rtnl_table_count(b->rtnl, table));
}

static int ipt_rule(struct kbackend *b, const struct conf_rule *r, enum kb_rule_op op)
{
	struct rtnl *n = b->rtnl;

	if (r->iif_lo) {
		switch (op) {
		case KB_RULE_ADD:
			return rt_rc(b, rtnl_rule_add_local(n, r->mark, r->mask, r->table,
							    r->prio));
		case KB_RULE_DEL:
			return rt_rc(b, rtnl_rule_del_local(n, r->mark, r->mask, r->table,
							    r->prio));
		default:
			return rt_rc(b, rtnl_rule_exists_local(n, r->mark, r->mask,
							       r->table, r->prio));
		}
	}
	switch (op) {
	case KB_RULE_ADD:
		return rt_rc(b, rtnl_rule_add(n, &r->from, r->mark, r->mask, r->table,
					      r->prio));
	case KB_RULE_DEL:
		return rt_rc(b, rtnl_rule_del(n, &r->from, r->mark, r->mask, r->table,
					      r->prio));
	default:
		return rt_rc(b, rtnl_rule_exists(n, &r->from, r->mark, r->mask, r->table,
						 r->prio));
	}
}

static int ipt_steer_install(struct kbackend *b, const struct conf *c, char *err,
			     size_t len)
{
	(void)b;
	return steer_install(c, err, len);
}

static int ipt_steer_remove(struct kbackend *b, const struct conf *c, char *err,
			    size_t len)
{
	(void)b;
	return steer_remove(c, err, len);
}

static int ipt_steer_audit(struct kbackend *b, const struct conf *c, char *missing,
			   size_t len)
{
	(void)b;
	return steer_audit(c, missing, len);
}

const struct kbackend_ops kb_ipt_ops = {
	.name = "ipset+iptables",
	.open = ipt_open,
	.close = ipt_close,
	.error = ipt_error,
	.set_create = ipt_set_create,
	.set_destroy = ipt_set_destroy,
	.set_exists = ipt_set_exists,
	.set_count = ipt_set_count,
	.set_list = ipt_set_list,
	.member_add = ipt_member_add,
	.member_del = ipt_member_del,
	.pending = ipt_pending,
	.commit = ipt_commit,
	.routes_add = ipt_routes_add,
	.last_resort = ipt_last_resort,
	.table_flush = ipt_table_flush,
	.table_count = ipt_table_count,
	.rule = ipt_rule,
	.link_get = ipt_link_get,
	.steer_install = ipt_steer_install,
	.steer_remove = ipt_steer_remove,
	.steer_audit = ipt_steer_audit,
};
