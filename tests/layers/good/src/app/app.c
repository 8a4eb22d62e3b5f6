#include "core/balance.h"
#include "util/log.h"
int main(void)
{
	return balance_pick(2);
}
