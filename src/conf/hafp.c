// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hafp.c - see hafp.h.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf/hafp.h"

/* snprintf that keeps counting past a full buffer. */
static size_t put(char *buf, size_t len, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t put(char *buf, size_t len, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(at < len ? buf + at : NULL, at < len ? len - at : 0, fmt, ap);
	va_end(ap);
	return at + (n > 0 ? (size_t)n : 0);
}

size_t hafp_text(const struct conf *c, char *buf, size_t len)
{
	char net[INET_ADDRSTRLEN];
	size_t at = 0;
	unsigned i;

	if (len)
		buf[0] = '\0';
	inet_ntop(AF_INET, &c->lan_net.addr, net, sizeof(net));
	at = put(buf, len, at, "lan=%s/%u base=%" PRIu32 " mask=0x%" PRIx32 " prefix=%s",
		 net, c->lan_net.plen, c->mark_base, c->mark_mask, c->set_prefix);
	/* Weights, addresses and health may differ: they mean no mark. */
	for (i = 0; i < c->ngw; i++)
		at = put(buf, len, at, " %u:%s:0x%" PRIx32 ":%" PRIu32, i,
			 c->gw[i].name[0] ? c->gw[i].name : "-",
			 conf_gw_mark(c, i), conf_gw_mark(c, i));
	return at;
}

void hafp_fingerprint(const struct conf *c, char out[HA_FINGERPRINT_LEN])
{
	char text[64 * (CONF_NAME_MAX + 32) + 128];
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a 64 */
	size_t n, i;

	n = hafp_text(c, text, sizeof(text));
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	for (i = 0; i < n; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, HA_FINGERPRINT_LEN, "%016" PRIx64, h);
}

int hafp_learn_decide(const struct conf *c, struct in_addr src, uint32_t ctmark,
		    int bound)
{
	uint32_t m = ctmark & c->mark_mask;
	uint32_t slot;

	if (!net4_contains(&c->lan_net, src))
		return HA_SKIP_NOT_LAN;
	if (ha_is_pair(&c->ha, src))
		return HA_SKIP_PAIR;
	if (m < c->mark_base || m - c->mark_base >= c->ngw)
		return HA_SKIP_NO_MARK;
	slot = m - c->mark_base;
	if (!c->gw[slot].name[0])
		return HA_SKIP_NO_GW;
	/* The binding on this box wins: a hook or an earlier entry made it. */
	if (bound >= 0)
		return HA_SKIP_BOUND;
	return (int)slot;
}

