/*
 * fuzz_pki_boot.c: the bootstrap record parser (pki/boot.h daas_pki_boot_open) on untrusted
 * bytes from the datastore. Low PBKDF2 counts in the corpus keep runs fast; the parser bounds
 * the count it accepts.
 */
#include <stddef.h>
#include <stdint.h>

#include "pki/boot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    daas_pki_boot b;
    if (size > 4096)
        return 0; /* records are small; bigger inputs only cost PBKDF2 time */
    if (daas_pki_boot_open("fuzz-token", "/bootstrap/fuzz", (const char *)data, size, &b, NULL) ==
        DAAS_OK)
        daas_pki_boot_fini(&b);
    return 0;
}
