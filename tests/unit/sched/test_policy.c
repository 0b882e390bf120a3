/*
 * test_policy.c: the admission policy evaluator (src/sched/policy*.c): every Pod Security
 *                Standards v1.32 check failing and passing at baseline and restricted with
 *                upstream's exact texts (from pod-security-admission's check_*_test.go and a
 *                real kube-apiserver v1.32 rejection), levels (privileged, warn, audit,
 *                workload kinds), cluster rules (registry prefixes on component boundaries,
 *                Docker normalisation, digests, stake tiers), the JSON view builder, and the
 *                BCS forms (round trips, a golden encoding, strict-decoder refusals).
 *
 * Owns:   nothing beyond each test's JSON, views, results and buffers (freed before return).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/policy.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *const REGS[] = {"127.0.0.1:5000/", "docker.io/library/"};
static const char *const DIGESTS[] = {DIGEST};

/* Permissive rules: any image, every tier allowed. */
static daas_sched_policy_rules open_rules(void)
{
    return (daas_sched_policy_rules){.version = 1};
}

static daas_sched_policy_rules strict_rules(void)
{
    return (daas_sched_policy_rules){.version = 7,
                                     .registries = REGS,
                                     .n_registries = 2,
                                     .digests = DIGESTS,
                                     .n_digests = 1,
                                     .nitro_min_tier = 2,
                                     .host_path_min_tier = 3,
                                     .host_network_min_tier = 4};
}

typedef struct run {
    json_t *json;
    daas_sched_policy_request req;
    daas_sched_policy_result res;
    char *msg;  /* denial text */
    char *warn; /* warning text */
    char *audit;
} run;

static char *text_of(int (*fn)(const daas_sched_policy_result *, daas_buf *),
                     const daas_sched_policy_result *r)
{
    daas_buf b;
    daas_buf_init(&b, 1 << 20);
    assert_int_equal(fn(r, &b), DAAS_OK);
    assert_int_equal(daas_buf_puts(&b, ""), DAAS_OK);
    return daas_buf_steal(&b, NULL);
}

/* Builds the view from pod JSON and evaluates it with the given levels, kind and rules. */
static void eval_full(run *r, const char *pod, const char *kind, uint8_t enforce, uint8_t warn,
                      uint8_t audit, uint8_t tier, const daas_sched_policy_rules *rules)
{
    daas_err err = {0};
    json_error_t je;
    memset(r, 0, sizeof(*r));
    r->json = json_loads(pod, 0, &je);
    if (r->json == NULL)
        fail_msg("bad test JSON: %s", je.text);
    assert_int_equal(daas_sched_policy_view_from_json(r->json, &r->req.pod, &err), DAAS_OK);
    r->req.uid = "uid-1";
    r->req.ns = "default";
    r->req.name = "x";
    r->req.kind = kind;
    r->req.enforce = enforce;
    r->req.warn = warn;
    r->req.audit = audit;
    r->req.owner_tier = tier;
    int rc = daas_sched_policy_eval(&r->req, rules, &r->res, &err);
    if (rc != DAAS_OK)
        fail_msg("eval: %s", err.msg);
    r->msg = text_of(daas_sched_policy_message, &r->res);
    r->warn = text_of(daas_sched_policy_warning, &r->res);
    r->audit = text_of(daas_sched_policy_audit, &r->res);
}

static void run_fini(run *r)
{
    daas_free(r->msg);
    daas_free(r->warn);
    daas_free(r->audit);
    daas_sched_policy_result_fini(&r->res);
    daas_sched_policy_view_fini(&r->req.pod);
    json_decref(r->json);
}

/* The denial text of pod at one enforce level (open rules). */
static void expect(const char *pod, uint8_t level, const char *want)
{
    run r;
    daas_sched_policy_rules rules = open_rules();
    eval_full(&r, pod, "Pod", level, 0, 0, 0, &rules);
    assert_string_equal(r.msg, want);
    assert_int_equal(r.res.allowed, want[0] == '\0');
    run_fini(&r);
}

#define B DAAS_SCHED_PSS_BASELINE
#define R DAAS_SCHED_PSS_RESTRICTED
#define VB "violates PodSecurity \"baseline:latest\": "

/* A pod that passes restricted; tests add one fault at a time. */
#define GOOD_SC                                                                                    \
    "\"securityContext\":{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":"          \
    "[\"ALL\"]}}"
#define GOOD_POD_SC                                                                                \
    "\"securityContext\":{\"runAsNonRoot\":true,\"seccompProfile\":{\"type\":"                     \
    "\"RuntimeDefault\"}}"

static void test_restricted_ok_and_privileged(void **state)
{
    (void)state;
    expect("{\"spec\":{" GOOD_POD_SC
           ",\"containers\":[{\"name\":\"a\",\"image\":\"busybox\"," GOOD_SC
           "}],\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}},{\"name\":\"s\",\"secret\":{}}]}}",
           R, "");
    /* privileged checks nothing */
    expect("{\"spec\":{\"hostNetwork\":true,\"hostPID\":true,\"containers\":[{\"name\":\"a\","
           "\"securityContext\":{\"privileged\":true,\"runAsUser\":0}}]}}",
           DAAS_SCHED_PSS_PRIVILEGED, "");
}

/* A real kube-apiserver v1.32 rejection (pods "sysctlpod", restricted namespace). */
static void test_restricted_real_rejection(void **state)
{
    (void)state;
    expect("{\"metadata\":{\"name\":\"sysctlpod\"},\"spec\":{\"securityContext\":{"
           "\"seLinuxOptions\":{\"user\":\"u\",\"role\":\"r\"},\"sysctls\":[{\"name\":"
           "\"net.core.somaxconn\",\"value\":\"1024\"},{\"name\":\"kernel.msgmax\",\"value\":"
           "\"65536\"}]},\"containers\":[{\"name\":\"my-pod\",\"image\":\"busybox\"}]}}",
           R,
           "violates PodSecurity \"restricted:latest\": seLinuxOptions (pod set forbidden "
           "securityContext.seLinuxOptions: user may not be set; role may not be set), "
           "forbidden sysctls (net.core.somaxconn, kernel.msgmax), allowPrivilegeEscalation != "
           "false (container \"my-pod\" must set securityContext.allowPrivilegeEscalation=false), "
           "unrestricted capabilities (container \"my-pod\" must set "
           "securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container "
           "\"my-pod\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or "
           "container \"my-pod\" must set securityContext.seccompProfile.type to "
           "\"RuntimeDefault\" or \"Localhost\")");
}

static void test_host_process_and_namespaces(void **state)
{
    (void)state;
    expect("{\"spec\":{\"securityContext\":{\"windowsOptions\":{\"hostProcess\":true}},"
           "\"containers\":[{\"name\":\"a\",\"securityContext\":{\"windowsOptions\":{"
           "\"hostProcess\":true}}},{\"name\":\"b\",\"securityContext\":{\"windowsOptions\":{"
           "\"hostProcess\":true}}},{\"name\":\"c\",\"securityContext\":{\"windowsOptions\":{"
           "\"hostProcess\":false}}}]}}",
           B,
           VB "hostProcess (pod and containers \"a\", \"b\" must not set "
              "securityContext.windowsOptions.hostProcess=true)");
    expect("{\"spec\":{\"hostPID\":true,\"hostNetwork\":true,\"hostIPC\":true,\"containers\":"
           "[{\"name\":\"a\"}]}}",
           B, VB "host namespaces (hostIPC, hostNetwork, hostPID)");
    expect("{\"spec\":{\"hostPID\":true,\"hostNetwork\":false,\"containers\":[{\"name\":\"a\"}]}}",
           B, VB "host namespaces (hostPID)");
    expect("{\"spec\":{\"hostNetwork\":false,\"containers\":[{\"name\":\"a\"}]}}", B, "");
}

static void test_privileged_and_caps_baseline(void **state)
{
    (void)state;
    expect("{\"spec\":{\"containers\":[{\"name\":\"c\",\"securityContext\":{\"privileged\":true}},"
           "{\"name\":\"d\",\"securityContext\":{\"privileged\":false}}]}}",
           B, VB "privileged (container \"c\" must not set securityContext.privileged=true)");
    expect("{\"spec\":{\"containers\":[{\"name\":\"c1\",\"securityContext\":{\"capabilities\":{"
           "\"add\":[\"NET_RAW\",\"CHOWN\",\"SYS_ADMIN\"]}}},{\"name\":\"c2\","
           "\"securityContext\":{\"capabilities\":{\"add\":[\"NET_RAW\"]}}},{\"name\":\"c3\","
           "\"securityContext\":{\"capabilities\":{\"add\":[\"KILL\",\"SETUID\"]}}}]}}",
           B,
           VB "non-default capabilities (containers \"c1\", \"c2\" must not include "
              "\"NET_RAW\", \"SYS_ADMIN\" in securityContext.capabilities.add)");
}

static void test_host_path_and_ports(void **state)
{
    (void)state;
    const char *pod = "{\"spec\":{\"containers\":[{\"name\":\"a\"}],\"volumes\":[{\"name\":"
                      "\"h1\",\"hostPath\":{\"path\":\"/var\"}},{\"name\":\"e\",\"emptyDir\":{}},"
                      "{\"name\":\"h2\",\"hostPath\":{\"path\":\"/etc\"}}]}}";
    expect(pod, B, VB "hostPath volumes (volumes \"h1\", \"h2\")");
    expect("{\"spec\":{\"containers\":[{\"name\":\"a\",\"ports\":[{\"hostPort\":80}]}]}}", B,
           VB "hostPort (container \"a\" uses hostPort 80)");
    /* ports sort as strings, as Go's sets.String does */
    expect("{\"spec\":{\"containers\":[{\"name\":\"c1\",\"ports\":[{\"hostPort\":8080},"
           "{\"containerPort\":80}]},{\"name\":\"c2\",\"ports\":[{\"hostPort\":9090},"
           "{\"hostPort\":10},{\"hostPort\":0}]}]}}",
           B, VB "hostPort (containers \"c1\", \"c2\" use hostPorts 10, 8080, 9090)");
}

static void test_apparmor(void **state)
{
    (void)state;
    expect("{\"spec\":{\"securityContext\":{\"appArmorProfile\":{\"type\":\"Unconfined\"}},"
           "\"containers\":[{\"name\":\"a\"}]}}",
           B,
           VB "forbidden AppArmor profile (pod must not set AppArmor profile type to "
              "\"Unconfined\")");
    expect("{\"spec\":{\"securityContext\":{\"appArmorProfile\":{\"type\":\"RuntimeDefault\"}},"
           "\"containers\":[{\"name\":\"foo\",\"securityContext\":{\"appArmorProfile\":{"
           "\"type\":\"Unconfined\"}}},{\"name\":\"ok\",\"securityContext\":{"
           "\"appArmorProfile\":{\"type\":\"Localhost\"}}}]}}",
           B,
           VB "forbidden AppArmor profile (container \"foo\" must not set AppArmor profile "
              "type to \"Unconfined\")");
    /* upstream's "multiple invalid annotations" case, plus valid ones */
    expect("{\"metadata\":{\"annotations\":{"
           "\"container.apparmor.security.beta.kubernetes.io/f\":\"unknown\","
           "\"container.apparmor.security.beta.kubernetes.io/a\":\"\","
           "\"container.apparmor.security.beta.kubernetes.io/b\":\"runtime/default\","
           "\"container.apparmor.security.beta.kubernetes.io/c\":\"localhost/\","
           "\"container.apparmor.security.beta.kubernetes.io/d\":\"localhost/foo\","
           "\"container.apparmor.security.beta.kubernetes.io/e\":\"unconfined\","
           "\"container.apparmor.security.beta.kubernetes.io/\":\"bogus\","
           "\"other\":\"x\"}},\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
           B,
           VB "forbidden AppArmor profiles (annotations must not set AppArmor profile type to "
              "\"container.apparmor.security.beta.kubernetes.io/=\"bogus\"\", "
              "\"container.apparmor.security.beta.kubernetes.io/e=\"unconfined\"\", "
              "\"container.apparmor.security.beta.kubernetes.io/f=\"unknown\"\")");
}

static void test_selinux_procmount(void **state)
{
    (void)state;
    /* upstream's TestSELinuxOptions "invalid pod and containers" and "invalid containers" */
#define SE_CTRS                                                                                    \
    "\"containers\":[{\"name\":\"a\",\"securityContext\":{\"seLinuxOptions\":{\"type\":"           \
    "\"container_t\"}}},{\"name\":\"b\",\"securityContext\":{\"seLinuxOptions\":{\"type\":"        \
    "\"container_init_t\"}}},{\"name\":\"c\",\"securityContext\":{\"seLinuxOptions\":{"            \
    "\"type\":\"container_kvm_t\"}}},{\"name\":\"d\",\"securityContext\":{\"seLinuxOptions\":{"    \
    "\"type\":\"bar\"}}},{\"name\":\"e\",\"securityContext\":{\"seLinuxOptions\":{\"user\":"       \
    "\"bar\"}}},{\"name\":\"f\",\"securityContext\":{\"seLinuxOptions\":{\"role\":\"baz\"}}}]"
    expect("{\"spec\":{\"securityContext\":{\"seLinuxOptions\":{\"type\":\"foo\",\"user\":\"bar\","
           "\"role\":\"baz\"}}," SE_CTRS "}}",
           B,
           VB "seLinuxOptions (pod and containers \"d\", \"e\", \"f\" set forbidden "
              "securityContext.seLinuxOptions: types \"bar\", \"foo\"; user may not be set; role "
              "may not be set)");
    expect("{\"spec\":{\"securityContext\":{\"seLinuxOptions\":{}}," SE_CTRS "}}", B,
           VB "seLinuxOptions (containers \"d\", \"e\", \"f\" set forbidden "
              "securityContext.seLinuxOptions: type \"bar\"; user may not be set; role may not "
              "be set)");
    expect("{\"spec\":{\"securityContext\":{\"seLinuxOptions\":{\"role\":\"bad\"}}}}", B,
           VB "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: role may not be "
              "set)");
#undef SE_CTRS
    expect("{\"spec\":{\"securityContext\":{\"seLinuxOptions\":{\"user\":\"bad\"}},"
           "\"containers\":[{\"name\":\"a\"}]}}",
           B,
           VB "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: user may "
              "not be set)");
    expect("{\"spec\":{\"securityContext\":{\"seLinuxOptions\":{\"type\":\"foo\"}},"
           "\"containers\":[{\"name\":\"a\",\"securityContext\":{\"seLinuxOptions\":{\"type\":"
           "\"bar\",\"role\":\"r\"}}},{\"name\":\"b\",\"securityContext\":{\"seLinuxOptions\":{"
           "\"type\":\"container_engine_t\"}}}]}}",
           B,
           VB "seLinuxOptions (pod and container \"a\" set forbidden "
              "securityContext.seLinuxOptions: types \"bar\", \"foo\"; role may not be set)");
    expect("{\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":{\"seLinuxOptions\":"
           "{\"type\":\"container_t\",\"level\":\"s0\"}}}]}}",
           B, "");
    expect("{\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":{\"procMount\":"
           "\"Unmasked\"}},{\"name\":\"b\",\"securityContext\":{\"procMount\":\"Default\"}}]}}",
           B,
           VB "procMount (container \"a\" must not set securityContext.procMount to "
              "\"Unmasked\")");
}

static void test_seccomp_sysctls(void **state)
{
    (void)state;
    const char *pod = "{\"spec\":{\"securityContext\":{\"seccompProfile\":{\"type\":"
                      "\"Unconfined\"}},\"containers\":[{\"name\":\"a\",\"securityContext\":{"
                      "\"seccompProfile\":{\"type\":\"Unconfined\"}}},{\"name\":\"b\"}]}}";
    expect(pod, B,
           VB "seccompProfile (pod and container \"a\" must not set "
              "securityContext.seccompProfile.type to \"Unconfined\")");
    expect("{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}", B, "");
    expect("{\"spec\":{\"securityContext\":{\"sysctls\":[{\"name\":\"net.ipv4.tcp_rmem\"},"
           "{\"name\":\"kernel.shm_rmid_forced\"},{\"name\":\"net.ipv4.tcp_keepalive_time\"}]},"
           "\"containers\":[{\"name\":\"a\"}]}}",
           B, "");
    expect("{\"spec\":{\"securityContext\":{\"sysctls\":[{\"name\":\"b\"},{\"name\":\"a\"},"
           "{\"name\":\"b\"}]},\"containers\":[{\"name\":\"a\"}]}}",
           B, VB "forbidden sysctls (b, a, b)");
}

#define VR "violates PodSecurity \"restricted:latest\": "

static void test_restricted_checks(void **state)
{
    (void)state;
    /* volumes: the restricted check replaces hostPathVolumes */
    expect("{\"spec\":{" GOOD_POD_SC ",\"containers\":[{\"name\":\"a\"," GOOD_SC "}],"
           "\"volumes\":[{\"name\":\"h\",\"hostPath\":{\"path\":\"/\"}},{\"name\":\"n\","
           "\"nfs\":{}},{\"name\":\"g\",\"gitRepo\":{}},{\"name\":\"c\",\"configMap\":{}},"
           "{\"name\":\"i\",\"image\":{}}]}}",
           R,
           VR "restricted volume types (volumes \"h\", \"n\", \"g\", \"i\" use restricted volume "
              "types \"gitRepo\", \"hostPath\", \"nfs\", \"unknown\")");
    expect("{\"spec\":{\"securityContext\":{\"runAsNonRoot\":false,\"runAsUser\":0,"
           "\"seccompProfile\":{\"type\":\"Localhost\"}},\"containers\":[{\"name\":\"a\","
           "\"securityContext\":{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":"
           "[\"ALL\"]},\"runAsNonRoot\":false,\"runAsUser\":0}},{\"name\":\"b\","
           "\"securityContext\":{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":"
           "[\"ALL\"]},\"runAsUser\":1000}}]}}",
           R,
           VR "runAsNonRoot != true (pod and container \"a\" must not set "
              "securityContext.runAsNonRoot=false), runAsUser=0 (pod and container \"a\" must "
              "not set runAsUser=0)");
    /* capabilities: restricted replaces the baseline check; seccomp explicit beats implicit */
    expect("{\"spec\":{\"securityContext\":{\"runAsNonRoot\":true,\"seccompProfile\":{\"type\":"
           "\"RuntimeDefault\"}},\"containers\":[{\"name\":\"a\",\"securityContext\":{"
           "\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":[\"ALL\"],\"add\":["
           "\"SYS_ADMIN\",\"NET_BIND_SERVICE\"]},\"seccompProfile\":{\"type\":\"Unconfined\"}}},"
           "{\"name\":\"b\",\"securityContext\":{\"allowPrivilegeEscalation\":true,"
           "\"capabilities\":{\"drop\":[\"NET_RAW\"]}}}]}}",
           R,
           VR "allowPrivilegeEscalation != false (container \"b\" must set "
              "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities "
              "(container \"b\" must set securityContext.capabilities.drop=[\"ALL\"]; container "
              "\"a\" must not include \"SYS_ADMIN\" in securityContext.capabilities.add), "
              "seccompProfile (container \"a\" must not set securityContext.seccompProfile.type "
              "to \"Unconfined\")");
}

/* Since v1.25 a Windows pod is exempt from three restricted checks, not from runAsNonRoot. */
static void test_windows_exemption(void **state)
{
    (void)state;
    expect("{\"spec\":{\"os\":{\"name\":\"windows\"},\"containers\":[{\"name\":\"w\"}]}}", R,
           VR "runAsNonRoot != true (pod or container \"w\" must set "
              "securityContext.runAsNonRoot=true)");
    expect("{\"spec\":{\"os\":{\"name\":\"linux\"},\"securityContext\":{\"runAsNonRoot\":true,"
           "\"seccompProfile\":{\"type\":\"Localhost\"}},\"containers\":[{\"name\":\"l\"}]}}",
           R,
           VR "allowPrivilegeEscalation != false (container \"l\" must set "
              "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities "
              "(container \"l\" must set securityContext.capabilities.drop=[\"ALL\"])");
}

/* initContainers, containers, ephemeralContainers are visited in that order. */
static void test_visit_order(void **state)
{
    (void)state;
    expect("{\"spec\":{\"ephemeralContainers\":[{\"name\":\"e\",\"securityContext\":{"
           "\"privileged\":true}}],\"containers\":[{\"name\":\"b\",\"securityContext\":{"
           "\"privileged\":true}}],\"initContainers\":[{\"name\":\"a\",\"securityContext\":{"
           "\"privileged\":true}}]}}",
           B,
           VB "privileged (containers \"a\", \"b\", \"e\" must not set "
              "securityContext.privileged=true)");
}

static void test_warn_audit_kinds(void **state)
{
    (void)state;
    run r;
    daas_sched_policy_rules rules = open_rules();
    const char *pod = "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}";
    eval_full(&r, pod, "Pod", B, R, R, 0, &rules);
    assert_true(r.res.allowed);
    assert_string_equal(r.msg, "");
    assert_string_equal(
        r.warn, "would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != "
                "false (container \"a\" must set securityContext.allowPrivilegeEscalation=false), "
                "unrestricted capabilities (container \"a\" must set "
                "securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or "
                "container \"a\" must set securityContext.runAsNonRoot=true), seccompProfile (pod "
                "or container \"a\" must set securityContext.seccompProfile.type to "
                "\"RuntimeDefault\" or \"Localhost\")");
    assert_string_equal(r.audit, r.warn);
    assert_int_equal(r.res.n_warnings, 4);
    run_fini(&r);

    /* denied: no warnings, audit still recorded */
    pod = "{\"spec\":{\"hostPID\":true,\"containers\":[{\"name\":\"a\"}]}}";
    eval_full(&r, pod, "Pod", B, R, B, 0, &rules);
    assert_false(r.res.allowed);
    assert_int_equal(r.res.n_warnings, 0);
    assert_string_equal(r.warn, "");
    assert_string_equal(r.audit,
                        "would violate PodSecurity \"baseline:latest\": host namespaces (hostPID)");
    run_fini(&r);

    /* a workload template: enforce does not apply, warn does */
    eval_full(&r, pod, "Deployment", R, B, DAAS_SCHED_PSS_PRIVILEGED, 0, &rules);
    assert_true(r.res.allowed);
    assert_string_equal(r.warn,
                        "would violate PodSecurity \"baseline:latest\": host namespaces (hostPID)");
    assert_int_equal(r.res.n_audit, 0);
    run_fini(&r);
}

/* Cluster rules: one container image against the strict rules, at owner tier 4. */
static bool image_allowed(const char *image)
{
    char pod[512];
    run r;
    daas_sched_policy_rules rules = strict_rules();
    snprintf(pod, sizeof(pod), "{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"%s\"}]}}",
             image);
    eval_full(&r, pod, "Pod", 0, 0, 0, 4, &rules);
    bool ok = r.res.allowed;
    run_fini(&r);
    return ok;
}

static void test_registry_rules(void **state)
{
    (void)state;
    assert_true(image_allowed("127.0.0.1:5000/app:1"));
    assert_false(image_allowed("127.0.0.1:50000/evil"));
    assert_true(image_allowed("busybox"));
    assert_true(image_allowed("busybox:1.36"));
    assert_true(image_allowed("library/busybox"));
    assert_true(image_allowed("docker.io/busybox"));
    assert_true(image_allowed("index.docker.io/library/nginx:latest"));
    assert_false(image_allowed("someuser/app"));
    assert_false(image_allowed("docker.io/someuser/app"));
    assert_false(image_allowed("evil.io/x:1"));
    assert_true(image_allowed("evil.io/x@" DIGEST));
    assert_false(image_allowed("evil.io/x@sha256:"
                               "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));

    /* a prefix without '/' matches on a component boundary only */
    static const char *const reg[] = {"127.0.0.1:5000"};
    daas_sched_policy_rules rules = {.version = 2, .registries = reg, .n_registries = 1};
    run r;
    eval_full(&r,
              "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"127.0.0.1:5000/ok\"},"
              "{\"name\":\"b\",\"image\":\"127.0.0.1:50000/evil\"},{\"name\":\"c\",\"image\":"
              "\"127.0.0.1:5000x/evil\"}]}}",
              "Pod", 0, 0, 0, 0, &rules);
    assert_string_equal(r.msg, "violates cluster rules v2: disallowed image registry (containers "
                               "\"b\", \"c\" use images \"127.0.0.1:50000/evil\", "
                               "\"127.0.0.1:5000x/evil\", allowed: \"127.0.0.1:5000\")");
    run_fini(&r);
}

static void test_tier_rules(void **state)
{
    (void)state;
    run r;
    daas_sched_policy_rules rules = strict_rules();
    const char *pod = "{\"spec\":{\"hostNetwork\":true,\"containers\":[{\"name\":\"c\","
                      "\"image\":\"evil.io/x:1\",\"resources\":{\"limits\":{"
                      "\"aws.ec2.nitro/nitro_enclaves\":\"1\"}}},{\"name\":\"d\",\"image\":"
                      "\"busybox\",\"resources\":{\"requests\":{\"aws.ec2.nitro/nitro_enclaves\":"
                      "\"0\"}}}],\"volumes\":[{\"name\":\"v\",\"hostPath\":{\"path\":\"/x\"}}]}}";
    eval_full(&r, pod, "Pod", B, 0, 0, 1, &rules);
    assert_false(r.res.allowed);
    assert_int_equal(r.res.n_pss, 2);
    assert_int_equal(r.res.n_violations, 6);
    assert_string_equal(
        r.msg, VB "host namespaces (hostNetwork), hostPath volumes (volume \"v\"); violates "
                  "cluster rules v7: disallowed image registry (container \"c\" uses image "
                  "\"evil.io/x:1\", allowed: \"127.0.0.1:5000/\", \"docker.io/library/\"), nitro "
                  "enclaves (container \"c\" requests aws.ec2.nitro/nitro_enclaves but the "
                  "owner's stake tier 1 is below 2), hostPath volumes (volume \"v\" uses hostPath "
                  "but the owner's stake tier 1 is below 3), host namespaces (pod sets "
                  "hostNetwork=true but the owner's stake tier 1 is below 4)");
    run_fini(&r);

    /* tier 4 passes every tier rule at privileged; 255 allows nobody */
    eval_full(&r, pod, "Pod", 0, 0, 0, 4, &rules);
    assert_int_equal(r.res.n_violations, 1); /* only the registry */
    run_fini(&r);
    rules.nitro_min_tier = DAAS_SCHED_POLICY_TIER_NOBODY;
    eval_full(&r,
              "{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\","
              "\"resources\":{\"requests\":{\"aws.ec2.nitro/nitro_enclaves\":2}}}]}}",
              "Pod", 0, 0, 0, 4, &rules);
    assert_string_equal(r.msg, "violates cluster rules v7: nitro enclaves (container \"c\" "
                               "requests aws.ec2.nitro/nitro_enclaves but the cluster rules "
                               "allow it to nobody)");
    run_fini(&r);
}

static void expect_json_error(const char *pod, int code, const char *needle)
{
    daas_err err = {0};
    daas_sched_policy_view v;
    json_t *j = json_loads(pod, 0, NULL);
    assert_non_null(j);
    assert_int_equal(daas_sched_policy_view_from_json(j, &v, &err), code);
    assert_non_null(strstr(err.msg, needle));
    assert_null(v._mem);
    json_decref(j);
}

static void test_json_builder(void **state)
{
    (void)state;
    /* a Deployment's spec.template, as the caller passes it */
    const char *deploy = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"spec\":{"
                         "\"template\":{\"metadata\":{\"labels\":{\"app\":\"w\"}},\"spec\":{"
                         "\"containers\":[{\"name\":\"w\",\"image\":\"nginx:1.27\",\"ports\":[{"
                         "\"containerPort\":80,\"hostPort\":8080}],\"securityContext\":{"
                         "\"capabilities\":{\"add\":[\"NET_ADMIN\"],\"drop\":[\"ALL\"]},"
                         "\"runAsUser\":1000}}],\"unknownField\":[1,2]}}}}";
    daas_err err = {0};
    json_t *j = json_loads(deploy, 0, NULL);
    daas_sched_policy_view v;
    assert_int_equal(daas_sched_policy_view_from_json(
                         json_object_get(json_object_get(j, "spec"), "template"), &v, &err),
                     DAAS_OK);
    assert_int_equal(v.n_containers, 1);
    assert_string_equal(v.containers[0].image, "nginx:1.27");
    assert_int_equal(v.containers[0].n_host_ports, 1);
    assert_int_equal(v.containers[0].host_ports[0], 8080);
    assert_true(v.containers[0].has_caps);
    assert_string_equal(v.containers[0].cap_add[0], "NET_ADMIN");
    assert_true(v.containers[0].sec.has_run_as_user);
    assert_int_equal(v.containers[0].sec.run_as_user, 1000);
    assert_int_equal(v.containers[0].privileged, DAAS_SCHED_UNSET);
    daas_sched_policy_view_fini(&v);
    json_decref(j);

    expect_json_error("{\"spec\":{\"hostNetwork\":\"yes\"}}", DAAS_EINVAL, "spec.hostNetwork");
    expect_json_error("{\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":{"
                      "\"runAsUser\":-1}}]}}",
                      DAAS_EINVAL, "runAsUser");
    expect_json_error("{\"spec\":{\"containers\":{}}}", DAAS_EINVAL, "containers");
    expect_json_error("{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}", DAAS_EINVAL, "name");
    expect_json_error("{\"spec\":{\"volumes\":[{\"name\":\"v\",\"hostPath\":7}]}}", DAAS_EINVAL,
                      "hostPath");
    expect_json_error("[]", DAAS_EINVAL, "object");
}

static void test_levels_from_labels(void **state)
{
    (void)state;
    uint8_t e, w, a;
    json_t *l = json_loads("{\"pod-security.kubernetes.io/enforce\":\"baseline\","
                           "\"pod-security.kubernetes.io/enforce-version\":\"v1.32\","
                           "\"pod-security.kubernetes.io/warn\":\"restricted\"}",
                           0, NULL);
    assert_int_equal(daas_sched_policy_levels_from_labels(l, &e, &w, &a), 0);
    assert_int_equal(e, B);
    assert_int_equal(w, R);
    assert_int_equal(a, DAAS_SCHED_PSS_PRIVILEGED);
    json_decref(l);
    l = json_loads("{\"pod-security.kubernetes.io/audit\":\"Baseline\","
                   "\"pod-security.kubernetes.io/warn\":7,"
                   "\"pod-security.kubernetes.io/enforce\":\"strict\"}",
                   0, NULL);
    assert_int_equal(daas_sched_policy_levels_from_labels(l, &e, &w, &a), 3);
    assert_int_equal(e, R);                         /* enforce fails closed */
    assert_int_equal(w, DAAS_SCHED_PSS_PRIVILEGED); /* warn and audit fail open */
    assert_int_equal(a, DAAS_SCHED_PSS_PRIVILEGED);
    json_decref(l);
    assert_int_equal(daas_sched_policy_levels_from_labels(NULL, &e, &w, &a), 0);
    assert_int_equal(e + w + a, 0);
}

/* ---- wire ---- */

static void encode_request(const daas_sched_policy_request *r, daas_buf *b)
{
    daas_err err = {0};
    daas_buf_init(b, 1 << 20);
    if (daas_sched_policy_request_encode(r, b, &err) != DAAS_OK)
        fail_msg("encode: %s", err.msg);
}

static void test_request_round_trip(void **state)
{
    (void)state;
    run r;
    daas_sched_policy_rules rules = strict_rules();
    eval_full(&r,
              "{\"metadata\":{\"annotations\":{"
              "\"container.apparmor.security.beta.kubernetes.io/a\":\"unconfined\"}},"
              "\"spec\":{\"hostIPC\":true,\"securityContext\":{\"runAsUser\":7,\"seLinuxOptions\":"
              "{\"type\":\"t\"},\"sysctls\":[{\"name\":\"x\"}],\"windowsOptions\":{\"hostProcess\":"
              "false}},\"initContainers\":[{\"name\":\"i\",\"image\":\"busybox\"}],\"containers\":"
              "[{\"name\":\"a\",\"image\":\"evil.io/x\",\"securityContext\":{\"privileged\":true,"
              "\"procMount\":\"Unmasked\",\"capabilities\":{}}}],\"volumes\":[{\"name\":\"n\","
              "\"nfs\":{}},{\"name\":\"h\",\"hostPath\":{\"path\":\"/\"}}]}}",
              "Pod", R, B, R, 2, &rules);
    daas_buf b1, b2;
    encode_request(&r.req, &b1);
    daas_sched_policy_request d;
    daas_err err = {0};
    assert_int_equal(daas_sched_policy_request_decode(DAAS_BYTES(b1.data, b1.len), &d, &err),
                     DAAS_OK);
    encode_request(&d, &b2);
    assert_int_equal(b1.len, b2.len);
    assert_memory_equal(b1.data, b2.data, b1.len);

    /* the decoded request evaluates to the same decision bytes */
    daas_sched_policy_result res2;
    assert_int_equal(daas_sched_policy_eval(&d, &rules, &res2, &err), DAAS_OK);
    daas_buf e1, e2;
    daas_buf_init(&e1, 1 << 20);
    daas_buf_init(&e2, 1 << 20);
    assert_int_equal(daas_sched_policy_decision_encode(&r.res, &e1, &err), DAAS_OK);
    assert_int_equal(daas_sched_policy_decision_encode(&res2, &e2, &err), DAAS_OK);
    assert_int_equal(e1.len, e2.len);
    assert_memory_equal(e1.data, e2.data, e1.len);

    /* decision round trip */
    daas_sched_policy_result dd;
    assert_int_equal(daas_sched_policy_decision_decode(DAAS_BYTES(e1.data, e1.len), &dd, &err),
                     DAAS_OK);
    assert_false(dd.allowed);
    assert_int_equal(dd.n_violations, r.res.n_violations);
    assert_string_equal(dd.violations[0], r.res.violations[0]);
    assert_memory_equal(dd.request_digest, r.res.request_digest, 32);
    daas_buf_reset(&e2);
    assert_int_equal(daas_sched_policy_decision_encode(&dd, &e2, &err), DAAS_OK);
    assert_memory_equal(e1.data, e2.data, e1.len);

    daas_sched_policy_request_fini(&d);

    /* trailing byte, truncation */
    assert_int_equal(daas_buf_append(&e2, "", 1), DAAS_OK);
    daas_sched_policy_result bad;
    assert_int_equal(daas_sched_policy_decision_decode(DAAS_BYTES(e2.data, e2.len), &bad, &err),
                     DAAS_EINVAL);
    assert_int_equal(daas_buf_append(&b1, "", 1), DAAS_OK);
    err.code = 0;
    assert_int_equal(
        daas_sched_policy_request_decode(DAAS_BYTES(b1.data, b1.len), &d, &err) == DAAS_OK, false);
    assert_int_equal(daas_sched_policy_request_decode(DAAS_BYTES(b2.data, b2.len - 1), &d, &err) ==
                         DAAS_OK,
                     false);
    assert_null(d.pod._mem);

    daas_sched_policy_result_fini(&dd);
    daas_sched_policy_result_fini(&res2);
    daas_buf_fini(&e1);
    daas_buf_fini(&e2);
    daas_buf_fini(&b1);
    daas_buf_fini(&b2);
    run_fini(&r);
}

static void test_rules_wire(void **state)
{
    (void)state;
    static const char *const reg[] = {"a/"};
    daas_sched_policy_rules r = {.version = 7,
                                 .registries = reg,
                                 .n_registries = 1,
                                 .nitro_min_tier = 2,
                                 .host_path_min_tier = 3,
                                 .host_network_min_tier = 4};
    /* by hand: u64 7, [ "a/" ], [], 2, 3, 4 */
    static const uint8_t golden[] = {7, 0, 0, 0, 0, 0, 0, 0, 1, 2, 'a', '/', 0, 2, 3, 4};
    daas_buf b;
    daas_err err = {0};
    daas_buf_init(&b, 1 << 20);
    assert_int_equal(daas_sched_policy_rules_encode(&r, &b, &err), DAAS_OK);
    assert_int_equal(b.len, sizeof(golden));
    assert_memory_equal(b.data, golden, sizeof(golden));

    daas_sched_policy_rules d;
    assert_int_equal(daas_sched_policy_rules_decode(DAAS_BYTES(golden, sizeof(golden)), &d, &err),
                     DAAS_OK);
    assert_int_equal(d.version, 7);
    assert_string_equal(d.registries[0], "a/");
    assert_int_equal(d.host_network_min_tier, 4);
    daas_sched_policy_rules_fini(&d);

    /* non-canonical ULEB128 length (0x82 0x00 for 2) */
    static const uint8_t nonc[] = {7, 0, 0, 0, 0, 0, 0, 0, 1, 0x82, 0, 'a', '/', 0, 2, 3, 4};
    assert_int_equal(daas_sched_policy_rules_decode(DAAS_BYTES(nonc, sizeof(nonc)), &d, &err),
                     DAAS_EINVAL);
    assert_null(d._mem);
    /* over-limit list: 257 registries claimed */
    uint8_t big[16 + 2 * 257];
    memset(big, 0, sizeof(big));
    big[8] = 0x81;
    big[9] = 0x02;
    err.code = 0;
    assert_int_not_equal(daas_sched_policy_rules_decode(DAAS_BYTES(big, sizeof(big)), &d, &err),
                         DAAS_OK);
    /* bad digest format and bad request fields are refused by the encoders */
    static const char *const dg[] = {"sha256:xyz"};
    r.digests = dg;
    r.n_digests = 1;
    assert_int_equal(daas_sched_policy_rules_encode(&r, &b, &err), DAAS_EINVAL);
    daas_sched_policy_request q = {.uid = "u", .ns = "n", .name = "x", .kind = "Pod", .enforce = 3};
    assert_int_equal(daas_sched_policy_request_encode(&q, &b, &err), DAAS_EINVAL);
    daas_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restricted_ok_and_privileged),
        cmocka_unit_test(test_restricted_real_rejection),
        cmocka_unit_test(test_host_process_and_namespaces),
        cmocka_unit_test(test_privileged_and_caps_baseline),
        cmocka_unit_test(test_host_path_and_ports),
        cmocka_unit_test(test_apparmor),
        cmocka_unit_test(test_selinux_procmount),
        cmocka_unit_test(test_seccomp_sysctls),
        cmocka_unit_test(test_restricted_checks),
        cmocka_unit_test(test_windows_exemption),
        cmocka_unit_test(test_visit_order),
        cmocka_unit_test(test_warn_audit_kinds),
        cmocka_unit_test(test_registry_rules),
        cmocka_unit_test(test_tier_rules),
        cmocka_unit_test(test_json_builder),
        cmocka_unit_test(test_levels_from_labels),
        cmocka_unit_test(test_request_round_trip),
        cmocka_unit_test(test_rules_wire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
