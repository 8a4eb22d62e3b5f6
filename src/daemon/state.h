/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.h - who is who across a restart: an append-only journal of
 * bindings (address, since, how it was made, MAC, user, session) in
 * clients.state_dir.  The kernel's sets keep the bindings through a
 * restart, keep_on_exit or a crash; this journal keeps what the sets
 * cannot hold.  Each bind and release appends one line with one
 * write(2) (a crash of the daemon loses nothing the kernel has); at
 * start the journal is replayed, and then rewritten from the restored
 * bindings (write, fsync, rename) so that it stays small.
 *
 * Lines:  B IP SINCE c|p =MAC =USER =SESSION     (values %XX-escaped,
 *         R IP                                    "=" alone: unknown)
 * c: made or confirmed by a bind request, p: by a packet only.
 */
#ifndef NFQLB_STATE_H
#define NFQLB_STATE_H

#include <stdint.h>
#include <netinet/in.h>

#include "core/clientinfo.h"

struct state_rec {
	uint32_t since;
	int confirmed;
	struct client_meta m;
};

struct state;

/*
 * Open (creating dir) and replay the journal dir/NAME.journal.  Never
 * NULL but on no memory; a journal that cannot be opened is logged and
 * the handle does nothing.
 */
struct state *state_open(const char *dir, const char *name, uint32_t hint);
void state_close(struct state *st);
/* What the journal said of a, or NULL. */
const struct state_rec *state_replayed(const struct state *st, struct in_addr a);
/* Forget the replay (after the rewrite). */
void state_replay_drop(struct state *st);

void state_bind(struct state *st, struct in_addr a, const struct state_rec *r);
void state_release(struct state *st, struct in_addr a);
/*
 * Many lines at once (a sync): gathered and written in large writes
 * until state_batch_end(), which the caller reaches before it returns
 * to the event loop.
 */
void state_batch_begin(struct state *st);
void state_batch_end(struct state *st);
/* Lines appended since the last rewrite. */
uint32_t state_appended(const struct state *st);

/* Rewrite the journal: begin, one add per binding, end (atomic rename). */
int state_rewrite_begin(struct state *st);
void state_rewrite_add(struct state *st, struct in_addr a, const struct state_rec *r);
int state_rewrite_end(struct state *st);

/*
 * Parse one journal line (without its NL) in place: 'B' with *a and *r
 * filled, 'R' with *a, or -1 for a line that is not valid (pure).
 */
int state_parse_line(char *line, struct in_addr *a, struct state_rec *r);
/* Format r as a B line into buf (with NL); its length, or -1. */
int state_format_line(char *buf, size_t len, struct in_addr a,
		      const struct state_rec *r);

#endif
