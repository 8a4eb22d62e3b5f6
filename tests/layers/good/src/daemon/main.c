#include "daemon/failover.h"
#include "daemon/notify.h"
int main(void)
{
	return failover_tick() + notify_spawn();
}
