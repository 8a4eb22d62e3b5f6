/* not in daemon's order: may include any daemon module, no circle */
#include "daemon/notify.h"
#include "daemon/failover.h"
int notify_spawn(void)
{
	return failover_tick();
}
