// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * clientinfo.c - a small chained hash of hook facts per client.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clientinfo.h"
#include "core/utf8.h"

struct ci_node {
	struct ci_node *next;
	uint32_t ip;
	struct client_meta m;
};

struct clientinfo {
	struct ci_node **bucket;
	uint32_t mask;
};

static uint32_t ci_hash(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	return x ^ (x >> 16);
}

struct clientinfo *clientinfo_new(uint32_t max_clients)
{
	struct clientinfo *ci = calloc(1, sizeof(*ci));
	uint32_t n = 64;

	if (!ci)
		return NULL;
	while (n < max_clients / 2 && n < (1u << 24))
		n <<= 1;
	ci->bucket = calloc(n, sizeof(*ci->bucket));
	if (!ci->bucket) {
		free(ci);
		return NULL;
	}
	ci->mask = n - 1;
	return ci;
}

void clientinfo_free(struct clientinfo *ci)
{
	struct ci_node *p, *next;
	uint32_t i;

	if (!ci)
		return;
	for (i = 0; i <= ci->mask; i++)
		for (p = ci->bucket[i]; p; p = next) {
			next = p->next;
			free(p);
		}
	free(ci->bucket);
	free(ci);
}

static struct ci_node **ci_slot(const struct clientinfo *ci, uint32_t ip)
{
	struct ci_node **pp = &ci->bucket[ci_hash(ip) & ci->mask];

	while (*pp && (*pp)->ip != ip)
		pp = &(*pp)->next;
	return pp;
}

int clientinfo_set(struct clientinfo *ci, struct in_addr addr,
		   const struct client_meta *m)
{
	struct ci_node **pp = ci_slot(ci, addr.s_addr), *p = *pp;

	if (!m->mac[0] && !m->user[0] && !m->session[0])
		return 0;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -1;
		p->ip = addr.s_addr;
		*pp = p;
	}
	if (m->mac[0])
		memcpy(p->m.mac, m->mac, sizeof(p->m.mac));
	if (m->user[0])
		memcpy(p->m.user, m->user, sizeof(p->m.user));
	if (m->session[0])
		memcpy(p->m.session, m->session, sizeof(p->m.session));
	return 0;
}

const struct client_meta *clientinfo_get(const struct clientinfo *ci,
					 struct in_addr addr)
{
	struct ci_node *p = *ci_slot(ci, addr.s_addr);

	return p ? &p->m : NULL;
}

void clientinfo_del(struct clientinfo *ci, struct in_addr addr)
{
	struct ci_node **pp = ci_slot(ci, addr.s_addr), *p = *pp;

	if (p) {
		*pp = p->next;
		free(p);
	}
}

int clientinfo_parse_mac(const char *s, char out[CLIENTINFO_MAC_LEN])
{
	unsigned char b[6];
	int n = 0, hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ':' || *s == '-' || *s == '.') {
			if (hi >= 0)
				return -1;	/* separators only between bytes */
			continue;
		}
		if (!isxdigit((unsigned char)*s))
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
		if (hi < 0) {
			hi = v;
		} else {
			if (n == 6)
				return -1;
			b[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	if (n != 6 || hi >= 0)
		return -1;
	snprintf(out, CLIENTINFO_MAC_LEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5]);
	return 0;
}

int clientinfo_meta_field(struct client_meta *m, const char *key, const char *v,
			  size_t *cut, char *err, size_t len)
{
	size_t l = strlen(v), k;

	if (!strcmp(key, "mac")) {
		if (clientinfo_parse_mac(v, m->mac)) {
			snprintf(err, len, "mac \"%.40s\" is not a MAC address", v);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "user")) {
		/* RADIUS allows 253 bytes; a longer name is cut, not refused. */
		k = utf8_cut(v, l, CLIENTINFO_USER_MAX);
		if (cut)
			*cut = k < l ? l : 0;
		memcpy(m->user, v, k);
		m->user[k] = '\0';
		return 0;
	}
	if (!strcmp(key, "session")) {
		if (l >= sizeof(m->session)) {
			snprintf(err, len, "session id longer than %zu bytes",
				 sizeof(m->session) - 1);
			return -1;
		}
		memcpy(m->session, v, l + 1);
		return 0;
	}
	snprintf(err, len, "unknown field \"%.40s\"", key);
	return -1;
}
