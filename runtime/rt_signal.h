/* rt_signal.h — SIGINT/SIGTERM turned into a flag the range test polls, so
 * an interrupted run stops after the current step and still writes what it
 * measured. Shared by `lrc run`/`lrc grid` and standalone binaries, which
 * install it first thing, before compiling or reading data, so a signal
 * that arrives early is never lost. */
#ifndef RT_SIGNAL_H
#define RT_SIGNAL_H

#include <signal.h>

/* Installs the handlers; returns the flag (0 until a signal arrives, then
 * its number). The flag is the one process-wide variable a C signal handler
 * cannot do without. */
const volatile sig_atomic_t *rt_signal_install(void);

/* The exit code for a run that otherwise succeeded: 130 after SIGINT, 143
 * after SIGTERM, else 0. */
int rt_signal_exit_code(void);

#endif
