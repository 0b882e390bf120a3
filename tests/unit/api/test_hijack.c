/*
 * test_hijack.c: daas_http_hijack over real sockets on a plain-HTTP server.
 *
 * Owns:   an echo "upgrade" handler (answers 101 on the hijacked connection, then echoes every
 *         byte), the list of connections it holds, and blocking socket clients.
 * Invariants: every test stops and frees its server and closes its sockets (ASan checks);
 *         hijacked connections still open when the server stops are freed by the test after
 *         the loops joined, before the server is freed (their bases still exist); waits are
 *         bounded by socket receive timeouts.
 * Spec:   src/api/http.h (daas_http_hijack, daas_http_loop_base).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/echo_testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "api/http.h"
#include "common/util.h"

#define UP_HEAD "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"

/* The hijacked connections the handler holds (any loop thread, and the test thread once the
 * loops have stopped). */
static struct {
    atomic_int hijacked; /* successful hijacks */
    atomic_int base_ok;  /* daas_http_loop_base gave the bufferevent's base */
    atomic_int late_rc;  /* result of a second hijack/respond attempt (must fail) */
} g;

static void handler(void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    (void)arg;
    struct bufferevent *bev = NULL;
    daas_err err = {0};
    if (strcmp(req->path, "/plain") == 0) {
        daas_http_respond(resp, 200, "text/plain", NULL, "plain", 5);
        return;
    }
    daas_http_loop *loop = daas_http_resp_loop(resp);
    if (daas_http_hijack(resp, &bev, &err) != DAAS_OK) {
        daas_http_respond(resp, 500, "text/plain", NULL, err.msg, strlen(err.msg));
        return;
    }
    atomic_fetch_add(&g.hijacked, 1);
    if (bufferevent_get_base(bev) == daas_http_loop_base(loop))
        atomic_fetch_add(&g.base_ok, 1);
    /* A second hijack must be refused: the response is no longer the handler's. */
    struct bufferevent *again = NULL;
    atomic_store(&g.late_rc, daas_http_hijack(resp, &again, NULL));
    bufferevent_write(bev, UP_HEAD, strlen(UP_HEAD));
    echo_hold(bev);
    /* Bytes that came with the request are already in the input: echo them now. */
    if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
        echo_read(bev, NULL);
}

static daas_http_server *start(void)
{
    daas_http_server *srv = NULL;
    daas_err err = {0};
    daas_http_config cfg = {.bind_addr = "127.0.0.1", .threads = 2, .handler = handler};
    assert_int_equal(daas_http_server_new(&cfg, &srv, &err), DAAS_OK);
    assert_int_equal(daas_http_server_start(srv, &err), DAAS_OK);
    atomic_store(&g.hijacked, 0);
    atomic_store(&echo_g.freed, 0);
    atomic_store(&g.base_ok, 0);
    atomic_store(&g.late_rc, 0);
    return srv;
}

static int dial(daas_http_server *srv)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)daas_http_server_port(srv))};
    struct timeval tv = {5, 0};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_all(int fd, const char *s)
{
    assert_int_equal(daas_write_all(fd, s, strlen(s)), 0);
}

/* Reads until want bytes arrived (or EOF/timeout, which fails the test). */
static void read_exact(int fd, char *buf, size_t want)
{
    size_t got = 0;
    while (got < want) {
        ssize_t n = recv(fd, buf + got, want - got, 0);
        assert_true(n > 0);
        got += (size_t)n;
    }
    buf[got] = '\0';
}

static void expect(int fd, const char *want)
{
    char buf[512];
    assert_true(strlen(want) < sizeof buf);
    read_exact(fd, buf, strlen(want));
    assert_string_equal(buf, want);
}

static void wait_for(atomic_int *v, int want)
{
    for (int i = 0; i < 500 && atomic_load(v) < want; i++)
        usleep(10 * 1000);
    assert_int_equal(atomic_load(v), want);
}

/* 101, then an echo of what follows; the client's close frees the connection. */
static void test_hijack_echo(void **state)
{
    (void)state;
    daas_http_server *srv = start();
    int fd = dial(srv);
    send_all(fd, "GET /up HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
    expect(fd, UP_HEAD);
    send_all(fd, "hello");
    expect(fd, "hello");
    send_all(fd, "GET /plain HTTP/1.1\r\n\r\n"); /* no longer HTTP: echoed as bytes */
    expect(fd, "GET /plain HTTP/1.1\r\n\r\n");
    assert_int_equal(atomic_load(&g.base_ok), 1);
    assert_int_equal(atomic_load(&g.late_rc), DAAS_EINVAL);
    close(fd);
    wait_for(&echo_g.freed, 1);
    daas_http_server_stop(srv);
    assert_int_equal(echo_free_held(), 0);
    daas_http_server_free(&srv);
}

/* Bytes sent in the same write as the request reach the hijacker, after a keep-alive request
 * answered normally on the same connection. */
static void test_hijack_pipelined(void **state)
{
    (void)state;
    daas_http_server *srv = start();
    int fd = dial(srv);
    const char *plain = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"
                        "plain";
    send_all(fd, "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(fd, plain);
    send_all(fd, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcearly-bytes");
    expect(fd, UP_HEAD "early-bytes");
    send_all(fd, "more");
    expect(fd, "more");
    close(fd);
    wait_for(&echo_g.freed, 1);
    daas_http_server_stop(srv);
    daas_http_server_free(&srv);
}

/* The server stops while hijacked connections are open: the HTTP layer leaves them alone and
 * the owner frees them afterwards; the client then sees the connection close. */
static void test_stop_with_hijacked_open(void **state)
{
    (void)state;
    daas_http_server *srv = start();
    int fd1 = dial(srv), fd2 = dial(srv);
    send_all(fd1, "GET /up HTTP/1.1\r\n\r\n");
    send_all(fd2, "GET /up HTTP/1.1\r\n\r\n");
    expect(fd1, UP_HEAD);
    expect(fd2, UP_HEAD);
    wait_for(&g.hijacked, 2);
    daas_http_server_stop(srv);
    assert_int_equal(echo_free_held(), 2);
    daas_http_server_free(&srv);
    char b[8];
    assert_int_equal(recv(fd1, b, sizeof b, 0), 0);
    close(fd1);
    close(fd2);
}

/* A capture response cannot be hijacked. */
static void test_capture_refused(void **state)
{
    (void)state;
    daas_http_resp *resp = daas_http_capture_new();
    struct bufferevent *bev = NULL;
    daas_err err = {0};
    assert_int_equal(daas_http_hijack(resp, &bev, &err), DAAS_EINVAL);
    assert_null(bev);
    assert_non_null(strstr(err.msg, "capture"));
    daas_http_capture_free(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hijack_echo),
        cmocka_unit_test(test_hijack_pipelined),
        cmocka_unit_test(test_stop_with_hijacked_open),
        cmocka_unit_test(test_capture_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
