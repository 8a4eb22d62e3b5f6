#include "core/balance.h"
#include "util/log.h"
int balance_pick(int n)
{
	return addr_ok(n) ? n - 1 : 0;
}
