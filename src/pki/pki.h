/*
 * pki.h: the cluster's certificates: CA, server certificate, admin client certificate, and the
 * kubeconfig that points kubectl at the server.
 *
 * Owns:   key and certificate files under <data-dir>/tls/, <data-dir>/kubeconfig.yaml, and the
 *         server-side SSL_CTX built from them.
 * Invariants:
 *   - private keys are written 0600 (created with O_EXCL|0600, never chmod'ed afterwards) and
 *     never logged;
 *   - files are written to a temporary name and renamed, so a crash leaves the old or the new
 *     file, never half of one;
 *   - an existing CA is reused; the server certificate is re-issued when its SANs no longer
 *     cover the requested ones or it expires within 30 days.
 * Spec:   specs/kube-api.md §8.1 (what kubectl sends and checks).
 */
#ifndef DAAS_PKI_PKI_H
#define DAAS_PKI_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;
typedef struct daas_pki daas_pki;

/* Where the CA key and the server's TLS key rest when they must not rest in plaintext (Seal,
 * seal/vault.h): the key files then never exist; only their sealed forms do. */
typedef struct daas_pki_vault {
    void *arg;
    /* Stores pem (a private key, PEM) sealed in place of the key file at path. */
    int (*seal)(void *arg, const char *path, daas_bytes pem, daas_err *err);
    /* Opens the sealed key of path into pem (the caller wipes it). DAAS_ENOTFOUND when the
     * key has no sealed form. */
    int (*open)(void *arg, const char *path, daas_buf *pem, daas_err *err);
} daas_pki_vault;

typedef struct daas_pki_opts {
    const char *data_dir;          /* required; created 0700 if missing */
    const char *const *extra_sans; /* --tls-san values (DNS names or IP literals), may be NULL */
    size_t nextra_sans;
    const char *server_url;        /* for the kubeconfig, e.g. "https://127.0.0.1:6443" */
    const char *cluster_name;      /* kubeconfig cluster/context name (default "default") */
    bool no_kubeconfig;            /* a TLS-only user (the devnet): write no kubeconfig */
    const daas_pki_vault *vault;   /* NULL: key files in plaintext (0600); else the CA and
                                      server keys are sealed (a plaintext key found from an
                                      earlier run is sealed, then removed) */
} daas_pki_opts;

/* Loads or creates: CA (ECDSA P-256, 10 years), server cert (SANs: localhost, 127.0.0.1, ::1,
 * the host name and its addresses, extra SANs; 1 year), admin client cert (CN=system:admin,
 * O=system:masters; 1 year), and writes <data_dir>/kubeconfig.yaml with the CA and the admin
 * credentials embedded. */
DAAS_MUST_USE int daas_pki_ensure(const daas_pki_opts *opts, daas_pki **out, daas_err *err);

/* A TLS server context (TLS 1.2+, the server cert and key) that requests, and verifies
 * against the cluster CA, an optional client certificate. New reference; SSL_CTX_free. */
DAAS_MUST_USE int daas_pki_server_ctx(daas_pki *p, SSL_CTX **out, daas_err *err);

/* The client identity of a connection accepted with daas_pki_server_ctx, after the handshake:
 * true only when the peer presented a certificate AND it verified against the cluster CA
 * (SSL_get_verify_result alone is not enough: it is X509_V_OK when no certificate was sent).
 * Fills cn (subject CN, truncated to cn_len) and up to max_orgs subject O values (entries
 * longer than 127 bytes or holding NUL bytes are skipped). On false, cn is "" and *norgs 0.
 * Thread: any, for an SSL the caller owns. */
bool daas_pki_peer_identity(SSL *ssl, char *cn, size_t cn_len, char (*orgs)[128],
                            int max_orgs, int *norgs);

/* Issues a client certificate signed by the CA (for tests and tools): PEM strings written to
 * cert_path and key_path (key 0600). orgs may be NULL. */
DAAS_MUST_USE int daas_pki_issue_client(daas_pki *p, const char *cn, const char *const *orgs,
                                        size_t norgs, const char *cert_path,
                                        const char *key_path, daas_err *err);

/* Issues a server certificate signed by the CA for the SANs (DNS names or IP literals,
 * 1..16), e.g. for the --dev key servers. Key 0600. */
DAAS_MUST_USE int daas_pki_issue_server(daas_pki *p, const char *cn, const char *const *sans,
                                        size_t nsans, const char *cert_path,
                                        const char *key_path, daas_err *err);

/* Writes a kubeconfig at path (0600) whose user runs an exec credential plugin: argv[0] is
 * the command, the rest its arguments (NULL-terminated). Cluster, context and user are all
 * called name; the cluster CA is embedded. */
DAAS_MUST_USE int daas_pki_write_exec_kubeconfig(daas_pki *p, const char *path,
                                                 const char *server_url, const char *name,
                                                 const char *const *argv, daas_err *err);

/* Seals the CA and server keys of a pki made without a vault and removes their plaintext
 * files (the first start of a cluster, before its key servers existed). v must outlive p. */
DAAS_MUST_USE int daas_pki_seal_keys(daas_pki *p, const daas_pki_vault *v, daas_err *err);

/* A TLS server context (TLS 1.2+) from a certificate and key file (the dev chain's own). */
DAAS_MUST_USE int daas_pki_file_ctx(const char *cert_path, const char *key_path, SSL_CTX **out,
                                    daas_err *err);

/* A fresh P-256 key and a self-signed server certificate for it, in memory only: CN cn,
 * SANs (DNS names or IP literals, 1..16), valid for a year. The caller owns both
 * (X509_free, EVP_PKEY_free). Errors: DAAS_EINVAL for a bad SAN, OpenSSL failures.
 * (pki_mem.c: the agent's endpoint identity) */
DAAS_MUST_USE int daas_pki_self_signed(const char *cn, const char *const *sans, size_t nsans,
                                       EVP_PKEY **key_out, X509 **cert_out, daas_err *err);

/* A TLS client context (TLS 1.2+) whose identity is a fresh P-256 key and a client
 * certificate for cn issued by the cluster CA, both held only in memory (never written).
 * It does not verify the server's chain: pin the peer with daas_pki_peer_sha256_is after the
 * handshake. New reference; SSL_CTX_free. Errors: DAAS_EINVAL (no cn, no CA key),
 * DAAS_ECRYPTO. (pki_mem.c) */
DAAS_MUST_USE int daas_pki_client_ctx(daas_pki *p, const char *cn, SSL_CTX **out,
                                      daas_err *err);

/* A fresh P-256 key and a client certificate for cn (with organisations orgs[0..norgs))
 * issued by the cluster CA, as PEM text in memory only (e.g. for libcurl): *cert_pem and
 * *key_pem are new strings; release the key with daas_pki_free_pem (it is wiped). Errors:
 * DAAS_EINVAL (no cn, no CA key), DAAS_ECRYPTO. (pki_mem.c) */
DAAS_MUST_USE int daas_pki_client_pem(daas_pki *p, const char *cn, const char *const *orgs,
                                      size_t norgs, char **cert_pem, char **key_pem,
                                      daas_err *err);
/* Wipes and frees a PEM string of daas_pki_client_pem. Accepts NULL. */
void daas_pki_free_pem(char *pem);

/* True when the peer of ssl presented a certificate whose DER SHA-256 is want (constant-time
 * comparison). Thread: any, for an SSL the caller owns. (pki_mem.c) */
bool daas_pki_peer_sha256_is(SSL *ssl, const uint8_t want[32]);

/* Paths of the files it manages (owned by p). */
const char *daas_pki_ca_path(const daas_pki *p);
const char *daas_pki_kubeconfig_path(const daas_pki *p);

/* ---- kubeconfig_read.c: reading a kubeconfig (what a client needs to reach the server) ---- */

/* The server and credentials of one context of a kubeconfig. Every string is NUL-terminated
 * and owned; NULL when the kubeconfig does not give it. key_pem and token are secrets:
 * daas_pki_kubeconfig_fini wipes them; never log them. */
typedef struct daas_pki_kubeconfig {
    char *context;  /* the context's name */
    char *cluster;  /* its cluster's name */
    char *user;     /* its user's name */
    char *server;   /* cluster.server, e.g. "https://127.0.0.1:6443" (always set) */
    char *ca_pem;   /* the cluster CA (certificate-authority-data or the file), or NULL */
    char *cert_pem; /* the client certificate, or NULL */
    char *key_pem;  /* its private key (secret), or NULL */
    char *token;    /* a bearer token (token or tokenFile, trimmed; secret), or NULL */
} daas_pki_kubeconfig;

#define DAAS_PKI_KUBECONFIG_MAX ((size_t)1 << 20)       /* a kubeconfig or a file it names */
#define DAAS_PKI_KUBECONFIG_MAX_STRING ((size_t)64 << 10) /* one YAML string */

/* Parses a kubeconfig (YAML; untrusted input: any bytes are safe) and picks context (NULL:
 * its current-context). base_dir resolves relative file paths (certificate-authority,
 * client-certificate, client-key, tokenFile); NULL: no file is read at all (a file
 * reference is then an error). *out is filled only on success (then
 * daas_pki_kubeconfig_fini it). Errors, each one line starting "kubeconfig: ": DAAS_EINVAL
 * (not YAML, no current-context, context/cluster/user not found, bad base64, a user with a
 * client certificate but no key or the reverse, an exec or auth-provider user,
 * insecure-skip-tls-verify), DAAS_ETOOBIG (input over DAAS_PKI_KUBECONFIG_MAX, a string over
 * DAAS_PKI_KUBECONFIG_MAX_STRING), the read errors of a named file. */
DAAS_MUST_USE int daas_pki_kubeconfig_parse(daas_bytes yaml, const char *context,
                                            const char *base_dir, daas_pki_kubeconfig *out,
                                            daas_err *err);

/* Reads the kubeconfig at path (NULL: the first entry of $KUBECONFIG's ':' list, else
 * $HOME/.kube/config) and parses it as daas_pki_kubeconfig_parse with base_dir its
 * directory. Extra errors: DAAS_ENOTFOUND (no such file), DAAS_EIO, DAAS_ETOOBIG. */
DAAS_MUST_USE int daas_pki_kubeconfig_load(const char *path, const char *context,
                                           daas_pki_kubeconfig *out, daas_err *err);

/* Wipes the key and the token and frees every string; leaves *k zeroed. Accepts NULL. */
void daas_pki_kubeconfig_fini(daas_pki_kubeconfig *k);

void daas_pki_free(daas_pki **p);

#endif
