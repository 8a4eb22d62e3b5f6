/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NFQLB_FAKE_NFQLBD_H
#define NFQLB_FAKE_NFQLBD_H

#include <stdlib.h>
#include "daemon/nfqlbd.h"
#include "kernel/queue.h"

/* A daemon with conf_text's configuration and a control socket at sock. */
int fake_nfqlbd_init(struct nfqlbd *d, const char *conf_text, const char *sock);

#endif
