// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ownaddr.c - addresses of the LAN that are never clients (ownaddr.h).
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "kernel/ownaddr.h"

int ownaddr_refresh(struct ownaddr *o, const struct nfqlb_net4 *lan, int force)
{
	struct ifaddrs *ifa, *i;
	struct timespec ts;
	uint64_t now_ms;
	unsigned n = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 1;
	if (!force && o->when_ms && now_ms - o->when_ms < OWNADDR_REFRESH_MS)
		return 0;
	if (getifaddrs(&ifa))
		return -1;
	for (i = ifa; i && n < OWNADDR_MAX; i = i->ifa_next) {
		struct in_addr a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		a = ((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr;
		if (net4_contains(lan, a))
			o->a[n++] = a;
	}
	freeifaddrs(ifa);
	o->n = n;
	o->when_ms = now_ms;
	return 0;
}

const char *ownaddr_nonhost(const struct nfqlb_net4 *lan, const struct ownaddr *o,
			    struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr), mask;
	unsigned i;

	if (lan->plen <= 30) {
		mask = lan->plen ? ~(uint32_t)0 << (32 - lan->plen) : 0;
		if ((h & ~mask) == 0)
			return "the network address";
		if ((h & ~mask) == ~mask)
			return "the broadcast address";
	}
	for (i = 0; o && i < o->n; i++)
		if (o->a[i].s_addr == a.s_addr)
			return "an address of this host";
	return NULL;
}
