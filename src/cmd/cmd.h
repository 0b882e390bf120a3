/*
 * cmd.h: the sub-command table of the daas binary.
 *
 * Owns:   the declaration of every sub-command entry point.
 * Invariants: each sub-command returns a process exit code (0 ok, 1 failure, 2 usage) and
 *             prints one clear line to stderr on failure.
 */
#ifndef DAAS_CMD_CMD_H
#define DAAS_CMD_CMD_H

#include <signal.h>

typedef struct daas_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the sub-command name */
} daas_cmd;

int daas_cmd_server(int argc, char **argv);
int daas_cmd_version(int argc, char **argv);
int daas_cmd_devnet(int argc, char **argv);
int daas_cmd_sui(int argc, char **argv);
int daas_cmd_auth(int argc, char **argv);
int daas_cmd_attestation(int argc, char **argv);
int daas_cmd_enclave(int argc, char **argv);
int daas_cmd_vsock_proxy(int argc, char **argv);
int daas_cmd_verify(int argc, char **argv);
int daas_cmd_verify_pod(int argc, char **argv); /* `daas verify pod` (verify_pod.c) */

/* cmdutil.c: the level of a --log-level name (debug, info, warn, error), or -1. */
int daas_cmd_log_level(const char *s);
/* Blocks SIGINT and SIGTERM in this thread and every thread it starts (the caller then
 * sigwait()s on *set) and ignores SIGPIPE. Call before starting threads. */
void daas_cmd_block_stop_signals(sigset_t *set);

#endif
