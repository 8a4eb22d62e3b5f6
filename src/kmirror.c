// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmirror.c - the kernel mirror: every set, rule, route and chain
 * nfqlbd owns, composed in one place (the list is in kmirror.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balance.h"
#include "kmirror.h"
#include "log.h"
#include "rtnl.h"
#include "steer.h"

struct kmirror_gw {
	char setname[32];
	unsigned ifindex;	/* the routes' device; 0: none installed */
	int routed;		/* its routes are wanted */
	int lan_rule;		/* its "from LAN" rule is wanted (failover) */
	int probe_rule;		/* its "iif lo" probe rule is wanted */
};

struct kmirror {
	const struct conf *conf;
	struct lbset *sets;
	struct rtnl *rtnl;
	struct kmirror_gw gw[BALANCE_MAX_GW];
	char mapname[32];	/* "" with pin_connections */
	int steered;		/* the chains are wanted */
};

/* The priorities of slot i's rules: probe rules above every LAN rule. */
static uint32_t lan_prio(const struct conf *c, unsigned i)
{
	return c->rule_priority + i;
}

static uint32_t probe_prio(const struct conf *c, unsigned i)
{
	return c->rule_priority + BALANCE_MAX_GW + i;
}

struct kmirror *kmirror_open(const struct conf *c, struct lbset *sets)
{
	struct kmirror *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->conf = c;
	k->sets = sets;
	k->rtnl = rtnl_open();
	if (!k->rtnl) {
		free(k);
		return NULL;
	}
	return k;
}

void kmirror_close(struct kmirror *k)
{
	if (!k)
		return;
	rtnl_close(k->rtnl);
	free(k);
}

const char *kmirror_set_name(const struct kmirror *k, unsigned i)
{
	return i < BALANCE_MAX_GW ? k->gw[i].setname : "";
}

const char *kmirror_map_name(const struct kmirror *k)
{
	return k->mapname;
}

int kmirror_gw_set(struct kmirror *k, unsigned i, char *err, size_t len)
{
	const struct conf *c = k->conf;

	conf_set_name(c, i, k->gw[i].setname, sizeof(k->gw[i].setname));
	if (lbset_create(k->sets, k->gw[i].setname, c->max_clients)) {
		snprintf(err, len, "gateway %s: %s", c->gw[i].name,
			 lbset_error(k->sets));
		return -1;
	}
	return 0;
}

int kmirror_gw_routing(struct kmirror *k, unsigned i, int lan_rule,
		       char *err, size_t len)
{
	const struct conf *c = k->conf;
	struct kmirror_gw *g = &k->gw[i];
	uint32_t mark = conf_gw_mark(c, i);

	g->routed = 1;
	g->lan_rule = lan_rule;
	g->ifindex = rtnl_ifindex(k->rtnl, c->gw[i].ifname);
	if (!g->ifindex ||
	    rtnl_gw_routes_add(k->rtnl, mark, c->gw[i].addr, g->ifindex) ||
	    (lan_rule &&
	     rtnl_rule_add(k->rtnl, &c->lan_net, mark, c->mark_mask, mark,
			   lan_prio(c, i)))) {
		snprintf(err, len, "gateway %s: %s", c->gw[i].name, rtnl_error(k->rtnl));
		return -1;
	}
	return 0;
}

void kmirror_gw_unroute(struct kmirror *k, unsigned i)
{
	const struct conf *c = k->conf;
	struct kmirror_gw *g = &k->gw[i];
	uint32_t mark = conf_gw_mark(c, i);

	if (rtnl_rule_del(k->rtnl, &c->lan_net, mark, c->mark_mask, mark,
			  lan_prio(c, i)) ||
	    (g->ifindex &&
	     rtnl_gw_routes_del(k->rtnl, mark, c->gw[i].addr, g->ifindex)))
		log_warnx("gateway %s: %s", c->gw[i].name, rtnl_error(k->rtnl));
	g->routed = 0;
	g->lan_rule = 0;
	g->ifindex = 0;
}

int kmirror_gw_lan_rule(struct kmirror *k, unsigned i, int add)
{
	const struct conf *c = k->conf;
	uint32_t mark = conf_gw_mark(c, i);
	int rc;

	k->gw[i].lan_rule = add;
	rc = add ? rtnl_rule_add(k->rtnl, &c->lan_net, mark, c->mark_mask, mark,
				 lan_prio(c, i)) :
		   rtnl_rule_del(k->rtnl, &c->lan_net, mark, c->mark_mask, mark,
				 lan_prio(c, i));
	if (rc)
		log_warnx("gateway %s: %s", c->gw[i].name, rtnl_error(k->rtnl));
	return rc;
}

int kmirror_gw_probe_rule(struct kmirror *k, unsigned i, int add,
			  char *err, size_t len)
{
	const struct conf *c = k->conf;
	uint32_t mark = conf_gw_mark(c, i);
	int rc;

	k->gw[i].probe_rule = add;
	rc = add ? rtnl_rule_add_local(k->rtnl, mark, c->mark_mask, mark,
				       probe_prio(c, i)) :
		   rtnl_rule_del_local(k->rtnl, mark, c->mark_mask, mark,
				       probe_prio(c, i));
	if (rc)
		snprintf(err, len, "gateway %s: probe rule: %s", c->gw[i].name,
			 rtnl_error(k->rtnl));
	return rc;
}

void kmirror_gw_forget(struct kmirror *k, unsigned i)
{
	if (k->gw[i].setname[0] && lbset_destroy(k->sets, k->gw[i].setname))
		log_warnx("%s", lbset_error(k->sets));
	memset(&k->gw[i], 0, sizeof(k->gw[i]));
}

int kmirror_map_create(struct kmirror *k, char *err, size_t len)
{
	conf_map_set_name(k->conf, k->mapname, sizeof(k->mapname));
	if (lbset_create_map(k->sets, k->mapname, k->conf->max_clients)) {
		snprintf(err, len, "%s", lbset_error(k->sets));
		return -1;
	}
	return 0;
}

void kmirror_map_remove_stale(struct kmirror *k)
{
	char name[32];

	conf_map_set_name(k->conf, name, sizeof(name));
	if (lbset_destroy(k->sets, name))
		log_warnx("%s", lbset_error(k->sets));
}

int kmirror_steer(struct kmirror *k, char *err, size_t len)
{
	if (steer_install(k->conf, err, len))
		return -1;
	k->steered = 1;
	return 0;
}

int kmirror_teardown(const struct conf *c, int all)
{
	char err[512], set[32];
	struct rtnl *r;
	struct lbset *s;
	unsigned i;
	int rc = 0;

	if (steer_remove(c, err, sizeof(err))) {
		log_warnx("%s", err);
		rc = 1;
	}
	r = rtnl_open();
	if (!r) {
		log_warnx("cannot open an rtnetlink socket");
		rc = 1;
	}
	for (i = 0; r && i < c->ngw; i++) {
		uint32_t mark = conf_gw_mark(c, i);
		unsigned ifi;

		if (!c->gw[i].name[0])
			continue;
		ifi = rtnl_ifindex(r, c->gw[i].ifname);
		if (rtnl_rule_del(r, &c->lan_net, mark, c->mark_mask, mark,
				  lan_prio(c, i)) ||
		    rtnl_rule_del_local(r, mark, c->mark_mask, mark, probe_prio(c, i)) ||
		    (ifi && rtnl_gw_routes_del(r, mark, c->gw[i].addr, ifi))) {
			log_warnx("%s", rtnl_error(r));
			rc = 1;
		}
	}
	rtnl_close(r);
	if (!all)
		return rc;
	s = lbset_open();
	for (i = 0; s && i < c->ngw; i++) {
		if (!c->gw[i].name[0])
			continue;
		conf_set_name(c, i, set, sizeof(set));
		if (lbset_destroy(s, set)) {
			log_warnx("%s", lbset_error(s));
			rc = 1;
		}
	}
	/* The map set, whichever mode made it (the chain is gone). */
	conf_map_set_name(c, set, sizeof(set));
	if (s && lbset_destroy(s, set)) {
		log_warnx("%s", lbset_error(s));
		rc = 1;
	}
	if (!s) {
		log_warnx("cannot open an ipset session");
		rc = 1;
	}
	lbset_close(s);
	return rc;
}
