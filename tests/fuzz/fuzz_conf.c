// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_conf.c - the configuration loader (conf_load_string: the 64-bit
 * integer pre-scan, libconfig, every check) on arbitrary text.  Every
 * error message must be one NUL-terminated string inside its slot.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf c;
	static struct conf_errors e;
	char *text = malloc(size + 1);
	unsigned i;
	int n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	n = conf_load_string(text, "fuzz.conf", &c, &e);
	if (n < 0 || (unsigned)n != e.count)
		abort();
	for (i = 0; i < e.count && i < CONF_MAX_ERRORS; i++)
		if (!memchr(e.msg[i], '\0', sizeof(e.msg[i])))
			abort();
	if (!n && (c.ngw == 0 || c.lan_net.plen < CONF_LAN_MIN_PLEN))
		abort();	/* accepted, yet not valid */
	free(text);
	return 0;
}
