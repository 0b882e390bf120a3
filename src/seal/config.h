/*
 * config.h: a cluster's Seal configuration file: which package and policy Secrets are sealed
 * under, the key servers (object id, public key, URL) and the threshold. The server seals
 * with it; agents and `daas seal get-secret` fetch keys with it. It holds no secret.
 *
 * Owns:   the file format (JSON, 0644):
 *           {"package": "0x…", "policy": "0x…", "threshold": 2,
 *            "control_plane_policy": "0x…" | absent,
 *            "key_servers": [{"object_id": "0x…", "pk": "<96-byte hex>",
 *                             "url": "https://127.0.0.1:…"}, …],
 *            "ca": "/path/ca.crt" | null}
 * Invariants: a loaded configuration is valid: 1 <= threshold <= servers <=
 *         DAAS_SEAL_KUBE_MAX_SERVERS, public keys are G2 points, object ids distinct, URLs
 *         http(s); errors name the file and the field.
 */
#ifndef DAAS_SEAL_CONFIG_H
#define DAAS_SEAL_CONFIG_H

#include "common/err.h"
#include "seal/client.h"
#include "seal/kube.h"

typedef struct daas_seal_config {
    daas_seal_cluster cluster;                 /* package, policy, servers' ids and pks */
    daas_seal_ks ks[DAAS_SEAL_KUBE_MAX_SERVERS]; /* the same servers with their URLs */
    char ca[1024];                             /* PEM to trust for the key servers, "" = system */
    bool has_cp_policy;                        /* the control plane's keys are sealed … */
    uint8_t cp_policy[DAAS_SEAL_ADDR_LEN];     /* … under this policy (seal/vault.h) */
} daas_seal_config;

/* Reads and validates path. DAAS_ENOTFOUND, DAAS_EIO, DAAS_EINVAL "<path>: <field>: …". */
DAAS_MUST_USE int daas_seal_config_load(const char *path, daas_seal_config *out, daas_err *err);

/* Writes c to path atomically (0644). */
DAAS_MUST_USE int daas_seal_config_write(const char *path, const daas_seal_config *c,
                                         daas_err *err);

/* Client options for c's key servers (pointers into c). */
void daas_seal_config_client_opts(const daas_seal_config *c, daas_seal_client_opts *out);

#endif
