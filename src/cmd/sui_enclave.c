/*
 * sui_enclave.c: `daas sui enclave-config create|update|show` and `daas sui enclaves`: the
 * cluster's EnclaveConfig (the PCRs a scheduler enclave must prove) and the registered
 * enclaves, on the chain given by --chain (or $DAAS_CHAIN).
 *
 * Owns:   the flags and the output of these commands.
 * Not:    the transactions and object reads (sui/pkg_enclave.h); keys and chain files
 *         (sui/keyspec.h, sui/chain.h).
 * Invariants: as sui.c: the result on stdout and exit 0, or one line on stderr and exit 1
 *         (failure) or 2 (usage); --debug configs are announced loudly on stderr; show and
 *         enclaves print one JSON document.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/alloc.h"
#include "common/util.h"
#include "sui/chain.h"
#include "sui/keyspec.h"
#include "sui/pkg.h"
#include "sui/pkg_enclave.h"
#include "sui/ptb.h"
#include "sui/sui.h"

int daas_cmd_sui_enclave(int argc, char **argv);

typedef struct enc_args {
    const char *key, *keystore, *chain, *package, *config, *name;
    const char *pcr[3];
    bool debug;
} enc_args;

typedef struct enc_cmd {
    const char *name; /* "enclave-config create", "enclaves" */
    const char *usage;
    int (*run)(const enc_args *a, daas_err *err);
} enc_cmd;

/* What a command works with: the chain's client, the package and (when asked) the key,
 * checked first. */
typedef daas_cmd_chain session;

static int session_open(const enc_args *a, bool key, session *s, daas_err *err)
{
    return daas_cmd_chain_open_key(a->key, a->keystore,
                                   key ? "--key (the AdminCap holder's key)" : NULL, a->chain,
                                   a->package, true, s, err);
}

static void session_close(session *s)
{
    daas_cmd_chain_close(s);
}

/* ---- arguments ---- */

/* 96 hex digits (an optional 0x) into one 48-byte PCR. */
static int parse_pcr(const char *s, int i, uint8_t out[DAAS_PKG_PCR_LEN], daas_err *err)
{
    const char *h = strncmp(s, "0x", 2) == 0 ? s + 2 : s;
    if (strlen(h) != 2 * DAAS_PKG_PCR_LEN || !daas_hex_decode(h, DAAS_PKG_PCR_LEN, out))
        return daas_fail(err, DAAS_EINVAL, "bad --pcr%d: want 96 hex digits (48 bytes, SHA-384)",
                         i);
    return DAAS_OK;
}

/* The PCRs and allow_debug of --pcr0..2 or --debug (exactly one of the two forms). */
static int parse_pcrs(const enc_args *a, uint8_t pcr[3][DAAS_PKG_PCR_LEN], bool *allow_debug,
                      daas_err *err)
{
    int given = (a->pcr[0] != NULL) + (a->pcr[1] != NULL) + (a->pcr[2] != NULL);
    int rc = DAAS_OK;
    memset(pcr, 0, 3 * DAAS_PKG_PCR_LEN);
    *allow_debug = a->debug;
    if (a->debug && given > 0)
        return daas_fail(err, DAAS_EINVAL, "--debug pins all-zero PCRs: drop --pcr0..2");
    if (!a->debug && given != 3)
        return daas_fail(err, DAAS_EINVAL,
                         "missing --pcr0, --pcr1 and --pcr2 (hex), or --debug (development)");
    for (int i = 0; rc == DAAS_OK && i < 3 && !a->debug; i++)
        rc = parse_pcr(a->pcr[i], i, pcr[i], err);
    return rc;
}

/* The --config id into *id (present set), or present false. */
static int config_arg(const enc_args *a, uint8_t id[DAAS_SUI_ADDRESS_LEN], bool *present,
                      daas_err *err)
{
    *present = a->config != NULL;
    if (!*present)
        return DAAS_OK;
    daas_err local = {0};
    if (daas_sui_address_parse(a->config, id, &local) != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "bad --config \"%.80s\": want 0x and hex digits",
                         a->config);
    return DAAS_OK;
}

/* ---- output ---- */

/* After a config was set to accept debug enclaves: say so, loudly. */
static void warn_debug(bool debug)
{
    if (debug)
        fprintf(stderr, "WARNING: this EnclaveConfig accepts DEBUG enclaves (all-zero PCRs, dev "
                        "CA): for development only, never for a cluster anyone relies on\n");
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *s = daas_hex_encode(p, n, daas_xmalloc(2 * n + 1));
    json_t *j = json_string(s);
    daas_free(s);
    return j;
}

static json_t *addr_json(const uint8_t a[DAAS_SUI_ADDRESS_LEN])
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(a, hex);
    return json_string(hex);
}

/* Prints j (stolen) on stdout. */
static int print_json(json_t *j, daas_err *err)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (s == NULL)
        return daas_fail(err, DAAS_EINTERNAL, "cannot render JSON");
    printf("%s\n", s);
    free(s); /* jansson's allocation */
    return DAAS_OK;
}

static void print_tx(const char *what, const daas_sui_exec_result *r)
{
    uint64_t spent = r->gas.computation + r->gas.storage;
    spent = spent >= r->gas.rebate ? spent - r->gas.rebate : 0;
    fprintf(stderr, "%s: transaction %s, gas %llu MIST\n", what, r->digest,
            (unsigned long long)spent);
}

static json_t *config_json(const daas_pkg_enclave_config *c)
{
    return json_pack("{s:o,s:s,s:o,s:o,s:o,s:b,s:I}", "id", addr_json(c->id), "name", c->name,
                     "pcr0", hex_json(c->pcr[0], DAAS_PKG_PCR_LEN), "pcr1",
                     hex_json(c->pcr[1], DAAS_PKG_PCR_LEN), "pcr2",
                     hex_json(c->pcr[2], DAAS_PKG_PCR_LEN), "allow_debug", c->allow_debug,
                     "version", (json_int_t)c->version);
}

/* cfg may be NULL (no cluster config): no enclave is current then. */
static json_t *enclave_json(const daas_pkg_enclave *e, const daas_pkg_enclave_config *cfg)
{
    bool current = cfg != NULL && memcmp(e->config, cfg->id, DAAS_SUI_ADDRESS_LEN) == 0 &&
                   e->config_version == cfg->version;
    return json_pack("{s:o,s:o,s:o,s:I,s:b,s:o,s:I,s:I}", "id", addr_json(e->id), "public_key",
                     hex_json(e->public_key, DAAS_PKG_ENCLAVE_PK_LEN), "config",
                     addr_json(e->config), "config_version", (json_int_t)e->config_version,
                     "current", current, "owner", addr_json(e->owner), "registered_epoch",
                     (json_int_t)e->registered_epoch, "next_seq", (json_int_t)e->next_seq);
}

/* ---- commands ---- */

static int cmd_create(const enc_args *a, daas_err *err)
{
    uint8_t pcr[3][DAAS_PKG_PCR_LEN], id[DAAS_SUI_ADDRESS_LEN];
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    bool debug = false;
    session s = {0};
    daas_sui_exec_result r = {0};
    int rc = parse_pcrs(a, pcr, &debug, err);
    if (rc == DAAS_OK)
        rc = session_open(a, true, &s, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_enclave_config_create(s.c, s.k, &s.pkg, a->name ? a->name : "daas-scheduler",
                                            (const uint8_t(*)[DAAS_PKG_PCR_LEN])pcr, debug, &r, id,
                                            err);
    if (rc == DAAS_OK) {
        print_tx("enclave-config create", &r);
        warn_debug(debug);
        daas_sui_address_hex(id, hex);
        printf("%s\n", hex);
    }
    daas_sui_exec_result_fini(&r);
    session_close(&s);
    return rc;
}

static int cmd_update(const enc_args *a, daas_err *err)
{
    uint8_t pcr[3][DAAS_PKG_PCR_LEN], id[DAAS_SUI_ADDRESS_LEN];
    bool debug = false, named = false;
    session s = {0};
    daas_pkg_sched sched;
    daas_pkg_enclave_config cfg;
    daas_sui_exec_result r = {0};
    int rc = config_arg(a, id, &named, err);
    if (rc == DAAS_OK)
        rc = parse_pcrs(a, pcr, &debug, err);
    if (rc == DAAS_OK)
        rc = session_open(a, true, &s, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_sched_discover(s.c, &s.pkg, named ? id : NULL, &sched, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_enclave_config_update(
            s.c, s.k, &s.pkg, &sched, (const uint8_t(*)[DAAS_PKG_PCR_LEN])pcr, debug, &r, err);
    if (rc == DAAS_OK) {
        print_tx("enclave-config update", &r);
        warn_debug(debug);
        rc = daas_pkg_enclave_config_get(s.c, &s.pkg, sched.config, &cfg, err);
    }
    if (rc == DAAS_OK)
        rc = print_json(config_json(&cfg), err);
    daas_sui_exec_result_fini(&r);
    session_close(&s);
    return rc;
}

static int cmd_show(const enc_args *a, daas_err *err)
{
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    bool named = false;
    session s = {0};
    daas_pkg_sched sched;
    daas_pkg_enclave_config cfg;
    int rc = config_arg(a, id, &named, err);
    if (rc == DAAS_OK)
        rc = session_open(a, false, &s, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_sched_discover(s.c, &s.pkg, named ? id : NULL, &sched, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_enclave_config_get(s.c, &s.pkg, sched.config, &cfg, err);
    if (rc == DAAS_OK)
        rc = print_json(config_json(&cfg), err);
    session_close(&s);
    return rc;
}

/* The cluster's config (--config, else the only one) into *cfg; *have false when the chain
 * has none and none was named. */
static int cluster_config(const enc_args *a, session *s, daas_pkg_enclave_config *cfg, bool *have,
                          daas_err *err)
{
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    bool named = false;
    daas_pkg_sched sched;
    daas_err local = {0};
    int rc = config_arg(a, id, &named, err);
    *have = false;
    if (rc != DAAS_OK)
        return rc;
    rc = daas_pkg_sched_discover(s->c, &s->pkg, named ? id : NULL, &sched, &local);
    if (rc == DAAS_ENOTFOUND && !named)
        return DAAS_OK;
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "%s", local.msg);
    rc = daas_pkg_enclave_config_get(s->c, &s->pkg, sched.config, cfg, err);
    *have = rc == DAAS_OK;
    return rc;
}

static int cmd_enclaves(const enc_args *a, daas_err *err)
{
    session s = {0};
    daas_pkg_enclave_config cfg;
    daas_pkg_enclave *list = NULL;
    size_t n = 0;
    bool have = false;
    int rc = session_open(a, false, &s, err);
    if (rc == DAAS_OK)
        rc = cluster_config(a, &s, &cfg, &have, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_enclave_list(s.c, &s.pkg, &list, &n, err);
    if (rc == DAAS_OK) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, enclave_json(&list[i], have ? &cfg : NULL));
        rc = print_json(arr, err);
    }
    daas_free(list);
    session_close(&s);
    return rc;
}

#define CHAIN_FLAGS "[--chain URL|FILE] [--package 0x...]"
#define PCR_FLAGS "(--pcr0 HEX --pcr1 HEX --pcr2 HEX | --debug)"

static const enc_cmd cmds[] = {
    {"enclave-config create", "--key ADMINKEY [--name daas-scheduler] " PCR_FLAGS " " CHAIN_FLAGS,
     cmd_create},
    {"enclave-config update", "--key ADMINKEY [--config 0x...] " PCR_FLAGS " " CHAIN_FLAGS,
     cmd_update},
    {"enclave-config show", "[--config 0x...] " CHAIN_FLAGS, cmd_show},
    {"enclaves", "[--config 0x...] " CHAIN_FLAGS, cmd_enclaves},
};

/* 0, 1 (--help) or 2 (usage error). */
static int parse_args(int argc, char **argv, enc_args *a)
{
    static const struct option longopts[] = {
        {"key", required_argument, 0, 'k'},    {"keystore", required_argument, 0, 'K'},
        {"chain", required_argument, 0, 'c'},  {"package", required_argument, 0, 'p'},
        {"config", required_argument, 0, 'C'}, {"name", required_argument, 0, 'n'},
        {"pcr0", required_argument, 0, '0'},   {"pcr1", required_argument, 0, '1'},
        {"pcr2", required_argument, 0, '2'},   {"debug", no_argument, 0, 'D'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char **slot[128] = {['k'] = &a->key,     ['K'] = &a->keystore, ['c'] = &a->chain,
                              ['p'] = &a->package, ['C'] = &a->config,   ['n'] = &a->name,
                              ['0'] = &a->pcr[0],  ['1'] = &a->pcr[1],   ['2'] = &a->pcr[2]};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c > 0 && c < 128 && slot[c] != NULL)
            *slot[c] = optarg;
        else if (c == 'D')
            a->debug = true;
        else
            return c == 'h' ? 1 : 2;
    }
    if (optind < argc) {
        fprintf(stderr, "daas sui: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    return 0;
}

static const enc_cmd *find_cmd(int argc, char **argv, int *skip)
{
    bool config = strcmp(argv[1], "enclave-config") == 0;
    char name[64];
    *skip = config ? 2 : 1;
    if (config && (argc < 3 || argv[2][0] == '-'))
        return NULL;
    snprintf(name, sizeof name, "%s%s%s", argv[1], config ? " " : "", config ? argv[2] : "");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(name, cmds[i].name) == 0)
            return &cmds[i];
    return NULL;
}

/*
 * `daas sui enclave-config ...` and `daas sui enclaves` (argv[0] "sui", argv[1] the command).
 * Returns the exit code: 0, 1 (failure, one line on stderr) or 2 (usage).
 */
int daas_cmd_sui_enclave(int argc, char **argv)
{
    int skip = 1;
    const enc_cmd *cmd = find_cmd(argc, argv, &skip);
    if (cmd == NULL) {
        fprintf(stderr, "daas sui %s: unknown command (create, update, show)\n", argv[1]);
        for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
            fprintf(stderr, "  daas sui %s %s\n", cmds[i].name, cmds[i].usage);
        return 2;
    }
    enc_args a = {0};
    int prc = parse_args(argc - skip, argv + skip, &a);
    char name[64];
    snprintf(name, sizeof name, "sui %s", cmd->name);
    if (prc != 0)
        return daas_cmd_usage_exit(prc, name, cmd->usage);
    daas_err err = {0};
    int rc = cmd->run(&a, &err);
    return daas_cmd_exit(name, rc, &err);
}
