/*
 * cmdutil.c: what the long-running sub-commands (server, devnet, enclave, vsock-proxy) share:
 * the --log-level names and the stop-signal set-up.
 *
 * Owns:   nothing beyond these helpers (declared in cmd.h).
 */
#include <signal.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/log.h"

int daas_cmd_log_level(const char *s)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

void daas_cmd_block_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}
