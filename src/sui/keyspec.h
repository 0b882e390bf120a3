/*
 * keyspec.h: what a `--key` argument names, resolved to a key.
 *
 * Owns:   the rules that turn a --key value (and an optional --keystore) into a key.
 * Not:    key formats (sui.h), the token (token.h).
 * Rules, in order:
 *   1. "suiprivkey1…" (either case): the key itself;
 *   2. an existing file (a leading "~/" is $HOME): a file whose first line is a suiprivkey1…
 *      key, or a Sui keystore (a JSON list) holding exactly one key;
 *   3. base64(flag || 32-byte secret), an entry of sui.keystore: the key itself;
 *   4. any other value with a '/' in it: a key file that does not exist (DAAS_ENOTFOUND);
 *   5. otherwise an alias, or a "0x…" address, looked up in the keystore: keystore_path,
 *      else $DAAS_KEYSTORE, else $HOME/.sui/sui_config/sui.keystore; aliases come from the
 *      sui.aliases file next to it (when there is one).
 * Invariants: secret text read from files is wiped before it is freed; messages name files,
 *             aliases and addresses, never key bytes.
 */
#ifndef DAAS_SUI_KEYSPEC_H
#define DAAS_SUI_KEYSPEC_H

#include "sui/sui.h"

/* Resolves spec into a new key *out (daas_sui_key_free). keystore_path may be NULL.
 * Errors: DAAS_EINVAL (malformed key or file, ambiguous keystore), DAAS_ENOTFOUND ("no key
 * 'bob' in /root/.sui/sui_config/sui.keystore", missing file), DAAS_EIO. */
DAAS_MUST_USE int daas_sui_keyspec_resolve(const char *spec, const char *keystore_path,
                                           daas_sui_key **out, daas_err *err);

/* The keystore path rule 5 uses: keystore_path (with "~/" expanded), $DAAS_KEYSTORE, or
 * $HOME/.sui/sui_config/sui.keystore. New string (daas_free). */
char *daas_sui_keyspec_keystore_path(const char *keystore_path);

#endif
