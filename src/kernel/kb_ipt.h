/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kb_ipt.h - the ipset + iptables + rtnetlink kernel backend (kbackend.h). */
#ifndef NFQLB_KB_IPT_H
#define NFQLB_KB_IPT_H

#include "kernel/kbackend.h"

extern const struct kbackend_ops kb_ipt_ops;

#endif
