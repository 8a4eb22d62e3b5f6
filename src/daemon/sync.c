// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sync.c - see sync.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/iptab.h"
#include "core/synclist.h"
#include "util/log.h"
#include "daemon/sync.h"

/*
 * A list entry's flag: a refused line named this client.  It is left
 * exactly as it is at the end (synclist_who): neither released nor
 * bound, its details unchanged.
 */
#define SYNC_UNTOUCHED	1

/* One sync under way. */
struct sync_run {
	uint32_t id;
	struct iptab *list;	/* ip -> struct client_meta (or NULL) */
	uint32_t errors;	/* refused lines */
	uint32_t unreadable;	/* refused lines that named nobody readable */
};

struct sync {
	const struct conf *conf;
	struct bindings *b;
	struct hasync *ha;	/* bindings learned from the HA peer */
	struct sync_run *run;	/* NULL: none under way */
	uint64_t syncs;		/* runs applied */
};

static uint32_t sync_next_id;

static void sync_err(struct obuf *o, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sync_err(struct obuf *o, const char *kind, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	obuf_reset(o);
	obuf_printf(o, "ERR %s %s\n", kind, msg);
}

struct sync *sync_new(const struct conf *c, struct bindings *b, struct hasync *ha)
{
	struct sync *s = calloc(1, sizeof(*s));

	if (s) {
		s->conf = c;
		s->b = b;
		s->ha = ha;
	}
	return s;
}

static void run_free(struct sync *d)
{
	if (!d->run)
		return;
	iptab_free(d->run->list);
	free(d->run);
	d->run = NULL;
}

void sync_free(struct sync *s)
{
	if (!s)
		return;
	run_free(s);
	free(s);
}

uint64_t sync_count(const struct sync *s)
{
	return s->syncs;
}

static void sync_begin(struct sync *d, struct obuf *o)
{
	if (d->run) {
		log_warnx("sync %u abandoned: a new sync began", d->run->id);
		run_free(d);
	}
	d->run = calloc(1, sizeof(*d->run));
	if (d->run)
		d->run->list = iptab_new(d->conf->max_clients / 2);
	if (!d->run || !d->run->list) {
		run_free(d);
		sync_err(o, "internal", "out of memory");
		return;
	}
	if (!sync_next_id)
		sync_next_id = (uint32_t)time(NULL) & 0xffff;
	d->run->id = ++sync_next_id;
	obuf_printf(o, "OK 1\n");
	obuf_kvu(o, "sync", d->run->id);
	obuf_printf(o, "\n");
}

static int sync_id_ok(struct sync *d, const char *w, struct obuf *o)
{
	char *end;
	unsigned long id;

	errno = 0;
	id = strtoul(w, &end, 10);
	if (*w && !*end && !errno && d->run && id == d->run->id)
		return 1;
	sync_err(o, "busy", "no sync \"%.20s\" under way (another began, or none did)", w);
	return 0;
}

/*
 * A refused line: counted, and whom it named is protected from the
 * end's decisions (synclist.h).  Never fails: the list goes on.
 */
static void sync_refuse(struct sync *d, const char *word)
{
	struct iptab_ent *e;
	struct in_addr ip;

	d->run->errors++;
	switch (synclist_who(word, &d->conf->lan_net, &ip)) {
	case SYNCLIST_CLIENT:
		e = iptab_put(d->run->list, ip.s_addr);
		if (e) {
			free(e->p);
			e->p = NULL;
			e->flag = SYNC_UNTOUCHED;
			return;
		}
		/* No memory to remember it: release nobody instead. */
		d->run->unreadable++;
		return;
	case SYNCLIST_UNREADABLE:
		d->run->unreadable++;
		return;
	case SYNCLIST_NOBODY:
		return;
	}
}

/* sync skip ID WORD: nfqlbctl refused a line whose first word is WORD. */
static void sync_skip(struct sync *d, const struct control_req *r, struct obuf *o)
{
	if (!sync_id_ok(d, r->argv[2], o))
		return;
	sync_refuse(d, r->argv[3]);
	obuf_printf(o, "OK 0\n");
}

static void sync_add(struct sync *d, const struct control_req *r, struct obuf *o)
{
	struct client_meta *m;
	struct iptab_ent *e;
	struct nfqlb_addr a;
	char err[128];
	int i;

	if (r->argc < 4) {
		sync_err(o, "usage", "usage: sync add ID IP [mac=MAC] [user=NAME] [session=ID]");
		return;
	}
	if (!sync_id_ok(d, r->argv[2], o))
		return;
	if (addr_parse(r->argv[3], &a) || a.family != AF_INET ||
	    !net4_contains(&d->conf->lan_net, a.v4)) {
		sync_refuse(d, r->argv[3]);
		sync_err(o, "invalid", "client \"%.64s\" is not an IPv4 address in "
			 "lan.network", r->argv[3]);
		return;
	}
	e = iptab_get(d->run->list, a.v4.s_addr);
	if (e && e->flag == SYNC_UNTOUCHED) {
		/* Another line named it and was refused: it stays untouched. */
		obuf_printf(o, "OK 0\n");
		return;
	}
	if (iptab_count(d->run->list) >= d->conf->max_clients && !e) {
		/* Not remembered, so it would be released: release nobody. */
		d->run->errors++;
		d->run->unreadable++;
		sync_err(o, "busy", "the list has more than clients.max = %u clients",
			 d->conf->max_clients);
		return;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		d->run->errors++;
		d->run->unreadable++;
		sync_err(o, "internal", "out of memory");
		return;
	}
	for (i = 4; i < r->argc; i++) {
		char *w = r->argv[i], *eq = strchr(w, '=');

		if (!eq)
			snprintf(err, sizeof(err), "\"%.40s\" is not key=value", w);
		else if ((*eq = '\0', proto_unescape(eq + 1)))
			snprintf(err, sizeof(err), "%.40s: bad %%XX escape", w);
		else if (!clientinfo_meta_field(m, w, eq + 1, NULL, err, sizeof(err)))
			continue;
		sync_err(o, "invalid", "client %s: %s", r->argv[3], err);
		free(m);
		sync_refuse(d, r->argv[3]);
		return;
	}
	e = iptab_put(d->run->list, a.v4.s_addr);
	if (!e) {
		free(m);
		d->run->errors++;
		d->run->unreadable++;
		sync_err(o, "internal", "out of memory");
		return;
	}
	free(e->p);
	e->p = m;
	obuf_printf(o, "OK 0\n");
}

struct sync_apply {
	struct sync *d;
	uint32_t bound, released, kept, errors, withheld;
	bool release;		/* no refused line named nobody readable */
	uint32_t ngone, cap;
	struct nfqlb_addr *gone;
};

static int sync_unlisted_cb(const struct balance_binding *bb, void *arg)
{
	struct sync_apply *x = arg;

	if (iptab_get(x->d->run->list, bb->addr.v4.s_addr))
		return 0;
	/* The HA peer's user, not yet back at this portal: kept (hasync.h). */
	if (!x->release || hasync_unconfirmed(x->d->ha, &bb->addr))
		x->withheld++;
	else if (x->ngone < x->cap)
		x->gone[x->ngone++] = bb->addr;
	return 0;
}

/* Every field the list gives is what is already known. */
static int meta_known(const struct client_meta *cur, const struct client_meta *m)
{
	if (!m || (!m->mac[0] && !m->user[0] && !m->session[0]))
		return 1;
	return cur && (!m->mac[0] || !strcmp(m->mac, cur->mac)) &&
	       (!m->user[0] || !strcmp(m->user, cur->user)) &&
	       (!m->session[0] || !strcmp(m->session, cur->session));
}

static int sync_listed_cb(struct iptab_ent *e, void *arg)
{
	struct sync_apply *x = arg;
	struct nfqlb_addr a = { .family = AF_INET };
	char err[256];
	int created = 0;

	a.v4.s_addr = e->ip;
	if (e->flag == SYNC_UNTOUCHED)
		return 0;
	/* Bound, confirmed and told nothing new: untouched (no journal line). */
	if (balance_lookup(bindings_table(x->d->b), &a) >= 0 &&
	    bindings_confirmed(x->d->b, &a) && !hasync_unconfirmed(x->d->ha, &a) &&
	    meta_known(bindings_meta(x->d->b, a.v4), e->p)) {
		x->kept++;
		return 0;
	}
	if (bindings_bind(x->d->b, &a, e->p, &created, err, sizeof(err)) < 0) {
		if (!x->errors++)
			log_warnx("sync: %s", err);
		return 0;
	}
	if (created)
		x->bound++;
	else
		x->kept++;
	return 0;
}

/*
 * Every line that was not refused is applied; the refused ones are in
 * errors (nfqlbctl named each).  A refused line that named nobody
 * readable may have meant any bound client: then nobody is released.
 * A binding learned from the HA peer and not yet confirmed by this
 * portal is never released for not being listed (hasync.h).  withheld:
 * how many unlisted clients stayed bound for either reason.
 */
static void sync_end(struct sync *d, struct obuf *o)
{
	struct sync_apply x = { .d = d, .release = !d->run->unreadable };
	struct timespec t0, t1;
	uint32_t i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	x.cap = balance_clients(bindings_table(d->b));
	x.gone = calloc(x.cap ? x.cap : 1, sizeof(*x.gone));
	if (!x.gone) {
		sync_err(o, "internal", "out of memory");
		return;
	}
	bindings_batch(d->b, 1);
	/* Releases first: the weighted rule then sees the room they leave. */
	balance_foreach(bindings_table(d->b), sync_unlisted_cb, &x);
	for (i = 0; i < x.ngone; i++) {
		if (bindings_release(d->b, &x.gone[i]) >= 0)
			x.released++;
		bindings_hold(d->b, &x.gone[i]);
	}
	free(x.gone);
	bindings_defer(d->b);
	iptab_foreach(d->run->list, sync_listed_cb, &x);
	bindings_commit(d->b);
	bindings_batch(d->b, 0);
	d->syncs++;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	x.errors += d->run->errors;
	if (d->run->errors)
		log_warnx("sync %u: %u lines refused%s", d->run->id, d->run->errors,
			  x.release ? "" : "; some named nobody readable, so nobody "
			  "was released");
	log_info("sync %u: %u listed, bound %u, released %u, kept %u, errors %u, "
		 "withheld %u (applied in %ld ms)", d->run->id,
		 iptab_count(d->run->list), x.bound, x.released, x.kept, x.errors,
		 x.withheld,
		 (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	run_free(d);
	obuf_printf(o, "OK 1\n");
	obuf_kvu(o, "bound", x.bound);
	obuf_kvu(o, "released", x.released);
	obuf_kvu(o, "kept", x.kept);
	obuf_kvu(o, "errors", x.errors);
	obuf_kvu(o, "withheld", x.withheld);
	obuf_printf(o, "\n");
}

void sync_command(struct sync *d, const struct control_req *r, struct obuf *o)
{
	const char *sub = r->argv[1];

	if (!strcmp(sub, "begin") && r->argc == 2)
		sync_begin(d, o);
	else if (!strcmp(sub, "add"))
		sync_add(d, r, o);
	else if (!strcmp(sub, "skip") && r->argc == 4)
		sync_skip(d, r, o);
	else if (!strcmp(sub, "end") && r->argc == 3) {
		if (sync_id_ok(d, r->argv[2], o))
			sync_end(d, o);
	} else
		sync_err(o, "usage", "usage: sync begin | sync add ID IP [mac=MAC] "
			 "[user=NAME] [session=ID] | sync skip ID WORD | sync end ID");
}
