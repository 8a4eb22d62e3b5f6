/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * web.h - nfqlb-web's pure parts: the Prometheus text exposition of
 * nfqlbd's records, escaping for each medium, and the client filter of
 * /api/v1/clients.  No I/O (unit-tested in check_web).
 */
#ifndef NFQLB_WEB_H
#define NFQLB_WEB_H

#include <stddef.h>

#include "core/records.h"

/* A growing string. */
struct wbuf {
	char *data;
	size_t len, cap;
};

void wbuf_printf(struct wbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void wbuf_free(struct wbuf *b);

/* v as a Prometheus label value (without the quotes): \\ \" \n, UTF-8 cleaned. */
void web_prom_label(struct wbuf *b, const char *v);

/*
 * /metrics: nfqlb_up, then per gateway (label gateway="NAME") up,
 * clients, weight, rtt_seconds, loss_ratio, transmit_packets_total,
 * transmit_bytes_total, and the daemon's counters of stats as
 * nfqlb_NAME_total.  up = 0 (nfqlbd unreachable): nfqlb_up alone.
 */
void web_metrics(struct wbuf *b, int up, const struct record *gws, long ngw,
		 const struct record *stats);

/* What /api/v1/clients filters on; NULL or "" matches anything. */
struct web_filter {
	const char *gateway, *ip, *mac, *user, *q;
};

/*
 * 1 if the list record r passes f: gateway, ip exact; mac exact, case
 * and separators (: - .) ignored; user a case-insensitive substring;
 * q any of ip, mac, user, session, matched like user.
 */
int web_filter_match(const struct web_filter *f, const struct record *r);

/* The value of key in r, or NULL. */
const char *web_field(const struct record *r, const char *key);

#endif
