/*
 * fuzz_devnet_tx.c: libFuzzer target for the development chain's transaction path
 * (src/devnet: check.c, exec.c, ptb.c, the native package): every input is simulated as
 * TransactionData against one chain created once in a temporary directory from a fixed
 * genesis seed, so the seed corpus (real transactions spending the publisher's coin, staking,
 * slashing with the AdminCap, registering nodes, calling the skeletons) names live objects.
 *
 * Owns:   the chain and its directory (removed at exit). Any input either is refused
 *         (DAAS_EINVAL / DAAS_ETOOBIG with a message) or runs to a result with a digest,
 *         a gas charge within the budget and, on failure, an error text. Simulation never
 *         changes the chain. ASan/UBSan catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "devnet/devnet.h"
#include "devnet_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The seed the corpus was generated with (tests/fuzz/corpus/fuzz_devnet_tx/). */
static const uint8_t SEED[32] = "daas fuzz_devnet_tx genesis seed";

static void check_result(const daas_sui_exec_result *r)
{
    uint64_t charged = r->gas.computation + r->gas.storage;
    if (r->digest[0] == '\0' || r->gas.computation == 0 || charged > 50000000000ull)
        abort();
    if (!r->success && (r->error == NULL || r->n_events != 0 || r->n_created != 0))
        abort();
    if (r->success && r->error != NULL)
        abort();
    if (r->has_abort_code && (r->abort_module == NULL || r->abort_function == NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    daas_sui_exec_result r;
    daas_err err = {0};
    daas_devnet *chain = devnet_fuzz_get("fuzz_devnet_tx", SEED);
    int rc = daas_devnet_execute(chain, DAAS_BYTES(data, size), NULL, 0, true, &r, &err);
    if (rc == DAAS_OK)
        check_result(&r);
    else if ((rc != DAAS_EINVAL && rc != DAAS_ETOOBIG) || err.msg[0] == '\0')
        abort();
    daas_sui_exec_result_fini(&r);
    return 0;
}
