#ifndef VOICED_GPIO_SHIM_H
#define VOICED_GPIO_SHIM_H

/// The libgpiod API generation this build was compiled against: 1 or 2.
int voiced_gpio_api_version(void);

#endif
