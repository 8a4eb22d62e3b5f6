#include "core/addr.h"
int addr_ok(int a)
{
	return a > 0;
}
