#include "daemon/portal.h"
