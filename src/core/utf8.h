/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * utf8.h - cutting text at a character boundary (user names: RADIUS
 * allows 253 bytes, a cut must not leave half a character).
 */
#ifndef NFQLB_UTF8_H
#define NFQLB_UTF8_H

#include <stddef.h>

/*
 * The length, at most max, of the longest prefix of s (len bytes) that
 * does not end inside a UTF-8 sequence.  Bytes that are not UTF-8 are
 * taken as single characters.
 */
size_t utf8_cut(const char *s, size_t len, size_t max);

#endif
