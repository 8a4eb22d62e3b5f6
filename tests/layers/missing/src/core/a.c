#include "core/a.h"
#include "core/nope.h"
#include "a.h"
#include <stdio.h>
