/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctlearn.h - read who-uses-which-mark from the kernel's conntrack
 * table over ctnetlink (libmnl): continuously, from the NEW and UPDATE
 * event groups (what conntrackd injects into a backup's table arrives
 * there as NEW), and at once, by a dump (takeover, start, and after
 * the event socket overflowed).  Each IPv4 entry is handed to a
 * callback as (original source, ctmark); deciding is ha.c's job.
 */
#ifndef NFQLB_CTLEARN_H
#define NFQLB_CTLEARN_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

typedef void (*ctlearn_cb)(struct in_addr src, uint32_t ctmark, void *arg);

struct ctlearn;

/* Subscribe to the events; NULL and err on failure. */
struct ctlearn *ctlearn_open(ctlearn_cb cb, void *arg, char *err, size_t len);
void ctlearn_close(struct ctlearn *l);
int ctlearn_fd(const struct ctlearn *l);
/*
 * Read what the event socket holds (non-blocking).  Returns 1 if the
 * kernel dropped events (ENOBUFS: a dump should follow), 0, or -1.
 */
int ctlearn_dispatch(struct ctlearn *l);
/* Dump the whole IPv4 table through cb; entries seen, or -1 and err. */
long ctlearn_dump(ctlearn_cb cb, void *arg, char *err, size_t len);

#endif
