// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ha.c - the pure parts of the HA pair (see ha.h).
 */
#include <arpa/inet.h>

#include "core/ha.h"

int ha_is_pair(const struct ha_conf *h, struct in_addr a)
{
	unsigned i;

	for (i = 0; i < h->npair; i++)
		if (h->pair[i].s_addr == a.s_addr)
			return 1;
	return 0;
}

const char *ha_skip_name(int why)
{
	switch (why) {
	case HA_SKIP_NOT_LAN: return "not in lan.network";
	case HA_SKIP_PAIR: return "an address of the HA pair";
	case HA_SKIP_NO_MARK: return "no gateway's mark";
	case HA_SKIP_NO_GW: return "mark of an empty slot";
	case HA_SKIP_BOUND: return "already bound here";
	}
	return why >= 0 ? "learned" : "?";
}
