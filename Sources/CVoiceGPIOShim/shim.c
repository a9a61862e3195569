#include <gpiod.h>
#include "voiced_gpio_shim.h"

// The v1 header defines GPIOD_LINE_BULK_MAX_LINES; the v2 header defines no such macro.
#ifdef GPIOD_LINE_BULK_MAX_LINES
int voiced_gpio_api_version(void) { return 1; }
#else
int voiced_gpio_api_version(void) { return 2; }
#endif
