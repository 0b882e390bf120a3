/*
 * keyspec.c: resolves a --key argument (a suiprivkey, a key file, a keystore alias or
 * address) to a key. The rules are listed once, in keyspec.h.
 *
 * Owns:   reading key files; "~/" expansion.
 * Not:    the keystore and key formats, the keystore's default path and its sui.aliases
 *         neighbour (keystore.c, keys.c).
 * Invariants:
 *   - every buffer that held file text is wiped before it is freed (it may hold secrets);
 *   - the --key value is echoed in a message only when it looks like an alias or an
 *     address, so a mistyped secret never reaches stderr.
 */
#include "sui/keyspec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/alloc.h"
#include "common/util.h"

#define KEYFILE_MAX ((size_t)4 << 20) /* as the keystore reader */
#define PRIVKEY_HRP "suiprivkey1"
#define ALIAS_MAX 64

/* "~" and "~/x" → $HOME, $HOME/x; anything else copied. New string. */
static char *expand_home(const char *p)
{
    const char *home = getenv("HOME");
    if (home != NULL && p[0] == '~' && (p[1] == '\0' || p[1] == '/'))
        return daas_xasprintf("%s%s", home, p + 1);
    return daas_xstrdup(p);
}

char *daas_sui_keyspec_keystore_path(const char *keystore_path)
{
    char *def = NULL, *path = NULL;
    if (keystore_path != NULL && keystore_path[0] != '\0')
        return expand_home(keystore_path);
    def = daas_sui_keystore_default_path();
    path = expand_home(def); /* $DAAS_KEYSTORE may say "~/..." (kubeconfig env does not expand) */
    daas_free(def);
    return path;
}

/* Reads a whole file of at most KEYFILE_MAX bytes into one exactly sized allocation (no
 * realloc leaves copies behind). The caller wipes and frees *data. */
static int read_file(const char *path, const char *what, char **data, size_t *len,
                     daas_err *err)
{
    struct stat st;
    int rc = DAAS_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *data = NULL;
    *len = 0;
    if (fd < 0)
        return daas_fail(err, daas_from_errno(errno), "%s %s: %s", what, path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return daas_fail(err, DAAS_EINVAL, "%s %s: not a regular file", what, path);
    }
    if ((size_t)st.st_size > KEYFILE_MAX) {
        close(fd);
        return daas_fail(err, DAAS_ETOOBIG, "%s %s: larger than 4 MiB", what, path);
    }
    size_t size = (size_t)st.st_size;
    *data = daas_xmalloc(size + 1);
    while (*len < size) {
        ssize_t r = read(fd, *data + *len, size - *len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = daas_fail(err, DAAS_EIO, "%s %s: %s", what, path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        *len += (size_t)r;
    }
    close(fd);
    (*data)[*len] = '\0';
    return rc;
}

static void wipe_free(char **data, size_t len)
{
    if (*data != NULL)
        sodium_memzero(*data, len);
    daas_free(*data);
    *data = NULL;
}

/* A new key equal to k (the keystore owns k). */
static int copy_key(const daas_sui_key *k, daas_sui_key **out, daas_err *err)
{
    return daas_sui_key_dup(k, out, err);
}

static bool looks_like_alias(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > ALIAS_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (i > 0 && ((c >= '0' && c <= '9') || c == '-' || c == '_'));
        if (!ok)
            return false;
    }
    return true;
}

static bool looks_like_address(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > DAAS_SUI_ADDRESS_HEX_LEN || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    for (size_t i = 2; i < n; i++)
        if (daas_hexval(s[i]) < 0)
            return false;
    return true;
}

/* ---- rule 2: a key file ---- */

static int from_keystore_text(const char *path, const char *text, size_t len,
                              daas_sui_key **out, daas_err *err)
{
    daas_sui_keystore *ks = NULL;
    daas_err inner = {0};
    int rc = daas_sui_keystore_parse(text, len, &ks, &inner);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "%s: %s", path, inner.msg);
    size_t n = daas_sui_keystore_count(ks);
    if (n == 1)
        rc = copy_key(daas_sui_keystore_key(ks, 0), out, err);
    else if (n == 0)
        rc = daas_fail(err, DAAS_EINVAL, "keystore %s holds no key", path);
    else
        rc = daas_fail(err, DAAS_EINVAL,
                       "keystore %s holds %zu keys: pass --keystore %s and an alias or "
                       "address as --key",
                       path, n, path);
    daas_sui_keystore_free(&ks);
    return rc;
}

/* The first line, trimmed, must be a suiprivkey. */
static int from_privkey_line(const char *path, char *text, daas_sui_key **out, daas_err *err)
{
    char *p = text;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    size_t n = strcspn(p, "\r\n");
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    char save = p[n];
    p[n] = '\0';
    int rc = DAAS_EINVAL;
    if (strncasecmp(p, PRIVKEY_HRP, sizeof PRIVKEY_HRP - 1) == 0) {
        daas_err inner = {0};
        rc = daas_sui_key_from_privkey(p, out, &inner);
        if (rc != DAAS_OK)
            daas_fail(err, rc, "key file %s: %s", path, inner.msg);
    } else {
        daas_fail(err, DAAS_EINVAL,
                  "key file %s: the first line is not a suiprivkey1... key and the file is not "
                  "a Sui keystore (a JSON list)",
                  path);
    }
    p[n] = save;
    return rc;
}

static int from_file(const char *spec, daas_sui_key **out, daas_err *err)
{
    char *path = expand_home(spec), *text = NULL;
    size_t len = 0;
    int rc = read_file(path, "key file", &text, &len, err);
    if (rc == DAAS_OK) {
        size_t i = strspn(text, " \t\r\n");
        if (text[i] == '[')
            rc = from_keystore_text(path, text, len, out, err);
        else
            rc = from_privkey_line(path, text, out, err);
    }
    wipe_free(&text, len);
    daas_free(path);
    return rc;
}

/* ---- rule 3: alias or address in the keystore ---- */

static int lookup(const daas_sui_keystore *ks, const char *spec, const char *path,
                  daas_sui_key **out, daas_err *err)
{
    const daas_sui_key *k = NULL;
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_err ignored = {0};
    if (looks_like_address(spec) && daas_sui_address_parse(spec, addr, &ignored) == DAAS_OK)
        k = daas_sui_keystore_find_address(ks, addr);
    else if (looks_like_alias(spec))
        k = daas_sui_keystore_find_alias(ks, spec);
    if (k != NULL)
        return copy_key(k, out, err);
    return daas_fail(err, DAAS_ENOTFOUND, "no key '%s' in %s", spec, path);
}

static int from_keystore(const char *spec, const char *keystore_path, daas_sui_key **out,
                         daas_err *err)
{
    char *path = daas_sui_keyspec_keystore_path(keystore_path);
    daas_sui_keystore *ks = NULL;
    daas_err inner = {0};
    int rc = daas_sui_keystore_load_with_aliases(path, &ks, &inner);
    if (rc == DAAS_ENOTFOUND)
        daas_fail(err, rc, "no key '%s' in %s (no such file)", spec, path);
    else if (rc != DAAS_OK)
        daas_fail(err, rc, "%s", inner.msg);
    if (rc == DAAS_OK)
        rc = lookup(ks, spec, path, out, err);
    daas_sui_keystore_free(&ks);
    daas_free(path);
    return rc;
}

/* Rule 1b: base64(flag || 32-byte secret), a sui.keystore entry. DAAS_ENOTFOUND when spec
 * is not one (then it is not echoed either: it may be a mistyped secret). */
static int from_keystore_entry(const char *spec, daas_sui_key **out, daas_err *err)
{
    daas_buf b;
    size_t n = strlen(spec);
    int rc = DAAS_ENOTFOUND;
    if (n != 44)
        return rc;
    daas_buf_init(&b, 64);
    if (daas_base64_decode(spec, n, &b) == DAAS_OK && b.len == 1 + DAAS_SUI_SECRET_LEN) {
        daas_err inner = {0};
        rc = daas_sui_key_from_secret((uint8_t)b.data[0], (const uint8_t *)b.data + 1, out,
                                      &inner);
        if (rc != DAAS_OK)
            daas_fail(err, rc, "--key: a keystore entry, but %s", inner.msg);
    }
    if (b.data != NULL)
        sodium_memzero(b.data, b.cap);
    daas_buf_fini(&b);
    return rc;
}

static bool is_file(const char *spec)
{
    struct stat st;
    char *path = expand_home(spec);
    bool yes = stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
    daas_free(path);
    return yes;
}

int daas_sui_keyspec_resolve(const char *spec, const char *keystore_path, daas_sui_key **out,
                             daas_err *err)
{
    *out = NULL;
    if (spec == NULL || spec[0] == '\0')
        return daas_fail(err, DAAS_EINVAL, "empty --key");
    if (strncasecmp(spec, PRIVKEY_HRP, sizeof PRIVKEY_HRP - 1) == 0) {
        daas_err inner = {0};
        int rc = daas_sui_key_from_privkey(spec, out, &inner);
        if (rc != DAAS_OK)
            daas_fail(err, rc, "--key: %s", inner.msg);
        return rc;
    }
    if (is_file(spec))
        return from_file(spec, out, err);
    int rc = from_keystore_entry(spec, out, err);
    if (rc != DAAS_ENOTFOUND)
        return rc;
    if (strchr(spec, '/') != NULL)
        return from_file(spec, out, err);
    if (!looks_like_alias(spec) && !looks_like_address(spec))
        return daas_fail(err, DAAS_EINVAL,
                         "--key is not a suiprivkey1... key, an existing file, a keystore "
                         "alias or a 0x address");
    return from_keystore(spec, keystore_path, out, err);
}
