/*
 * serve_logs.c: GET /containerLogs/{ns}/{pod}/{container}: a container's CRI log as
 * kubectl logs shows it, streamed (chunked), following the file while the container runs.
 *
 * Owns:   one log stream per request: its reader, its poll timer, its output buffer.
 * Does not own: the response after on_close ran (the HTTP layer frees it).
 * Invariants:
 *   - a stream lives on its response's loop thread; it ends when the log is drained and
 *     (follow) the container's log shim has exited, when limitBytes is reached, or when the
 *     peer goes (on_close frees it, cancelling the timer);
 *   - at most about 1 MiB waits unsent per stream: a slow reader pauses the file reads.
 * Spec:   PodLogOptions (follow, tailLines, sinceSeconds, sinceTime, previous, timestamps,
 *         limitBytes); kubelet's validation answers (400).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/crilog.h"
#include "agent/serve_int.h"
#include "common/util.h"

#define LOG_POLL_MS 200
#define LOG_MAX_PENDING ((size_t)1 << 20)

typedef struct logstream {
    daas_agent_srv *s;
    daas_http_resp *resp; /* gone once on_close ran */
    daas_http_loop *loop;
    daas_http_timer *timer; /* the next tick, or NULL */
    daas_crilog_reader r;
    char *id; /* runc id of the run being read */
    bool follow;
    daas_buf out; /* one tick's output */
} logstream;

/* A non-negative integer parameter; *out untouched when absent. */
static int query_int(const char *query, const char *name, int64_t min, int64_t *out, daas_err *err)
{
    char *v = daas_http_query_get(query, name);
    if (v == NULL) {
        return DAAS_OK;
    }
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    int rc = DAAS_OK;
    if (v[0] == '\0' || *end != '\0' || errno != 0 || n < min) {
        rc = daas_fail(err, DAAS_EINVAL, "%s: must be an integer >= %lld", name, (long long)min);
    } else {
        *out = n;
    }
    daas_free(v);
    return rc;
}

static int parse_since_time(const char *query, int64_t *since_ns, daas_err *err)
{
    char *v = daas_http_query_get(query, "sinceTime");
    int rc = DAAS_OK;
    if (v != NULL) {
        rc = daas_crilog_parse_time(v, strlen(v), since_ns, NULL);
        if (rc != DAAS_OK) {
            rc = daas_fail(err, DAAS_EINVAL, "sinceTime: not an RFC 3339 time");
        }
    }
    daas_free(v);
    return rc;
}

/* Contract in serve_int.h. */
int daas_agent__log_opts(const char *q, daas_crilog_opts *o, bool *follow, bool *previous,
                         daas_err *err)
{
    int64_t since_s = -1;
    *o = (daas_crilog_opts){-1, 0, false, 0};
    int rc = daas_agent__query_bool(q, "follow", follow, err);
    if (rc == DAAS_OK) {
        rc = daas_agent__query_bool(q, "previous", previous, err);
    }
    if (rc == DAAS_OK) {
        rc = daas_agent__query_bool(q, "timestamps", &o->timestamps, err);
    }
    if (rc == DAAS_OK) {
        rc = query_int(q, "tailLines", 0, &o->tail_lines, err);
    }
    if (rc == DAAS_OK) {
        rc = query_int(q, "limitBytes", 1, &o->limit_bytes, err);
    }
    if (rc == DAAS_OK) {
        rc = query_int(q, "sinceSeconds", 1, &since_s, err);
    }
    if (rc == DAAS_OK) {
        rc = parse_since_time(q, &o->since_ns, err);
    }
    if (rc == DAAS_OK && since_s > 0 && o->since_ns > 0) {
        rc = daas_fail(err, DAAS_EINVAL, "at most one of sinceTime or sinceSeconds");
    }
    if (rc == DAAS_OK && since_s > 0) {
        int64_t now_ns = daas_now_ms() * 1000000;
        o->since_ns = since_s > now_ns / 1000000000 ? 1 : now_ns - since_s * 1000000000;
    }
    return rc;
}

static void ls_free(logstream *ls)
{
    daas_http_timer_cancel(&ls->timer);
    daas_crilog_close(&ls->r);
    daas_buf_fini(&ls->out);
    daas_free(ls->id);
    daas_free(ls);
}

static void ls_end(logstream *ls)
{
    daas_http_stream_end(ls->resp);
    ls_free(ls);
}

/* The peer left or the server stops: the response is gone. */
static void ls_closed(void *arg)
{
    ls_free(arg);
}

static void ls_tick(void *arg);

static void ls_schedule(logstream *ls, int64_t ms)
{
    ls->timer = daas_http_loop_timer(ls->loop, ms, ls_tick, ls);
}

/* One step: read what the file holds, send it, decide whether the stream is over. */
static void ls_tick(void *arg)
{
    logstream *ls = arg;
    ls->timer = NULL;
    if (daas_http_stream_pending(ls->resp) > LOG_MAX_PENDING) {
        ls_schedule(ls, LOG_POLL_MS); /* a slow reader: wait for it */
        return;
    }
    /* asked before reading: a shim gone now has written its last record already */
    bool shim_open = ls->follow && daas_rt_log_open(ls->s->rt, ls->id);
    bool progress = false;
    daas_buf_reset(&ls->out);
    int rc = daas_crilog_read(&ls->r, &ls->out, &progress, NULL);
    if (rc == DAAS_OK && ls->out.len > 0) {
        rc = daas_http_stream_write(ls->resp, ls->out.data, ls->out.len, 4 * LOG_MAX_PENDING);
    }
    if (rc != DAAS_OK || ls->r.limited || (!progress && !shim_open)) {
        ls_end(ls);
        return;
    }
    ls_schedule(ls, progress ? 0 : LOG_POLL_MS);
}

/* A response without a loop (tests' capture): everything at once, no follow. */
static void ls_run_sync(logstream *ls)
{
    bool progress = true;
    while (progress && !ls->r.limited) {
        daas_buf_reset(&ls->out);
        if (daas_crilog_read(&ls->r, &ls->out, &progress, NULL) != DAAS_OK ||
            (ls->out.len > 0 &&
             daas_http_stream_write(ls->resp, ls->out.data, ls->out.len, SIZE_MAX) != DAAS_OK)) {
            break;
        }
    }
    ls_end(ls);
}

/* Opens the log of t's run; a run whose file is not there yet reads as empty. */
static int open_log(logstream *ls, const daas_crilog_opts *o, daas_err *err)
{
    char *path = daas_rt_log_path(ls->s->rt, ls->id);
    int rc = daas_crilog_open(&ls->r, path, o, err);
    if (rc == DAAS_ENOTFOUND) {
        daas_err_clear(err);
        rc = daas_crilog_open(&ls->r, "/dev/null", o, err);
    }
    daas_free(path);
    return rc;
}

void daas_agent__logs(daas_agent_srv *s, const daas_http_req *req, daas_http_resp *resp,
                      const char *rest)
{
    daas_agent__target t;
    daas_crilog_opts o;
    bool follow = false, previous = false;
    daas_err err = {0};
    int rc = daas_agent__target_parse(rest, req->query, &t, &err);
    if (rc != DAAS_OK) {
        daas_agent__fail(resp, rc, err.msg);
        return;
    }
    rc = daas_agent__log_opts(req->query, &o, &follow, &previous, &err);
    if (rc == DAAS_OK) {
        rc = daas_agent__find_run(s, &t, previous, &err);
    }
    logstream *ls = NULL;
    if (rc == DAAS_OK) {
        ls = daas_xcalloc(1, sizeof *ls);
        ls->s = s;
        ls->resp = resp;
        ls->loop = daas_http_resp_loop(resp);
        ls->id = t.id;
        t.id = NULL;
        ls->follow = follow && !previous;
        daas_buf_init(&ls->out, 2 * DAAS_CRILOG_MAX_LINE + (2 << 20));
        rc = open_log(ls, &o, &err);
    }
    daas_agent__target_fini(&t);
    if (rc != DAAS_OK) {
        if (ls != NULL) {
            ls->r.fd = -1;
            ls_free(ls);
        }
        daas_agent__fail(resp, rc, err.msg);
        return;
    }
    daas_http_stream_start(resp, 200, "text/plain");
    if (ls->loop == NULL) {
        ls_run_sync(ls);
        return;
    }
    daas_http_on_close(resp, ls_closed, ls);
    ls_schedule(ls, 0);
}
