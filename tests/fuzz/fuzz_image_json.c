/*
 * fuzz_image_json.c: libFuzzer target for the image JSON parsers (src/image/manifest.c):
 *                    manifests, indexes (with the linux/amd64 pick) and image configs, and
 *                    the Bearer challenge and reference parsers (src/image/pull.c).
 *
 * Owns:   nothing. Every parse either succeeds with every digest valid (digests name store
 *         paths) or fails with a message; no crash, leak or UB.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void manifest(const char *s, size_t n)
{
    daas_image_manifest m;
    daas_err err = {0};
    if (daas_image_manifest_parse(s, n, NULL, &m, &err) == DAAS_OK) {
        for (size_t i = 0; i < m.n_layers; i++)
            if (!daas_image_digest_valid(m.layers[i].digest))
                abort();
        for (size_t i = 0; i < m.n_manifests; i++)
            if (!daas_image_digest_valid(m.manifests[i].digest))
                abort();
        const daas_image_desc *d = NULL;
        if (m.kind == DAAS_IMAGE_KIND_INDEX &&
            daas_image_index_pick(&m, "linux", "amd64", &d, &err) == DAAS_OK &&
            !daas_image_digest_valid(d->digest))
            abort();
    } else if (!err.msg[0]) {
        abort();
    }
    daas_image_manifest_fini(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    daas_err err = {0};
    manifest(s, size);
    daas_image_cfg c;
    if (daas_image_config_parse(s, size, &c, &err) != DAAS_OK && !err.msg[0])
        abort();
    daas_image_config_fini(&c);
    char *z = daas_xstrndup(s, size < 2048 ? size : 2048);
    char *realm = NULL, *service = NULL, *scope = NULL;
    if (daas_image_parse_challenge(z, &realm, &service, &scope, &err) == DAAS_OK && !realm)
        abort();
    daas_free(realm);
    daas_free(service);
    daas_free(scope);
    daas_image_ref r;
    if (daas_image_ref_parse(z, &r, &err) == DAAS_OK && (!r.canonical || !r.name[0]))
        abort();
    daas_image_ref_fini(&r);
    daas_free(z);
    return 0;
}
