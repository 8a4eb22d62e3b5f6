/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stack.h - the daemon's real layers (bindings, failover, uplinks, HA, sync,
 * topology, commands) put together as nfqlbd.c does, over the fake
 * kernel backend: for the unit tests of the upper layers and the
 * control fuzzer.  No queue, no kernel: the configuration and the
 * journal live in a directory of their own under /tmp.
 */
#ifndef NFQLB_STACK_H
#define NFQLB_STACK_H

#include "daemon/commands.h"
#include "fake_kbackend.h"

struct stack {
	struct conf conf;
	char dir[64];		/* configuration, journal, control socket */
	char conf_path[96];
	struct kmirror *km;
	struct bindings *b;
	struct failover *fo;
	struct uplink *up;
	struct hasync *ha;
	struct loadwatch *lw;
	struct sync *sync;
	struct topology *topo;
	struct control *ctl;
	struct commands_env cmd;
};

/*
 * Up and serving (the kernel fresh): 0, or -1 with the reason on stderr.
 * "@DIR@" in conf_text stands for the stack's directory.
 */
int stack_init(struct stack *s, const char *conf_text);
/* The configuration file rewritten (a later reload reads it). */
int stack_write_conf(struct stack *s, const char *conf_text);
/* Down, the directory removed. */
void stack_free(struct stack *s);

#endif
