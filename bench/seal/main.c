/*
 * bench/seal: Seal encryption and decryption per second, daas's libseal against the reference
 *             TypeScript SDK @mysten/seal, side by side.
 *
 * Owns:   the section table (bench_seal.h says how another file adds a section, e.g.
 *         fetch_key) and the crypto section: for 2-of-3 and 3-of-5 key servers (fresh random
 *         master keys, package id, 32-byte id, 1 KiB random plaintext, AES-256-GCM):
 *           encrypt: daas_seal_encrypt (the object bytes written into a buffer);
 *           decrypt: daas_seal_object_parse + daas_seal_decrypt with t derived keys verified
 *                    beforehand and every public key given (the share-consistency check on);
 *         each timed for --seconds (default 2) in one thread; then `node sdk_bench.mjs`
 *         measures the same four figures with the SDK's encrypt.mjs / EncryptedObject.parse +
 *         decrypt.mjs (publicKeys given) and one table prints both and the ratio daas/SDK.
 *         Target: >= 20x.
 * Usage:  bench_seal [--quick] [--seconds S] [--no-sdk] [--sdk PATH] [--node PATH]
 *         The SDK must be installed (scripts/install-npm.sh); the script is found from
 *         $DAAS_SRC, next to the binary's parent folder, or the current directory.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "bench_seal.h"
#include "common/util.h"
#include "seal/seal.h"

#define MAX_N 5
#define PT_LEN 1024

typedef struct cfg {
    int t, n;
    double enc, dec; /* daas ops/s */
    double sdk_enc, sdk_dec;
} cfg;

static _Noreturn void die(const char *what, const daas_err *err)
{
    fprintf(stderr, "bench_seal: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

static double now_s(void)
{
    return (double)daas_mono_ns() / 1e9;
}

/* Fresh servers, derived keys (verified) and an identity for a t-of-n run. */
typedef struct setup {
    daas_seal_server srv[MAX_N];
    daas_seal_derived keys[MAX_N];
    uint8_t pkg[DAAS_SEAL_ADDR_LEN], id[32], pt[PT_LEN];
    daas_seal_encrypt_opts eo;
} setup;

static void make_setup(setup *s, int t, int n)
{
    daas_err err = {0};
    daas_random(s->pkg, sizeof s->pkg);
    daas_random(s->id, sizeof s->id);
    daas_random(s->pt, sizeof s->pt);
    for (int i = 0; i < n; i++) {
        uint8_t msk[DAAS_SEAL_SCALAR_LEN];
        daas_random(s->srv[i].object_id, DAAS_SEAL_ADDR_LEN);
        memcpy(s->keys[i].object_id, s->srv[i].object_id, DAAS_SEAL_ADDR_LEN);
        if (daas_seal_msk_generate(msk, &err) != DAAS_OK ||
            daas_seal_public_key(msk, s->srv[i].pk, &err) != DAAS_OK ||
            daas_seal_extract(msk, s->pkg, DAAS_BYTES(s->id, sizeof s->id), s->keys[i].usk,
                              &err) != DAAS_OK ||
            daas_seal_verify_usk(s->srv[i].pk, s->pkg, DAAS_BYTES(s->id, sizeof s->id),
                                 s->keys[i].usk, &err) != DAAS_OK)
            die("key setup", &err);
    }
    s->eo = (daas_seal_encrypt_opts){.package_id = s->pkg,
                                     .id = DAAS_BYTES(s->id, sizeof s->id),
                                     .servers = s->srv,
                                     .nservers = (size_t)n,
                                     .threshold = (uint8_t)t,
                                     .dem = DAAS_SEAL_DEM_AES};
}

static double time_encrypt(const setup *s, double seconds, daas_buf *obj)
{
    daas_err err = {0};
    long ops = 0;
    double t0 = now_s(), t1;
    do {
        daas_buf_reset(obj);
        if (daas_seal_encrypt(&s->eo, DAAS_BYTES(s->pt, PT_LEN), obj, NULL, &err) != DAAS_OK)
            die("encrypt", &err);
        ops++;
        t1 = now_s();
    } while (t1 - t0 < seconds);
    return (double)ops / (t1 - t0);
}

/* Parse + decrypt of obj with the first t keys, consistency check on; checks the plaintext. */
static double time_decrypt(const setup *s, int t, double seconds, const daas_buf *obj)
{
    daas_err err = {0};
    daas_buf pt;
    long ops = 0;
    double t0 = now_s(), t1;
    daas_buf_init(&pt, 0);
    do {
        daas_seal_object o = {0};
        daas_buf_reset(&pt);
        if (daas_seal_object_parse(DAAS_BYTES(obj->data, obj->len), &o, &err) != DAAS_OK ||
            daas_seal_decrypt(&o, s->keys, (size_t)t, s->srv, s->eo.nservers, &pt, &err) !=
                DAAS_OK)
            die("decrypt", &err);
        daas_seal_object_fini(&o);
        if (pt.len != PT_LEN || memcmp(pt.data, s->pt, PT_LEN) != 0)
            die("decrypt: the plaintext differs", NULL);
        ops++;
        t1 = now_s();
    } while (t1 - t0 < seconds);
    daas_buf_fini(&pt);
    return (double)ops / (t1 - t0);
}

static void measure_daas(cfg *c, double seconds)
{
    setup *s = daas_xcalloc(1, sizeof *s);
    daas_buf obj;
    daas_buf_init(&obj, 0);
    make_setup(s, c->t, c->n);
    c->enc = time_encrypt(s, seconds, &obj);
    c->dec = time_decrypt(s, c->t, seconds, &obj);
    daas_buf_fini(&obj);
    daas_seal_wipe(s->keys, sizeof s->keys);
    daas_free(s);
}

/* ---- the SDK side ---- */

/* Runs `node script seconds` and reads its JSON line into the SDK figures. 0 or -1. */
static int measure_sdk(const bench_seal_opts *o, cfg *cfgs, size_t n)
{
    int fds[2];
    char secs[32];
    snprintf(secs, sizeof secs, "%g", o->seconds);
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp(o->node, o->node, o->sdk_script, secs, (char *)NULL);
        fprintf(stderr, "bench_seal: cannot run %s: %s\n", o->node, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    daas_buf out;
    daas_buf_init(&out, 1 << 20);
    char chunk[4096];
    ssize_t r;
    int rc = 0;
    while ((r = read(fds[0], chunk, sizeof chunk)) > 0 || (r < 0 && errno == EINTR))
        if (r > 0 && daas_buf_append(&out, chunk, (size_t)r) != DAAS_OK)
            rc = -1;
    close(fds[0]);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        rc = -1;
    json_t *j = rc == 0 && out.data ? json_loads(out.data, 0, NULL) : NULL;
    for (size_t i = 0; j != NULL && i < n; i++) {
        char k[32];
        snprintf(k, sizeof k, "encrypt_%dof%d", cfgs[i].t, cfgs[i].n);
        cfgs[i].sdk_enc = json_number_value(json_object_get(j, k));
        snprintf(k, sizeof k, "decrypt_%dof%d", cfgs[i].t, cfgs[i].n);
        cfgs[i].sdk_dec = json_number_value(json_object_get(j, k));
    }
    if (j == NULL)
        rc = -1;
    json_decref(j);
    daas_buf_fini(&out);
    return rc;
}

static void print_row(const char *op, const cfg *c, double daas, double sdk)
{
    char name[48], s[32] = "-", ratio[32] = "-";
    snprintf(name, sizeof name, "%s 1 KiB %d-of-%d", op, c->t, c->n);
    if (sdk > 0) {
        snprintf(s, sizeof s, "%.1f", sdk);
        snprintf(ratio, sizeof ratio, "%.1fx%s", daas / sdk, daas / sdk >= 20 ? "" : " (<20x)");
    }
    printf("  %-26s %12.1f %12s %14s\n", name, daas, s, ratio);
}

static int crypto_section(const bench_seal_opts *o)
{
    cfg cfgs[] = {{.t = 2, .n = 3}, {.t = 3, .n = 5}};
    size_t n = sizeof cfgs / sizeof cfgs[0];
    for (size_t i = 0; i < n; i++)
        measure_daas(&cfgs[i], o->seconds);
    bool sdk = !o->no_sdk;
    if (sdk && measure_sdk(o, cfgs, n) != 0) {
        fprintf(stderr, "bench_seal: the SDK run failed (node %s %s); run "
                        "scripts/install-npm.sh, or pass --no-sdk\n", o->node, o->sdk_script);
        return 1;
    }
    printf("Seal crypto, one thread, AES-256-GCM, %.1f s per figure (decrypt: parse + t keys, "
           "consistency check)\n", o->seconds);
    printf("  %-26s %12s %12s %14s\n", "operation", "daas ops/s", "SDK ops/s", "daas/SDK");
    for (size_t i = 0; i < n; i++) {
        print_row("encrypt", &cfgs[i], cfgs[i].enc, sdk ? cfgs[i].sdk_enc : 0);
        print_row("decrypt", &cfgs[i], cfgs[i].dec, sdk ? cfgs[i].sdk_dec : 0);
    }
    printf("  target: daas >= 20x the SDK\n");
    return 0;
}

/* Rows run in order; a NULL run is a section whose file is not in this build. */
static const bench_seal_section sections[] = {
    {"crypto", crypto_section},
    {"fetch_key", bench_seal_fetch},
};

/* ---- options ---- */

static const char *find_script(char *buf, size_t n)
{
    const char *src = getenv("DAAS_SRC");
    char exe[PATH_MAX];
    ssize_t k;
    if (src != NULL) {
        snprintf(buf, n, "%s/bench/seal/sdk_bench.mjs", src);
        if (access(buf, R_OK) == 0)
            return buf;
    }
    k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL)
            *slash = '\0';
        snprintf(buf, n, "%s/../bench/seal/sdk_bench.mjs", exe);
        if (access(buf, R_OK) == 0)
            return buf;
    }
    return "bench/seal/sdk_bench.mjs";
}

static int parse_args(int argc, char **argv, bench_seal_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0) {
            o->quick = true;
            o->seconds = 0.5;
        } else if (strcmp(a, "--no-sdk") == 0) {
            o->no_sdk = true;
        } else if (strcmp(a, "--seconds") == 0 && v != NULL) {
            char *end = NULL;
            o->seconds = strtod(v, &end);
            if (end == v || *end != '\0' || !(o->seconds > 0 && o->seconds < 3600))
                return -1;
            i++;
        } else if (strcmp(a, "--sdk") == 0 && v != NULL) {
            o->sdk_script = argv[++i];
        } else if (strcmp(a, "--node") == 0 && v != NULL) {
            o->node = argv[++i];
        } else {
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static char script[PATH_MAX + 64];
    bench_seal_opts o = {.seconds = 2.0, .node = "node"};
    if (parse_args(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: bench_seal [--quick] [--seconds S] [--no-sdk] [--sdk PATH] "
                        "[--node PATH]\n");
        return 2;
    }
    if (o.sdk_script == NULL)
        o.sdk_script = find_script(script, sizeof script);
    int rc = 0;
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (sections[i].run != NULL && sections[i].run(&o) != 0)
            rc = 1;
    return rc;
}
