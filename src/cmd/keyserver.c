/*
 * keyserver.c: `daas keyserver` (placeholder until the key server lands in this session).
 */
#include <stdio.h>

#include "cmd/cmd.h"

int daas_cmd_keyserver(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "daas keyserver: not built yet\n");
    return 1;
}
