/*
 * pkg_int.h: what the daas package's client files share (pkg.c, pkg_enclave.c, pkg_seal.c):
 *            reading contents.json fields, type names, created ids, the call-and-run step,
 *            finding the one shared object of a type, and the object parsers the fuzzer
 *            drives. Include only from src/sui/ and its tests.
 *
 * Owns:   nothing stateful.
 * Invariants: every reader answers DAAS_OK or DAAS_EREMOTE ("daas package: <what>: field
 *         <key> is missing or malformed"); nothing is read past a field's stated length.
 */
#ifndef DAAS_SUI_PKG_INT_H
#define DAAS_SUI_PKG_INT_H

#include <jansson.h>
#include <stdint.h>

#include "sui/gql.h"
#include "sui/pkg.h"
#include "sui/ptb.h"
#include "sui/pkg_enclave.h"

/* DAAS_EREMOTE naming the object kind (what) and the field. */
int daas_pkg__bad_field(daas_err *err, const char *what, const char *field);
/* A u64 field (decimal string or integer). */
DAAS_MUST_USE int daas_pkg__field_u64(const json_t *obj, const char *key, const char *what,
                                      uint64_t *out, daas_err *err);
/* An address field ("0x…"). */
DAAS_MUST_USE int daas_pkg__field_addr(const json_t *obj, const char *key, const char *what,
                                       uint8_t out[DAAS_SUI_ADDRESS_LEN], daas_err *err);
/* A vector<u8> field of exactly len bytes (a Base64 string, as Sui GraphQL renders it, or a
 * JSON array of bytes) into out. Fields longer than DAAS_PKG__BYTES_MAX are refused. */
#define DAAS_PKG__BYTES_MAX 1024
DAAS_MUST_USE int daas_pkg__field_bytes(const json_t *obj, const char *key, const char *what,
                                        uint8_t *out, size_t len, daas_err *err);
/* The json's "id" must be the object's own id (DAAS_EREMOTE otherwise). */
DAAS_MUST_USE int daas_pkg__check_id(const json_t *obj, const char *what,
                                     const uint8_t id[DAAS_SUI_ADDRESS_LEN], daas_err *err);
/* The id of the object of type <package>::<module>::<name> (or a type in another address form
 * ending the same way) the transaction r created. DAAS_EREMOTE when it created none. */
DAAS_MUST_USE int daas_pkg__created_id(const uint8_t package[DAAS_SUI_ADDRESS_LEN],
                                       const daas_sui_exec_result *r, const char *module,
                                       const char *name, uint8_t id_out[DAAS_SUI_ADDRESS_LEN],
                                       daas_err *err);
/* Ends b with the call package::module::fn(args), then prepares (dry run first), signs with
 * key and executes it (ptb.h daas_sui_tx_run, abort names from daas_pkg_abort_name); spend is
 * what b splits off the gas coin. */
DAAS_MUST_USE int daas_pkg__call_run(daas_sui_client *c, const daas_sui_key *key,
                                     daas_sui_ptbb *b, const uint8_t package[DAAS_SUI_ADDRESS_LEN],
                                     const char *module, const char *fn, const daas_sui_arg *args,
                                     size_t n, uint64_t spend, daas_sui_exec_result *result,
                                     daas_err *err);
/* "<package>::<module>::<name>", new string (daas_free). */
char *daas_pkg__type_of(const uint8_t package[DAAS_SUI_ADDRESS_LEN], const char *module,
                        const char *name);

/* What the chain holds of a type that should have exactly one shared object. */
enum { DAAS_PKG__ONE = 0, DAAS_PKG__NONE, DAAS_PKG__SEVERAL, DAAS_PKG__NOT_SHARED };
/* Looks up the objects of type; *found is one of the above; when DAAS_PKG__ONE, its id,
 * initial shared version and (json not NULL) contents.json, new reference. Errors: the
 * client's only. */
DAAS_MUST_USE int daas_pkg__find_one(daas_sui_client *c, const char *type,
                                     uint8_t id[DAAS_SUI_ADDRESS_LEN], uint64_t *isv,
                                     json_t **json, int *found, daas_err *err);
/* The one shared <package>::module::name: DAAS_ENOTFOUND "no … object: is it the daas
 * package?", DAAS_EREMOTE (several, not shared), the client's errors. */
DAAS_MUST_USE int daas_pkg__find_shared(daas_sui_client *c,
                                        const uint8_t package[DAAS_SUI_ADDRESS_LEN],
                                        const char *module, const char *name,
                                        uint8_t id[DAAS_SUI_ADDRESS_LEN], uint64_t *isv,
                                        json_t **json, daas_err *err);

/* pkg_enclave.c: an EnclaveConfig / an Enclave from an object as the chain returned it
 * (untrusted). DAAS_EREMOTE when a field is missing, malformed or of the wrong length. */
DAAS_MUST_USE int daas_pkg__parse_config(const daas_sui_object *o, daas_pkg_enclave_config *out,
                                         daas_err *err);
DAAS_MUST_USE int daas_pkg__parse_enclave(const daas_sui_object *o, daas_pkg_enclave *out,
                                          daas_err *err);

#endif
