/*
 * node.c: the development chain served over HTTP(S) (node.h).
 *
 * Owns:   the chain handle, the HTTP server that routes to the GraphQL/faucet front (serve.h),
 *         and the chain file.
 * Invariants: start either returns a serving node with its chain file written, or frees
 *         everything it made; stop order is listener first, then the chain.
 */
#include "devnet/node.h"

#include <stdio.h>
#include <string.h>

#include "api/http.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "devnet/serve.h"
#include "sui/chain.h"

struct daas_devnet_node {
    daas_devnet *chain;
    daas_http_server *http;
    char *chain_file;
    char url[256];
};

static int write_chain_file(daas_devnet_node *n, const daas_devnet_node_opts *o, daas_err *err)
{
    daas_sui_chain c = {.has_package = true, .has_seal_package = true, .dev = true};
    snprintf(c.url, sizeof c.url, "%s", n->url);
    snprintf(c.faucet, sizeof c.faucet, "%.*s/v2/gas", (int)(strlen(n->url) - strlen("/graphql")),
             n->url);
    if (o->tls != NULL && o->ca_path != NULL)
        snprintf(c.ca, sizeof c.ca, "%s", o->ca_path);
    daas_devnet_package(n->chain, c.package);
    daas_devnet_seal_package(n->chain, c.seal_package);
    return daas_sui_chain_write(n->chain_file, &c, err);
}

int daas_devnet_node_start(const daas_devnet_node_opts *o, daas_devnet_node **out, daas_err *err)
{
    int rc = daas_mkdir_p(o->dir, err);
    if (rc != DAAS_OK)
        return rc;
    daas_devnet_node *n = daas_xcalloc(1, sizeof *n);
    n->chain_file = daas_xasprintf("%s/chain.json", o->dir);
    daas_devnet_opts dopts = {.dir = o->dir, .epoch_ms = o->epoch_ms, .dev_root = o->dev_root};
    rc = daas_devnet_open(&dopts, &n->chain, err);
    const char *bind = o->bind ? o->bind : "127.0.0.1";
    daas_http_config hc = {.bind_addr = bind, .port = o->port, .tls = o->tls,
                           .threads = o->threads > 0 ? o->threads : 2,
                           .handler = daas_devnet_http_handler, .arg = NULL};
    if (rc == DAAS_OK) {
        hc.arg = n->chain;
        rc = daas_http_server_new(&hc, &n->http, err);
    }
    if (rc == DAAS_OK)
        rc = daas_http_server_start(n->http, err);
    if (rc == DAAS_OK) {
        const char *host = strcmp(bind, "0.0.0.0") == 0 ? "127.0.0.1" : bind;
        snprintf(n->url, sizeof n->url, "%s://%s:%d/graphql", o->tls ? "https" : "http", host,
                 daas_http_server_port(n->http));
        rc = write_chain_file(n, o, err);
    }
    if (rc != DAAS_OK) {
        daas_devnet_node_stop(&n);
        return rc;
    }
    if (o->tls == NULL)
        DAAS_WARN("devnet", "INSECURE: the development chain serves plain HTTP (tests only)");
    *out = n;
    return DAAS_OK;
}

void daas_devnet_node_stop(daas_devnet_node **np)
{
    daas_devnet_node *n = np ? *np : NULL;
    if (n == NULL)
        return;
    if (n->http)
        daas_http_server_stop(n->http);
    daas_http_server_free(&n->http);
    daas_devnet_close(&n->chain);
    daas_free(n->chain_file);
    daas_free(n);
    *np = NULL;
}

daas_devnet *daas_devnet_node_chain(daas_devnet_node *n)
{
    return n->chain;
}

int daas_devnet_node_port(const daas_devnet_node *n)
{
    return daas_http_server_port(n->http);
}

const char *daas_devnet_node_chain_file(const daas_devnet_node *n)
{
    return n->chain_file;
}

const char *daas_devnet_node_url(const daas_devnet_node *n)
{
    return n->url;
}
