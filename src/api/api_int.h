/*
 * api_int.h: what the files of the api module share (not for use outside src/api/).
 *
 * Owns:   the daas_api struct, the per-request context, routes, and the prototypes of the
 *         module's internal entry points (daas_api__*).
 * Invariants: a daas_api__req lives on one loop thread for one request (watches keep their
 *             own state, see watch.c).
 */
#ifndef DAAS_API_API_INT_H
#define DAAS_API_API_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"
#include "api/authz.h"
#include "ctrl/ipalloc.h"
#include "kube/kind.h"

#define DAAS_API_MAX_KINDS 32

/* Request counters and latency histograms by (kind or non-resource path) × verb. */
enum {
    DAAS_API_VERB_GET,
    DAAS_API_VERB_LIST,
    DAAS_API_VERB_WATCH,
    DAAS_API_VERB_CREATE,
    DAAS_API_VERB_UPDATE,
    DAAS_API_VERB_PATCH,
    DAAS_API_VERB_DELETE,
    DAAS_API_VERB_DELETECOLLECTION,
    DAAS_API_VERB_OTHER,
    DAAS_API_NVERBS
};
#define DAAS_API_NBUCKETS 12

typedef struct daas_api__proxy_conn daas_api__proxy_conn;

typedef struct daas_api_metrics {
    /* [kind index + 1][verb]; row 0 is non-resource requests. Relaxed atomics. */
    atomic_llong count[DAAS_API_MAX_KINDS + 1][DAAS_API_NVERBS];
    atomic_llong errors[DAAS_API_MAX_KINDS + 1][DAAS_API_NVERBS];
    atomic_llong sum_us[DAAS_API_MAX_KINDS + 1][DAAS_API_NVERBS];
    atomic_llong bucket[DAAS_API_MAX_KINDS + 1][DAAS_API_NVERBS][DAAS_API_NBUCKETS];
    atomic_llong watches; /* open watch streams */
    atomic_llong watch_events; /* events sent on watch streams */
} daas_api_metrics;

struct daas_api {
    daas_store *store;          /* borrowed */
    daas_authn *authn;          /* borrowed; may be NULL */
    bool allow_anonymous;
    char server_address[256];
    daas_ctrl_ipalloc *svc_range; /* the ClusterIP range (an empty allocator: its rules) */
    pthread_mutex_t ip_mu;      /* serialises ClusterIP allocation; guards ip_pending */
    json_t *ip_pending;         /* ip -> monotonic ms until which it stays reserved: handed
                                   out, maybe not stored yet (concurrent creates) */
    daas_blob *disc_api;        /* aggregated discovery for /api */
    daas_blob *disc_apis;       /* aggregated discovery for /apis */
    daas_blob *openapi_root;    /* /openapi/v3 */
    json_t *openapi_gv;         /* "api/v1" → document */
    daas_api_metrics metrics;
    const daas_seal_cluster *seal; /* borrowed; NULL: Secrets refused unless unsealed_ok */
    bool unsealed_ok;           /* tests that say so: Secrets stored in plaintext */
    daas_schedctl *sched;       /* borrowed; NULL without a scheduler controller */
    daas_api_rules_fn rules_fn; /* the cluster rules (admit.c); NULL: the published defaults */
    void *rules_arg;
    const char *declog_path;    /* borrowed; its decision log */
    pthread_t nsctl_thread;     /* namespace controller */
    bool nsctl_running;
    pthread_mutex_t nsctl_mu;   /* guards nsctl_stop, nsctl_kick */
    pthread_cond_t nsctl_cv;
    bool nsctl_stop, nsctl_kick;
    SSL_CTX *agent_tls;         /* borrowed: the client identity towards agents (logs, exec);
                                   NULL: those answer 503 */
    pthread_mutex_t proxy_mu;   /* guards proxies, proxy_stopping */
    daas_api__proxy_conn *proxies; /* open proxied connections (podproxy_conn.c) */
    bool proxy_stopping;        /* daas_api_stop ran: no new proxied connections */
    int64_t tolerations[2];     /* DefaultTolerationSeconds: not-ready, unreachable */
    daas_api_admit_fn admit_fwd; /* admissions while another server leads (admit.c) */
    void *admit_fwd_arg;
    pthread_mutex_t reb_mu;     /* one rebalancing round at a time; guards reb_round */
    uint64_t reb_round;         /* the last round's number */
    daas_api_rebalance_opts reb; /* the limits of a round that names none */
};

/* A parsed resource URL. Strings point into the request's path copy. */
typedef struct daas_api_route {
    const daas_kube_kind *kind; /* NULL for non-resource paths */
    int kind_index;
    char *ns;                   /* namespace, or NULL (cluster-scoped or all namespaces) */
    char *name;                 /* object name, or NULL for the collection */
    char *sub;                  /* subresource, or NULL */
} daas_api_route;

/* Warnings one response carries (upstream's recorder keeps up to 4 KiB of them; eight of
 * ours stay well inside that), and the bytes of one warning's text, NUL included. */
#define DAAS_API_MAX_WARNINGS 8
#define DAAS_API_WARNING_MAX 320

/* One API request being served. */
typedef struct daas_api__req {
    daas_api *api;
    const daas_http_req *http;
    daas_http_resp *resp;
    daas_user user;
    daas_api_route route;
    char *pathbuf;       /* owned copy of the path that route points into */
    int verb;            /* DAAS_API_VERB_* for metrics */
    int64_t start_ns;
    bool table;          /* the client asked for a Table */
    bool apply;          /* server-side apply: managedFields come from daas_kube_apply */
    bool responded;
    int retry_after;     /* > 0: a Retry-After header (a Status's details.retryAfterSeconds) */
    /* texts of the `Warning: 299 - "<text>"` headers of the response (daas_api__warn) */
    char warnings[DAAS_API_MAX_WARNINGS][DAAS_API_WARNING_MAX];
    size_t nwarnings;
} daas_api__req;

/* --- api.c: responses --- */
/* Responds with body; every warning added with daas_api__warn goes out as a Warning header. */
void daas_api__respond_json(daas_api__req *r, int status, const char *ctype, const char *body,
                            size_t len);
/* Adds a warning to the response, as upstream's warning.AddWarning: an empty text, a text
 * already added, and texts past DAAS_API_MAX_WARNINGS are dropped; so is a text that is not
 * valid UTF-8 or holds a control character (upstream's NewWarningHeader refuses those). A text
 * longer than DAAS_API_WARNING_MAX - 1 bytes is cut at a character boundary. */
void daas_api__warn(daas_api__req *r, const char *text);
/* Responds with a dumped json_t (does not steal). */
void daas_api__respond_obj(daas_api__req *r, int status, const json_t *obj);
/* Responds with a Status for err (code, message; details from the route). */
void daas_api__respond_err(daas_api__req *r, const daas_err *err);
/* The same for a code and a message longer than a daas_err holds (authz denials). */
void daas_api__respond_msg(daas_api__req *r, int code, const char *msg);
/* Responds with a 422 Invalid Status carrying causes (steals v->causes). */
void daas_api__respond_invalid(daas_api__req *r, const char *kind, const char *name,
                               daas_kube_verr *v);
/* A query parameter (new string, daas_free) or NULL. */
char *daas_api__query(const daas_api__req *r, const char *name);
bool daas_api__query_bool(const daas_api__req *r, const char *name);

/* --- route.c --- */
/* Parses a resource path into r->route. Returns DAAS_OK, DAAS_ENOTFOUND (not an API resource
 * path: the caller tries the non-resource paths). */
int daas_api__route(daas_api__req *r, const char *path);
/* Store keys: "/registry/<storage>/<ns>/<name>", "/registry/<storage>/<name>"; prefixes for
 * collections end with '/'. New strings (daas_free). */
char *daas_api__key(const daas_kube_kind *k, const char *ns, const char *name);
/* parsecache.c: obj (never changed afterwards) is the parse of the stored bytes; keep it for
 * the one reader that will parse them next. Any thread. */
void daas_api__parsed_put(const char *bytes, size_t len, json_t *obj);
/* The object put for exactly these bytes (a new reference, removed from the table), or
 * NULL. */
json_t *daas_api__parsed_take(const char *bytes, size_t len);
/* Drops every entry (tests). */
void daas_api__parsed_clear(void);

char *daas_api__prefix(const daas_kube_kind *k, const char *ns);
/* The kind index for metrics (position in daas_kube_kinds). */
int daas_api__kind_index(const daas_kube_kind *k);

/* --- discovery.c --- */
DAAS_MUST_USE int daas_api__discovery_init(daas_api *api, daas_err *err);
void daas_api__discovery_fini(daas_api *api);
/* Serves /version, /api, /apis, /api/v1, /apis/<g>, /apis/<g>/<v>, /openapi/v3[/...],
 * /openapi/v2. Returns false when path is none of these. */
bool daas_api__serve_discovery(daas_api__req *r, const char *path);

/* --- read.c: get and list --- */
void daas_api__get(daas_api__req *r);
void daas_api__list(daas_api__req *r);
/* Parses a stored object (kv.obj or kv.val) into JSON; NULL on corrupt data (logged). */
json_t *daas_api__parse_kv(const daas_kv *kv);

/* --- render.c --- */
/* Appends val with metadata.resourceVersion = rev to out. */
DAAS_MUST_USE int daas_api__render_into(const daas_blob *val, int64_t rev, daas_buf *out);
/* The rendered form of kv (new reference), memoized per thread by revision. */
daas_blob *daas_api__rendered(const daas_kv *kv);

/* --- table.c --- */
/* A Table for objects (array of full objects); include: "Object", "None" or metadata. */
json_t *daas_api__table(const daas_kube_kind *k, json_t *objs, const char *include,
                        bool headers, const char *rv, const char *cont);
bool daas_api__wants_table(const daas_http_req *req);

/* --- write.c --- */
void daas_api__create(daas_api__req *r);
void daas_api__update(daas_api__req *r);
void daas_api__patch(daas_api__req *r);
void daas_api__delete(daas_api__req *r);
void daas_api__deletecollection(daas_api__req *r);
void daas_api__subresource(daas_api__req *r);
/* Deletes one object (the namespace controller and deletecollection use it) with
 * propagation policy (NULL: the default; "Foreground", "Orphan", "Background"). */
DAAS_MUST_USE int daas_api__delete_key(daas_api *api, const daas_kube_kind *k, const char *key,
                                       const char *policy, json_t **final_out, daas_err *err);

/* --- body.c: request bodies and shared object preparation --- */
/* Decodes the request body by Content-Type (JSON, protobuf, YAML for apply). */
DAAS_MUST_USE int daas_api__decode_body(daas_api__req *r, json_t **out, daas_err *err);
/* Checks the body's apiVersion/kind against the route (400 on mismatch). */
DAAS_MUST_USE int daas_api__check_gvk(const daas_kube_kind *k, const json_t *obj,
                                      bool allow_empty, daas_err *err);
/* Unknown fields of obj (a body of route kind k: an object, or a merge or strategic-merge
 * patch of one), by the fieldValidation parameter. Strict: DAAS_EINVAL ("strict decoding
 * error: unknown field \"spec.foo\""), obj unchanged. Warn (also when the parameter is absent
 * or empty, upstream's default since 1.27): each is removed from obj and named in a warning
 * (`unknown field "spec.foo"`). Ignore: each is removed silently. Any other value:
 * DAAS_EINVALID, as upstream's ValidateFieldValidation. */
DAAS_MUST_USE int daas_api__check_fields(daas_api__req *r, const daas_kube_kind *k, json_t *obj,
                                         daas_err *err);

/* --- watch.c --- */
void daas_api__watch(daas_api__req *r);

/* --- metrics.c --- */
void daas_api__metrics_record(daas_api *api, int kind_index, int verb, int status,
                              int64_t dur_ns);
void daas_api__serve_metrics(daas_api__req *r);
/* --- admit_fwd.c --- */
#define DAAS_API_ADMIT_PATH "/daas/v1/admit"
/* POST DAAS_API_ADMIT_PATH: another server of the cluster forwards an admission to the one
 * leading the scheduler (daas_api_set_admit_forward). */
void daas_api__serve_admit(daas_api__req *r);

/* --- rebalance.c --- */
#define DAAS_API_REBALANCE_PATH "/daas/v1/rebalance"
/* POST DAAS_API_REBALANCE_PATH: daas_api_rebalance for the request's body. */
void daas_api__serve_rebalance(daas_api__req *r);

/* GET DAAS_API_DECISIONS_PATH: the decision log file, or a Status (404 without one). */
#define DAAS_API_DECISIONS_PATH "/daas/v1/decisions"
void daas_api__serve_decisions(daas_api__req *r);

/* --- whoami.c --- */
/* Answers POST /apis/authentication.k8s.io/v1/selfsubjectreviews (kubectl auth whoami) and
 * returns true; false for any other path. */
bool daas_api__serve_whoami(daas_api__req *r, const char *path);

/* --- authz.c: authorization hooks (policy in authz.h) --- */
/* Decides the routed request r for r->user; answers 403 and returns false when denied. */
bool daas_api__authorize(daas_api__req *r);
/* The same for a non-resource path (discovery is open, /metrics is not). */
bool daas_api__authorize_path(daas_api__req *r, const char *path);
/* Admission before a create is stored: stamps daas.io/owner, checks node Leases
 * (daas_authz_admit_create). DAAS_OK, or DAAS_EDENIED with the whole message in denial
 * (capacity n) and a cut copy in err, or another error in err. */
DAAS_MUST_USE int daas_api__admit_create(daas_api__req *r, json_t *obj, char *denial, size_t n,
                                         daas_err *err);

/* --- nsctl.c: namespace lifecycle --- */
DAAS_MUST_USE int daas_api__nsctl_start(daas_api *api, daas_err *err);
void daas_api__nsctl_stop(daas_api *api);
void daas_api__nsctl_kick(daas_api *api);

#endif
