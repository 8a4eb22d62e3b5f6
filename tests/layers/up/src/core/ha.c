#include "core/ha.h"
#include "conf/conf.h"
