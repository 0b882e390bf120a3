/*
 * authn_int.h: the token table behind the token-file authenticator, exposed for unit tests
 * and the fuzz target (tests/fuzz/fuzz_tokenfile.c), and the bearer-credentials reader the
 * Sui authenticator shares. Include only from authn.c, authn_sui.c and tests.
 *
 * Owns:   nothing beyond the declarations.
 * Invariants: a token table holds SHA-256 digests of the tokens, never the tokens.
 */
#ifndef DAAS_API_AUTHN_INT_H
#define DAAS_API_AUTHN_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "api/authn.h"
#include "common/err.h"

#define DAAS_AUTHN_MAX_FIELD 8192         /* bytes per CSV field (tokens may be long JWTs) */
#define DAAS_AUTHN_MAX_TOKENS 100000      /* entries per token file */
#define DAAS_AUTHN_MAX_FILE (16u << 20)   /* bytes per token file */

typedef struct daas_authn__tokens daas_authn__tokens;

/* The credentials of "Authorization: Bearer <credentials>" (scheme case-insensitive, blanks
 * around them skipped): DAAS_OK with tok[0..*len) the first word (printable ASCII, no space;
 * points into the request) and *clean true when that word is non-empty and only blanks follow
 * it; DAAS_ENOTFOUND when there is no Authorization header or it uses another scheme. */
DAAS_MUST_USE int daas_authn__bearer(const daas_http_req *req, const char **tok, size_t *len,
                                     bool *clean);

/* Parses a token file held in memory (kube-apiserver --token-auth-file CSV). source names
 * the file in messages. Errors: DAAS_EINVAL ("<source> line N: ..."; never the token),
 * DAAS_ETOOBIG (too many entries). On error *out is NULL. */
DAAS_MUST_USE int daas_authn__tokens_parse(const char *data, size_t len, const char *source,
                                           daas_authn__tokens **out, daas_err *err);

/* Number of entries. */
size_t daas_authn__tokens_count(const daas_authn__tokens *t);

/* Looks token[0..len) up, comparing its digest with every entry (no early exit). DAAS_OK
 * with *out filled (groups + "system:authenticated"), or DAAS_EUNAUTH. When a token appears
 * twice the later line wins, as in kube-apiserver. */
DAAS_MUST_USE int daas_authn__tokens_lookup(const daas_authn__tokens *t, const char *token,
                                            size_t len, daas_user *out);

void daas_authn__tokens_free(daas_authn__tokens **t);

/* Appends a token authenticator backed by t to the chain; takes ownership of t. (What
 * daas_authn_add_token_file does after reading and parsing the file.) */
void daas_authn__add_tokens(daas_authn *a, daas_authn__tokens *t);

#endif
