#include "cli_signals.h"

#include <signal.h>
#include <string.h>

#include "core/error.h"

static void on_signal(int sig)
{
    ddad_tmpfile_cleanup();   /* unlink() only: safe in a handler */
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_cleanup_on_signal(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}
