// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fake_nfqlbd.c - the daemon's kernel-facing verbs replaced at link
 * level for fuzz_control: the balance table, client details and the
 * configuration are the real ones, sets, rules, routes, the queue and
 * the prober are not touched.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fake_nfqlbd.h"
#include "daemon/hasync.h"
#include "daemon/uplink.h"

static struct queue_stats fake_qstats;

int fake_nfqlbd_init(struct nfqlbd *d, const char *conf_text, const char *sock)
{
	struct control_params cp = { .path = sock, .mode = 0600, .group = (gid_t)-1,
				     .idle_timeout = 5, .max_conns = 4 };
	struct conf_errors *e = calloc(1, sizeof(*e));
	char err[256];
	unsigned i;

	memset(d, 0, sizeof(*d));
	if (!e || conf_load_string(conf_text, "fuzz.conf", &d->conf, e)) {
		fprintf(stderr, "fuzz config: %s\n", e && e->count ? e->msg[0] : "?");
		return -1;
	}
	free(e);
	d->conf_path = "fuzz.conf";
	d->bal = balance_new(d->conf.max_clients);
	d->info = clientinfo_new(d->conf.max_clients);
	if (!d->bal || !d->info)
		return -1;
	for (i = 0; i < d->conf.ngw; i++)
		if (balance_gw_add(d->bal, d->conf.gw[i].weight) < 0)
			return -1;
	d->ctl = control_open(&cp, commands_handle, d, err, sizeof(err));
	if (!d->ctl) {
		fprintf(stderr, "fuzz control: %s\n", err);
		return -1;
	}
	d->started = time(NULL);
	return 0;
}

int nfqlbd_gw_find(const struct nfqlbd *d, const char *name)
{
	unsigned i;

	for (i = 0; i < d->conf.ngw; i++)
		if (d->conf.gw[i].name[0] && !strcmp(d->conf.gw[i].name, name))
			return (int)i;
	return -1;
}

int nfqlbd_bind(struct nfqlbd *d, const struct nfqlb_addr *a,
		const struct client_meta *m, int *created, char *err, size_t len)
{
	int gw = balance_assign(d->bal, a, (uint32_t)time(NULL), created);

	if (gw < 0) {
		snprintf(err, len, "cannot bind: %s", strerror(errno));
		return -1;
	}
	clientinfo_set(d->info, a->v4, m);
	return gw;
}

int nfqlbd_release(struct nfqlbd *d, const struct nfqlb_addr *a)
{
	int gw = balance_release(d->bal, a);

	if (gw >= 0)
		clientinfo_del(d->info, a->v4);
	return gw;
}

int nfqlbd_set_weight(struct nfqlbd *d, unsigned slot, uint32_t w)
{
	return balance_gw_set_weight(d->bal, slot, w);
}

int nfqlbd_gw_add(struct nfqlbd *d, const struct conf_gw *g, char *err, size_t len)
{
	unsigned slot = d->conf.ngw;
	int b;

	if (slot >= BALANCE_MAX_GW || conf_check_slot(&d->conf, slot, err, len))
		return -1;
	b = balance_gw_add(d->bal, g->weight);
	if (b < 0) {
		snprintf(err, len, "balance: %s", strerror(errno));
		return -1;
	}
	d->conf.gw[slot] = *g;
	d->conf.ngw++;
	return (int)slot;
}

int nfqlbd_gw_del(struct nfqlbd *d, unsigned slot, char *err, size_t len)
{
	(void)err;
	(void)len;
	balance_gw_set_weight(d->bal, slot, 0);
	d->conf.gw[slot].name[0] = '\0';
	return 0;
}

int nfqlbd_reload(struct nfqlbd *d, char *err, size_t len)
{
	(void)d;
	(void)err;
	(void)len;
	return 0;
}

uint32_t failover_rebalance(struct nfqlbd *d)
{
	(void)d;
	return 0;
}

const char *failover_state(const struct nfqlbd *d, unsigned i)
{
	return balance_gw_weight(d->bal, i) ? "up" : "drained";
}

const char *uplink_link(const struct nfqlbd *d, unsigned i)
{
	(void)d;
	(void)i;
	return "ok";
}

const char *uplink_nexthop(const struct nfqlbd *d, unsigned i, char *buf, size_t len)
{
	conf_gw_address(&d->conf.gw[i], buf, len);
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}

const char *health_state_name(enum health_state s)
{
	return s == HEALTH_UP ? "up" : "down";
}

int health_gw_info(const struct health *h, unsigned slot, struct health_info *hi)
{
	(void)h;
	(void)slot;
	memset(hi, 0, sizeof(*hi));
	return -1;
}

const struct queue_stats *queue_stats(const struct queue *q)
{
	(void)q;
	return &fake_qstats;
}

/*
 * Behind a portal (portal.c, state.c, steer.c): the sync verb is
 * fuzzed for real (sync.c), its journal writes and holds are not.
 */
void portal_hold(struct nfqlbd *d, const struct nfqlb_addr *a)
{
	(void)d;
	(void)a;
}

void nfqlbd_sets_commit(struct nfqlbd *d)
{
	(void)d;
}

void state_batch_begin(struct state *st)
{
	(void)st;
}

void state_batch_end(struct state *st)
{
	(void)st;
}

int steer_unbound_packets(unsigned long long *pk)
{
	*pk = 0;
	return 0;
}

/* Health verdicts and traffic counters: no prober, no kernel here. */
const char *health_reason_name(enum health_reason r)
{
	(void)r;
	return "-";
}

int failover_probe_outage(const struct nfqlbd *d)
{
	(void)d;
	return 0;
}

void nfqlbd_traffic_update(struct nfqlbd *d)
{
	(void)d;
}

/* The HA verbs answer as with no `ha` group: off. */
void hasync_cmd_ha(struct nfqlbd *d, const struct control_req *r, struct obuf *o)
{
	(void)d;
	(void)r;
	obuf_printf(o, "ERR invalid ha is off (no ha group)\n");
}

void hasync_cmd_adopt(struct nfqlbd *d, const struct control_req *r, struct obuf *o)
{
	hasync_cmd_ha(d, r, o);
}

void hasync_stats(struct nfqlbd *d, struct obuf *o)
{
	(void)d;
	(void)o;
}

/* Self-repair: nothing of the kernel's here, so nothing is missing. */
int nfqlbd_repair(struct nfqlbd *d, int all, char *what, size_t wlen,
		  char *err, size_t elen)
{
	(void)d;
	(void)all;
	(void)err;
	(void)elen;
	if (wlen)
		what[0] = '\0';
	return 0;
}
