/*
 * tls.c: the benchmark's TLS client context, built from the server's kubeconfig.
 *
 * Owns:   the SSL_CTX (cluster CA as the only trust anchor, the admin client certificate and
 *         key), the newest session ticket (so the many connections resume instead of doing a
 *         full ECDSA handshake each), TCP connects to 127.0.0.1.
 * Not:    HTTP (conn.c, resp.c), the kubeconfig's writer (src/pki/kubeconfig.c).
 * Invariants: the server certificate must verify against the CA and carry IP 127.0.0.1.
 * Spec:   src/pki/kubeconfig.c (layout: one "key: value" per line, base64 PEM values).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bench.h"
#include "common/util.h"

enum { KUBECONFIG_MAX = 1 << 20 };

/* Reads the whole file into b. */
static int read_file(const char *path, daas_buf *b, daas_err *err)
{
    char chunk[4096];
    int rc = DAAS_OK;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return daas_fail(err, daas_from_errno(errno), "%s: %s", path, strerror(errno));
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, f);
        if (n == 0)
            break;
        rc = daas_buf_append(b, chunk, n);
        if (rc != DAAS_OK) {
            daas_fail(err, rc, "%s: too large", path);
            break;
        }
    }
    fclose(f);
    return rc;
}

/* Finds "key: value" in the YAML text and base64-decodes value into out. */
static int yaml_b64(const char *text, const char *key, daas_buf *out, daas_err *err)
{
    const char *p = strstr(text, key);
    if (p == NULL || p[strlen(key)] != ':')
        return daas_fail(err, DAAS_EINVAL, "kubeconfig has no %s", key);
    p += strlen(key) + 1;
    p += strspn(p, " \t\"");
    size_t n = strcspn(p, "\"\r\n \t");
    int rc = daas_base64_decode(p, n, out);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "kubeconfig %s is not base64", key);
    return DAAS_OK;
}

/* Loads CA, certificate and key (PEM in the three buffers) into ctx. */
static int load_creds(SSL_CTX *ctx, const daas_buf *ca, const daas_buf *crt, const daas_buf *key,
                      daas_err *err)
{
    int rc = DAAS_OK;
    BIO *b1 = BIO_new_mem_buf(ca->data, (int)ca->len);
    BIO *b2 = BIO_new_mem_buf(crt->data, (int)crt->len);
    BIO *b3 = BIO_new_mem_buf(key->data, (int)key->len);
    X509 *cax = b1 ? PEM_read_bio_X509(b1, NULL, NULL, NULL) : NULL;
    X509 *x = b2 ? PEM_read_bio_X509(b2, NULL, NULL, NULL) : NULL;
    EVP_PKEY *pk = b3 ? PEM_read_bio_PrivateKey(b3, NULL, NULL, NULL) : NULL;

    if (cax == NULL || x == NULL || pk == NULL) {
        rc = daas_from_ssl(err, "decoding the kubeconfig PEM");
        goto out;
    }
    if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), cax) != 1 ||
        SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, pk) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        rc = daas_from_ssl(err, "loading the client credentials");
out:
    X509_free(cax);
    X509_free(x);
    EVP_PKEY_free(pk);
    BIO_free(b1);
    BIO_free(b2);
    BIO_free(b3);
    return rc;
}

/* OpenSSL hands us each new session; keep the newest (we own the reference: return 1). */
static int on_new_session(SSL *ssl, SSL_SESSION *sess)
{
    daas_bench_tls *t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    pthread_mutex_lock(&t->mu);
    SSL_SESSION *old = t->sess;
    t->sess = sess;
    pthread_mutex_unlock(&t->mu);
    SSL_SESSION_free(old);
    return 1;
}

/* Context settings: verify the server (CA, IP SAN), TLS 1.2+, AES-128-GCM first as Go
 * clients (kubectl) do on AES-NI hardware, client-side session cache via the callback. */
static int setup_ctx(daas_bench_tls *t, daas_err *err)
{
    t->ctx = SSL_CTX_new(TLS_client_method());
    if (t->ctx == NULL)
        return daas_from_ssl(err, "SSL_CTX_new");
    SSL_CTX_set_app_data(t->ctx, t);
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(t->ctx), "127.0.0.1") != 1 ||
        SSL_CTX_set_ciphersuites(t->ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                         "TLS_CHACHA20_POLY1305_SHA256") != 1)
        return daas_from_ssl(err, "configuring the TLS client");
    SSL_CTX_set_session_cache_mode(t->ctx,
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(t->ctx, on_new_session);
    /* read what the socket has in one read(), not record header and body in two */
    SSL_CTX_set_read_ahead(t->ctx, 1);
    return DAAS_OK;
}

int daas_bench_tls_init(daas_bench_tls *t, const char *kubeconfig, int port, daas_err *err)
{
    daas_buf text, ca, crt, key;
    int rc;

    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->mu, NULL);
    t->port = port;
    daas_buf_init(&text, KUBECONFIG_MAX);
    daas_buf_init(&ca, KUBECONFIG_MAX);
    daas_buf_init(&crt, KUBECONFIG_MAX);
    daas_buf_init(&key, KUBECONFIG_MAX);
    rc = read_file(kubeconfig, &text, err);
    if (rc == DAAS_OK && text.data == NULL)
        rc = daas_fail(err, DAAS_EINVAL, "%s is empty", kubeconfig);
    if (rc == DAAS_OK)
        rc = yaml_b64(text.data, "certificate-authority-data", &ca, err);
    if (rc == DAAS_OK)
        rc = yaml_b64(text.data, "client-certificate-data", &crt, err);
    if (rc == DAAS_OK)
        rc = yaml_b64(text.data, "client-key-data", &key, err);
    if (rc == DAAS_OK)
        rc = setup_ctx(t, err);
    if (rc == DAAS_OK)
        rc = load_creds(t->ctx, &ca, &crt, &key, err);
    /* The key's PEM is secret material: wipe our copies. */
    if (key.data != NULL)
        OPENSSL_cleanse(key.data, key.len);
    daas_buf_fini(&text);
    daas_buf_fini(&ca);
    daas_buf_fini(&crt);
    daas_buf_fini(&key);
    if (rc != DAAS_OK)
        daas_bench_tls_fini(t);
    return rc;
}

void daas_bench_tls_fini(daas_bench_tls *t)
{
    SSL_SESSION_free(t->sess);
    t->sess = NULL;
    SSL_CTX_free(t->ctx);
    t->ctx = NULL;
    pthread_mutex_destroy(&t->mu);
}

SSL *daas_bench_tls_ssl(daas_bench_tls *t, int fd)
{
    SSL *ssl = SSL_new(t->ctx);
    if (ssl == NULL)
        return NULL;
    if (SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    /* Each connection resumes from its own copy: a handshake in progress may update the
     * session it was given, and others sharing the object would then fail to resume. */
    pthread_mutex_lock(&t->mu);
    SSL_SESSION *copy = t->sess != NULL ? SSL_SESSION_dup(t->sess) : NULL;
    pthread_mutex_unlock(&t->mu);
    if (copy != NULL) {
        SSL_set_session(ssl, copy);
        SSL_SESSION_free(copy);
    }
    SSL_set_connect_state(ssl);
    return ssl;
}

void daas_bench_tls_done(daas_bench_tls *t, SSL *ssl)
{
    atomic_fetch_add(&t->handshakes, 1);
    if (SSL_session_reused(ssl))
        atomic_fetch_add(&t->resumed, 1);
}

int daas_bench_tcp_connect(int port, bool nonblock)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!nonblock) {
        /* a hung server fails the request instead of hanging the benchmark */
        struct timeval tv = {.tv_sec = 60};
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 &&
        !(nonblock && errno == EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}
