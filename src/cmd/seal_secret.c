/*
 * seal_secret.c: `daas seal create-secret` and `daas seal get-secret`: Secrets sealed on the
 * client, so that even the API server never sees their plaintext, and opened locally by a
 * user the cluster's DecryptionPolicy allows.
 *
 * Owns:   the flags and output of these two commands:
 *   create-secret NAME [-n NS] [--type T] (--from-literal K=V | --from-file K=PATH)...
 *                 [--seal-config FILE]      → the sealed Secret as JSON on stdout, for
 *                                             `kubectl apply -f -`
 *   get-secret [--in FILE] --key KEY [--chain C] [--package 0x…] [--seal-config FILE]
 *              [--value KEY]                → the opened Secret (JSON) or one decoded value
 * Not:    sealing (seal/kube.h), opening (seal/open.h).
 * Invariants: the result on stdout and exit 0, or one line on stderr and exit 1 (failure) or
 *         2 (usage); plaintext goes to stdout only; --seal-config defaults to
 *         $DAAS_SEAL_CONFIG.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/alloc.h"
#include "common/util.h"
#include "seal/config.h"
#include "seal/kube.h"
#include "seal/open.h"

#define MAX_INPUT ((size_t)4 << 20)
#define MAX_ITEMS 64

typedef struct secret_args {
    const char *name, *ns, *type, *seal_config, *in, *value;
    const char *key, *keystore, *chain, *package;
    const char *items[MAX_ITEMS]; /* "KEY=VALUE" or "KEY=PATH" */
    bool from_file[MAX_ITEMS];
    size_t nitems;
} secret_args;

static const char create_usage[] =
    "create-secret NAME [-n NS] [--type TYPE] (--from-literal KEY=VALUE | --from-file "
    "KEY=PATH)... [--seal-config FILE]";
static const char get_usage[] =
    "get-secret [--in FILE|-] --key KEY [--keystore FILE] [--chain URL|FILE] [--package 0x…] "
    "[--seal-config FILE] [--value KEY]";

static int parse(int argc, char **argv, secret_args *a)
{
    static const struct option longopts[] = {
        {"namespace", required_argument, 0, 'n'}, {"type", required_argument, 0, 't'},
        {"from-literal", required_argument, 0, 'l'}, {"from-file", required_argument, 0, 'f'},
        {"seal-config", required_argument, 0, 's'}, {"in", required_argument, 0, 'i'},
        {"value", required_argument, 0, 'v'}, {"key", required_argument, 0, 'k'},
        {"keystore", required_argument, 0, 'K'}, {"chain", required_argument, 0, 'c'},
        {"package", required_argument, 0, 'p'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': a->ns = optarg; break;
        case 't': a->type = optarg; break;
        case 's': a->seal_config = optarg; break;
        case 'i': a->in = optarg; break;
        case 'v': a->value = optarg; break;
        case 'k': a->key = optarg; break;
        case 'K': a->keystore = optarg; break;
        case 'c': a->chain = optarg; break;
        case 'p': a->package = optarg; break;
        case 'l':
        case 'f':
            if (a->nitems == MAX_ITEMS) {
                fprintf(stderr, "daas seal: at most %d values\n", MAX_ITEMS);
                return 2;
            }
            a->from_file[a->nitems] = c == 'f';
            a->items[a->nitems++] = optarg;
            break;
        case 'h': return 1;
        default: return 2;
        }
    }
    if (optind < argc)
        a->name = argv[optind++];
    return optind == argc ? 0 : 2;
}

static int load_config(const char *path, daas_seal_config *cfg, daas_err *err)
{
    if (!path)
        path = getenv("DAAS_SEAL_CONFIG");
    if (!path)
        return daas_fail(err, DAAS_EINVAL, "no Seal configuration: pass --seal-config FILE or "
                                           "set DAAS_SEAL_CONFIG (daas server --dev writes "
                                           "DATA_DIR/seal/seal.json)");
    return daas_seal_config_load(path, cfg, err);
}

/* Reads all of fd (at most MAX_INPUT bytes). */
static int read_all(FILE *f, const char *what, daas_buf *out, daas_err *err)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (daas_buf_append(out, chunk, n) != DAAS_OK)
            return daas_fail(err, DAAS_ETOOBIG, "%s: larger than %zu bytes", what, MAX_INPUT);
    if (ferror(f))
        return daas_fail(err, DAAS_EIO, "cannot read %s", what);
    return DAAS_OK;
}

/* One --from-literal/--from-file item into data (base64). */
static int add_item(const char *s, bool file, json_t *data, daas_err *err)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s)
        return daas_fail(err, DAAS_EINVAL, "bad --from-%s \"%.60s\": want KEY=%s",
                         file ? "file" : "literal", s, file ? "PATH" : "VALUE");
    char *key = daas_xstrndup(s, (size_t)(eq - s));
    daas_buf v;
    daas_buf_init(&v, MAX_INPUT);
    int rc = DAAS_OK;
    if (file) {
        FILE *f = fopen(eq + 1, "rb");
        rc = f ? read_all(f, eq + 1, &v, err)
               : daas_fail(err, DAAS_ENOTFOUND, "cannot open %s", eq + 1);
        if (f)
            fclose(f);
    } else {
        rc = daas_buf_puts(&v, eq + 1);
    }
    if (rc == DAAS_OK && json_object_get(data, key))
        rc = daas_fail(err, DAAS_EINVAL, "key \"%s\" given twice", key);
    if (rc == DAAS_OK) {
        char *b64 = daas_base64_encode(v.data, v.len);
        json_object_set_new(data, key, json_string(b64));
        daas_seal_wipe(b64, strlen(b64));
        daas_free(b64);
    }
    daas_seal_wipe(v.data, v.cap);
    daas_buf_fini(&v);
    daas_free(key);
    return rc;
}

static int print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!s)
        return DAAS_EINTERNAL;
    puts(s);
    free(s); /* jansson's allocator */
    return DAAS_OK;
}

static int create_secret(const secret_args *a, daas_err *err)
{
    if (!a->name || a->nitems == 0)
        return daas_fail(err, DAAS_EINVAL, "a name and at least one --from-literal or "
                                           "--from-file are needed");
    daas_seal_config cfg;
    int rc = load_config(a->seal_config, &cfg, err);
    if (rc != DAAS_OK)
        return rc;
    json_t *data = json_object();
    json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:O}", "apiVersion", "v1", "kind",
                          "Secret", "metadata", "name", a->name, "namespace",
                          a->ns ? a->ns : "default", "type", a->type ? a->type : "Opaque",
                          "data", data);
    for (size_t i = 0; rc == DAAS_OK && i < a->nitems; i++)
        rc = add_item(a->items[i], a->from_file[i], json_object_get(o, "data"), err);
    if (rc == DAAS_OK)
        rc = daas_seal_kube_seal(&cfg.cluster, o, err);
    if (rc == DAAS_OK)
        rc = print_json(o);
    json_decref(data);
    json_decref(o);
    return rc;
}

/* The one value --value names, decoded, on stdout. */
static int print_value(json_t *o, const char *key, daas_err *err)
{
    const char *v = json_string_value(json_object_get(json_object_get(o, "data"), key));
    if (!v)
        return daas_fail(err, DAAS_ENOTFOUND, "the Secret has no key \"%s\"", key);
    daas_buf raw = {0};
    int rc = daas_base64_decode(v, strlen(v), &raw);
    if (rc == DAAS_OK && fwrite(raw.data ? raw.data : "", 1, raw.len, stdout) != raw.len)
        rc = daas_fail(err, DAAS_EIO, "cannot write the value");
    else if (rc != DAAS_OK)
        rc = daas_fail(err, DAAS_EINVAL, "data[%s] is not base64", key);
    daas_seal_wipe(raw.data, raw.cap);
    daas_buf_fini(&raw);
    return rc;
}

static int get_secret(const secret_args *a, daas_err *err)
{
    daas_seal_config cfg;
    daas_cmd_chain ch = {0};
    daas_seal_opener *op = NULL;
    daas_buf in;
    daas_buf_init(&in, MAX_INPUT);
    json_t *o = NULL;
    int rc = load_config(a->seal_config, &cfg, err);
    FILE *f = !a->in || strcmp(a->in, "-") == 0 ? stdin : fopen(a->in, "rb");
    if (rc == DAAS_OK)
        rc = f ? read_all(f, a->in ? a->in : "stdin", &in, err)
               : daas_fail(err, DAAS_ENOTFOUND, "cannot open %s", a->in);
    if (f && f != stdin)
        fclose(f);
    if (rc == DAAS_OK && !(o = json_loadb(in.data ? in.data : "", in.len, 0, NULL)))
        rc = daas_fail(err, DAAS_EINVAL, "the input is not JSON (use kubectl get secret NAME "
                                         "-o json)");
    if (rc == DAAS_OK)
        rc = daas_cmd_chain_open_key(a->key, a->keystore, "--key (the reader's Sui key)",
                                     a->chain, a->package, true, &ch, err);
    if (rc == DAAS_OK)
        rc = daas_seal_opener_new(ch.k, ch.c, &ch.pkg, &cfg, &op, err);
    if (rc == DAAS_OK)
        rc = daas_seal_open_kube(op, o, err);
    if (rc == DAAS_OK)
        rc = a->value ? print_value(o, a->value, err) : print_json(o);
    daas_seal_opener_free(&op);
    daas_cmd_chain_close(&ch);
    json_decref(o);
    daas_buf_fini(&in);
    return rc;
}

int daas_cmd_seal_secret(int argc, char **argv)
{
    bool create = strcmp(argv[0], "create-secret") == 0;
    const char *name = create ? "seal create-secret" : "seal get-secret";
    secret_args a = {0};
    int prc = parse(argc, argv, &a);
    if (prc == 0 && !create && a.name)
        prc = 2; /* get-secret takes no operand */
    if (prc != 0)
        return daas_cmd_usage_exit(prc, "seal", create ? create_usage : get_usage);
    daas_err err = {0};
    int rc = create ? create_secret(&a, &err) : get_secret(&a, &err);
    return daas_cmd_exit(name, rc, &err);
}
