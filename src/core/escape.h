/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * escape.h - make any bytes safe to print inside one line of text.
 *
 * Error messages quote what a peer, a hook or a configuration file
 * gave: after %XX decoding that can be a newline (a forged answer
 * line), a terminal escape sequence or invalid UTF-8.  escape_line()
 * keeps printable ASCII and writes every other byte as \xHH (and a
 * backslash as \\), so the result is one line of printable ASCII that
 * still names the bad value exactly.
 */
#ifndef NFQLB_ESCAPE_H
#define NFQLB_ESCAPE_H

#include <stddef.h>

/*
 * Escape s into buf (len bytes, always NUL-terminated; truncation never
 * splits an escape).  Returns buf.
 */
const char *escape_line(const char *s, char *buf, size_t len);
/* The same for n bytes of s, which may hold NULs. */
const char *escape_mem(const char *s, size_t n, char *buf, size_t len);

#endif
