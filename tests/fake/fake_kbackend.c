// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fake_kbackend.c - see fake_kbackend.h.  Small fixed tables: enough
 * for the tests and the fuzzer, and every bound is checked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "fake_kbackend.h"

#define FK_SETS		80
#define FK_MEMBERS	4096
#define FK_RULES	256
#define FK_TABLES	256
#define FK_PENDING	4096
#define FK_LINKS	16

struct fk_member {
	struct nfqlb_addr a;
	uint32_t mark;
};

struct fk_set {
	char name[32];
	int used, map;
	unsigned n;
	struct fk_member m[FK_MEMBERS];
};

struct fk_pending {
	char set[32];
	struct fk_member m;
};

/* A table: its own routes (through ifindex), and its last resort. */
struct fk_table {
	uint32_t table;
	int n;
	unsigned ifindex;
	int last_resort;
};

/* An interface the tests changed; the others exist, up (fake_kb_link). */
struct fk_link {
	char name[IF_NAMESIZE];
	struct kb_link l;
};

struct kbackend {
	struct fk_set sets[FK_SETS];
	struct conf_rule rules[FK_RULES];
	unsigned nrules;
	struct fk_table routes[FK_TABLES];
	struct fk_link links[FK_LINKS];
	unsigned nlinks;
	int link_fail;
	int steered;
	struct fk_pending pending[FK_PENDING];
	unsigned npending;
	unsigned fail_adds;
	char err[256];
};

static struct kbackend fk;

void fake_kb_reset(void)
{
	memset(&fk, 0, sizeof(fk));
}

static struct fk_set *set_find(const char *name)
{
	unsigned i;

	for (i = 0; i < FK_SETS; i++)
		if (fk.sets[i].used && !strcmp(fk.sets[i].name, name))
			return &fk.sets[i];
	return NULL;
}

static int fail(struct kbackend *b, const char *what, const char *name)
{
	snprintf(b->err, sizeof(b->err), "fake kernel: %s %s", what, name);
	return -1;
}

static struct kbackend *fk_open(void)
{
	return &fk;
}

static void fk_close(struct kbackend *b)
{
	(void)b;
}

static const char *fk_error(const struct kbackend *b)
{
	return b->err;
}

static int fk_set_create(struct kbackend *b, const char *set, uint32_t max, int map)
{
	unsigned i;

	(void)max;
	if (set_find(set))
		return 0;
	for (i = 0; i < FK_SETS && b->sets[i].used; i++)
		;
	if (i == FK_SETS || strlen(set) >= sizeof(b->sets[i].name))
		return fail(b, "no room for set", set);
	memset(&b->sets[i], 0, sizeof(b->sets[i]));
	snprintf(b->sets[i].name, sizeof(b->sets[i].name), "%s", set);
	b->sets[i].used = 1;
	b->sets[i].map = map;
	return 0;
}

static int fk_set_destroy(struct kbackend *b, const char *set)
{
	struct fk_set *s = set_find(set);

	(void)b;
	if (s)
		s->used = 0;
	return 0;
}

static int fk_set_exists(struct kbackend *b, const char *set)
{
	(void)b;
	return set_find(set) != NULL;
}

static int64_t fk_set_count(struct kbackend *b, const char *set)
{
	struct fk_set *s = set_find(set);

	(void)b;
	return s ? s->n : 0;
}

static int fk_set_list(struct kbackend *b, const char *set, kb_member_cb cb, void *arg)
{
	struct fk_set *s = set_find(set);
	unsigned i;

	(void)b;
	for (i = 0; s && i < s->n; i++)
		cb(&s->m[i].a, arg);
	return 0;
}

static int addr_eq(const struct nfqlb_addr *x, const struct nfqlb_addr *y)
{
	if (x->family != y->family)
		return 0;
	return x->family == AF_INET ? x->v4.s_addr == y->v4.s_addr :
	       !memcmp(&x->v6, &y->v6, sizeof(x->v6));
}

static int member_index(const struct fk_set *s, const struct nfqlb_addr *a)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (addr_eq(&s->m[i].a, a))
			return (int)i;
	return -1;
}

static int member_put(struct kbackend *b, const char *set, const struct fk_member *m)
{
	struct fk_set *s = set_find(set);
	int i;

	if (!s)
		return fail(b, "no such set", set);
	i = member_index(s, &m->a);
	if (i >= 0) {
		s->m[i].mark = m->mark;	/* the map's mark is replaced in place */
		return 0;
	}
	if (s->n == FK_MEMBERS)
		return fail(b, "set full", set);
	s->m[s->n++] = *m;
	return 0;
}

static int fk_member_add(struct kbackend *b, const char *set, const struct nfqlb_addr *a,
			 uint32_t mark, uint32_t mask, int defer)
{
	struct fk_member m = { .a = *a, .mark = mark };

	(void)mask;
	if (b->fail_adds) {
		b->fail_adds--;
		return fail(b, "refused an add to", set);
	}
	if (!defer)
		return member_put(b, set, &m);
	if (b->npending == FK_PENDING)
		return fail(b, "too many pending adds for", set);
	snprintf(b->pending[b->npending].set, sizeof(b->pending[0].set), "%s", set);
	b->pending[b->npending++].m = m;
	return 0;
}

static int fk_member_del(struct kbackend *b, const char *set, const struct nfqlb_addr *a)
{
	struct fk_set *s = set_find(set);
	int i;

	if (!s)
		return fail(b, "no such set", set);
	i = member_index(s, a);
	if (i >= 0)
		s->m[i] = s->m[--s->n];
	return 0;
}

static unsigned fk_pending(const struct kbackend *b)
{
	return b->npending;
}

static void fk_commit(struct kbackend *b, kb_fail_cb cb, void *arg)
{
	unsigned i;

	for (i = 0; i < b->npending; i++)
		if (member_put(b, b->pending[i].set, &b->pending[i].m) && cb)
			cb(b->pending[i].set, &b->pending[i].m.a, b->err, arg);
	b->npending = 0;
}

static struct fk_table *routes_of(struct kbackend *b, uint32_t table)
{
	unsigned i, free_i = FK_TABLES;

	for (i = 0; i < FK_TABLES; i++) {
		if (b->routes[i].table == table)
			return &b->routes[i];
		if (!b->routes[i].table && free_i == FK_TABLES)
			free_i = i;
	}
	if (free_i == FK_TABLES)
		return NULL;
	b->routes[free_i].table = table;
	return &b->routes[free_i];
}

static struct fk_link *link_find(const char *ifname)
{
	unsigned i;

	for (i = 0; i < fk.nlinks; i++)
		if (!strcmp(fk.links[i].name, ifname))
			return &fk.links[i];
	return NULL;
}

/* The kernel's default: every interface exists, up, with an address... */
static void link_default(const char *ifname, struct kb_link *l)
{
	memset(l, 0, sizeof(*l));
	/* But those named "missing...": they appear when a test says so. */
	if (!strncmp(ifname, "missing", 7))
		return;
	l->ifindex = 2 + (unsigned)(ifname[0] & 0x3f);
	l->facts.exists = 1;
	l->facts.admin_up = 1;
	l->facts.carrier = 1;
	l->facts.has_addr4 = 1;
}

static int fk_link_get(struct kbackend *b, const char *ifname, enum linkstate_nh nh,
		       struct kb_link *l)
{
	const struct fk_link *fl = link_find(ifname);

	if (b->link_fail)
		return fail(b, "no answer about", ifname);
	if (fl)
		*l = fl->l;
	else
		link_default(ifname, l);
	if (nh != LINKSTATE_NH_LEARNED) {
		l->facts.nexthop_known = 0;
		l->nexthop.s_addr = INADDR_ANY;
	}
	return 0;
}

static int fk_routes_add(struct kbackend *b, uint32_t table, struct in_addr gw,
			 unsigned ifindex)
{
	struct fk_table *t = routes_of(b, table);

	if (!t)
		return fail(b, "no room for table", "");
	/* "GW/32 dev IF" and the default route; "default dev IF" alone. */
	t->n = gw.s_addr ? 2 : 1;
	t->ifindex = ifindex;
	return 0;
}

static int fk_last_resort(struct kbackend *b, uint32_t table, int add)
{
	struct fk_table *t = routes_of(b, table);

	if (!t)
		return fail(b, "no room for table", "");
	t->last_resort = add;
	return 0;
}

static int fk_table_flush(struct kbackend *b, uint32_t table, int keep_last_resort)
{
	struct fk_table *t = routes_of(b, table);

	if (t) {
		t->n = 0;
		t->ifindex = 0;
		t->last_resort = keep_last_resort && t->last_resort;
	}
	return 0;
}

static int fk_table_count(struct kbackend *b, uint32_t table)
{
	struct fk_table *t = routes_of(b, table);

	return t ? t->n + t->last_resort : 0;
}

static int rule_index(const struct kbackend *b, const struct conf_rule *r)
{
	unsigned i;

	for (i = 0; i < b->nrules; i++)
		if (b->rules[i].prio == r->prio && b->rules[i].table == r->table &&
		    b->rules[i].mark == r->mark && b->rules[i].iif_lo == r->iif_lo)
			return (int)i;
	return -1;
}

static int fk_rule(struct kbackend *b, const struct conf_rule *r, enum kb_rule_op op)
{
	int i = rule_index(b, r);

	switch (op) {
	case KB_RULE_ADD:
		if (i >= 0)
			return 0;
		if (b->nrules == FK_RULES)
			return fail(b, "no room for a rule", "");
		b->rules[b->nrules++] = *r;
		return 0;
	case KB_RULE_DEL:
		if (i >= 0)
			b->rules[i] = b->rules[--b->nrules];
		return 0;
	default:
		return i >= 0;
	}
}

static int fk_steer_install(struct kbackend *b, const struct conf *c, char *err,
			    size_t len)
{
	(void)c;
	(void)err;
	(void)len;
	b->steered = 1;
	return 0;
}

static int fk_steer_remove(struct kbackend *b, const struct conf *c, char *err,
			   size_t len)
{
	(void)c;
	(void)err;
	(void)len;
	b->steered = 0;
	return 0;
}

static int fk_steer_audit(struct kbackend *b, const struct conf *c, char *missing,
			  size_t len)
{
	(void)c;
	if (b->steered)
		return 0;
	snprintf(missing, len, "the chains");
	return 1;
}

const struct kbackend_ops fake_kb_ops = {
	.name = "fake",
	.open = fk_open,
	.close = fk_close,
	.error = fk_error,
	.set_create = fk_set_create,
	.set_destroy = fk_set_destroy,
	.set_exists = fk_set_exists,
	.set_count = fk_set_count,
	.set_list = fk_set_list,
	.member_add = fk_member_add,
	.member_del = fk_member_del,
	.pending = fk_pending,
	.commit = fk_commit,
	.routes_add = fk_routes_add,
	.last_resort = fk_last_resort,
	.table_flush = fk_table_flush,
	.table_count = fk_table_count,
	.rule = fk_rule,
	.link_get = fk_link_get,
	.steer_install = fk_steer_install,
	.steer_remove = fk_steer_remove,
	.steer_audit = fk_steer_audit,
};

int64_t fake_kb_set_members(const char *set)
{
	struct fk_set *s = set_find(set);

	return s ? (int64_t)s->n : -1;
}

int fake_kb_member(const char *set, const struct nfqlb_addr *a, uint32_t *mark)
{
	struct fk_set *s = set_find(set);
	int i = s ? member_index(s, a) : -1;

	if (i >= 0 && mark)
		*mark = s->m[i].mark;
	return i >= 0;
}

int fake_kb_set_exists(const char *set)
{
	return set_find(set) != NULL;
}

int fake_kb_rule(uint32_t prio, uint32_t table)
{
	unsigned i;

	for (i = 0; i < fk.nrules; i++)
		if (fk.rules[i].prio == prio && fk.rules[i].table == table)
			return 1;
	return 0;
}

int fake_kb_routes(uint32_t table)
{
	return fk_table_count(&fk, table);
}

int fake_kb_steered(void)
{
	return fk.steered;
}

unsigned fake_kb_pending(void)
{
	return fk.npending;
}

void fake_kb_flush(void)
{
	unsigned i;

	for (i = 0; i < FK_SETS; i++)
		fk.sets[i].used = 0;
	fk.nrules = 0;
	for (i = 0; i < FK_TABLES; i++) {
		fk.routes[i].n = 0;
		fk.routes[i].last_resort = 0;
	}
	fk.steered = 0;
}

int fake_kb_last_resort(uint32_t table)
{
	struct fk_table *t = routes_of(&fk, table);

	return t && t->last_resort;
}

int fake_kb_link(const char *ifname, int exists, int up, unsigned ifindex,
		 const char *nexthop)
{
	struct fk_link *fl = link_find(ifname);
	unsigned i, old;

	if (!fl) {
		if (fk.nlinks == FK_LINKS || strlen(ifname) >= IF_NAMESIZE)
			return -1;
		fl = &fk.links[fk.nlinks++];
		snprintf(fl->name, sizeof(fl->name), "%s", ifname);
		link_default(ifname, &fl->l);
	}
	old = fl->l.ifindex;
	fl->l.facts.exists = exists;
	fl->l.facts.admin_up = fl->l.facts.carrier = exists && up;
	fl->l.facts.has_addr4 = exists;
	if (!ifindex)
		ifindex = old ? old : 2 + (unsigned)(ifname[0] & 0x3f);
	fl->l.ifindex = exists ? ifindex : 0;
	fl->l.facts.nexthop_known = exists && nexthop &&
				    inet_pton(AF_INET, nexthop, &fl->l.nexthop) == 1;
	if (!fl->l.facts.nexthop_known)
		fl->l.nexthop.s_addr = INADDR_ANY;
	if (exists && up)
		return 0;
	/* The kernel deletes the routes through a link down or gone, silently. */
	for (i = 0; i < FK_TABLES; i++)
		if (fk.routes[i].n && fk.routes[i].ifindex == old) {
			fk.routes[i].n = 0;
			fk.routes[i].ifindex = 0;
		}
	return 0;
}

void fake_kb_fail_links(int on)
{
	fk.link_fail = on;
}

void fake_kb_fail_adds(unsigned n)
{
	fk.fail_adds = n;
}
