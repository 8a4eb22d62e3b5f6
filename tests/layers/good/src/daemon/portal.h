#include "daemon/control.h"
int portal_hold(void);
