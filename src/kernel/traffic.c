// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * traffic.c - per-gateway traffic from the kernel's route realm
 * counters (see traffic.h).  The arithmetic is pure; traffic_read() is
 * the only I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kernel/traffic.h"

unsigned traffic_realm(uint32_t table)
{
	/* Realm 0 is "unknown" and never counted on output: skip it. */
	return (unsigned)((table - 1) % 255u) + 1;
}

void traffic_ctr_start(struct traffic_ctr *c, const struct traffic_acct *a)
{
	c->packets = 0;
	c->bytes = 0;
	c->last_packets = a->o_packets;
	c->last_bytes = a->o_bytes;
}

void traffic_ctr_update(struct traffic_ctr *c, const struct traffic_acct *a)
{
	/* Unsigned subtraction: right across one wrap of the kernel's u32. */
	c->packets += (uint32_t)(a->o_packets - c->last_packets);
	c->bytes += (uint32_t)(a->o_bytes - c->last_bytes);
	c->last_packets = a->o_packets;
	c->last_bytes = a->o_bytes;
}

int traffic_read(const char *path, struct traffic_acct acct[TRAFFIC_REALMS])
{
	size_t want = TRAFFIC_REALMS * sizeof(*acct), got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e = EPROTO;
	ssize_t n;

	if (fd < 0)
		return -1;
	/* A binary file: the kernel's array of 256 struct ip_rt_acct. */
	while (got < want) {
		n = read(fd, (char *)acct + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				e = errno;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (got != want) {
		errno = e;
		return -1;
	}
	return 0;
}
