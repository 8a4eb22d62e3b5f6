// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * linkstate.c - link facts to "usable, or why not" (linkstate.h).
 */
#include "core/linkstate.h"

enum linkstate_why linkstate_judge(const struct linkstate_facts *f,
				   enum linkstate_nh nh)
{
	if (!f->exists)
		return LINKSTATE_MISSING;
	if (!f->admin_up)
		return LINKSTATE_ADMIN_DOWN;
	if (!f->carrier)
		return LINKSTATE_NO_CARRIER;
	if (!f->has_addr4)
		return LINKSTATE_NO_ADDRESS;
	switch (nh) {
	case LINKSTATE_NH_ADDR:
		return LINKSTATE_OK;
	case LINKSTATE_NH_DEV:
		/* "default dev eth0" would ARP for every destination. */
		return f->pointopoint ? LINKSTATE_OK : LINKSTATE_NEEDS_ADDRESS;
	case LINKSTATE_NH_LEARNED:
		return f->nexthop_known ? LINKSTATE_OK : LINKSTATE_NO_NEXTHOP;
	}
	return LINKSTATE_NO_NEXTHOP;
}

const char *linkstate_why_name(enum linkstate_why why)
{
	switch (why) {
	case LINKSTATE_OK:		return "ok";
	case LINKSTATE_MISSING:		return "missing";
	case LINKSTATE_ADMIN_DOWN:	return "admin-down";
	case LINKSTATE_NO_CARRIER:	return "no-carrier";
	case LINKSTATE_NO_ADDRESS:	return "no-address";
	case LINKSTATE_NEEDS_ADDRESS:	return "needs-address";
	case LINKSTATE_NO_NEXTHOP:	return "no-nexthop";
	}
	return "?";
}
