/*
 * seal.c: `daas seal <sub>` (placeholder until the seal commands land in this session).
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

int daas_cmd_seal(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "policy") == 0)
        return daas_cmd_seal_policy(argc - 1, argv + 1);
    fprintf(stderr, "daas seal: not built yet\n");
    return 1;
}
