#include "daemon/portal.h"
#include "daemon/failover.h"
