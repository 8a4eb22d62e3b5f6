/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync.h - reconciliation with the portal's list of logged-in clients
 * (`nfqlbctl sync`).  Over the control socket, on one connection:
 *
 *   sync begin                       -> OK 1 / sync=ID
 *   sync add ID IP [mac=] [user=] [session=]   (one per client) -> OK 0
 *   sync skip ID WORD   (a line nfqlbctl refused; WORD its first word,
 *                        "-" if none)  -> OK 0
 *   sync end ID         -> OK 1 / bound= released= kept= errors= withheld=
 *
 * At the end the table is made to match the list: listed clients not
 * bound are bound (the weighted rule), bound clients not listed are
 * released (and held, as by a release), listed and bound ones keep
 * their gateway and get the metadata given.  A refused line (an add
 * the daemon refuses, or a skip) is counted in errors and changes
 * nobody by mistake (synclist_who): the client it names is left as it
 * is; one that names nobody readable stops every release of this sync.
 * A binding learned from the HA peer's conntrack and not confirmed by
 * this portal since is not released for being unlisted (a new master's
 * chilli lists nobody yet).  withheld counts the unlisted clients kept
 * for either reason.  One
 * sync at a time: a new begin abandons an unfinished one.  The set
 * adds are batched.
 */
#ifndef NFQLB_SYNC_H
#define NFQLB_SYNC_H

#include "conf/conf.h"
#include "core/proto.h"
#include "daemon/bindings.h"
#include "daemon/hasync.h"

struct sync;

/* ha: the HA layer, whose learned bindings a sync never releases. */
struct sync *sync_new(const struct conf *c, struct bindings *b, struct hasync *ha);
/* An unfinished run is abandoned. */
void sync_free(struct sync *s);
void sync_command(struct sync *s, const struct control_req *r, struct obuf *o);
/* Runs applied. */
uint64_t sync_count(const struct sync *s);

#endif
