/*
 * fuzz_sui_gql.c: the Sui GraphQL reply parsers (src/sui/gql_parse.c) from arbitrary bytes
 * taken as a reply body: the envelope ({"data","errors"}), then every per-operation parser
 * over the same data object, and the DateTime parser over the input as text.
 *
 * Owns:   nothing across runs; every result is finalised before returning.
 * Input:  the whole input as a reply body; also, cut at the first NUL, as a DateTime.
 * Checks: no crash, leak or UB; a failure has a negative code and a non-empty one-line
 *         message; a failed parser leaves its result empty (DAAS_EFAILED excepted: complete,
 *         not successful); a parsed page or event list has items when it has a count.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "sui/gql_int.h"

static void check_rc(int rc, const daas_err *err)
{
    if (rc == DAAS_OK)
        return;
    if (rc >= 0 || err->code != rc || err->msg[0] == '\0' || strchr(err->msg, '\n') != NULL)
        abort();
}

static void fuzz_objects(json_t *data)
{
    daas_sui_object o;
    daas_sui_page p;
    daas_err err = {0};
    int rc = daas_sui__parse_object(data, "0x1", &o, &err);
    check_rc(rc, &err);
    if (rc != DAAS_OK && (o.type != NULL || o.json != NULL || o.bcs != NULL))
        abort();
    daas_sui_object_fini(&o);
    for (int i = 0; i < 2; i++) {
        daas_err_clear(&err);
        rc = i == 0 ? daas_sui__parse_owned(data, &p, &err)
                    : daas_sui__parse_objects(data, &p, &err);
        check_rc(rc, &err);
        if ((rc != DAAS_OK && (p.items != NULL || p.cursor != NULL)) || (p.n > 0 && !p.items))
            abort();
        daas_sui_page_fini(&p);
    }
}

static void fuzz_coins_and_fields(json_t *data)
{
    daas_sui_coin *coins;
    size_t n;
    bool more;
    char *cursor, id[64];
    json_t *v;
    daas_err err = {0};
    int rc = daas_sui__parse_coins(data, &coins, &n, &more, &cursor, &err);
    check_rc(rc, &err);
    if (rc != DAAS_OK && (coins != NULL || cursor != NULL))
        abort();
    daas_free(coins);
    daas_free(cursor);
    daas_err_clear(&err);
    rc = daas_sui__parse_dynamic_field(data, "k", &v, &err);
    check_rc(rc, &err);
    if (rc != DAAS_OK && v != NULL)
        abort();
    json_decref(v);
    daas_err_clear(&err);
    check_rc(daas_sui__parse_chain_id(data, id, sizeof id, &err), &err);
    daas_sui_epoch ep;
    daas_err_clear(&err);
    check_rc(daas_sui__parse_epoch(data, &ep, &err), &err);
}

static void fuzz_events_and_tx(json_t *data)
{
    daas_sui_events e;
    daas_sui_exec_result r;
    daas_err err = {0};
    int rc = daas_sui__parse_events(data, &e, &err);
    check_rc(rc, &err);
    if ((rc != DAAS_OK && e.items != NULL) || (e.n > 0 && e.items == NULL))
        abort();
    daas_sui_events_fini(&e);
    for (int i = 0; i < 2; i++) {
        daas_err_clear(&err);
        rc = i == 0 ? daas_sui__parse_simulate(data, &r, &err)
                    : daas_sui__parse_execute(data, &r, &err);
        check_rc(rc, &err);
        if (rc == DAAS_EFAILED && (r.success || r.digest[0] == '\0'))
            abort();
        if (rc != DAAS_OK && rc != DAAS_EFAILED && (r.created != NULL || r.error != NULL))
            abort();
        daas_sui_exec_result_fini(&r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *d = NULL;
    daas_err err = {0};
    int rc = daas_sui__gql_parse_reply((const char *)data, size, &d, &err);
    check_rc(rc, &err);
    if (rc == DAAS_OK) {
        fuzz_objects(d);
        fuzz_coins_and_fields(d);
        fuzz_events_and_tx(d);
    }
    json_decref(d);
    char *s = daas_xstrndup((const char *)data, size);
    uint64_t ms;
    if (daas_sui__datetime_ms(s, &ms) == DAAS_OK && ms > 253402300800000ULL + 200000000ULL)
        abort(); /* four-digit years, offsets under 100 h */
    daas_free(s);
    return 0;
}
