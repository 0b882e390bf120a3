/*
 * policy.h: admission policy evaluated in the enclave: Kubernetes Pod Security Standards
 *           (v1.32 = "latest") at the namespace's enforce/warn/audit levels, and the cluster
 *           rules kept on chain (image registries and digests, Nitro Enclaves, hostPath and
 *           hostNetwork by stake tier); the wire forms of the request, the rules and the
 *           access decision.
 *
 * Owns:   daas_sched_policy_request / _view / _rules / _result, their BCS encoders and strict
 *         decoders, the JSON-to-view builder, levels from namespace labels, the evaluator and
 *         its message texts.
 * Not:    reading the namespace or the chain (the caller fills levels, owner_tier and the
 *         rules), signing decisions (the enclave service), building the Status (the API).
 * Invariants:
 *   - pure and deterministic: no clock, no randomness, no dependence on memory layout; the
 *     same request and rules give the same result bytes everywhere;
 *   - every decoder is strict: canonical BCS only (re-encoding gives the input back), no
 *     trailing bytes, every limit below enforced (DAAS_EINVAL / DAAS_ETOOBIG); wire input is
 *     untrusted;
 *   - PSS violation texts are byte-identical to k8s.io/pod-security-admission v1.32
 *     (policy/check_*.go): reason, " (" detail ")", checks in upstream order (baseline check
 *     ids sorted bytewise, then restricted ids sorted; at restricted the baseline checks
 *     capabilities_baseline, hostPathVolumes and seccompProfile_baseline are replaced by
 *     their restricted counterparts), container lists in visit order (init, regular,
 *     ephemeral), value sets sorted bytewise and de-duplicated as Go's sets.String.List().
 * Thread: all functions are safe from any thread on distinct values.
 * Spec:   sched.h (BCS conventions); move/README.md "Roles and tiers"; Kubernetes Pod Security
 *         Standards v1.32.
 *
 * ---- Wire format (BCS; String = ULEB128 length + UTF-8 bytes without NUL) ----
 *
 *   AdmissionRequest = uid: String, namespace: String, name: String, kind: String,
 *                      levels: Levels, owner_tier: u8, pod: PodSecurityView
 *   Levels           = enforce: u8, warn: u8, audit: u8   (0 privileged, 1 baseline,
 *                      2 restricted)
 *   PodSecurityView  = security: SecCtx (pod-level), sysctls: vector<String> (names),
 *                      host_network: bool, host_pid: bool, host_ipc: bool, windows: bool
 *                      (spec.os.name == "windows"),
 *                      annotations: vector<Label> (strictly increasing by key; the builder
 *                      keeps container.apparmor.security.beta.kubernetes.io/<name> only, the
 *                      only ones the checks read),
 *                      volumes: vector<Volume>, containers: vector<Container>
 *   SecCtx           = run_as_non_root: Option<bool>, run_as_user: Option<u64>,
 *                      seccomp_type: Option<String>, apparmor_type: Option<String>,
 *                      selinux: Option<SELinux>, host_process: Option<bool>
 *                      (windowsOptions.hostProcess)
 *   SELinux          = type: String, user: String, role: String (each may be empty)
 *   Label            = key: String, value: String
 *   Volume           = name: String, source: u8 (DAAS_SCHED_VOL_*), detail: String (hostPath:
 *                      the path; other: the source's field name, e.g. "nfs"; else empty)
 *   Container        = kind: u8 (0 init, 1 regular, 2 ephemeral), name: String,
 *                      image: String, security: SecCtx, privileged: Option<bool>,
 *                      allow_privilege_escalation: Option<bool>,
 *                      capabilities: Option<Caps>, proc_mount: Option<String>,
 *                      host_ports: vector<u32> (non-zero hostPort values),
 *                      nitro: bool (requests or limits aws.ec2.nitro/nitro_enclaves > 0)
 *   Caps             = add: vector<String>, drop: vector<String>
 *   ClusterRules     = version: u64, allowed_registries: vector<String> (image reference
 *                      prefixes in normalised form; empty = any), allowed_digests:
 *                      vector<String> ("sha256:" + 64 lowercase hex), nitro_min_tier: u8,
 *                      host_path_min_tier: u8, host_network_min_tier: u8
 *   AccessDecision   = uid: String, request_digest: vector<u8> (32), rules_digest:
 *                      vector<u8> (32), allowed: bool, violations: vector<String>,
 *                      warnings: vector<String>, audit: vector<String> (each list at most
 *                      DAAS_SCHED_POLICY_MAX_ITEMS non-empty texts of at most 64 KiB)
 *
 *   Canonical: containers ordered by kind (all init, then regular, then ephemeral); names
 *   (uid, namespace, name, kind, container and volume names, annotation keys) non-empty;
 *   levels <= 2; volume source <= DAAS_SCHED_VOL_OTHER and detail empty unless HOST_PATH or
 *   OTHER (then non-empty); host ports 1..65535. request_digest = BLAKE2b-256(BCS(request)),
 *   rules_digest = BLAKE2b-256(BCS(rules)) (libsodium crypto_generichash, 32 bytes).
 *
 * ---- Evaluation ----
 *
 *   Since policy v1.25 a Windows pod is exempt from allowPrivilegeEscalation,
 *   capabilities_restricted and seccompProfile_restricted.
 *   PSS runs only when the kind is "Pod" for enforce (Kubernetes applies enforce to pods and
 *   only warn/audit to workload templates); warn and audit run for every kind, each at its
 *   own level; privileged checks nothing. Cluster rules run for every kind, in this order:
 *     registry   an image is allowed when "<repo>@sha256:<hex>" names a listed digest, or the
 *                list of prefixes is empty, or its normalised reference (Docker's rules:
 *                "busybox" -> "docker.io/library/busybox", "x/y" -> "docker.io/x/y",
 *                "index.docker.io/..." -> "docker.io/...") starts with a prefix P where P ends
 *                in '/', or the next character is '/', ':' or '@' (component boundary);
 *     nitro      containers with nitro need owner_tier >= nitro_min_tier;
 *     hostPath   hostPath volumes need owner_tier >= host_path_min_tier;
 *     hostNetwork needs owner_tier >= host_network_min_tier.
 *   A min tier of 255 allows nobody. allowed = no enforce-level PSS violation and no rule
 *   violation. Warnings are reported only when allowed (as upstream: no warnings on a request
 *   rejected anyway); audit always.
 *
 *   Messages: result->violations[0 .. n_pss) are PSS items, the rest rule items (n_pss,
 *   the levels and rules_version are not on the wire: render messages from the evaluating
 *   side's result, not from a decoded decision). The denial
 *   text (after `pods "x" is forbidden: `) is `violates PodSecurity "<level>:latest": i1,
 *   i2` and/or `violates cluster rules v<version>: i1, i2`, joined by "; " when both. The
 *   warning (HTTP Warning header text) is `would violate PodSecurity "<warn>:latest": ...`,
 *   the audit annotation value `would violate PodSecurity "<audit>:latest": ...`.
 */
#ifndef DAAS_SCHED_POLICY_H
#define DAAS_SCHED_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

/* ---- limits ---- */
#define DAAS_SCHED_POLICY_MAX_STR 1024       /* bytes of any string (images can be long) */
#define DAAS_SCHED_POLICY_MAX_CONTAINERS 128 /* init + regular + ephemeral */
#define DAAS_SCHED_POLICY_MAX_VOLUMES 256
#define DAAS_SCHED_POLICY_MAX_LIST 64          /* sysctls, annotations, caps add/drop, host ports */
#define DAAS_SCHED_POLICY_MAX_RULES 256        /* registries, digests */
#define DAAS_SCHED_POLICY_MAX_ITEMS 1024       /* violations / warnings / audit in a decision */
#define DAAS_SCHED_POLICY_MAX_BYTES (1u << 20) /* one encoded request, rules or decision */
#define DAAS_SCHED_POLICY_DIGEST_LEN 32
#define DAAS_SCHED_POLICY_TIER_NOBODY 255

enum { /* PSS levels */
       DAAS_SCHED_PSS_PRIVILEGED = 0,
       DAAS_SCHED_PSS_BASELINE = 1,
       DAAS_SCHED_PSS_RESTRICTED = 2,
};

enum { /* volume sources */
       DAAS_SCHED_VOL_HOST_PATH = 0,
       DAAS_SCHED_VOL_CONFIG_MAP = 1,
       DAAS_SCHED_VOL_CSI = 2,
       DAAS_SCHED_VOL_DOWNWARD_API = 3,
       DAAS_SCHED_VOL_EMPTY_DIR = 4,
       DAAS_SCHED_VOL_EPHEMERAL = 5,
       DAAS_SCHED_VOL_PVC = 6,
       DAAS_SCHED_VOL_PROJECTED = 7,
       DAAS_SCHED_VOL_SECRET = 8,
       DAAS_SCHED_VOL_OTHER = 9,
};

enum { /* container kinds, in visit order */
       DAAS_SCHED_CTR_INIT = 0,
       DAAS_SCHED_CTR_REGULAR = 1,
       DAAS_SCHED_CTR_EPHEMERAL = 2,
};

/* Option<bool> */
enum { DAAS_SCHED_UNSET = -1, DAAS_SCHED_FALSE = 0, DAAS_SCHED_TRUE = 1 };

/* ---- model: plain structs; strings NUL-terminated UTF-8 and borrowed; NULL = None ---- */

typedef struct daas_sched_secctx {
    int8_t run_as_non_root; /* DAAS_SCHED_UNSET / FALSE / TRUE */
    bool has_run_as_user;   /* runAsUser set */
    uint64_t run_as_user;   /* when has_run_as_user */
    const char *seccomp;    /* seccompProfile.type, or NULL */
    const char *apparmor;   /* appArmorProfile.type, or NULL */
    bool has_selinux;       /* seLinuxOptions set */
    const char *se_type;    /* when has_selinux: type, user, role ("" when unset) */
    const char *se_user;
    const char *se_role;
    int8_t host_process; /* windowsOptions.hostProcess: UNSET / FALSE / TRUE */
} daas_sched_secctx;

typedef struct daas_sched_pvolume {
    const char *name;
    uint8_t source;     /* DAAS_SCHED_VOL_* */
    const char *detail; /* HOST_PATH: path; OTHER: field name ("nfs"); else "" */
} daas_sched_pvolume;

typedef struct daas_sched_pcontainer {
    uint8_t kind; /* DAAS_SCHED_CTR_* */
    const char *name;
    const char *image;          /* may be "" */
    daas_sched_secctx sec;      /* container securityContext's shared fields */
    int8_t privileged;          /* UNSET / FALSE / TRUE */
    int8_t allow_priv_esc;      /* allowPrivilegeEscalation */
    bool has_caps;              /* securityContext.capabilities set */
    const char *const *cap_add; /* when has_caps */
    size_t n_cap_add;
    const char *const *cap_drop;
    size_t n_cap_drop;
    const char *proc_mount;     /* procMount or NULL */
    const uint32_t *host_ports; /* non-zero hostPorts, in spec order */
    size_t n_host_ports;
    bool nitro; /* requests/limits aws.ec2.nitro/nitro_enclaves > 0 */
} daas_sched_pcontainer;

typedef struct daas_sched_annotation {
    const char *key;   /* non-empty */
    const char *value; /* may be empty */
} daas_sched_annotation;

/* What the checks read of a pod or pod template. */
typedef struct daas_sched_policy_view {
    daas_sched_secctx sec;      /* pod securityContext */
    const char *const *sysctls; /* securityContext.sysctls[*].name */
    size_t n_sysctls;
    bool host_network, host_pid, host_ipc;
    bool windows; /* spec.os.name == "windows" (exempt from three restricted checks) */
    const daas_sched_annotation *annotations; /* AppArmor ones, strictly sorted by key */
    size_t n_annotations;
    const daas_sched_pvolume *volumes;
    size_t n_volumes;
    const daas_sched_pcontainer *containers; /* ordered by kind */
    size_t n_containers;
    void *_mem; /* decoder's / builder's memory (NULL when built by hand) */
} daas_sched_policy_view;

typedef struct daas_sched_policy_request {
    const char *uid;
    const char *ns;
    const char *name;
    const char *kind; /* "Pod", "Deployment", ... */
    uint8_t enforce;  /* DAAS_SCHED_PSS_* */
    uint8_t warn;
    uint8_t audit;
    uint8_t owner_tier; /* stake role of the namespace owner, 0 none */
    daas_sched_policy_view pod;
} daas_sched_policy_request;

typedef struct daas_sched_policy_rules {
    uint64_t version;
    const char *const *registries; /* prefixes, normalised form */
    size_t n_registries;
    const char *const *digests; /* "sha256:<64 hex>" */
    size_t n_digests;
    uint8_t nitro_min_tier;
    uint8_t host_path_min_tier;
    uint8_t host_network_min_tier;
    void *_mem;
} daas_sched_policy_rules;

/* The evaluation result, which is also the AccessDecision (decode fills the wire fields). */
typedef struct daas_sched_policy_result {
    const char *uid;
    uint8_t request_digest[DAAS_SCHED_POLICY_DIGEST_LEN];
    uint8_t rules_digest[DAAS_SCHED_POLICY_DIGEST_LEN];
    bool allowed;
    const char *const *violations; /* enforce-level PSS items, then rule items */
    size_t n_violations;
    const char *const *warnings; /* warn-level PSS items */
    size_t n_warnings;
    const char *const *audit; /* audit-level PSS items */
    size_t n_audit;
    /* not on the wire (zero after decode): */
    size_t n_pss;                       /* violations[0 .. n_pss) are PSS items */
    uint8_t enforce, warn, audit_level; /* levels evaluated */
    uint64_t rules_version;
    void *_mem;
} daas_sched_policy_result;

/* ---- wire (policy.c) ---- */

/* Checks a request against the format rules. DAAS_EINVAL / DAAS_ETOOBIG naming the field. */
DAAS_MUST_USE int daas_sched_policy_request_check(const daas_sched_policy_request *r,
                                                  daas_err *err);
/* Appends BCS(r) to out after the check. DAAS_EINVAL, DAAS_ETOOBIG (also out's cap). */
DAAS_MUST_USE int daas_sched_policy_request_encode(const daas_sched_policy_request *r,
                                                   daas_buf *out, daas_err *err);
/* Strict decode (in borrowed; *r owns copies; release with daas_sched_policy_request_fini).
 * On failure *r holds nothing. DAAS_EINVAL / DAAS_ETOOBIG. */
DAAS_MUST_USE int daas_sched_policy_request_decode(daas_bytes in, daas_sched_policy_request *r,
                                                   daas_err *err);
/* Frees what a decode or daas_sched_policy_view_from_json put in r->pod._mem; zeroes *r. */
void daas_sched_policy_request_fini(daas_sched_policy_request *r);
/* Frees a view's _mem and zeroes it. */
void daas_sched_policy_view_fini(daas_sched_policy_view *v);

/* Rules: the same (check, encode, decode, fini) and their digest. */
DAAS_MUST_USE int daas_sched_policy_rules_check(const daas_sched_policy_rules *r, daas_err *err);
DAAS_MUST_USE int daas_sched_policy_rules_encode(const daas_sched_policy_rules *r, daas_buf *out,
                                                 daas_err *err);
DAAS_MUST_USE int daas_sched_policy_rules_decode(daas_bytes in, daas_sched_policy_rules *r,
                                                 daas_err *err);
void daas_sched_policy_rules_fini(daas_sched_policy_rules *r);
/* BLAKE2b-256 of BCS(x). DAAS_EINVAL / DAAS_ETOOBIG as encode. */
DAAS_MUST_USE int daas_sched_policy_request_digest(const daas_sched_policy_request *r,
                                                   uint8_t out[DAAS_SCHED_POLICY_DIGEST_LEN],
                                                   daas_err *err);
DAAS_MUST_USE int daas_sched_policy_rules_digest(const daas_sched_policy_rules *r,
                                                 uint8_t out[DAAS_SCHED_POLICY_DIGEST_LEN],
                                                 daas_err *err);

/* Appends BCS(AccessDecision) of a result to out. DAAS_EINVAL (bad strings), DAAS_ETOOBIG. */
DAAS_MUST_USE int daas_sched_policy_decision_encode(const daas_sched_policy_result *d,
                                                    daas_buf *out, daas_err *err);
/* Strict decode of an AccessDecision into *d (fini it). DAAS_EINVAL / DAAS_ETOOBIG. */
DAAS_MUST_USE int daas_sched_policy_decision_decode(daas_bytes in, daas_sched_policy_result *d,
                                                    daas_err *err);

/*
 * Fills *view from a Pod object or a pod template ({metadata, spec}: spec.template of a
 * Deployment, ReplicaSet, StatefulSet, Job, DaemonSet). Strings are borrowed from obj (keep it
 * alive as long as the view); arrays live in view->_mem (daas_sched_policy_view_fini).
 * Unknown fields are ignored. obj is a json_t * (untyped so this header needs no jansson).
 * DAAS_EINVAL naming the field on a wrong type; DAAS_ETOOBIG past a limit.
 */
DAAS_MUST_USE int daas_sched_policy_view_from_json(const void *obj, daas_sched_policy_view *view,
                                                   daas_err *err);

/*
 * The levels of a namespace from its labels (a json_t * object, or NULL):
 * pod-security.kubernetes.io/enforce, /warn, /audit = "privileged" | "baseline" |
 * "restricted"; an absent label means privileged; an invalid value means restricted for
 * enforce (fail closed) and privileged for warn and audit (fail open), as upstream's
 * api.PolicyToEvaluate. The -version labels are not read: every version is evaluated as latest
 * (v1.32). Returns how many labels were invalid (upstream records them in an audit annotation).
 */
size_t daas_sched_policy_levels_from_labels(const void *labels, uint8_t *enforce, uint8_t *warn,
                                            uint8_t *audit);

/* ---- evaluation (policy_pss.c, policy_rules.c) ---- */

/*
 * Evaluates req against rules (both checked first: DAAS_EINVAL / DAAS_ETOOBIG). On DAAS_OK
 * *out is filled (uid and digests included) and must be released with
 * daas_sched_policy_result_fini; on failure *out holds nothing.
 */
DAAS_MUST_USE int daas_sched_policy_eval(const daas_sched_policy_request *req,
                                         const daas_sched_policy_rules *rules,
                                         daas_sched_policy_result *out, daas_err *err);
void daas_sched_policy_result_fini(daas_sched_policy_result *r);

/* The denial text (empty when allowed), appended to out. DAAS_ETOOBIG (out's cap). */
DAAS_MUST_USE int daas_sched_policy_message(const daas_sched_policy_result *r, daas_buf *out);
/* The warning text (empty when there is none), appended to out. */
DAAS_MUST_USE int daas_sched_policy_warning(const daas_sched_policy_result *r, daas_buf *out);
/* The audit annotation value (empty when there is none), appended to out. */
DAAS_MUST_USE int daas_sched_policy_audit(const daas_sched_policy_result *r, daas_buf *out);

/* "privileged", "baseline", "restricted" (or "unknown"). Static. */
const char *daas_sched_pss_level_name(uint8_t level);

#endif
