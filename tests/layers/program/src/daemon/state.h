#include "core/proto.h"
