// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * escape.c - one-line, printable-ASCII quoting of untrusted bytes for
 * messages (see escape.h).  Pure: no I/O, no allocation.
 */
#include <string.h>

#include "core/escape.h"

const char *escape_mem(const char *s, size_t n, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (!len)
		return buf;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char e[4];
		size_t el;

		if (ch == '\\') {
			e[0] = e[1] = '\\';
			el = 2;
		} else if (ch >= 0x20 && ch < 0x7f) {
			e[0] = (char)ch;
			el = 1;
		} else {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[ch >> 4];
			e[3] = hex[ch & 15];
			el = 4;
		}
		if (o + el >= len)
			break;
		memcpy(buf + o, e, el);
		o += el;
	}
	buf[o] = '\0';
	return buf;
}

const char *escape_line(const char *s, char *buf, size_t len)
{
	return escape_mem(s, s ? strlen(s) : 0, buf, len);
}
