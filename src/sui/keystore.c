/*
 * keystore.c: the Sui CLI keystore (sui.keystore) and its aliases file (sui.aliases).
 *
 * Owns:   daas_sui_keystore: an ordered list of keys with optional aliases.
 * Does not own: where the files live (the caller passes paths).
 * Invariants:
 *   - sui.keystore is a JSON array of base64(flag || 32-byte secret); every entry must decode
 *     to a valid key of a known scheme, else the whole parse fails naming the entry index;
 *   - sui.aliases is a JSON array of {"alias", "public_key_base64" = base64(flag || pubkey)};
 *   - secret text (the base64 entries, the file bytes, rendered output) is wiped before it
 *     is freed; error messages name indexes, never bytes.
 * Spec:   specs/sui.md §2.3 (32-byte secrets, flags); Sui CLI keystore file layout
 *         (sui-keys crate: FileBasedKeystore, Alias{alias, public_key_base64}).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "common/util.h"
#include "sui/sui_int.h"

#define KEYSTORE_MAX_BYTES ((size_t)4 << 20) /* far above any real keystore */

struct daas_sui_keystore {
    size_t n;             /* keys in use */
    size_t cap;           /* slots allocated */
    daas_sui_key **keys;  /* owned */
    char **aliases;       /* owned; NULL when the key has no alias */
};

daas_sui_keystore *daas_sui_keystore_new(void)
{
    return daas_xcalloc(1, sizeof(daas_sui_keystore));
}

void daas_sui_keystore_free(daas_sui_keystore **ks)
{
    if (ks == NULL || *ks == NULL)
        return;
    for (size_t i = 0; i < (*ks)->n; i++) {
        daas_sui_key_free(&(*ks)->keys[i]);
        daas_free((*ks)->aliases[i]);
    }
    daas_free((*ks)->keys);
    daas_free((*ks)->aliases);
    daas_free(*ks);
    *ks = NULL;
}

size_t daas_sui_keystore_count(const daas_sui_keystore *ks)
{
    return ks->n;
}

const daas_sui_key *daas_sui_keystore_key(const daas_sui_keystore *ks, size_t i)
{
    return i < ks->n ? ks->keys[i] : NULL;
}

const char *daas_sui_keystore_alias(const daas_sui_keystore *ks, size_t i)
{
    return i < ks->n ? ks->aliases[i] : NULL;
}

const daas_sui_key *daas_sui_keystore_find_address(const daas_sui_keystore *ks,
                                                   const uint8_t addr[DAAS_SUI_ADDRESS_LEN])
{
    uint8_t a[DAAS_SUI_ADDRESS_LEN];
    for (size_t i = 0; i < ks->n; i++) {
        daas_sui_key_address(ks->keys[i], a);
        if (memcmp(a, addr, DAAS_SUI_ADDRESS_LEN) == 0)
            return ks->keys[i];
    }
    return NULL;
}

const daas_sui_key *daas_sui_keystore_find_alias(const daas_sui_keystore *ks, const char *alias)
{
    for (size_t i = 0; i < ks->n; i++)
        if (ks->aliases[i] != NULL && strcmp(ks->aliases[i], alias) == 0)
            return ks->keys[i];
    return NULL;
}

static bool has_key(const daas_sui_keystore *ks, const daas_sui_key *k)
{
    for (size_t i = 0; i < ks->n; i++)
        if (daas_sui_key_equal(ks->keys[i], k))
            return true;
    return false;
}

/* Appends k (takes ownership) with alias (copied; may be NULL). */
static void push_key(daas_sui_keystore *ks, daas_sui_key *k, const char *alias)
{
    if (ks->n == ks->cap) {
        ks->cap = ks->cap ? ks->cap * 2 : 4;
        ks->keys = daas_xrealloc(ks->keys, ks->cap * sizeof(*ks->keys));
        ks->aliases = daas_xrealloc(ks->aliases, ks->cap * sizeof(*ks->aliases));
    }
    ks->keys[ks->n] = k;
    ks->aliases[ks->n] = alias ? daas_xstrdup(alias) : NULL;
    ks->n++;
}

/* The CLI's rule: a letter, then letters, digits, '-' or '_'. */
static bool alias_ok(const char *a)
{
    if (!((a[0] >= 'a' && a[0] <= 'z') || (a[0] >= 'A' && a[0] <= 'Z')))
        return false;
    for (const char *p = a + 1; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

int daas_sui_keystore_add(daas_sui_keystore *ks, const daas_sui_key *k, const char *alias,
                          daas_err *err)
{
    daas_sui_key *copy = NULL;
    if (alias != NULL && !alias_ok(alias))
        return daas_fail(err, DAAS_EINVAL,
                         "keystore: an alias starts with a letter and has only letters, digits, "
                         "'-' and '_'");
    if (has_key(ks, k))
        return daas_fail(err, DAAS_EEXIST, "keystore: key already present");
    if (alias != NULL && daas_sui_keystore_find_alias(ks, alias) != NULL)
        return daas_fail(err, DAAS_EEXIST, "keystore: alias \"%s\" already in use", alias);
    int rc = daas_sui_key_dup(k, &copy, err);
    if (rc == DAAS_OK)
        push_key(ks, copy, alias);
    return rc;
}

/* Decodes one keystore entry (base64 of flag || secret) into *out. */
static int parse_entry(const char *b64, size_t i, daas_sui_key **out, daas_err *err)
{
    daas_buf b;
    daas_buf_init(&b, 256);
    int rc = daas_base64_decode(b64, strlen(b64), &b);
    if (rc != DAAS_OK) {
        rc = daas_fail(err, DAAS_EINVAL, "keystore entry %zu: invalid base64", i);
        goto out;
    }
    if (b.len != 1 + DAAS_SUI_SECRET_LEN) {
        rc = daas_fail(err, DAAS_EINVAL, "keystore entry %zu: %zu bytes, want 33", i, b.len);
        goto out;
    }
    uint8_t flag = (uint8_t)b.data[0];
    if (!daas_sui__scheme_ok(flag)) {
        rc = daas_fail(err, DAAS_EINVAL, "keystore entry %zu: unsupported scheme flag 0x%02x", i,
                       flag);
        goto out;
    }
    rc = daas_sui_key_from_secret(flag, (const uint8_t *)b.data + 1, out, NULL);
    if (rc != DAAS_OK)
        rc = daas_fail(err, DAAS_EINVAL, "keystore entry %zu: not a valid secret key", i);
out:
    if (b.data != NULL)
        sodium_memzero(b.data, b.len);
    daas_buf_fini(&b);
    return rc;
}

/* Overwrites the text of every string in the array (jansson frees without wiping). */
static void wipe_strings(json_t *arr)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v))
            sodium_memzero((char *)json_string_value(v), json_string_length(v));
    }
}

static int parse_entries(json_t *arr, daas_sui_keystore *ks, daas_err *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        daas_sui_key *k = NULL;
        if (!json_is_string(v))
            return daas_fail(err, DAAS_EINVAL, "keystore entry %zu: not a string", i);
        int rc = parse_entry(json_string_value(v), i, &k, err);
        if (rc != DAAS_OK)
            return rc;
        if (has_key(ks, k)) {
            daas_sui_key_free(&k);
            return daas_fail(err, DAAS_EINVAL, "keystore entry %zu: duplicate key", i);
        }
        push_key(ks, k, NULL);
    }
    return DAAS_OK;
}

int daas_sui_keystore_parse(const char *json, size_t len, daas_sui_keystore **out,
                            daas_err *err)
{
    json_error_t jerr;
    int rc;
    *out = NULL;
    if (len > KEYSTORE_MAX_BYTES)
        return daas_fail(err, DAAS_ETOOBIG, "keystore: larger than %zu bytes", KEYSTORE_MAX_BYTES);
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    /* jerr.text may quote the input (secret): report only the position */
    if (root == NULL)
        return daas_fail(err, DAAS_EINVAL, "keystore: invalid JSON at line %d column %d",
                         jerr.line, jerr.column);
    daas_sui_keystore *ks = daas_sui_keystore_new();
    if (!json_is_array(root))
        rc = daas_fail(err, DAAS_EINVAL, "keystore: top level is not a JSON array");
    else
        rc = parse_entries(root, ks, err);
    if (json_is_array(root))
        wipe_strings(root);
    json_decref(root);
    if (rc != DAAS_OK)
        daas_sui_keystore_free(&ks);
    *out = ks;
    return rc;
}

/* Reads path into *data (exactly sized, so no realloc leaves secret copies behind; the
 * caller wipes and frees). */
static int read_file(const char *path, char **data, size_t *len, daas_err *err)
{
    struct stat st;
    int rc = DAAS_OK;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return daas_fail(err, daas_from_errno(errno), "keystore: cannot open %s", path);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return daas_fail(err, DAAS_EIO, "keystore: %s is not a regular file", path);
    }
    if ((size_t)st.st_size > KEYSTORE_MAX_BYTES) {
        close(fd);
        return daas_fail(err, DAAS_ETOOBIG, "keystore: %s is too large", path);
    }
    size_t size = (size_t)st.st_size;
    char *p = daas_xmalloc(size + 1);
    while (got < size) {
        ssize_t r = read(fd, p + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = daas_fail(err, DAAS_EIO, "keystore: cannot read %s", path);
            break;
        }
        if (r == 0)
            break; /* shrank while reading: parse what is there */
        got += (size_t)r;
    }
    close(fd);
    p[got] = '\0';
    *data = p;
    *len = got;
    return rc;
}

int daas_sui_keystore_load(const char *path, daas_sui_keystore **out, daas_err *err)
{
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = read_file(path, &data, &len, err);
    if (rc == DAAS_OK)
        rc = daas_sui_keystore_parse(data ? data : "", len, out, err);
    if (data != NULL)
        sodium_memzero(data, len);
    daas_free(data);
    return rc;
}

/* Index of the key whose public key equals pk, or ks->n. */
static size_t find_pub(const daas_sui_keystore *ks, const daas_sui_pubkey *pk)
{
    for (size_t i = 0; i < ks->n; i++) {
        const daas_sui_pubkey *q = daas_sui_key_public(ks->keys[i]);
        if (q->scheme == pk->scheme && q->len == pk->len && memcmp(q->bytes, pk->bytes, q->len) == 0)
            return i;
    }
    return ks->n;
}

static int apply_alias(daas_sui_keystore *ks, json_t *v, size_t i, daas_err *err)
{
    daas_sui_pubkey pk;
    daas_err sub = {0};
    json_t *a = json_is_object(v) ? json_object_get(v, "alias") : NULL;
    json_t *p = json_is_object(v) ? json_object_get(v, "public_key_base64") : NULL;
    if (!json_is_string(a) || !json_is_string(p) || json_string_length(a) == 0)
        return daas_fail(err, DAAS_EINVAL,
                         "aliases entry %zu: want {\"alias\": string, \"public_key_base64\": string}",
                         i);
    if (daas_sui_pubkey_from_base64(json_string_value(p), &pk, &sub) != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "aliases entry %zu: %s", i, sub.msg);
    size_t k = find_pub(ks, &pk);
    if (k == ks->n)
        return DAAS_OK; /* alias of a key we do not hold */
    const daas_sui_key *other = daas_sui_keystore_find_alias(ks, json_string_value(a));
    if (other != NULL && other != ks->keys[k])
        return daas_fail(err, DAAS_EINVAL, "aliases entry %zu: alias used twice", i);
    daas_free(ks->aliases[k]);
    ks->aliases[k] = daas_xstrdup(json_string_value(a));
    return DAAS_OK;
}

int daas_sui_keystore_parse_aliases(daas_sui_keystore *ks, const char *json, size_t len,
                                    daas_err *err)
{
    json_error_t jerr;
    int rc = DAAS_OK;
    size_t i;
    json_t *v;
    if (len > KEYSTORE_MAX_BYTES)
        return daas_fail(err, DAAS_ETOOBIG, "aliases: larger than %zu bytes", KEYSTORE_MAX_BYTES);
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return daas_fail(err, DAAS_EINVAL, "aliases: invalid JSON at line %d column %d",
                         jerr.line, jerr.column);
    if (!json_is_array(root))
        rc = daas_fail(err, DAAS_EINVAL, "aliases: top level is not a JSON array");
    json_array_foreach(root, i, v)
    {
        rc = apply_alias(ks, v, i, err);
        if (rc != DAAS_OK)
            break;
    }
    json_decref(root);
    return rc;
}

/* SPEC: the CLI writes a pretty-printed JSON array of base64(flag || secret) */
char *daas_sui_keystore_render(const daas_sui_keystore *ks, size_t *len_out)
{
    /* exact size up front: each entry is 44 base64 chars + quotes, indent, comma, newline */
    size_t per = 2 + 2 + 44 + 2;
    size_t cap = 2 + ks->n * per + 2;
    char *out = daas_xmalloc(cap + 1);
    size_t o = 0;
    out[o++] = '[';
    out[o++] = '\n';
    for (size_t i = 0; i < ks->n; i++) {
        uint8_t raw[1 + DAAS_SUI_SECRET_LEN];
        raw[0] = (uint8_t)daas_sui_key_scheme(ks->keys[i]);
        daas_sui_key_secret(ks->keys[i], raw + 1);
        char *b64 = daas_base64_encode(raw, sizeof(raw));
        size_t bl = strlen(b64);
        memcpy(out + o, "  \"", 3);
        o += 3;
        memcpy(out + o, b64, bl);
        o += bl;
        out[o++] = '"';
        if (i + 1 < ks->n)
            out[o++] = ',';
        out[o++] = '\n';
        sodium_memzero(raw, sizeof(raw));
        sodium_memzero(b64, bl);
        daas_free(b64);
    }
    out[o++] = ']';
    out[o] = '\0';
    if (len_out != NULL)
        *len_out = o;
    return out;
}

char *daas_sui_keystore_render_aliases(const daas_sui_keystore *ks, size_t *len_out)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < ks->n; i++) {
        if (ks->aliases[i] == NULL)
            continue;
        char *pk = daas_sui_pubkey_base64(daas_sui_key_public(ks->keys[i]));
        json_array_append_new(arr, json_pack("{s:s, s:s}", "alias", ks->aliases[i],
                                             "public_key_base64", pk));
        daas_free(pk);
    }
    char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(arr);
    if (s == NULL)
        abort(); /* jansson fails only on out-of-memory */
    char *out = daas_xstrdup(s);
    daas_free(s); /* jansson allocates with the default malloc */
    if (len_out != NULL)
        *len_out = strlen(out);
    return out;
}

/* Writes text to path atomically (temp file, fsync, rename) with mode. */
static int write_file_atomic(const char *path, const char *text, size_t len, mode_t mode,
                             daas_err *err)
{
    char *tmp = daas_xasprintf("%s.tmp.%d", path, (int)getpid());
    int rc = DAAS_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = daas_fail(err, daas_from_errno(errno), "keystore: cannot create %s", tmp);
        goto out;
    }
    if (daas_write_all(fd, text, len) != 0 || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        rc = daas_fail(err, DAAS_EIO, "keystore: cannot write %s", tmp);
        goto out;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        rc = daas_fail(err, daas_from_errno(errno), "keystore: cannot rename onto %s", path);
    }
out:
    daas_free(tmp);
    return rc;
}

int daas_sui_keystore_save(const daas_sui_keystore *ks, const char *path, daas_err *err)
{
    size_t len = 0;
    char *text = daas_sui_keystore_render(ks, &len);
    int rc = write_file_atomic(path, text, len, 0600, err);
    sodium_memzero(text, len);
    daas_free(text);
    return rc;
}

char *daas_sui_keystore_default_path(void)
{
    const char *env = getenv("DAAS_KEYSTORE");
    if (env != NULL && env[0] != '\0')
        return daas_xstrdup(env);
    const char *home = getenv("HOME");
    return daas_xasprintf("%s/.sui/sui_config/sui.keystore", home ? home : ".");
}

/* sui.aliases in the keystore's directory. */
static char *aliases_path(const char *keystore)
{
    const char *slash = strrchr(keystore, '/');
    if (slash == NULL)
        return daas_xstrdup("sui.aliases");
    return daas_xasprintf("%.*s/sui.aliases", (int)(slash - keystore), keystore);
}

int daas_sui_keystore_load_with_aliases(const char *path, daas_sui_keystore **out, daas_err *err)
{
    int rc = daas_sui_keystore_load(path, out, err);
    char *apath = aliases_path(path), *data = NULL;
    size_t len = 0;
    if (rc == DAAS_OK && access(apath, F_OK) == 0) {
        rc = read_file(apath, &data, &len, err);
        if (rc == DAAS_OK)
            rc = daas_sui_keystore_parse_aliases(*out, data, len, err);
        if (rc != DAAS_OK)
            daas_sui_keystore_free(out);
    }
    daas_free(data);
    daas_free(apath);
    return rc;
}

int daas_sui_keystore_store_key(const char *path, const daas_sui_key *k, const char *alias,
                                daas_err *err)
{
    char *own = path ? NULL : daas_sui_keystore_default_path();
    const char *p = path ? path : own;
    char *apath = aliases_path(p), *dir = daas_xstrdup(apath), *text = NULL;
    daas_sui_keystore *ks = NULL;
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        dir[0] = '.', dir[1] = '\0';
    int rc = access(p, F_OK) == 0 ? daas_sui_keystore_load_with_aliases(p, &ks, err)
                                  : daas_mkdir_p(dir, err);
    if (rc == DAAS_OK && ks == NULL)
        ks = daas_sui_keystore_new();
    if (rc == DAAS_OK)
        rc = daas_sui_keystore_add(ks, k, alias, err);
    if (rc == DAAS_OK)
        rc = daas_sui_keystore_save(ks, p, err);
    size_t len = 0;
    if (rc == DAAS_OK)
        text = daas_sui_keystore_render_aliases(ks, &len);
    if (rc == DAAS_OK)
        rc = write_file_atomic(apath, text, len, 0644, err);
    daas_free(text);
    daas_sui_keystore_free(&ks);
    daas_free(dir);
    daas_free(apath);
    daas_free(own);
    return rc;
}
