/*
 * authn.c: the authenticator chain and the built-in authenticators (client certificate,
 * token file).
 *
 * Owns:   the chain (an array of {ops, self}), the x509 authenticator, the token table parsed
 *         from a --token-auth-file CSV.
 * Not:    TLS verification (pki/ and api/http.c fill daas_http_peer); authorization; the
 *         HTTP status of a failure (the caller answers 401).
 * Invariants:
 *   - the chain is built before the server starts and read-only afterwards, so
 *     daas_authn_run may be called from every worker thread at once;
 *   - the token table keeps SHA-256 digests only; a lookup compares the digest with EVERY
 *     entry (CRYPTO_memcmp, branch-free selection), so timing does not reveal which entry,
 *     if any, matched;
 *   - no token byte reaches a log line or a daas_err; buffers that held tokens are wiped;
 *   - every authenticated user gets the group "system:authenticated" (there is room for it:
 *     at most 7 other groups are kept).
 * Spec:   specs/kube-api.md §8.1; kube-apiserver pkg/authentication/request/bearertoken and
 *         token/tokenfile (CSV format, later duplicates win, Bearer scheme case-insensitive).
 */
#include "api/authn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "api/authn_int.h"
#include "common/alloc.h"
#include "common/log.h"

#define MOD "authn"
#define GROUP_AUTHENTICATED "system:authenticated"
#define MAX_GROUPS 8 /* size of daas_user.groups */

/* ---- the chain ---- */

typedef struct chain_link {
    const daas_authn_ops *ops; /* borrowed (static tables) */
    void *self;                /* owned; ops->destroy releases it */
} chain_link;

struct daas_authn {
    chain_link *v; /* in the order added; read-only once the server runs */
    size_t n;
};

daas_authn *daas_authn_new(void)
{
    return daas_xcalloc(1, sizeof(daas_authn));
}

void daas_authn_add(daas_authn *a, const daas_authn_ops *ops, void *self)
{
    a->v = daas_xrealloc(a->v, (a->n + 1) * sizeof a->v[0]);
    a->v[a->n++] = (chain_link){ops, self};
}

int daas_authn_run(daas_authn *a, const daas_http_req *req, daas_user *out, daas_err *err)
{
    for (size_t i = 0; i < a->n; i++) {
        daas_err mine = {0};
        memset(out, 0, sizeof *out);
        int rc = a->v[i].ops->authenticate(a->v[i].self, req, out, &mine);
        if (rc == DAAS_OK)
            return DAAS_OK;
        if (rc == DAAS_ENOTFOUND)
            continue;
        /* Bad credentials (or a failing authenticator) stop the chain: fail closed. The
         * client learns only "Unauthorized", as from kube-apiserver; the reason is logged. */
        memset(out, 0, sizeof *out);
        DAAS_DEBUG(MOD, "%s authenticator rejected the request: %s", a->v[i].ops->name,
                   mine.msg[0] ? mine.msg : daas_err_name(rc));
        if (a->v[i].ops->public_reasons && mine.msg[0] != '\0')
            return daas_fail(err, DAAS_EUNAUTH, "Unauthorized: %s", mine.msg);
        return daas_fail(err, DAAS_EUNAUTH, "Unauthorized");
    }
    memset(out, 0, sizeof *out);
    return daas_fail(err, DAAS_EUNAUTH, "Unauthorized");
}

void daas_authn_free(daas_authn **ap)
{
    daas_authn *a = ap != NULL ? *ap : NULL;
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].ops->destroy != NULL)
            a->v[i].ops->destroy(a->v[i].self);
    daas_free(a->v);
    daas_free(a);
    *ap = NULL;
}

bool daas_user_in_group(const daas_user *u, const char *g)
{
    for (int i = 0; i < u->ngroups && i < MAX_GROUPS; i++)
        if (strcmp(u->groups[i], g) == 0)
            return true;
    return false;
}

/* Adds a group unless present or full. */
static void user_add_group(daas_user *u, const char *g)
{
    if (u->ngroups >= MAX_GROUPS || daas_user_in_group(u, g))
        return;
    snprintf(u->groups[u->ngroups++], sizeof u->groups[0], "%s", g);
}

/* ---- client certificates ---- */

static int x509_authenticate(void *self, const daas_http_req *req, daas_user *out,
                             daas_err *err)
{
    (void)self, (void)err;
    const daas_http_peer *p = req->peer;
    /* An unverified or CN-less certificate is "no credentials of this kind", as in
     * kube-apiserver's x509 authenticator: the request may still carry a token. */
    if (p == NULL || !p->verified || p->cn[0] == '\0')
        return DAAS_ENOTFOUND;
    snprintf(out->name, sizeof out->name, "%s", p->cn);
    for (int i = 0; i < p->norgs && i < 8 && out->ngroups < MAX_GROUPS - 1; i++)
        if (p->orgs[i][0] != '\0')
            user_add_group(out, p->orgs[i]);
    user_add_group(out, GROUP_AUTHENTICATED);
    return DAAS_OK;
}

static const daas_authn_ops x509_ops = {"x509", x509_authenticate, NULL, false};

void daas_authn_add_x509(daas_authn *a)
{
    daas_authn_add(a, &x509_ops, NULL);
}

/* ---- the token table ---- */

typedef struct token_entry {
    uint8_t digest[32];    /* SHA-256 of the token */
    char *name;            /* owned */
    char *uid;             /* owned */
    char *groups[MAX_GROUPS - 1]; /* owned; room left for system:authenticated */
    int ngroups;
} token_entry;

struct daas_authn__tokens {
    token_entry *v; /* read-only after parsing */
    size_t n;
    size_t cap;
};

static int sha256(const void *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;
    if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != 32)
        return DAAS_ECRYPTO;
    return DAAS_OK;
}

size_t daas_authn__tokens_count(const daas_authn__tokens *t)
{
    return t->n;
}

int daas_authn__tokens_lookup(const daas_authn__tokens *t, const char *token, size_t len,
                              daas_user *out)
{
    uint8_t d[32];
    size_t idx = 0, found = 0;

    memset(out, 0, sizeof *out);
    if (sha256(token, len, d) != DAAS_OK)
        return DAAS_EUNAUTH;
    for (size_t i = 0; i < t->n; i++) {
        /* CRYPTO_memcmp returns 0..255; eq is 1 exactly when it returned 0. */
        size_t diff = (size_t)(unsigned)CRYPTO_memcmp(d, t->v[i].digest, sizeof d);
        size_t eq = ((diff - 1) >> (sizeof(size_t) * 8 - 1)) & 1;
        size_t mask = (size_t)0 - eq;
        idx = (idx & ~mask) | (i & mask);
        found |= eq;
    }
    OPENSSL_cleanse(d, sizeof d);
    if (!found)
        return DAAS_EUNAUTH;
    const token_entry *e = &t->v[idx];
    snprintf(out->name, sizeof out->name, "%s", e->name);
    snprintf(out->uid, sizeof out->uid, "%s", e->uid);
    for (int i = 0; i < e->ngroups; i++)
        user_add_group(out, e->groups[i]);
    user_add_group(out, GROUP_AUTHENTICATED);
    return DAAS_OK;
}

void daas_authn__tokens_free(daas_authn__tokens **tp)
{
    daas_authn__tokens *t = tp != NULL ? *tp : NULL;
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++) {
        daas_free(t->v[i].name);
        daas_free(t->v[i].uid);
        for (int g = 0; g < t->v[i].ngroups; g++)
            daas_free(t->v[i].groups[g]);
    }
    if (t->v != NULL)
        OPENSSL_cleanse(t->v, t->cap * sizeof t->v[0]);
    daas_free(t->v);
    daas_free(t);
    *tp = NULL;
}

/* ---- the CSV parser (encoding/csv semantics: quoted fields, "" escapes, leading blanks
 * trimmed; one record per line, no multi-line fields) ---- */

#define NFIELDS 5 /* token, user, uid, groups, and a slot that absorbs extra columns */

typedef struct csv_rec {
    char f[NFIELDS][DAAS_AUTHN_MAX_FIELD + 1]; /* field text, NUL-terminated */
    size_t len[NFIELDS];
    int n; /* fields seen on the line (may exceed NFIELDS; extras are ignored) */
} csv_rec;

typedef struct csv_ctx {
    const char *source; /* file name for messages */
    int line;           /* 1-based line number */
    daas_err *err;
} csv_ctx;

static int csv_fail(const csv_ctx *c, const char *what)
{
    return daas_fail(c->err, DAAS_EINVAL, "%s line %d: %s", c->source, c->line, what);
}

static int field_put(const csv_ctx *c, csv_rec *r, int slot, char ch)
{
    if (ch == '\0')
        return csv_fail(c, "NUL byte");
    if (r->len[slot] >= DAAS_AUTHN_MAX_FIELD)
        return csv_fail(c, "field longer than 8192 bytes");
    r->f[slot][r->len[slot]++] = ch;
    r->f[slot][r->len[slot]] = '\0';
    return DAAS_OK;
}

static int quoted_field(const csv_ctx *c, const char **pp, const char *end, csv_rec *r,
                        int slot)
{
    const char *p = *pp + 1; /* after the opening quote */
    int rc = DAAS_OK;
    for (;; p++) {
        if (p >= end)
            return csv_fail(c, "unterminated quoted field");
        if (*p == '"') {
            if (p + 1 < end && p[1] == '"')
                p++; /* "" is one quote */
            else
                break;
        }
        if ((rc = field_put(c, r, slot, *p)) != DAAS_OK)
            return rc;
    }
    p++; /* the closing quote */
    if (p < end && *p != ',')
        return csv_fail(c, "unexpected character after a quoted field");
    *pp = p;
    return DAAS_OK;
}

/* Parses one field starting at *pp; leaves *pp at the ',' that ends it or at end. */
static int csv_field(const csv_ctx *c, const char **pp, const char *end, csv_rec *r, int slot)
{
    const char *p = *pp;
    int rc = DAAS_OK;
    r->len[slot] = 0;
    r->f[slot][0] = '\0';
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p < end && *p == '"') {
        *pp = p;
        return quoted_field(c, pp, end, r, slot);
    }
    for (; p < end && *p != ','; p++) {
        if (*p == '"')
            return csv_fail(c, "bare \" in a non-quoted field");
        if ((rc = field_put(c, r, slot, *p)) != DAAS_OK)
            return rc;
    }
    *pp = p;
    return DAAS_OK;
}

static int csv_record(const csv_ctx *c, const char *p, const char *end, csv_rec *r)
{
    int rc;
    r->n = 0;
    for (;;) {
        int slot = r->n < NFIELDS ? r->n : NFIELDS - 1;
        if ((rc = csv_field(c, &p, end, r, slot)) != DAAS_OK)
            return rc;
        r->n++;
        if (p >= end)
            return DAAS_OK;
        p++; /* the comma */
    }
}

/* ---- from a record to a table entry ---- */

static bool has_control(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static int check_text(const csv_ctx *c, const char *s, size_t max, const char *what)
{
    char msg[80];
    if (strlen(s) >= max) {
        snprintf(msg, sizeof msg, "%s longer than %zu bytes", what, max - 1);
        return csv_fail(c, msg);
    }
    if (has_control(s)) {
        snprintf(msg, sizeof msg, "control character in the %s", what);
        return csv_fail(c, msg);
    }
    return DAAS_OK;
}

/* Splits "g1,g2" (each trimmed, empty pieces skipped) into e->groups. */
static int split_groups(const csv_ctx *c, const char *s, token_entry *e)
{
    daas_user probe; /* for its group size */
    while (*s != '\0') {
        const char *comma = strchr(s, ',');
        size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);
        const char *b = s, *t = s + n;
        while (b < t && (*b == ' ' || *b == '\t'))
            b++;
        while (t > b && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if (t > b) {
            if ((size_t)(t - b) >= sizeof probe.groups[0])
                return csv_fail(c, "group name longer than 127 bytes");
            if (e->ngroups >= MAX_GROUPS - 1)
                return csv_fail(c, "more than 7 groups");
            e->groups[e->ngroups++] = daas_xstrndup(b, (size_t)(t - b));
        }
        s += n + (comma != NULL);
    }
    return DAAS_OK;
}

static void entry_clear(token_entry *e)
{
    daas_free(e->name);
    daas_free(e->uid);
    for (int g = 0; g < e->ngroups; g++)
        daas_free(e->groups[g]);
    memset(e, 0, sizeof *e);
}

static int record_to_entry(const csv_ctx *c, const csv_rec *r, token_entry *e)
{
    daas_user probe; /* for its field sizes */
    int rc;
    memset(e, 0, sizeof *e);
    if (r->n < 3) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected token,user,uid[,\"groups\"] but found %d field%s",
                 r->n, r->n == 1 ? "" : "s");
        return csv_fail(c, msg);
    }
    if (r->len[0] == 0)
        return csv_fail(c, "empty token");
    if (r->len[1] == 0)
        return csv_fail(c, "empty user name");
    if ((rc = check_text(c, r->f[1], sizeof probe.name, "user name")) != DAAS_OK ||
        (rc = check_text(c, r->f[2], sizeof probe.uid, "uid")) != DAAS_OK ||
        (r->n >= 4 && (rc = check_text(c, r->f[3], DAAS_AUTHN_MAX_FIELD + 1, "groups")) !=
                          DAAS_OK))
        return rc;
    if (sha256(r->f[0], r->len[0], e->digest) != DAAS_OK)
        return daas_fail(c->err, DAAS_ECRYPTO, "%s: SHA-256 failed", c->source);
    e->name = daas_xstrdup(r->f[1]);
    e->uid = daas_xstrdup(r->f[2]);
    if (r->n >= 4 && (rc = split_groups(c, r->f[3], e)) != DAAS_OK)
        entry_clear(e);
    return rc;
}

static int table_push(const csv_ctx *c, daas_authn__tokens *t, const token_entry *e)
{
    if (t->n >= DAAS_AUTHN_MAX_TOKENS)
        return daas_fail(c->err, DAAS_ETOOBIG, "%s line %d: more than %d tokens", c->source,
                         c->line, DAAS_AUTHN_MAX_TOKENS);
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->v = daas_xrealloc(t->v, t->cap * sizeof t->v[0]);
    }
    t->v[t->n++] = *e;
    return DAAS_OK;
}

/* Blank (only blanks) lines and lines whose first non-blank is '#' carry no record. */
static bool skip_line(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p == end || *p == '#';
}

static int parse_line(csv_ctx *c, const char *p, const char *end, csv_rec *r,
                      daas_authn__tokens *t)
{
    token_entry e;
    if (skip_line(p, end))
        return DAAS_OK;
    int rc = csv_record(c, p, end, r);
    if (rc == DAAS_OK)
        rc = record_to_entry(c, r, &e);
    if (rc == DAAS_OK && (rc = table_push(c, t, &e)) != DAAS_OK)
        entry_clear(&e);
    return rc;
}

int daas_authn__tokens_parse(const char *data, size_t len, const char *source,
                             daas_authn__tokens **out, daas_err *err)
{
    daas_authn__tokens *t = daas_xcalloc(1, sizeof *t);
    csv_rec *r = daas_xcalloc(1, sizeof *r); /* ~40 KiB: not on a worker's stack */
    csv_ctx c = {source != NULL ? source : "token file", 0, err};
    const char *p = data != NULL ? data : "", *end = p + (data != NULL ? len : 0);
    int rc = DAAS_OK;

    *out = NULL;
    while (p < end && rc == DAAS_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        c.line++;
        rc = parse_line(&c, p, le > p && le[-1] == '\r' ? le - 1 : le, r, t);
        p = nl != NULL ? nl + 1 : end;
    }
    OPENSSL_cleanse(r, sizeof *r); /* it held tokens */
    daas_free(r);
    if (rc != DAAS_OK) {
        daas_authn__tokens_free(&t);
        return rc;
    }
    *out = t;
    return DAAS_OK;
}

/* ---- the token-file authenticator ---- */

static const char *header_get(const daas_http_req *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (req->headers[i].name != NULL && strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int daas_authn__bearer(const daas_http_req *req, const char **tok, size_t *len, bool *clean)
{
    const char *v = header_get(req, "Authorization");
    if (v == NULL)
        return DAAS_ENOTFOUND;
    while (is_blank(*v))
        v++;
    if (strncasecmp(v, "Bearer", 6) != 0 || (v[6] != '\0' && !is_blank(v[6])))
        return DAAS_ENOTFOUND;
    v += 6;
    while (is_blank(*v))
        v++;
    const char *e = v;
    while (*e > 0x20 && *e < 0x7f)
        e++;
    const char *rest = e;
    while (is_blank(*rest))
        rest++;
    *tok = v;
    *len = (size_t)(e - v);
    *clean = e != v && *rest == '\0';
    return DAAS_OK;
}

/* Finds the token of "Authorization: Bearer <token>". DAAS_ENOTFOUND when there is no
 * Authorization header or it uses another scheme; DAAS_EUNAUTH when the Bearer credentials
 * are malformed (empty, several words, non-printable bytes). */
static int bearer_token(const daas_http_req *req, const char **tok, size_t *len,
                        daas_err *err)
{
    bool clean = false;
    int rc = daas_authn__bearer(req, tok, len, &clean);
    if (rc == DAAS_OK && !clean)
        return daas_fail(err, DAAS_EUNAUTH, "malformed bearer token");
    return rc;
}

static int tokenfile_authenticate(void *self, const daas_http_req *req, daas_user *out,
                                  daas_err *err)
{
    const char *tok = NULL;
    size_t len = 0;
    int rc = bearer_token(req, &tok, &len, err);
    if (rc != DAAS_OK)
        return rc;
    if (daas_authn__tokens_lookup(self, tok, len, out) != DAAS_OK)
        return daas_fail(err, DAAS_EUNAUTH, "invalid bearer token");
    return DAAS_OK;
}

static void tokenfile_destroy(void *self)
{
    daas_authn__tokens *t = self;
    daas_authn__tokens_free(&t);
}

static const daas_authn_ops tokenfile_ops = {"tokenfile", tokenfile_authenticate,
                                             tokenfile_destroy, false};

void daas_authn__add_tokens(daas_authn *a, daas_authn__tokens *t)
{
    daas_authn_add(a, &tokenfile_ops, t);
}

/* Reads a whole file (at most DAAS_AUTHN_MAX_FILE bytes) into one allocation of its size,
 * so no partial copy of the tokens is left behind by a growing buffer. */
static int read_token_file(const char *path, char **out, size_t *len, daas_err *err)
{
    struct stat st;
    int rc = DAAS_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *out = NULL;
    *len = 0;
    if (fd < 0)
        return daas_fail(err, daas_from_errno(errno), "token file %s: %s", path,
                         strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = daas_fail(err, DAAS_EINVAL, "token file %s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > DAAS_AUTHN_MAX_FILE) {
        rc = daas_fail(err, DAAS_ETOOBIG, "token file %s: larger than %u bytes", path,
                       DAAS_AUTHN_MAX_FILE);
        goto out;
    }
    *out = daas_xmalloc((size_t)st.st_size + 1);
    while (*len < (size_t)st.st_size) {
        ssize_t n = read(fd, *out + *len, (size_t)st.st_size - *len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = daas_fail(err, DAAS_EIO, "token file %s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break; /* shrank while reading: parse what is there */
        *len += (size_t)n;
    }
out:
    close(fd);
    return rc;
}

int daas_authn_add_token_file(daas_authn *a, const char *path, daas_err *err)
{
    char *data = NULL;
    size_t len = 0;
    daas_authn__tokens *t = NULL;
    int rc = read_token_file(path, &data, &len, err);
    if (rc == DAAS_OK)
        rc = daas_authn__tokens_parse(data, len, path, &t, err);
    if (data != NULL)
        OPENSSL_cleanse(data, len);
    daas_free(data);
    if (rc != DAAS_OK)
        return rc;
    DAAS_INFO(MOD, "loaded %zu tokens from %s", t->n, path);
    daas_authn__add_tokens(a, t);
    return DAAS_OK;
}
