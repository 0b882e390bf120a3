/*
 * boot.h: the bootstrap record: what every server of a cluster must share (the cluster id,
 *         the CA certificate and key), kept in the shared datastore sealed under the
 *         cluster's join token, as k3s keeps its bootstrap data (--token).
 *
 * Owns:   the record's format and its encryption; the datastore key it lives under.
 * Not:    reading or writing the datastore, or the files (cmd/server_boot.c).
 * Model:  record = JSON {"version":1,"kdf":"pbkdf2-sha256","iterations":N,"salt":B64,
 *         "nonce":B64,"data":B64}; data = AES-256-GCM(key, nonce, plaintext, aad = the
 *         datastore key), key = PBKDF2-HMAC-SHA256(token, salt, N); plaintext = JSON
 *         {"clusterID":…,"caCert":PEM,"caKey":PEM}. The datastore key names a hash of the
 *         token, so servers with another token never find (or overwrite) this record.
 * Invariants:
 *   - plaintext key material is wiped before its memory is freed; never logged;
 *   - a record that does not parse, or whose tag fails (wrong token, tampering), is an error
 *     that names neither token nor key bytes;
 *   - the record is untrusted input (the datastore's operator need not be the cluster's):
 *     every field is checked; iterations are bounded (no denial by a huge count).
 */
#ifndef DAAS_PKI_BOOT_H
#define DAAS_PKI_BOOT_H

#include <stddef.h>

#include "common/alloc.h"
#include "common/err.h"

typedef struct daas_pki_boot {
    char cluster_id[64]; /* NUL-terminated */
    char *ca_cert;       /* PEM, owned */
    char *ca_key;        /* PEM, owned; wiped by daas_pki_boot_fini */
} daas_pki_boot;

/* Wipes and frees the record's strings. Accepts NULL. */
void daas_pki_boot_fini(daas_pki_boot *b);

/* The datastore key of the record of token: "/bootstrap/<16 hex of SHA-256(token)>". */
char *daas_pki_boot_key(const char *token);

/* Seals b under token for the datastore key: *out gets the record (JSON, owned). */
DAAS_MUST_USE int daas_pki_boot_seal(const char *token, const char *key, const daas_pki_boot *b,
                                     char **out, daas_err *err);

/* Opens a record. DAAS_EINVAL (malformed), DAAS_EDENIED (the token does not open it). */
DAAS_MUST_USE int daas_pki_boot_open(const char *token, const char *key, const char *rec,
                                     size_t len, daas_pki_boot *out, daas_err *err);

/* Test seam: the iteration count new records use (default 100000; at least 1000). */
void daas_pki_boot__set_iterations(unsigned n);

#endif
