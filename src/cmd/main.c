/*
 * main.c: the daas binary: dispatches to a sub-command by table (STYLE.md rule 19).
 *
 * Owns:   argv[1] dispatch, `daas --help`, `daas version`.
 * Invariants: unknown sub-commands print one line and exit 2.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static const daas_cmd cmds[] = {
    {"server", "run the Kubernetes API server (control plane)", daas_cmd_server},
    {"devnet", "run the development Sui chain (GraphQL + faucet)", daas_cmd_devnet},
    {"sui", "Sui keys, balance, faucet and stake", daas_cmd_sui},
    {"auth", "kubectl credential plugin: a token signed with a Sui key", daas_cmd_auth},
    {"enclave", "run the enclave service (Nautilus-style, attested key)", daas_cmd_enclave},
    {"vsock-proxy", "TCP <-> vsock relay with a destination allow-list", daas_cmd_vsock_proxy},
    {"attestation", "verify an AWS Nitro attestation document", daas_cmd_attestation},
    {"verify", "replay and check a scheduler decision log", daas_cmd_verify},
    {"agent", "run a worker node: join with a Sui key, heartbeat", daas_cmd_agent},
    {"keyserver", "run a Seal key server (byte-compatible with Mysten's)", daas_cmd_keyserver},
    {"seal", "seal and unseal data and Secrets with Seal; decryption policies", daas_cmd_seal},
    {"rules", "show and set the cluster rules kept on chain (images, tiers)", daas_cmd_rules},
    {"rebalance", "move pods off overloaded nodes with a plan the enclave signs", daas_cmd_rebalance},
    {"image", "pull, import, list and unpack OCI images (the worker's store)", daas_cmd_image},
    {"etcd-snapshot", "save, list and restore snapshots of the server's store", daas_cmd_etcd_snapshot},
    {"version", "print the version", daas_cmd_version},
};

static void usage(FILE *f)
{
    fprintf(f, "daas: Kubernetes for clusters whose operator, node owners and users do not "
               "trust each other\n\nusage: daas <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
    fprintf(f, "\n`daas <command> --help` describes a command's options.\n");
}

int daas_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("daas version v%s (Kubernetes API v1.32.4)\n", DAAS_VERSION);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return daas_cmd_version(argc - 1, argv + 1);
    if (strcmp(argv[1], "logshim") == 0) /* hidden: the runtime's log shim (logshim.c) */
        return daas_cmd_logshim(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].run(argc - 1, argv + 1);
    fprintf(stderr, "daas: unknown command \"%s\" (see daas --help)\n", argv[1]);
    return 2;
}
