// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_addr.c - the parsers of what peers and files name: addresses,
 * networks, MACs, %XX escapes and message escaping.  Round trips must
 * hold: a parsed address prints and parses back to itself, an escaped
 * value unescapes to the original, an escaped message is one printable
 * line.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/clientinfo.h"
#include "daemon/control.h"
#include "core/escape.h"
#include "kernel/ownaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256], buf[3 * 256 + 1], back[3 * 256 + 1], mac[CLIENTINFO_MAC_LEN];
	char line[4 * 256 + 1];
	struct nfqlb_addr a, b;
	struct nfqlb_net4 n;
	const char *p;

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	if (addr_parse(s, &a) == 0) {
		addr_format(&a, buf, sizeof(buf));
		if (addr_parse(buf, &b) || memcmp(&a, &b, sizeof(a)))
			abort();
	}
	if (net4_parse(s, &n) == 0) {
		if (n.plen > 32 || !net4_contains(&n, n.addr))
			abort();
		ownaddr_nonhost(&n, NULL, n.addr);
	}
	clientinfo_parse_mac(s, mac);
	proto_escape(s, buf, sizeof(buf));
	snprintf(back, sizeof(back), "%s", buf);
	if (proto_unescape(back) || strcmp(back, s))
		abort();
	snprintf(back, sizeof(back), "%s", s);
	proto_unescape(back);
	escape_mem((const char *)data, size, line, sizeof(line));
	for (p = line; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			abort();
	return 0;
}
