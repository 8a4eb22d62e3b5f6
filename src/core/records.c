// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * records.c - the control protocol's records for people and programs:
 * parsing, escaping for a terminal, display width, and JSON (json-c),
 * shared by nfqlbctl and nfqlb-web so that both print the same JSON.
 * No I/O but the message on running out of memory.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <json-c/json.h>

#include "core/proto.h"
#include "core/records.h"

static void oom(void) __attribute__((noreturn));
static void oom(void)
{
	fputs("out of memory\n", stderr);
	exit(1);
}

void records_parse(char *line, struct record *rec)
{
	char *save = NULL, *w;

	rec->n = 0;
	for (w = strtok_r(line, " ", &save); w && rec->n < RECORDS_MAX_FIELDS;
	     w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');

		if (!eq)
			continue;
		*eq = '\0';
		if (proto_unescape(eq + 1))
			continue;
		rec->key[rec->n] = w;
		rec->val[rec->n] = eq + 1;
		rec->n++;
	}
}

/* ---- escaping for the terminal ---- */

/*
 * Decode one UTF-8 sequence at s: its length, or 0 if it is not a
 * valid, shortest-form sequence of a scalar value.
 */
int records_utf8_decode(const unsigned char *s, uint32_t *cp)
{
	int n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2; c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3; c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4; c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/*
 * Code points a terminal must not get raw: C0 and C1 controls, DEL,
 * line and paragraph separators, and the bidirectional overrides and
 * isolates (which reorder what follows them on the line).
 */
static int unsafe_cp(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	       c == 0x200e || c == 0x200f || c == 0x061c || c == 0xfeff;
}

/*
 * s escaped for a terminal, in a new string: a backslash and every
 * unsafe byte or code point as \\ \xHH \u{HHHH}; without a UTF-8 locale
 * every non-ASCII byte too.  Nothing that reaches the terminal can
 * move the cursor, change colours or start a new line.
 */
char *records_term_escape(const char *s, int utf8_term)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t cap = strlen(s) * 10 + 1, len = 0;
	char *out = malloc(cap);
	uint32_t cp;
	int n, i;

	if (!out)
		oom();
	while (*p) {
		n = records_utf8_decode(p, &cp);
		if (*p == '\\') {
			len += (size_t)snprintf(out + len, cap - len, "\\\\");
			n = 1;
		} else if (n == 0 || (n > 1 && !utf8_term)) {
			len += (size_t)snprintf(out + len, cap - len, "\\x%02x", *p);
			n = 1;
		} else if (unsafe_cp(cp)) {
			if (cp < 0x80)
				len += (size_t)snprintf(out + len, cap - len, "\\x%02x", cp);
			else
				len += (size_t)snprintf(out + len, cap - len, "\\u{%04x}", cp);
		} else {
			for (i = 0; i < n; i++)
				out[len++] = (char)p[i];
		}
		p += n;
	}
	out[len] = '\0';
	return out;
}

/* Columns a (safe, escaped) string takes on a terminal. */
int records_display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0, n, cw;
	uint32_t cp;

	while (*p) {
		n = records_utf8_decode(p, &cp);
		if (!n) {
			w++;
			p++;
			continue;
		}
		cw = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
		w += cw < 0 ? 1 : cw;
		p += n;
	}
	return w;
}

/* ---- JSON (json-c) ---- */


/* s with every byte that is not part of valid UTF-8 replaced by U+FFFD. */
char *records_utf8_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) * 3 + 1), *o = out;
	uint32_t cp;
	int n;

	if (!out)
		oom();
	while (*p) {
		n = records_utf8_decode(p, &cp);
		if (!n) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(o, p, (size_t)n);
		o += n;
		p += n;
	}
	*o = '\0';
	return out;
}

/* An unsigned decimal integer, or one with a fraction ("12.5"). */
static int is_number(const char *s, int *frac)
{
	const char *p = s;

	*frac = 0;
	if (!*p || (*p == '0' && p[1] && p[1] != '.'))
		return 0;
	for (; *p; p++) {
		if (*p == '.' && !*frac && p != s && p[1])
			*frac = 1;
		else if (*p < '0' || *p > '9')
			return 0;
	}
	return *frac ? p - s <= 40 : p - s <= 20;
}

/* Keys whose values are text even when they look like numbers. */
static int text_key(const char *k)
{
	static const char *const keys[] = {
		"client", "gateway", "mac", "user", "session", "name", "address",
		"interface", "state", "health", "mark", "version", "reloaded",
		"down_reason", "removed", "missing", NULL
	};
	const char *const *p;

	for (p = keys; *p; p++)
		if (!strcmp(*p, k))
			return 1;
	return 0;
}

/*
 * A record's value as JSON: "-" is null, numbers are numbers, "N%" a
 * ratio (0.25 for "25%"), anything else a string.
 */
struct json_object *records_json_value(const char *key, const char *v)
{
	struct json_object *j;
	char buf[64], *clean;
	size_t l = strlen(v);
	int frac;

	if (!strcmp(v, "-"))
		return NULL;
	if (!text_key(key)) {
		if (is_number(v, &frac)) {
			unsigned long long u;

			if (frac)
				return json_object_new_double_s(strtod(v, NULL), v);
			errno = 0;
			u = strtoull(v, NULL, 10);
			if (!errno)
				return json_object_new_uint64(u);
		}
		if (l > 1 && l < 32 && v[l - 1] == '%') {
			memcpy(buf, v, l - 1);
			buf[l - 1] = '\0';
			if (is_number(buf, &frac)) {
				double r = strtod(buf, NULL) / 100.0;

				snprintf(buf, sizeof(buf), "%.6g", r);
				return json_object_new_double_s(r, buf);
			}
		}
	}
	clean = records_utf8_clean(v);
	j = json_object_new_string(clean);
	free(clean);
	return j;
}

struct json_object *records_json(const struct record *r)
{
	struct json_object *o = json_object_new_object();
	char *k;
	int i;

	json_object_object_add(o, "schema", json_object_new_int(RECORDS_SCHEMA));
	for (i = 0; i < r->n; i++) {
		k = records_utf8_clean(r->key[i]);
		json_object_object_add(o, k, records_json_value(r->key[i], r->val[i]));
		free(k);
	}
	return o;
}


