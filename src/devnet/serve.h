/*
 * serve.h: the development chain on HTTP — the one handler `daas devnet` (and tests) hand to
 * the HTTP server (src/api/http.h) to expose a daas_devnet as a Sui GraphQL endpoint and a
 * Sui faucet.
 *
 * Owns:   the routing of the devnet's HTTP paths.
 * Not:    the GraphQL answers and faucet replies themselves (daas_devnet_graphql and
 *         daas_devnet_faucet_http in devnet.h, implemented in serve.c).
 * Invariants: every request gets exactly one JSON response before the handler returns.
 */
#ifndef DAAS_DEVNET_SERVE_H
#define DAAS_DEVNET_SERVE_H

#include "api/http.h"
#include "devnet/devnet.h"

/* An http.h handler; devnet is the daas_devnet * (borrowed; it must outlive the server).
 * Routes:  POST /graphql (and POST /) → daas_devnet_graphql;
 *          POST /v2/gas               → daas_devnet_faucet_http;
 *          other methods on those paths → 405, any other path → 404 (GraphQL-style errors).
 * Thread: any loop thread; the devnet serialises its calls. */
void daas_devnet_http_handler(void *devnet, const daas_http_req *req, daas_http_resp *resp);

#endif
