// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pktgen - the packet benchmark's traffic generator: small UDP
 * datagrams from many source addresses, written with sendmmsg(2) on an
 * AF_PACKET socket (PACKET_QDISC_BYPASS), so the sending namespace's
 * own IP stack costs nothing and any source address can be used.
 *
 *   pktgen -i IF -m DSTMAC -s FIRST_SRC -n NSRC -d DST [-u] [-r PPS]
 *          [-t SECONDS] [-c COUNT] [-b BATCH] [-p PORT] [-L PAYLOAD]
 *
 * Sources cycle FIRST_SRC .. FIRST_SRC+NSRC-1 (one flow each: fixed
 * ports), or with -u every packet has a new source FIRST_SRC+i and at
 * most NSRC packets are sent (clients never seen before).  Bounded by
 * construction: it stops after -t seconds (default 2, at most 60, may
 * be fractional) or
 * -c packets, whichever comes first.  -r paces to PPS packets per
 * second (0: as fast as it can).  -L sets the UDP payload (18 bytes,
 * a 60-byte frame, by default).  Prints "sent N seconds S pps R".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH	256
#define PAYLOAD		18	/* 14 + 20 + 8 + 18 = 60 bytes, the minimum frame */
#define MAX_PAYLOAD	1472	/* -L: up to a 1514-byte frame */
#define FRAME		(ETH_HLEN + 20 + 8 + MAX_PAYLOAD)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: pktgen -i IF -m DSTMAC -s FIRST_SRC -n NSRC -d DST "
		"[-u] [-r PPS] [-t SECONDS] [-c COUNT] [-b BATCH] [-p PORT] [-L PAYLOAD]\n");
	exit(2);
}

static unsigned long num(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "pktgen: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint16_t ip_csum(const void *hdr, size_t len)
{
	const uint16_t *p = hdr;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int main(int argc, char **argv)
{
	static uint8_t frames[MAX_BATCH][FRAME];
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	uint8_t dmac[6], smac[6];
	const char *ifname = NULL;
	struct in_addr first = { 0 }, dst = { 0 };
	unsigned long nsrc = 0, pps = 0, count = 0, batch = 64, port = 9, plen = PAYLOAD;
	unsigned long sent = 0, errs = 0, i;
	double secs = 2, t0, t1;
	int ch, fd, unique = 0, one = 1, have = 0;
	struct ifreq ifr;

	while ((ch = getopt(argc, argv, "i:m:s:n:d:ur:t:c:b:p:L:")) != -1) {
		switch (ch) {
		case 'i': ifname = optarg; have |= 1; break;
		case 'm':
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0],
				   &dmac[1], &dmac[2], &dmac[3], &dmac[4], &dmac[5]) != 6)
				usage();
			have |= 2;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &first) != 1)
				usage();
			have |= 4;
			break;
		case 'n': nsrc = num(optarg, 1UL << 24); break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &dst) != 1)
				usage();
			have |= 8;
			break;
		case 'u': unique = 1; break;
		case 'r': pps = num(optarg, 100000000); break;
		case 't':
			secs = strtod(optarg, NULL);
			if (!(secs > 0 && secs <= 60))
				usage();
			break;
		case 'c': count = num(optarg, 1UL << 31); break;
		case 'b': batch = num(optarg, MAX_BATCH); break;
		case 'p': port = num(optarg, 65535); break;
		case 'L': plen = num(optarg, MAX_PAYLOAD); break;
		default: usage();
		}
	}
	if (have != 15 || !nsrc || !batch || !secs || plen < PAYLOAD)
		usage();
	if (unique && (!count || count > nsrc))
		count = nsrc;

	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: send only */
	if (fd < 0) {
		perror("pktgen: socket");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		perror("pktgen: SIOCGIFHWADDR");
		return 1;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	ll.sll_ifindex = (int)if_nametoindex(ifname);
	ll.sll_protocol = htons(ETH_P_IP);
	if (!ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		perror("pktgen: bind");
		return 1;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));

	for (i = 0; i < MAX_BATCH; i++) {
		uint8_t *f = frames[i];
		struct iphdr *ip = (struct iphdr *)(f + ETH_HLEN);
		struct udphdr *uh = (struct udphdr *)(ip + 1);

		memcpy(f, dmac, 6);
		memcpy(f + 6, smac, 6);
		f[12] = 0x08;
		f[13] = 0x00;
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons((uint16_t)(20 + 8 + plen));
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->daddr = dst.s_addr;
		uh->source = htons(40000);
		uh->dest = htons((uint16_t)port);
		uh->len = htons((uint16_t)(8 + plen));
		uh->check = 0;	/* optional in IPv4 */
		memcpy(uh + 1, "nfqlb-bench-pktgen", PAYLOAD);	/* the rest is zeros */
		iov[i].iov_base = f;
		iov[i].iov_len = ETH_HLEN + 20 + 8 + plen;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	t0 = now_s();
	t1 = t0;
	while (!stop) {
		unsigned long n = batch, k;
		int r;

		if (count && sent + n > count)
			n = count - sent;
		if (!n)
			break;
		if (pps) {
			/* Pace: this batch may start once the previous ones are due. */
			double due = t0 + (double)sent / (double)pps;
			double wait = due - now_s();

			if (wait > 0) {
				struct timespec ts = {
					.tv_sec = (time_t)wait,
					.tv_nsec = (long)((wait - (double)(time_t)wait) * 1e9),
				};
				nanosleep(&ts, NULL);
			}
		}
		for (k = 0; k < n; k++) {
			struct iphdr *ip = (struct iphdr *)(frames[k] + ETH_HLEN);
			unsigned long idx = unique ? sent + k : (sent + k) % nsrc;

			ip->saddr = htonl(ntohl(first.s_addr) + (uint32_t)idx);
			ip->id = htons((uint16_t)(sent + k));
			ip->check = 0;
			ip->check = ip_csum(ip, 20);
		}
		r = sendmmsg(fd, msgs, (unsigned)n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			errs++;
			if (errno != ENOBUFS && errno != EAGAIN) {
				perror("pktgen: sendmmsg");
				break;
			}
			continue;
		}
		sent += (unsigned long)r;
		t1 = now_s();
		if (t1 - t0 >= secs)
			break;
	}
	printf("sent %lu seconds %.4f pps %.0f errors %lu\n", sent, t1 - t0,
	       t1 > t0 ? (double)sent / (t1 - t0) : 0.0, errs);
	close(fd);
	return 0;
}
