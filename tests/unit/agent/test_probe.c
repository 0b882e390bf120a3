/*
 * test_probe.c: probes: parsing (defaults, named ports, errors), scheduling and thresholds,
 * the HTTP status-line parser, and the httpGet / tcpSocket probes against a local server
 * thread (2xx/3xx succeed, 5xx fails with the kubelet's message, refused connections and a
 * silent server fail within the timeout).
 *
 * Owns:   one listening socket and server thread per network test, joined and closed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "agent/probe.h"
#include "common/util.h"

static void parse(const char *probe, const char *ctr, bool initial, daas_agent_probe *p, int want)
{
    json_t *pj = json_loads(probe, 0, NULL), *cj = json_loads(ctr, 0, NULL);
    daas_err e = {0};
    assert_int_equal(daas_agent_probe_parse(pj, cj, initial, p, &e), want);
    json_decref(pj);
    json_decref(cj);
}

static void test_parse(void **state)
{
    (void)state;
    daas_agent_probe p;
    parse("{\"exec\":{\"command\":[\"cat\",\"/tmp/ok\"]}}", "{}", true, &p, DAAS_OK);
    assert_int_equal(p.kind, DAAS_AGENT_PROBE_EXEC);
    assert_string_equal(p.cmd[1], "/tmp/ok");
    assert_null(p.cmd[2]);
    assert_int_equal(p.period_s, 10);
    assert_int_equal(p.timeout_s, 1);
    assert_int_equal(p.failure_threshold, 3);
    assert_int_equal(p.success_threshold, 1);
    assert_true(p.ok);
    daas_agent_probe_fini(&p);
    parse("{\"httpGet\":{\"port\":\"web\",\"path\":\"healthz\"},\"periodSeconds\":2,"
          "\"failureThreshold\":1}",
          "{\"ports\":[{\"name\":\"dns\",\"containerPort\":53},{\"name\":\"web\","
          "\"containerPort\":8080}]}",
          false, &p, DAAS_OK);
    assert_int_equal(p.kind, DAAS_AGENT_PROBE_HTTP);
    assert_int_equal(p.port, 8080);
    assert_string_equal(p.path, "/healthz");
    assert_int_equal(p.period_s, 2);
    assert_false(p.ok);
    daas_agent_probe_fini(&p);
    parse("{\"tcpSocket\":{\"port\":22,\"host\":\"127.0.0.1\"}}", "{}", false, &p, DAAS_OK);
    assert_int_equal(p.kind, DAAS_AGENT_PROBE_TCP);
    assert_string_equal(p.host, "127.0.0.1");
    daas_agent_probe_fini(&p);
    parse("null", "{}", true, &p, DAAS_OK);
    assert_int_equal(p.kind, DAAS_AGENT_PROBE_NONE);
    daas_agent_probe_fini(&p);
    static const char *const bad[] = {"{}",
                                      "{\"exec\":{}}",
                                      "{\"exec\":{\"command\":[1]}}",
                                      "{\"tcpSocket\":{\"port\":0}}",
                                      "{\"tcpSocket\":{\"port\":70000}}",
                                      "{\"httpGet\":{\"port\":\"nope\"}}",
                                      "{\"httpGet\":{\"port\":80,\"scheme\":\"HTTPS\"}}",
                                      "[]",
                                      NULL};
    for (size_t i = 0; bad[i] != NULL; i++) {
        parse(bad[i], "{}", true, &p, DAAS_EINVAL);
        daas_agent_probe_fini(&p);
    }
}

static void test_schedule_thresholds(void **state)
{
    (void)state;
    daas_agent_probe p;
    parse("{\"exec\":{\"command\":[\"true\"]},\"initialDelaySeconds\":5,\"periodSeconds\":3,"
          "\"failureThreshold\":2,\"successThreshold\":2}",
          "{}", false, &p, DAAS_OK);
    assert_false(daas_agent_probe_due(&p, 1000, 5999));
    assert_true(daas_agent_probe_due(&p, 1000, 6000));
    assert_false(daas_agent_probe_record(&p, true, 6000)); /* 1 of 2 successes */
    assert_false(daas_agent_probe_due(&p, 1000, 8999));
    assert_true(daas_agent_probe_due(&p, 1000, 9000));
    assert_true(daas_agent_probe_record(&p, true, 9000)); /* now ready */
    assert_true(p.ok);
    assert_false(daas_agent_probe_record(&p, false, 12000)); /* 1 of 2 failures */
    assert_false(daas_agent_probe_record(&p, true, 15000));  /* resets the failures */
    assert_false(daas_agent_probe_record(&p, false, 18000));
    assert_true(daas_agent_probe_record(&p, false, 21000));
    assert_false(p.ok);
    daas_agent_probe_reset(&p, true);
    assert_true(p.ok);
    assert_true(daas_agent_probe_due(&p, 30000, 35000));
    daas_agent_probe_fini(&p);
}

static void test_http_status(void **state)
{
    (void)state;
    assert_int_equal(daas_agent_probe_http_status("HTTP/1.1 200 OK\r\n", 17), 200);
    assert_int_equal(daas_agent_probe_http_status("HTTP/1.0 302\r\n", 14), 302);
    assert_int_equal(daas_agent_probe_http_status("HTTP/1.1 503", 12), 503);
    assert_int_equal(daas_agent_probe_http_status("HTTP/1.1 20", 11), -1);
    assert_int_equal(daas_agent_probe_http_status("HTTP/2 200 OK", 13), -1);
    assert_int_equal(daas_agent_probe_http_status("HTTP/1.1 2000", 13), -1);
    assert_int_equal(daas_agent_probe_http_status("HTTP/1.1 099 x", 14), -1);
    assert_int_equal(daas_agent_probe_http_status("SSH-2.0-OpenSSH", 15), -1);
    assert_int_equal(daas_agent_probe_http_status("HTTP/1.1 200 OK", 5), -1); /* bounded */
}

/* A one-connection HTTP server: reads the request, answers reply (NULL: stays silent until
 * the client gives up). */
typedef struct server {
    int lfd, port;
    const char *reply;
    char request[1024];
    pthread_t t;
} server;

static void *serve(void *arg)
{
    server *s = arg;
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    ssize_t n = read(fd, s->request, sizeof s->request - 1);
    s->request[n > 0 ? n : 0] = '\0';
    if (s->reply != NULL) {
        assert_int_equal(daas_write_all(fd, s->reply, strlen(s->reply)), 0);
    } else {
        char b[16];
        while (read(fd, b, sizeof b) > 0) {
        }
    }
    close(fd);
    return NULL;
}

static void start_server(server *s, const char *reply)
{
    memset(s, 0, sizeof *s);
    s->reply = reply;
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->lfd, 4), 0);
    assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->t, NULL, serve, s), 0);
}

static void stop_server(server *s)
{
    pthread_join(s->t, NULL);
    close(s->lfd);
}

static bool http(const char *reply, char *msg, size_t n, server *s)
{
    start_server(s, reply);
    bool ok = daas_agent_probe_http("127.0.0.1", s->port, "/healthz?x=1", 2000, msg, n);
    stop_server(s);
    return ok;
}

static void test_http_probe(void **state)
{
    (void)state;
    server s;
    char msg[256] = "";
    assert_true(http("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", msg, sizeof msg, &s));
    assert_non_null(strstr(s.request, "GET /healthz?x=1 HTTP/1.1\r\n"));
    assert_non_null(strstr(s.request, "User-Agent: kube-probe/"));
    assert_true(http("HTTP/1.1 302 Found\r\nLocation: /\r\n\r\n", msg, sizeof msg, &s));
    assert_false(http("HTTP/1.1 500 Internal Server Error\r\n\r\n", msg, sizeof msg, &s));
    assert_string_equal(msg, "HTTP probe failed with statuscode: 500");
    assert_false(http("garbage\r\n\r\n", msg, sizeof msg, &s));
    assert_non_null(strstr(msg, "malformed HTTP response"));
    assert_false(http("", msg, sizeof msg, &s)); /* closed without an answer */
}

static void test_http_probe_timeout(void **state)
{
    (void)state;
    server s;
    start_server(&s, NULL);
    char msg[256] = "";
    int64_t t0 = daas_mono_ns();
    assert_false(daas_agent_probe_http("127.0.0.1", s.port, "/", 300, msg, sizeof msg));
    int64_t ms = (daas_mono_ns() - t0) / 1000000;
    assert_true(ms >= 250 && ms < 5000);
    assert_non_null(strstr(msg, "deadline exceeded"));
    stop_server(&s); /* the client's close ends the server's read */
}

static void test_tcp_probe(void **state)
{
    (void)state;
    server s;
    char msg[256] = "";
    start_server(&s, "");
    assert_true(daas_agent_probe_tcp("127.0.0.1", s.port, 1000, msg, sizeof msg));
    int port = s.port;
    stop_server(&s);
    /* nothing listens there any more */
    assert_false(daas_agent_probe_tcp("127.0.0.1", port, 1000, msg, sizeof msg));
    assert_non_null(strstr(msg, "connection refused"));
    assert_false(daas_agent_probe_http("127.0.0.1", port, "/", 1000, msg, sizeof msg));
    assert_non_null(strstr(msg, "Get \"http://127.0.0.1:"));
    assert_non_null(strstr(msg, "connection refused"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_schedule_thresholds),
        cmocka_unit_test(test_http_status),
        cmocka_unit_test(test_http_probe),
        cmocka_unit_test(test_http_probe_timeout),
        cmocka_unit_test(test_tcp_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
