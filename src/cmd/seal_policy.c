/*
 * seal_policy.c: `daas seal policy create|show|request-access`: the daas package's Seal
 * decryption policies (move/README.md `secret_policy`) on the chain given by --chain (or
 * $DAAS_CHAIN).
 *
 * Owns:   the flags and the output of these commands; the parsing of their times (RFC 3339 or
 *         milliseconds since the epoch) and durations ("90s", "10m", "1h30m", "2d", "500ms",
 *         or bare milliseconds).
 * Not:    the transactions and object reads (sui/pkg_seal.h); keys and chain files
 *         (sui/keyspec.h, sui/chain.h).
 * Invariants: the result on stdout and exit 0 (create: the policy id; request-access: the
 *         ticket id; show: one JSON document), or one line on stderr and exit 1 (failure) or
 *         2 (usage).
 */
#include <ctype.h>
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
#include "sui/pkg_seal.h"
#include "sui/sui.h"

#define MAX_U64_DIGITS 20

typedef struct pol_args {
    const char *key, *keystore, *chain, *package;
    const char *stake, *not_before, *not_after, *max_uses, *ttl;
    const char *allow[DAAS_PKG_POLICY_MAX_NODES + 1];
    size_t nallow;
    const char *id; /* show, request-access: the policy */
    /* checked before any chain traffic (a bad value is a usage error, exit 2): */
    daas_pkg_policy_params params;      /* create */
    uint8_t policy[DAAS_SUI_ADDRESS_LEN]; /* show, request-access: id parsed */
} pol_args;

typedef struct pol_cmd {
    const char *name; /* "create" */
    const char *usage;
    bool needs_id; /* takes the policy id as its one operand */
    int (*run)(const pol_args *a, daas_err *err);
} pol_cmd;

/* ---- arguments ---- */

/* Decimal digits only (no sign, no spaces), at most 20, no overflow. */
static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t n = strlen(s);
    if (n == 0 || n > MAX_U64_DIGITS)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

static int flag_u64(const char *flag, const char *s, uint64_t *out, daas_err *err)
{
    if (s == NULL) {
        *out = 0;
        return DAAS_OK;
    }
    if (!parse_u64(s, out))
        return daas_fail(err, DAAS_EINVAL, "bad %s \"%.40s\": want a decimal number", flag, s);
    return DAAS_OK;
}

/* RFC 3339 or milliseconds since the epoch; absent: 0. */
static int flag_time(const char *flag, const char *s, uint64_t *ms, daas_err *err)
{
    int64_t sec;
    *ms = 0;
    if (s == NULL || parse_u64(s, ms))
        return DAAS_OK;
    if (daas_time_parse(s, &sec) != DAAS_OK || sec < 0)
        return daas_fail(err, DAAS_EINVAL,
                         "bad %s \"%.40s\": want RFC 3339 (2026-11-21T12:00:00Z) or ms", flag, s);
    *ms = (uint64_t)sec * 1000;
    return DAAS_OK;
}

/* The milliseconds of one unit ("ms", "s", "m", "h", "d"), or 0. */
static uint64_t unit_ms(const char *u, size_t n)
{
    static const struct {
        const char *u;
        uint64_t ms;
    } U[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    for (size_t i = 0; i < sizeof U / sizeof U[0]; i++)
        if (strlen(U[i].u) == n && strncmp(u, U[i].u, n) == 0)
            return U[i].ms;
    return 0;
}

/* "1h30m", "90s", "500ms", "2d" or bare milliseconds. */
static bool parse_duration(const char *s, uint64_t *ms)
{
    uint64_t total = 0;
    if (parse_u64(s, ms))
        return true;
    while (*s != '\0') {
        size_t nd = strspn(s, "0123456789"), nu = strcspn(s + nd, "0123456789");
        char num[MAX_U64_DIGITS + 1];
        uint64_t v, unit = unit_ms(s + nd, nu);
        if (nd == 0 || nd > MAX_U64_DIGITS || unit == 0)
            return false;
        memcpy(num, s, nd);
        num[nd] = '\0';
        if (!parse_u64(num, &v) || v > (UINT64_MAX - total) / unit)
            return false;
        total += v * unit;
        s += nd + nu;
    }
    *ms = total;
    return true;
}

/* The parameters of create from the flags. */
static int parse_params(const pol_args *a, daas_pkg_policy_params *p, daas_err *err)
{
    int rc = DAAS_OK;
    memset(p, 0, sizeof *p);
    if (a->ttl == NULL || !parse_duration(a->ttl, &p->ticket_ttl_ms))
        return daas_fail(err, DAAS_EINVAL, "%s --ticket-ttl: want a duration (10m, 1h, 2d)",
                         a->ttl ? "bad" : "missing");
    if (a->nallow > DAAS_PKG_POLICY_MAX_NODES)
        return daas_fail(err, DAAS_EINVAL, "at most %d --allow", DAAS_PKG_POLICY_MAX_NODES);
    for (size_t i = 0; rc == DAAS_OK && i < a->nallow; i++)
        rc = daas_sui_address_parse(a->allow[i], p->allowed[i], err);
    p->nallowed = a->nallow;
    if (rc == DAAS_OK)
        rc = flag_u64("--required-stake", a->stake, &p->required_stake, err);
    if (rc == DAAS_OK)
        rc = flag_u64("--max-uses", a->max_uses, &p->max_uses, err);
    if (rc == DAAS_OK)
        rc = flag_time("--not-before", a->not_before, &p->not_before_ms, err);
    if (rc == DAAS_OK)
        rc = flag_time("--not-after", a->not_after, &p->not_after_ms, err);
    return rc;
}

/* ---- commands ---- */

static int session_open(const pol_args *a, bool key, daas_cmd_chain *s, daas_err *err)
{
    return daas_cmd_chain_open_key(a->key, a->keystore, key ? "--key" : NULL, a->chain,
                                   a->package, true, s, err);
}

static void print_id(const uint8_t id[DAAS_SUI_ADDRESS_LEN])
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(id, hex);
    printf("%s\n", hex);
}

/* The operand and flag values, checked before any chain traffic. */
static int check_args(const pol_cmd *cmd, pol_args *a, daas_err *err)
{
    if (cmd->needs_id)
        return daas_sui_address_parse(a->id, a->policy, err);
    return parse_params(a, &a->params, err);
}

static int cmd_create(const pol_args *a, daas_err *err)
{
    daas_cmd_chain s;
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    int rc = session_open(a, true, &s, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_policy_create(s.c, s.k, &s.pkg, &a->params, id, err);
    if (rc == DAAS_OK)
        print_id(id);
    daas_cmd_chain_close(&s);
    return rc;
}

static json_t *json_u64(uint64_t v)
{
    char s[MAX_U64_DIGITS + 1];
    snprintf(s, sizeof s, "%llu", (unsigned long long)v);
    return json_string(s);
}

static json_t *json_addr(const uint8_t a[DAAS_SUI_ADDRESS_LEN])
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(a, hex);
    return json_string(hex);
}

/* The policy as one JSON document (u64 as decimal strings, as Sui renders them). */
static json_t *policy_json(const daas_pkg_policy *pol)
{
    const daas_pkg_policy_params *p = &pol->params;
    json_t *nodes = json_array();
    for (size_t i = 0; i < p->nallowed; i++)
        json_array_append_new(nodes, json_addr(p->allowed[i]));
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", json_addr(pol->id),
                     "initial_shared_version", json_u64(pol->isv), "admin",
                     json_addr(pol->admin), "required_stake", json_u64(p->required_stake),
                     "allowed_nodes", nodes, "not_before_ms", json_u64(p->not_before_ms),
                     "not_after_ms", json_u64(p->not_after_ms), "max_uses",
                     json_u64(p->max_uses), "uses", json_u64(pol->uses), "ticket_ttl_ms",
                     json_u64(p->ticket_ttl_ms));
}

static int cmd_show(const pol_args *a, daas_err *err)
{
    daas_cmd_chain s;
    daas_pkg_policy pol;
    int rc = session_open(a, false, &s, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_policy_get(s.c, &s.pkg, a->policy, &pol, err);
    if (rc == DAAS_OK) {
        json_t *j = policy_json(&pol);
        char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", text ? text : "{}");
        free(text); /* jansson's allocation */
        json_decref(j);
    }
    daas_cmd_chain_close(&s);
    return rc;
}

static int cmd_request_access(const pol_args *a, daas_err *err)
{
    daas_cmd_chain s;
    uint8_t ticket[DAAS_SUI_ADDRESS_LEN];
    int rc = session_open(a, true, &s, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_policy_request_access(s.c, s.k, &s.pkg, a->policy, ticket, err);
    if (rc == DAAS_OK)
        print_id(ticket);
    daas_cmd_chain_close(&s);
    return rc;
}

#define CHAIN_FLAGS "[--chain URL|FILE] [--package 0x...]"

static const pol_cmd cmds[] = {
    {"create",
     "--key KEY [--required-stake MIST] [--allow ADDR]... [--not-before RFC3339|MS] "
     "[--not-after RFC3339|MS] [--max-uses N] --ticket-ttl DURATION " CHAIN_FLAGS,
     false, cmd_create},
    {"show", "ID " CHAIN_FLAGS, true, cmd_show},
    {"request-access", "ID --key KEY " CHAIN_FLAGS, true, cmd_request_access},
};

/* One flag's value into a (--allow accumulates). 0, or 2 past the --allow limit. */
static int take_flag(int c, const char *v, pol_args *a)
{
    const char **slot[128] = {['k'] = &a->key,        ['K'] = &a->keystore,
                              ['c'] = &a->chain,      ['p'] = &a->package,
                              ['s'] = &a->stake,      ['b'] = &a->not_before,
                              ['e'] = &a->not_after,  ['u'] = &a->max_uses,
                              ['t'] = &a->ttl};
    if (c == 'a') {
        if (a->nallow > DAAS_PKG_POLICY_MAX_NODES)
            return 2;
        a->allow[a->nallow++] = v;
        return 0;
    }
    if (c <= 0 || c >= 128 || slot[c] == NULL)
        return 2;
    *slot[c] = v;
    return 0;
}

/* 0, 1 (--help), 2 (usage error) or 3 (usage error already reported in one line). */
static int parse_args(int argc, char **argv, const pol_cmd *cmd, pol_args *a)
{
    static const struct option longopts[] = {
        {"key", required_argument, 0, 'k'},        {"keystore", required_argument, 0, 'K'},
        {"chain", required_argument, 0, 'c'},      {"package", required_argument, 0, 'p'},
        {"required-stake", required_argument, 0, 's'}, {"allow", required_argument, 0, 'a'},
        {"not-before", required_argument, 0, 'b'}, {"not-after", required_argument, 0, 'e'},
        {"max-uses", required_argument, 0, 'u'},   {"ticket-ttl", required_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0; /* one line of our own instead of getopt's */
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h')
            return 1;
        if (take_flag(c, optarg, a) != 0) {
            fprintf(stderr, "daas seal policy %s: bad option \"%s\" (see --help)\n", cmd->name,
                    argv[optind - 1]);
            return 3;
        }
    }
    if (cmd->needs_id && optind < argc)
        a->id = argv[optind++];
    if (cmd->needs_id && a->id == NULL) {
        fprintf(stderr, "daas seal policy %s: missing the policy id\n", cmd->name);
        return 3;
    }
    if (optind < argc) {
        fprintf(stderr, "daas seal policy %s: unexpected argument \"%s\"\n", cmd->name,
                argv[optind]);
        return 3;
    }
    return 0;
}

static void list_cmds(FILE *f)
{
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  daas seal policy %s %s\n", cmds[i].name, cmds[i].usage);
}

/*
 * `daas seal policy <command> ...` (argv[0] "policy", argv[1] the command). Returns the exit
 * code: 0, 1 (failure, one line on stderr) or 2 (usage).
 */
int daas_cmd_seal_policy(int argc, char **argv)
{
    const pol_cmd *cmd = NULL;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: daas seal policy <command>\n");
        list_cmds(stdout);
        return 0;
    }
    for (size_t i = 0; argc >= 2 && i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            cmd = &cmds[i];
    if (cmd == NULL) {
        fprintf(stderr, "daas seal policy: unknown command%s%s (create, show, request-access)\n",
                argc >= 2 ? " " : "", argc >= 2 ? argv[1] : "");
        return 2;
    }
    pol_args a;
    memset(&a, 0, sizeof a);
    char name[64];
    snprintf(name, sizeof name, "seal policy %s", cmd->name);
    int prc = parse_args(argc - 1, argv + 1, cmd, &a);
    if (prc == 3)
        return 2;
    if (prc != 0)
        return daas_cmd_usage_exit(prc, name, cmd->usage);
    daas_err err = {0};
    if (check_args(cmd, &a, &err) != DAAS_OK) {
        fprintf(stderr, "daas %s: %s\n", name, err.msg);
        return 2;
    }
    int rc = cmd->run(&a, &err);
    return daas_cmd_exit(name, rc, &err);
}
