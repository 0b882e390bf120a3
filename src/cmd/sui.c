/*
 * sui.c: `daas sui <command>`: Sui keys, balance, faucet and stake in the daas package.
 *
 *   keygen | address | import | sign-personal      (local: keys and signatures)
 *   balance | faucet | stake | unstake | stake-info (on the chain given by --chain)
 *
 * Owns:   the flags and the output of these commands.
 * Invariants: every command prints its result on stdout and exits 0, or prints one line on
 *         stderr and exits 1 (failure) or 2 (usage); secret keys are printed only by keygen
 *         --print-secret and never logged.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cmd/cmd.h"
#include "common/alloc.h"
#include "common/util.h"
#include "sui/chain.h"
#include "sui/keyspec.h"
#include "sui/pkg.h"
#include "sui/ptb.h"
#include "sui/sui.h"

typedef struct sui_args {
    const char *key, *keystore, *chain, *package, *address, *alias, *scheme, *role;
    const char *amount, *message, *message_b64;
    bool all, print_secret;
    const char *positional;
} sui_args;

typedef struct sui_cmd {
    const char *name;
    const char *usage;
    int (*run)(const sui_args *a, daas_err *err);
} sui_cmd;

/* ---- helpers ---- */

static int need(const char *v, const char *flag, daas_err *err)
{
    return v ? DAAS_OK : daas_fail(err, DAAS_EINVAL, "missing %s", flag);
}

#define KEY_WHAT "--key (alias, address, key file or suiprivkey1...)"

static int load_key(const sui_args *a, daas_sui_key **k, daas_err *err)
{
    int rc = need(a->key, KEY_WHAT, err);
    return rc == DAAS_OK ? daas_sui_keyspec_resolve(a->key, a->keystore, k, err) : rc;
}

/* The address of --address, else of --key. */
static int target_address(const sui_args *a, uint8_t addr[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    if (a->address)
        return daas_sui_address_parse(a->address, addr, err);
    daas_sui_key *k = NULL;
    int rc = load_key(a, &k, err);
    if (rc == DAAS_OK)
        daas_sui_key_address(k, addr);
    daas_sui_key_free(&k);
    return rc;
}

static void print_mist(const char *label, uint64_t mist)
{
    printf("%s%llu.%09llu SUI (%llu MIST)\n", label, (unsigned long long)(mist / DAAS_SUI_MIST_PER_SUI),
           (unsigned long long)(mist % DAAS_SUI_MIST_PER_SUI), (unsigned long long)mist);
}

/* "10", "1.5" SUI, or "123mist" MIST, into MIST. */
static int parse_amount(const char *s, uint64_t *mist, daas_err *err)
{
    uint64_t whole = 0, frac = 0;
    int digits = 0, fdigits = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (whole > (UINT64_MAX - 9) / 10)
            return daas_fail(err, DAAS_EINVAL, "amount \"%s\" is too large", s);
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (strcmp(p, "mist") == 0 && digits > 0) {
        *mist = whole;
        return whole > 0 ? DAAS_OK : daas_fail(err, DAAS_EINVAL, "amount must be positive");
    }
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9' && fdigits < 9; p++, fdigits++)
            frac = frac * 10 + (uint64_t)(*p - '0');
    for (int i = fdigits; i < 9; i++)
        frac *= 10;
    if (*p != '\0' || digits + fdigits == 0)
        return daas_fail(err, DAAS_EINVAL,
                         "bad amount \"%s\": SUI as 10 or 1.5 (9 decimals), or MIST as 123mist", s);
    if (whole > (UINT64_MAX - frac) / DAAS_SUI_MIST_PER_SUI)
        return daas_fail(err, DAAS_EINVAL, "amount \"%s\" is too large", s);
    *mist = whole * DAAS_SUI_MIST_PER_SUI + frac;
    return *mist > 0 ? DAAS_OK : daas_fail(err, DAAS_EINVAL, "amount must be positive");
}

/* What a chain command works with: the chain, its client, the daas package (when asked)
 * and the signing key (when asked; checked first). */
typedef daas_cmd_chain session;

static int session_open(const sui_args *a, bool key, bool pkg, session *s, daas_err *err)
{
    return daas_cmd_chain_open_key(a->key, a->keystore, key ? KEY_WHAT : NULL, a->chain,
                                   a->package, pkg, s, err);
}

static void session_close(session *s)
{
    daas_cmd_chain_close(s);
}

static void print_result(const char *what, const daas_sui_exec_result *r)
{
    uint64_t gas = r->gas.computation + r->gas.storage - r->gas.rebate;
    printf("%s: transaction %s\n", what, r->digest);
    print_mist("gas used: ", r->gas.computation + r->gas.storage >= r->gas.rebate ? gas : 0);
}

/* ---- local commands ---- */

static int cmd_keygen(const sui_args *a, daas_err *err)
{
    static const char *const names[] = {"ed25519", "secp256k1", "secp256r1"};
    int scheme = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(a->scheme ? a->scheme : "ed25519", names[i]) == 0)
            scheme = i;
    if (scheme < 0)
        return daas_fail(err, DAAS_EINVAL, "bad --scheme \"%s\": ed25519, secp256k1 or secp256r1",
                         a->scheme);
    daas_sui_key *k = NULL;
    int rc = daas_sui_key_generate(scheme, &k, err);
    if (rc == DAAS_OK && !a->print_secret)
        rc = daas_sui_keystore_store_key(a->keystore, k, a->alias, err);
    if (rc == DAAS_OK) {
        uint8_t addr[DAAS_SUI_ADDRESS_LEN];
        char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1], priv[DAAS_SUI_PRIVKEY_STR_LEN + 1];
        daas_sui_key_address(k, addr);
        daas_sui_address_hex(addr, hex);
        printf("%s\n", hex);
        if (a->print_secret) {
            daas_sui_key_to_privkey(k, priv);
            printf("%s\n", priv);
            sodium_memzero(priv, sizeof priv);
        }
    }
    daas_sui_key_free(&k);
    return rc;
}

static int cmd_import(const sui_args *a, daas_err *err)
{
    daas_sui_key *k = NULL;
    int rc = need(a->positional, "the suiprivkey1... to import", err);
    if (rc == DAAS_OK)
        rc = daas_sui_key_from_privkey(a->positional, &k, err);
    if (rc == DAAS_OK)
        rc = daas_sui_keystore_store_key(a->keystore, k, a->alias, err);
    if (rc == DAAS_OK) {
        uint8_t addr[DAAS_SUI_ADDRESS_LEN];
        char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
        daas_sui_key_address(k, addr);
        daas_sui_address_hex(addr, hex);
        printf("%s\n", hex);
    }
    daas_sui_key_free(&k);
    return rc;
}

static int cmd_address(const sui_args *a, daas_err *err)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    int rc = target_address(a, addr, err);
    if (rc == DAAS_OK) {
        daas_sui_address_hex(addr, hex);
        printf("%s\n", hex);
    }
    return rc;
}

static int cmd_sign_personal(const sui_args *a, daas_err *err)
{
    daas_buf msg = {0};
    daas_sui_key *k = NULL;
    char *sig = NULL;
    int rc = a->message || a->message_b64
                 ? DAAS_OK
                 : daas_fail(err, DAAS_EINVAL, "missing --message TEXT or --message-b64 B64");
    if (rc == DAAS_OK && a->message_b64 &&
        daas_base64_decode(a->message_b64, strlen(a->message_b64), &msg) != DAAS_OK)
        rc = daas_fail(err, DAAS_EINVAL, "--message-b64 is not base64");
    if (rc == DAAS_OK && a->message && daas_buf_puts(&msg, a->message) != DAAS_OK)
        rc = daas_fail(err, DAAS_ETOOBIG, "message too long");
    if (rc == DAAS_OK)
        rc = load_key(a, &k, err);
    if (rc == DAAS_OK)
        rc = daas_sui_sign_personal_message(k, DAAS_BYTES(msg.data, msg.len), &sig, err);
    if (rc == DAAS_OK)
        printf("%s\n", sig);
    daas_free(sig);
    daas_sui_key_free(&k);
    daas_buf_fini(&msg);
    return rc;
}

/* ---- chain commands ---- */

static int cmd_balance(const sui_args *a, daas_err *err)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    session s = {0};
    daas_sui_coin *coins = NULL;
    size_t n = 0;
    int rc = target_address(a, addr, err);
    if (rc == DAAS_OK)
        rc = session_open(a, false, false, &s, err);
    if (rc == DAAS_OK)
        rc = daas_sui_get_coins(s.c, addr, DAAS_SUI_MAX_COINS_READ, &coins, &n, err);
    if (rc == DAAS_OK) {
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++)
            total += coins[i].balance;
        print_mist("balance: ", total);
        printf("coins: %zu\n", n);
    }
    daas_free(coins);
    session_close(&s);
    return rc;
}

static int cmd_faucet(const sui_args *a, daas_err *err)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_sui_chain chain;
    uint64_t got = 0;
    int rc = target_address(a, addr, err);
    if (rc == DAAS_OK)
        rc = daas_sui_chain_resolve(a->chain, a->package, &chain, err);
    if (rc == DAAS_OK)
        rc = daas_sui_chain_faucet(&chain, addr, &got, err);
    if (rc == DAAS_OK)
        print_mist("received: ", got);
    return rc;
}

static int cmd_stake(const sui_args *a, daas_err *err)
{
    session s = {0};
    daas_sui_exec_result r = {0};
    uint64_t mist = 0;
    int role = 0;
    int rc = need(a->role, "--role viewer|user|node|admin", err);
    if (rc == DAAS_OK)
        rc = daas_pkg_role_parse(a->role, &role, err);
    if (rc == DAAS_OK && role == DAAS_PKG_ROLE_NONE)
        rc = daas_fail(err, DAAS_EINVAL, "--role must be viewer, user, node or admin");
    if (rc == DAAS_OK)
        rc = need(a->amount, "--amount SUI", err);
    if (rc == DAAS_OK)
        rc = parse_amount(a->amount, &mist, err);
    if (rc == DAAS_OK)
        rc = session_open(a, true, true, &s, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_stake(s.c, s.k, &s.pkg, mist, role, &r, err);
    if (rc == DAAS_OK)
        print_result("staked", &r);
    daas_sui_exec_result_fini(&r);
    session_close(&s);
    return rc;
}

static int cmd_unstake(const sui_args *a, daas_err *err)
{
    session s = {0};
    daas_sui_exec_result r = {0};
    daas_pkg_stake_info st = {0};
    uint64_t mist = 0;
    int rc = a->all || a->amount ? DAAS_OK
                                 : daas_fail(err, DAAS_EINVAL, "missing --amount SUI or --all");
    if (rc == DAAS_OK && !a->all)
        rc = parse_amount(a->amount, &mist, err);
    if (rc == DAAS_OK)
        rc = session_open(a, true, true, &s, err);
    if (rc == DAAS_OK && a->all) {
        uint8_t addr[DAAS_SUI_ADDRESS_LEN];
        daas_sui_key_address(s.k, addr);
        rc = daas_pkg_stake_of(s.c, &s.pkg, addr, &st, err);
        if (rc == DAAS_OK && (!st.present || st.amount == 0))
            rc = daas_fail(err, DAAS_EINVAL, "nothing staked");
        mist = st.amount;
    }
    if (rc == DAAS_OK)
        rc = daas_pkg_unstake(s.c, s.k, &s.pkg, mist, &r, err);
    if (rc == DAAS_OK)
        print_result("unstaked", &r);
    daas_sui_exec_result_fini(&r);
    session_close(&s);
    return rc;
}

static int cmd_stake_info(const sui_args *a, daas_err *err)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    session s = {0};
    daas_pkg_params params;
    daas_pkg_stake_info st = {0};
    int rc = target_address(a, addr, err);
    if (rc == DAAS_OK)
        rc = session_open(a, false, true, &s, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_get_params(s.c, &s.pkg, &params, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_stake_of(s.c, &s.pkg, addr, &st, err);
    if (rc == DAAS_OK) {
        daas_sui_address_hex(addr, hex);
        printf("address: %s\n", hex);
        print_mist("staked: ", st.amount);
        printf("requested role: %s\n", st.present ? daas_pkg_role_name(st.role) : "none");
        printf("role: %s\n", daas_pkg_role_name(daas_pkg_role_of(&params, &st)));
        printf("locked until epoch: %llu\n", (unsigned long long)st.locked_until);
        printf("slashed: %s\n", st.slashed ? "yes" : "no");
        for (int r = 1; r <= 4; r++) {
            char label[32];
            snprintf(label, sizeof label, "%s threshold: ", daas_pkg_role_name(r));
            print_mist(label, params.thresholds[r - 1]);
        }
    }
    session_close(&s);
    return rc;
}

static const sui_cmd cmds[] = {
    {"keygen", "[--scheme ed25519|secp256k1|secp256r1] [--alias A] [--keystore F] [--print-secret]",
     cmd_keygen},
    {"import", "suiprivkey1... [--alias A] [--keystore F]", cmd_import},
    {"address", "--key K | --address 0x...", cmd_address},
    {"sign-personal", "--key K --message TEXT | --message-b64 B64", cmd_sign_personal},
    {"balance", "--key K | --address 0x... [--chain URL|FILE]", cmd_balance},
    {"faucet", "--key K | --address 0x... [--chain URL|FILE]", cmd_faucet},
    {"stake", "--key K --role viewer|user|node|admin --amount SUI [--chain C] [--package 0x...]",
     cmd_stake},
    {"unstake", "--key K --amount SUI | --all [--chain C] [--package 0x...]", cmd_unstake},
    {"stake-info", "--key K | --address 0x... [--chain C] [--package 0x...]", cmd_stake_info},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: daas sui <command> [options]\n\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  %-14s %s\n", cmds[i].name, cmds[i].usage);
    fprintf(f, "  %-14s %s\n", "enclave-config", "create|update|show (enclave PCRs)");
    fprintf(f, "  %-14s %s\n", "enclaves", "[--config 0x...] (registered scheduler enclaves)");
    fprintf(f, "\n--key is a keystore alias or address, a key file, or a suiprivkey1... string;\n"
               "the keystore is --keystore, $DAAS_KEYSTORE or ~/.sui/sui_config/sui.keystore.\n"
               "--chain is a GraphQL URL or a chain file (daas devnet writes one); default "
               "$DAAS_CHAIN.\n");
}

static int parse_args(int argc, char **argv, sui_args *a)
{
    static const struct option longopts[] = {
        {"key", required_argument, 0, 'k'},     {"keystore", required_argument, 0, 'K'},
        {"chain", required_argument, 0, 'c'},   {"package", required_argument, 0, 'p'},
        {"address", required_argument, 0, 'a'}, {"alias", required_argument, 0, 'A'},
        {"scheme", required_argument, 0, 's'},  {"role", required_argument, 0, 'r'},
        {"amount", required_argument, 0, 'm'},  {"message", required_argument, 0, 'M'},
        {"message-b64", required_argument, 0, 'B'}, {"all", no_argument, 0, 'L'},
        {"print-secret", no_argument, 0, 'S'},  {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char **slot[128] = {['k'] = &a->key,     ['K'] = &a->keystore, ['c'] = &a->chain,
                              ['p'] = &a->package, ['a'] = &a->address,  ['A'] = &a->alias,
                              ['s'] = &a->scheme,  ['r'] = &a->role,     ['m'] = &a->amount,
                              ['M'] = &a->message, ['B'] = &a->message_b64};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c > 0 && c < 128 && slot[c] != NULL)
            *slot[c] = optarg;
        else if (c == 'L')
            a->all = true;
        else if (c == 'S')
            a->print_secret = true;
        else if (c == 'h')
            return 1;
        else
            return 2;
    }
    if (optind < argc)
        a->positional = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "daas sui: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    return 0;
}

int daas_cmd_sui_enclave(int argc, char **argv); /* sui_enclave.c */

int daas_cmd_sui(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "enclave-config") == 0 || strcmp(argv[1], "enclaves") == 0)
        return daas_cmd_sui_enclave(argc, argv);
    const sui_cmd *cmd = NULL;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            cmd = &cmds[i];
    if (cmd == NULL) {
        fprintf(stderr, "daas sui: unknown command \"%s\" (see daas sui help)\n", argv[1]);
        return 2;
    }
    sui_args a = {0};
    int prc = parse_args(argc - 1, argv + 1, &a);
    char name[64];
    snprintf(name, sizeof name, "sui %s", cmd->name);
    if (prc != 0)
        return daas_cmd_usage_exit(prc, name, cmd->usage);
    daas_err err = {0};
    int rc = cmd->run(&a, &err);
    return daas_cmd_exit(name, rc, &err);
}
