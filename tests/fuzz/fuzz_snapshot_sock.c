/*
 * fuzz_snapshot_sock.c: the line protocol of the snapshot socket (snapshot.h): arbitrary bytes
 *                       read as a line by daas_store__snap_read_line (through a pipe, as the
 *                       server reads a client), then parsed as a request and as a reply.
 *
 * Owns:   nothing across runs; the pipe is closed and every string freed.
 * Checks: no crash, leak or UB; read_line returns exactly the bytes before the first '\n' when
 *         one comes within its buffer, DAAS_ETOOBIG when none does, DAAS_EIO at end of input;
 *         an accepted request is "save" with a name and a tab-free directory inside the line;
 *         a refused one is DAAS_EINVAL; a reply is accepted only after "ok", with a path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/err.h"
#include "store/snapshot_int.h"

enum { LINE = 4096, FEED_MAX = 16384 }; /* the server's buffer; under a pipe's 64 KiB */

static void read_line(const uint8_t *data, size_t size)
{
    int p[2];
    char line[LINE];
    daas_err err = {0};
    size_t n = size < FEED_MAX ? size : FEED_MAX;
    if (pipe(p) != 0 || (n > 0 && write(p[1], data, n) != (ssize_t)n))
        abort();
    close(p[1]);
    int rc = daas_store__snap_read_line(p[0], line, sizeof line, &err);
    close(p[0]);
    const uint8_t *nl = memchr(data, '\n', n < LINE - 1 ? n : LINE - 1);
    if (nl != NULL) {
        size_t len = (size_t)(nl - data);
        if (rc != DAAS_OK || strlen(line) > len || memcmp(line, data, strlen(line)) != 0)
            abort();
    } else if (rc != (n >= LINE - 1 ? DAAS_ETOOBIG : DAAS_EIO) || err.code != rc) {
        abort();
    }
}

static void request(const char *s)
{
    char *line = daas_xstrdup(s);
    size_t len = strlen(line);
    char *name = NULL, *dir = NULL;
    daas_err err = {0};
    int rc = daas_store__snap_parse_request(line, &name, &dir, &err);
    if (rc == DAAS_OK) {
        if (strcmp(line, "save") != 0 || name < line || dir < name || dir > line + len ||
            strchr(dir, '\t') != NULL)
            abort();
    } else if (rc != DAAS_EINVAL || err.code != rc || name != NULL || dir != NULL) {
        abort();
    }
    daas_free(line);
}

static void reply(const char *s)
{
    char *line = daas_xstrdup(s);
    char *path = NULL;
    int64_t rev = 0;
    daas_err err = {0};
    int rc = daas_store__snap_parse_reply(line, &path, &rev, &err);
    if (rc == DAAS_OK) {
        if (path == NULL || strncmp(s, "ok\t", 3) != 0)
            abort();
    } else if (rc >= 0 || rc < DAAS_EFAILED || err.code != rc || path != NULL) {
        abort();
    }
    daas_free(path);
    daas_free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_line(data, size);
    /* the parsers see a NUL-terminated line, as read_line leaves it */
    size_t n = size < LINE - 1 ? size : LINE - 1;
    const uint8_t *nl = memchr(data, '\n', n);
    char *s = daas_xstrndup((const char *)data, nl != NULL ? (size_t)(nl - data) : n);
    request(s);
    reply(s);
    daas_free(s);
    return 0;
}
