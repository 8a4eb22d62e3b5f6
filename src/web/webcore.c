// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * webcore.c - nfqlb-web's pure parts (web.h): Prometheus text from
 * nfqlbd's records, label escaping, the clients filter.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/webcore.h"

void wbuf_printf(struct wbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->data && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n + 1;
		b->data = realloc(b->data, b->cap);
		if (!b->data) {
			fputs("nfqlb-web: out of memory\n", stderr);
			exit(1);
		}
	}
}

void wbuf_free(struct wbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

const char *web_field(const struct record *r, const char *key)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->key[i], key))
			return r->val[i];
	return NULL;
}

void web_prom_label(struct wbuf *b, const char *v)
{
	char *clean = records_utf8_clean(v), *p;

	for (p = clean; *p; p++) {
		if (*p == '\\')
			wbuf_printf(b, "\\\\");
		else if (*p == '"')
			wbuf_printf(b, "\\\"");
		else if (*p == '\n')
			wbuf_printf(b, "\\n");
		else
			wbuf_printf(b, "%c", *p);
	}
	free(clean);
}

/* A plain decimal number (what the daemon sends for numbers), or NULL. */
static const char *num(const char *v)
{
	const char *p = v;
	int dot = 0;

	if (!v || !*v)
		return NULL;
	for (; *p; p++) {
		if (*p == '.' && !dot && p != v && p[1])
			dot = 1;
		else if (*p < '0' || *p > '9')
			return NULL;
	}
	return v;
}

struct gw_metric {
	const char *name, *type, *help, *key;
	double scale;		/* the value is the field times scale */
};

static const struct gw_metric gw_metrics[] = {
	{ "nfqlb_gateway_clients", "gauge", "Clients bound to the gateway.", "clients", 1 },
	{ "nfqlb_gateway_weight", "gauge", "The gateway's weight (0: drained).", "weight", 1 },
	{ "nfqlb_gateway_rtt_seconds", "gauge",
	  "Round-trip time of the last good health probe round.", "rtt_ms", 0.001 },
	{ "nfqlb_gateway_loss_ratio", "gauge",
	  "Share of health probes lost over the last rounds (0..1).", "loss", 0.01 },
	{ "nfqlb_gateway_transmit_packets_total", "counter",
	  "Packets of LAN clients forwarded through the gateway (kernel route realm).",
	  "tx_packets", 1 },
	{ "nfqlb_gateway_transmit_bytes_total", "counter",
	  "Bytes (IP) of LAN clients forwarded through the gateway (kernel route realm).",
	  "tx_bytes", 1 },
	{ "nfqlb_gateway_down_rate_bytes", "gauge",
	  "Bytes per second towards the users through the gateway (10 s average, conntrack).",
	  "rate_down", 1 },
	{ "nfqlb_gateway_up_rate_bytes", "gauge",
	  "Bytes per second from the users through the gateway (10 s average, conntrack).",
	  "rate_up", 1 },
	{ "nfqlb_gateway_utilization_ratio", "gauge",
	  "Rate over declared bandwidth, the larger direction (0..1; only with bandwidth).",
	  "utilization", 0.01 },
};

static void metric_head(struct wbuf *b, const char *name, const char *type,
			const char *help)
{
	wbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void gw_label(struct wbuf *b, const char *metric, const struct record *g)
{
	wbuf_printf(b, "%s{gateway=\"", metric);
	web_prom_label(b, web_field(g, "name") ? web_field(g, "name") : "");
	wbuf_printf(b, "\"}");
}

/* A field "25%" as 25, "12.5" as 12.5; NULL if it is no number ("-"). */
static int value_of(const char *v, double *out)
{
	char buf[64];
	size_t l;

	if (!v)
		return 0;
	l = strlen(v);
	if (l > 1 && l < sizeof(buf) && v[l - 1] == '%') {
		memcpy(buf, v, l - 1);
		buf[l - 1] = '\0';
		if (!num(buf))
			return 0;
		*out = strtod(buf, NULL);
		return 1;
	}
	if (!num(v))
		return 0;
	*out = strtod(v, NULL);
	return 1;
}

/* Stats fields that are not counters, and how they are exported. */
static int stats_special(struct wbuf *b, const char *k, const char *v)
{
	if (!strcmp(k, "uptime")) {
		metric_head(b, "nfqlb_uptime_seconds", "gauge", "Seconds since nfqlbd started.");
		wbuf_printf(b, "nfqlb_uptime_seconds %s\n", v);
	} else if (!strcmp(k, "clients")) {
		metric_head(b, "nfqlb_clients", "gauge", "Clients bound.");
		wbuf_printf(b, "nfqlb_clients %s\n", v);
	} else if (!strcmp(k, "max_clients")) {
		metric_head(b, "nfqlb_max_clients", "gauge", "clients.max.");
		wbuf_printf(b, "nfqlb_max_clients %s\n", v);
	} else if (!strcmp(k, "typical_down") || !strcmp(k, "typical_up")) {
		/* The load policy's typical user (a gauge, not a counter). */
		const char *d = k[8] == 'd' ? "down" : "up";

		wbuf_printf(b, "# HELP nfqlb_typical_user_%s_rate_bytes The median active "
			    "user's bytes per second %s (balance.policy load).\n"
			    "# TYPE nfqlb_typical_user_%s_rate_bytes gauge\n"
			    "nfqlb_typical_user_%s_rate_bytes %s\n", d,
			    k[8] == 'd' ? "towards it" : "from it", d, d, v);
	} else if (!strcmp(k, "tx_packets")) {
		/* The sum of the gateway series (the gateways configured now). */
		metric_head(b, "nfqlb_transmit_packets_total", "counter",
			    "Packets of LAN clients forwarded through all gateways "
			    "(the sum of nfqlb_gateway_transmit_packets_total).");
		wbuf_printf(b, "nfqlb_transmit_packets_total %s\n", v);
	} else if (!strcmp(k, "tx_bytes")) {
		metric_head(b, "nfqlb_transmit_bytes_total", "counter",
			    "Bytes (IP) of LAN clients forwarded through all gateways "
			    "(the sum of nfqlb_gateway_transmit_bytes_total).");
		wbuf_printf(b, "nfqlb_transmit_bytes_total %s\n", v);
	} else {
		return 0;
	}
	return 1;
}

/* A record key as a metric name part: [a-z0-9_] only. */
static int metric_name_ok(const char *k)
{
	if (!*k || strlen(k) > 64)
		return 0;
	for (; *k; k++)
		if (!(islower((unsigned char)*k) || isdigit((unsigned char)*k) || *k == '_'))
			return 0;
	return 1;
}

void web_metrics(struct wbuf *b, int up, const struct record *gws, long ngw,
		 const struct record *stats)
{
	unsigned m;
	long i;
	double v;

	metric_head(b, "nfqlb_up", "gauge", "1 if nfqlb-web could query nfqlbd.");
	wbuf_printf(b, "nfqlb_up %d\n", up ? 1 : 0);
	if (!up)
		return;
	if (stats && web_field(stats, "version")) {
		/* The stats fields that are words, not numbers, as labels. */
		static const char *const info[] = { "version", "pinning",
						    "bind_on_packet", "ha",
						    "ha_fingerprint", "policy",
						    "proxy" };
		const char *sep = "";

		metric_head(b, "nfqlb_info", "gauge",
			    "nfqlbd's version, modes and HA fields.");
		wbuf_printf(b, "nfqlb_info{");
		for (m = 0; m < sizeof(info) / sizeof(info[0]); m++) {
			if (!web_field(stats, info[m]))
				continue;
			wbuf_printf(b, "%s%s=\"", sep, info[m]);
			web_prom_label(b, web_field(stats, info[m]));
			wbuf_printf(b, "\"");
			sep = ",";
		}
		wbuf_printf(b, "} 1\n");
	}
	metric_head(b, "nfqlb_gateway_up", "gauge",
		    "1 unless health probes declared the gateway down.");
	for (i = 0; i < ngw; i++) {
		const char *st = web_field(&gws[i], "state");

		gw_label(b, "nfqlb_gateway_up", &gws[i]);
		wbuf_printf(b, " %d\n", st && strcmp(st, "down") ? 1 : 0);
	}
	for (m = 0; m < sizeof(gw_metrics) / sizeof(gw_metrics[0]); m++) {
		const struct gw_metric *g = &gw_metrics[m];

		metric_head(b, g->name, g->type, g->help);
		for (i = 0; i < ngw; i++) {
			/* No sample for "-" (no probes, no answer yet). */
			if (!value_of(web_field(&gws[i], g->key), &v))
				continue;
			gw_label(b, g->name, &gws[i]);
			if (g->scale == 1)
				wbuf_printf(b, " %s\n", web_field(&gws[i], g->key));
			else
				wbuf_printf(b, " %.9g\n", v * g->scale);
		}
	}
	if (!stats)
		return;
	for (i = 0; i < stats->n; i++) {
		const char *k = stats->key[i], *val = stats->val[i];

		if (!num(val) || !metric_name_ok(k) || stats_special(b, k, val))
			continue;
		wbuf_printf(b, "# HELP nfqlb_%s_total nfqlbd's %s counter (nfqlbctl stats).\n"
			    "# TYPE nfqlb_%s_total counter\nnfqlb_%s_total %s\n",
			    k, k, k, k, val);
	}
}

/* MAC without separators, lower case, into out (13 bytes). */
static void mac_key(const char *s, char out[13])
{
	size_t n = 0;

	for (; *s && n < 12; s++)
		if (isxdigit((unsigned char)*s))
			out[n++] = (char)tolower((unsigned char)*s);
	out[n] = '\0';
}

static int has_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!hay || !strcmp(hay, "-"))
		return 0;
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return 1;
	return !n;
}

static int set(const char *s)
{
	return s && *s;
}

int web_filter_match(const struct web_filter *f, const struct record *r)
{
	const char *ip = web_field(r, "client"), *mac = web_field(r, "mac");
	char a[13], b[13];

	if (set(f->gateway) && (!web_field(r, "gateway") ||
				strcmp(web_field(r, "gateway"), f->gateway)))
		return 0;
	if (set(f->ip) && (!ip || strcmp(ip, f->ip)))
		return 0;
	if (set(f->mac)) {
		mac_key(f->mac, a);
		mac_key(mac ? mac : "", b);
		if (!mac || strlen(a) != 12 || strcmp(a, b))
			return 0;
	}
	if (set(f->user) && !has_ci(web_field(r, "user"), f->user))
		return 0;
	if (set(f->q)) {
		mac_key(f->q, a);
		mac_key(mac && strcmp(mac, "-") ? mac : "", b);
		if (!has_ci(ip, f->q) && !has_ci(web_field(r, "user"), f->q) &&
		    !has_ci(web_field(r, "session"), f->q) && !has_ci(mac, f->q) &&
		    !(strlen(a) == 12 && !strcmp(a, b)))
			return 0;
	}
	return 1;
}
