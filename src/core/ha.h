/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha.h - two boxes as one (keepalived + conntrackd): the pure parts.
 *
 * The `ha` settings; the fingerprint of what must mean the same on
 * both boxes (a mark is a gateway only if both agree on which); the
 * pair's own addresses, which never bind anyone; and the decision
 * whether a conntrack entry teaches this box a binding (conf/hafp.h
 * holds what needs the whole configuration).  No I/O here: ctlearn.c
 * reads the conntrack table, hasync.c applies.
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

/* Is a (network order) one of the pair's own addresses? */
int ha_is_pair(const struct ha_conf *h, struct in_addr a);

/* Why a conntrack entry teaches nothing (hafp_learn_decide < 0). */
enum ha_learn_skip {
	HA_SKIP_NOT_LAN = -1,	/* source outside lan.network */
	HA_SKIP_PAIR = -2,	/* one of the pair's own addresses */
	HA_SKIP_NO_MARK = -3,	/* ctmark is no gateway's mark */
	HA_SKIP_NO_GW = -4,	/* the mark's slot holds no gateway here */
	HA_SKIP_BOUND = -5,	/* already bound on this box: never moved */
};

const char *ha_skip_name(int why);

#endif
