#include "util/log.h"
void log_msg(const char *s)
{
	(void)s;
}
