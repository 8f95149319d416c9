/* rt_signal.c — see rt_signal.h. */
#include "rt_signal.h"

#include <string.h>

static volatile sig_atomic_t g_signal;

static void on_signal(int sig) { g_signal = sig; }

const volatile sig_atomic_t *rt_signal_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return &g_signal;
}

int rt_signal_exit_code(void) { return g_signal == SIGINT ? 130 : g_signal == SIGTERM ? 143 : 0; }
