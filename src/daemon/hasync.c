// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hasync.c - learning bindings from conntrack, and the HA verbs (see
 * hasync.h).  Why both events and a dump: with conntrackd's external
 * cache disabled the peer's entries are injected into this box's
 * kernel table as they happen, so the events keep a backup's table,
 * sets and counts equal to the master's within a second; the dump at
 * takeover (`nfqlbctl adopt-conntrack`, run by the notify script after
 * `conntrackd -c`) is the net under it: entries committed from an
 * external cache at takeover, or events the kernel dropped on a full
 * socket, are learned there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/iptab.h"
#include "conf/hafp.h"
#include "kernel/ctlearn.h"
#include "daemon/hasync.h"
#include "util/log.h"

/*
 * What this box is, as the notify script's calls tell: `ha refresh`
 * (notify backup) makes it a backup, `adopt-conntrack` (notify master)
 * a master.  A master learns nothing from events: its own packets and
 * hooks bind, and a user it released must not be bound again by the
 * events of its lingering connections.  A backup follows the master:
 * it learns, and releases the users of whom no connection is left.
 *
 * A binding learned from conntrack is the master's, not this box's
 * portal's: after a takeover the new master's chilli lists none of its
 * users until they log in again.  It stays "learned" (h->learned)
 * until the portal confirms it (a bind hook, a sync listing it) or it
 * is released: a sync does not release it for not being listed
 * (hasync_unconfirmed), and a master releases it when its traffic
 * stops, by the backup's rule: no marked connection of its user seen
 * in two reconciles ha.release_after apart.
 */
enum hasync_role { ROLE_UNKNOWN, ROLE_BACKUP, ROLE_MASTER };

struct ha_state {
	struct ctlearn *ev;
	int dump_due;
	enum hasync_role role;
	time_t last_reconcile;
	uint32_t *unseen;	/* sorted: bindings the last reconcile missed */
	size_t nunseen;
	struct iptab *learned;	/* learned here, not confirmed by the portal since */
	struct hasync_counters n;
};

struct hasync {
	const struct conf *conf;
	struct bindings *b;
	struct ha_state *ha;	/* NULL unless ha.enable */
};

static const char *const role_names[] = { "unknown", "backup", "master" };

static struct ha_state *hs(const struct hasync *hx)
{
	return hx->ha;
}

static void learn_cb(struct in_addr src, uint32_t ctmark, void *arg);

/* Events: learned from, except on a master. */
static void event_cb(struct in_addr src, uint32_t ctmark, void *arg)
{
	struct hasync *hx = arg;

	if (hx->ha->role != ROLE_MASTER)
		learn_cb(src, ctmark, arg);
}

static void learn_cb(struct in_addr src, uint32_t ctmark, void *arg)
{
	struct hasync *hx = arg;
	struct ha_state *h = hs(hx);
	struct nfqlb_addr a = { .family = AF_INET, .v4 = src };
	char s[NFQLB_ADDRSTRLEN];
	int slot;

	slot = hafp_learn_decide(hx->conf, src, ctmark, balance_lookup(bindings_table(hx->b), &a));
	if (slot == HA_SKIP_NOT_LAN || slot == HA_SKIP_NO_MARK)
		return;		/* not ours to count: the box's own, other marks */
	h->n.entries++;
	if (slot == HA_SKIP_BOUND) {
		h->n.kept++;
		return;
	}
	if (slot == HA_SKIP_PAIR) {
		h->n.pair++;
		return;
	}
	if (slot < 0)
		return;
	if (!balance_gw_available(bindings_table(hx->b), (unsigned)slot)) {
		h->n.gw_down++;
		return;
	}
	if (bindings_adopt(hx->b, &a, (unsigned)slot)) {
		h->n.errors++;
		return;
	}
	/* Without memory it counts as confirmed: a sync may release it. */
	if (!iptab_put(h->learned, src.s_addr))
		log_warn("ha: noting %s as learned", addr_format(&a, s, sizeof(s)));
	h->n.learned++;
	log_debug("learned %s on gateway %s from conntrack (mark 0x%x)",
		  addr_format(&a, s, sizeof(s)), hx->conf->gw[slot].name, ctmark);
}

static long dump(struct hasync *hx, char *err, size_t len)
{
	long n = ctlearn_dump(learn_cb, hx, err, len);

	hs(hx)->n.dumps++;
	hs(hx)->dump_due = 0;
	return n;
}

static void hasync_forget(struct hasync *hx, const struct nfqlb_addr *a);

/* The bindings layer's news: the portal confirmed a binding, or it ended. */
static void forget_cb(const struct nfqlb_addr *a, void *arg)
{
	hasync_forget(arg, a);
}

struct hasync *hasync_new(const struct conf *c, struct bindings *b)
{
	struct hasync *hx = calloc(1, sizeof(*hx));

	if (!hx)
		return NULL;
	hx->conf = c;
	hx->b = b;
	bindings_on_confirm(b, forget_cb, hx);
	return hx;
}

void hasync_free(struct hasync *hx)
{
	if (!hx)
		return;
	hasync_stop(hx);
	free(hx);
}

int hasync_start(struct hasync *hx, char *err, size_t len)
{
	struct ha_state *h;
	uint64_t before;
	long n;

	if (!hx->conf->ha.enable)
		return 0;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, len, "ha: out of memory");
		return -1;
	}
	hx->ha = h;
	h->learned = iptab_new(hx->conf->max_clients / 4);
	if (!h->learned) {
		snprintf(err, len, "ha: out of memory");
		hasync_stop(hx);
		return -1;
	}
	/* Subscribe before the dump: an entry made in between is in one of them. */
	if (hx->conf->ha.learn) {
		h->ev = ctlearn_open(event_cb, hx, err, len);
		if (!h->ev) {
			hasync_stop(hx);
			return -1;
		}
	}
	before = h->n.learned;
	n = dump(hx, err, len);
	if (n < 0) {
		hasync_stop(hx);
		return -1;
	}
	log_info("ha: %s conntrack events; %ld entries read, %llu bindings learned",
		 h->ev ? "following" : "not following", n,
		 (unsigned long long)(h->n.learned - before));
	return 0;
}

void hasync_stop(struct hasync *hx)
{
	struct ha_state *h = hs(hx);

	if (!h)
		return;
	ctlearn_close(h->ev);
	free(h->unseen);
	iptab_free(h->learned);
	free(h);
	hx->ha = NULL;
}

int hasync_fd(const struct hasync *hx)
{
	return hs(hx) && hs(hx)->ev ? ctlearn_fd(hs(hx)->ev) : -1;
}

void hasync_dispatch(struct hasync *hx)
{
	struct ha_state *h = hs(hx);
	int rc;

	if (!h || !h->ev)
		return;
	rc = ctlearn_dispatch(h->ev);
	if (rc > 0) {
		h->n.overruns++;
		/* What a master missed it would not have learned anyway. */
		h->dump_due = h->role != ROLE_MASTER;
	} else if (rc < 0) {
		log_warn("ha: reading conntrack events");
	}
}

struct seen {
	struct hasync *hx;
	uint32_t *a;
	size_t n, cap;
	int oom;	/* a client may be missing: release nobody */
	int master;	/* learn nothing; judge only the learned bindings */
};

/*
 * A reconciling dump: learn (a backup only), and note every client
 * with a marked entry.
 */
static void seen_cb(struct in_addr src, uint32_t ctmark, void *arg)
{
	struct seen *s = arg;
	uint32_t *na;

	if (!s->master)
		learn_cb(src, ctmark, s->hx);
	if (hafp_learn_decide(s->hx->conf, src, ctmark, -1) < 0)
		return;
	if (s->n == s->cap) {
		na = realloc(s->a, (s->cap ? s->cap * 2 : 1024) * sizeof(*na));
		if (!na) {
			s->oom = 1;
			return;
		}
		s->a = na;
		s->cap = s->cap ? s->cap * 2 : 1024;
	}
	s->a[s->n++] = src.s_addr;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int unseen_cb(const struct balance_binding *bb, void *arg)
{
	struct seen *s = arg;

	/* A master's own bindings (hooks, packets) are the portal's to end. */
	if (s->master && !iptab_get(hs(s->hx)->learned, bb->addr.v4.s_addr))
		return 0;
	if (!bsearch(&bb->addr.v4.s_addr, s->a, s->n, sizeof(*s->a), u32_cmp))
		s->a[s->cap++] = bb->addr.v4.s_addr;	/* after the seen ones */
	return 0;
}

static int was_unseen(const struct ha_state *h, uint32_t a)
{
	return h->unseen &&
	       bsearch(&a, h->unseen, h->nunseen, sizeof(a), u32_cmp) != NULL;
}

/*
 * A backup's bindings are the master's connections: a user of whom no
 * marked connection has been seen in two reconciles in a row (released
 * on the master, or idle that long) is released here too, so that the
 * counts stay the master's.  One round alone is not enough: a user
 * between two connections is still the master's.  A master applies
 * the same rule to the bindings it learned and the portal has not
 * confirmed since: their traffic has stopped.
 */
static void reconcile(struct hasync *hx)
{
	struct ha_state *h = hs(hx);
	struct seen s = { .hx = hx, .master = h->role == ROLE_MASTER };
	struct nfqlb_addr a = { .family = AF_INET };
	uint32_t *na, *cur, gone = 0;
	size_t n, i, k = 0;
	char err[256];

	if (ctlearn_dump(seen_cb, &s, err, sizeof(err)) < 0 || s.oom) {
		log_warnx("ha: reconciling: %s", s.oom ? "out of memory" : err);
		free(s.a);
		return;
	}
	h->n.dumps++;
	h->dump_due = 0;
	n = s.n;
	na = realloc(s.a, (n + balance_clients(bindings_table(hx->b)) + 1) * sizeof(*na));
	if (!na) {
		free(s.a);
		return;
	}
	s.a = na;
	qsort(s.a, n, sizeof(*s.a), u32_cmp);
	/* unseen_cb appends the bindings not seen after the n seen ones */
	s.cap = n;
	balance_foreach(bindings_table(hx->b), unseen_cb, &s);
	cur = s.a + n;
	qsort(cur, s.cap - n, sizeof(*cur), u32_cmp);
	for (i = 0; i < s.cap - n; i++) {
		if (!was_unseen(h, cur[i])) {
			cur[k++] = cur[i];	/* unseen for the first time */
			continue;
		}
		a.v4.s_addr = cur[i];
		gone += bindings_release(hx->b, &a) >= 0;
	}
	free(h->unseen);
	h->unseen = malloc((k ? k : 1) * sizeof(*cur));
	h->nunseen = h->unseen ? k : 0;
	if (h->unseen)
		memcpy(h->unseen, cur, k * sizeof(*cur));
	free(s.a);
	h->n.released += gone;
	if (gone)
		log_info("ha: %u %sbindings released: no connection of theirs is left",
			 gone, s.master ? "learned, unconfirmed " : "");
}

void hasync_tick(struct hasync *hx)
{
	struct ha_state *h = hs(hx);
	time_t now = time(NULL);
	char err[256];

	if (!h)
		return;
	if ((h->role == ROLE_BACKUP ||
	     (h->role == ROLE_MASTER && iptab_count(h->learned))) &&
	    hx->conf->ha.release_after &&
	    now - h->last_reconcile >= (time_t)hx->conf->ha.release_after) {
		h->last_reconcile = now;
		reconcile(hx);
		return;
	}
	if (!h->dump_due)
		return;
	if (dump(hx, err, sizeof(err)) < 0)
		log_warnx("ha: %s", err);
	else
		log_info("ha: conntrack events were lost: table read again");
}

int hasync_unconfirmed(const struct hasync *hx, const struct nfqlb_addr *a)
{
	return hs(hx) && a->family == AF_INET &&
	       iptab_get(hs(hx)->learned, a->v4.s_addr) != NULL;
}

/* The portal confirmed a's binding, or a was released: no longer learned. */
static void hasync_forget(struct hasync *hx, const struct nfqlb_addr *a)
{
	if (hs(hx) && a->family == AF_INET)
		iptab_del(hs(hx)->learned, a->v4.s_addr);
}

static void err_out(struct obuf *o, const char *kind, const char *msg)
{
	obuf_reset(o);
	obuf_printf(o, "ERR %s %s\n", kind, msg);
}

static void fingerprint_fields(struct hasync *hx, struct obuf *o)
{
	char fp[HA_FINGERPRINT_LEN];
	const char *peer = hx->conf->ha.peer_fingerprint;

	hafp_fingerprint(hx->conf, fp);
	obuf_kv(o, "ha_fingerprint", fp);
	obuf_kv(o, "ha_peer_fingerprint", peer[0] ? peer : "-");
	obuf_kv(o, "ha_match", !peer[0] ? "unchecked" : strcmp(fp, peer) ? "no" : "yes");
}

void hasync_stats(struct hasync *hx, struct obuf *o)
{
	struct ha_state *h = hs(hx);
	char fp[HA_FINGERPRINT_LEN];

	obuf_kv(o, "ha", h ? "on" : "off");
	if (!h)
		return;
	hafp_fingerprint(hx->conf, fp);
	obuf_kv(o, "ha_fingerprint", fp);
	obuf_kvu(o, "ha_learned", h->n.learned);
}

/* Everything of `ha status`. */
static void status_fields(struct hasync *hx, struct obuf *o)
{
	struct ha_state *h = hs(hx);

	fingerprint_fields(hx, o);
	obuf_kv(o, "ha_role", role_names[h->role]);
	obuf_kvu(o, "ha_released", h->n.released);
	obuf_kv(o, "ha_events", h->ev ? "on" : "off");
	obuf_kvu(o, "ha_learned", h->n.learned);
	obuf_kvu(o, "ha_unconfirmed", iptab_count(h->learned));
	obuf_kvu(o, "ha_entries", h->n.entries);
	obuf_kvu(o, "ha_kept", h->n.kept);
	obuf_kvu(o, "ha_pair_skipped", h->n.pair);
	obuf_kvu(o, "ha_gw_down", h->n.gw_down);
	obuf_kvu(o, "ha_errors", h->n.errors);
	obuf_kvu(o, "ha_event_overruns", h->n.overruns);
	obuf_kvu(o, "ha_dumps", h->n.dumps);
	obuf_kvu(o, "ha_refreshes", h->n.refreshes);
}

static int all_cb(const struct balance_binding *bb, void *arg)
{
	struct nfqlb_addr **p = arg;

	*(*p)++ = bb->addr;
	return 0;
}

/*
 * A box that comes back as backup: its table and its sets are stale.
 * Forget every binding; the notify script first shortens the stale
 * conntrack entries' timers (conntrackd -t: they expire unseen) and
 * then asks conntrackd for the master's entries (-n): their injection
 * events rebuild the table from the master's state alone.  The entries
 * themselves are not deleted here: conntrackd would tell the master.
 */
static void cmd_refresh(struct hasync *hx, struct obuf *o)
{
	uint32_t n = balance_clients(bindings_table(hx->b)), i, gone = 0;
	struct nfqlb_addr *all = calloc(n ? n : 1, sizeof(*all)), *p = all;

	if (!all) {
		err_out(o, "internal", "ha refresh: out of memory");
		return;
	}
	balance_foreach(bindings_table(hx->b), all_cb, &p);
	for (i = 0; i < (uint32_t)(p - all); i++)
		gone += bindings_release(hx->b, &all[i]) >= 0;
	free(all);
	hs(hx)->n.refreshes++;
	hs(hx)->role = ROLE_BACKUP;
	hs(hx)->last_reconcile = time(NULL);
	free(hs(hx)->unseen);
	hs(hx)->unseen = NULL;
	hs(hx)->nunseen = 0;
	log_info("ha refresh: %u stale bindings forgotten; role backup", gone);
	obuf_printf(o, "OK 1\n");
	obuf_kvu(o, "released", gone);
	obuf_printf(o, "\n");
}

void hasync_cmd_ha(struct hasync *hx, const struct control_req *r, struct obuf *o)
{
	const char *sub = r->argv[1];
	char text[1024];

	if (!hs(hx)) {
		err_out(o, "invalid", "ha is off: set ha.enable = true and restart nfqlbd");
		return;
	}
	if (!strcmp(sub, "fingerprint") || !strcmp(sub, "status")) {
		obuf_printf(o, "OK 1\n");
		if (!strcmp(sub, "status")) {
			status_fields(hx, o);
		} else {
			fingerprint_fields(hx, o);
			hafp_text(hx->conf, text, sizeof(text));
			obuf_kv(o, "text", text);
		}
		obuf_printf(o, "\n");
		return;
	}
	if (!strcmp(sub, "refresh")) {
		cmd_refresh(hx, o);
		return;
	}
	err_out(o, "usage", "usage: ha fingerprint | ha status | ha refresh");
}

void hasync_cmd_adopt(struct hasync *hx, const struct control_req *r, struct obuf *o)
{
	struct ha_state *h = hs(hx);
	uint64_t learned, kept;
	char err[256];
	long n;

	(void)r;
	if (!h) {
		err_out(o, "invalid", "ha is off: set ha.enable = true and restart nfqlbd");
		return;
	}
	learned = h->n.learned;
	kept = h->n.kept;
	n = dump(hx, err, sizeof(err));
	if (n < 0) {
		err_out(o, "internal", err);
		return;
	}
	h->role = ROLE_MASTER;
	/* Its learned users' traffic is judged from now on, not before. */
	h->last_reconcile = time(NULL);
	free(h->unseen);
	h->unseen = NULL;
	h->nunseen = 0;
	log_info("adopt-conntrack: %ld entries, %llu bindings learned; role master", n,
		 (unsigned long long)(h->n.learned - learned));
	obuf_printf(o, "OK 1\n");
	obuf_kvu(o, "entries", (unsigned long long)n);
	obuf_kvu(o, "learned", h->n.learned - learned);
	obuf_kvu(o, "kept", h->n.kept - kept);
	obuf_kvu(o, "clients", balance_clients(bindings_table(hx->b)));
	obuf_printf(o, "\n");
}
