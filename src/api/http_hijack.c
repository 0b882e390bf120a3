/*
 * http_hijack.c: handing a connection over to its handler (protocol upgrades, raw proxies),
 * and the loop's event base for the code that then drives it.
 *
 * Owns:   nothing after the hand-over: the bufferevent belongs to the hijacker.
 * Not:    what flows on the connection afterwards (api/podproxy.c); freeing the connection
 *         record (conn_run() in http.c frees it once it is marked dead).
 * Model:  the connection record stays on its loop's list, without its bufferevent, marked
 *         PH_DEAD; conn_run() frees it when the handler returns (the request stays valid
 *         until then), or a resume event runs conn_run() for a hijack made later, outside
 *         conn_run().
 * Invariants:
 *   - after a successful hijack the HTTP layer never reads, writes, times or frees the
 *     bufferevent again, and on_close is never run for the response;
 *   - bytes the client sent after the request's head and body stay in the bufferevent's
 *     input buffer for the hijacker.
 * Spec:   src/api/http.h (daas_http_hijack); RFC 9110 §7.8 (Upgrade).
 */
#include "api/http_srv.h"

#include <event2/bufferevent.h>

/* Contract in http.h. Loop thread. */
int daas_http_hijack(daas_http_resp *resp, struct bufferevent **bev_out, daas_err *err)
{
    conn *c = resp->c;
    if (c == NULL)
        return daas_fail(err, DAAS_EINVAL, "http: a capture response cannot be hijacked");
    if (resp->state != R_NONE || c->phase != PH_HANDLER || c->bev == NULL)
        return daas_fail(err, DAAS_EINVAL, "http: the response has already started");
    if (c->peer_gone)
        return daas_fail(err, DAAS_ECLOSED, "http: the client has gone");
    struct bufferevent *bev = c->bev;
    /* Deferred callbacks already queued read the callbacks at run time: none will reach c. */
    bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
    bufferevent_disable(bev, EV_READ);
    bufferevent_set_timeouts(bev, NULL, NULL);
    bufferevent_setwatermark(bev, EV_READ | EV_WRITE, 0, 0);
    c->bev = NULL;
    event_del(&c->timer);
    resp->state = R_DONE;
    resp->on_close = NULL;
    resp->on_close_arg = NULL;
    c->phase = PH_DEAD;
    if (!c->in_run)
        event_active(&c->resume, EV_READ, 0);
    *bev_out = bev;
    return DAAS_OK;
}

/* Contract in http.h. */
struct event_base *daas_http_loop_base(daas_http_loop *loop)
{
    return loop->base;
}
