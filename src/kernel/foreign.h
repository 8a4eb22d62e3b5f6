/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * foreign.h - refuse to share marks and tables: at start, an ip rule
 * that is not nfqlbd's own but uses one of its gateways' marks or
 * routing tables (ALCASAR's MULTIWAN, a hand-made rule) would send
 * nfqlb's users elsewhere, or others' packets to nfqlb's gateways.
 */
#ifndef NFQLB_FOREIGN_H
#define NFQLB_FOREIGN_H

#include <stddef.h>
#include "conf/conf.h"
#include "kernel/rtnl.h"

/*
 * Pure: 1 if rr uses a mark or a table of c's gateways and is not one
 * of the rules nfqlbd itself makes; 0 otherwise.
 */
int foreign_rule_conflicts(const struct conf *c, const struct rtnl_rule *rr);
/* Describe rr as `ip rule` shows it. */
void foreign_rule_desc(const struct rtnl_rule *rr, char *buf, size_t len);
/* 0, or -1 with err naming the first such rule (and how many). */
int foreign_rules_check(struct rtnl *r, const struct conf *c, char *err, size_t len);

#endif
