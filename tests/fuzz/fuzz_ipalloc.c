/*
 * fuzz_ipalloc.c: libFuzzer target for the ClusterIP allocator's parsers and snapshot
 * restore (src/ctrl/ipalloc.c).
 *
 * Input: text up to the first NUL byte is tried as a dotted quad, as a CIDR and as a
 * service range; the bytes after the NUL are restored as a snapshot of that range (or of
 * 10.43.0.0/16 when the text is not a usable range).
 * Invariants checked (abort on violation):
 *   - a parsed address formats back to the same text (the parser accepts canonical text only);
 *   - a parsed CIDR has no host bits set and a prefix <= 32;
 *   - a restored snapshot round-trips byte for byte, and allocate/release keep used counts;
 *   - everything is freed (ASan checks the rest).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "ctrl/ipalloc.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static void run_text(const char *s)
{
    uint32_t v, net;
    int prefix;
    char buf[DAAS_CTRL_IP_STRLEN];
    if (daas_ctrl_ipv4_parse(s, &v)) {
        daas_ctrl_ipv4_format(v, buf);
        check(strcmp(buf, s) == 0);
    }
    daas_err err = {0};
    if (daas_ctrl_cidr_parse(s, &net, &prefix, &err) == DAAS_OK) {
        check(prefix >= 0 && prefix <= 32);
        check(prefix == 32 || (net & (0xffffffffu >> prefix)) == 0);
    } else {
        check(err.code == DAAS_EINVAL && err.msg[0] != '\0');
    }
}

static void run_snapshot(daas_ctrl_ipalloc *a, const uint8_t *p, size_t n)
{
    if (daas_ctrl_ipalloc_restore(a, daas_ctrl_ipalloc_range(a), DAAS_BYTES(p, n), NULL) != DAAS_OK)
        return;
    size_t skip = 0;
    while (skip < n && p[skip] == 0)
        skip++;
    daas_buf out;
    daas_buf_init(&out, 0);
    check(daas_ctrl_ipalloc_snapshot(a, &out, NULL) == DAAS_OK);
    check(out.len == n - skip && (out.len == 0 || memcmp(out.data, p + skip, out.len) == 0));
    daas_buf_fini(&out);
    size_t used = daas_ctrl_ipalloc_used(a);
    char ip[DAAS_CTRL_IP_STRLEN];
    if (daas_ctrl_ipalloc_allocate_next_seeded(a, (uint32_t)n * 2654435761u, ip, NULL) == DAAS_OK) {
        check(daas_ctrl_ipalloc_used(a) == used + 1 && daas_ctrl_ipalloc_has(a, ip));
        check(daas_ctrl_ipalloc_release(a, ip) && daas_ctrl_ipalloc_used(a) == used);
    } else {
        check(used == daas_ctrl_ipalloc_size(a));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t tl = nul ? (size_t)(nul - data) : size;
    char *text = daas_xstrndup((const char *)data, tl);
    run_text(text);
    daas_ctrl_ipalloc *a = NULL;
    if (daas_ctrl_ipalloc_new(text, &a, NULL) != DAAS_OK)
        check(daas_ctrl_ipalloc_new(NULL, &a, NULL) == DAAS_OK);
    if (daas_ctrl_ipalloc_allocate(a, text, NULL) == DAAS_OK)
        check(daas_ctrl_ipalloc_has(a, text) && daas_ctrl_ipalloc_release(a, text));
    if (nul != NULL)
        run_snapshot(a, nul + 1, size - tl - 1);
    daas_ctrl_ipalloc_free(&a);
    daas_free(text);
    return 0;
}
