/* A SIGINT handler for the duration of one long kernel call.
 *
 * For the Cython bindings only (included after Python.h, which makes the
 * POSIX declarations visible); the kernels themselves see only the flag
 * (smx_stop_flag, smx_config.h).  The binding, in the main thread and
 * holding the GIL, installs the handler, runs the kernel without the GIL
 * with smx_sigint_flag() as its stop flag, restores the previous handler
 * (Python's) exactly as it was, and when the flag was set hands the signal
 * to Python (PyErr_SetInterrupt + PyErr_CheckSignals), whose handler raises
 * KeyboardInterrupt.  The handler only stores to a volatile sig_atomic_t:
 * async-signal-safe whatever thread the signal is delivered to.
 */
#ifndef SMX_SIGINT_H
#define SMX_SIGINT_H

#include <signal.h>
#include <string.h>

#include "smx_config.h"

static smx_stop_flag smx_sigint_caught = 0;

static void smx_sigint_handler(int sig)
{
    (void)sig;
    smx_sigint_caught = 1;
}

#ifdef _WIN32
typedef void (*smx_sigint_saved)(int);

static int smx_sigint_install(smx_sigint_saved *old)
{
    smx_sigint_caught = 0;
    *old = signal(SIGINT, smx_sigint_handler);
    return *old == SIG_ERR ? -1 : 0;
}

static void smx_sigint_restore(const smx_sigint_saved *old) { signal(SIGINT, *old); }
#else
typedef struct sigaction smx_sigint_saved;

/* 0 on success (the previous disposition saved in *old), -1 otherwise. */
static int smx_sigint_install(smx_sigint_saved *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = smx_sigint_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_ONSTACK;
    smx_sigint_caught = 0;
    return sigaction(SIGINT, &sa, old);
}

static void smx_sigint_restore(const smx_sigint_saved *old) { sigaction(SIGINT, old, NULL); }
#endif

static const smx_stop_flag *smx_sigint_flag(void) { return &smx_sigint_caught; }

static int smx_sigint_was_caught(void) { return smx_sigint_caught != 0; }

#endif
