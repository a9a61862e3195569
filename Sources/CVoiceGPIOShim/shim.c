// libgpiod behind one small API (voiced_gpio_shim.h), for both API generations.
//
// The v1 header (libgpiod 1.x) defines GPIOD_LINE_BULK_MAX_LINES; the v2 header defines no such
// macro. Everything that differs between the two lives in the two blocks marked "v1" and "v2";
// chip lookup by name, label, number or path and the error reporting are shared.

#define _GNU_SOURCE
#include <gpiod.h>

#include "voiced_gpio_shim.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef GPIOD_LINE_BULK_MAX_LINES
#define VOICED_GPIOD_V1 1
#else
#define VOICED_GPIOD_V1 0
#endif

#define VOICED_EVENT_BATCH 16

struct voiced_gpio_line {
    unsigned int offset;
    char chip_name[64];
    char chip_label[64];
    char line_name[64];
    int kernel_debounce;
    int fd;
#if VOICED_GPIOD_V1
    struct gpiod_chip *chip;
    struct gpiod_line *line;
#else
    struct gpiod_line_request *request;
    struct gpiod_edge_event_buffer *buffer;
#endif
};

static void copy_text(char *destination, size_t size, const char *source) {
    if (size == 0) return;
    snprintf(destination, size, "%s", source ? source : "");
}

static int is_number(const char *text) {
    if (!text || !*text) return 0;
    for (const char *c = text; *c; c++) {
        if (!isdigit((unsigned char)*c)) return 0;
    }
    return 1;
}

// MARK: - The two API generations: chip and line information

#if VOICED_GPIOD_V1

int voiced_gpio_api_version(void) { return 1; }
const char *voiced_gpio_library_version(void) { return gpiod_version_string(); }

static struct gpiod_chip *open_chip(const char *path) { return gpiod_chip_open(path); }
static void close_chip(struct gpiod_chip *chip) { gpiod_chip_close(chip); }
static const char *chip_name(struct gpiod_chip *chip, char *buffer, size_t size) {
    copy_text(buffer, size, gpiod_chip_name(chip));
    return buffer;
}
static const char *chip_label(struct gpiod_chip *chip, char *buffer, size_t size) {
    copy_text(buffer, size, gpiod_chip_label(chip));
    return buffer;
}
static unsigned int chip_line_count(struct gpiod_chip *chip) { return gpiod_chip_num_lines(chip); }

static int find_line_offset(struct gpiod_chip *chip, const char *name, unsigned int *offset) {
    struct gpiod_line *line = gpiod_chip_find_line(chip, name);
    if (!line) return -1;
    *offset = gpiod_line_offset(line);
    return 0;
}

/// 1 when the line is in use (consumer copied), 0 when free, -1 when unknown.
static int line_holder(struct gpiod_chip *chip, unsigned int offset, char *consumer, size_t size) {
    struct gpiod_line *line = gpiod_chip_get_line(chip, offset);
    if (!line) return -1;
    if (gpiod_line_update(line) < 0) return -1;
    if (!gpiod_line_is_used(line)) return 0;
    copy_text(consumer, size, gpiod_line_consumer(line));
    return 1;
}

#else

int voiced_gpio_api_version(void) { return 2; }
const char *voiced_gpio_library_version(void) { return gpiod_api_version(); }

static struct gpiod_chip *open_chip(const char *path) { return gpiod_chip_open(path); }
static void close_chip(struct gpiod_chip *chip) { gpiod_chip_close(chip); }
static const char *chip_name(struct gpiod_chip *chip, char *buffer, size_t size) {
    struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
    copy_text(buffer, size, info ? gpiod_chip_info_get_name(info) : "");
    if (info) gpiod_chip_info_free(info);
    return buffer;
}
static const char *chip_label(struct gpiod_chip *chip, char *buffer, size_t size) {
    struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
    copy_text(buffer, size, info ? gpiod_chip_info_get_label(info) : "");
    if (info) gpiod_chip_info_free(info);
    return buffer;
}
static unsigned int chip_line_count(struct gpiod_chip *chip) {
    struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
    unsigned int count = info ? (unsigned int)gpiod_chip_info_get_num_lines(info) : 0;
    if (info) gpiod_chip_info_free(info);
    return count;
}

static int find_line_offset(struct gpiod_chip *chip, const char *name, unsigned int *offset) {
    int found = gpiod_chip_get_line_offset_from_name(chip, name);
    if (found < 0) return -1;
    *offset = (unsigned int)found;
    return 0;
}

static int line_holder(struct gpiod_chip *chip, unsigned int offset, char *consumer, size_t size) {
    struct gpiod_line_info *info = gpiod_chip_get_line_info(chip, offset);
    if (!info) return -1;
    int used = gpiod_line_info_is_used(info) ? 1 : 0;
    if (used) copy_text(consumer, size, gpiod_line_info_get_consumer(info));
    gpiod_line_info_free(info);
    return used;
}

static void line_name(struct gpiod_chip *chip, unsigned int offset, char *buffer, size_t size) {
    struct gpiod_line_info *info = gpiod_chip_get_line_info(chip, offset);
    copy_text(buffer, size, info ? gpiod_line_info_get_name(info) : "");
    if (info) gpiod_line_info_free(info);
}

#endif

// MARK: - Finding the chip and the line (shared)

static int is_chip_entry(const struct dirent *entry) {
    return strncmp(entry->d_name, "gpiochip", 8) == 0 && is_number(entry->d_name + 8);
}

/// "/dev/gpiochipN" paths in number order; returns the count (0 when none), *paths malloc'd.
static int list_chip_paths(char (**paths)[64]) {
    struct dirent **entries = NULL;
    int count = scandir("/dev", &entries, is_chip_entry, versionsort);
    *paths = NULL;
    if (count <= 0) {
        free(entries);
        return 0;
    }
    *paths = calloc((size_t)count, sizeof(**paths));
    for (int i = 0; i < count; i++) {
        if (*paths) snprintf((*paths)[i], sizeof((*paths)[i]), "/dev/%.56s", entries[i]->d_name);
        free(entries[i]);
    }
    free(entries);
    return *paths ? count : 0;
}

static void describe_available_chips(voiced_gpio_error *error) {
    char (*paths)[64] = NULL;
    int count = list_chip_paths(&paths);
    size_t used = 0;
    error->available[0] = '\0';
    for (int i = 0; i < count; i++) {
        struct gpiod_chip *chip = open_chip(paths[i]);
        char name[64] = "", label[64] = "";
        if (chip) {
            chip_name(chip, name, sizeof(name));
            chip_label(chip, label, sizeof(label));
            close_chip(chip);
        } else {
            copy_text(name, sizeof(name), paths[i] + 5);
            copy_text(label, sizeof(label), "cannot open");
        }
        int written = snprintf(error->available + used, sizeof(error->available) - used, "%s%s [%s]",
                               i > 0 ? ", " : "", name, label);
        if (written < 0 || (size_t)written >= sizeof(error->available) - used) break;
        used += (size_t)written;
    }
    free(paths);
}

static void fail(voiced_gpio_error *error, int kind, int error_number, const char *function) {
    error->kind = kind;
    error->error_number = error_number;
    copy_text(error->function, sizeof(error->function), function);
    if (kind == VOICED_GPIO_CHIP_NOT_FOUND) describe_available_chips(error);
}

static void remember_chip(struct gpiod_chip *chip, voiced_gpio_error *error) {
    chip_name(chip, error->chip, sizeof(error->chip));
    chip_label(chip, error->chip_label, sizeof(error->chip_label));
    error->chip_lines = chip_line_count(chip);
}

static struct gpiod_chip *open_chip_at(const char *path, voiced_gpio_error *error) {
    struct stat info;
    if (stat(path, &info) != 0) {
        fail(error, VOICED_GPIO_CHIP_NOT_FOUND, errno, "stat");
        return NULL;
    }
    struct gpiod_chip *chip = open_chip(path);
    if (!chip) {
        int code = errno;
        int kind = (code == EACCES || code == EPERM) ? VOICED_GPIO_PERMISSION_DENIED : VOICED_GPIO_CHIP_NOT_FOUND;
        fail(error, kind, code, "gpiod_chip_open");
    }
    return chip;
}

/// Opens the chip named by `spec` (name, label, number or path) and finds the line on it, or
/// searches every chip for the named line when `spec` is empty.
static struct gpiod_chip *open_chip_and_line(const voiced_gpio_request *request, unsigned int *offset,
                                             voiced_gpio_error *error) {
    const char *spec = request->chip ? request->chip : "";
    const char *name = (request->line_name && *request->line_name) ? request->line_name : NULL;
    copy_text(error->chip, sizeof(error->chip), spec);
    struct gpiod_chip *chip = NULL;

    if (*spec == '\0') {
        if (!name) {
            fail(error, VOICED_GPIO_CHIP_NOT_FOUND, EINVAL, "");
            return NULL;
        }
        char (*paths)[64] = NULL;
        int count = list_chip_paths(&paths);
        for (int i = 0; i < count && !chip; i++) {
            struct gpiod_chip *candidate = open_chip(paths[i]);
            if (!candidate) continue;
            if (find_line_offset(candidate, name, offset) == 0) {
                chip = candidate;
            } else {
                close_chip(candidate);
            }
        }
        free(paths);
        if (!chip) {
            fail(error, count == 0 ? VOICED_GPIO_CHIP_NOT_FOUND : VOICED_GPIO_LINE_NOT_FOUND, ENOENT, "");
            if (count > 0) describe_available_chips(error);
            return NULL;
        }
        remember_chip(chip, error);
        return chip;
    }

    char path[128];
    if (spec[0] == '/') {
        copy_text(path, sizeof(path), spec);
    } else if (is_number(spec)) {
        snprintf(path, sizeof(path), "/dev/gpiochip%s", spec);
    } else if (strncmp(spec, "gpiochip", 8) == 0) {
        snprintf(path, sizeof(path), "/dev/%s", spec);
    } else {
        // A label: the chip whose label matches.
        char (*paths)[64] = NULL;
        int count = list_chip_paths(&paths);
        path[0] = '\0';
        for (int i = 0; i < count && path[0] == '\0'; i++) {
            struct gpiod_chip *candidate = open_chip(paths[i]);
            if (!candidate) continue;
            char label[64];
            if (strcmp(chip_label(candidate, label, sizeof(label)), spec) == 0) copy_text(path, sizeof(path), paths[i]);
            close_chip(candidate);
        }
        free(paths);
        if (path[0] == '\0') {
            fail(error, VOICED_GPIO_CHIP_NOT_FOUND, ENOENT, "");
            return NULL;
        }
    }

    chip = open_chip_at(path, error);
    if (!chip) return NULL;
    remember_chip(chip, error);
    if (name) {
        if (find_line_offset(chip, name, offset) != 0) {
            fail(error, VOICED_GPIO_LINE_NOT_FOUND, ENOENT, "");
            close_chip(chip);
            return NULL;
        }
    } else {
        *offset = request->offset;
        if (*offset >= error->chip_lines) {
            fail(error, VOICED_GPIO_LINE_NOT_FOUND, EINVAL, "");
            close_chip(chip);
            return NULL;
        }
    }
    return chip;
}

static void fail_request(voiced_gpio_error *error, struct gpiod_chip *chip, unsigned int offset, int code,
                         const char *function) {
    if (code == EBUSY) {
        line_holder(chip, offset, error->consumer, sizeof(error->consumer));
        fail(error, VOICED_GPIO_LINE_BUSY, code, function);
    } else if (code == EACCES || code == EPERM) {
        fail(error, VOICED_GPIO_PERMISSION_DENIED, code, function);
    } else {
        fail(error, VOICED_GPIO_FAILED, code, function);
    }
}

static void make_nonblocking(int fd) {
    if (fd < 0) return;
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// MARK: - Requesting, reading, writing: v1

#if VOICED_GPIOD_V1

static voiced_gpio_line *request_line(const voiced_gpio_request *request, int output, int initial_active,
                                      voiced_gpio_error *error) {
    unsigned int offset = 0;
    struct gpiod_chip *chip = open_chip_and_line(request, &offset, error);
    if (!chip) return NULL;
    if (line_holder(chip, offset, error->consumer, sizeof(error->consumer)) == 1) {
        fail(error, VOICED_GPIO_LINE_BUSY, EBUSY, "");
        close_chip(chip);
        return NULL;
    }
    struct gpiod_line *line = gpiod_chip_get_line(chip, offset);
    if (!line) {
        fail_request(error, chip, offset, errno, "gpiod_chip_get_line");
        close_chip(chip);
        return NULL;
    }
    int flags = request->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
    const char *consumer = request->consumer ? request->consumer : "voiced";
    int result;
    if (output) {
        result = gpiod_line_request_output_flags(line, consumer, flags, initial_active ? 1 : 0);
    } else {
        switch (request->bias) {
        case VOICED_GPIO_BIAS_PULL_UP: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP; break;
        case VOICED_GPIO_BIAS_PULL_DOWN: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN; break;
        case VOICED_GPIO_BIAS_DISABLED: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE; break;
        default: break;
        }
        result = gpiod_line_request_both_edges_events_flags(line, consumer, flags);
    }
    if (result < 0) {
        fail_request(error, chip, offset, errno,
                     output ? "gpiod_line_request_output_flags" : "gpiod_line_request_both_edges_events_flags");
        close_chip(chip);
        return NULL;
    }
    voiced_gpio_line *handle = calloc(1, sizeof(*handle));
    if (!handle) {
        gpiod_line_release(line);
        close_chip(chip);
        fail(error, VOICED_GPIO_FAILED, ENOMEM, "calloc");
        return NULL;
    }
    handle->chip = chip;
    handle->line = line;
    handle->offset = offset;
    handle->kernel_debounce = 0;
    handle->fd = output ? -1 : gpiod_line_event_get_fd(line);
    make_nonblocking(handle->fd);
    copy_text(handle->chip_name, sizeof(handle->chip_name), error->chip);
    copy_text(handle->chip_label, sizeof(handle->chip_label), error->chip_label);
    copy_text(handle->line_name, sizeof(handle->line_name), gpiod_line_name(line));
    return handle;
}

int voiced_gpio_line_read_events(voiced_gpio_line *line, voiced_gpio_event *events, int capacity) {
    if (!line || line->fd < 0 || capacity <= 0) return -EINVAL;
    struct gpiod_line_event batch[VOICED_EVENT_BATCH];
    int wanted = capacity < VOICED_EVENT_BATCH ? capacity : VOICED_EVENT_BATCH;
    int count = gpiod_line_event_read_multiple(line->line, batch, (unsigned int)wanted);
    if (count < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
    for (int i = 0; i < count; i++) {
        events[i].is_active = batch[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
        events[i].timestamp_ns = (uint64_t)batch[i].ts.tv_sec * 1000000000u + (uint64_t)batch[i].ts.tv_nsec;
    }
    return count;
}

int voiced_gpio_line_get_value(voiced_gpio_line *line) {
    if (!line) return -EINVAL;
    int value = gpiod_line_get_value(line->line);
    return value < 0 ? -errno : value;
}

int voiced_gpio_line_set_value(voiced_gpio_line *line, int active) {
    if (!line) return -EINVAL;
    return gpiod_line_set_value(line->line, active ? 1 : 0) < 0 ? -errno : 0;
}

void voiced_gpio_line_release(voiced_gpio_line *line) {
    if (!line) return;
    gpiod_line_release(line->line);
    gpiod_chip_close(line->chip);
    free(line);
}

#else

// MARK: - Requesting, reading, writing: v2

static voiced_gpio_line *request_line(const voiced_gpio_request *request, int output, int initial_active,
                                      voiced_gpio_error *error) {
    unsigned int offset = 0;
    struct gpiod_chip *chip = open_chip_and_line(request, &offset, error);
    if (!chip) return NULL;
    if (line_holder(chip, offset, error->consumer, sizeof(error->consumer)) == 1) {
        fail(error, VOICED_GPIO_LINE_BUSY, EBUSY, "");
        close_chip(chip);
        return NULL;
    }
    struct gpiod_line_settings *settings = gpiod_line_settings_new();
    struct gpiod_line_config *line_config = gpiod_line_config_new();
    struct gpiod_request_config *request_config = gpiod_request_config_new();
    struct gpiod_line_request *line_request = NULL;
    const char *failed_function = "gpiod_line_settings_new";
    int code = ENOMEM;
    if (settings && line_config && request_config) {
        gpiod_line_settings_set_active_low(settings, request->active_low ? true : false);
        if (output) {
            gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT);
            gpiod_line_settings_set_output_value(
                settings, initial_active ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
        } else {
            gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT);
            gpiod_line_settings_set_edge_detection(settings, GPIOD_LINE_EDGE_BOTH);
            gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC);
            enum gpiod_line_bias bias = GPIOD_LINE_BIAS_AS_IS;
            switch (request->bias) {
            case VOICED_GPIO_BIAS_PULL_UP: bias = GPIOD_LINE_BIAS_PULL_UP; break;
            case VOICED_GPIO_BIAS_PULL_DOWN: bias = GPIOD_LINE_BIAS_PULL_DOWN; break;
            case VOICED_GPIO_BIAS_DISABLED: bias = GPIOD_LINE_BIAS_DISABLED; break;
            default: break;
            }
            gpiod_line_settings_set_bias(settings, bias);
            if (request->debounce_us > 0) {
                gpiod_line_settings_set_debounce_period_us(settings, request->debounce_us);
            }
        }
        gpiod_request_config_set_consumer(request_config, request->consumer ? request->consumer : "voiced");
        gpiod_request_config_set_event_buffer_size(request_config, 64);
        failed_function = "gpiod_line_config_add_line_settings";
        if (gpiod_line_config_add_line_settings(line_config, &offset, 1, settings) == 0) {
            failed_function = "gpiod_chip_request_lines";
            line_request = gpiod_chip_request_lines(chip, request_config, line_config);
        }
        code = errno;
    }
    if (settings) gpiod_line_settings_free(settings);
    if (line_config) gpiod_line_config_free(line_config);
    if (request_config) gpiod_request_config_free(request_config);
    if (!line_request) {
        fail_request(error, chip, offset, code, failed_function);
        close_chip(chip);
        return NULL;
    }

    voiced_gpio_line *handle = calloc(1, sizeof(*handle));
    struct gpiod_edge_event_buffer *buffer = output ? NULL : gpiod_edge_event_buffer_new(VOICED_EVENT_BATCH);
    if (!handle || (!output && !buffer)) {
        free(handle);
        if (buffer) gpiod_edge_event_buffer_free(buffer);
        gpiod_line_request_release(line_request);
        close_chip(chip);
        fail(error, VOICED_GPIO_FAILED, ENOMEM, "gpiod_edge_event_buffer_new");
        return NULL;
    }
    handle->request = line_request;
    handle->buffer = buffer;
    handle->offset = offset;
    handle->fd = output ? -1 : gpiod_line_request_get_fd(line_request);
    make_nonblocking(handle->fd);
    if (!output && request->debounce_us > 0) {
        // The kernel debounces in software when the controller cannot; ask what it ended up doing.
        struct gpiod_line_info *info = gpiod_chip_get_line_info(chip, offset);
        handle->kernel_debounce = info ? (gpiod_line_info_is_debounced(info) ? 1 : 0) : 1;
        if (info) gpiod_line_info_free(info);
    }
    copy_text(handle->chip_name, sizeof(handle->chip_name), error->chip);
    copy_text(handle->chip_label, sizeof(handle->chip_label), error->chip_label);
    line_name(chip, offset, handle->line_name, sizeof(handle->line_name));
    // A v2 request lives on without its chip object.
    close_chip(chip);
    return handle;
}

int voiced_gpio_line_read_events(voiced_gpio_line *line, voiced_gpio_event *events, int capacity) {
    if (!line || line->fd < 0 || !line->buffer || capacity <= 0) return -EINVAL;
    int wanted = capacity < VOICED_EVENT_BATCH ? capacity : VOICED_EVENT_BATCH;
    int count = gpiod_line_request_read_edge_events(line->request, line->buffer, (size_t)wanted);
    if (count < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
    for (int i = 0; i < count; i++) {
        struct gpiod_edge_event *event = gpiod_edge_event_buffer_get_event(line->buffer, (unsigned long)i);
        events[i].is_active = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE;
        events[i].timestamp_ns = gpiod_edge_event_get_timestamp_ns(event);
    }
    return count;
}

int voiced_gpio_line_get_value(voiced_gpio_line *line) {
    if (!line) return -EINVAL;
    enum gpiod_line_value value = gpiod_line_request_get_value(line->request, line->offset);
    if (value == GPIOD_LINE_VALUE_ERROR) return -errno;
    return value == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0;
}

int voiced_gpio_line_set_value(voiced_gpio_line *line, int active) {
    if (!line) return -EINVAL;
    enum gpiod_line_value value = active ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
    return gpiod_line_request_set_value(line->request, line->offset, value) < 0 ? -errno : 0;
}

void voiced_gpio_line_release(voiced_gpio_line *line) {
    if (!line) return;
    if (line->buffer) gpiod_edge_event_buffer_free(line->buffer);
    gpiod_line_request_release(line->request);
    free(line);
}

#endif

// MARK: - Shared entry points

voiced_gpio_line *voiced_gpio_request_input(const voiced_gpio_request *request, voiced_gpio_error *error) {
    memset(error, 0, sizeof(*error));
    return request_line(request, 0, 0, error);
}

voiced_gpio_line *voiced_gpio_request_output(const voiced_gpio_request *request, int initial_active,
                                             voiced_gpio_error *error) {
    memset(error, 0, sizeof(*error));
    return request_line(request, 1, initial_active, error);
}

int voiced_gpio_line_fd(const voiced_gpio_line *line) { return line ? line->fd : -1; }
int voiced_gpio_line_has_kernel_debounce(const voiced_gpio_line *line) { return line ? line->kernel_debounce : 0; }
unsigned int voiced_gpio_line_offset(const voiced_gpio_line *line) { return line ? line->offset : 0; }
const char *voiced_gpio_line_chip_name(const voiced_gpio_line *line) { return line ? line->chip_name : ""; }
const char *voiced_gpio_line_chip_label(const voiced_gpio_line *line) { return line ? line->chip_label : ""; }
const char *voiced_gpio_line_name(const voiced_gpio_line *line) { return line ? line->line_name : ""; }
