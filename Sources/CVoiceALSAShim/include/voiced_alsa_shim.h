#ifndef VOICED_ALSA_SHIM_H
#define VOICED_ALSA_SHIM_H
#include <alsa/asoundlib.h>

/// Installs an error handler that drops libasound's own stderr chatter
/// (Swift cannot implement the C-variadic snd_lib_error_handler_t).
void voiced_alsa_silence_errors(void);

#endif
