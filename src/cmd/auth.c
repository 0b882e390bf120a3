/*
 * auth.c: `daas auth token`, the kubectl exec credential plugin: signs a short-lived
 * wallet token with the user's Sui key and prints it as an ExecCredential.
 *
 * Owns:   the command's flags and its output (client.authentication.k8s.io/v1).
 * Not:    the token format (sui/token.c), finding the key (sui/keyspec.c), checking tokens
 *         (api/authn_sui.c).
 * Invariants:
 *   - no network and no prompt: kubectl runs this before every command, often twice;
 *   - stdout holds the ExecCredential only; every failure is one line on stderr, exit 2 for
 *     bad usage, 1 when the key cannot be used;
 *   - the token lives at most 15 minutes (the server refuses longer ones), and
 *     expirationTimestamp is a little before the token's expiry, so client-go fetches a new
 *     token before the server would reject the old one.
 * Spec:   specs/kube-api.md §8.2 (exec plugins), ARCHITECTURE.md §3.1.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "sui/keyspec.h"
#include "sui/token.h"

#define TTL_DEFAULT_MS (5 * 60 * 1000)
#define TTL_MIN_MS (10 * 1000)
#define TTL_MAX_MS (15 * 60 * 1000)
#define EARLY_MAX_MS (30 * 1000) /* expirationTimestamp is this much (or ttl/5) early */

typedef struct auth_opts {
    const char *key;
    const char *keystore;
    const char *cluster_id;
    int64_t ttl_ms;
} auth_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: daas auth token --key KEY --cluster-id ID [--keystore PATH] [--ttl 5m]\n\n"
            "Prints a kubectl ExecCredential holding a token signed with a Sui key.\n\n"
            "  --key KEY         a suiprivkey1... key, a file holding one (or a Sui keystore\n"
            "                    with one key), or an alias or 0x address in the keystore\n"
            "  --keystore PATH   the keystore for aliases and addresses (default\n"
            "                    $DAAS_KEYSTORE, else ~/.sui/sui_config/sui.keystore)\n"
            "  --cluster-id ID   the cluster the token is for (the server's --cluster-id)\n"
            "  --ttl DURATION    token lifetime, 10s to 15m (default 5m)\n");
}

/* "90s", "5m", "1m30s", "1h": Go duration syntax restricted to h, m, s. -1 when malformed. */
static int64_t parse_duration_ms(const char *s)
{
    int64_t total = 0;
    if (*s == '\0')
        return -1;
    while (*s != '\0') {
        int64_t v = 0;
        int digits = 0;
        for (; *s >= '0' && *s <= '9'; s++, digits++) {
            if (digits == 9)
                return -1;
            v = v * 10 + (*s - '0');
        }
        int64_t unit = *s == 'h' ? 3600000 : *s == 'm' ? 60000 : *s == 's' ? 1000 : 0;
        if (digits == 0 || unit == 0)
            return -1;
        s++;
        total += v * unit;
    }
    return total;
}

/* Returns 0 when the flags are complete, else the exit code (after one line on stderr). */
static int parse_flags(int argc, char **argv, auth_opts *o)
{
    static const struct option longopts[] = {{"key", required_argument, 0, 'k'},
                                             {"keystore", required_argument, 0, 's'},
                                             {"cluster-id", required_argument, 0, 'c'},
                                             {"ttl", required_argument, 0, 't'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (c == 'k')
            o->key = optarg;
        else if (c == 's')
            o->keystore = optarg;
        else if (c == 'c')
            o->cluster_id = optarg;
        else if (c == 't' && (o->ttl_ms = parse_duration_ms(optarg)) < 0) {
            fprintf(stderr, "daas auth token: bad --ttl \"%s\" (want a duration like 5m)\n",
                    optarg);
            return 2;
        } else if (c == 'h') {
            usage(stdout);
            return -1;
        } else if (c == ':') {
            fprintf(stderr, "daas auth token: flag %s needs a value\n", argv[optind - 1]);
            return 2;
        } else if (c == '?') {
            fprintf(stderr, "daas auth token: unknown flag \"%s\" (see daas auth token --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "daas auth token: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    return 0;
}

/* Checks what the flags say; 0 or the exit code (after one line on stderr). */
static int check_opts(const auth_opts *o)
{
    if (o->key == NULL || o->key[0] == '\0') {
        fprintf(stderr, "daas auth token: --key is required (a suiprivkey1... key, a key file, "
                        "or a keystore alias or address)\n");
        return 2;
    }
    if (o->cluster_id == NULL) {
        fprintf(stderr, "daas auth token: --cluster-id is required\n");
        return 2;
    }
    if (!daas_sui_token_cluster_id_ok(o->cluster_id)) {
        fprintf(stderr, "daas auth token: --cluster-id must be 1 to 64 characters of A-Z a-z "
                        "0-9 . _ -\n");
        return 2;
    }
    if (o->ttl_ms < TTL_MIN_MS || o->ttl_ms > TTL_MAX_MS) {
        fprintf(stderr, "daas auth token: --ttl must be between 10s and 15m (the server "
                        "refuses tokens that live longer than 15 minutes)\n");
        return 2;
    }
    return 0;
}

static int cmd_token(int argc, char **argv)
{
    auth_opts o = {.ttl_ms = TTL_DEFAULT_MS};
    daas_sui_key *k = NULL;
    daas_err err = {0};
    char *tok = NULL;
    int64_t expiry = 0;

    int rc = parse_flags(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if ((rc = check_opts(&o)) != 0)
        return rc;
    if (daas_sui_keyspec_resolve(o.key, o.keystore, &k, &err) != DAAS_OK ||
        daas_sui_token_make(k, o.cluster_id, daas_now_ms(), o.ttl_ms, &tok, &expiry, &err) !=
            DAAS_OK) {
        fprintf(stderr, "daas auth token: %s\n", err.msg[0] ? err.msg : daas_err_text(err.code));
        daas_sui_key_free(&k);
        return 1;
    }
    int64_t early = o.ttl_ms / 5 < EARLY_MAX_MS ? o.ttl_ms / 5 : EARLY_MAX_MS;
    char ts[32];
    daas_time_rfc3339((expiry - early) / 1000, ts, sizeof ts);
    /* The token is prefix, base64url and '.', the time digits and punctuation: nothing in
     * either needs JSON escaping. */
    printf("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
           "\"status\":{\"token\":\"%s\",\"expirationTimestamp\":\"%s\"}}\n",
           tok, ts);
    int out = fflush(stdout) == 0 ? 0 : 1;
    daas_free(tok);
    daas_sui_key_free(&k);
    return out;
}

int daas_cmd_auth(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "token") == 0)
        return cmd_token(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 2)
        fprintf(stderr, "daas auth: missing sub-command (daas auth token --help)\n");
    else
        fprintf(stderr, "daas auth: unknown sub-command \"%s\" (daas auth token --help)\n",
                argv[1]);
    return 2;
}
