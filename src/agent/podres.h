/*
 * podres.h: what a pod's containers get from the cluster besides their image: environment
 * variables from valueFrom/envFrom (ConfigMaps, Secrets, the downward API) and volumes
 * (emptyDir, configMap, secret, hostPath), prepared on the host and mounted into the
 * containers.
 *
 * Owns:   DATA/pods/<uid>/volumes/<volume name>/ (emptyDir: a directory; configMap: a
 *         directory of files; secret: a tmpfs mounted there, 0700, holding the opened values,
 *         never on disk; a configMap volume of a sealed (daas.io/sensitive) ConfigMap is a
 *         tmpfs too), the fetching of the ConfigMaps and Secrets a pod names, and the
 *         opening of sealed ones through Seal (seal/open.h) for this pod only; each object
 *         is fetched and opened once per pod (one Seal ticket), kept in memory until
 *         daas_agent_podres_teardown of that pod, and wiped when dropped.
 * Invariants:
 *   - plaintext of a sealed value lives only in memory and on the pod's tmpfs; it is never
 *     logged, and the tmpfs is unmounted by daas_agent_podres_teardown;
 *   - a missing ConfigMap/Secret or key that is not optional fails the preparation with a
 *     message naming it ("configmap \"x\" not found", "couldn't find key k in Secret ns/x"),
 *     as the kubelet's CreateContainerConfigError does; optional ones are skipped;
 *   - hostPath volumes are refused unless the pod's owner annotation names an admin
 *     (allow_host_path set by the caller from the API's answer);
 *   - preparing twice is idempotent (adoption after an agent restart).
 * Thread: one thread at a time per daas_agent_podres (the pod loop's).
 */
#ifndef DAAS_AGENT_PODRES_H
#define DAAS_AGENT_PODRES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "agent/kubeclient.h"
#include "agent/runtime.h"
#include "common/err.h"
#include "seal/open.h"

typedef struct daas_agent_podres daas_agent_podres;

/* Fetches one object (resource "secrets" or "configmaps") instead of kc: *out a new
 * reference; DAAS_ENOTFOUND when it does not exist. */
typedef int (*daas_agent_podres_fetch_fn)(void *ctx, const char *resource, const char *ns,
                                          const char *name, json_t **out, daas_err *err);
/* Opens a sealed object in place instead of opener (as daas_seal_open_kube). */
typedef int (*daas_agent_podres_open_fn)(void *ctx, json_t *obj, daas_err *err);

typedef struct daas_agent_podres_opts {
    daas_agent_kc *kc;        /* GETs ConfigMaps and Secrets (borrowed) */
    daas_seal_opener *opener; /* opens sealed ones; NULL: sealed values fail clearly */
    const char *data_dir;     /* DATA */
    const char *node_name, *host_ip;
    /* Seams for tests (NULL: kc and opener are used). ctx is passed to both. */
    daas_agent_podres_fetch_fn fetch;
    daas_agent_podres_open_fn open;
    void *ctx;
} daas_agent_podres_opts;

DAAS_MUST_USE int daas_agent_podres_new(const daas_agent_podres_opts *o, daas_agent_podres **out,
                                        daas_err *err);
void daas_agent_podres_free(daas_agent_podres **r);

/* Environment entries of container (borrowed, an element of pod.spec.containers) that need
 * the cluster: envFrom (configMapRef/secretRef, with prefix), env[].valueFrom
 * (configMapKeyRef, secretKeyRef, fieldRef: metadata.name, metadata.namespace, metadata.uid,
 * metadata.labels['k'], metadata.annotations['k'], spec.nodeName, spec.serviceAccountName,
 * status.hostIP, status.podIP; resourceFieldRef: limits/requests cpu and memory), and the
 * literal env values (with Kubernetes' $(VAR) expansion over the variables set before them
 * here), in Kubernetes order (envFrom first, then env; later wins). Appends "K=V" strings
 * to *kv (NULL-terminated array of *n entries, daas_free each and the array; *kv may be
 * NULL with *n 0), replacing an entry of the same name already there, so the caller may
 * pass the image's environment in. envFrom keys that are no variable name (or hold a NUL)
 * are skipped, as the kubelet does. On error *kv and *n are unchanged.
 * Errors: DAAS_ENOTFOUND / DAAS_EINVAL with the kubelet's message, DAAS_EUNAVAIL (a sealed
 * object and no opener), the opener's errors ("secret ns/x: cannot open it: ..."). */
DAAS_MUST_USE int daas_agent_podres_env(daas_agent_podres *r, const json_t *pod,
                                        const json_t *container, char ***kv, size_t *n,
                                        daas_err *err);

/* Kubernetes' $(VAR) expansion of s (a command or args element) over the container's final
 * environment kv (n "K=V" entries, as daas_agent_podres_env leaves them): $(NAME) becomes
 * NAME's value, or stays as it is when NAME is not set; $$ is a '$'. Owned by the caller
 * (daas_free). */
char *daas_agent_podres_expand(const char *s, char *const *kv, size_t n);

/* Prepares every volume of pod under DATA/pods/<uid>/volumes/ (fetching and opening
 * ConfigMaps and Secrets), then the mounts of container (its volumeMounts: mountPath,
 * readOnly, subPath) as daas_rt_mount entries *mounts of *n (their strings owned: free with
 * daas_agent_podres_mounts_free). Secret and configMap volumes are read-only; a missing
 * optional object gives an empty volume; a missing subPath is created. On error *mounts is
 * NULL and *n 0. Errors: DAAS_EDENIED (hostPath without allow_host_path), DAAS_ENOTFOUND
 * (`secret "x" not found`, "... references non-existent secret key: k"), DAAS_EINVAL (bad
 * names, paths, modes, unsupported volume types: only emptyDir, configMap, secret and
 * hostPath are), DAAS_EIO (mount, mkdir, write). Needs root for the tmpfs mounts. */
DAAS_MUST_USE int daas_agent_podres_volumes(daas_agent_podres *r, const json_t *pod,
                                            bool allow_host_path, const json_t *container,
                                            daas_rt_mount **mounts, size_t *n, daas_err *err);

void daas_agent_podres_mounts_free(daas_rt_mount *mounts, size_t n);

/* Registry credentials for pulling image (a reference as the pod names it) from the pod's
 * imagePullSecrets, in their order: the first kubernetes.io/dockerconfigjson or
 * kubernetes.io/dockercfg Secret with an entry for the image's registry (keys as Docker
 * writes them: "host[:port]", "https://host/v2/", "host/path" prefixes, "*.domain", Docker
 * Hub's aliases; username/password, else auth = base64("user:password")). *user and
 * *password are owned (daas_agent_podres_creds_free wipes them), both NULL when nothing
 * matches (pull anonymously). A pull Secret that does not exist is skipped with a warning,
 * as the kubelet does. Errors: DAAS_EINVAL (bad image reference), the opener's ("secret
 * ns/x: cannot open it: ..."). */
DAAS_MUST_USE int daas_agent_podres_pull_creds(daas_agent_podres *r, const json_t *pod,
                                               const char *image, char **user, char **password,
                                               daas_err *err);
/* Wipes and frees *user and *password (either may be NULL), nulling them. */
void daas_agent_podres_creds_free(char **user, char **password);

/* Unmounts the pod's tmpfs volumes and removes DATA/pods/<uid>/volumes. Idempotent. */
void daas_agent_podres_teardown(daas_agent_podres *r, const char *pod_uid);

#endif
