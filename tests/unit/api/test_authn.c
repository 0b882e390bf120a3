/*
 * test_authn.c: the authenticator chain, the client-certificate authenticator and the
 * token-file authenticator (CSV parsing, Bearer header handling, errors that name lines but
 * never tokens).
 *
 * Owns:   token files in a temporary directory (under $DAAS_TEST_TMP or /tmp), removed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/authn.h"
#include "api/authn_int.h"
#include "common/alloc.h"

/* ---- helpers ---- */

typedef struct fake_req {
    daas_http_header h[2];
    daas_http_peer peer;
    daas_http_req req;
} fake_req;

/* A request with an optional Authorization header and an optional peer. */
static void req_init(fake_req *f, const char *authz, const daas_http_peer *peer)
{
    memset(f, 0, sizeof *f);
    f->h[0] = (daas_http_header){"Accept", "application/json"};
    f->h[1] = (daas_http_header){"authorization", authz};
    f->req.method = "GET";
    f->req.target = f->req.path = "/api";
    f->req.query = "";
    f->req.headers = f->h;
    f->req.nheaders = authz != NULL ? 2 : 1;
    if (peer != NULL)
        f->peer = *peer;
    f->req.peer = &f->peer;
    f->req.remote = "127.0.0.1:1";
}

static char *write_tmp(const char *content, size_t len)
{
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    char *path = daas_xasprintf("%s/tokens-XXXXXX", base);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
    return path;
}

/* A chain holding the token authenticator for content (and x509 first when x509_first). */
static daas_authn *chain_with(const char *content, bool x509_first)
{
    char *path = write_tmp(content, strlen(content));
    daas_authn *a = daas_authn_new();
    daas_err err = {0};
    if (x509_first)
        daas_authn_add_x509(a);
    int rc = daas_authn_add_token_file(a, path, &err);
    if (rc != DAAS_OK)
        fail_msg("add_token_file: %s", err.msg);
    unlink(path);
    daas_free(path);
    return a;
}

static int run_with(daas_authn *a, const char *authz, const daas_http_peer *peer,
                    daas_user *u)
{
    fake_req f;
    req_init(&f, authz, peer);
    daas_err err = {0};
    int rc = daas_authn_run(a, &f.req, u, &err);
    if (rc != DAAS_OK) {
        assert_int_equal(err.code, rc);
        assert_string_equal(err.msg, "Unauthorized");
    }
    return rc;
}

/* Parses content; returns the code and leaves the message in err. */
static int parse(const char *content, size_t len, daas_err *err)
{
    daas_authn__tokens *t = NULL;
    daas_err_clear(err);
    int rc = daas_authn__tokens_parse(content, len, "tokens.csv", &t, err);
    if (rc == DAAS_OK)
        assert_non_null(t);
    else
        assert_null(t);
    daas_authn__tokens_free(&t);
    return rc;
}

static const daas_http_peer alice = {.verified = true, .cn = "alice",
                                     .orgs = {"dev", "system:masters"}, .norgs = 2};

/* ---- x509 ---- */

static void test_x509_verified(void **state)
{
    (void)state;
    daas_authn *a = daas_authn_new();
    daas_authn_add_x509(a);
    daas_user u;
    assert_int_equal(run_with(a, NULL, &alice, &u), DAAS_OK);
    assert_string_equal(u.name, "alice");
    assert_string_equal(u.uid, "");
    assert_int_equal(u.ngroups, 3);
    assert_string_equal(u.groups[0], "dev");
    assert_string_equal(u.groups[1], "system:masters");
    assert_string_equal(u.groups[2], "system:authenticated");
    assert_true(daas_user_in_group(&u, "system:masters"));
    assert_false(daas_user_in_group(&u, "system:master"));
    daas_authn_free(&a);
    assert_null(a);
    daas_authn_free(&a);
}

static void test_x509_unverified_or_absent(void **state)
{
    (void)state;
    daas_authn *a = daas_authn_new();
    daas_authn_add_x509(a);
    daas_user u;
    daas_http_peer bad = alice;
    bad.verified = false;
    assert_int_equal(run_with(a, NULL, &bad, &u), DAAS_EUNAUTH);
    assert_string_equal(u.name, ""); /* nothing leaks out of a failure */
    assert_int_equal(u.ngroups, 0);
    daas_http_peer nocn = alice;
    nocn.cn[0] = '\0';
    assert_int_equal(run_with(a, NULL, &nocn, &u), DAAS_EUNAUTH);
    /* No peer at all (plain HTTP). */
    fake_req f;
    req_init(&f, NULL, NULL);
    f.req.peer = NULL;
    assert_int_equal(daas_authn_run(a, &f.req, &u, NULL), DAAS_EUNAUTH);
    daas_authn_free(&a);
}

static void test_x509_many_orgs(void **state)
{
    (void)state;
    daas_authn *a = daas_authn_new();
    daas_authn_add_x509(a);
    daas_http_peer p = {.verified = true, .cn = "bob", .norgs = 8};
    for (int i = 0; i < 8; i++)
        snprintf(p.orgs[i], sizeof p.orgs[i], "org%d", i);
    daas_user u;
    assert_int_equal(run_with(a, NULL, &p, &u), DAAS_OK);
    assert_int_equal(u.ngroups, 8);
    assert_string_equal(u.groups[6], "org6");
    assert_string_equal(u.groups[7], "system:authenticated");
    assert_false(daas_user_in_group(&u, "org7"));
    daas_authn_free(&a);
}

/* ---- tokens ---- */

static const char *tokens_csv =
    "# comment line\n"
    "\n"
    "tok-alice,alice,1001,\"dev,system:masters\"\n"
    "   \t\n"
    "tok-bob, bob ,1002\r\n"
    "  # indented comment\n"
    "\"tok,carol\",\"Carol \"\"C\"\" Doe\",1003,\" a , b ,,c \",extra,columns\n"
    "tok-dup,first,1,\n"
    "tok-dup,second,2,g2\n"
    "tok-last,last,9";

static void test_token_good(void **state)
{
    (void)state;
    daas_authn *a = chain_with(tokens_csv, false);
    daas_user u;
    assert_int_equal(run_with(a, "Bearer tok-alice", NULL, &u), DAAS_OK);
    assert_string_equal(u.name, "alice");
    assert_string_equal(u.uid, "1001");
    assert_int_equal(u.ngroups, 3);
    assert_string_equal(u.groups[0], "dev");
    assert_string_equal(u.groups[1], "system:masters");
    assert_string_equal(u.groups[2], "system:authenticated");

    /* Leading blanks are trimmed (TrimLeadingSpace), trailing kept as encoding/csv does. */
    assert_int_equal(run_with(a, "Bearer tok-bob", NULL, &u), DAAS_OK);
    assert_string_equal(u.name, "bob ");
    assert_string_equal(u.uid, "1002");
    assert_int_equal(u.ngroups, 1);
    assert_string_equal(u.groups[0], "system:authenticated");

    /* Quoted fields: commas and "" inside; groups trimmed, empty pieces dropped. */
    assert_int_equal(run_with(a, "Bearer tok,carol", NULL, &u), DAAS_OK);
    assert_string_equal(u.name, "Carol \"C\" Doe");
    assert_int_equal(u.ngroups, 4);
    assert_string_equal(u.groups[0], "a");
    assert_string_equal(u.groups[1], "b");
    assert_string_equal(u.groups[2], "c");

    /* The later duplicate wins; the last line needs no newline. */
    assert_int_equal(run_with(a, "Bearer tok-dup", NULL, &u), DAAS_OK);
    assert_string_equal(u.name, "second");
    assert_true(daas_user_in_group(&u, "g2"));
    assert_int_equal(run_with(a, "Bearer tok-last", NULL, &u), DAAS_OK);
    assert_string_equal(u.name, "last");
    daas_authn_free(&a);
}

static void test_token_header_forms(void **state)
{
    (void)state;
    daas_authn *a = chain_with(tokens_csv, false);
    daas_user u;
    const char *ok[] = {"bearer tok-alice", "BEARER tok-alice", "Bearer   tok-alice",
                        "  Bearer\ttok-alice  "};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(run_with(a, ok[i], NULL, &u), DAAS_OK);
        assert_string_equal(u.name, "alice");
    }
    daas_authn_free(&a);
}

static int direct(daas_authn *a, const char *authz, daas_user *u, daas_err *err)
{
    /* The chain is [tokenfile, sentinel]: "sentinel" as the user means the token
     * authenticator answered ENOTFOUND and the chain went on. */
    fake_req f;
    req_init(&f, authz, NULL);
    return daas_authn_run(a, &f.req, u, err);
}

/* A sentinel authenticator: always accepts as "sentinel"; shows whether the chain went on. */
static int sentinel_auth(void *self, const daas_http_req *req, daas_user *out, daas_err *err)
{
    (void)self, (void)req, (void)err;
    snprintf(out->name, sizeof out->name, "sentinel");
    return DAAS_OK;
}

static const daas_authn_ops sentinel_ops = {"sentinel", sentinel_auth, NULL, false};

static void test_token_bad_missing_malformed(void **state)
{
    (void)state;
    daas_authn *a = chain_with(tokens_csv, false);
    daas_authn_add(a, &sentinel_ops, NULL);
    daas_user u;
    daas_err err = {0};
    /* Wrong token or malformed Bearer credentials: rejected, the chain stops. */
    const char *unauth[] = {"Bearer nope", "Bearer tok-alicE", "Bearer tok-alice2",
                            "Bearer", "Bearer   ", "Bearer tok-alice extra",
                            "Bearer tok\x01", "Bearer tok-al\xc3\xa9"};
    for (size_t i = 0; i < sizeof unauth / sizeof unauth[0]; i++) {
        daas_err_clear(&err);
        assert_int_equal(direct(a, unauth[i], &u, &err), DAAS_EUNAUTH);
        assert_string_equal(err.msg, "Unauthorized");
        assert_string_equal(u.name, "");
    }
    /* No Authorization header, or another scheme: not ours, the chain goes on. */
    const char *notmine[] = {NULL, "Basic dXNlcjpwYXNz", "Bearertok-alice", "tok-alice", ""};
    for (size_t i = 0; i < sizeof notmine / sizeof notmine[0]; i++) {
        assert_int_equal(direct(a, notmine[i], &u, NULL), DAAS_OK);
        assert_string_equal(u.name, "sentinel");
    }
    daas_authn_free(&a);
}

static void test_lookup_direct(void **state)
{
    (void)state;
    daas_authn__tokens *t = NULL;
    const char *csv = "a,u1,1\nb,u2,2\nc,u3,3\n";
    assert_int_equal(daas_authn__tokens_parse(csv, strlen(csv), "x", &t, NULL), DAAS_OK);
    assert_int_equal(daas_authn__tokens_count(t), 3);
    daas_user u;
    const char *names[] = {"u1", "u2", "u3"};
    const char *toks[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(daas_authn__tokens_lookup(t, toks[i], 1, &u), DAAS_OK);
        assert_string_equal(u.name, names[i]);
    }
    assert_int_equal(daas_authn__tokens_lookup(t, "d", 1, &u), DAAS_EUNAUTH);
    assert_int_equal(daas_authn__tokens_lookup(t, "", 0, &u), DAAS_EUNAUTH);
    assert_int_equal(daas_authn__tokens_lookup(t, "ab", 1, &u), DAAS_OK); /* length counts */
    assert_string_equal(u.name, "u1");
    daas_authn__tokens_free(&t);
    assert_null(t);
    /* An empty file is a valid, empty table. */
    assert_int_equal(daas_authn__tokens_parse("", 0, "x", &t, NULL), DAAS_OK);
    assert_int_equal(daas_authn__tokens_count(t), 0);
    assert_int_equal(daas_authn__tokens_lookup(t, "a", 1, &u), DAAS_EUNAUTH);
    daas_authn__tokens_free(&t);
}

/* ---- file errors ---- */

typedef struct bad_case {
    const char *csv;
    int line;
    const char *words; /* expected in the message */
} bad_case;

static void test_file_errors_name_line_never_token(void **state)
{
    (void)state;
    const bad_case cases[] = {
        {"SECRETTOKEN1,alice\n", 1, "found 2 fields"},
        {"# c\n\nSECRETTOKEN1,a,1\nSECRETTOKEN2\n", 4, "found 1 field"},
        {"ok,a,1\n,bob,2\n", 2, "empty token"},
        {"SECRETTOKEN1,,1\n", 1, "empty user name"},
        {"\"SECRETTOKEN1,a,1\n", 1, "unterminated"},
        {"SECRET\"TOKEN1,a,1\n", 1, "bare \""},
        {"\"SECRETTOKEN1\"x,a,1\n", 1, "after a quoted field"},
        {"SECRETTOKEN1,a,1,\"1,2,3,4,5,6,7,8\"\n", 1, "more than 7 groups"},
        {"a,b,c\nSECRETTOKEN1,a\x01z,1\n", 2, "control character in the user name"},
        {"SECRETTOKEN1,a,\x7f\n", 1, "control character in the uid"},
        {"SECRETTOKEN1,a,1,\"g\nh\"\n", 1, "unterminated"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        daas_err err = {0};
        assert_int_equal(parse(cases[i].csv, strlen(cases[i].csv), &err), DAAS_EINVAL);
        char want[32];
        snprintf(want, sizeof want, "tokens.csv line %d:", cases[i].line);
        if (strstr(err.msg, want) == NULL || strstr(err.msg, cases[i].words) == NULL)
            fail_msg("case %zu: message \"%s\"", i, err.msg);
        assert_null(strstr(err.msg, "SECRET"));
        assert_null(strstr(err.msg, "TOKEN"));
    }
}

static void test_file_errors_sizes_and_nul(void **state)
{
    (void)state;
    daas_err err = {0};
    const char nul[] = "ok,a,1\nSECRET\0TOKEN,b,2\n";
    assert_int_equal(parse(nul, sizeof nul - 1, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "line 2: NUL byte"));

    /* A field over the cap. */
    size_t big = DAAS_AUTHN_MAX_FIELD + 10;
    char *s = daas_xmalloc(big + 16);
    memset(s, 'T', big);
    memcpy(s + big, ",a,1\n", 6);
    assert_int_equal(parse(s, strlen(s), &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "line 1: field longer"));
    assert_null(strstr(err.msg, "TTTT"));
    daas_free(s);

    /* Names too long for daas_user. */
    char line[600];
    memset(line, 0, sizeof line);
    memcpy(line, "SECRETTOKEN1,", 13);
    memset(line + 13, 'n', 300);
    memcpy(line + 313, ",1\n", 3);
    assert_int_equal(parse(line, strlen(line), &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "user name longer than 255"));
    char g[300] = "t,a,1,";
    memset(g + 6, 'g', 200);
    assert_int_equal(parse(g, strlen(g), &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "group name longer than 127"));
    /* A token of exactly the cap is fine. */
    s = daas_xmalloc(DAAS_AUTHN_MAX_FIELD + 16);
    memset(s, 'T', DAAS_AUTHN_MAX_FIELD);
    memcpy(s + DAAS_AUTHN_MAX_FIELD, ",a,1\n", 6);
    assert_int_equal(parse(s, strlen(s), &err), DAAS_OK);
    daas_free(s);
}

static void test_file_missing_and_bad(void **state)
{
    (void)state;
    daas_authn *a = daas_authn_new();
    daas_err err = {0};
    assert_int_equal(daas_authn_add_token_file(a, "/nonexistent/daas/tokens.csv", &err),
                     DAAS_ENOTFOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/daas/tokens.csv"));
    const char *csv = "good,a,1\nSECRETTOKEN9\n";
    char *path = write_tmp(csv, strlen(csv));
    daas_err_clear(&err);
    assert_int_equal(daas_authn_add_token_file(a, path, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "line 2"));
    assert_null(strstr(err.msg, "SECRETTOKEN9"));
    unlink(path);
    daas_free(path);
    /* Nothing was added: the empty chain rejects. */
    daas_user u;
    assert_int_equal(run_with(a, "Bearer good", NULL, &u), DAAS_EUNAUTH);
    daas_authn_free(&a);
}

/* ---- the chain ---- */

typedef struct fake {
    int verdict;  /* what authenticate returns */
    const char *name;
    int *calls;   /* shared call log: appends its id */
    int *ncalls;
    int id;
    int *destroyed;
} fake;

static int fake_auth(void *self, const daas_http_req *req, daas_user *out, daas_err *err)
{
    fake *f = self;
    (void)req;
    f->calls[(*f->ncalls)++] = f->id;
    if (f->verdict == DAAS_OK)
        snprintf(out->name, sizeof out->name, "%s", f->name);
    else if (f->verdict == DAAS_EUNAUTH)
        daas_fail(err, DAAS_EUNAUTH, "fake %d says no", f->id);
    return f->verdict;
}

static void fake_destroy(void *self)
{
    fake *f = self;
    (*f->destroyed)++;
    daas_free(f);
}

static const daas_authn_ops fake_ops = {"fake", fake_auth, fake_destroy, false};

static daas_authn *fake_chain(const int *verdicts, int n, int *calls, int *ncalls,
                              int *destroyed)
{
    static const char *names[] = {"f0", "f1", "f2", "f3"};
    daas_authn *a = daas_authn_new();
    for (int i = 0; i < n; i++) {
        fake *f = daas_xcalloc(1, sizeof *f);
        *f = (fake){verdicts[i], names[i], calls, ncalls, i, destroyed};
        daas_authn_add(a, &fake_ops, f);
    }
    return a;
}

static void test_chain_order(void **state)
{
    (void)state;
    struct {
        int v[4];
        int rc;
        const char *who;
        int ncalls;
    } cases[] = {
        {{DAAS_ENOTFOUND, DAAS_OK, DAAS_OK, DAAS_EUNAUTH}, DAAS_OK, "f1", 2},
        {{DAAS_OK, DAAS_EUNAUTH, DAAS_OK, DAAS_OK}, DAAS_OK, "f0", 1},
        {{DAAS_ENOTFOUND, DAAS_EUNAUTH, DAAS_OK, DAAS_OK}, DAAS_EUNAUTH, "", 2},
        {{DAAS_ENOTFOUND, DAAS_ENOTFOUND, DAAS_ENOTFOUND, DAAS_ENOTFOUND}, DAAS_EUNAUTH, "", 4},
        {{DAAS_ENOTFOUND, DAAS_EIO, DAAS_OK, DAAS_OK}, DAAS_EUNAUTH, "", 2}, /* fail closed */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int calls[8], ncalls = 0, destroyed = 0;
        daas_authn *a = fake_chain(cases[c].v, 4, calls, &ncalls, &destroyed);
        daas_user u;
        assert_int_equal(run_with(a, NULL, NULL, &u), cases[c].rc);
        assert_string_equal(u.name, cases[c].who);
        assert_int_equal(ncalls, cases[c].ncalls);
        for (int i = 0; i < ncalls; i++)
            assert_int_equal(calls[i], i); /* in the order added */
        daas_authn_free(&a);
        assert_int_equal(destroyed, 4);
    }
    daas_authn *empty = daas_authn_new();
    daas_user u;
    assert_int_equal(run_with(empty, NULL, &alice, &u), DAAS_EUNAUTH);
    daas_authn_free(&empty);
}

static void test_chain_x509_and_token(void **state)
{
    (void)state;
    daas_user u;
    /* x509 first: a verified certificate wins even if a bad token rides along. */
    daas_authn *a = chain_with(tokens_csv, true);
    assert_int_equal(run_with(a, "Bearer wrong", &alice, &u), DAAS_OK);
    assert_string_equal(u.name, "alice");
    /* No certificate: the token decides. */
    assert_int_equal(run_with(a, "Bearer tok-bob", NULL, &u), DAAS_OK);
    assert_string_equal(u.name, "bob ");
    assert_int_equal(run_with(a, "Bearer wrong", NULL, &u), DAAS_EUNAUTH);
    daas_authn_free(&a);
    /* Token first: a bad token is rejected before the certificate is looked at. */
    a = chain_with(tokens_csv, false);
    daas_authn_add_x509(a);
    assert_int_equal(run_with(a, "Bearer wrong", &alice, &u), DAAS_EUNAUTH);
    assert_int_equal(run_with(a, NULL, &alice, &u), DAAS_OK);
    assert_string_equal(u.name, "alice");
    daas_authn_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x509_verified),
        cmocka_unit_test(test_x509_unverified_or_absent),
        cmocka_unit_test(test_x509_many_orgs),
        cmocka_unit_test(test_token_good),
        cmocka_unit_test(test_token_header_forms),
        cmocka_unit_test(test_token_bad_missing_malformed),
        cmocka_unit_test(test_lookup_direct),
        cmocka_unit_test(test_file_errors_name_line_never_token),
        cmocka_unit_test(test_file_errors_sizes_and_nul),
        cmocka_unit_test(test_file_missing_and_bad),
        cmocka_unit_test(test_chain_order),
        cmocka_unit_test(test_chain_x509_and_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
