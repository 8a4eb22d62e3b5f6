// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_control.c - the control protocol through command dispatch: the
 * input is what a peer sends, split into lines as control.c does, each
 * parsed (proto_parse) and answered by the real verbs (commands.c)
 * over the daemon's real layers, whose kernel is the fake backend
 * (tests/fake: stack.c, fake_kbackend.c).
 * Besides the sanitizers, every answer must be well-framed: "ERR ..."
 * on exactly one line, or "OK N" and exactly N records, printable
 * ASCII only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stack.h"

static struct stack d;

static const char conf_text[] =
	"lan = { interface = \"eth1\"; network = \"172.28.3.0/24\"; };\n"
	"clients = { max = 256; state_dir = \"@DIR@\"; };\n"
	"gateways = ( { name = \"wan1\"; address = \"10.0.1.1\"; interface = \"eth0\"; },\n"
	"  { name = \"wan2\"; address = \"10.0.2.1\"; interface = \"eth2\"; weight = 2; } );\n";

static void framing(const char *a, size_t len)
{
	unsigned long want, lines = 0;
	size_t i;
	char *end;

	if (!len || a[len - 1] != '\n')
		abort();
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)a[i];

		if (ch == '\n')
			lines++;
		else if (ch < 0x20 || ch >= 0x7f)
			abort();	/* a control byte on the peer's terminal */
	}
	if (!strncmp(a, "ERR ", 4)) {
		if (lines != 1)
			abort();	/* an ERR split into forged lines */
		return;
	}
	if (strncmp(a, "OK ", 3))
		abort();
	want = strtoul(a + 3, &end, 10);
	if (*end != '\n' || lines != want + 1)
		abort();
}

/* The stack's directory (journal, socket) goes with the process. */
static void stack_done(void)
{
	stack_free(&d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (stack_init(&d, conf_text))
		abort();
	atexit(stack_done);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct control_req req;
	const char *p = (const char *)data, *end = p + size, *nl;
	struct control_peer peer = { .uid = 0, .privileged = 1 };
	char err[128];

	/* The first byte, if odd, makes the peer unprivileged. */
	if (size && (data[0] & 1))
		peer = (struct control_peer){ .uid = 65534, .privileged = 0 };
	while (p < end) {
		struct obuf o = { 0 };

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (proto_parse(p, (size_t)(nl - p), &req, err, sizeof(err)) == 0) {
			commands_handle(&req, &peer, &o, &d.cmd);
			if (!o.overflow)
				framing(o.data, o.len);
		}
		obuf_free(&o);
		p = nl + 1;
	}
	return 0;
}
