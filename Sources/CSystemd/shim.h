#include <systemd/sd-daemon.h>
// adjtimex(2) for the doctor's clock check (Glibc's module map leaves sys/timex.h out).
#include <sys/timex.h>
