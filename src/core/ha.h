/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha.h - two boxes as one (keepalived + conntrackd): the pure parts.
 *
 * The `ha` settings; the fingerprint of what must mean the same on
 * both boxes (a mark is a gateway only if both agree on which); the
 * pair's own addresses, which never bind anyone; and the decision
 * whether a conntrack entry teaches this box a binding.  No I/O here:
 * ctlearn.c reads the conntrack table, hasync.c applies.
 */
#ifndef NFQLB_HA_H
#define NFQLB_HA_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define HA_MAX_PAIR		16	/* ha.pair_addresses */
#define HA_FINGERPRINT_LEN	17	/* 16 hex digits and the NUL */

struct ha_conf {
	int enable;		/* false (default): none of this runs */
	int learn;		/* follow conntrack events (default true) */
	unsigned npair;
	struct in_addr pair[HA_MAX_PAIR];	/* the boxes' own addresses */
	char peer_fingerprint[HA_FINGERPRINT_LEN];	/* "": not checked */
	/*
	 * A backup releases a binding once no conntrack entry has shown
	 * the user for release_after to 2 * release_after seconds (the
	 * master released it, or it has been idle that long); 0: never.
	 */
	uint32_t release_after;
};

struct conf;

/* Is a (network order) one of the pair's own addresses? */
int ha_is_pair(const struct ha_conf *h, struct in_addr a);

/*
 * The canonical text of what must match between the boxes: the LAN
 * network, marks.base and marks.mask, the set prefix, and per slot the
 * gateway's name, mark and table (empty slots too: a slot is a mark).
 * Returns the length it needed (as snprintf).
 */
size_t ha_fingerprint_text(const struct conf *c, char *buf, size_t len);
/* FNV-1a 64 of that text as 16 lower-case hex digits. */
void ha_fingerprint(const struct conf *c, char out[HA_FINGERPRINT_LEN]);

/* Why a conntrack entry teaches nothing (ha_learn_decide < 0). */
enum ha_learn_skip {
	HA_SKIP_NOT_LAN = -1,	/* source outside lan.network */
	HA_SKIP_PAIR = -2,	/* one of the pair's own addresses */
	HA_SKIP_NO_MARK = -3,	/* ctmark is no gateway's mark */
	HA_SKIP_NO_GW = -4,	/* the mark's slot holds no gateway here */
	HA_SKIP_BOUND = -5,	/* already bound on this box: never moved */
};

/*
 * A connection from src (network order) carries ctmark; bound is the
 * slot src is bound to on this box, or < 0.  Returns the slot to bind
 * src to, or an ha_learn_skip.
 */
int ha_learn_decide(const struct conf *c, struct in_addr src, uint32_t ctmark,
		    int bound);
const char *ha_skip_name(int why);

#endif
