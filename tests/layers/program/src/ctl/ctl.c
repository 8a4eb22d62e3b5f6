#include "core/proto.h"
#include "daemon/state.h"
