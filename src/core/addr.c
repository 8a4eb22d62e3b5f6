// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * addr.c - parsing and printing of client addresses and IPv4 networks.
 *
 * Everything here is strict on purpose: a configuration value or a
 * control command that is almost an address is an operator mistake,
 * and silently accepting " 1.2.3.4" or "1.2.3.4x" would hide it.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "core/addr.h"

int addr_parse(const char *s, struct nfqlb_addr *a)
{
	struct nfqlb_addr tmp;

	if (!s || !a)
		return -1;
	/*
	 * Zero the whole key so that an IPv4 address leaves no stale
	 * bytes in the IPv6 half of the union: callers may compare or
	 * hash the struct as a whole.
	 */
	memset(&tmp, 0, sizeof(tmp));
	/*
	 * inet_pton is already strict: no leading or trailing blanks,
	 * no junk, no octet above 255, no shortened IPv4 forms.
	 */
	if (inet_pton(AF_INET, s, &tmp.v4) == 1)
		tmp.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &tmp.v6) == 1)
		tmp.family = AF_INET6;
	else
		return -1;
	*a = tmp;
	return 0;
}

const char *addr_format(const struct nfqlb_addr *a, char *buf, size_t len)
{
	const char *r = NULL;

	if (!buf || !len)
		return buf;
	if (a && a->family == AF_INET)
		r = inet_ntop(AF_INET, &a->v4, buf, len);
	else if (a && a->family == AF_INET6)
		r = inet_ntop(AF_INET6, &a->v6, buf, len);
	/* Never hand back an unterminated buffer, even on a bad key. */
	if (!r) {
		if (len >= 2) {
			buf[0] = '?';
			buf[1] = '\0';
		} else {
			buf[0] = '\0';
		}
	}
	return buf;
}

static uint32_t plen_mask(uint8_t plen)
{
	/* A shift by 32 is undefined, so /0 is special. */
	return plen ? ~(uint32_t)0 << (32 - plen) : 0;
}

/* "0".."32", decimal digits only, no sign, no leading zero, no blanks. */
static int parse_plen(const char *s, uint8_t *plen)
{
	unsigned v = 0;
	size_t n = strlen(s);

	if (n < 1 || n > 2)
		return -1;
	if (n == 2 && s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 32)
		return -1;
	*plen = (uint8_t)v;
	return 0;
}

int net4_parse(const char *s, struct nfqlb_net4 *n)
{
	char host[INET_ADDRSTRLEN];
	const char *slash;
	struct in_addr addr;
	uint8_t plen;
	size_t hlen;

	if (!s || !n)
		return -1;
	slash = strchr(s, '/');
	if (!slash)
		return -1;
	hlen = (size_t)(slash - s);
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &addr) != 1)
		return -1;
	if (parse_plen(slash + 1, &plen))
		return -1;
	/*
	 * "10.0.0.1/8" is refused rather than masked: the operator meant
	 * either a host or a network, and guessing which is worse than
	 * saying no.
	 */
	if (ntohl(addr.s_addr) & ~plen_mask(plen))
		return -1;
	n->addr = addr;
	n->plen = plen;
	return 0;
}

int net4_contains(const struct nfqlb_net4 *n, struct in_addr a)
{
	uint32_t mask;

	if (!n || n->plen > 32)
		return 0;
	mask = htonl(plen_mask(n->plen));
	/* Mask both sides: a net4 built by hand may carry host bits. */
	return (a.s_addr & mask) == (n->addr.s_addr & mask);
}
