// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udpgen - send small UDP datagrams from a range of source addresses,
 * for the lab and the tests.  Bounded by construction: it sends
 * exactly count datagrams per source and exits.
 *
 *   udpgen -d DST [-p PORT] [-c COUNT] [-g GAP_US] [-F] -f FIRST -n N
 *
 * Sources are FIRST, FIRST+1, ... (N of them).  -F sets IP_FREEBIND so
 * the sources need not be configured on an interface.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: udpgen -d DST [-p PORT] [-c COUNT] [-g GAP_US] "
		"[-F] -f FIRST -n N\n");
	exit(2);
}

static unsigned long number(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "udpgen: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct sockaddr_in src = { .sin_family = AF_INET };
	unsigned long count = 1, n = 0, gap = 0, i, k, sent = 0, failed = 0;
	struct in_addr first = { 0 };
	int ch, freebind = 0, have_dst = 0, have_first = 0;
	char payload[32] = "nfqlb-test";

	while ((ch = getopt(argc, argv, "d:p:c:g:f:n:F")) != -1) {
		switch (ch) {
		case 'd':
			if (inet_pton(AF_INET, optarg, &dst.sin_addr) != 1)
				usage();
			have_dst = 1;
			break;
		case 'p': dst.sin_port = htons((uint16_t)number(optarg, "port", 65535)); break;
		case 'c': count = number(optarg, "count", 1000000); break;
		case 'g': gap = number(optarg, "gap", 1000000); break;
		case 'n': n = number(optarg, "source count", 1 << 24); break;
		case 'F': freebind = 1; break;
		case 'f':
			if (inet_pton(AF_INET, optarg, &first) != 1)
				usage();
			have_first = 1;
			break;
		default: usage();
		}
	}
	if (!have_dst || !have_first || !n)
		usage();
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;

		if (fd < 0) {
			perror("udpgen: socket");
			return 1;
		}
		if (freebind)
			setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		src.sin_addr.s_addr = htonl(ntohl(first.s_addr) + (uint32_t)i);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			fprintf(stderr, "udpgen: bind %s: %s\n",
				inet_ntoa(src.sin_addr), strerror(errno));
			close(fd);
			return 1;
		}
		for (k = 0; k < count; k++) {
			if (sendto(fd, payload, sizeof(payload), 0,
				   (struct sockaddr *)&dst, sizeof(dst)) < 0)
				failed++;
			else
				sent++;
			if (gap)
				usleep((useconds_t)gap);
		}
		close(fd);
	}
	printf("sent %lu failed %lu\n", sent, failed);
	return failed ? 1 : 0;
}
