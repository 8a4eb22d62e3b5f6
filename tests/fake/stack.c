// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stack.c - see stack.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stack.h"

int stack_write_conf(struct stack *s, const char *conf_text)
{
	FILE *f = fopen(s->conf_path, "w");
	const char *p = conf_text, *at;

	if (!f)
		return -1;
	/* "@DIR@" stands for the stack's directory (clients.state_dir). */
	while ((at = strstr(p, "@DIR@"))) {
		fprintf(f, "%.*s%s", (int)(at - p), p, s->dir);
		p = at + 5;
	}
	fprintf(f, "%s", p);
	return fclose(f);
}

static int stack_layers(struct stack *s)
{
	struct conf *c = &s->conf;

	s->km = kmirror_open(c, &fake_kb_ops);
	s->b = s->km ? bindings_new(c, s->km) : NULL;
	s->fo = s->b ? failover_new(c, s->b, s->km) : NULL;
	s->up = s->fo ? uplink_new(c, s->km, s->fo) : NULL;
	s->ha = s->b ? hasync_new(c, s->b) : NULL;
	s->lw = s->b ? loadwatch_new(c, s->b) : NULL;
	s->sync = s->ha ? sync_new(c, s->b, s->ha) : NULL;
	s->topo = s->up ? topology_new(c, s->conf_path, s->km, s->b, s->fo, s->up) : NULL;
	return s->topo && s->ha && s->lw && s->sync ? 0 : -1;
}

static int stack_serve(struct stack *s)
{
	char sock[128], err[512];
	struct control_params cp = { .path = sock, .mode = 0600, .group = (gid_t)-1,
				     .idle_timeout = 5, .max_conns = 4 };

	snprintf(sock, sizeof(sock), "%s/ctl.sock", s->dir);
	s->cmd = (struct commands_env){
		.conf = &s->conf, .conf_path = s->conf_path, .topo = s->topo,
		.b = s->b, .fo = s->fo, .up = s->up, .ha = s->ha, .lw = s->lw, .sync = s->sync, .km = s->km,
		.started = time(NULL),
	};
	s->ctl = control_open(&cp, commands_handle, &s->cmd, err, sizeof(err));
	if (!s->ctl) {
		fprintf(stderr, "stack: %s\n", err);
		return -1;
	}
	s->cmd.ctl = s->ctl;
	return 0;
}

int stack_init(struct stack *s, const char *conf_text)
{
	char err[512];

	memset(s, 0, sizeof(*s));
	fake_kb_reset();
	snprintf(s->dir, sizeof(s->dir), "/tmp/nfqlb-stack.XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->conf_path, sizeof(s->conf_path), "%s/nfqlb.conf", s->dir);
	if (stack_write_conf(s, conf_text) ||
	    topology_conf_load(s->conf_path, &s->conf, err, sizeof(err))) {
		fprintf(stderr, "stack: configuration not valid\n");
		return -1;
	}
	if (stack_layers(s) || topology_start(s->topo, err, sizeof(err)) ||
	    failover_start(s->fo, err, sizeof(err)) ||
	    kmirror_steer(s->km, err, sizeof(err))) {
		fprintf(stderr, "stack: %s\n", err);
		return -1;
	}
	/* The links as the fake kernel has them (no watch: tests call audits). */
	uplink_audit(s->up);
	return stack_serve(s);
}

void stack_free(struct stack *s)
{
	char path[160];

	control_close(s->ctl);
	failover_stop(s->fo);
	topology_free(s->topo);
	sync_free(s->sync);
	loadwatch_free(s->lw);
	hasync_free(s->ha);
	uplink_free(s->up);
	failover_free(s->fo);
	bindings_free(s->b);
	kmirror_close(s->km);
	snprintf(path, sizeof(path), "rm -rf '%s'", s->dir);
	if (!strncmp(s->dir, "/tmp/nfqlb-stack.", 17) && system(path))
		fprintf(stderr, "stack: cannot remove %s\n", s->dir);
}
