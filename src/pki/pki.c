/*
 * pki.c: loads or creates the cluster PKI at startup and builds the server's TLS context.
 *
 * Owns:   the policy of what to reuse and what to re-issue; the SAN list of the server
 *         certificate; the SSL_CTX settings (versions, client-certificate request, ALPN).
 * Not:    X.509 construction (pki_cert.c), file writing (pki_io.c), the kubeconfig text
 *         (kubeconfig.c), reading the peer identity into a request (api/http.c, which calls
 *         daas_pki_peer_identity).
 * Invariants:
 *   - an existing CA is never replaced: a CA that does not load is an error for the operator;
 *     only a missing ca.crt makes a new CA (and then every leaf is re-issued, since none is
 *     signed by it);
 *   - a leaf is re-issued with a new key when missing, unreadable, not matching its key, not
 *     signed by the current CA, expiring within DAAS_PKI_RENEW_DAYS, or (server) not covering
 *     every requested SAN; the key file is written before the certificate, so a crash between
 *     the two leaves a mismatch that the next start repairs;
 *   - the TLS handshake never fails for want of a valid client certificate: the HTTP layer
 *     decides (anonymous requests get 401), but an invalid one never reads as verified.
 * Spec:   specs/kube-api.md §8.1; k3s pkg/cli/server (dynamiclistener SANs).
 */
#include "pki/pki_int.h"
#include "common/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/log.h"

#define MOD "pki"
#define MAX_SANS 256

/* ---- the SAN list of the server certificate ---- */

typedef struct san_list {
    daas_pki__san v[MAX_SANS];
    size_t n;
} san_list;

static bool san_equal(const daas_pki__san *a, const daas_pki__san *b)
{
    if (a->iplen != b->iplen)
        return false;
    if (a->iplen > 0)
        return memcmp(a->ip, b->ip, (size_t)a->iplen) == 0;
    return strcasecmp(a->dns, b->dns) == 0;
}

/* Adds s unless already present; silently stops at MAX_SANS (host addresses beyond that are
 * not worth failing startup for; explicit --tls-san values come first). */
static void san_add(san_list *l, const daas_pki__san *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (san_equal(&l->v[i], s))
            return;
    if (l->n < MAX_SANS)
        l->v[l->n++] = *s;
}

static int san_add_str(san_list *l, const char *s, daas_err *err)
{
    daas_pki__san one;
    int rc = daas_pki__san_parse(s, &one, err);
    if (rc == DAAS_OK)
        san_add(l, &one);
    return rc;
}

static bool is_link_local6(const struct in6_addr *a)
{
    return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

/* Every non-loopback address of the host (IPv6 link-local ones need a zone; skipped). */
static void san_add_host_addresses(san_list *l)
{
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) != 0) {
        DAAS_WARN(MOD, "getifaddrs: %s; host addresses not added to the server certificate",
                  strerror(errno));
        return;
    }
    for (struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
        daas_pki__san s;
        memset(&s, 0, sizeof s);
        if (i->ifa_addr == NULL || (i->ifa_flags & IFF_LOOPBACK))
            continue;
        if (i->ifa_addr->sa_family == AF_INET) {
            const struct sockaddr_in *a = (const struct sockaddr_in *)(void *)i->ifa_addr;
            memcpy(s.ip, &a->sin_addr, 4);
            s.iplen = 4;
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(void *)i->ifa_addr;
            if (is_link_local6(&a->sin6_addr))
                continue;
            memcpy(s.ip, &a->sin6_addr, 16);
            s.iplen = 16;
        } else {
            continue;
        }
        san_add(l, &s);
    }
    freeifaddrs(ifs);
}

static int build_sans(const daas_pki_opts *o, san_list *l, daas_err *err)
{
    static const char *const fixed[] = {"localhost", "kubernetes", "kubernetes.default",
                                        "kubernetes.default.svc",
                                        "kubernetes.default.svc.cluster.local", "127.0.0.1",
                                        "::1"};
    char host[256] = "";
    int rc = DAAS_OK;

    l->n = 0;
    for (size_t i = 0; i < o->nextra_sans && rc == DAAS_OK; i++)
        rc = san_add_str(l, o->extra_sans[i], err);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && rc == DAAS_OK; i++)
        rc = san_add_str(l, fixed[i], err);
    if (rc != DAAS_OK)
        return rc;
    if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0' &&
        san_add_str(l, host, NULL) != DAAS_OK)
        DAAS_WARN(MOD, "host name \"%.64s\" is not a DNS name; not added as a SAN", host);
    san_add_host_addresses(l);
    return DAAS_OK;
}

/* ---- keys at rest: plain files, or sealed through the vault ---- */

static int key_save(daas_pki *p, EVP_PKEY *key, const char *path, daas_err *err)
{
    if (p->vault == NULL)
        return daas_pki__save_key(key, path, err);
    char *pem = NULL;
    size_t len = 0;
    int rc = daas_pki__key_pem(key, &pem, &len, err);
    if (rc == DAAS_OK)
        rc = p->vault->seal(p->vault->arg, path, DAAS_BYTES(pem, len), err);
    if (pem != NULL)
        daas_pki__free_secret(pem, len);
    if (rc == DAAS_OK && unlink(path) != 0 && errno != ENOENT)
        rc = daas_fail(err, DAAS_EIO, "cannot remove the plaintext key %s: %s", path,
                       strerror(errno));
    return rc;
}

static int key_load(daas_pki *p, const char *path, EVP_PKEY **key, daas_err *err)
{
    if (p->vault == NULL)
        return daas_pki__load_key(path, key, err);
    daas_buf pem = {0};
    int rc = p->vault->open(p->vault->arg, path, &pem, err);
    if (rc == DAAS_OK)
        rc = daas_pki__key_from_pem(pem.data, pem.len, path, key, err);
    if (rc == DAAS_OK)
        DAAS_INFO(MOD, "unsealed %s (in memory only)", path);
    if (pem.data != NULL)
        daas_pki__free_secret(pem.data, pem.cap);
    if (rc != DAAS_ENOTFOUND)
        return rc;
    /* Not sealed yet: a plaintext key from a run without the vault is sealed, then removed. */
    daas_err_clear(err);
    rc = daas_pki__load_key(path, key, err);
    if (rc == DAAS_OK)
        rc = key_save(p, *key, path, err);
    if (rc == DAAS_OK)
        DAAS_INFO(MOD, "sealed %s (the plaintext file is gone)", path);
    return rc;
}

/* ---- CA and leaves ---- */

static int create_ca(daas_pki *p, daas_err *err)
{
    int rc = daas_pki__new_key(&p->ca_key, err);
    if (rc == DAAS_OK)
        rc = daas_pki__new_ca(p->ca_key, DAAS_PKI_CA_DAYS, &p->ca, err);
    if (rc == DAAS_OK)
        rc = key_save(p, p->ca_key, p->ca_key_path, err);
    if (rc == DAAS_OK)
        rc = daas_pki__save_cert(p->ca, p->ca_crt, err);
    if (rc == DAAS_OK)
        DAAS_INFO(MOD, "created a new cluster CA in %s", p->tls_dir);
    return rc;
}

static int ensure_ca(daas_pki *p, daas_err *err)
{
    int rc = daas_pki__load_cert(p->ca_crt, &p->ca, err);
    if (rc == DAAS_ENOTFOUND) {
        daas_err_clear(err);
        return create_ca(p, err);
    }
    if (rc != DAAS_OK)
        return rc;
    rc = key_load(p, p->ca_key_path, &p->ca_key, err);
    if (rc != DAAS_OK)
        return rc; /* a CA certificate without its key cannot sign: the operator decides */
    if (X509_check_private_key(p->ca, p->ca_key) != 1) {
        ERR_clear_error();
        return daas_fail(err, DAAS_EINVAL, "%s does not match %s", p->ca_key_path, p->ca_crt);
    }
    if (!daas_pki__valid_for(p->ca, DAAS_PKI_RENEW_DAYS))
        DAAS_WARN(MOD, "the cluster CA %s expires within %d days; remove %s to re-create it",
                  p->ca_crt, DAAS_PKI_RENEW_DAYS, p->tls_dir);
    return DAAS_OK;
}

/* Why an existing leaf must be re-issued, or NULL when it is still good. */
static const char *leaf_stale(daas_pki *p, X509 *crt, EVP_PKEY *key, const daas_pki__leaf *lf)
{
    if (crt == NULL || key == NULL)
        return "missing or unreadable";
    if (X509_check_private_key(crt, key) != 1) {
        ERR_clear_error();
        return "key does not match";
    }
    if (!daas_pki__signed_by(crt, p->ca))
        return "not signed by the current CA";
    if (!daas_pki__valid_for(crt, DAAS_PKI_RENEW_DAYS))
        return "expires soon";
    if (!daas_pki__covers_sans(crt, lf->sans, lf->nsans))
        return "SANs changed";
    return NULL;
}

/* sealed: the key rests through the vault (the server's TLS key), else in a plain file (the
 * admin's, which its kubeconfig embeds anyway). */
static int ensure_leaf(daas_pki *p, const char *crt_path, const char *key_path, bool sealed,
                       const daas_pki__leaf *lf, X509 **crt, EVP_PKEY **key, daas_err *err)
{
    /* Load failures only mean "re-issue": a leaf is cheap and derived from the CA. */
    if (daas_pki__load_cert(crt_path, crt, NULL) != DAAS_OK ||
        (sealed ? key_load(p, key_path, key, NULL) : daas_pki__load_key(key_path, key, NULL)) !=
            DAAS_OK) {
        X509_free(*crt);
        *crt = NULL;
    }
    const char *why = leaf_stale(p, *crt, *key, lf);
    if (why == NULL)
        return DAAS_OK;
    X509_free(*crt);
    EVP_PKEY_free(*key);
    *crt = NULL;
    *key = NULL;
    int rc = daas_pki__new_key(key, err);
    if (rc == DAAS_OK)
        rc = daas_pki__new_leaf(p->ca, p->ca_key, *key, lf, crt, err);
    if (rc == DAAS_OK)
        rc = sealed ? key_save(p, *key, key_path, err) : daas_pki__save_key(*key, key_path, err);
    if (rc == DAAS_OK)
        rc = daas_pki__save_cert(*crt, crt_path, err);
    if (rc == DAAS_OK)
        DAAS_INFO(MOD, "issued %s (%s)", crt_path, why);
    return rc;
}

static void set_paths(daas_pki *p, const char *dir)
{
    p->data_dir = daas_xstrdup(dir);
    p->tls_dir = daas_xasprintf("%s/tls", dir);
    p->ca_crt = daas_xasprintf("%s/ca.crt", p->tls_dir);
    p->ca_key_path = daas_xasprintf("%s/ca.key", p->tls_dir);
    p->srv_crt = daas_xasprintf("%s/server.crt", p->tls_dir);
    p->srv_key_path = daas_xasprintf("%s/server.key", p->tls_dir);
    p->adm_crt = daas_xasprintf("%s/admin.crt", p->tls_dir);
    p->adm_key_path = daas_xasprintf("%s/admin.key", p->tls_dir);
    p->kubeconfig = daas_xasprintf("%s/kubeconfig.yaml", dir);
}

static int ensure_all(daas_pki *p, const daas_pki_opts *o, daas_err *err)
{
    static const char *const admin_orgs[] = {"system:masters"};
    san_list *sans = daas_xmalloc(sizeof *sans);
    int rc = daas_mkdir_p(p->data_dir, err);
    if (rc == DAAS_OK)
        rc = daas_pki__mkdir(p->tls_dir, err);
    if (rc == DAAS_OK)
        rc = build_sans(o, sans, err);
    if (rc == DAAS_OK)
        rc = ensure_ca(p, err);
    daas_pki__leaf srv = {.cn = "daas-apiserver", .sans = sans->v, .nsans = sans->n,
                          .server = true, .days = DAAS_PKI_LEAF_DAYS};
    daas_pki__leaf adm = {.cn = "system:admin", .orgs = admin_orgs, .norgs = 1,
                          .days = DAAS_PKI_LEAF_DAYS};
    if (rc == DAAS_OK)
        rc = ensure_leaf(p, p->srv_crt, p->srv_key_path, true, &srv, &p->srv, &p->srv_key, err);
    if (rc == DAAS_OK)
        rc = ensure_leaf(p, p->adm_crt, p->adm_key_path, false, &adm, &p->adm, &p->adm_key,
                         err);
    daas_free(sans);
    return rc;
}

int daas_pki_ensure(const daas_pki_opts *opts, daas_pki **out, daas_err *err)
{
    *out = NULL;
    if (opts == NULL || opts->data_dir == NULL || opts->data_dir[0] == '\0')
        return daas_fail(err, DAAS_EINVAL, "pki: no data directory");
    if (opts->nextra_sans > 0 && opts->extra_sans == NULL)
        return daas_fail(err, DAAS_EINVAL, "pki: extra SAN count without a list");
    daas_pki *p = daas_xcalloc(1, sizeof *p);
    p->vault = opts->vault;
    set_paths(p, opts->data_dir);
    int rc = ensure_all(p, opts, err);
    if (rc == DAAS_OK && !opts->no_kubeconfig)
        rc = daas_pki__write_kubeconfig(
            p, opts->server_url != NULL ? opts->server_url : "https://127.0.0.1:6443",
            opts->cluster_name != NULL ? opts->cluster_name : "default", err);
    if (rc != DAAS_OK) {
        daas_pki_free(&p);
        return rc;
    }
    *out = p;
    return DAAS_OK;
}

/* ---- the server's TLS context ---- */

/* Never fails the handshake over the client certificate: the HTTP layer decides. An error
 * must still be visible in SSL_get_verify_result, so a failure that left no error code gets
 * one (returning 1 keeps the first error the verifier recorded). */
static int verify_keep_going(int preverify_ok, X509_STORE_CTX *ctx)
{
    if (!preverify_ok && X509_STORE_CTX_get_error(ctx) == X509_V_OK)
        X509_STORE_CTX_set_error(ctx, X509_V_ERR_UNSPECIFIED);
    return 1;
}

/* kubectl offers "h2" and "http/1.1"; we speak only HTTP/1.1. A client that offers neither
 * continues without ALPN. */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x08http/1.1";
    unsigned char *sel = NULL;
    unsigned char sellen = 0;
    (void)ssl, (void)arg;
    if (SSL_select_next_proto(&sel, &sellen, ours, sizeof ours - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    *outlen = sellen;
    return SSL_TLSEXT_ERR_OK;
}

static int set_client_ca(SSL_CTX *ctx, X509 *ca)
{
    if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca) != 1)
        return -1;
    /* The CertificateRequest lists the CA, so clients pick the right certificate. */
    return SSL_CTX_add_client_CA(ctx, ca) == 1 ? 0 : -1;
}

int daas_pki_server_ctx(daas_pki *p, SSL_CTX **out, daas_err *err)
{
    static const unsigned char sid_ctx[] = "daas-apiserver";
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    *out = NULL;
    if (ctx == NULL)
        goto fail;
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate(ctx, p->srv) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, p->srv_key) != 1 || SSL_CTX_check_private_key(ctx) != 1 ||
        set_client_ca(ctx, p->ca) != 0)
        goto fail;
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_keep_going);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    /* Required for session resumption when client certificates are requested. */
    if (SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1) != 1)
        goto fail;
    *out = ctx;
    return DAAS_OK;
fail:
    SSL_CTX_free(ctx);
    return daas_from_ssl(err, "building the TLS server context");
}

int daas_pki_seal_keys(daas_pki *p, const daas_pki_vault *v, daas_err *err)
{
    p->vault = v;
    int rc = key_save(p, p->ca_key, p->ca_key_path, err);
    if (rc == DAAS_OK)
        rc = key_save(p, p->srv_key, p->srv_key_path, err);
    if (rc == DAAS_OK)
        DAAS_INFO(MOD, "sealed the cluster CA key and the server's TLS key");
    return rc;
}

int daas_pki_file_ctx(const char *cert_path, const char *key_path, SSL_CTX **out,
                      daas_err *err)
{
    X509 *crt = NULL;
    EVP_PKEY *key = NULL;
    SSL_CTX *ctx = NULL;
    *out = NULL;
    int rc = daas_pki__load_cert(cert_path, &crt, err);
    if (rc == DAAS_OK)
        rc = daas_pki__load_key(key_path, &key, err);
    if (rc == DAAS_OK) {
        ctx = SSL_CTX_new(TLS_server_method());
        if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
            SSL_CTX_use_certificate(ctx, crt) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
            SSL_CTX_free(ctx);
            ctx = NULL;
            rc = daas_from_ssl(err, "building a TLS context from files");
        }
    }
    X509_free(crt);
    EVP_PKEY_free(key);
    *out = ctx;
    return rc;
}

/* Copies the text of the entries of one attribute (nid) of name. Returns the count. */
static int name_entries(const X509_NAME *name, int nid, char (*dst)[128], int max)
{
    int n = 0;
    for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0 && n < max;
         i = X509_NAME_get_index_by_NID(name, nid, i)) {
        unsigned char *utf8 = NULL;
        const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
        int len = ASN1_STRING_to_UTF8(&utf8, s);
        /* An entry with an embedded NUL could spoof a shorter name: skip it. */
        if (len >= 0 && len < 128 && memchr(utf8, '\0', (size_t)len) == NULL) {
            memcpy(dst[n], utf8, (size_t)len);
            dst[n][len] = '\0';
            n++;
        }
        OPENSSL_free(utf8);
    }
    return n;
}

bool daas_pki_peer_identity(SSL *ssl, char *cn, size_t cn_len, char (*orgs)[128],
                            int max_orgs, int *norgs)
{
    char cns[1][128];
    X509 *crt = SSL_get0_peer_certificate(ssl);

    *norgs = 0;
    if (cn_len > 0)
        cn[0] = '\0';
    /* No certificate also reads as X509_V_OK: both checks are needed. */
    if (crt == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
        return false;
    const X509_NAME *subj = X509_get_subject_name(crt);
    if (name_entries(subj, NID_commonName, cns, 1) != 1)
        return false;
    snprintf(cn, cn_len, "%s", cns[0]);
    *norgs = name_entries(subj, NID_organizationName, orgs, max_orgs);
    return true;
}

/* Issues a leaf lf with a fresh key; writes key (0600) and certificate. */
static int issue(daas_pki *p, const daas_pki__leaf *lf, const char *cert_path,
                 const char *key_path, daas_err *err)
{
    EVP_PKEY *key = NULL;
    X509 *crt = NULL;
    int rc = daas_pki__new_key(&key, err);
    if (rc == DAAS_OK)
        rc = daas_pki__new_leaf(p->ca, p->ca_key, key, lf, &crt, err);
    if (rc == DAAS_OK)
        rc = daas_pki__save_key(key, key_path, err);
    if (rc == DAAS_OK)
        rc = daas_pki__save_cert(crt, cert_path, err);
    X509_free(crt);
    EVP_PKEY_free(key);
    return rc;
}

int daas_pki_issue_client(daas_pki *p, const char *cn, const char *const *orgs, size_t norgs,
                          const char *cert_path, const char *key_path, daas_err *err)
{
    daas_pki__leaf lf = {.cn = cn, .orgs = orgs, .norgs = orgs != NULL ? norgs : 0,
                         .days = DAAS_PKI_LEAF_DAYS};
    if (cn == NULL || cn[0] == '\0')
        return daas_fail(err, DAAS_EINVAL, "client certificate needs a common name");
    return issue(p, &lf, cert_path, key_path, err);
}

int daas_pki_issue_server(daas_pki *p, const char *cn, const char *const *sans, size_t nsans,
                          const char *cert_path, const char *key_path, daas_err *err)
{
    if (cn == NULL || cn[0] == '\0' || nsans == 0 || nsans > 16)
        return daas_fail(err, DAAS_EINVAL, "server certificate needs a name and 1..16 SANs");
    daas_pki__san parsed[16];
    for (size_t i = 0; i < nsans; i++) {
        int rc = daas_pki__san_parse(sans[i], &parsed[i], err);
        if (rc != DAAS_OK)
            return rc;
    }
    daas_pki__leaf lf = {.cn = cn, .sans = parsed, .nsans = nsans, .server = true,
                         .days = DAAS_PKI_LEAF_DAYS};
    return issue(p, &lf, cert_path, key_path, err);
}

const char *daas_pki_ca_path(const daas_pki *p)
{
    return p->ca_crt;
}

const char *daas_pki_kubeconfig_path(const daas_pki *p)
{
    return p->kubeconfig;
}

void daas_pki_free(daas_pki **pp)
{
    daas_pki *p = pp != NULL ? *pp : NULL;
    if (p == NULL)
        return;
    X509_free(p->ca);
    EVP_PKEY_free(p->ca_key);
    X509_free(p->srv);
    EVP_PKEY_free(p->srv_key);
    X509_free(p->adm);
    EVP_PKEY_free(p->adm_key);
    char **paths[] = {&p->data_dir, &p->tls_dir, &p->ca_crt, &p->ca_key_path, &p->srv_crt,
                      &p->srv_key_path, &p->adm_crt, &p->adm_key_path, &p->kubeconfig};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        daas_free(*paths[i]);
    daas_free(p);
    *pp = NULL;
}
