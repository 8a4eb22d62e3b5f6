/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * commands.h - the control protocol's verbs: the control socket's
 * handler.  It asks every layer below through its functions; the
 * handles it needs are the daemon's (main fills them in).
 */
#ifndef NFQLB_COMMANDS_H
#define NFQLB_COMMANDS_H

#include <time.h>

#include "conf/conf.h"
#include "daemon/bindings.h"
#include "daemon/control.h"
#include "daemon/failover.h"
#include "daemon/hasync.h"
#include "daemon/loadwatch.h"
#include "daemon/sync.h"
#include "daemon/topology.h"
#include "daemon/uplink.h"
#include "kernel/kmirror.h"
#include "kernel/queue.h"

struct commands_env {
	const struct conf *conf;
	const char *conf_path;
	struct topology *topo;
	struct bindings *b;
	struct failover *fo;
	struct uplink *up;
	struct hasync *ha;
	struct loadwatch *lw;
	struct sync *sync;
	struct kmirror *km;
	struct queue *queue;
	struct control *ctl;
	time_t started;
};

/* control_handler (control.h); arg is a struct commands_env. */
void commands_handle(const struct control_req *req,
		     const struct control_peer *peer, struct obuf *o, void *arg);

#endif
