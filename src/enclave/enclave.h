/*
 * enclave.h: the `daas enclave` service (Nautilus style): an ephemeral Ed25519 key made at
 * boot, intent messages signed with it, attestation documents binding it (the real NSM, or
 * a debug document signed by a dev CA), and the HTTP endpoints serving them.
 *
 * Owns:   the enclave key (in the daas_enclave, never copied out: there is no getter for
 *         the secret), the route table of the enclave's HTTP service, the NSM request and
 *         response codec, the debug CA and the debug documents.
 * Not:    verifying attestation documents (attest*.c, daas_attest_*); the scheduler and its
 *         endpoints (sched/, registered here with daas_enclave_route_add); the listening
 *         socket (addr.h).
 * Invariants:
 *   - the secret key lives in locked memory inside one daas_enclave and is wiped on free;
 *     it is never logged, returned, written or put in an error;
 *   - a debug document has exactly the COSE_Sign1 layout of a real one, all-zero PCRs and a
 *     module_id starting "daas-debug-", so only a verifier told to allow debug enclaves
 *     accepts it;
 *   - the route table is fixed before the service starts (read without a lock afterwards).
 * Spec:   specs/nautilus.md §1.2 (endpoints), §1.3 (IntentMessage), §1.4 (key binding),
 *         §3 (document format), §5 (NSM device API); ARCHITECTURE.md §3.3.
 */
#ifndef DAAS_ENCLAVE_ENCLAVE_H
#define DAAS_ENCLAVE_ENCLAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/http.h"
#include "common/alloc.h"
#include "common/err.h"

#define DAAS_ENCLAVE_PK_LEN 32      /* Ed25519 public key */
#define DAAS_ENCLAVE_SIG_LEN 64     /* Ed25519 signature */
#define DAAS_ENCLAVE_DOC_MAX 0x3000 /* largest attestation document (NSM response cap) */
#define DAAS_ENCLAVE_NSM_DEV "/dev/nsm"
#define DAAS_ENCLAVE_DEBUG_MODULE_PREFIX "daas-debug-"

/* ---- IntentMessage (intent.c) ---- */

enum { DAAS_ENCLAVE_INTENT_PROCESS_DATA = 0 }; /* Nautilus' scope 0 */

/* Appends BCS(IntentMessage) = intent (u8) ‖ timestamp_ms (u64 LE) ‖ payload (the BCS of
 * the app struct, copied as is) to out. Errors: DAAS_ETOOBIG (out's cap). */
DAAS_MUST_USE int daas_enclave_intent_bcs(uint8_t intent, uint64_t timestamp_ms, daas_bytes payload,
                                          daas_buf *out, daas_err *err);

/* Splits an IntentMessage: *payload points into msg. Errors: DAAS_EINVAL (< 9 bytes). */
DAAS_MUST_USE int daas_enclave_intent_parse(daas_bytes msg, uint8_t *intent, uint64_t *timestamp_ms,
                                            daas_bytes *payload, daas_err *err);

/* True when sig is the pure Ed25519 (RFC 8032) signature by pk of the IntentMessage's BCS
 * bytes, as Move's enclave::verify_signature checks it. Thread: any. */
bool daas_enclave_intent_verify(const uint8_t pk[DAAS_ENCLAVE_PK_LEN], uint8_t intent,
                                uint64_t timestamp_ms, daas_bytes payload,
                                const uint8_t sig[DAAS_ENCLAVE_SIG_LEN]);

/* ---- the Nitro Secure Module (nsm.c) ---- */

/* Appends the CBOR of NSM's Attestation request to out: map(1){"Attestation": map(3)
 * {"user_data", "nonce", "public_key"}}, each a bstr or null (NULL argument), in serde's
 * order. Limits: user_data and nonce <= 512 bytes, public_key <= 1024. Errors: DAAS_EINVAL
 * (over a limit), DAAS_ETOOBIG (out's cap). */
DAAS_MUST_USE int daas_enclave_nsm_request(const daas_bytes *user_data, const daas_bytes *nonce,
                                           const daas_bytes *public_key, daas_buf *out,
                                           daas_err *err);

/* Decodes an NSM response (definite or indefinite maps, any key order) and appends the
 * attestation document of {"Attestation": {"document": bstr}} to doc. Errors: DAAS_EREMOTE
 * for {"Error": "<name>"} (the name in the message), DAAS_EINVAL for anything else
 * (malformed CBOR, trailing bytes, another response, a document over DAAS_ENCLAVE_DOC_MAX). */
DAAS_MUST_USE int daas_enclave_nsm_response(daas_bytes resp, daas_buf *doc, daas_err *err);

/* Asks the NSM at dev (DAAS_ENCLAVE_NSM_DEV) for a document binding public_key (user_data
 * and nonce null), through the NSM_IOCTL_RAW ioctl; appends it to doc. Opens and closes
 * the device on each call. Errors: DAAS_EUNAVAIL (cannot open dev), DAAS_EIO (the ioctl
 * failed: not an NSM), the response's errors. Thread: any (the driver serialises). */
DAAS_MUST_USE int daas_enclave_nsm_attest(const char *dev, daas_bytes public_key, daas_buf *doc,
                                          daas_err *err);

/* ---- debug attestation (debug_doc.c) ---- */

typedef struct daas_enclave_debug_ca daas_enclave_debug_ca;

/* Loads the dev CA (EC P-384, self-signed) from dir/ca.crt and dir/ca.key, creating dir
 * (0700) and both files (0600) when neither exists. Errors: DAAS_EINVAL (one file without
 * the other, unreadable PEM, key not P-384 or not the certificate's), DAAS_EIO. */
DAAS_MUST_USE int daas_enclave_debug_ca_open(const char *dir, daas_enclave_debug_ca **out,
                                             daas_err *err);
void daas_enclave_debug_ca_free(daas_enclave_debug_ca **ca);

/* The CA certificate's DER (owned by ca; what a debug document carries as cabundle[0]). */
daas_bytes daas_enclave_debug_ca_der(const daas_enclave_debug_ca *ca);

/* Appends a debug attestation document to out: COSE_Sign1 [bstr {1:-35}, {}, payload,
 * ES384 r‖s], payload {module_id, digest "SHA384", timestamp now_ms, pcrs 0..15 = 48 zero
 * bytes, certificate (a fresh P-384 leaf issued by ca, valid now-5 min .. now+3 h),
 * cabundle [ca], public_key (null when its len is 0), user_data null, nonce null}.
 * module_id must start with DAAS_ENCLAVE_DEBUG_MODULE_PREFIX. Errors: DAAS_EINVAL (module_id,
 * public_key over 1024), DAAS_ECRYPTO, DAAS_ETOOBIG. Thread: any (ca is read only). */
DAAS_MUST_USE int daas_enclave_debug_doc(const daas_enclave_debug_ca *ca, const char *module_id,
                                         int64_t now_ms, daas_bytes public_key, daas_buf *out,
                                         daas_err *err);

/* ---- the service (enclave.c) ---- */

typedef struct daas_enclave daas_enclave;

typedef struct daas_enclave_opts {
    const char *nsm_path;     /* NULL: DAAS_ENCLAVE_NSM_DEV; used when the path exists */
    const char *debug_ca_dir; /* the dev CA directory; required when there is no NSM */
} daas_enclave_opts;

/* Makes the boot key (OS randomness), picks the attestation source (the NSM when nsm_path
 * exists, else a debug document signed by the CA in debug_ca_dir) and produces one
 * document to prove it works. Registers GET /, /health_check, /get_attestation.
 * Errors: DAAS_EINVAL (no NSM and no CA directory), the CA's and the NSM's errors. */
DAAS_MUST_USE int daas_enclave_new(const daas_enclave_opts *opts, daas_enclave **out,
                                   daas_err *err);
/* Stops nothing (stop the server first); wipes the key. Accepts NULL and *e == NULL. */
void daas_enclave_free(daas_enclave **e);

/* True when documents are debug documents (no NSM). */
bool daas_enclave_is_debug(const daas_enclave *e);
/* The boot key's public half. */
void daas_enclave_public_key(const daas_enclave *e, uint8_t pk[DAAS_ENCLAVE_PK_LEN]);
/* Signs BCS(IntentMessage{intent, timestamp_ms, payload}) with the boot key (pure Ed25519).
 * Thread: any. Errors: DAAS_ECRYPTO. */
DAAS_MUST_USE int daas_enclave_sign(const daas_enclave *e, uint8_t intent, uint64_t timestamp_ms,
                                    daas_bytes payload, uint8_t sig[DAAS_ENCLAVE_SIG_LEN],
                                    daas_err *err);
/* Appends a fresh attestation document binding the public key to doc. Thread: any
 * (serialised inside). Errors: as daas_enclave_nsm_attest / daas_enclave_debug_doc. */
DAAS_MUST_USE int daas_enclave_attest(daas_enclave *e, daas_buf *doc, daas_err *err);

/* A route's handler: runs on a server loop thread and must answer resp (daas_http_respond
 * or daas_enclave_reply*) once, now or later on the same thread. */
typedef void (*daas_enclave_handler)(daas_enclave *e, void *arg, const daas_http_req *req,
                                     daas_http_resp *resp);

/* Adds {method, path} → handler (exact match on the decoded path; method and path are
 * copied). Only before daas_enclave_serve. Errors: DAAS_EEXIST (same method and path),
 * DAAS_EINVAL (after serve, bad arguments). */
DAAS_MUST_USE int daas_enclave_route_add(daas_enclave *e, const char *method, const char *path,
                                         daas_enclave_handler handler, void *arg, daas_err *err);

/* Dispatches one request through the route table: 404 {"error": ...} for an unknown path,
 * 405 for a known path with another method. Usable with a capture response (tests). */
void daas_enclave_handle(daas_enclave *e, const daas_http_req *req, daas_http_resp *resp);

/* Serves plain HTTP (no TLS: see enclave.c) on the listening socket listen_fd (borrowed;
 * the caller may close it once this returns) with `threads` workers (0: 2), started.
 * Freezes the route table. The server is the caller's (daas_http_server_free before
 * daas_enclave_free). Errors: the HTTP server's. */
DAAS_MUST_USE int daas_enclave_serve(daas_enclave *e, int listen_fd, int threads,
                                     daas_http_server **out, daas_err *err);

/* Answers status with the JSON text json (application/json). */
void daas_enclave_reply(daas_http_resp *resp, int status, const char *json);
/* Answers status with {"error": msg} (Nautilus' error shape; msg is JSON-escaped). */
void daas_enclave_reply_error(daas_http_resp *resp, int status, const char *msg);

#endif
