#ifndef VOICED_GPIO_SHIM_H
#define VOICED_GPIO_SHIM_H

// One small C API over libgpiod, the same whether the build found the v1 API (Debian 12 /
// Raspberry Pi OS bookworm: libgpiod 1.6) or the v2 API (trixie: libgpiod 2.x). shim.c picks the
// implementation at compile time; Swift only ever sees this header.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The libgpiod API generation this build was compiled against: 1 or 2.
int voiced_gpio_api_version(void);

/// The libgpiod library version string ("1.6.3", "2.2.1").
const char *voiced_gpio_library_version(void);

/// What went wrong when requesting a line.
enum voiced_gpio_error_kind {
    VOICED_GPIO_OK = 0,
    /// No chip by that name, label, number or path (or the path is not a GPIO chip).
    VOICED_GPIO_CHIP_NOT_FOUND = 1,
    /// No line by that name on the chip, or the offset is beyond the chip's lines.
    VOICED_GPIO_LINE_NOT_FOUND = 2,
    /// Another program or a kernel driver holds the line (`consumer` says who, when known).
    VOICED_GPIO_LINE_BUSY = 3,
    /// EACCES/EPERM on the chip device.
    VOICED_GPIO_PERMISSION_DENIED = 4,
    /// Any other failure; `function` names the libgpiod call.
    VOICED_GPIO_FAILED = 5,
};

enum voiced_gpio_bias {
    VOICED_GPIO_BIAS_AS_IS = 0,
    VOICED_GPIO_BIAS_PULL_UP = 1,
    VOICED_GPIO_BIAS_PULL_DOWN = 2,
    VOICED_GPIO_BIAS_DISABLED = 3,
};

/// Filled in on failure. Strings are NUL-terminated and may be empty.
typedef struct voiced_gpio_error {
    int kind;
    /// The errno behind the failure (0 when none).
    int error_number;
    /// The chip that was resolved or tried: "gpiochip0".
    char chip[64];
    char chip_label[64];
    /// Number of lines on the chip (0 when unknown).
    unsigned int chip_lines;
    /// The line's holder, for VOICED_GPIO_LINE_BUSY.
    char consumer[64];
    /// The libgpiod function that failed, for VOICED_GPIO_FAILED.
    char function[64];
    /// For VOICED_GPIO_CHIP_NOT_FOUND: the chips that exist, "gpiochip0 [pinctrl-bcm2835], ...".
    char available[256];
} voiced_gpio_error;

/// Which line to request and how.
typedef struct voiced_gpio_request {
    /// A chip name ("gpiochip0"), label ("pinctrl-bcm2835"), number ("0") or path
    /// ("/dev/gpiochip0"). Empty or NULL: search every chip for `line_name`.
    const char *chip;
    /// The line's name ("GPIO17"); NULL or empty: use `offset`.
    const char *line_name;
    unsigned int offset;
    int active_low;
    /// enum voiced_gpio_bias; inputs only.
    int bias;
    /// Kernel debounce period in microseconds (v2 API only; ignored by v1). 0: none.
    unsigned int debounce_us;
    /// Shown by `gpioinfo` as the line's user.
    const char *consumer;
} voiced_gpio_request;

/// A requested line (input with edge events, or output).
typedef struct voiced_gpio_line voiced_gpio_line;

/// A logical edge: `is_active` accounts for active-low.
typedef struct voiced_gpio_event {
    int is_active;
    /// CLOCK_MONOTONIC nanoseconds (the kernel's default event clock).
    uint64_t timestamp_ns;
} voiced_gpio_event;

/// Requests an input line with both-edge events. NULL on failure, with `error` filled in.
voiced_gpio_line *voiced_gpio_request_input(const voiced_gpio_request *request, voiced_gpio_error *error);

/// Requests an output line driven to `initial_active`. NULL on failure, with `error` filled in.
voiced_gpio_line *voiced_gpio_request_output(
    const voiced_gpio_request *request, int initial_active, voiced_gpio_error *error);

/// The non-blocking descriptor that becomes readable when edge events are queued (inputs).
int voiced_gpio_line_fd(const voiced_gpio_line *line);

/// Reads up to `capacity` queued events. Returns the count, 0 when none are queued, or -errno.
int voiced_gpio_line_read_events(voiced_gpio_line *line, voiced_gpio_event *events, int capacity);

/// The line's logical value: 1 active, 0 inactive, or -errno.
int voiced_gpio_line_get_value(voiced_gpio_line *line);

/// Drives an output line: 0 or -errno.
int voiced_gpio_line_set_value(voiced_gpio_line *line, int active);

/// 1 when the kernel debounces the line's edges (v2 API with a debounce period), else 0.
int voiced_gpio_line_has_kernel_debounce(const voiced_gpio_line *line);

unsigned int voiced_gpio_line_offset(const voiced_gpio_line *line);
/// "gpiochip0"
const char *voiced_gpio_line_chip_name(const voiced_gpio_line *line);
/// "pinctrl-bcm2835"
const char *voiced_gpio_line_chip_label(const voiced_gpio_line *line);
/// The line's name from the device tree ("GPIO17"), or "".
const char *voiced_gpio_line_name(const voiced_gpio_line *line);

/// Releases the line and frees everything. NULL is fine.
void voiced_gpio_line_release(voiced_gpio_line *line);

#ifdef __cplusplus
}
#endif

#endif
