// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uplink.c - the gateways' links come and go (uplink.h).
 *
 * Nothing here decides: linkstate_judge() says whether a link can
 * carry traffic, the judge (judge.h) what that does to the gateway's
 * standing, failover.c moves its users.  This file only carries the
 * facts from the kernel (the mirror's backend) to those two, and the
 * routes to the mirror; it calls only layers below it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/linkstate.h"
#include "daemon/uplink.h"
#include "kernel/linkmon.h"
#include "util/log.h"

#define UPLINK_UNKNOWN	(-1)	/* not looked at yet (slot new or freed) */

struct uplink_gw {
	int why;		/* enum linkstate_why, or UPLINK_UNKNOWN */
	struct in_addr nexthop;	/* in use (LEARNED: the last learned) */
	int err_logged;		/* a failed look-up, logged once */
};

struct uplink {
	const struct conf *conf;
	struct kmirror *km;
	struct failover *f;
	struct linkmon *mon;	/* NULL until uplink_watch() */
	struct uplink_gw gw[BALANCE_MAX_GW];
	struct uplink_counters n;
};

/* The next hop the table routes through, for slot i's link l. */
static struct in_addr nexthop_of(const struct conf_gw *g, const struct kb_link *l)
{
	struct in_addr none = { .s_addr = INADDR_ANY };

	switch (g->nh) {
	case LINKSTATE_NH_ADDR:
		return g->addr;
	case LINKSTATE_NH_LEARNED:
		return l->nexthop;
	case LINKSTATE_NH_DEV:
		break;
	}
	return none;
}

/*
 * Once per change of verdict: a link lost (from usable, or at the
 * first look) or back is a warning and counted; another reason for a
 * link still unusable (missing, then there but down) is only info.
 */
static void log_link(struct uplink *u, unsigned i, int old, enum linkstate_why why,
		     const struct kb_link *l, struct in_addr nh)
{
	const struct conf_gw *g = &u->conf->gw[i];
	struct failover_gw_info gi;
	char a[INET_ADDRSTRLEN] = "";

	if (nh.s_addr)
		inet_ntop(AF_INET, &nh, a, sizeof(a));
	if (why != LINKSTATE_OK && old != UPLINK_UNKNOWN && old != LINKSTATE_OK) {
		log_info("gateway %s: interface %s %s: still no-link", g->name,
			 g->ifname, linkstate_why_name(why));
		return;
	}
	if (why != LINKSTATE_OK) {
		u->n.link_losses++;
		log_warnx("gateway %s: interface %s %s: no-link, out of use until it is back",
			  g->name, g->ifname, linkstate_why_name(why));
		return;
	}
	if (old == UPLINK_UNKNOWN)
		return;		/* first look, all well: nothing to say */
	u->n.link_returns++;
	failover_gw_info(u->f, i, &gi);
	log_warnx("gateway %s: interface %s back (index %u%s%s): routes restored, "
		  "%s", g->name, g->ifname, l->ifindex, a[0] ? ", next hop " : "", a,
		  gi.probed ? "the probes decide" : "in use");
}

/* Slot i: facts, verdict, routes; 1 if the judge must hear of it. */
static int audit_one(struct uplink *u, unsigned i)
{
	const struct conf_gw *g = &u->conf->gw[i];
	struct uplink_gw *ug = &u->gw[i];
	struct kb_link l;
	enum linkstate_why why;
	struct in_addr nh;
	char err[512];
	int ok, old = ug->why;

	if (kmirror_link_get(u->km, g->ifname, g->nh, &l, err, sizeof(err))) {
		if (!ug->err_logged++)
			log_warnx("gateway %s: %s", g->name, err);
		return 0;	/* the verdict stands until the kernel answers */
	}
	ug->err_logged = 0;
	why = linkstate_judge(&l.facts, g->nh);
	nh = nexthop_of(g, &l);
	ok = why == LINKSTATE_OK;
	if (kmirror_gw_link(u->km, i, ok, l.ifindex, nh, err, sizeof(err)) < 0) {
		/*
		 * A next hop the kernel refuses (say, a learned one not on
		 * the link) is no next hop; tried again at the next audit.
		 */
		if (ug->why != LINKSTATE_NO_NEXTHOP)
			log_warnx("%s", err);
		why = LINKSTATE_NO_NEXTHOP;
		ok = 0;
	}
	if (ok && ug->why == LINKSTATE_OK && ug->nexthop.s_addr != nh.s_addr) {
		char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &ug->nexthop, a, sizeof(a));
		inet_ntop(AF_INET, &nh, b, sizeof(b));
		log_warnx("gateway %s: next hop %s -> %s (main's default via %s)",
			  g->name, a, b, g->ifname);
	}
	ug->nexthop = ok ? nh : ug->nexthop;
	if (old != (int)why) {
		ug->why = (int)why;
		log_link(u, i, old, why, &l, nh);
	}
	return failover_gw_link(u->f, i, ok);
}

void uplink_audit(struct uplink *u)
{
	unsigned i;
	int judge = 0;

	if (!u)
		return;
	for (i = 0; i < u->conf->ngw; i++) {
		if (!u->conf->gw[i].name[0]) {
			memset(&u->gw[i], 0, sizeof(u->gw[i]));
			u->gw[i].why = UPLINK_UNKNOWN;
			continue;
		}
		judge |= audit_one(u, i);
	}
	if (judge)
		failover_judge(u->f);
}

struct uplink *uplink_new(const struct conf *c, struct kmirror *km, struct failover *f)
{
	struct uplink *u = calloc(1, sizeof(*u));
	unsigned i;

	if (!u)
		return NULL;
	u->conf = c;
	u->km = km;
	u->f = f;
	for (i = 0; i < BALANCE_MAX_GW; i++)
		u->gw[i].why = UPLINK_UNKNOWN;
	return u;
}

void uplink_free(struct uplink *u)
{
	if (!u)
		return;
	linkmon_close(u->mon);
	free(u);
}

int uplink_watch(struct uplink *u, char *err, size_t len)
{
	if (!u->mon)
		u->mon = linkmon_open(err, len);
	return u->mon ? 0 : -1;
}

int uplink_fd(const struct uplink *u)
{
	return u->mon ? linkmon_fd(u->mon) : -1;
}

void uplink_dispatch(struct uplink *u)
{
	if (u->mon && linkmon_read(u->mon))
		uplink_audit(u);
}

const char *uplink_link(const struct uplink *u, unsigned i)
{
	if (!u || i >= BALANCE_MAX_GW || u->gw[i].why == UPLINK_UNKNOWN)
		return "unknown";
	return linkstate_why_name((enum linkstate_why)u->gw[i].why);
}

const char *uplink_nexthop(const struct uplink *u, unsigned i, char *buf, size_t len)
{
	const struct conf_gw *g = &u->conf->gw[i];

	snprintf(buf, len, "-");
	if (g->nh == LINKSTATE_NH_ADDR)
		inet_ntop(AF_INET, &g->addr, buf, (socklen_t)len);
	else if (g->nh == LINKSTATE_NH_LEARNED && u->gw[i].why == LINKSTATE_OK &&
		 u->gw[i].nexthop.s_addr)
		inet_ntop(AF_INET, &u->gw[i].nexthop, buf, (socklen_t)len);
	return buf;
}

const struct uplink_counters *uplink_counters(const struct uplink *u)
{
	return &u->n;
}

unsigned uplink_missing(const struct kbackend_ops *ops, const struct conf *c,
			const char *path)
{
	struct kbackend *kb = ops->open();
	struct kb_link l;
	unsigned i, n = 0;

	if (!kb) {
		log_warnx("cannot open the kernel backend (%s): interfaces not checked",
			  ops->name);
		return 0;
	}
	for (i = 0; i < c->ngw; i++) {
		if (ops->link_get(kb, c->gw[i].ifname, LINKSTATE_NH_ADDR, &l) || l.facts.exists)
			continue;
		log_warnx("%s: gateway %s: interface '%s' not found: the gateway stays "
			  "no-link until it appears", path, c->gw[i].name, c->gw[i].ifname);
		n++;
	}
	ops->close(kb);
	return n;
}
