/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hafp.h - the HA pair's pure decisions that need the whole
 * configuration: its fingerprint (what must mean the same on both
 * boxes) and whether a conntrack entry teaches this box a binding.
 * The rest of the pair's pure parts are core/ha.h.
 */
#ifndef NFQLB_HAFP_H
#define NFQLB_HAFP_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "conf/conf.h"
#include "core/ha.h"

/*
 * The canonical text of what must match between the boxes: the LAN
 * network, marks.base and marks.mask, the set prefix, and per slot the
 * gateway's name, mark and table (empty slots too: a slot is a mark).
 * Returns the length it needed (as snprintf).
 */
size_t hafp_text(const struct conf *c, char *buf, size_t len);
/* FNV-1a 64 of that text as 16 lower-case hex digits. */
void hafp_fingerprint(const struct conf *c, char out[HA_FINGERPRINT_LEN]);

/*
 * A connection from src (network order) carries ctmark; bound is the
 * slot src is bound to on this box, or < 0.  Returns the slot to bind
 * src to, or an ha_learn_skip.
 */
int hafp_learn_decide(const struct conf *c, struct in_addr src, uint32_t ctmark,
		    int bound);
#endif
