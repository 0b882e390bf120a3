/*
 * kubeconfig.c: writes <data_dir>/kubeconfig.yaml, the admin kubeconfig (CA, server URL and
 * the admin client certificate and key, all embedded as base64 PEM), and kubeconfigs whose
 * user is an exec credential plugin (`daas auth token`, the wallet kubeconfig of --dev).
 *
 * Owns:   the YAML text of the kubeconfig.
 * Not:    the certificates themselves (pki.c).
 * Invariants:
 *   - rewritten atomically at every start (the server URL may change), mode 0600 because it
 *     holds the admin private key;
 *   - user-supplied strings (server URL, cluster name) are emitted as YAML double-quoted
 *     scalars with escapes, so no value can inject YAML structure;
 *   - the rendered text is measured first and built in one exact-size buffer, so no stray
 *     copy of the key is left behind by reallocation; the buffer is wiped before it is freed.
 * Spec:   k8s.io/client-go/tools/clientcmd/api/v1 (Config); the layout k3s writes to
 *         /etc/rancher/k3s/k3s.yaml.
 */
#include "pki/pki_int.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/util.h"

/* Writes into p[0..cap) while counting every byte: a first pass with cap 0 measures. */
typedef struct sink {
    char *p;
    size_t len;
    size_t cap;
} sink;

static void put_n(sink *s, const char *str, size_t n)
{
    if (s->len + n <= s->cap)
        memcpy(s->p + s->len, str, n);
    s->len += n;
}

static void put(sink *s, const char *str)
{
    put_n(s, str, strlen(str));
}

/* A YAML double-quoted scalar (YAML 1.2 §7.3.1 escapes). */
static void put_quoted(sink *s, const char *v)
{
    put(s, "\"");
    for (const unsigned char *c = (const unsigned char *)v; *c != '\0'; c++) {
        char esc[8];
        if (*c == '"' || *c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*c;
            put_n(s, esc, 2);
        } else if (*c < 0x20 || *c == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", *c);
            put(s, esc);
        } else {
            put_n(s, (const char *)c, 1);
        }
    }
    put(s, "\"");
}

typedef struct kc_parts {
    const char *server;
    const char *name;
    const char *ca_b64;
    const char *crt_b64;
    const char *key_b64;
    const char *const *exec; /* exec user: command then args, NULL-terminated (or NULL) */
} kc_parts;

/* users[0].user for an exec credential plugin (client.authentication.k8s.io/v1). */
static void render_exec(sink *s, const char *const *argv)
{
    put(s, "\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ");
    put_quoted(s, argv[0]);
    put(s, "\n      args:");
    for (size_t i = 1; argv[i] != NULL; i++) {
        put(s, "\n      - ");
        put_quoted(s, argv[i]);
    }
    put(s, "\n      interactiveMode: Never\n      provideClusterInfo: false\n");
}

static void render(sink *s, const kc_parts *k)
{
    put(s, "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n"
           "    certificate-authority-data: ");
    put(s, k->ca_b64);
    put(s, "\n    server: ");
    put_quoted(s, k->server);
    put(s, "\n  name: ");
    put_quoted(s, k->name);
    put(s, "\ncontexts:\n- context:\n    cluster: ");
    put_quoted(s, k->name);
    put(s, "\n    user: ");
    put_quoted(s, k->name);
    put(s, "\n  name: ");
    put_quoted(s, k->name);
    put(s, "\ncurrent-context: ");
    put_quoted(s, k->name);
    put(s, "\npreferences: {}\nusers:\n- name: ");
    put_quoted(s, k->name);
    put(s, "\n  user:");
    if (k->exec != NULL) {
        render_exec(s, k->exec);
        return;
    }
    put(s, "\n    client-certificate-data: ");
    put(s, k->crt_b64);
    put(s, "\n    client-key-data: ");
    put(s, k->key_b64);
    put(s, "\n");
}

/* Base64 of a PEM certificate, in a new string. */
static int cert_b64(X509 *crt, char **out, daas_err *err)
{
    char *pem;
    size_t len;
    int rc = daas_pki__cert_pem(crt, &pem, &len, err);
    *out = rc == DAAS_OK ? daas_base64_encode(pem, len) : NULL;
    daas_free(pem);
    return rc;
}

static int key_b64(EVP_PKEY *key, char **out, daas_err *err)
{
    char *pem;
    size_t len;
    int rc = daas_pki__key_pem(key, &pem, &len, err);
    *out = rc == DAAS_OK ? daas_base64_encode(pem, len) : NULL;
    daas_pki__free_secret(pem, len);
    return rc;
}

static void free_secret_str(char *s)
{
    if (s != NULL)
        daas_pki__free_secret(s, strlen(s));
}

/* Measures, renders into one exact-size buffer, writes path 0600, wipes the buffer. */
static int write_rendered(const char *path, const kc_parts *k, daas_err *err)
{
    sink s = {0};
    render(&s, k);
    s.cap = s.len;
    s.len = 0;
    s.p = daas_xmalloc(s.cap + 1);
    render(&s, k);
    int rc = daas_write_file_atomic(path, s.p, s.len, 0600, err);
    daas_pki__free_secret(s.p, s.cap);
    return rc;
}

int daas_pki__write_kubeconfig(daas_pki *p, const char *server_url, const char *cluster,
                               daas_err *err)
{
    char *ca = NULL, *crt = NULL, *key = NULL;

    int rc = cert_b64(p->ca, &ca, err);
    if (rc == DAAS_OK)
        rc = cert_b64(p->adm, &crt, err);
    if (rc == DAAS_OK)
        rc = key_b64(p->adm_key, &key, err);
    if (rc == DAAS_OK) {
        kc_parts k = {server_url, cluster, ca, crt, key, NULL};
        rc = write_rendered(p->kubeconfig, &k, err);
    }
    daas_free(ca);
    daas_free(crt);
    free_secret_str(key);
    return rc;
}

int daas_pki_write_exec_kubeconfig(daas_pki *p, const char *path, const char *server_url,
                                   const char *name, const char *const *argv, daas_err *err)
{
    if (argv == NULL || argv[0] == NULL)
        return daas_fail(err, DAAS_EINVAL, "kubeconfig: no exec command");
    char *ca = NULL;
    int rc = cert_b64(p->ca, &ca, err);
    if (rc == DAAS_OK) {
        kc_parts k = {server_url, name, ca, NULL, NULL, argv};
        rc = write_rendered(path, &k, err);
    }
    daas_free(ca);
    return rc;
}
