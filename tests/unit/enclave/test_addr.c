/*
 * test_addr.c: `vsock:CID:PORT`, `unix:PATH`, `tcp:HOST:PORT`: parsing (every bound and
 * malformed form), canonical text, equality; sockets: vsock creation (tolerating a kernel
 * without a vsock transport), Unix and TCP listen/connect/exchange, stale and live Unix
 * socket files, refused connections.
 *
 * Owns:   a temporary directory per test and every socket it opens (closed before return).
 * Spec:   specs/nautilus.md §6.1 (vsock has no loopback here: nothing depends on a vsock
 *         connection succeeding).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "enclave/addr.h"
#include "enclave_test.h"

static void expect_parse(const char *s, int kind, const char *canon)
{
    daas_enclave_addr a;
    char text[DAAS_ENCLAVE_ADDR_TEXT_MAX];
    daas_err err = {0};
    if (daas_enclave_addr_parse(s, &a, &err) != DAAS_OK)
        fail_msg("%s: %s", s, err.msg);
    assert_int_equal(a.kind, kind);
    daas_enclave_addr_format(&a, text, sizeof text);
    assert_string_equal(text, canon);
}

static void test_parse_good(void **state)
{
    daas_enclave_addr a;
    expect_parse("vsock:16:3000", DAAS_ENCLAVE_ADDR_VSOCK, "vsock:16:3000");
    assert_int_equal(daas_enclave_addr_parse("vsock:16:3000", &a, NULL), DAAS_OK);
    assert_int_equal(a.cid, 16);
    assert_int_equal(a.port, 3000);
    expect_parse("vsock:any:5000", DAAS_ENCLAVE_ADDR_VSOCK, "vsock:any:5000");
    expect_parse("vsock:ANY:1", DAAS_ENCLAVE_ADDR_VSOCK, "vsock:any:1");
    expect_parse("vsock:4294967295:1", DAAS_ENCLAVE_ADDR_VSOCK, "vsock:any:1");
    expect_parse("vsock:3:4294967295", DAAS_ENCLAVE_ADDR_VSOCK, "vsock:3:4294967295");
    expect_parse("unix:/run/e.sock", DAAS_ENCLAVE_ADDR_UNIX, "unix:/run/e.sock");
    expect_parse("unix:rel/x:y", DAAS_ENCLAVE_ADDR_UNIX, "unix:rel/x:y");
    expect_parse("tcp:127.0.0.1:80", DAAS_ENCLAVE_ADDR_TCP, "tcp:127.0.0.1:80");
    expect_parse("tcp:[::1]:443", DAAS_ENCLAVE_ADDR_TCP, "tcp:[::1]:443");
    assert_int_equal(daas_enclave_addr_parse("tcp:[::1]:443", &a, NULL), DAAS_OK);
    assert_string_equal(a.host, "::1");
    expect_parse("tcp:kms.us-east-1.amazonaws.com:443", DAAS_ENCLAVE_ADDR_TCP,
                 "tcp:kms.us-east-1.amazonaws.com:443");
    expect_parse("tcp:localhost:0", DAAS_ENCLAVE_ADDR_TCP, "tcp:localhost:0");
    expect_parse("tcp:h:65535", DAAS_ENCLAVE_ADDR_TCP, "tcp:h:65535");
}

static void expect_bad(const char *s)
{
    daas_enclave_addr a;
    daas_err err = {0};
    if (daas_enclave_addr_parse(s, &a, &err) != DAAS_EINVAL)
        fail_msg("\"%s\" was accepted", s);
    assert_true(err.msg[0] != '\0');
}

static void test_parse_bad(void **state)
{
    static const char *const bad[] = {"",
                                      "vsock",
                                      "vsock:",
                                      "vsock:1",
                                      "vsock:1:",
                                      "vsock::1",
                                      "vsock:-1:2",
                                      "vsock:+1:2",
                                      "vsock:1:x",
                                      "vsock:4294967296:1",
                                      "vsock:1:4294967296",
                                      "vsock: 1:2",
                                      "vsock:1:2:3",
                                      "unix:",
                                      "tcp:",
                                      "tcp:host",
                                      "tcp::80",
                                      "tcp:h:",
                                      "tcp:h:65536",
                                      "tcp:h:-1",
                                      "tcp:::1:80",
                                      "tcp:[::1]80",
                                      "tcp:[::1",
                                      "tcp:[]:80",
                                      "tcp:a b:1",
                                      "tcp:a/b:1",
                                      "http://x:1",
                                      "TCP:h:1",
                                      "tcp:h:0x10",
                                      "tcp:h:99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_bad(bad[i]);
    char long_path[200] = "unix:";
    memset(long_path + 5, 'p', 110);
    expect_bad(long_path);
    assert_int_equal(daas_enclave_addr_parse(NULL, &(daas_enclave_addr){0}, NULL), DAAS_EINVAL);
}

static void test_equal(void **state)
{
    daas_enclave_addr a, b;
    assert_int_equal(daas_enclave_addr_parse("tcp:Example.COM:443", &a, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_addr_parse("tcp:example.com:443", &b, NULL), DAAS_OK);
    assert_true(daas_enclave_addr_equal(&a, &b));
    assert_int_equal(daas_enclave_addr_parse("tcp:example.com:444", &b, NULL), DAAS_OK);
    assert_false(daas_enclave_addr_equal(&a, &b));
    assert_int_equal(daas_enclave_addr_parse("vsock:16:443", &a, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_addr_parse("vsock:16:443", &b, NULL), DAAS_OK);
    assert_true(daas_enclave_addr_equal(&a, &b));
    assert_int_equal(daas_enclave_addr_parse("vsock:17:443", &b, NULL), DAAS_OK);
    assert_false(daas_enclave_addr_equal(&a, &b));
    assert_int_equal(daas_enclave_addr_parse("unix:/a", &a, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_addr_parse("unix:/a", &b, NULL), DAAS_OK);
    assert_true(daas_enclave_addr_equal(&a, &b));
    assert_int_equal(daas_enclave_addr_parse("unix:/A", &b, NULL), DAAS_OK);
    assert_false(daas_enclave_addr_equal(&a, &b)); /* paths are case-sensitive */
    assert_int_equal(daas_enclave_addr_parse("tcp:a:1", &b, NULL), DAAS_OK);
    assert_false(daas_enclave_addr_equal(&a, &b));
}

static bool cloexec(int fd)
{
    return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

/* vsock: up to socket() and bind; a machine without a vsock transport says EUNAVAIL. */
static void test_vsock_socket(void **state)
{
    daas_enclave_addr a;
    daas_err err = {0};
    int fd = -1;
    assert_int_equal(daas_enclave_addr_parse("vsock:any:0", &a, NULL), DAAS_OK);
    int rc = daas_enclave_addr_socket(&a, &fd, &err);
    if (rc == DAAS_OK) {
        assert_true(fd >= 0 && cloexec(fd));
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
        assert_int_equal(ss.ss_family, 40 /* AF_VSOCK */);
        close(fd);
        /* Listening may still be refused (no transport bound to CID_ANY). */
        fd = -1;
        a.port = 20000 + (uint32_t)(getpid() % 20000);
        daas_err_clear(&err);
        rc = daas_enclave_addr_listen(&a, &fd, &err);
        if (rc == DAAS_OK)
            close(fd);
        else
            assert_non_null(strstr(err.msg, "vsock:any:"));
    } else {
        assert_int_equal(rc, DAAS_EUNAVAIL);
        assert_non_null(strstr(err.msg, "AF_VSOCK"));
    }
}

/* Sends a few bytes from a to b and back. */
static void exchange(int client, int server)
{
    char buf[8] = {0};
    assert_int_equal(write(client, "ping", 4), 4);
    assert_int_equal(read(server, buf, sizeof buf), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(write(server, "pong", 4), 4);
    assert_int_equal(read(client, buf, sizeof buf), 4);
    assert_memory_equal(buf, "pong", 4);
}

static void listen_connect(const daas_enclave_addr *a, int *lfd)
{
    int c = -1;
    assert_int_equal(daas_enclave_addr_listen(a, lfd, NULL), DAAS_OK);
    assert_true(cloexec(*lfd));
    daas_enclave_addr to = *a;
    if (to.kind == DAAS_ENCLAVE_ADDR_TCP && to.port == 0)
        to.port = (uint32_t)daas_enclave_addr_local_port(*lfd);
    assert_int_equal(daas_enclave_addr_connect(&to, 2000, &c, NULL), DAAS_OK);
    assert_true(cloexec(c));
    int s = accept(*lfd, NULL, NULL);
    assert_true(s >= 0);
    exchange(c, s);
    close(s);
    close(c);
}

static void test_unix(void **state)
{
    char *dir = enc_tmpdir();
    char *spec = daas_xasprintf("unix:%s/e.sock", dir);
    daas_enclave_addr a;
    daas_err err = {0};
    int lfd = -1, lfd2 = -1, c = -1;
    assert_int_equal(daas_enclave_addr_parse(spec, &a, NULL), DAAS_OK);
    listen_connect(&a, &lfd);
    assert_int_equal(daas_enclave_addr_local_port(lfd), 0);
    /* A live socket file is not taken over. */
    assert_int_equal(daas_enclave_addr_listen(&a, &lfd2, &err), DAAS_EEXIST);
    assert_non_null(strstr(err.msg, "in use"));
    close(lfd);
    /* Its owner is gone: the stale file is replaced. */
    listen_connect(&a, &lfd);
    close(lfd);
    unlink(a.path);
    assert_int_equal(daas_enclave_addr_connect(&a, 1000, &c, &err), DAAS_EUNAVAIL);
    /* A regular file at the path is never removed. */
    FILE *fp = fopen(a.path, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(daas_enclave_addr_listen(&a, &lfd2, NULL), DAAS_EEXIST);
    assert_int_equal(access(a.path, F_OK), 0);
    daas_free(spec);
    enc_rmrf(dir);
}

static void test_tcp(void **state)
{
    daas_enclave_addr a;
    daas_err err = {0};
    int lfd = -1, c = -1;
    assert_int_equal(daas_enclave_addr_parse("tcp:127.0.0.1:0", &a, NULL), DAAS_OK);
    listen_connect(&a, &lfd);
    int port = daas_enclave_addr_local_port(lfd);
    assert_true(port > 0);
    close(lfd);
    /* Nobody listens there any more: refused. */
    a.port = (uint32_t)port;
    assert_int_equal(daas_enclave_addr_connect(&a, 2000, &c, &err), DAAS_EUNAVAIL);
    assert_non_null(strstr(err.msg, "connect to tcp:127.0.0.1:"));
    /* Names resolve (localhost from /etc/hosts). */
    assert_int_equal(daas_enclave_addr_parse("tcp:localhost:0", &a, NULL), DAAS_OK);
    listen_connect(&a, &lfd);
    close(lfd);
    /* The socket of a tcp IP literal has the literal's family. */
    assert_int_equal(daas_enclave_addr_parse("tcp:[::1]:1", &a, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_addr_socket(&a, &c, NULL), DAAS_OK);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    assert_int_equal(getsockname(c, (struct sockaddr *)&ss, &sl), 0);
    assert_int_equal(ss.ss_family, AF_INET6);
    close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good), cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_equal),      cmocka_unit_test(test_vsock_socket),
        cmocka_unit_test(test_unix),       cmocka_unit_test(test_tcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
