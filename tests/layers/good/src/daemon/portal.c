#include "daemon/portal.h"
#include "core/balance.h"
int portal_hold(void)
{
	return control_open() + balance_pick(1);
}
