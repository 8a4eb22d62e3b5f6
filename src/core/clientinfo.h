/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clientinfo.h - what the captive portal's hooks tell about a client
 * (MAC, user, session), kept beside the binding for `nfqlbctl list`.
 * Apart from the balancing core on purpose: the core's table stays
 * small and hot, this one only holds clients that logged in by hook.
 */
#ifndef NFQLB_CLIENTINFO_H
#define NFQLB_CLIENTINFO_H

#include <stdint.h>
#include <netinet/in.h>

#define CLIENTINFO_MAC_LEN	18	/* aa:bb:cc:dd:ee:ff + NUL */
#define CLIENTINFO_TEXT_LEN	65	/* session id + NUL */
#define CLIENTINFO_USER_MAX	253	/* RADIUS User-Name: longer ones are cut */
#define CLIENTINFO_USER_LEN	(CLIENTINFO_USER_MAX + 1)

struct client_meta {
	char mac[CLIENTINFO_MAC_LEN];
	char user[CLIENTINFO_USER_LEN];
	char session[CLIENTINFO_TEXT_LEN];
};

struct clientinfo;

struct clientinfo *clientinfo_new(uint32_t max_clients);
void clientinfo_free(struct clientinfo *ci);
/* Store (replace) what is known of addr; only non-empty fields overwrite. */
int clientinfo_set(struct clientinfo *ci, struct in_addr addr,
		   const struct client_meta *m);
const struct client_meta *clientinfo_get(const struct clientinfo *ci,
					 struct in_addr addr);
void clientinfo_del(struct clientinfo *ci, struct in_addr addr);

/* Normalise a MAC (aa:bb.., AA-BB-.., aabb.cc..) to aa:bb:cc:dd:ee:ff; -1 if bad. */
int clientinfo_parse_mac(const char *s, char out[CLIENTINFO_MAC_LEN]);

/*
 * Set field key ("mac", "user" or "session") of m from an unescaped
 * value: the MAC normalised, a user name longer than
 * CLIENTINFO_USER_MAX cut at a UTF-8 boundary (*cut = its length
 * before; 0 if not cut).  0, or -1 with err naming field and value.
 */
int clientinfo_meta_field(struct client_meta *m, const char *key, const char *v,
			  size_t *cut, char *err, size_t len);

#endif
