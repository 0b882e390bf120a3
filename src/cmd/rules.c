/*
 * rules.c: `daas rules show|set`: the cluster rules kept on chain (move/README.md
 * `cluster_rules`): allowed image registries and digests, and the least stake tier that may
 * request Nitro Enclaves, mount hostPath volumes or use the host's network, on the chain given
 * by --chain (or $DAAS_CHAIN).
 *
 * Owns:   the flags and the output of these commands.
 * Not:    the transaction and the object read (sui/pkg_rules.h); keys and chain files
 *         (sui/keyspec.h, sui/chain.h); what the rules mean for a pod (sched/policy.h).
 * Invariants: `set` replaces every rule: lists not given are empty (any registry, no digest),
 *         tiers not given take their publish defaults (nitro node, hostPath and hostNetwork
 *         admin); its input is checked as the chain would check it before anything is sent.
 *         The result on stdout and exit 0, or one line on stderr and exit 1 (failure) or 2
 *         (usage, bad input).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/alloc.h"
#include "sui/chain.h"
#include "sui/keyspec.h"
#include "sui/pkg.h"
#include "sui/pkg_rules.h"
#include "sui/sui.h"

#define MAX_LIST DAAS_PKG_RULES_MAX_ENTRIES

typedef struct rules_args {
    const char *key, *keystore, *chain, *package;
    bool json; /* show --json */
    const char *regs[MAX_LIST + 1], *digests[MAX_LIST + 1];
    size_t nregs, ndigests;
    const char *tiers[3];  /* nitro, host path, host network (NULL: the default) */
    daas_pkg_rules *rules; /* set: the new rules, checked before any chain traffic (owned) */
} rules_args;

typedef struct rules_cmd {
    const char *name;
    const char *usage;
    bool set; /* takes the rule flags and a key */
    int (*run)(const rules_args *a, daas_err *err);
} rules_cmd;

/* ---- the new rules from the flags ---- */

/* Copies n strings into rows of stride bytes; a string that does not fit is refused. */
static int fill_list(const char *what, const char *abort_name, const char *const *in, size_t n,
                     char *rows, size_t stride, daas_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(in[i]) >= stride)
            return daas_fail(err, DAAS_EINVAL, "%s %zu \"%.60s...\" is too long (%s)", what, i + 1,
                             in[i], abort_name);
        memcpy(rows + i * stride, in[i], strlen(in[i]) + 1);
    }
    return DAAS_OK;
}

static int parse_rules(const rules_args *a, daas_pkg_rules *r, daas_err *err)
{
    uint8_t *tier[3] = {&r->nitro_min_tier, &r->host_path_min_tier, &r->host_network_min_tier};
    static const char *const FLAG[3] = {"--nitro-min-tier", "--host-path-min-tier",
                                        "--host-network-min-tier"};
    daas_pkg_rules_defaults(r);
    if (a->nregs > MAX_LIST || a->ndigests > MAX_LIST)
        return daas_fail(err, DAAS_EINVAL, "at most %d --registry and %d --digest (ETooMany)",
                         MAX_LIST, MAX_LIST);
    int rc = fill_list("registry", "EBadRegistry", a->regs, a->nregs, &r->registries[0][0],
                       sizeof r->registries[0], err);
    if (rc == DAAS_OK)
        rc = fill_list("digest", "EBadDigest", a->digests, a->ndigests, &r->digests[0][0],
                       sizeof r->digests[0], err);
    r->n_registries = a->nregs;
    r->n_digests = a->ndigests;
    for (size_t i = 0; i < 3 && rc == DAAS_OK; i++) {
        daas_err why = {0};
        if (a->tiers[i] != NULL && daas_pkg_rules_tier_parse(a->tiers[i], tier[i], &why))
            rc = daas_fail(err, DAAS_EINVAL, "bad %s: %s", FLAG[i], why.msg);
    }
    return rc == DAAS_OK ? daas_pkg_rules_check(r, err) : rc;
}

/* ---- output ---- */

static json_t *json_list(const char *rows, size_t stride, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(rows + i * stride));
    return a;
}

static void print_json(const daas_pkg_rules_ref *ref, const daas_pkg_rules *r)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1], v[24], isv[24];
    daas_sui_address_hex(ref->id, hex);
    snprintf(v, sizeof v, "%llu", (unsigned long long)r->version);
    snprintf(isv, sizeof isv, "%llu", (unsigned long long)ref->isv);
    json_t *j = json_pack("{s:s,s:s,s:s,s:o,s:o,s:i,s:i,s:i}", "id", hex, "initial_shared_version",
                          isv, "version", v, "allowed_registries",
                          json_list(&r->registries[0][0], sizeof r->registries[0], r->n_registries),
                          "allowed_digests",
                          json_list(&r->digests[0][0], sizeof r->digests[0], r->n_digests),
                          "nitro_min_tier", r->nitro_min_tier, "host_path_min_tier",
                          r->host_path_min_tier, "host_network_min_tier", r->host_network_min_tier);
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", text ? text : "{}");
    free(text); /* jansson's allocation */
    json_decref(j);
}

static void print_list(const char *label, const char *rows, size_t stride, size_t n,
                       const char *empty)
{
    printf("%-20s", label);
    if (n == 0)
        printf(" %s", empty);
    for (size_t i = 0; i < n; i++)
        printf(" %s", rows + i * stride);
    printf("\n");
}

static void print_tier(const char *label, uint8_t t)
{
    const char *name = daas_pkg_rules_tier_name(t);
    if (t == DAAS_PKG_RULES_TIER_NOBODY)
        printf("%-20s nobody\n", label);
    else
        printf("%-20s %s and above\n", label, name);
}

static void print_text(const daas_pkg_rules_ref *ref, const daas_pkg_rules *r)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(ref->id, hex);
    printf("%-20s %s\n%-20s %llu\n", "rules:", hex, "version:", (unsigned long long)r->version);
    print_list("registries:", &r->registries[0][0], sizeof r->registries[0], r->n_registries,
               "any");
    print_list("digests:", &r->digests[0][0], sizeof r->digests[0], r->n_digests, "none");
    print_tier("nitro enclaves:", r->nitro_min_tier);
    print_tier("hostPath:", r->host_path_min_tier);
    print_tier("hostNetwork:", r->host_network_min_tier);
}

/* ---- commands ---- */

/* Opens the chain (with the key for set) and finds the rules object. */
static int session_open(const rules_args *a, bool key, daas_cmd_chain *s, daas_pkg_rules_ref *ref,
                        daas_err *err)
{
    int rc = daas_cmd_chain_open_key(a->key, a->keystore, key ? "--key" : NULL, a->chain,
                                     a->package, true, s, err);
    return rc == DAAS_OK ? daas_pkg_rules_find(s->c, &s->pkg, ref, err) : rc;
}

static int cmd_show(const rules_args *a, daas_err *err)
{
    daas_cmd_chain s;
    daas_pkg_rules_ref ref;
    daas_pkg_rules *r = daas_xcalloc(1, sizeof *r);
    int rc = session_open(a, false, &s, &ref, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_rules_read(s.c, &s.pkg, &ref, r, err);
    if (rc == DAAS_OK && a->json)
        print_json(&ref, r);
    else if (rc == DAAS_OK)
        print_text(&ref, r);
    daas_cmd_chain_close(&s);
    daas_free(r);
    return rc;
}

static int cmd_set(const rules_args *a, daas_err *err)
{
    daas_cmd_chain s;
    daas_pkg_rules_ref ref;
    daas_sui_exec_result res = {0};
    daas_pkg_rules *now = daas_xcalloc(1, sizeof *now);
    int rc = session_open(a, true, &s, &ref, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_rules_set(s.c, s.k, &s.pkg, &ref, a->rules, &res, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_rules_read(s.c, &s.pkg, &ref, now, err);
    if (rc == DAAS_OK)
        printf("cluster rules at version %llu (transaction %s)\n", (unsigned long long)now->version,
               res.digest);
    daas_sui_exec_result_fini(&res);
    daas_cmd_chain_close(&s);
    daas_free(now);
    return rc;
}

#define CHAIN_FLAGS "[--chain URL|FILE] [--package 0x...]"

static const rules_cmd cmds[] = {
    {"show", "[--json] " CHAIN_FLAGS, false, cmd_show},
    {"set",
     "--key KEY [--registry PREFIX/]... [--digest sha256:HEX]... [--nitro-min-tier T] "
     "[--host-path-min-tier T] [--host-network-min-tier T] " CHAIN_FLAGS
     " (T: viewer, user, node, admin or nobody; replaces every rule)",
     true, cmd_set},
};

/* ---- arguments ---- */

/* One flag's value into a (lists accumulate). 0, or 2 when it does not belong to cmd. */
static int take_flag(int c, const char *v, const rules_cmd *cmd, rules_args *a)
{
    const char **slot[128] = {
        ['k'] = &a->key,      ['K'] = &a->keystore, ['c'] = &a->chain,   ['p'] = &a->package,
        ['n'] = &a->tiers[0], ['P'] = &a->tiers[1], ['N'] = &a->tiers[2]};
    if (c <= 0 || c >= 128 || (strchr("kKrdnPN", c) != NULL && !cmd->set) || (c == 'j' && cmd->set))
        return 2;
    if (c == 'j')
        a->json = true;
    else if (c == 'r' && a->nregs <= MAX_LIST)
        a->regs[a->nregs++] = v;
    else if (c == 'd' && a->ndigests <= MAX_LIST)
        a->digests[a->ndigests++] = v;
    else if (slot[c] != NULL)
        *slot[c] = v;
    else if (c != 'r' && c != 'd')
        return 2;
    return 0;
}

/* 0, 1 (--help), or 3 (usage error already reported in one line). */
static int parse_args(int argc, char **argv, const rules_cmd *cmd, rules_args *a)
{
    static const struct option longopts[] = {{"key", required_argument, 0, 'k'},
                                             {"keystore", required_argument, 0, 'K'},
                                             {"chain", required_argument, 0, 'c'},
                                             {"package", required_argument, 0, 'p'},
                                             {"json", no_argument, 0, 'j'},
                                             {"registry", required_argument, 0, 'r'},
                                             {"digest", required_argument, 0, 'd'},
                                             {"nitro-min-tier", required_argument, 0, 'n'},
                                             {"host-path-min-tier", required_argument, 0, 'P'},
                                             {"host-network-min-tier", required_argument, 0, 'N'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c, li = -1;
    optind = 1;
    opterr = 0; /* one line of our own instead of getopt's */
    while ((c = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
        if (c == 'h')
            return 1;
        if (take_flag(c, optarg, cmd, a) != 0) {
            /* a known flag of the other command names itself, not its value */
            fprintf(stderr, "daas rules %s: bad option \"%s%s\" (see --help)\n", cmd->name,
                    li >= 0 && c != '?' ? "--" : "",
                    li >= 0 && c != '?' ? longopts[li].name : argv[optind - 1]);
            return 3;
        }
        li = -1;
    }
    if (optind < argc) {
        fprintf(stderr, "daas rules %s: unexpected argument \"%s\"\n", cmd->name, argv[optind]);
        return 3;
    }
    return 0;
}

static void list_cmds(FILE *f)
{
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  daas rules %s %s\n", cmds[i].name, cmds[i].usage);
}

static const rules_cmd *find_cmd(int argc, char **argv)
{
    for (size_t i = 0; argc >= 2 && i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return &cmds[i];
    return NULL;
}

/* Parses, checks (a bad value is a usage error, exit 2, nothing sent) and runs cmd. */
static int run_cmd(int argc, char **argv, const rules_cmd *cmd)
{
    rules_args a;
    daas_err err = {0};
    char name[32];
    int rc = DAAS_OK;
    memset(&a, 0, sizeof a);
    snprintf(name, sizeof name, "rules %s", cmd->name);
    int prc = parse_args(argc - 1, argv + 1, cmd, &a);
    if (prc == 3)
        return 2;
    if (prc != 0)
        return daas_cmd_usage_exit(prc, name, cmd->usage);
    if (cmd->set) {
        a.rules = daas_xcalloc(1, sizeof *a.rules);
        rc = parse_rules(&a, a.rules, &err);
    }
    if (rc != DAAS_OK) {
        fprintf(stderr, "daas %s: %s\n", name, err.msg);
        daas_free(a.rules);
        return 2;
    }
    rc = cmd->run(&a, &err);
    daas_free(a.rules);
    return daas_cmd_exit(name, rc, &err);
}

/*
 * `daas rules <command> ...` (argv[0] "rules", argv[1] the command). Returns the exit code:
 * 0, 1 (failure, one line on stderr) or 2 (usage or bad input, one line on stderr).
 */
int daas_cmd_rules(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: daas rules <command>\n");
        list_cmds(stdout);
        return 0;
    }
    const rules_cmd *cmd = find_cmd(argc, argv);
    if (cmd == NULL) {
        fprintf(stderr, "daas rules: unknown command%s%s (show, set)\n", argc >= 2 ? " " : "",
                argc >= 2 ? argv[1] : "");
        return 2;
    }
    return run_cmd(argc, argv, cmd);
}
