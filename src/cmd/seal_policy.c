/*
 * seal_policy.c: `daas seal policy ...` (placeholder until the policy commands land).
 */
#include <stdio.h>

#include "cmd/cmd.h"

int daas_cmd_seal_policy(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "daas seal policy: not built yet\n");
    return 1;
}
