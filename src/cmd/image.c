/*
 * image.c: `daas image <command>`: the worker's image store by hand.
 *
 *   pull REF [--store DIR] [--insecure-http]   (OCI distribution API)
 *   import FILE [--store DIR] [--name NAME]    (OCI layout or docker-archive tarball)
 *   list [--store DIR]
 *   unpack REF DIR [--store DIR]
 *
 * Owns:   the flags and output of these commands. The store defaults to $DAAS_IMAGE_STORE,
 *         else /var/lib/daas/images.
 * Invariants: success prints on stdout and exits 0; failure prints one line "daas image
 *         <sub>: <message>" on stderr and exits 1; bad usage one line and exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "image/image.h"

#define USAGE                                                                                      \
    "pull REF [--insecure-http] | import FILE [--name NAME] | list | unpack REF DIR"               \
    "  [--store DIR]"

typedef struct image_args {
    const char *sub, *store, *name;
    const char *pos[2];
    int npos;
    bool insecure;
} image_args;

/* 0 ok, 1 --help, 2 bad usage. */
static int parse(int argc, char **argv, image_args *a)
{
    if (argc < 2)
        return 2;
    a->sub = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0)
            return 1;
        if (strcmp(s, "--insecure-http") == 0)
            a->insecure = true;
        else if ((strcmp(s, "--store") == 0 || strcmp(s, "--name") == 0) && i + 1 < argc)
            *(s[2] == 's' ? &a->store : &a->name) = argv[++i];
        else if (strncmp(s, "--store=", 8) == 0)
            a->store = s + 8;
        else if (s[0] == '-' || a->npos == 2)
            return 2;
        else
            a->pos[a->npos++] = s;
    }
    if (!a->store)
        a->store = getenv("DAAS_IMAGE_STORE");
    if (!a->store)
        a->store = "/var/lib/daas/images";
    return 0;
}

static void print_ref(void *ctx, const char *ref, const char *digest)
{
    (void)ctx;
    printf("%s\t%s\n", ref ? ref : "(unnamed)", digest);
}

static void progress(void *ctx, const char *digest, uint64_t done, uint64_t total)
{
    (void)ctx;
    if (done == total)
        fprintf(stderr, "pulled %s (%llu bytes)\n", digest, (unsigned long long)done);
}

static int run(const image_args *a, daas_image_store *s, daas_err *err)
{
    char digest[DAAS_IMAGE_DIGEST_LEN + 1];
    int rc;
    if (strcmp(a->sub, "pull") == 0) {
        /* progress lines only for a person watching: failures stay one line */
        daas_image_pull_opts o = {.insecure_http = a->insecure,
                                  .progress = isatty(2) ? progress : NULL};
        if ((rc = daas_image_pull(s, a->pos[0], &o, digest, err)) == DAAS_OK)
            printf("%s\n", digest);
        return rc;
    }
    if (strcmp(a->sub, "import") == 0)
        return daas_image_import(s, a->pos[0], a->name, print_ref, NULL, err);
    if (strcmp(a->sub, "list") == 0)
        return daas_image_ref_list(s, print_ref, NULL, err);
    return daas_image_unpack(s, a->pos[0], a->pos[1], err);
}

static int want_pos(const char *sub)
{
    static const struct {
        const char *name;
        int npos;
    } subs[] = {{"pull", 1}, {"import", 1}, {"list", 0}, {"unpack", 2}};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(sub, subs[i].name) == 0)
            return subs[i].npos;
    return -1;
}

int daas_cmd_image(int argc, char **argv)
{
    image_args a = {0};
    int prc = parse(argc, argv, &a);
    if (prc == 0 && want_pos(a.sub) != a.npos)
        prc = 2;
    if (prc != 0)
        return daas_cmd_usage_exit(prc, "image", USAGE);
    daas_err err = {0};
    daas_image_store *s = NULL;
    int rc = daas_image_store_open(a.store, &s, &err);
    if (rc == DAAS_OK)
        rc = run(&a, s, &err);
    daas_image_store_close(&s);
    char name[32];
    snprintf(name, sizeof name, "image %s", a.sub);
    return daas_cmd_exit(name, rc, &err);
}
