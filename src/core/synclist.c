// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * synclist.c - see synclist.h.
 */
#include <stdio.h>
#include <string.h>

#include "core/proto.h"
#include "core/synclist.h"

static int synclist_value(char *w, const char *key, const char **slot,
			  char *err, size_t len)
{
	size_t kl = strlen(key);

	if (strncmp(w, key, kl) || w[kl] != '=')
		return 0;
	if (*slot) {
		snprintf(err, len, "%s given twice", key);
		return -1;
	}
	if (proto_unescape(w + kl + 1)) {
		snprintf(err, len, "%s: bad %%XX escape in \"%.40s\"", key, w + kl + 1);
		return -1;
	}
	*slot = w + kl + 1;
	return 1;
}

int synclist_parse(char *line, struct synclist_ent *e, char *err, size_t len)
{
	static const char blanks[] = " \t\r";
	char *save = NULL, *w;
	int r;

	memset(e, 0, sizeof(*e));
	w = strtok_r(line, blanks, &save);
	if (!w || w[0] == '#')
		return 0;
	if (strchr(w, '=')) {
		snprintf(err, len, "the line starts with \"%.40s\", not an address", w);
		return -1;
	}
	/* Set first: a refused line still tells whom it named. */
	e->ip = w;
	while ((w = strtok_r(NULL, blanks, &save))) {
		r = synclist_value(w, "mac", &e->mac, err, len);
		if (!r)
			r = synclist_value(w, "user", &e->user, err, len);
		if (!r)
			r = synclist_value(w, "session", &e->session, err, len);
		if (r < 0)
			return -1;
		if (!r) {
			snprintf(err, len, "unknown word \"%.40s\" (mac=, user=, session=)", w);
			return -1;
		}
	}
	return 1;
}

enum synclist_who synclist_who(const char *word, const struct nfqlb_net4 *lan,
			       struct in_addr *ip)
{
	struct nfqlb_addr a;

	if (!word || addr_parse(word, &a))
		return SYNCLIST_UNREADABLE;
	if (a.family != AF_INET || !net4_contains(lan, a.v4))
		return SYNCLIST_NOBODY;
	*ip = a.v4;
	return SYNCLIST_CLIENT;
}
