/*
 * serve_int.h: declarations shared by serve.c, serve_logs.c and serve_exec.c only.
 *
 * Owns:   nothing; see serve.h.
 */
#ifndef DAAS_AGENT_SERVE_INT_H
#define DAAS_AGENT_SERVE_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "agent/crilog.h"
#include "agent/serve.h"
#include "api/http.h"

typedef struct daas_agent__exec daas_agent__exec;

struct daas_agent_srv {
    daas_rt *rt;             /* borrowed */
    daas_http_server *http;  /* the HTTPS server */
    SSL_CTX *tls;            /* its context (our key and certificate, the CA) */
    char sha256[65];         /* hex SHA-256 of our DER certificate */
    pthread_mutex_t mu;      /* guards execs, nexecs, stopping */
    pthread_cond_t cv;       /* signalled when an exec session ends */
    daas_agent__exec *execs; /* open exec sessions (list) */
    int nexecs;
    bool stopping; /* no new exec sessions */
};

/* The container a request names: /<kind>/{ns}/{pod}/{container}?podUID=... */
typedef struct daas_agent__target {
    char *ns, *pod, *ctr, *uid; /* owned */
    char *id;                   /* runc id of the run asked for (owned), NULL until found */
} daas_agent__target;

/* Parses the path after "/<kind>/" and the podUID parameter. DAAS_EINVAL names the bad
 * part. */
DAAS_MUST_USE int daas_agent__target_parse(const char *rest, const char *query,
                                           daas_agent__target *t, daas_err *err);
void daas_agent__target_fini(daas_agent__target *t);
/* Finds run "current" (previous false) or the one before it: sets t->id. DAAS_ENOTFOUND
 * when the container has no run; DAAS_EINVAL (the kubelet's 400) when previous has none. */
DAAS_MUST_USE int daas_agent__find_run(daas_agent_srv *s, daas_agent__target *t, bool previous,
                                       daas_err *err);
/* Answers a Kubernetes Status for code and err's message. */
void daas_agent__fail(daas_http_resp *resp, int code, const char *msg);
/* A boolean query parameter ("true", "1"); false when absent. DAAS_EINVAL otherwise. */
DAAS_MUST_USE int daas_agent__query_bool(const char *query, const char *name, bool *out,
                                         daas_err *err);

/* PodLogOptions from a query: follow, previous, timestamps, tailLines (>= 0), limitBytes
 * (>= 1), sinceSeconds (>= 1) or sinceTime (RFC 3339), not both. DAAS_EINVAL names the
 * parameter. Pure but for the clock (sinceSeconds). */
DAAS_MUST_USE int daas_agent__log_opts(const char *q, daas_crilog_opts *o, bool *follow,
                                       bool *previous, daas_err *err);
/* Every "command" parameter of a query in order (percent-decoded; at most 256; none holding
 * a NUL): a NULL-terminated argv (daas_rt_strv_free). DAAS_EINVAL when malformed or
 * empty. Pure. */
DAAS_MUST_USE int daas_agent__exec_command(const char *q, char ***out, daas_err *err);
/* The channel protocol version both sides speak (5, 4), from a Sec-WebSocket-Protocol
 * list; 0 when none. Pure. */
int daas_agent__ws_version(const char *offer);

/* The handlers. */
void daas_agent__logs(daas_agent_srv *s, const daas_http_req *req, daas_http_resp *resp,
                      const char *rest);
void daas_agent__exec_handle(daas_agent_srv *s, const daas_http_req *req, daas_http_resp *resp,
                             const char *rest);
/* Ends every exec session (from any thread but a loop's) and waits until they are gone. */
void daas_agent__exec_stop_all(daas_agent_srv *s);

#endif
