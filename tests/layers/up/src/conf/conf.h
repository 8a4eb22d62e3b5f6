#include "core/ha.h"
