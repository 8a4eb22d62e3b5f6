#include "daemon/failover.h"
#include "daemon/portal.h"
#include "daemon/control.h"
int failover_tick(void)
{
	return portal_hold();
}
