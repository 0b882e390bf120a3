/*
 * pki_int.h: declarations shared by the files of the pki module (include only from src/pki/
 * and from the pki unit tests).
 *
 * Owns:   the daas_pki struct layout, the leaf-certificate request (daas_pki__leaf), the
 *         subject-alternative-name list (daas_pki__san).
 * Invariants:
 *   - every X509/EVP_PKEY pointer in struct daas_pki is owned by it (freed by daas_pki_free);
 *   - a daas_pki__san is either DNS (dns set, iplen 0) or IP (iplen 4 or 16).
 */
#ifndef DAAS_PKI_PKI_INT_H
#define DAAS_PKI_PKI_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/alloc.h"
#include "pki/pki.h"

#define DAAS_PKI_CA_DAYS 3650
#define DAAS_PKI_LEAF_DAYS 365
#define DAAS_PKI_RENEW_DAYS 30 /* re-issue leaves expiring within this many days */

struct daas_pki {
    const daas_pki_vault *vault; /* NULL: plain key files; else where the CA and server keys
                                    rest (borrowed) */
    char *data_dir;     /* as given */
    char *tls_dir;      /* <data_dir>/tls */
    char *ca_crt;       /* <tls>/ca.crt */
    char *ca_key_path;  /* <tls>/ca.key */
    char *srv_crt;      /* <tls>/server.crt */
    char *srv_key_path; /* <tls>/server.key */
    char *adm_crt;      /* <tls>/admin.crt */
    char *adm_key_path; /* <tls>/admin.key */
    char *kubeconfig;   /* <data_dir>/kubeconfig.yaml */
    X509 *ca;           /* the cluster CA certificate */
    EVP_PKEY *ca_key;   /* its key */
    X509 *srv;          /* the API server certificate */
    EVP_PKEY *srv_key;  /* its key */
    X509 *adm;          /* the admin client certificate */
    EVP_PKEY *adm_key;  /* its key */
};

/* One subject alternative name. */
typedef struct daas_pki__san {
    char dns[254];  /* DNS name when iplen == 0 */
    uint8_t ip[16]; /* network-order address when iplen is 4 or 16 */
    int iplen;
} daas_pki__san;

/* What a leaf certificate should say. */
typedef struct daas_pki__leaf {
    const char *cn;
    const char *const *orgs; /* may be NULL */
    size_t norgs;
    const daas_pki__san *sans; /* may be NULL */
    size_t nsans;
    bool server;   /* EKU serverAuth + keyEncipherment; else EKU clientAuth */
    long days;     /* validity from now; tests may pass small or negative values */
} daas_pki__leaf;

/* --- pki_cert.c: building and checking certificates --- */

/* A new ECDSA P-256 key. */
DAAS_MUST_USE int daas_pki__new_key(EVP_PKEY **out, daas_err *err);
/* A new self-signed CA certificate for key (CN "daas-ca@<unix time>"). */
DAAS_MUST_USE int daas_pki__new_ca(EVP_PKEY *key, long days, X509 **out, daas_err *err);
/* A new leaf certificate for key, signed by ca/ca_key as lf describes; ca and ca_key NULL:
 * self-signed by key. */
DAAS_MUST_USE int daas_pki__new_leaf(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key,
                                     const daas_pki__leaf *lf, X509 **out, daas_err *err);
/* True when crt was signed by ca (issuer name and signature). */
bool daas_pki__signed_by(X509 *crt, X509 *ca);
/* True when crt stays valid for at least `days` more days (and is valid now). */
bool daas_pki__valid_for(X509 *crt, long days);
/* True when crt's subjectAltName contains every one of sans. */
bool daas_pki__covers_sans(X509 *crt, const daas_pki__san *sans, size_t n);
/* Parses "10.0.0.1", "::1" or a DNS name into *out. DAAS_EINVAL for a bad DNS name. */
DAAS_MUST_USE int daas_pki__san_parse(const char *s, daas_pki__san *out, daas_err *err);

/* --- pki_io.c: files --- */

/* Creates dir with mode 0700 if missing. Errors: DAAS_EIO. */
DAAS_MUST_USE int daas_pki__mkdir(const char *dir, daas_err *err);
/* PEM text of a certificate / a PKCS#8 private key in a new string (*len set). The key's
 * string must be released with daas_pki__free_secret. */
DAAS_MUST_USE int daas_pki__cert_pem(X509 *crt, char **out, size_t *len, daas_err *err);
DAAS_MUST_USE int daas_pki__key_pem(EVP_PKEY *key, char **out, size_t *len, daas_err *err);
/* Wipes and frees a secret string of len bytes; accepts NULL. */
void daas_pki__free_secret(char *s, size_t len);
/* Writes a certificate (0644) / a key (0600) file. */
DAAS_MUST_USE int daas_pki__save_cert(X509 *crt, const char *path, daas_err *err);
DAAS_MUST_USE int daas_pki__save_key(EVP_PKEY *key, const char *path, daas_err *err);
/* Reads a certificate / key file. DAAS_ENOTFOUND when the file does not exist; DAAS_EINVAL
 * when it does not parse. */
DAAS_MUST_USE int daas_pki__load_cert(const char *path, X509 **out, daas_err *err);
DAAS_MUST_USE int daas_pki__load_key(const char *path, EVP_PKEY **out, daas_err *err);
/* Parses one unencrypted PEM private key from memory (what names it in messages). */
DAAS_MUST_USE int daas_pki__key_from_pem(const char *pem, size_t len, const char *what,
                                         EVP_PKEY **out, daas_err *err);

/* --- kubeconfig.c --- */

/* Renders and writes p->kubeconfig (0600) for server_url and cluster name. */
DAAS_MUST_USE int daas_pki__write_kubeconfig(daas_pki *p, const char *server_url,
                                             const char *cluster, daas_err *err);

#endif
