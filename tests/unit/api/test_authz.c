/*
 * test_authz.c: the stake-role policy (api/authz.c), table-driven over role × verb ×
 * resource × namespace/node ownership with fake facts; the Forbidden message shape; users
 * without a role; discovery and /metrics; fact errors; create-time admission (owner stamps,
 * node Leases); and the store-backed facts over a real SQLite store.
 *
 * Owns:   a temporary store directory (under $DAAS_TEST_TMP or /tmp), removed at the end.
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

#include "api/authn_sui.h"
#include "api/authz.h"
#include "common/alloc.h"
#include "sui/pkg.h"

#define ME "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OTHER "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* ---- fake facts ---- */

static int fact_calls;

static int put(char *out, size_t n, const char *v)
{
    snprintf(out, n, "%s", v);
    return DAAS_OK;
}

static int fake_ns_owner(void *self, const char *ns, char *out, size_t n, daas_err *err)
{
    (void)self;
    fact_calls++;
    if (strcmp(ns, "mine") == 0)
        return put(out, n, ME);
    if (strcmp(ns, "theirs") == 0)
        return put(out, n, OTHER);
    if (strcmp(ns, "plain") == 0)
        return put(out, n, "");
    if (strcmp(ns, "broken") == 0)
        return daas_fail(err, DAAS_EIO, "disk on fire");
    return DAAS_ENOTFOUND;
}

static int fake_node_owner(void *self, const char *node, char *out, size_t n, daas_err *err)
{
    (void)self;
    fact_calls++;
    if (strcmp(node, "n-mine") == 0)
        return put(out, n, ME);
    if (strcmp(node, "n-theirs") == 0)
        return put(out, n, OTHER);
    if (strcmp(node, "n-plain") == 0)
        return put(out, n, "");
    if (strcmp(node, "n-broken") == 0)
        return daas_fail(err, DAAS_EIO, "node unreadable");
    return DAAS_ENOTFOUND;
}

static int fake_pod_node(void *self, const char *ns, const char *pod, char *out, size_t n,
                         daas_err *err)
{
    (void)self, (void)ns, (void)err;
    fact_calls++;
    if (strcmp(pod, "p-mine") == 0)
        return put(out, n, "n-mine");
    if (strcmp(pod, "p-theirs") == 0)
        return put(out, n, "n-theirs");
    if (strcmp(pod, "p-unbound") == 0)
        return put(out, n, "");
    return DAAS_ENOTFOUND;
}

/* Pods of namespace "x" and what they reference (a pod per binding case). */
static const char *const x_pods[] = {
    "{\"spec\":{\"nodeName\":\"n-mine\","
    "\"containers\":[{\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
    "{\"name\":\"B\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"s-env\",\"key\":\"k\"}}},"
    "{\"name\":\"C\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"c-env\",\"key\":\"k\"}}}]}],"
    "\"initContainers\":[{\"envFrom\":[{\"configMapRef\":{\"name\":\"c-from\"}},"
    "{\"secretRef\":{\"name\":\"s-from\"}}]}],"
    "\"volumes\":[{\"name\":\"v1\",\"secret\":{\"secretName\":\"s-vol\"}},"
    "{\"name\":\"v2\",\"configMap\":{\"name\":\"c-vol\"}},"
    "{\"name\":\"v3\",\"projected\":{\"sources\":[{\"secret\":{\"name\":\"s-proj\"}},"
    "{\"configMap\":{\"name\":\"c-proj\"}}]}}],"
    "\"imagePullSecrets\":[{\"name\":\"s-pull\"}]}}",
    "{\"spec\":{\"nodeName\":\"n-theirs\",\"volumes\":[{\"secret\":{\"secretName\":\"s-theirs\"}}]}}",
    "{\"spec\":{\"volumes\":[{\"secret\":{\"secretName\":\"s-unbound\"}}]}}",
    "{\"spec\":{\"nodeName\":\"n-ghost\",\"volumes\":[{\"secret\":{\"secretName\":\"s-ghost\"}}]}}",
    "{\"spec\":{\"nodeName\":\"n-broken\",\"volumes\":[{\"secret\":{\"secretName\":\"s-broken\"}}]}}",
};

static int fake_ns_pods(void *self, const char *ns, int (*visit)(void *ctx, const json_t *pod),
                        void *ctx, daas_err *err)
{
    (void)self;
    fact_calls++;
    if (strcmp(ns, "broken") == 0)
        return daas_fail(err, DAAS_EIO, "pods unreadable");
    if (strcmp(ns, "x") != 0)
        return DAAS_OK;
    int rc = DAAS_OK;
    for (size_t i = 0; rc == DAAS_OK && i < sizeof x_pods / sizeof x_pods[0]; i++) {
        json_t *pod = json_loads(x_pods[i], 0, NULL);
        assert_non_null(pod);
        rc = visit(ctx, pod);
        json_decref(pod);
    }
    return rc;
}

static const daas_authz_facts facts = {fake_ns_owner, fake_node_owner, fake_pod_node, NULL,
                                       fake_ns_pods};

static daas_user user_with(const char *group)
{
    daas_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "sui:%s", ME);
    snprintf(u.uid, sizeof u.uid, "%s", ME);
    snprintf(u.groups[0], sizeof u.groups[0], "system:authenticated");
    u.ngroups = 1;
    if (group != NULL)
        snprintf(u.groups[u.ngroups++], sizeof u.groups[0], "%s", group);
    return u;
}

/* ---- the table ---- */

enum { A = 1, D = 0 }; /* allowed, denied */
enum { VIEWER = 1, USER = 2, NODE = 3, ADMIN = 4, NONE = 0 };

typedef struct row {
    int role;
    const char *verb, *group, *resource;
    bool namespaced;
    const char *sub, *ns, *name, *fsel;
    int want;
} row;

#define CORE ""
#define COORD "coordination.k8s.io"

static const row rows[] = {
    /* admin: everything */
    {ADMIN, "delete", CORE, "secrets", true, NULL, "theirs", "s", NULL, A},
    {ADMIN, "create", CORE, "nodes", false, NULL, NULL, NULL, NULL, A},
    {ADMIN, "list", CORE, "pods", true, NULL, NULL, NULL, NULL, A},
    {ADMIN, "create", CORE, "pods", true, "binding", "theirs", "p", NULL, A},
    /* none: nothing */
    {NONE, "get", CORE, "namespaces", false, NULL, NULL, "mine", NULL, D},
    {NONE, "list", CORE, "nodes", false, NULL, NULL, NULL, NULL, D},
    {NONE, "create", CORE, "namespaces", false, NULL, NULL, NULL, NULL, D},
    /* viewer: reads, not secrets */
    {VIEWER, "get", CORE, "pods", true, NULL, "theirs", "p", NULL, A},
    {VIEWER, "list", CORE, "pods", true, NULL, NULL, NULL, NULL, A},
    {VIEWER, "watch", "apps", "deployments", true, NULL, "x", NULL, NULL, A},
    {VIEWER, "get", CORE, "pods", true, "log", "theirs", "p", NULL, A},
    {VIEWER, "get", "apps", "deployments", true, "scale", "x", "d", NULL, A},
    {VIEWER, "list", CORE, "nodes", false, NULL, NULL, NULL, NULL, A},
    {VIEWER, "get", CORE, "secrets", true, NULL, "theirs", "s", NULL, D},
    {VIEWER, "list", CORE, "secrets", true, NULL, NULL, NULL, NULL, D},
    {VIEWER, "create", CORE, "configmaps", true, NULL, "mine", NULL, NULL, D},
    {VIEWER, "update", CORE, "pods", true, "status", "mine", "p", NULL, D},
    {VIEWER, "delete", CORE, "namespaces", false, NULL, NULL, "mine", NULL, D},
    {VIEWER, "get", CORE, "pods", true, "exec", "theirs", "p", NULL, D},
    /* user: namespaces */
    {USER, "create", CORE, "namespaces", false, NULL, NULL, NULL, NULL, A},
    {USER, "list", CORE, "namespaces", false, NULL, NULL, NULL, NULL, A},
    {USER, "watch", CORE, "namespaces", false, NULL, NULL, NULL, NULL, A},
    {USER, "get", CORE, "namespaces", false, NULL, NULL, "theirs", NULL, A},
    {USER, "delete", CORE, "namespaces", false, NULL, NULL, "mine", NULL, A},
    {USER, "update", CORE, "namespaces", false, "finalize", NULL, "mine", NULL, A},
    {USER, "patch", CORE, "namespaces", false, NULL, NULL, "theirs", NULL, D},
    {USER, "delete", CORE, "namespaces", false, NULL, NULL, "plain", NULL, D},
    {USER, "delete", CORE, "namespaces", false, NULL, NULL, "ghost", NULL, D},
    {USER, "deletecollection", CORE, "namespaces", false, NULL, NULL, NULL, NULL, D},
    /* user: inside namespaces */
    {USER, "create", CORE, "configmaps", true, NULL, "mine", NULL, NULL, A},
    {USER, "get", CORE, "secrets", true, NULL, "mine", "s", NULL, A},
    {USER, "list", CORE, "pods", true, NULL, "mine", NULL, NULL, A},
    {USER, "watch", CORE, "pods", true, NULL, "mine", NULL, NULL, A},
    {USER, "deletecollection", CORE, "pods", true, NULL, "mine", NULL, NULL, A},
    {USER, "patch", "apps", "deployments", true, "scale", "mine", "d", NULL, A},
    {USER, "create", CORE, "configmaps", true, NULL, "theirs", NULL, NULL, D},
    {USER, "get", CORE, "pods", true, NULL, "theirs", "p", NULL, D},
    {USER, "list", CORE, "pods", true, NULL, "plain", NULL, NULL, D},
    {USER, "list", CORE, "pods", true, NULL, "ghost", NULL, NULL, D},
    {USER, "list", CORE, "pods", true, NULL, NULL, NULL, NULL, D}, /* across namespaces */
    {USER, "watch", CORE, "configmaps", true, NULL, NULL, NULL, NULL, D},
    {USER, "create", CORE, "pods", true, "binding", "mine", "p", NULL, D},
    /* user: nodes and other cluster-scoped things */
    {USER, "list", CORE, "nodes", false, NULL, NULL, NULL, NULL, A},
    {USER, "get", CORE, "nodes", false, NULL, NULL, "n-theirs", NULL, A},
    {USER, "create", CORE, "nodes", false, NULL, NULL, NULL, NULL, D},
    {USER, "patch", CORE, "nodes", false, NULL, NULL, "n-mine", NULL, D},
    {USER, "list", "rbac.authorization.k8s.io", "clusterroles", false, NULL, NULL, NULL, NULL, D},
    /* node: nodes */
    {NODE, "create", CORE, "nodes", false, NULL, NULL, NULL, NULL, A},
    {NODE, "list", CORE, "nodes", false, NULL, NULL, NULL, NULL, A},
    {NODE, "watch", CORE, "nodes", false, NULL, NULL, NULL, NULL, A},
    {NODE, "get", CORE, "nodes", false, NULL, NULL, "n-theirs", NULL, A},
    {NODE, "update", CORE, "nodes", false, NULL, NULL, "n-mine", NULL, A},
    {NODE, "patch", CORE, "nodes", false, "status", NULL, "n-mine", NULL, A},
    {NODE, "delete", CORE, "nodes", false, NULL, NULL, "n-mine", NULL, A},
    {NODE, "update", CORE, "nodes", false, NULL, NULL, "n-theirs", NULL, D},
    {NODE, "patch", CORE, "nodes", false, "status", NULL, "n-theirs", NULL, D},
    {NODE, "delete", CORE, "nodes", false, NULL, NULL, "n-plain", NULL, D},
    {NODE, "delete", CORE, "nodes", false, NULL, NULL, "n-ghost", NULL, D},
    {NODE, "deletecollection", CORE, "nodes", false, NULL, NULL, NULL, NULL, D},
    /* node: leases */
    {NODE, "create", COORD, "leases", true, NULL, "kube-node-lease", NULL, NULL, A},
    {NODE, "get", COORD, "leases", true, NULL, "kube-node-lease", "n-mine", NULL, A},
    {NODE, "update", COORD, "leases", true, NULL, "kube-node-lease", "n-mine", NULL, A},
    {NODE, "update", COORD, "leases", true, NULL, "kube-node-lease", "n-theirs", NULL, D},
    {NODE, "create", COORD, "leases", true, NULL, "default", NULL, NULL, D},
    {NODE, "update", COORD, "leases", true, NULL, "default", "n-mine", NULL, D},
    {NODE, "list", COORD, "leases", true, NULL, "kube-node-lease", NULL, NULL, D},
    /* node: pods */
    {NODE, "list", CORE, "pods", true, NULL, NULL, NULL, "spec.nodeName=n-mine", A},
    {NODE, "watch", CORE, "pods", true, NULL, NULL, NULL, "spec.nodeName==n-mine", A},
    {NODE, "watch", CORE, "pods", true, NULL, "x", NULL, "metadata.name=a,spec.nodeName=n-mine",
     A},
    {NODE, "list", CORE, "pods", true, NULL, NULL, NULL, NULL, D},
    {NODE, "list", CORE, "pods", true, NULL, NULL, NULL, "spec.nodeName=n-theirs", D},
    {NODE, "list", CORE, "pods", true, NULL, NULL, NULL, "spec.nodeName!=n-mine", D},
    {NODE, "list", CORE, "pods", true, NULL, NULL, NULL, "spec.nodeName=", D},
    {NODE, "list", CORE, "pods", true, NULL, NULL, NULL, "spec.nodeNameX=n-mine", D},
    {NODE, "list", CORE, "pods", true, NULL, NULL, NULL, "spec.nodeName=n-mine\\,x", D},
    {NODE, "list", CORE, "pods", true, NULL, NULL, NULL, "status.phase=Running", D},
    {NODE, "get", CORE, "pods", true, NULL, "x", "p-mine", NULL, A},
    {NODE, "get", CORE, "pods", true, NULL, "x", "p-theirs", NULL, D},
    {NODE, "get", CORE, "pods", true, NULL, "x", "p-unbound", NULL, D},
    {NODE, "get", CORE, "pods", true, NULL, "x", "p-ghost", NULL, D},
    {NODE, "update", CORE, "pods", true, "status", "x", "p-mine", NULL, A},
    {NODE, "patch", CORE, "pods", true, "status", "x", "p-mine", NULL, A},
    {NODE, "patch", CORE, "pods", true, "status", "x", "p-theirs", NULL, D},
    {NODE, "update", CORE, "pods", true, NULL, "x", "p-mine", NULL, D},
    {NODE, "delete", CORE, "pods", true, NULL, "x", "p-mine", NULL, A},
    {NODE, "delete", CORE, "pods", true, NULL, "x", "p-theirs", NULL, D},
    {NODE, "delete", CORE, "pods", true, NULL, "x", "p-unbound", NULL, D},
    {NODE, "delete", CORE, "pods", true, NULL, "x", "p-ghost", NULL, D},
    {NODE, "deletecollection", CORE, "pods", true, NULL, "x", NULL, NULL, D},
    {NODE, "delete", CORE, "pods", true, "status", "x", "p-mine", NULL, D},
    {NODE, "get", CORE, "pods", true, "log", "x", "p-mine", NULL, D},
    {NODE, "create", CORE, "pods", true, NULL, "x", NULL, NULL, D},
    /* node: events, and nothing else */
    {NODE, "create", CORE, "events", true, NULL, "x", NULL, NULL, A},
    {NODE, "create", "events.k8s.io", "events", true, NULL, "x", NULL, NULL, A},
    {NODE, "delete", CORE, "events", true, NULL, "x", "e", NULL, D},
    {NODE, "get", CORE, "secrets", true, NULL, "x", "s", NULL, D},
    {NODE, "create", CORE, "namespaces", false, NULL, NULL, NULL, NULL, D},
    {NODE, "get", CORE, "configmaps", true, NULL, "x", "c", NULL, D},
    /* node: Secrets and ConfigMaps that pods bound to its Nodes reference */
    {NODE, "get", CORE, "secrets", true, NULL, "x", "s-env", NULL, A},
    {NODE, "get", CORE, "secrets", true, NULL, "x", "s-from", NULL, A},
    {NODE, "get", CORE, "secrets", true, NULL, "x", "s-vol", NULL, A},
    {NODE, "get", CORE, "secrets", true, NULL, "x", "s-proj", NULL, A},
    {NODE, "get", CORE, "secrets", true, NULL, "x", "s-pull", NULL, A},
    {NODE, "get", CORE, "configmaps", true, NULL, "x", "c-env", NULL, A},
    {NODE, "get", CORE, "configmaps", true, NULL, "x", "c-from", NULL, A},
    {NODE, "get", CORE, "configmaps", true, NULL, "x", "c-vol", NULL, A},
    {NODE, "get", CORE, "configmaps", true, NULL, "x", "c-proj", NULL, A},
    {NODE, "get", CORE, "secrets", true, NULL, "x", "s-theirs", NULL, D},
    {NODE, "get", CORE, "secrets", true, NULL, "x", "s-unbound", NULL, D},
    {NODE, "get", CORE, "secrets", true, NULL, "x", "s-ghost", NULL, D},
    {NODE, "get", CORE, "secrets", true, NULL, "x", "c-vol", NULL, D},     /* a ConfigMap's name */
    {NODE, "get", CORE, "configmaps", true, NULL, "x", "s-env", NULL, D},  /* a Secret's name */
    {NODE, "get", CORE, "configmaps", true, NULL, "x", "s-pull", NULL, D},
    {NODE, "get", CORE, "secrets", true, NULL, "y", "s-env", NULL, D},     /* other namespace */
    {NODE, "list", CORE, "secrets", true, NULL, "x", NULL, NULL, D},
    {NODE, "watch", CORE, "secrets", true, NULL, "x", NULL, NULL, D},
    {NODE, "list", CORE, "configmaps", true, NULL, NULL, NULL, NULL, D},
    {NODE, "update", CORE, "secrets", true, NULL, "x", "s-env", NULL, D},
    {NODE, "delete", CORE, "configmaps", true, NULL, "x", "c-vol", NULL, D},
    {NODE, "create", CORE, "secrets", true, NULL, "x", NULL, NULL, D},
    {NODE, "get", CORE, "secrets", true, "status", "x", "s-env", NULL, D},
    {NODE, "get", "other.io", "secrets", true, NULL, "x", "s-env", NULL, D},
};

static void test_policy_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *r = &rows[i];
        char g[40];
        snprintf(g, sizeof g, "daas:role:%s", daas_pkg_role_name(r->role));
        daas_user u = user_with(g);
        daas_authz_attrs a = {.verb = r->verb, .group = r->group, .resource = r->resource,
                              .namespaced = r->namespaced, .sub = r->sub, .ns = r->ns,
                              .name = r->name, .field_selector = r->fsel};
        daas_err err = {0};
        char msg[DAAS_AUTHZ_MSG_MAX] = "";
        int rc = daas_authz_check(&u, &a, &facts, msg, sizeof msg, &err);
        int want = r->want == A ? DAAS_OK : DAAS_EDENIED;
        if (rc != want)
            fail_msg("row %zu (%s %s %s%s%s ns=%s name=%s): rc %d, want %d: %s", i,
                     daas_pkg_role_name(r->role), r->verb, r->resource, r->sub ? "/" : "",
                     r->sub ? r->sub : "", r->ns ? r->ns : "-", r->name ? r->name : "-", rc,
                     want, err.msg);
        if (rc == DAAS_EDENIED) {
            assert_non_null(strstr(err.msg, " is forbidden: User \"sui:" ME "\" cannot "));
            assert_non_null(strstr(err.msg, r->verb));
        }
        /* the same request by a user without a role is never restricted */
        daas_user plain = user_with("system:masters");
        assert_int_equal(daas_authz_check(&plain, &a, &facts, NULL, 0, NULL), DAAS_OK);
    }
}

static void test_messages(void **state)
{
    (void)state;
    daas_user u = user_with("daas:role:user");
    daas_err err = {0};
    char msg[DAAS_AUTHZ_MSG_MAX] = "";
    daas_authz_attrs a = {.verb = "create", .group = "", .resource = "configmaps",
                          .namespaced = true, .ns = "default"};
    assert_int_equal(daas_authz_check(&u, &a, &facts, msg, sizeof msg, &err), DAAS_EDENIED);
    assert_string_equal(msg, "configmaps is forbidden: User \"sui:" ME "\" cannot create "
                                 "resource \"configmaps\" in API group \"\" in the namespace "
                                 "\"default\": role user works only in namespaces it owns");
    daas_authz_attrs b = {.verb = "get", .group = "apps", .resource = "deployments",
                          .namespaced = true, .sub = "scale", .ns = "theirs", .name = "web"};
    daas_err_clear(&err);
    assert_int_equal(daas_authz_check(&u, &b, &facts, msg, sizeof msg, &err), DAAS_EDENIED);
    assert_string_equal(msg, "deployments.apps \"web\" is forbidden: User \"sui:" ME
                                 "\" cannot get resource \"deployments/scale\" in API group "
                                 "\"apps\" in the namespace \"theirs\": role user works only "
                                 "in namespaces it owns");
    daas_user none = user_with("daas:role:none");
    daas_authz_attrs c = {.verb = "list", .group = "", .resource = "nodes"};
    daas_err_clear(&err);
    assert_int_equal(daas_authz_check(&none, &c, &facts, msg, sizeof msg, &err), DAAS_EDENIED);
    assert_string_equal(msg, "nodes is forbidden: User \"sui:" ME "\" cannot list resource "
                                 "\"nodes\" in API group \"\" at the cluster scope: stake role "
                                 "none");
    daas_user node = user_with("daas:role:node");
    daas_authz_attrs d = {.verb = "get", .group = "", .resource = "secrets", .namespaced = true,
                          .ns = "x", .name = "s-theirs"};
    daas_err_clear(&err);
    assert_int_equal(daas_authz_check(&node, &d, &facts, msg, sizeof msg, &err), DAAS_EDENIED);
    assert_string_equal(msg, "secrets \"s-theirs\" is forbidden: User \"sui:" ME "\" cannot "
                                 "get resource \"secrets\" in API group \"\" in the namespace "
                                 "\"x\": role node may get only Secrets that pods bound to its "
                                 "Nodes reference");
    d.resource = "configmaps", d.verb = "list", d.name = NULL;
    daas_err_clear(&err);
    assert_int_equal(daas_authz_check(&node, &d, &facts, msg, sizeof msg, &err), DAAS_EDENIED);
    assert_non_null(strstr(msg, ": role node may get only ConfigMaps that pods bound to its "
                                "Nodes reference"));
    /* non-resource paths: discovery is open to every role, /metrics only to admin */
    const char *open[] = {"/api", "/api/v1", "/apis", "/apis/apps/v1", "/openapi/v3", "/version"};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++) {
        daas_authz_attrs p = {.verb = "get", .path = open[i]};
        assert_int_equal(daas_authz_check(&none, &p, NULL, NULL, 0, NULL), DAAS_OK);
    }
    daas_authz_attrs m = {.verb = "get", .path = "/metrics"};
    daas_err_clear(&err);
    assert_int_equal(daas_authz_check(&u, &m, NULL, msg, sizeof msg, &err), DAAS_EDENIED);
    assert_string_equal(msg, "forbidden: User \"sui:" ME "\" cannot get path \"/metrics\": "
                                 "stake role too low");
    daas_authz_attrs m2 = {.verb = "get", .path = "/apiextras"};
    assert_int_equal(daas_authz_check(&u, &m2, NULL, NULL, 0, NULL), DAAS_EDENIED);
    daas_user admin = user_with("daas:role:admin");
    assert_int_equal(daas_authz_check(&admin, &m, NULL, NULL, 0, NULL), DAAS_OK);
}

static void test_roles_and_errors(void **state)
{
    (void)state;
    daas_user u = user_with(NULL);
    assert_int_equal(daas_authz_role(&u), -1);
    u = user_with("daas:role:viewer");
    assert_int_equal(daas_authz_role(&u), DAAS_PKG_ROLE_VIEWER);
    u = user_with("daas:role:superuser"); /* unknown role: no rights */
    assert_int_equal(daas_authz_role(&u), DAAS_PKG_ROLE_NONE);
    daas_authz_attrs a = {.verb = "get", .group = "", .resource = "pods", .namespaced = true,
                          .ns = "x", .name = "p"};
    assert_int_equal(daas_authz_check(&u, &a, &facts, NULL, 0, NULL), DAAS_EDENIED);
    /* a fact that cannot be read is an error, not an allow */
    u = user_with("daas:role:user");
    daas_authz_attrs b = {.verb = "get", .group = "", .resource = "pods", .namespaced = true,
                          .ns = "broken", .name = "p"};
    daas_err err = {0};
    char msg[DAAS_AUTHZ_MSG_MAX] = "";
    assert_int_equal(daas_authz_check(&u, &b, &facts, msg, sizeof msg, &err), DAAS_EIO);
    assert_string_equal(err.msg, "authorization: disk on fire");
    /* a node's reference search that cannot read pods or a node owner is an error too */
    daas_user node = user_with("daas:role:node");
    daas_authz_attrs s = {.verb = "get", .group = "", .resource = "secrets", .namespaced = true,
                          .ns = "broken", .name = "s"};
    daas_err_clear(&err);
    assert_int_equal(daas_authz_check(&node, &s, &facts, msg, sizeof msg, &err), DAAS_EIO);
    assert_string_equal(err.msg, "authorization: pods unreadable");
    s.ns = "x", s.name = "s-broken";
    daas_err_clear(&err);
    assert_int_equal(daas_authz_check(&node, &s, &facts, msg, sizeof msg, &err), DAAS_EIO);
    assert_string_equal(err.msg, "authorization: node unreadable");
    /* without the pods fact nothing is granted */
    daas_authz_facts nopods = facts;
    nopods.ns_pods = NULL;
    s.name = "s-env";
    assert_int_equal(daas_authz_check(&node, &s, &facts, NULL, 0, NULL), DAAS_OK);
    assert_int_equal(daas_authz_check(&node, &s, &nopods, NULL, 0, NULL), DAAS_EDENIED);
    /* a wallet user's request without a verb is denied */
    daas_authz_attrs c = {.verb = NULL, .group = "", .resource = "pods", .ns = "mine"};
    c.verb = NULL;
    assert_int_equal(daas_authz_check(&u, &c, &facts, NULL, 0, NULL), DAAS_EDENIED);
    /* reads by a viewer need no facts at all */
    fact_calls = 0;
    u = user_with("daas:role:viewer");
    assert_int_equal(daas_authz_check(&u, &a, &facts, NULL, 0, NULL), DAAS_OK);
    assert_int_equal(fact_calls, 0);
}

static json_t *obj_with_owner(const char *name, const char *owner)
{
    json_t *o = json_pack("{s:{s:s}}", "metadata", "name", name);
    if (owner)
        json_object_set_new(json_object_get(o, "metadata"), "annotations",
                            json_pack("{s:s,s:s}", "daas.io/owner", owner, "keep", "me"));
    return o;
}

static const char *owner_ann(const json_t *o)
{
    return json_string_value(json_object_get(
        json_object_get(json_object_get(o, "metadata"), "annotations"), "daas.io/owner"));
}

static void test_admission(void **state)
{
    (void)state;
    daas_user user = user_with("daas:role:user"), node = user_with("daas:role:node");
    daas_user admin = user_with("daas:role:admin"), plain = user_with("system:masters");
    daas_err err = {0};
    char msg[DAAS_AUTHZ_MSG_MAX] = "";
    /* a wallet user's Namespace gets its address, whatever the client said */
    json_t *o = obj_with_owner("ns1", OTHER);
    assert_int_equal(daas_authz_admit_create(&user, "", "namespaces", NULL, o, &facts, msg, sizeof msg, &err),
                     DAAS_OK);
    assert_string_equal(owner_ann(o), ME);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(o, "metadata"), "annotations"),
                            "keep")),
                        "me");
    json_decref(o);
    o = json_object(); /* no metadata at all */
    assert_int_equal(daas_authz_admit_create(&admin, "", "namespaces", NULL, o, &facts, NULL, 0, NULL),
                     DAAS_OK);
    assert_string_equal(owner_ann(o), ME);
    json_decref(o);
    /* a user without a role keeps what it wrote */
    o = obj_with_owner("ns2", OTHER);
    assert_int_equal(daas_authz_admit_create(&plain, "", "namespaces", NULL, o, &facts, NULL, 0, NULL),
                     DAAS_OK);
    assert_string_equal(owner_ann(o), OTHER);
    json_decref(o);
    /* Nodes: stamped for a role node, left alone for an admin */
    o = obj_with_owner("n1", OTHER);
    assert_int_equal(daas_authz_admit_create(&node, "", "nodes", NULL, o, &facts, NULL, 0, NULL), DAAS_OK);
    assert_string_equal(owner_ann(o), ME);
    json_decref(o);
    o = obj_with_owner("n2", OTHER);
    assert_int_equal(daas_authz_admit_create(&admin, "", "nodes", NULL, o, &facts, NULL, 0, NULL), DAAS_OK);
    assert_string_equal(owner_ann(o), OTHER);
    json_decref(o);
    /* node Leases: only for a Node it owns */
    o = obj_with_owner("n-mine", NULL);
    assert_int_equal(daas_authz_admit_create(&node, "coordination.k8s.io", "leases",
                                             "kube-node-lease", o, &facts, NULL, 0, NULL),
                     DAAS_OK);
    json_decref(o);
    o = obj_with_owner("n-theirs", NULL);
    assert_int_equal(daas_authz_admit_create(&node, "coordination.k8s.io", "leases",
                                             "kube-node-lease", o, &facts, msg, sizeof msg, &err),
                     DAAS_EDENIED);
    assert_string_equal(msg, "leases.coordination.k8s.io \"n-theirs\" is forbidden: User "
                                 "\"sui:" ME "\" cannot create resource \"leases\" in API group "
                                 "\"coordination.k8s.io\" in the namespace \"kube-node-lease\": "
                                 "role node may create only the Lease of a Node it owns");
    json_decref(o);
    o = json_pack("{s:{s:s}}", "metadata", "generateName", "n-");
    assert_int_equal(daas_authz_admit_create(&node, "coordination.k8s.io", "leases",
                                             "kube-node-lease", o, &facts, NULL, 0, NULL),
                     DAAS_EDENIED);
    json_decref(o);
    /* pods: only the scheduler (or an admin, or an operator) names the node */
    o = json_pack("{s:{s:s}, s:{s:s}}", "metadata", "name", "p", "spec", "nodeName", "n-mine");
    assert_int_equal(daas_authz_admit_create(&user, "", "pods", "mine", o, &facts, msg, sizeof msg,
                                             &err),
                     DAAS_EDENIED);
    assert_non_null(strstr(msg, "only the scheduler places pods"));
    assert_int_equal(daas_authz_admit_create(&node, "", "pods", "mine", o, &facts, NULL, 0, NULL),
                     DAAS_EDENIED);
    assert_int_equal(daas_authz_admit_create(&admin, "", "pods", "mine", o, &facts, NULL, 0, NULL),
                     DAAS_OK);
    assert_int_equal(daas_authz_admit_create(&plain, "", "pods", "mine", o, &facts, NULL, 0, NULL),
                     DAAS_OK);
    json_decref(o);
    o = json_pack("{s:{s:s}, s:{}}", "metadata", "name", "p", "spec");
    assert_int_equal(daas_authz_admit_create(&user, "", "pods", "mine", o, &facts, NULL, 0, NULL),
                     DAAS_OK);
    json_decref(o);
    /* other kinds are untouched */
    o = obj_with_owner("c", OTHER);
    assert_int_equal(daas_authz_admit_create(&user, "", "configmaps", "mine", o, &facts, NULL, 0, NULL),
                     DAAS_OK);
    assert_string_equal(owner_ann(o), OTHER);
    json_decref(o);
}

/* ---- the store-backed facts ---- */

static void store_put_json(daas_store *st, const char *key, const char *json)
{
    int64_t rev = 0;
    daas_err err = {0};
    assert_int_equal(daas_store_create(st, key, DAAS_BYTES(json, strlen(json)), &rev, &err),
                     DAAS_OK);
}

static void test_store_facts(void **state)
{
    (void)state;
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    char *dir = daas_xasprintf("%s/authz-XXXXXX", base);
    assert_non_null(mkdtemp(dir));
    char *db = daas_xasprintf("%s/state.db", dir);
    daas_store *st = NULL;
    daas_err err = {0};
    assert_int_equal(daas_store_open_sqlite(db, NULL, &st, &err), DAAS_OK);
    /* an owner written in upper case and short form is normalised */
    store_put_json(st, "/registry/namespaces/mine",
                   "{\"metadata\":{\"name\":\"mine\",\"annotations\":{\"daas.io/owner\":\"0xAB\"}}}");
    store_put_json(st, "/registry/namespaces/plain", "{\"metadata\":{\"name\":\"plain\"}}");
    store_put_json(st, "/registry/namespaces/junk",
                   "{\"metadata\":{\"name\":\"junk\",\"annotations\":{\"daas.io/owner\":\"bob\"}}}");
    store_put_json(st, "/registry/nodes/n1",
                   "{\"metadata\":{\"name\":\"n1\",\"annotations\":{\"daas.io/owner\":\"" ME "\"}}}");
    store_put_json(st, "/registry/pods/mine/p1",
                   "{\"metadata\":{\"name\":\"p1\"},\"spec\":{\"nodeName\":\"n1\"}}");
    store_put_json(st, "/registry/pods/mine/p2", "{\"metadata\":{\"name\":\"p2\"},\"spec\":{}}");
    daas_authz_facts f;
    daas_authz_store_facts(st, &f);
    char out[100];
    assert_int_equal(f.ns_owner(f.self, "mine", out, sizeof out, &err), DAAS_OK);
    assert_string_equal(out, "0x00000000000000000000000000000000000000000000000000000000000000ab");
    assert_int_equal(f.ns_owner(f.self, "plain", out, sizeof out, &err), DAAS_OK);
    assert_string_equal(out, "");
    assert_int_equal(f.ns_owner(f.self, "junk", out, sizeof out, &err), DAAS_OK);
    assert_string_equal(out, "");
    assert_int_equal(f.ns_owner(f.self, "ghost", out, sizeof out, NULL), DAAS_ENOTFOUND);
    assert_int_equal(f.node_owner(f.self, "n1", out, sizeof out, &err), DAAS_OK);
    assert_string_equal(out, ME);
    assert_int_equal(f.node_owner(f.self, "n2", out, sizeof out, NULL), DAAS_ENOTFOUND);
    assert_int_equal(f.pod_node(f.self, "mine", "p1", out, sizeof out, &err), DAAS_OK);
    assert_string_equal(out, "n1");
    assert_int_equal(f.pod_node(f.self, "mine", "p2", out, sizeof out, &err), DAAS_OK);
    assert_string_equal(out, "");
    assert_int_equal(f.pod_node(f.self, "other", "p1", out, sizeof out, NULL), DAAS_ENOTFOUND);
    /* end to end through the policy */
    daas_user node = user_with("daas:role:node");
    daas_authz_attrs a = {.verb = "get", .group = "", .resource = "pods", .namespaced = true,
                          .ns = "mine", .name = "p1"};
    assert_int_equal(daas_authz_check(&node, &a, &f, NULL, 0, NULL), DAAS_OK);
    a.name = "p2";
    assert_int_equal(daas_authz_check(&node, &a, &f, NULL, 0, NULL), DAAS_EDENIED);
    a.verb = "delete", a.name = "p1";
    assert_int_equal(daas_authz_check(&node, &a, &f, NULL, 0, NULL), DAAS_OK);
    a.name = "p2";
    assert_int_equal(daas_authz_check(&node, &a, &f, NULL, 0, NULL), DAAS_EDENIED);
    /* Secrets: p1 (on n1, mine) names s1; p2 (unbound) names s2; pods elsewhere s3 */
    store_put_json(st, "/registry/pods/mine/p3",
                   "{\"spec\":{\"nodeName\":\"n1\",\"volumes\":[{\"name\":\"v\","
                   "\"secret\":{\"secretName\":\"s1\"}}]}}");
    store_put_json(st, "/registry/pods/mine/p4",
                   "{\"spec\":{\"volumes\":[{\"secret\":{\"secretName\":\"s2\"}}]}}");
    store_put_json(st, "/registry/pods/mine/p5", "not json"); /* skipped, never an allow */
    store_put_json(st, "/registry/pods/minex/p6",
                   "{\"spec\":{\"nodeName\":\"n1\",\"volumes\":[{\"secret\":{\"secretName\":\"s3\"}}]}}");
    daas_authz_attrs sa = {.verb = "get", .group = "", .resource = "secrets",
                           .namespaced = true, .ns = "mine", .name = "s1"};
    assert_int_equal(daas_authz_check(&node, &sa, &f, NULL, 0, NULL), DAAS_OK);
    sa.name = "s2";
    assert_int_equal(daas_authz_check(&node, &sa, &f, NULL, 0, NULL), DAAS_EDENIED);
    sa.name = "s3"; /* "mine/" is the prefix: minex's pods do not count */
    assert_int_equal(daas_authz_check(&node, &sa, &f, NULL, 0, NULL), DAAS_EDENIED);
    sa.ns = "minex";
    assert_int_equal(daas_authz_check(&node, &sa, &f, NULL, 0, NULL), DAAS_OK);
    sa.ns = "a/b";
    assert_int_equal(daas_authz_check(&node, &sa, &f, NULL, 0, NULL), DAAS_EDENIED);
    daas_store_close(&st);
    char *cmd = daas_xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    daas_free(cmd);
    daas_free(db);
    daas_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_table),   cmocka_unit_test(test_messages),
        cmocka_unit_test(test_roles_and_errors), cmocka_unit_test(test_admission),
        cmocka_unit_test(test_store_facts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
