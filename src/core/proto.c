// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * proto.c - the control protocol's pure parts (see proto.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/proto.h"

static int obuf_reserve(struct obuf *o, size_t more)
{
	size_t cap;
	char *p;

	if (o->overflow)
		return -1;
	if (o->len + more + 1 <= o->cap)
		return 0;
	if (o->len + more + 1 > CONTROL_MAX_OUTPUT) {
		o->overflow = 1;
		return -1;
	}
	cap = o->cap ? o->cap : 256;
	while (cap < o->len + more + 1)
		cap *= 2;
	p = realloc(o->data, cap);
	if (!p) {
		o->overflow = 1;
		return -1;
	}
	o->data = p;
	o->cap = cap;
	return 0;
}

void obuf_printf(struct obuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || obuf_reserve(o, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(o->data + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

static int safe_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || strchr("._:/@+-", ch);
}

const char *proto_escape(const char *value, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (!len)
		return buf;
	for (; *value; value++) {
		unsigned char ch = (unsigned char)*value;

		if (safe_char(ch)) {
			if (o + 1 >= len)
				break;
			buf[o++] = (char)ch;
		} else {
			if (o + 3 >= len)
				break;
			buf[o++] = '%';
			buf[o++] = hex[ch >> 4];
			buf[o++] = hex[ch & 15];
		}
	}
	buf[o] = '\0';
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int proto_unescape(char *s)
{
	char *w = s;
	int hi, lo;

	for (; *s; s++) {
		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		hi = hexval(s[1]);
		lo = hi < 0 ? -1 : hexval(s[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return -1;
		*w++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*w = '\0';
	return 0;
}

void obuf_kv(struct obuf *o, const char *key, const char *value)
{
	char esc[3 * 256 + 1];
	int first = !o->len || o->data[o->len - 1] == '\n';

	obuf_printf(o, "%s%s=%s", first ? "" : " ", key,
		    proto_escape(value, esc, sizeof(esc)));
}

void obuf_kvu(struct obuf *o, const char *key, unsigned long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", v);
	obuf_kv(o, key, num);
}

void obuf_reset(struct obuf *o)
{
	o->len = 0;
	o->overflow = 0;
}

void obuf_free(struct obuf *o)
{
	free(o->data);
	memset(o, 0, sizeof(*o));
}

/* ---- request lines ---- */

int proto_parse(const char *line, size_t len, struct control_req *req,
		  char *err, size_t errlen)
{
	size_t i;
	char *p;

	req->argc = 0;
	if (len > CONTROL_MAX_LINE) {
		snprintf(err, errlen, "request longer than %d bytes", CONTROL_MAX_LINE);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == '\r' && i == len - 1)
			break;		/* tolerate CRLF from nc/telnet */
		if (ch == '\0' || (ch < 0x20 && ch != '\t') || ch >= 0x7f) {
			snprintf(err, errlen, "byte 0x%02x at offset %zu: only "
				 "printable ASCII is allowed", ch, i);
			return -1;
		}
	}
	memcpy(req->buf, line, i);
	req->buf[i] = '\0';
	for (p = req->buf; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (req->argc == CONTROL_MAX_ARGS) {
			snprintf(err, errlen, "more than %d words", CONTROL_MAX_ARGS);
			return -1;
		}
		req->argv[req->argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (!req->argc) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	return 0;
}

