// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fake_kbackend.c - see fake_kbackend.h.  Small fixed tables: enough
 * for the tests and the fuzzer, and every bound is checked.
 */
#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "fake_kbackend.h"

#define FK_SETS		80
#define FK_MEMBERS	4096
#define FK_RULES	256
#define FK_TABLES	256
#define FK_PENDING	4096

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

struct kbackend {
	struct fk_set sets[FK_SETS];
	struct conf_rule rules[FK_RULES];
	unsigned nrules;
	struct { uint32_t table; int n; } routes[FK_TABLES];
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

static unsigned fk_ifindex(struct kbackend *b, const char *ifname)
{
	/* Every interface exists but those named "missing...". */
	if (!strncmp(ifname, "missing", 7)) {
		fail(b, "no such interface", ifname);
		return 0;
	}
	return 2 + (unsigned)(ifname[0] & 0x3f);
}

static int *routes_of(struct kbackend *b, uint32_t table)
{
	unsigned i, free_i = FK_TABLES;

	for (i = 0; i < FK_TABLES; i++) {
		if (b->routes[i].table == table)
			return &b->routes[i].n;
		if (!b->routes[i].table && free_i == FK_TABLES)
			free_i = i;
	}
	if (free_i == FK_TABLES)
		return NULL;
	b->routes[free_i].table = table;
	return &b->routes[free_i].n;
}

static int fk_routes_add(struct kbackend *b, uint32_t table, struct in_addr gw,
			 unsigned ifindex)
{
	int *n = routes_of(b, table);

	(void)gw;
	(void)ifindex;
	if (!n)
		return fail(b, "no room for table", "");
	*n = 2;		/* "GW/32 dev IF" and the default route */
	return 0;
}

static int fk_routes_del(struct kbackend *b, uint32_t table, struct in_addr gw,
			 unsigned ifindex)
{
	int *n = routes_of(b, table);

	(void)gw;
	(void)ifindex;
	if (n)
		*n = 0;
	return 0;
}

static int fk_table_count(struct kbackend *b, uint32_t table)
{
	int *n = routes_of(b, table);

	return n ? *n : 0;
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
	.ifindex = fk_ifindex,
	.routes_add = fk_routes_add,
	.routes_del = fk_routes_del,
	.table_count = fk_table_count,
	.rule = fk_rule,
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
	for (i = 0; i < FK_TABLES; i++)
		fk.routes[i].n = 0;
	fk.steered = 0;
}

void fake_kb_fail_adds(unsigned n)
{
	fk.fail_adds = n;
}
