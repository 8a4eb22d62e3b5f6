/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * topology.h - the gateways as configured: start, add, remove,
 * reweight, reload, repair, and their traffic counters.  It owns the
 * live configuration (the file as parsed, then changed by `gateway
 * add|del`, `weight`, `drain` and reload); the layers below read it
 * through a const pointer, failover writes its health part on reload.
 * It drives the bindings (clients), failover (probes), the uplinks
 * (an audit after a table was rewritten) and the kernel mirror (sets,
 * rules, routes, chains); none of them calls it.
 */
#ifndef NFQLB_TOPOLOGY_H
#define NFQLB_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "daemon/bindings.h"
#include "daemon/failover.h"
#include "daemon/uplink.h"
#include "kernel/kmirror.h"
#include "kernel/traffic.h"

struct topology;

struct topology_counters {
	uint64_t reloads;
	uint64_t reload_errors;
	uint64_t repairs;	/* self-repairs that put something back */
	uint64_t repair_errors;	/* repairs that could not put all back */
};

/*
 * Parse path into c; log every error.  Returns the number of errors;
 * with first, the first one (and how many) for a reload's answer.
 */
int topology_conf_load(const char *path, struct conf *c, char *first, size_t len);

/* c is the live configuration, path where a reload reads it again. */
struct topology *topology_new(struct conf *c, const char *path, struct kmirror *km,
			      struct bindings *b, struct failover *f, struct uplink *up);
void topology_free(struct topology *t);
/*
 * Before anything is set up: no foreign rule uses our marks or tables.
 * Non-zero: the configuration's fault, reported.  (A gateway whose
 * interface is missing is not: it waits for it, no-link, uplink.h.)
 */
int topology_check(struct topology *t);
/* Every gateway into the table and the kernel; the bindings read back. */
int topology_start(struct topology *t, char *err, size_t len);

/* Add a gateway in a free slot; returns the slot, or -1 and err. */
int topology_gw_add(struct topology *t, const struct conf_gw *g, char *err, size_t len);
/* Remove a gateway: its clients are rebound to the others first. */
int topology_gw_del(struct topology *t, unsigned slot, char *err, size_t len);
int topology_set_weight(struct topology *t, unsigned slot, uint32_t w);
/* Re-read the configuration file: parse, validate, then apply. */
int topology_reload(struct topology *t, char *err, size_t len);
/*
 * Audit the kernel and put back whatever nfqlbd owns that is missing
 * (kmirror_repair; all: the chains too, whatever was reported),
 * bindings included; logged at warning and counted.  Returns how many
 * objects were missing, or -1 with err set.
 */
int topology_repair(struct topology *t, int all, char *what, size_t wlen, char *err,
		    size_t elen);
/* The mirror's watch said something changed: audit and repair when due. */
void topology_kernel_changed(struct topology *t);

/* Every gateway's traffic counters up to date (every second). */
void topology_traffic_update(struct topology *t);
/* The kernel counts realms; slot i's counters since its setup. */
int topology_traffic_ok(const struct topology *t);
const struct traffic_ctr *topology_gw_traffic(const struct topology *t, unsigned i);
const struct topology_counters *topology_counters(const struct topology *t);

#endif
