// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iptab.c - a chained hash of addresses (see iptab.h).
 */
#include <stdlib.h>

#include "core/iptab.h"

struct iptab {
	struct iptab_ent **bucket;
	uint32_t mask, count;
};

static uint32_t iptab_hash(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	return x ^ (x >> 16);
}

struct iptab *iptab_new(uint32_t hint)
{
	struct iptab *t = calloc(1, sizeof(*t));
	uint32_t n = 64;

	if (!t)
		return NULL;
	while (n < hint && n < (1u << 24))
		n <<= 1;
	t->bucket = calloc(n, sizeof(*t->bucket));
	if (!t->bucket) {
		free(t);
		return NULL;
	}
	t->mask = n - 1;
	return t;
}

void iptab_free(struct iptab *t)
{
	struct iptab_ent *e, *next;
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i <= t->mask; i++)
		for (e = t->bucket[i]; e; e = next) {
			next = e->next;
			free(e->p);
			free(e);
		}
	free(t->bucket);
	free(t);
}

static struct iptab_ent **iptab_slot(const struct iptab *t, uint32_t ip)
{
	struct iptab_ent **pp = &t->bucket[iptab_hash(ip) & t->mask];

	while (*pp && (*pp)->ip != ip)
		pp = &(*pp)->next;
	return pp;
}

struct iptab_ent *iptab_get(const struct iptab *t, uint32_t ip)
{
	return t && t->count ? *iptab_slot(t, ip) : NULL;
}

struct iptab_ent *iptab_put(struct iptab *t, uint32_t ip)
{
	struct iptab_ent **pp = iptab_slot(t, ip);

	if (*pp)
		return *pp;
	*pp = calloc(1, sizeof(**pp));
	if (!*pp)
		return NULL;
	(*pp)->ip = ip;
	t->count++;
	return *pp;
}

void iptab_del(struct iptab *t, uint32_t ip)
{
	struct iptab_ent **pp, *e;

	if (!t || !t->count)
		return;
	pp = iptab_slot(t, ip);
	e = *pp;
	if (!e)
		return;
	*pp = e->next;
	free(e->p);
	free(e);
	t->count--;
}

uint32_t iptab_count(const struct iptab *t)
{
	return t ? t->count : 0;
}

void iptab_foreach(struct iptab *t, int (*cb)(struct iptab_ent *e, void *arg),
		   void *arg)
{
	struct iptab_ent **pp, *e;
	uint32_t i;

	if (!t || !t->count)
		return;
	for (i = 0; i <= t->mask; i++) {
		pp = &t->bucket[i];
		while ((e = *pp)) {
			if (cb(e, arg)) {
				*pp = e->next;
				free(e->p);
				free(e);
				t->count--;
			} else {
				pp = &e->next;
			}
		}
	}
}
