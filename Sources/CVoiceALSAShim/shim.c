#define _GNU_SOURCE
#include <pthread.h>
#include <alsa/asoundlib.h>
#include "voiced_alsa_shim.h"

static void voiced_alsa_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}

void voiced_alsa_silence_errors(void) { snd_lib_error_set_handler(voiced_alsa_quiet); }

int voiced_set_current_thread_name(const char *name) {
    char truncated[16];
    snprintf(truncated, sizeof truncated, "%s", name);
    return pthread_setname_np(pthread_self(), truncated);
}

#include <sys/eventfd.h>

int voiced_eventfd(void) {
    return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}
