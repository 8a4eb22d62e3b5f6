/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync.h - reconciliation with the portal's list of logged-in clients
 * (`nfqlbctl sync`).  Over the control socket, on one connection:
 *
 *   sync begin                       -> OK 1 / sync=ID
 *   sync add ID IP [mac=] [user=] [session=]   (one per client) -> OK 0
 *   sync end ID                      -> OK 1 / bound= released= kept= errors=
 *
 * At the end the table is made to match the list: listed clients not
 * bound are bound (the weighted rule), bound clients not listed are
 * released (and held, as by a release), listed and bound ones keep
 * their gateway and get the metadata given.  One sync at a time: a new
 * begin abandons an unfinished one.  The set adds are batched.
 */
#ifndef NFQLB_SYNC_H
#define NFQLB_SYNC_H

#include "conf/conf.h"
#include "core/proto.h"
#include "daemon/bindings.h"

struct sync;

struct sync *sync_new(const struct conf *c, struct bindings *b);
/* An unfinished run is abandoned. */
void sync_free(struct sync *s);
void sync_command(struct sync *s, const struct control_req *r, struct obuf *o);
/* Runs applied. */
uint64_t sync_count(const struct sync *s);

#endif
