/*
 * authn.h: who is making a request. One interface, several authenticators tried in order:
 * client certificates (the admin kubeconfig), bearer tokens from a token file, and later the
 * Sui wallet authenticator.
 *
 * Owns:   the authenticator chain and the built-in authenticators.
 * Invariants:
 *   - a request with no credentials of any kind is anonymous (the caller rejects it with 401);
 *   - a request with bad credentials of some kind is rejected (DAAS_EUNAUTH), never passed on
 *     to the next authenticator;
 *   - token comparison is constant-time; tokens never appear in logs or errors.
 * Spec:   specs/kube-api.md §8.
 */
#ifndef DAAS_API_AUTHN_H
#define DAAS_API_AUTHN_H

#include <stdbool.h>

#include "api/http.h"
#include "common/err.h"

typedef struct daas_user {
    char name[256];
    char uid[128];
    char groups[8][128];
    int ngroups;
} daas_user;

typedef struct daas_authn daas_authn;

/* One authenticator. authenticate() returns DAAS_OK (user filled), DAAS_ENOTFOUND (no
 * credentials of this kind in the request: try the next), or DAAS_EUNAUTH (credentials of this
 * kind that are invalid). */
typedef struct daas_authn_ops {
    const char *name;
    int (*authenticate)(void *self, const daas_http_req *req, daas_user *out, daas_err *err);
    void (*destroy)(void *self);
    /* The rejection reasons of this authenticator may be shown to the client ("token
     * expired"): they never hold secret bytes. Otherwise the client sees "Unauthorized". */
    bool public_reasons;
} daas_authn_ops;

daas_authn *daas_authn_new(void);
/* Appends an authenticator; takes ownership of self (destroy is called on free). */
void daas_authn_add(daas_authn *a, const daas_authn_ops *ops, void *self);
/* Runs the chain. DAAS_OK with *out filled; DAAS_EUNAUTH for bad or missing credentials, the
 * message "Unauthorized", or "Unauthorized: <reason>" from an authenticator whose reasons are
 * public. */
DAAS_MUST_USE int daas_authn_run(daas_authn *a, const daas_http_req *req, daas_user *out,
                                 daas_err *err);
void daas_authn_free(daas_authn **a);

/* Client-certificate authenticator: user = subject CN, groups = subject O values, from the
 * peer certificate the TLS layer verified (daas_http_peer). */
void daas_authn_add_x509(daas_authn *a);

/* Token-file authenticator (kube-apiserver --token-auth-file format: CSV lines
 * `token,user,uid[,"group1,group2"]`, # comments). Errors: DAAS_ENOTFOUND (no file),
 * DAAS_EINVAL (malformed line: message names the line number, never the token). */
DAAS_MUST_USE int daas_authn_add_token_file(daas_authn *a, const char *path, daas_err *err);

/* True when the user is in group g. */
bool daas_user_in_group(const daas_user *u, const char *g);

#endif
