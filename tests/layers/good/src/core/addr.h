#include "util/log.h"
int addr_ok(int a);
