#include "daemon/control.h"
#include "util/log.h"
int control_open(void)
{
	return 0;
}
