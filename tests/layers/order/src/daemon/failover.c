#include "daemon/failover.h"
