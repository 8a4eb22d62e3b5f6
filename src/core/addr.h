/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.h - the client key: an IP address of either family.
 *
 * The table is IPv4 today; the key already holds IPv6 so that the
 * control protocol and the set module need no change when it comes.
 */
#ifndef NFQLB_ADDR_H
#define NFQLB_ADDR_H

#include <stdint.h>
#include <stddef.h>
#include <netinet/in.h>

struct nfqlb_addr {
	uint8_t family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;	/* network byte order */
		struct in6_addr v6;
	};
};

/* An IPv4 network, address and mask in network byte order. */
struct nfqlb_net4 {
	struct in_addr addr;
	uint8_t plen;
};

#define NFQLB_ADDRSTRLEN 46

/* Parse a textual address; 0 on success, -1 if it is not one. */
int addr_parse(const char *s, struct nfqlb_addr *a);
/* Write the address into buf (NFQLB_ADDRSTRLEN bytes); returns buf. */
const char *addr_format(const struct nfqlb_addr *a, char *buf, size_t len);
/* Parse "a.b.c.d/len" (len 0..32); host bits must be zero. */
int net4_parse(const char *s, struct nfqlb_net4 *n);
int net4_contains(const struct nfqlb_net4 *n, struct in_addr a);

#endif
