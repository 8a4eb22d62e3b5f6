#include "core/b.h"

#include "core/c.h"
