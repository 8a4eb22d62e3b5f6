/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance.h - what makes one running nfqlbd per queue per network
 * namespace, before any layer starts.
 */
#ifndef NFQLB_INSTANCE_H
#define NFQLB_INSTANCE_H

#include <stddef.h>

#include "conf/conf.h"

/*
 * Take the instance lock (an abstract Unix socket named after the
 * queue, which dies with the process) and check that no running nfqlbd
 * serves c's control socket.  The lock's fd, or -1 with err.
 */
int instance_lock(const struct conf *c, char *err, size_t len);
/* mkdir -p of the control socket's directory (systemd's RuntimeDirectory does it too). */
void instance_socket_dir(const char *path);

#endif
