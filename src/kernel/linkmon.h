/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linkmon.h - what the kernel says of the gateways' links: rtnetlink's
 * link, IPv4 address and IPv4 route groups (the last for the main
 * table's default routes a DHCP client installs).  The facts of one
 * interface are the backend's to read (kbackend.h, link_get): this
 * only says when to read them again.
 *
 * Events only say "look again": the caller audits every gateway's
 * link on each, and once a second anyway, since the kernel sends no
 * notice for the routes it deletes with a link.
 */
#ifndef NFQLB_LINKMON_H
#define NFQLB_LINKMON_H

#include <stddef.h>

struct linkmon;

/* NULL with err set. */
struct linkmon *linkmon_open(char *err, size_t len);
void linkmon_close(struct linkmon *m);
/* For the caller's epoll. */
int linkmon_fd(const struct linkmon *m);
/*
 * Drain the socket (bounded); 1 if a link, an IPv4 address or a route
 * of the main table changed (or notices were lost), else 0.
 */
int linkmon_read(struct linkmon *m);

#endif
