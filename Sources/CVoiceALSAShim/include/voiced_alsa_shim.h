#ifndef VOICED_ALSA_SHIM_H
#define VOICED_ALSA_SHIM_H
#include <alsa/asoundlib.h>

/// Installs an error handler that drops libasound's own stderr chatter
/// (Swift cannot implement the C-variadic snd_lib_error_handler_t).
void voiced_alsa_silence_errors(void);

/// Names the calling thread for top -H / ps -L (at most 15 bytes are kept). pthread_setname_np
/// needs _GNU_SOURCE, which Swift's Glibc module does not define.
int voiced_set_current_thread_name(const char *name);

/// A non-blocking, close-on-exec eventfd (sys/eventfd.h is not part of Swift's Glibc module):
/// the engine's allocation-free wake-up from its real-time threads. Returns -1 on failure.
int voiced_eventfd(void);

#endif
