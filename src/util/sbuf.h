/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbuf.h - text appended into a fixed buffer: all of it, or an error
 * (never a silently cut line in a ruleset written for iptables-restore).
 */
#ifndef NFQLB_SBUF_H
#define NFQLB_SBUF_H

#include <stddef.h>

/* Append at *off; 0 and *off moved on, or -1 if it does not fit. */
int sbuf_appendf(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
