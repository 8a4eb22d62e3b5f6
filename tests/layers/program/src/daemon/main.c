#include "daemon/state.h"
