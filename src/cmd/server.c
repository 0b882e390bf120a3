/*
 * server.c: `daas server`: flags, then wiring of store, PKI, authenticators and the API.
 */
#include <stdio.h>

#include "cmd/cmd.h"

int daas_cmd_server(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "daas server: not built yet\n");
    return 1;
}
