// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * utf8.c - see utf8.h.
 */
#include "core/utf8.h"

/* Bytes of the sequence a lead byte starts; 1 for anything else. */
static size_t utf8_seq_len(unsigned char b)
{
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	return 1;
}

static int utf8_cont(unsigned char b)
{
	return (b & 0xc0) == 0x80;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n, k;

	if (len <= max)
		return len;
	while (i < max) {
		n = utf8_seq_len(u[i]);
		/* A lead byte without its continuation bytes is one byte. */
		for (k = 1; k < n; k++)
			if (i + k >= len || !utf8_cont(u[i + k]))
				break;
		if (k < n)
			n = 1;
		if (i + n > max)
			break;
		i += n;
	}
	return i;
}
