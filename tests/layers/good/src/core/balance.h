#include "core/addr.h"
int balance_pick(int n);
