/*
 * seal.c: `daas seal <sub>`: seal and open data with Seal from the command line, and the key
 *         material of a key server (genkey, public-key, derive-key), like Mysten's seal-cli.
 *
 * Owns:   the sub-command table, the flags, reading stdin / --in (capped at 64 MiB), the
 *         binary / hex output, the master-key and DEM-key files (mode 0600), the JSON of
 *         `parse`. `policy` is seal_policy.c's, create-secret/get-secret seal_secret.c's.
 * Not:    any cryptography or the EncryptedObject format (seal/seal.h).
 * Invariants:
 *   - exit 0: done; 1: failure, with one line "daas seal <sub>: <message>" on stderr and
 *     nothing on stdout; 2: bad usage (one line);
 *   - no key is ever printed unless asked: genkey --print, derive-key (its output is the key),
 *     encrypt --dem-key-out FILE; master keys, DEM keys and plaintext are wiped after use;
 *   - decrypt verifies every derived key against its server's public key and the object's
 *     identity before using it, and runs the share-consistency check whenever the
 *     --key-server list covers every service of the object;
 *   - object ids and package ids are exactly 32 bytes (64 hex digits, optional 0x).
 * Spec:   ../shared/specs/seal.md §2 (object), §3 (encryption), §4 (decryption), §5 (keys).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "seal/seal.h"

#define MAX_INPUT ((size_t)64 << 20) /* plaintext or object read from stdin / --in */
#define MAX_KEYFILE 4096             /* a master-key file: hex and whitespace */

/* Everything the sub-commands take; which flags a sub-command accepts is its table row's. */
typedef struct sopts {
    const char *sub;                                  /* "encrypt", ... */
    uint8_t package_id[DAAS_SEAL_ADDR_LEN];
    bool has_package;
    uint8_t *id;                                      /* --id bytes (owned) */
    size_t id_len;
    bool has_id;
    uint8_t *aad;                                     /* --aad bytes (owned) */
    size_t aad_len;
    bool has_aad;
    int threshold;                                    /* 0: not given */
    daas_seal_dem dem;
    daas_seal_server servers[DAAS_SEAL_MAX_SERVICES]; /* --key-server, in order */
    size_t nservers;
    daas_seal_derived keys[DAAS_SEAL_MAX_SERVICES];   /* --derived-key */
    size_t nkeys;
    bool hex, print;
    const char *in, *out, *dem_key_out, *msk_file, *msk_hex;
} sopts;

typedef struct seal_sub {
    const char *name;
    const char *flags;   /* getopt letters of the flags it accepts */
    const char *usage;   /* after "daas seal <name> " */
    const char *summary;
    int (*run)(sopts *o, daas_err *err);
} seal_sub;

/* ---- small helpers ---- */

static const char *skip0x(const char *s)
{
    return (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? s + 2 : s;
}

/* Exactly n bytes of hex (optional 0x prefix). */
static bool hex_fixed(const char *s, uint8_t *out, size_t n)
{
    s = skip0x(s);
    return strlen(s) == 2 * n && daas_hex_decode(s, n, out);
}

/* Any even number of hex digits (optional 0x), at most max bytes, into *out (owned). */
static bool hex_var(const char *s, size_t max, uint8_t **out, size_t *len)
{
    s = skip0x(s);
    size_t n = strlen(s);
    if (n % 2 != 0 || n / 2 > max)
        return false;
    uint8_t *p = daas_xmalloc(n / 2 + 1);
    if (!daas_hex_decode(s, n / 2, p)) {
        daas_free(p);
        return false;
    }
    daas_free(*out);
    *out = p;
    *len = n / 2;
    return true;
}

/* Writes p as hex and a newline to fd, in chunks. 0 or an errno. */
static int write_hex(int fd, const uint8_t *p, size_t n)
{
    char chunk[8193];
    int e = 0;
    for (size_t off = 0; e == 0 && off < n; off += 4096) {
        size_t k = n - off < 4096 ? n - off : 4096;
        daas_hex_encode(p + off, k, chunk);
        e = daas_write_all(fd, chunk, 2 * k);
    }
    if (e == 0)
        e = daas_write_all(fd, "\n", 1);
    daas_seal_wipe(chunk, sizeof chunk);
    return e;
}

/* Reads fd to the end into a buffer it grows itself so that every old block is wiped
 * (the input may be plaintext). DAAS_ETOOBIG past max, DAAS_EIO on a read error. */
static int read_all(int fd, const char *what, size_t max, uint8_t **out, size_t *len,
                    daas_err *err)
{
    size_t cap = 65536, n = 0;
    uint8_t *p = daas_xmalloc(cap);
    int rc = DAAS_OK;
    for (;;) {
        if (n == cap) {
            uint8_t *q = daas_xmalloc(cap * 2);
            memcpy(q, p, n);
            daas_seal_wipe(p, cap);
            daas_free(p);
            p = q;
            cap *= 2;
        }
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = daas_fail(err, DAAS_EIO, "reading %s: %s", what, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            rc = daas_fail(err, DAAS_ETOOBIG, "%s is larger than %zu MiB", what, max >> 20);
            break;
        }
    }
    if (rc != DAAS_OK) {
        daas_seal_wipe(p, cap);
        daas_free(p);
        return rc;
    }
    *out = p;
    *len = n;
    return DAAS_OK;
}

static void free_secret(uint8_t **p, size_t n)
{
    if (*p != NULL)
        daas_seal_wipe(*p, n);
    daas_free(*p);
    *p = NULL;
}

/* Reads path ("-" or NULL: stdin) whole. */
static int read_input(const char *path, size_t max, uint8_t **out, size_t *len, daas_err *err)
{
    if (path == NULL || strcmp(path, "-") == 0)
        return read_all(0, "stdin", max, out, len, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return daas_fail(err, daas_from_errno(errno), "%s: %s", path, strerror(errno));
    int rc = read_all(fd, path, max, out, len, err);
    close(fd);
    return rc;
}

/* Creates path with mode 0600 (excl: refuses an existing file) and writes s + "\n". */
static int write_private(const char *path, bool excl, const char *s, daas_err *err)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (excl ? O_EXCL : O_TRUNC);
    int fd = open(path, flags, 0600);
    if (fd < 0)
        return daas_fail(err, daas_from_errno(errno), "%s: %s", path, strerror(errno));
    int e = fchmod(fd, 0600) != 0 ? errno : 0;
    if (e == 0)
        e = daas_write_all(fd, s, strlen(s));
    if (e == 0)
        e = daas_write_all(fd, "\n", 1);
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e != 0)
        return daas_fail(err, daas_from_errno(e), "%s: %s", path, strerror(e));
    return DAAS_OK;
}

/* ---- flags ---- */

static void addr_hex(const uint8_t a[DAAS_SEAL_ADDR_LEN], char out[2 * DAAS_SEAL_ADDR_LEN + 3])
{
    out[0] = '0';
    out[1] = 'x';
    daas_hex_encode(a, DAAS_SEAL_ADDR_LEN, out + 2);
}

/* "OBJID:HEX" with OBJID 32 bytes and HEX vlen bytes. NULL when fine, else what is wrong. */
static const char *split_pair(const char *arg, uint8_t obj[DAAS_SEAL_ADDR_LEN], uint8_t *val,
                              size_t vlen)
{
    const char *colon = strchr(arg, ':');
    char id[80];
    size_t n = colon ? (size_t)(colon - arg) : 0;
    if (colon == NULL || n >= sizeof id)
        return "want OBJID:HEX";
    memcpy(id, arg, n);
    id[n] = '\0';
    if (!hex_fixed(id, obj, DAAS_SEAL_ADDR_LEN))
        return "the object id must be exactly 32 bytes (64 hex digits, optional 0x)";
    if (!hex_fixed(colon + 1, val, vlen))
        return vlen == DAAS_SEAL_G2_LEN ? "the public key must be 96 bytes (192 hex digits)"
                                        : "the derived key must be 48 bytes (96 hex digits)";
    return NULL;
}

/* A usage error: one line "daas seal <sub>: <what> (see ...)" on stderr; returns 2. */
static int bad(const sopts *o, const char *fmt, ...) DAAS_PRINTF(2, 3);
static int bad(const sopts *o, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "daas seal %s: %s (see daas seal %s --help)\n", o->sub, msg, o->sub);
    return 2;
}

static int flag_key_server(sopts *o, const char *arg)
{
    if (o->nservers == DAAS_SEAL_MAX_SERVICES)
        return bad(o, "too many --key-server (at most 255 service entries)");
    daas_seal_server *s = &o->servers[o->nservers];
    const char *why = split_pair(arg, s->object_id, s->pk, DAAS_SEAL_G2_LEN);
    if (why != NULL)
        return bad(o, "bad --key-server \"%s\": %s", arg, why);
    o->nservers++;
    return 0;
}

static int flag_derived_key(sopts *o, const char *arg)
{
    if (o->nkeys == DAAS_SEAL_MAX_SERVICES)
        return bad(o, "too many --derived-key");
    daas_seal_derived *k = &o->keys[o->nkeys];
    const char *why = split_pair(arg, k->object_id, k->usk, DAAS_SEAL_G1_LEN);
    if (why != NULL)
        return bad(o, "bad --derived-key: %s", why);
    for (size_t i = 0; i < o->nkeys; i++)
        if (memcmp(o->keys[i].object_id, k->object_id, DAAS_SEAL_ADDR_LEN) == 0)
            return bad(o, "two --derived-key for one key server");
    o->nkeys++;
    return 0;
}

static int flag_threshold(sopts *o, const char *arg)
{
    char *end = NULL;
    errno = 0;
    long t = strtol(arg, &end, 10);
    if (end == arg || *end != '\0' || errno != 0 || t < 1 || t > DAAS_SEAL_MAX_SERVICES)
        return bad(o, "bad --threshold \"%s\": want 1..255", arg);
    o->threshold = (int)t;
    return 0;
}

static int flag_dem(sopts *o, const char *arg)
{
    if (strcmp(arg, "aes") == 0)
        o->dem = DAAS_SEAL_DEM_AES;
    else if (strcmp(arg, "hmac") == 0)
        o->dem = DAAS_SEAL_DEM_HMAC;
    else
        return bad(o, "bad --dem \"%s\": want aes or hmac", arg);
    return 0;
}

/* One flag's value into o; 0 or 2 after one line. */
static int take_flag(sopts *o, int c, const char *arg)
{
    switch (c) {
    case 'p':
        o->has_package = hex_fixed(arg, o->package_id, DAAS_SEAL_ADDR_LEN);
        return o->has_package ? 0 : bad(o, "bad --package-id \"%s\": must be exactly 32 bytes "
                                            "(64 hex digits, optional 0x)", arg);
    case 'i':
        o->has_id = hex_var(arg, DAAS_SEAL_MAX_ID, &o->id, &o->id_len);
        return o->has_id ? 0 : bad(o, "bad --id \"%s\": want hex, at most 1024 bytes", arg);
    case 'a':
        o->has_aad = hex_var(arg, MAX_INPUT, &o->aad, &o->aad_len);
        return o->has_aad ? 0 : bad(o, "bad --aad: want hex");
    case 't': return flag_threshold(o, arg);
    case 'k': return flag_key_server(o, arg);
    case 'd': return flag_derived_key(o, arg);
    case 'D': return flag_dem(o, arg);
    case 'x': o->hex = true; return 0;
    case 'P': o->print = true; return 0;
    case 'I': o->in = arg; return 0;
    case 'o': o->out = arg; return 0;
    case 'K': o->dem_key_out = arg; return 0;
    case 'm': o->msk_file = arg; return 0;
    case 'M': o->msk_hex = arg; return 0;
    default: return 2;
    }
}

static const struct option longopts[] = {
    {"package-id", required_argument, NULL, 'p'}, {"id", required_argument, NULL, 'i'},
    {"threshold", required_argument, NULL, 't'},  {"key-server", required_argument, NULL, 'k'},
    {"derived-key", required_argument, NULL, 'd'}, {"aad", required_argument, NULL, 'a'},
    {"dem", required_argument, NULL, 'D'},        {"hex", no_argument, NULL, 'x'},
    {"in", required_argument, NULL, 'I'},         {"dem-key-out", required_argument, NULL, 'K'},
    {"master-key", required_argument, NULL, 'm'}, {"master-key-hex", required_argument, NULL, 'M'},
    {"out", required_argument, NULL, 'o'},        {"print", no_argument, NULL, 'P'},
    {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0}};

static void sub_usage(FILE *f, const seal_sub *s);

/* 0: flags parsed; 1: --help printed; 2: bad usage (one line printed). */
static int parse_flags(const seal_sub *s, int argc, char **argv, sopts *o)
{
    int c, li = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, &li)) != -1) {
        const char *flag = argv[optind - 1];
        if (c == 'h') {
            sub_usage(stdout, s);
            return 1;
        }
        if (c == ':')
            return bad(o, "flag %s needs a value", flag);
        if (c == '?')
            return bad(o, "unknown flag \"%s\"", flag);
        if (strchr(s->flags, c) == NULL)
            return bad(o, "--%s is not a flag of %s", longopts[li].name, s->name);
        int st = take_flag(o, c, optarg);
        if (st != 0)
            return st;
    }
    if (optind != argc)
        return bad(o, "unexpected argument \"%s\"", argv[optind]);
    return 0;
}

static void sopts_fini(sopts *o)
{
    daas_free(o->id);
    daas_free(o->aad);
    daas_seal_wipe(o->keys, sizeof o->keys);
}

/* ---- master keys ---- */

/* The master key of --master-key FILE (hex, optional 0x, surrounding whitespace) or
 * --master-key-hex, checked to be a scalar in [1, r). */
static int load_msk(const sopts *o, uint8_t msk[DAAS_SEAL_SCALAR_LEN], daas_err *err)
{
    uint8_t *file = NULL;
    size_t n = 0;
    int rc = DAAS_OK;
    const char *what = o->msk_file ? o->msk_file : "--master-key-hex";
    if (o->msk_file != NULL) {
        rc = read_input(o->msk_file, MAX_KEYFILE, &file, &n, err);
        if (rc != DAAS_OK)
            return rc;
        while (n > 0 && (file[n - 1] == '\n' || file[n - 1] == '\r' || file[n - 1] == ' ' ||
                         file[n - 1] == '\t'))
            n--;
        file[n] = '\0'; /* read_all leaves room: n <= MAX_KEYFILE < capacity */
    }
    const char *text = o->msk_file ? (const char *)file : o->msk_hex;
    if (!hex_fixed(text, msk, DAAS_SEAL_SCALAR_LEN))
        rc = daas_fail(err, DAAS_EINVAL, "%s: a master key is 32 bytes of hex (64 digits)", what);
    if (rc == DAAS_OK)
        rc = daas_seal_msk_check(msk, err);
    free_secret(&file, n);
    if (rc != DAAS_OK)
        daas_seal_wipe(msk, DAAS_SEAL_SCALAR_LEN);
    return rc;
}

static int need_msk(const sopts *o)
{
    if ((o->msk_file == NULL) == (o->msk_hex == NULL))
        return bad(o, "want exactly one of --master-key FILE and --master-key-hex HEX");
    return 0;
}

static int print_hex_line(const uint8_t *p, size_t n, daas_err *err)
{
    int e = write_hex(1, p, n);
    return e == 0 ? DAAS_OK : daas_fail(err, DAAS_EIO, "writing stdout: %s", strerror(e));
}

static int run_genkey(sopts *o, daas_err *err)
{
    uint8_t msk[DAAS_SEAL_SCALAR_LEN], pk[DAAS_SEAL_G2_LEN];
    char mhex[2 * DAAS_SEAL_SCALAR_LEN + 1];
    int rc = daas_seal_msk_generate(msk, err);
    if (rc == DAAS_OK)
        rc = daas_seal_public_key(msk, pk, err);
    daas_hex_encode(msk, sizeof msk, mhex);
    if (rc == DAAS_OK && o->out != NULL)
        rc = write_private(o->out, true, mhex, err);
    if (rc == DAAS_OK && o->print)
        rc = print_hex_line(msk, sizeof msk, err);
    if (rc == DAAS_OK)
        rc = print_hex_line(pk, sizeof pk, err);
    daas_seal_wipe(msk, sizeof msk);
    daas_seal_wipe(mhex, sizeof mhex);
    return rc;
}

static int run_public_key(sopts *o, daas_err *err)
{
    uint8_t msk[DAAS_SEAL_SCALAR_LEN], pk[DAAS_SEAL_G2_LEN];
    int rc = load_msk(o, msk, err);
    if (rc == DAAS_OK)
        rc = daas_seal_public_key(msk, pk, err);
    daas_seal_wipe(msk, sizeof msk);
    return rc == DAAS_OK ? print_hex_line(pk, sizeof pk, err) : rc;
}

static int run_derive_key(sopts *o, daas_err *err)
{
    uint8_t msk[DAAS_SEAL_SCALAR_LEN], usk[DAAS_SEAL_G1_LEN];
    int rc = load_msk(o, msk, err);
    if (rc == DAAS_OK)
        rc = daas_seal_extract(msk, o->package_id, DAAS_BYTES(o->id, o->id_len), usk, err);
    daas_seal_wipe(msk, sizeof msk);
    if (rc == DAAS_OK)
        rc = print_hex_line(usk, sizeof usk, err);
    daas_seal_wipe(usk, sizeof usk);
    return rc;
}

/* ---- encrypt ---- */

static int write_object(const sopts *o, const daas_buf *obj, daas_err *err)
{
    int e = o->hex ? write_hex(1, (const uint8_t *)obj->data, obj->len)
                   : daas_write_all(1, obj->data, obj->len);
    return e == 0 ? DAAS_OK : daas_fail(err, DAAS_EIO, "writing stdout: %s", strerror(e));
}

static int write_dem_key(const char *path, const uint8_t key[DAAS_SEAL_KEY_LEN], daas_err *err)
{
    char hex[2 * DAAS_SEAL_KEY_LEN + 1];
    daas_hex_encode(key, DAAS_SEAL_KEY_LEN, hex);
    int rc = write_private(path, false, hex, err);
    daas_seal_wipe(hex, sizeof hex);
    return rc;
}

static int run_encrypt(sopts *o, daas_err *err)
{
    uint8_t *pt = NULL, dem_key[DAAS_SEAL_KEY_LEN];
    size_t pt_len = 0;
    daas_buf obj;
    if (!o->hex && isatty(1))
        return daas_fail(err, DAAS_EINVAL, "refusing to write a binary object to a terminal: "
                                           "redirect stdout or pass --hex");
    int rc = read_input(o->in, MAX_INPUT, &pt, &pt_len, err);
    if (rc != DAAS_OK)
        return rc;
    daas_seal_encrypt_opts eo = {
        .package_id = o->package_id, .id = DAAS_BYTES(o->id, o->id_len),
        .servers = o->servers, .nservers = o->nservers, .threshold = (uint8_t)o->threshold,
        .dem = o->dem, .has_aad = o->has_aad, .aad = DAAS_BYTES(o->aad, o->aad_len)};
    daas_buf_init(&obj, MAX_INPUT + ((size_t)1 << 20));
    rc = daas_seal_encrypt(&eo, DAAS_BYTES(pt, pt_len), &obj, dem_key, err);
    free_secret(&pt, pt_len);
    if (rc == DAAS_OK && o->dem_key_out != NULL)
        rc = write_dem_key(o->dem_key_out, dem_key, err);
    daas_seal_wipe(dem_key, sizeof dem_key);
    if (rc == DAAS_OK)
        rc = write_object(o, &obj, err);
    daas_buf_fini(&obj);
    return rc;
}

/* ---- decrypt and parse ---- */

/* The object of --in / stdin: raw BCS (it starts with version byte 0, which hex text never
 * does) or hex text (optional 0x, surrounding whitespace). */
static int load_object(const sopts *o, daas_seal_object *obj, daas_err *err)
{
    uint8_t *in = NULL, *raw = NULL;
    size_t n = 0, b = 0;
    int rc = read_input(o->in, 2 * MAX_INPUT, &in, &n, err);
    if (rc != DAAS_OK)
        return rc;
    if (n > 0 && in[0] == 0) {
        rc = daas_seal_object_parse(DAAS_BYTES(in, n), obj, err);
        daas_free(in);
        return rc;
    }
    while (b < n && (in[b] == ' ' || in[b] == '\n' || in[b] == '\r' || in[b] == '\t'))
        b++;
    while (n > b && (in[n - 1] == ' ' || in[n - 1] == '\n' || in[n - 1] == '\r' ||
                     in[n - 1] == '\t'))
        n--;
    in[n] = '\0'; /* read_all's buffer always has room past the data it keeps */
    size_t raw_len = 0;
    if (n == b)
        rc = daas_fail(err, DAAS_EINVAL, "no object on input");
    else if (!hex_var((const char *)in + b, 2 * MAX_INPUT, &raw, &raw_len))
        rc = daas_fail(err, DAAS_EINVAL, "input is neither an EncryptedObject (first byte 0) "
                                         "nor hex text");
    else
        rc = daas_seal_object_parse(DAAS_BYTES(raw, raw_len), obj, err);
    daas_free(raw);
    daas_free(in);
    return rc;
}

static const daas_seal_server *find_server(const sopts *o, const uint8_t id[DAAS_SEAL_ADDR_LEN])
{
    for (size_t i = 0; i < o->nservers; i++)
        if (memcmp(o->servers[i].object_id, id, DAAS_SEAL_ADDR_LEN) == 0)
            return &o->servers[i];
    return NULL;
}

/* Every derived key against its server's public key and the object's identity. */
static int verify_keys(const sopts *o, const daas_seal_object *obj, daas_err *err)
{
    char a[2 * DAAS_SEAL_ADDR_LEN + 3];
    for (size_t i = 0; i < o->nkeys; i++) {
        const daas_seal_server *s = find_server(o, o->keys[i].object_id);
        addr_hex(o->keys[i].object_id, a);
        if (s == NULL)
            return daas_fail(err, DAAS_EINVAL, "--derived-key %s: no --key-server with that "
                                               "object id", a);
        daas_err e2 = {0};
        int rc = daas_seal_verify_usk(s->pk, obj->package_id, DAAS_BYTES(obj->id, obj->id_len),
                                      o->keys[i].usk, &e2);
        if (rc == DAAS_EUNAUTH)
            return daas_fail(err, rc, "derived key of %s does not verify against its key "
                                      "server's public key for this object's identity", a);
        if (rc != DAAS_OK)
            return daas_fail(err, rc, "derived key of %s: %s", a, e2.msg);
    }
    return DAAS_OK;
}

/* The distinct key servers of obj, when --key-server names every one; else *n = 0. */
static void consistency_pks(const sopts *o, const daas_seal_object *obj, daas_seal_server *pks,
                            size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < obj->nservices; i++) {
        const uint8_t *id = obj->services[i].object_id;
        const daas_seal_server *s = find_server(o, id);
        if (s == NULL) {
            *n = 0;
            return;
        }
        bool seen = false;
        for (size_t j = 0; j < *n && !seen; j++)
            seen = memcmp(pks[j].object_id, id, DAAS_SEAL_ADDR_LEN) == 0;
        if (!seen)
            pks[(*n)++] = *s;
    }
}

static int run_decrypt(sopts *o, daas_err *err)
{
    daas_seal_object obj = {0};
    daas_seal_server *pks = daas_xcalloc(DAAS_SEAL_MAX_SERVICES, sizeof *pks);
    size_t npks = 0;
    daas_buf pt;
    daas_buf_init(&pt, 2 * MAX_INPUT);
    int rc = load_object(o, &obj, err);
    if (rc == DAAS_OK)
        rc = verify_keys(o, &obj, err);
    if (rc == DAAS_OK) {
        consistency_pks(o, &obj, pks, &npks);
        rc = daas_seal_decrypt(&obj, o->keys, o->nkeys, npks ? pks : NULL, npks, &pt, err);
    }
    if (rc == DAAS_OK) {
        int e = daas_write_all(1, pt.data, pt.len);
        if (e != 0)
            rc = daas_fail(err, DAAS_EIO, "writing stdout: %s", strerror(e));
    }
    if (pt.data != NULL)
        daas_seal_wipe(pt.data, pt.cap);
    daas_buf_fini(&pt);
    daas_free(pks);
    daas_seal_object_fini(&obj);
    return rc;
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *s = daas_xmalloc(2 * n + 1);
    daas_hex_encode(p, n, s);
    json_t *j = json_string(s);
    daas_free(s);
    return j;
}

static json_t *services_json(const daas_seal_object *obj)
{
    json_t *a = json_array();
    char id[2 * DAAS_SEAL_ADDR_LEN + 3];
    for (size_t i = 0; i < obj->nservices; i++) {
        addr_hex(obj->services[i].object_id, id);
        json_array_append_new(a, json_pack("{s:s,s:i}", "object_id", id, "index",
                                           (int)obj->services[i].index));
    }
    return a;
}

/* SPEC: specs/seal.md §2: the AES blob is ciphertext || 16-byte tag; HMAC-CTR has no tag. */
static json_t *object_json(const daas_seal_object *obj, size_t size)
{
    static const char *const dems[] = {"aes-256-gcm", "hmac-sha3-256-ctr", "plain"};
    char pkg[2 * DAAS_SEAL_ADDR_LEN + 3];
    addr_hex(obj->package_id, pkg);
    size_t pt = obj->dem == DAAS_SEAL_DEM_AES ? (obj->blob_len >= 16 ? obj->blob_len - 16 : 0)
                                              : obj->blob_len;
    json_t *j = json_pack("{s:i,s:s,s:o,s:o,s:i,s:s,s:I,s:I,s:I}", "version", (int)obj->version,
                          "package_id", pkg, "id", hex_json(obj->id, obj->id_len), "services",
                          services_json(obj), "threshold", (int)obj->threshold, "dem",
                          dems[obj->dem], "size", (json_int_t)size, "ciphertext_size",
                          (json_int_t)obj->blob_len, "plaintext_size",
                          (json_int_t)(obj->dem == DAAS_SEAL_DEM_PLAIN ? DAAS_SEAL_KEY_LEN : pt));
    json_object_set_new(j, "aad", obj->has_aad ? hex_json(obj->aad, obj->aad_len) : json_null());
    json_object_set_new(j, "nonce", hex_json(obj->nonce, DAAS_SEAL_G2_LEN));
    if (obj->dem == DAAS_SEAL_DEM_HMAC)
        json_object_set_new(j, "mac", hex_json(obj->mac, DAAS_SEAL_MAC_LEN));
    return j;
}

static int run_parse(sopts *o, daas_err *err)
{
    daas_seal_object obj = {0};
    daas_buf enc;
    daas_buf_init(&enc, 0);
    int rc = load_object(o, &obj, err);
    if (rc == DAAS_OK)
        rc = daas_seal_object_encode(&obj, &enc, err);
    if (rc == DAAS_OK) {
        json_t *j = object_json(&obj, enc.len);
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s != NULL)
            printf("%s\n", s);
        daas_free(s);
        json_decref(j);
    }
    daas_buf_fini(&enc);
    daas_seal_object_fini(&obj);
    return rc;
}

/* ---- required flags per sub-command ---- */

static int check_encrypt(const sopts *o)
{
    if (!o->has_package || !o->has_id || o->nservers == 0 || o->threshold == 0)
        return bad(o, "want --package-id, --id, --threshold and at least one --key-server");
    if ((size_t)o->threshold > o->nservers)
        return bad(o, "--threshold is larger than the number of --key-server entries");
    return 0;
}

static int check_flags(const seal_sub *s, const sopts *o)
{
    if (strcmp(s->name, "encrypt") == 0)
        return check_encrypt(o);
    if (strcmp(s->name, "decrypt") == 0 && (o->nservers == 0 || o->nkeys == 0))
        return bad(o, "want --key-server and --derived-key entries");
    if (strcmp(s->name, "derive-key") == 0 && (!o->has_package || !o->has_id))
        return bad(o, "want --package-id and --id");
    if (strcmp(s->name, "genkey") == 0 && o->out == NULL && !o->print)
        return bad(o, "want --out FILE or --print (else the master key would be lost)");
    if (strcmp(s->name, "derive-key") == 0 || strcmp(s->name, "public-key") == 0)
        return need_msk(o);
    return 0;
}

/* ---- the table ---- */

static const seal_sub subs[] = {
    {"encrypt", "pitkaDxIK",
     "--package-id HEX --id HEX --threshold T --key-server OBJID:PUBKEY... [--aad HEX]\n"
     "       [--dem aes|hmac] [--in FILE] [--hex] [--dem-key-out FILE]",
     "seal stdin (at most 64 MiB) into an EncryptedObject on stdout", run_encrypt},
    {"decrypt", "kdI", "--key-server OBJID:PUBKEY... --derived-key OBJID:USK... [--in FILE]",
     "open an EncryptedObject (raw or hex, stdin or --in) with derived keys", run_decrypt},
    {"parse", "I", "[--in FILE]", "describe an EncryptedObject as JSON", run_parse},
    {"derive-key", "mMpi", "--master-key FILE|--master-key-hex HEX --package-id HEX --id HEX",
     "a key server's derived key (usk) for an identity, in hex", run_derive_key},
    {"genkey", "oP", "[--out FILE] [--print]",
     "a new master key (into FILE, mode 0600); prints its public key", run_genkey},
    {"public-key", "mM", "--master-key FILE|--master-key-hex HEX",
     "the public key of a master key", run_public_key},
};

/* Sub-commands other files implement, called with argv[0] = their name. seal_secret.c may
 * be absent from a build (weak: the command then says so). */
int daas_cmd_seal_secret(int argc, char **argv) __attribute__((weak));

static const struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} delegated[] = {
    {"create-secret", "seal a Secret on the client (JSON for kubectl apply)", daas_cmd_seal_secret},
    {"get-secret", "open a sealed Secret with keys from the key servers", daas_cmd_seal_secret},
    {"policy", "decryption policies (see daas seal policy --help)", daas_cmd_seal_policy},
};

/* One help line per flag, shown for the sub-commands whose row lists its letter. */
static const struct {
    char c;
    const char *text;
} flag_help[] = {
    {'p', "--package-id HEX  the policy package (its first version), 32 bytes"},
    {'i', "--id HEX          the inner identity (hex; \"\" is the empty identity)"},
    {'k', "--key-server OBJID:PUBKEY  a key server's object id (32 bytes) and public key\n"
          "                    (96 bytes); in service order, repeat one to weight it"},
    {'d', "--derived-key OBJID:USK    a derived key (48 bytes) from that key server; it is\n"
          "                    verified first; with every key server of the object given,\n"
          "                    the share-consistency check runs too"},
    {'t', "--threshold T     shares needed to decrypt (1..number of --key-server)"},
    {'a', "--aad HEX         additional authenticated data (default: none)"},
    {'D', "--dem aes|hmac    AES-256-GCM (default) or HMAC-SHA3-256-CTR (decryptable on chain)"},
    {'x', "--hex             write the object as hex (binary is refused on a terminal)"},
    {'K', "--dem-key-out FILE  also write the DEM key in hex to FILE (mode 0600)"},
    {'m', "--master-key FILE   a master-key file (hex of the 32-byte scalar)"},
    {'M', "--master-key-hex HEX  the master key inline"},
    {'o', "--out FILE        write the new master key to FILE (mode 0600, must not exist)"},
    {'P', "--print           print the master key on stdout (first line, before the pk)"},
    {'I', "--in FILE         read FILE instead of stdin (raw or hex object)"},
};

static void sub_usage(FILE *f, const seal_sub *s)
{
    fprintf(f, "usage: daas seal %s %s\n\n%s.\n\n", s->name, s->usage, s->summary);
    for (size_t i = 0; i < sizeof flag_help / sizeof flag_help[0]; i++)
        if (strchr(s->flags, flag_help[i].c) != NULL)
            fprintf(f, "  %s\n", flag_help[i].text);
    fprintf(f, "\nHex may start with 0x. Exit status: 0 done, 1 failure, 2 usage.\n");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: daas seal <command> [flags]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        fprintf(f, "  %-13s %s\n", subs[i].name, subs[i].summary);
    for (size_t i = 0; i < sizeof delegated / sizeof delegated[0]; i++)
        fprintf(f, "  %-13s %s\n", delegated[i].name, delegated[i].summary);
    fprintf(f, "\n`daas seal <command> --help` describes its flags.\n");
}

static int run_sub(const seal_sub *s, int argc, char **argv)
{
    sopts *o = daas_xcalloc(1, sizeof *o);
    daas_err err = {0};
    char name[32];
    o->sub = s->name;
    int st = parse_flags(s, argc, argv, o);
    if (st == 0)
        st = check_flags(s, o);
    if (st == 0) {
        snprintf(name, sizeof name, "seal %s", s->name);
        st = daas_cmd_exit(name, s->run(o, &err), &err);
    } else if (st == 1) {
        st = 0;
    }
    sopts_fini(o);
    daas_free(o);
    return st;
}

/* `daas seal <sub> ...`: dispatch by table; policy, create-secret and get-secret are other
 * files' (the `delegated` table). */
int daas_cmd_seal(int argc, char **argv)
{
    for (size_t i = 0; argc > 1 && i < sizeof delegated / sizeof delegated[0]; i++) {
        if (strcmp(argv[1], delegated[i].name) != 0)
            continue;
        if (delegated[i].run != NULL)
            return delegated[i].run(argc - 1, argv + 1);
        fprintf(stderr, "daas seal %s: not in this build\n", argv[1]);
        return 1;
    }
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                     strcmp(argv[1], "help") == 0)) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; argc > 1 && i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return run_sub(&subs[i], argc - 1, argv + 1);
    if (argc > 1)
        fprintf(stderr, "daas seal: unknown command \"%s\" (see daas seal --help)\n", argv[1]);
    else
        fprintf(stderr, "daas seal: want a command (see daas seal --help)\n");
    return 2;
}
