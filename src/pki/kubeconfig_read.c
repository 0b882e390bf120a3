/*
 * kubeconfig_read.c: reads a kubeconfig (the one kubeconfig.c writes, or any kubectl-style
 * file) into the server URL and the credentials of one context, for daas's own clients
 * (`daas rebalance`).
 *
 * Owns:   the parse (libyaml's document API) and the file references it follows.
 * Not:    writing kubeconfigs (kubeconfig.c); using the credentials (agent/kubeclient.h).
 * Invariants:
 *   - untrusted input: every size is capped (the file and the files it names at
 *     DAAS_PKI_KUBECONFIG_MAX, one string at DAAS_PKI_KUBECONFIG_MAX_STRING); only a fixed
 *     path of mappings and sequences is walked (root → list → item → member), never the
 *     whole graph, so anchors and aliases (even cyclic ones) cost nothing;
 *   - no error message holds key or token bytes; names in messages are cut to 60 bytes and
 *     their unprintable bytes replaced by '?', so a message stays one line;
 *   - the key and the token are wiped wherever this file copied them (the output, the
 *     decoding buffers, the YAML scalars and libyaml's input buffers) before they are freed;
 *   - TLS verification cannot be turned off: insecure-skip-tls-verify is refused.
 * Spec:   k8s.io/client-go/tools/clientcmd/api/v1 (Config, Cluster, AuthInfo, Context);
 *         relative paths resolve against the kubeconfig's directory, *-data wins over the
 *         file, as clientcmd does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <yaml.h>

#include "common/alloc.h"
#include "common/util.h"
#include "pki/pki.h"

typedef struct kc {
    yaml_document_t d;
    const char *base_dir; /* NULL: no file access */
    daas_err *err;
} kc;

/* ---- small helpers ---- */

/* s[0..n) for a message: at most 60 bytes, unprintable bytes as '?' (out: 64 bytes). */
static const char *shown(const char *s, size_t n, char out[64])
{
    size_t m = n < 60 ? n : 60;
    for (size_t i = 0; i < m; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    out[m] = '\0';
    return out;
}

/* Wipes and frees a daas_buf holding secret bytes (its whole allocation). */
static void buf_wipe(daas_buf *b)
{
    if (b->data != NULL)
        sodium_memzero(b->data, b->cap);
    daas_buf_fini(b);
}

/* Gives b room for n bytes now, so appending them never reallocates (a reallocation would
 * leave an unwiped copy of a secret behind). */
static int buf_room(daas_buf *b, size_t n)
{
    static const char zeros[4096];
    int rc = DAAS_OK;
    for (size_t i = 0; i < n && rc == DAAS_OK; i += sizeof zeros)
        rc = daas_buf_append(b, zeros, n - i < sizeof zeros ? n - i : sizeof zeros);
    daas_buf_reset(b);
    return rc;
}

static void free_secret(char *s)
{
    if (s != NULL)
        sodium_memzero(s, strlen(s));
    daas_free(s);
}

/* ---- the YAML tree ---- */

static bool scalar_is(const yaml_node_t *n, const char *s)
{
    size_t len = strlen(s);
    return n != NULL && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
           memcmp(n->data.scalar.value, s, len) == 0;
}

/* The value of key in mapping map, or NULL (also when map is not a mapping). */
static yaml_node_t *map_get(kc *k, const yaml_node_t *map, const char *key)
{
    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
        if (scalar_is(yaml_document_get_node(&k->d, p->key), key))
            return yaml_document_get_node(&k->d, p->value);
    return NULL;
}

/* A null value: absent, "", or a plain null/~. */
static bool is_null(const yaml_node_t *n)
{
    if (n == NULL || (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0))
        return true;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return scalar_is(n, "~") || scalar_is(n, "null") || scalar_is(n, "Null") ||
           scalar_is(n, "NULL");
}

/* The string at map[key] in *s (NULL when null or absent). where names map in messages. */
static int get_str(kc *k, const yaml_node_t *map, const char *key, const char *where,
                   const char **s)
{
    yaml_node_t *n = map_get(k, map, key);
    *s = NULL;
    if (is_null(n))
        return DAAS_OK;
    if (n->type != YAML_SCALAR_NODE)
        return daas_fail(k->err, DAAS_EINVAL, "kubeconfig: %s: %s is not a string", where, key);
    if (n->data.scalar.length > DAAS_PKI_KUBECONFIG_MAX_STRING)
        return daas_fail(k->err, DAAS_ETOOBIG, "kubeconfig: %s: %s is over %zu bytes", where, key,
                         DAAS_PKI_KUBECONFIG_MAX_STRING);
    if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
        return daas_fail(k->err, DAAS_EINVAL, "kubeconfig: %s: %s holds a NUL byte", where, key);
    *s = (const char *)n->data.scalar.value;
    return DAAS_OK;
}

/* The `member` mapping of the item of list `list` whose name is name, or NULL. */
static yaml_node_t *find_named(kc *k, const char *list, const char *name, const char *member)
{
    yaml_node_t *seq = map_get(k, yaml_document_get_root_node(&k->d), list);
    if (seq == NULL || seq->type != YAML_SEQUENCE_NODE)
        return NULL;
    for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top;
         i++) {
        yaml_node_t *item = yaml_document_get_node(&k->d, *i);
        if (scalar_is(map_get(k, item, "name"), name)) {
            yaml_node_t *m = map_get(k, item, member);
            return m != NULL && m->type == YAML_MAPPING_NODE ? m : NULL;
        }
    }
    return NULL;
}

/* ---- files and data ---- */

/* Reads the file path (relative: to base_dir) into b, at most max bytes. */
static int read_file(const char *base_dir, const char *path, size_t max, daas_buf *b, daas_err *err)
{
    char sh[64];
    if (base_dir == NULL)
        return daas_fail(err, DAAS_EINVAL,
                         "kubeconfig: names the file \"%s\" but no file may be "
                         "read here",
                         shown(path, strlen(path), sh));
    char *full = path[0] == '/' ? daas_xstrdup(path) : daas_xasprintf("%s/%s", base_dir, path);
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    int rc = DAAS_OK;
    if (fd < 0 || fstat(fd, &st) != 0)
        rc = daas_fail(err, daas_from_errno(errno), "kubeconfig: cannot read %s: %s",
                       shown(full, strlen(full), sh), strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = daas_fail(err, DAAS_EINVAL, "kubeconfig: %s is not a regular file",
                       shown(full, strlen(full), sh));
    else if ((size_t)st.st_size > max)
        rc = daas_fail(err, DAAS_ETOOBIG, "kubeconfig: %s is over %zu bytes",
                       shown(full, strlen(full), sh), max);
    if (rc == DAAS_OK)
        rc = buf_room(b, (size_t)st.st_size + 1);
    while (rc == DAAS_OK) {
        char chunk[4096];
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = daas_fail(err, DAAS_EIO, "kubeconfig: reading %s: %s",
                           shown(full, strlen(full), sh), strerror(errno));
        else if (got == 0)
            break;
        else if (daas_buf_append(b, chunk, (size_t)got) != DAAS_OK)
            rc = daas_fail(err, DAAS_ETOOBIG, "kubeconfig: %s is over %zu bytes",
                           shown(full, strlen(full), sh), max);
        sodium_memzero(chunk, sizeof chunk);
    }
    if (fd >= 0)
        close(fd);
    daas_free(full);
    return rc;
}

/* A PEM from map[data_key] (base64) or the file map[file_key], in *out (NULL: neither). */
static int pem_of(kc *k, const yaml_node_t *map, const char *data_key, const char *file_key,
                  const char *where, char **out)
{
    const char *data, *file;
    *out = NULL;
    int rc = get_str(k, map, data_key, where, &data);
    if (rc == DAAS_OK)
        rc = get_str(k, map, file_key, where, &file);
    if (rc != DAAS_OK || (data == NULL && file == NULL))
        return rc;
    daas_buf b;
    daas_buf_init(&b, DAAS_PKI_KUBECONFIG_MAX);
    if (data != NULL) {
        rc = buf_room(&b, strlen(data) / 4 * 3 + 4);
        if (rc == DAAS_OK && daas_base64_decode(data, strlen(data), &b) != DAAS_OK)
            rc =
                daas_fail(k->err, DAAS_EINVAL, "kubeconfig: %s: %s is not base64", where, data_key);
    } else {
        rc = read_file(k->base_dir, file, DAAS_PKI_KUBECONFIG_MAX, &b, k->err);
    }
    const char *what = data != NULL ? data_key : file_key;
    if (rc == DAAS_OK && (b.len == 0 || memmem(b.data, b.len, "-----BEGIN ", 11) == NULL))
        rc = daas_fail(k->err, DAAS_EINVAL, "kubeconfig: %s: %s is not PEM", where, what);
    if (rc == DAAS_OK && strlen(b.data) != b.len)
        rc = daas_fail(k->err, DAAS_EINVAL, "kubeconfig: %s: %s holds a NUL byte", where, what);
    if (rc == DAAS_OK)
        *out = daas_xstrndup(b.data, b.len);
    buf_wipe(&b);
    return rc;
}

/* The token of a user: `token`, else the trimmed contents of `tokenFile`; printable ASCII
 * only (it goes into an HTTP header). */
static int token_of(kc *k, const yaml_node_t *user, const char *where, char **out)
{
    const char *tok, *file;
    *out = NULL;
    int rc = get_str(k, user, "token", where, &tok);
    if (rc == DAAS_OK)
        rc = get_str(k, user, "tokenFile", where, &file);
    if (rc != DAAS_OK || (tok == NULL && file == NULL))
        return rc;
    daas_buf b;
    daas_buf_init(&b, DAAS_PKI_KUBECONFIG_MAX);
    if (tok == NULL)
        rc = read_file(k->base_dir, file, DAAS_PKI_KUBECONFIG_MAX_STRING, &b, k->err);
    const char *p = tok != NULL ? tok : (b.data != NULL ? b.data : "");
    size_t n = tok != NULL ? strlen(tok) : b.len;
    while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++, n--;
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    for (size_t i = 0; i < n && rc == DAAS_OK; i++)
        if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
            rc = daas_fail(k->err, DAAS_EINVAL,
                           "kubeconfig: %s: the token holds a byte that "
                           "may not appear in an HTTP header",
                           where);
    if (rc == DAAS_OK && n == 0)
        rc = daas_fail(k->err, DAAS_EINVAL, "kubeconfig: %s: the token is empty", where);
    if (rc == DAAS_OK)
        *out = daas_xstrndup(p, n);
    buf_wipe(&b);
    return rc;
}

/* ---- the three parts of a context ---- */

/* YAML 1.1 false (what go-yaml, hence kubectl, reads as false). */
static bool is_false(const yaml_node_t *n)
{
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO",
                                     "off",   "Off",   "OFF",   "n",  "N"};
    if (is_null(n))
        return true;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (scalar_is(n, no[i]))
            return true;
    return false;
}

static int read_cluster(kc *k, const char *name, daas_pki_kubeconfig *o)
{
    char sh[64], where[96];
    snprintf(where, sizeof where, "cluster \"%s\"", shown(name, strlen(name), sh));
    yaml_node_t *c = find_named(k, "clusters", name, "cluster");
    if (c == NULL)
        return daas_fail(k->err, DAAS_EINVAL, "kubeconfig: %s not found", where);
    if (!is_false(map_get(k, c, "insecure-skip-tls-verify")))
        return daas_fail(k->err, DAAS_EINVAL,
                         "kubeconfig: %s: insecure-skip-tls-verify is not supported", where);
    const char *server;
    int rc = get_str(k, c, "server", where, &server);
    if (rc == DAAS_OK && server == NULL)
        rc = daas_fail(k->err, DAAS_EINVAL, "kubeconfig: %s has no server", where);
    for (size_t i = 0; rc == DAAS_OK && server[i] != '\0'; i++)
        if ((unsigned char)server[i] <= 0x20 || (unsigned char)server[i] >= 0x7f)
            rc = daas_fail(k->err, DAAS_EINVAL,
                           "kubeconfig: %s: the server URL holds a space "
                           "or an unprintable byte",
                           where);
    if (rc == DAAS_OK) {
        o->server = daas_xstrdup(server);
        rc = pem_of(k, c, "certificate-authority-data", "certificate-authority", where, &o->ca_pem);
    }
    return rc;
}

static int read_user(kc *k, const char *name, daas_pki_kubeconfig *o)
{
    char sh[64], where[96];
    snprintf(where, sizeof where, "user \"%s\"", shown(name, strlen(name), sh));
    yaml_node_t *u = find_named(k, "users", name, "user");
    if (u == NULL)
        return daas_fail(k->err, DAAS_EINVAL, "kubeconfig: %s not found", where);
    if (!is_null(map_get(k, u, "exec")) || !is_null(map_get(k, u, "auth-provider")))
        return daas_fail(k->err, DAAS_EINVAL,
                         "kubeconfig: %s: exec and auth-provider "
                         "credentials are not supported (use a client certificate or a token)",
                         where);
    int rc = pem_of(k, u, "client-certificate-data", "client-certificate", where, &o->cert_pem);
    if (rc == DAAS_OK)
        rc = pem_of(k, u, "client-key-data", "client-key", where, &o->key_pem);
    if (rc == DAAS_OK && (o->cert_pem == NULL) != (o->key_pem == NULL))
        rc = daas_fail(k->err, DAAS_EINVAL,
                       "kubeconfig: %s: a client certificate needs its key "
                       "and a key its certificate",
                       where);
    if (rc == DAAS_OK)
        rc = token_of(k, u, where, &o->token);
    return rc;
}

/* Fills o from the context called name. */
static int read_context(kc *k, const char *name, daas_pki_kubeconfig *o)
{
    char sh[64], where[96];
    snprintf(where, sizeof where, "context \"%s\"", shown(name, strlen(name), sh));
    yaml_node_t *c = find_named(k, "contexts", name, "context");
    if (c == NULL)
        return daas_fail(k->err, DAAS_EINVAL, "kubeconfig: %s not found", where);
    const char *cluster, *user;
    int rc = get_str(k, c, "cluster", where, &cluster);
    if (rc == DAAS_OK)
        rc = get_str(k, c, "user", where, &user);
    if (rc == DAAS_OK && (cluster == NULL || user == NULL))
        rc = daas_fail(k->err, DAAS_EINVAL, "kubeconfig: %s names no %s", where,
                       cluster == NULL ? "cluster" : "user");
    if (rc != DAAS_OK)
        return rc;
    o->context = daas_xstrdup(name);
    o->cluster = daas_xstrdup(cluster);
    o->user = daas_xstrdup(user);
    rc = read_cluster(k, cluster, o);
    return rc == DAAS_OK ? read_user(k, user, o) : rc;
}

/* ---- parse and load ---- */

/* Loads the first YAML document of in into k->d, wiping libyaml's copies of the input. */
static int load(kc *k, daas_bytes in)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return daas_fail(k->err, DAAS_EINTERNAL, "kubeconfig: libyaml did not initialise");
    yaml_parser_set_input_string(&p, in.ptr, in.len);
    int rc = DAAS_OK;
    if (!yaml_parser_load(&p, &k->d))
        rc = daas_fail(k->err, DAAS_EINVAL, "kubeconfig: not YAML: %s at line %zu",
                       p.problem ? p.problem : "parse error", p.problem_mark.line + 1);
    if (p.raw_buffer.start != NULL)
        sodium_memzero(p.raw_buffer.start, (size_t)(p.raw_buffer.end - p.raw_buffer.start));
    if (p.buffer.start != NULL)
        sodium_memzero(p.buffer.start, (size_t)(p.buffer.end - p.buffer.start));
    yaml_parser_delete(&p);
    return rc;
}

/* Wipes every scalar of the document (one of them is the key) and frees it. */
static void unload(kc *k)
{
    for (yaml_node_t *n = k->d.nodes.start; n < k->d.nodes.top; n++)
        if (n->type == YAML_SCALAR_NODE && n->data.scalar.value != NULL)
            sodium_memzero(n->data.scalar.value, n->data.scalar.length);
    yaml_document_delete(&k->d);
}

/* The context to use: the one asked for, else current-context. */
static int pick_context(kc *k, const char *context, const char **name)
{
    *name = context;
    if (context != NULL)
        return DAAS_OK;
    int rc = get_str(k, yaml_document_get_root_node(&k->d), "current-context", "the file", name);
    if (rc == DAAS_OK && *name == NULL)
        rc = daas_fail(k->err, DAAS_EINVAL, "kubeconfig: no current-context (pass --context)");
    return rc;
}

int daas_pki_kubeconfig_parse(daas_bytes yaml, const char *context, const char *base_dir,
                              daas_pki_kubeconfig *out, daas_err *err)
{
    memset(out, 0, sizeof *out);
    if (yaml.len > DAAS_PKI_KUBECONFIG_MAX)
        return daas_fail(err, DAAS_ETOOBIG, "kubeconfig: over %zu bytes", DAAS_PKI_KUBECONFIG_MAX);
    kc k = {.base_dir = base_dir, .err = err};
    int rc = load(&k, yaml);
    if (rc != DAAS_OK)
        return rc;
    daas_pki_kubeconfig o = {0};
    const char *name = NULL;
    yaml_node_t *root = yaml_document_get_root_node(&k.d);
    if (root == NULL || root->type != YAML_MAPPING_NODE)
        rc = daas_fail(err, DAAS_EINVAL, "kubeconfig: not a kubeconfig (no top-level mapping)");
    if (rc == DAAS_OK)
        rc = pick_context(&k, context, &name);
    if (rc == DAAS_OK)
        rc = read_context(&k, name, &o);
    unload(&k);
    if (rc == DAAS_OK)
        *out = o;
    else
        daas_pki_kubeconfig_fini(&o);
    return rc;
}

/* The kubeconfig path when none is given, in a new string. */
static int default_path(char **out, daas_err *err)
{
    const char *env = getenv("KUBECONFIG");
    if (env != NULL && env[0] != '\0' && env[0] != ':') {
        const char *colon = strchr(env, ':');
        *out = daas_xstrndup(env, colon ? (size_t)(colon - env) : strlen(env));
        return DAAS_OK;
    }
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0')
        return daas_fail(err, DAAS_EINVAL,
                         "kubeconfig: no $KUBECONFIG and no $HOME "
                         "(pass --kubeconfig)");
    *out = daas_xasprintf("%s/.kube/config", home);
    return DAAS_OK;
}

int daas_pki_kubeconfig_load(const char *path, const char *context, daas_pki_kubeconfig *out,
                             daas_err *err)
{
    memset(out, 0, sizeof *out);
    char *file = NULL;
    int rc = path != NULL ? DAAS_OK : default_path(&file, err);
    if (rc != DAAS_OK)
        return rc;
    if (file == NULL)
        file = daas_xstrdup(path);
    const char *slash = strrchr(file, '/');
    char *dir = slash == NULL ? daas_xstrdup(".")
                              : daas_xstrndup(file, slash == file ? 1 : (size_t)(slash - file));
    daas_buf b;
    daas_buf_init(&b, DAAS_PKI_KUBECONFIG_MAX);
    rc = read_file(".", file, DAAS_PKI_KUBECONFIG_MAX, &b, err); /* file as given */
    if (rc == DAAS_OK)
        rc = daas_pki_kubeconfig_parse(DAAS_BYTES(b.data ? b.data : "", b.len), context, dir, out,
                                       err);
    buf_wipe(&b);
    daas_free(dir);
    daas_free(file);
    return rc;
}

void daas_pki_kubeconfig_fini(daas_pki_kubeconfig *k)
{
    if (k == NULL)
        return;
    daas_free(k->context);
    daas_free(k->cluster);
    daas_free(k->user);
    daas_free(k->server);
    daas_free(k->ca_pem);
    daas_free(k->cert_pem);
    free_secret(k->key_pem);
    free_secret(k->token);
    memset(k, 0, sizeof *k);
}
