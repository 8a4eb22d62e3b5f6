#include "core/c.h"
#include "core/a.h"
