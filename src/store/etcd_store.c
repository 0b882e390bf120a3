/*
 * etcd_store.c: the store engine over etcd (being written).
 */
#include "store/etcd.h"
#include "store/store_int.h"

int daas_store_open_etcd(const struct daas_store_etcd_opts *eo, const daas_store_opts *opts,
                         daas_store **out, daas_err *err)
{
    (void)eo;
    (void)opts;
    *out = NULL;
    return daas_fail(err, DAAS_EINTERNAL, "store: the etcd engine is not built yet");
}
