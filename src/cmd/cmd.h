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
#include <stdbool.h>

#include "common/err.h"
#include "sui/chain.h"
#include "sui/gql.h"
#include "sui/pkg.h"

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
int daas_cmd_keyserver(int argc, char **argv);  /* keyserver.c */
int daas_cmd_agent(int argc, char **argv);      /* agent.c */
int daas_cmd_seal(int argc, char **argv);       /* seal.c: `daas seal <sub>` dispatch */
int daas_cmd_seal_policy(int argc, char **argv); /* seal_policy.c: `daas seal policy ...` */
int daas_cmd_seal_secret(int argc, char **argv); /* seal_secret.c: create-secret, get-secret */
int daas_cmd_image(int argc, char **argv);       /* image.c: `daas image <sub>` */
int daas_cmd_logshim(int argc, char **argv);     /* logshim.c: hidden, run by the runtime */
int daas_cmd_etcd_snapshot(int argc, char **argv); /* snapshot.c: `daas etcd-snapshot` */
int daas_cmd_rules(int argc, char **argv);         /* rules.c: `daas rules show|set` */
int daas_cmd_rebalance(int argc, char **argv);     /* rebalance.c: `daas rebalance` */

/* cmdutil.c: a chain command's connection: the chain (--chain, else $DAAS_CHAIN, ...: see
 * sui/chain.h), its client and, when need_pkg, the daas package (--package, else the chain
 * file's); k is the caller's signing key, if any (freed by _close). Errors: as
 * daas_sui_chain_resolve, daas_pkg_discover; DAAS_EINVAL "no daas package: pass --package
 * 0x...". Close it even after a failed open. */
typedef struct daas_cmd_chain {
    daas_sui_chain chain;
    daas_sui_client *c;
    daas_pkg pkg;
    daas_sui_key *k;
} daas_cmd_chain;
DAAS_MUST_USE int daas_cmd_chain_open(const char *chain, const char *package, bool need_pkg,
                                      daas_cmd_chain *out, daas_err *err);
void daas_cmd_chain_close(daas_cmd_chain *s);
/* The same with a signing key first: key_what NULL: none; else key_spec (keyspec.h, with
 * keystore) resolved into out->k, DAAS_EINVAL "missing <key_what>" when it is NULL. */
DAAS_MUST_USE int daas_cmd_chain_open_key(const char *key_spec, const char *keystore,
                                          const char *key_what, const char *chain,
                                          const char *package, bool need_pkg,
                                          daas_cmd_chain *out, daas_err *err);
/* After a sub-command's flag parse returned prc != 0: 1 = --help (usage on stdout, exit 0),
 * else bad usage (on stderr, exit 2). Prints "usage: daas <name> <usage>". */
int daas_cmd_usage_exit(int prc, const char *name, const char *usage);
/* A sub-command's exit status: 0 when rc is DAAS_OK, else 1 after "daas <name>: <message>". */
int daas_cmd_exit(const char *name, int rc, const daas_err *err);

/* cmdutil.c: the level of a --log-level name (debug, info, warn, error), or -1. */
int daas_cmd_log_level(const char *s);
/* Blocks SIGINT and SIGTERM in this thread and every thread it starts (the caller then
 * sigwait()s on *set) and ignores SIGPIPE. Call before starting threads. */
void daas_cmd_block_stop_signals(sigset_t *set);

#endif
