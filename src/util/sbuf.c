// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sbuf.c - see sbuf.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "util/sbuf.h"

int sbuf_appendf(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off)
		return -1;
	*off += (size_t)n;
	return 0;
}
