/*
 * node.h: the agent's Node: what it reports about its host (capacity, allocatable,
 * conditions, addresses, nodeInfo, its owner's address), registering it, keeping its status
 * fresh, and renewing its Lease in kube-node-lease (the heartbeat node lifecycle watches).
 *
 * Owns:   the Node and Lease objects the agent writes.
 * Invariants: registration is idempotent (an existing Node of ours is updated, not
 *         duplicated); the Lease's holderIdentity is the node name and its duration 40 s,
 *         renewed every DAAS_AGENT_LEASE_RENEW_MS.
 */
#ifndef DAAS_AGENT_NODE_H
#define DAAS_AGENT_NODE_H

#include <stdint.h>

#include <jansson.h>

#include "agent/kubeclient.h"
#include "common/err.h"

#define DAAS_AGENT_LEASE_SECONDS 40
#define DAAS_AGENT_LEASE_RENEW_MS 10000
#define DAAS_AGENT_STATUS_EVERY_MS 60000
#define DAAS_AGENT_MAX_PODS 110

typedef struct daas_agent_host {
    char name[254];       /* the node name */
    char hostname[256];
    char address[64];     /* InternalIP: the first non-loopback IPv4, else 127.0.0.1 */
    long cpus;
    uint64_t memory;      /* bytes (MemTotal) */
    uint64_t storage;     /* bytes of the data dir's file system */
    char kernel[128], os_image[128], machine_id[64], boot_id[64];
    uint64_t hugepages_2m, hugepages_1g; /* pages configured on the host */
    /* Set by the caller, kept by daas_agent_host_read: */
    char owner[67];       /* "0x…" the agent's Sui address */
    uint64_t stake;       /* MIST staked, when known (0: unknown) */
    int port;             /* the agent's HTTPS endpoint (0: none) */
    char cert_sha256[65]; /* its certificate's fingerprint ("": none) */
    int nitro_enclaves;   /* aws.ec2.nitro/nitro_enclaves capacity (0: no device) */
} daas_agent_host;

#define DAAS_AGENT_NITRO_RESOURCE "aws.ec2.nitro/nitro_enclaves"
#define DAAS_AGENT_NITRO_DEFAULT 4

/* Reads the host's facts (name: node_name, or the host name lowercased); the fields the
 * caller sets (owner, stake, port, cert_sha256, nitro_enclaves) are kept. */
DAAS_MUST_USE int daas_agent_host_read(const char *node_name, const char *data_dir,
                                       daas_agent_host *out, daas_err *err);

/* The Node object (metadata and status) for h at now. New reference. */
json_t *daas_agent_node_json(const daas_agent_host *h, int64_t now_ms);

/* Creates the Node or, when it exists, takes it over (its annotations: owner stake and the
 * endpoint's certificate fingerprint); then writes its status. */
DAAS_MUST_USE int daas_agent_node_register(daas_agent_kc *c, const daas_agent_host *h,
                                           daas_err *err);

/* Writes the Node's status (conditions with fresh heartbeat times, capacity); with force
 * false only when the stored Ready condition is not True (the node lifecycle controller
 * marked the node Unknown while this agent was cut off or stopped). */
DAAS_MUST_USE int daas_agent_node_status(daas_agent_kc *c, const daas_agent_host *h, bool force,
                                         daas_err *err);

/* Creates or renews the Lease kube-node-lease/<name>. */
DAAS_MUST_USE int daas_agent_lease_renew(daas_agent_kc *c, const char *name, daas_err *err);

#endif
