// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iptaudit.c - see iptaudit.h.
 */
#include <string.h>

#include "kernel/iptaudit.h"
#include "util/sbuf.h"
#include "util/spawn.h"

unsigned iptaudit_count(const char *text, const char *chain)
{
	size_t cl = strlen(chain);
	unsigned n = 0;
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "-A ", 3) && !strncmp(p + 3, chain, cl) && p[3 + cl] == ' ')
			n++;
	return n;
}

int iptaudit_chain(const char *table, const char *chain, unsigned want,
		   char *missing, size_t len, size_t *off)
{
	static char out[65536];
	char *argv[] = { "iptables", "-w", "-t", (char *)table, "-S", (char *)chain,
			 NULL };
	unsigned have;

	if (spawn_run(argv, NULL, out, sizeof(out))) {
		sbuf_appendf(missing, len, off, "%schain %s", *off ? ", " : "", chain);
		return 1;
	}
	have = iptaudit_count(out, chain);
	if (have >= want)
		return 0;
	sbuf_appendf(missing, len, off, "%s%u of the %u rules of chain %s",
		     *off ? ", " : "", want - have, want, chain);
	return 1;
}
