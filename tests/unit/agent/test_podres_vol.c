/*
 * test_podres_vol.c: a pod's volumes and a container's mounts (agent/podres_vol.c) on the
 * real filesystem: emptyDir (directory and tmpfs), configMap (items, modes, nested paths),
 * secret on a tmpfs (0700, never on disk), a sealed ConfigMap on a tmpfs, optional objects,
 * hostPath for admins only, subPath (and a planted symlink that must not lead out), errors,
 * idempotent preparation and teardown (unmounted, removed).
 *
 * Needs root (mount(2)); runs in its own mount namespace (unshare CLONE_NEWNS, / made
 * private) so nothing it mounts is seen outside or outlives it. Skipped without root.
 * Owns:   a temporary data directory (under $DAAS_TEST_TMP or /tmp), removed at the end.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <stdio.h>

#include "agent/test_podres_fake.h"
#include "common/util.h"

static char *data_dir;

static int setup(void **state)
{
    (void)state;
    if (geteuid() != 0 || unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        /* a missing capability is a failure, never a skip */
        fprintf(stderr, "test_podres_vol needs root and a private mount namespace\n");
        return -1;
    }
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    data_dir = daas_xasprintf("%s/podres-XXXXXX", base);
    assert_non_null(mkdtemp(data_dir));
    return 0;
}

/* Detaches whatever a failed test left mounted under the data directory. */
static void unmount_leftovers(void)
{
    char line[4096], mp[4096];
    for (int again = 1; again;) {
        again = 0;
        FILE *f = fopen("/proc/self/mountinfo", "r");
        assert_non_null(f);
        while (fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 &&
                strncmp(mp, data_dir, strlen(data_dir)) == 0 && umount2(mp, MNT_DETACH) == 0)
                again = 1;
        fclose(f);
    }
}

static int teardown(void **state)
{
    (void)state;
    if (data_dir != NULL) {
        unmount_leftovers();
        char *cmd = daas_xasprintf("rm -rf '%s'", data_dir);
        assert_int_equal(system(cmd), 0);
        daas_free(cmd);
        daas_free(data_dir);
        data_dir = NULL;
    }
    return 0;
}

static json_t *pod_vols(const char *uid, const char *mounts, const char *volumes)
{
    char *c = daas_xasprintf("[{\"name\":\"c\",\"volumeMounts\":%s}]", mounts);
    json_t *pod = pod_with(uid, c);
    json_t *v = json_loads(volumes, 0, NULL);
    assert_non_null(v);
    json_object_set_new(json_object_get(pod, "spec"), "volumes", v);
    daas_free(c);
    return pod;
}

static char *vpath(const char *uid, const char *vol)
{
    return daas_xasprintf("%s/pods/%s/volumes/%s", data_dir, uid, vol);
}

static bool is_tmpfs(const char *path)
{
    struct statfs s;
    return statfs(path, &s) == 0 && s.f_type == TMPFS_MAGIC;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

static void file_is(const char *dir, const char *rel, const char *want, size_t wlen, mode_t mode)
{
    char *p = daas_xasprintf("%s/%s", dir, rel);
    char buf[256];
    FILE *f = fopen(p, "rb");
    if (f == NULL)
        fail_msg("no file %s", p);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(n, wlen);
    assert_memory_equal(buf, want, wlen);
    assert_int_equal(mode_of(p), mode);
    daas_free(p);
}

/* How many mounts /proc/self/mountinfo lists at path. */
static int mounts_at(const char *path)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[4096], mp[4096];
    int n = 0;
    assert_non_null(f);
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strcmp(mp, path) == 0)
            n++;
    fclose(f);
    return n;
}

#define VOLS                                                                                       \
    "[{\"name\":\"scratch\",\"emptyDir\":{}},"                                                     \
    "{\"name\":\"mem\",\"emptyDir\":{\"medium\":\"Memory\",\"sizeLimit\":\"8Mi\"}},"               \
    "{\"name\":\"cfg\",\"configMap\":{\"name\":\"cfg\",\"defaultMode\":416,\"items\":"             \
    "[{\"key\":\"k\",\"path\":\"sub/dir/k.txt\",\"mode\":384},{\"key\":\"X\",\"path\":\"x\"}]}},"  \
    "{\"name\":\"cfgall\",\"configMap\":{\"name\":\"cfg\",\"defaultMode\":416}},"                  \
    "{\"name\":\"sec\",\"secret\":{\"secretName\":\"sec\"}},"                                      \
    "{\"name\":\"dsn\",\"configMap\":{\"name\":\"sealed-cm\"}},"                                   \
    "{\"name\":\"opt\",\"secret\":{\"secretName\":\"nope\",\"optional\":true}}]"

#define MOUNTS                                                                                     \
    "[{\"name\":\"scratch\",\"mountPath\":\"/scratch\"},"                                          \
    "{\"name\":\"sec\",\"mountPath\":\"/etc/sec\"},"                                               \
    "{\"name\":\"cfg\",\"mountPath\":\"/etc/k.txt\",\"subPath\":\"sub/dir/k.txt\"},"               \
    "{\"name\":\"scratch\",\"mountPath\":\"/ro\",\"readOnly\":true,\"subPath\":\"a/b\"}]"

static void test_volumes_on_disk_and_tmpfs(void **state)
{
    (void)state;
    daas_agent_podres *r = new_res_at(true, data_dir);
    json_t *pod = pod_vols("v1", MOUNTS, VOLS);
    daas_rt_mount *m = NULL;
    size_t n = 0;
    daas_err e = {0};
    assert_int_equal(daas_agent_podres_volumes(r, pod, false, ctr0(pod), &m, &n, &e), DAAS_OK);
    char *scratch = vpath("v1", "scratch"), *mem = vpath("v1", "mem"), *cfg = vpath("v1", "cfg");
    char *all = vpath("v1", "cfgall"), *sec = vpath("v1", "sec"), *dsn = vpath("v1", "dsn");
    char *opt = vpath("v1", "opt");
    /* emptyDir: a directory anyone in the pod can write; Memory: a tmpfs */
    assert_int_equal(mode_of(scratch), 0777);
    assert_false(is_tmpfs(scratch) && !is_tmpfs(data_dir));
    assert_true(is_tmpfs(mem));
    /* configMap: items with their paths and modes, or every key with defaultMode (0640) */
    file_is(cfg, "sub/dir/k.txt", "from-cm", 7, 0600);
    file_is(cfg, "x", "cm-x", 4, 0640);
    file_is(all, "k", "from-cm", 7, 0640);
    file_is(all, "bin", "\x00\x01\x02", 3, 0640); /* binaryData decoded */
    assert_false(is_tmpfs(cfg) && !is_tmpfs(data_dir));
    /* secret: a tmpfs 0700 with the decoded values, 0644 */
    assert_true(is_tmpfs(sec));
    assert_int_equal(mode_of(sec), 0700);
    file_is(sec, "password", "hunter2", 7, 0644);
    file_is(sec, "nul", "a\0b", 3, 0644);
    /* a sealed ConfigMap's plaintext stays off disk too; an optional missing Secret: empty */
    assert_true(is_tmpfs(dsn));
    file_is(dsn, "dsn", "postgres://db", 13, 0644);
    assert_true(is_tmpfs(opt));
    /* the mounts */
    assert_int_equal(n, 4);
    assert_string_equal(m[0].source, scratch);
    assert_string_equal(m[0].dest, "/scratch");
    assert_false(m[0].readonly);
    assert_string_equal(m[1].source, sec);
    assert_true(m[1].readonly); /* secret and configMap volumes are read-only */
    char *k = daas_xasprintf("%s/sub/dir/k.txt", cfg), *ab = daas_xasprintf("%s/a/b", scratch);
    assert_string_equal(m[2].source, k);
    assert_true(m[2].readonly);
    assert_string_equal(m[3].source, ab); /* a missing subPath is created */
    struct stat st;
    assert_int_equal(stat(ab, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_true(m[3].readonly);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(m[i].tmpfs_bytes, 0);
    daas_agent_podres_mounts_free(m, n);
    /* again (adoption): the same tmpfs, not a second one; each object fetched and opened
     * once (only the missing optional Secret is asked for again) */
    int f0 = fetches;
    assert_int_equal(daas_agent_podres_volumes(r, pod, false, ctr0(pod), &m, &n, &e), DAAS_OK);
    daas_agent_podres_mounts_free(m, n);
    assert_int_equal(mounts_at(sec), 1);
    assert_int_equal(mounts_at(dsn), 1);
    assert_int_equal(fetches, f0 + 1);
    assert_int_equal(opens, 1);
    /* teardown: unmounted and removed; twice is fine */
    daas_agent_podres_teardown(r, "v1");
    assert_int_equal(mounts_at(sec), 0);
    assert_int_equal(mounts_at(mem), 0);
    char *root = daas_xasprintf("%s/pods/v1/volumes", data_dir);
    assert_int_equal(access(root, F_OK), -1);
    daas_agent_podres_teardown(r, "v1");
    char *list[] = {scratch, mem, cfg, all, sec, dsn, opt, k, ab, root};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        daas_free(list[i]);
    json_decref(pod);
    daas_agent_podres_free(&r);
}

/* daas_agent_podres_volumes of one pod fails with code and a message containing msg, and
 * returns no mounts. */
static void vol_fails(daas_agent_podres *r, bool admin, const char *mounts, const char *vols,
                      int code, const char *msg)
{
    json_t *pod = pod_vols("v2", mounts, vols);
    daas_rt_mount *m = (daas_rt_mount *)1;
    size_t n = 7;
    daas_err e = {0};
    int rc = daas_agent_podres_volumes(r, pod, admin, ctr0(pod), &m, &n, &e);
    if (rc != code || strstr(e.msg, msg) == NULL)
        fail_msg("%s: rc %d (want %d), message \"%s\" (want \"%s\")", vols, rc, code, e.msg, msg);
    assert_null(m);
    assert_int_equal(n, 0);
    json_decref(pod);
}

static void test_volume_errors(void **state)
{
    (void)state;
    daas_agent_podres *r = new_res_at(true, data_dir);
    const char *none = "[]";
    vol_fails(r, false, none, "[{\"name\":\"h\",\"hostPath\":{\"path\":\"/etc\"}}]", DAAS_EDENIED,
              "volume \"h\": hostPath volumes are only for pods of an admin");
    vol_fails(r, true, none, "[{\"name\":\"h\",\"hostPath\":{\"path\":\"/etc/../root\"}}]",
              DAAS_EINVAL, "hostPath.path must be absolute");
    vol_fails(r, true, none,
              "[{\"name\":\"h\",\"hostPath\":{\"path\":\"/nonexistent-daas\","
              "\"type\":\"Directory\"}}]",
              DAAS_EINVAL, "hostPath /nonexistent-daas is not a Directory");
    vol_fails(r, true, none,
              "[{\"name\":\"h\",\"hostPath\":{\"path\":\"/etc/hostname\","
              "\"type\":\"Directory\"}}]",
              DAAS_EINVAL, "is not a Directory");
    vol_fails(r, false, none, "[{\"name\":\"d\",\"downwardAPI\":{}}]", DAAS_EINVAL,
              "volume \"d\": unsupported volume type");
    vol_fails(r, false, none, "[{\"name\":\"../x\",\"emptyDir\":{}}]", DAAS_EINVAL,
              "a volume needs a name");
    vol_fails(r, false, none, "[{\"name\":\"e\",\"emptyDir\":{\"medium\":\"HugePages\"}}]",
              DAAS_EINVAL, "unsupported emptyDir medium");
    vol_fails(r, false, none, "[{\"name\":\"s\",\"secret\":{\"secretName\":\"nope\"}}]",
              DAAS_ENOTFOUND, "secret \"nope\" not found");
    vol_fails(r, false, none,
              "[{\"name\":\"s\",\"secret\":{\"secretName\":\"sec\",\"items\":"
              "[{\"key\":\"missing\",\"path\":\"m\"}]}}]",
              DAAS_ENOTFOUND, "volume \"s\": secret references non-existent secret key: missing");
    vol_fails(r, false, none,
              "[{\"name\":\"c\",\"configMap\":{\"name\":\"cfg\",\"items\":"
              "[{\"key\":\"k\",\"path\":\"../k\"}]}}]",
              DAAS_EINVAL, "volume \"c\": items[0]");
    vol_fails(r, false, none,
              "[{\"name\":\"c\",\"configMap\":{\"name\":\"cfg\",\"items\":"
              "[{\"key\":\"k\",\"path\":\"k\",\"mode\":4095}]}}]",
              DAAS_EINVAL, "a mode in 0..0777");
    vol_fails(r, false, "[{\"name\":\"ghost\",\"mountPath\":\"/g\"}]", "[]", DAAS_EINVAL,
              "cannot find volume \"ghost\" to mount");
    vol_fails(r, false, "[{\"name\":\"e\",\"mountPath\":\"rel\"}]",
              "[{\"name\":\"e\",\"emptyDir\":{}}]", DAAS_EINVAL, "mountPath must be absolute");
    vol_fails(r, false, "[{\"name\":\"e\",\"mountPath\":\"/e\",\"subPath\":\"a/../../x\"}]",
              "[{\"name\":\"e\",\"emptyDir\":{}}]", DAAS_EINVAL, "subPath must be relative");
    vol_fails(r, false, "[{\"name\":\"e\",\"mountPath\":\"/e\",\"subPathExpr\":\"$(X)\"}]",
              "[{\"name\":\"e\",\"emptyDir\":{}}]", DAAS_EINVAL, "subPathExpr is not supported");
    /* a symlink a container planted in its emptyDir does not lead a subPath out */
    char *e = vpath("v2", "e"), *link = daas_xasprintf("%s/out", e);
    assert_int_equal(symlink("/etc", link), 0);
    vol_fails(r, false, "[{\"name\":\"e\",\"mountPath\":\"/e\",\"subPath\":\"out\"}]",
              "[{\"name\":\"e\",\"emptyDir\":{}}]", DAAS_EINVAL,
              "subPath \"out\" leaves its "
              "volume");
    /* an admin's hostPath, created when asked */
    char *hp = daas_xasprintf("%s/host/dir", data_dir);
    char *vols = daas_xasprintf("[{\"name\":\"h\",\"hostPath\":{\"path\":\"%s\","
                                "\"type\":\"DirectoryOrCreate\"}}]",
                                hp);
    json_t *pod = pod_vols("v3", "[{\"name\":\"h\",\"mountPath\":\"/h\",\"readOnly\":true}]", vols);
    daas_rt_mount *m = NULL;
    size_t n = 0;
    daas_err err = {0};
    assert_int_equal(daas_agent_podres_volumes(r, pod, true, ctr0(pod), &m, &n, &err), DAAS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(m[0].source, hp);
    assert_true(m[0].readonly);
    assert_int_equal(mode_of(hp), 0755);
    daas_agent_podres_mounts_free(m, n);
    daas_agent_podres_teardown(r, "v3");
    assert_int_equal(access(hp, F_OK), 0); /* teardown never touches a hostPath */
    daas_agent_podres_teardown(r, "v2");
    assert_int_equal(access(e, F_OK), -1);
    assert_int_equal(access("/etc/passwd", F_OK), 0); /* the symlink was not followed */
    json_decref(pod);
    daas_free(vols);
    daas_free(hp);
    daas_free(link);
    daas_free(e);
    daas_agent_podres_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_volumes_on_disk_and_tmpfs),
        cmocka_unit_test(test_volume_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
