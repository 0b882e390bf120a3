/*
 * policy_rules.c: the cluster rules (registries, digests, stake tiers), the evaluation entry
 *                 point and the denial / warning / audit texts.
 *
 * Owns:   rule checks, daas_sched_policy_eval, daas_sched_policy_message & co.
 * Not:    the PSS checks (policy_pss.c); wire formats and JSON (policy.c).
 * Invariants: rule texts follow upstream's "reason (detail)" style; deterministic.
 * Spec:   policy.h "Evaluation".
 */
#include "sched/policy_int.h"

/* ---- cluster rules ---- */

/* Docker's normalisation of an image name (tag and digest kept): "busybox" ->
 * "docker.io/library/busybox", "x/y" -> "docker.io/x/y", "index.docker.io/..." -> "docker.io/..."
 */
static void normalise_image(wr *w, const char *img)
{
    const char *slash = strchr(img, '/');
    if (slash == NULL) {
        put(w, "docker.io/library/");
        put(w, img);
        return;
    }
    size_t dl = (size_t)(slash - img);
    bool domain = memchr(img, '.', dl) != NULL || memchr(img, ':', dl) != NULL ||
                  (dl == 9 && strncmp(img, "localhost", 9) == 0);
    const char *rest = img;
    if (domain && !(dl == 15 && strncmp(img, "index.docker.io", 15) == 0) &&
        !(dl == 9 && strncmp(img, "docker.io", 9) == 0)) {
        put(w, img);
        return;
    }
    if (domain)
        rest = slash + 1;
    put(w, strchr(rest, '/') == NULL ? "docker.io/library/" : "docker.io/");
    put(w, rest);
}

static bool prefix_ok(const char *ref, const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || strncmp(ref, p, n) != 0)
        return false;
    char next = ref[n];
    return p[n - 1] == '/' || next == '\0' || next == '/' || next == ':' || next == '@';
}

static bool image_ok(ctx *c, const daas_sched_policy_rules *r, const char *img)
{
    const char *at = strchr(img, '@');
    if (at != NULL) {
        for (size_t i = 0; i < r->n_digests; i++)
            if (strcmp(at + 1, r->digests[i]) == 0)
                return true;
    }
    if (r->n_registries == 0)
        return true;
    normalise_image(&c->w, img);
    const char *ref = c->w.b.data ? c->w.b.data : "";
    bool ok = false;
    for (size_t i = 0; !ok && i < r->n_registries; i++)
        ok = prefix_ok(ref, r->registries[i]);
    daas_buf_reset(&c->w.b);
    return ok;
}

static void tier_tail(ctx *c, uint8_t tier, uint8_t min)
{
    if (min == DAAS_SCHED_POLICY_TIER_NOBODY)
        put(&c->w, " but the cluster rules allow it to nobody");
    else
        putf(&c->w, " but the owner's stake tier %u is below %u", tier, min);
}

static bool tier_ok(uint8_t tier, uint8_t min)
{
    return min != DAAS_SCHED_POLICY_TIER_NOBODY && tier >= min;
}

static bool rule_registry(ctx *c, const daas_sched_policy_rules *r)
{
    strvec bad = {0}, imgs = {0}, allowed = {0};
    FOR_CONTAINERS(c, k)
    {
        if (!image_ok(c, r, ctr(c, k)->image)) {
            sv_push(&bad, ctr(c, k)->name);
            sv_push(&imgs, ctr(c, k)->image);
        }
    }
    if (bad.n) {
        for (size_t i = 0; i < r->n_registries; i++)
            sv_push(&allowed, r->registries[i]);
        reason_detail_open(c, "disallowed image registry");
        who(&c->w, "container", "containers", &bad);
        put(&c->w, plural(bad.n, " uses image ", " use images "));
        join_quote(&c->w, &imgs);
        put(&c->w, ", allowed: ");
        join_quote(&c->w, &allowed);
        close_item(c);
    }
    bool fail = bad.n > 0;
    sv_free(&bad);
    sv_free(&imgs);
    sv_free(&allowed);
    return fail;
}

static bool rule_nitro(ctx *c, const daas_sched_policy_rules *r, uint8_t tier)
{
    strvec bad = {0};
    FOR_CONTAINERS(c, k)
    {
        if (ctr(c, k)->nitro && !tier_ok(tier, r->nitro_min_tier))
            sv_push(&bad, ctr(c, k)->name);
    }
    if (bad.n) {
        reason_detail_open(c, "nitro enclaves");
        who(&c->w, "container", "containers", &bad);
        put(&c->w, plural(bad.n, " requests", " request"));
        put(&c->w, " aws.ec2.nitro/nitro_enclaves");
        tier_tail(c, tier, r->nitro_min_tier);
        close_item(c);
    }
    bool fail = bad.n > 0;
    sv_free(&bad);
    return fail;
}

static bool rule_host_path(ctx *c, const daas_sched_policy_rules *r, uint8_t tier)
{
    strvec bad = {0};
    for (size_t i = 0; i < c->v->n_volumes; i++)
        if (c->v->volumes[i].source == DAAS_SCHED_VOL_HOST_PATH &&
            !tier_ok(tier, r->host_path_min_tier))
            sv_push(&bad, c->v->volumes[i].name);
    if (bad.n) {
        reason_detail_open(c, "hostPath volumes");
        who(&c->w, "volume", "volumes", &bad);
        put(&c->w, plural(bad.n, " uses hostPath", " use hostPath"));
        tier_tail(c, tier, r->host_path_min_tier);
        close_item(c);
    }
    bool fail = bad.n > 0;
    sv_free(&bad);
    return fail;
}

static bool rule_host_network(ctx *c, const daas_sched_policy_rules *r, uint8_t tier)
{
    if (!c->v->host_network || tier_ok(tier, r->host_network_min_tier))
        return false;
    reason_detail_open(c, "host namespaces");
    put(&c->w, "pod sets hostNetwork=true");
    tier_tail(c, tier, r->host_network_min_tier);
    return close_item(c);
}

static void rules_run(ctx *c, const daas_sched_policy_request *q, const daas_sched_policy_rules *r,
                      list *out)
{
    if (rule_registry(c, r))
        out->v[out->n++] = take(c);
    if (rule_nitro(c, r, q->owner_tier))
        out->v[out->n++] = take(c);
    if (rule_host_path(c, r, q->owner_tier))
        out->v[out->n++] = take(c);
    if (rule_host_network(c, r, q->owner_tier))
        out->v[out->n++] = take(c);
}

/* ---- evaluation ---- */

static list new_list(ctx *c)
{
    return (list){daas_sched__arena_alloc(&c->mem, MAX_ITEMS * sizeof(const char *)), 0};
}

static void evaluate(ctx *c, const daas_sched_policy_request *q, const daas_sched_policy_rules *r,
                     daas_sched_policy_result *out)
{
    list viol = new_list(c), warn = new_list(c), aud = new_list(c);
    if (strcmp(q->kind, "Pod") == 0)
        daas_sched__policy_pss_run(c, q->enforce, &viol);
    out->n_pss = viol.n;
    rules_run(c, q, r, &viol);
    out->allowed = viol.n == 0;
    if (out->allowed) /* upstream adds no warnings to a request it rejects */
        daas_sched__policy_pss_run(c, q->warn, &warn);
    daas_sched__policy_pss_run(c, q->audit, &aud);
    out->violations = viol.v;
    out->n_violations = viol.n;
    out->warnings = warn.v;
    out->n_warnings = warn.n;
    out->audit = aud.v;
    out->n_audit = aud.n;
    out->enforce = q->enforce;
    out->warn = q->warn;
    out->audit_level = q->audit;
    out->rules_version = r->version;
    out->uid = daas_sched__arena_str(&c->mem, q->uid, strlen(q->uid));
}

/* Contract in policy.h. */
int daas_sched_policy_eval(const daas_sched_policy_request *req,
                           const daas_sched_policy_rules *rules, daas_sched_policy_result *out,
                           daas_err *err)
{
    ctx c = {.v = &req->pod};
    memset(out, 0, sizeof(*out));
    int rc = daas_sched_policy_request_digest(req, out->request_digest, err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_rules_digest(rules, out->rules_digest, err);
    if (rc == DAAS_OK) {
        daas_buf_init(&c.w.b, DAAS_SCHED_POLICY_MAX_BYTES);
        evaluate(&c, req, rules, out);
        if (c.w.rc != DAAS_OK)
            rc = daas_fail(err, c.w.rc, "policy: a violation text is over %u bytes",
                           DAAS_SCHED_POLICY_MAX_BYTES);
        daas_buf_fini(&c.w.b);
    }
    return daas_sched__arena_finish(rc, c.mem, out, sizeof(*out), &out->_mem);
}

/* Contract in policy.h. */
void daas_sched_policy_result_fini(daas_sched_policy_result *r)
{
    daas_sched__arena_release(&r->_mem, r, sizeof(*r));
}

/* Contract in policy.h. */
const char *daas_sched_pss_level_name(uint8_t level)
{
    static const char *const names[] = {"privileged", "baseline", "restricted"};
    return level < N_OF(names) ? names[level] : "unknown";
}

static int render(daas_buf *out, const char *head, const char *const *items, size_t n)
{
    int rc = daas_buf_puts(out, head);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        if (i)
            rc = daas_buf_puts(out, ", ");
        if (rc == DAAS_OK)
            rc = daas_buf_puts(out, items[i]);
    }
    return rc;
}

static int render_pss(daas_buf *out, const char *verb, uint8_t level, const char *const *items,
                      size_t n)
{
    char head[96];
    snprintf(head, sizeof(head), "%s PodSecurity \"%s:latest\": ", verb,
             daas_sched_pss_level_name(level));
    return render(out, head, items, n);
}

/* Contract in policy.h. */
int daas_sched_policy_message(const daas_sched_policy_result *r, daas_buf *out)
{
    int rc = DAAS_OK;
    size_t n_pss = r->n_pss <= r->n_violations ? r->n_pss : r->n_violations;
    if (n_pss > 0)
        rc = render_pss(out, "violates", r->enforce, r->violations, n_pss);
    if (rc == DAAS_OK && r->n_violations > n_pss) {
        char head[64];
        snprintf(head, sizeof(head), "%sviolates cluster rules v%llu: ", n_pss ? "; " : "",
                 (unsigned long long)r->rules_version);
        rc = render(out, head, r->violations + n_pss, r->n_violations - n_pss);
    }
    return rc;
}

/* Contract in policy.h. */
int daas_sched_policy_warning(const daas_sched_policy_result *r, daas_buf *out)
{
    if (r->n_warnings == 0)
        return DAAS_OK;
    return render_pss(out, "would violate", r->warn, r->warnings, r->n_warnings);
}

/* Contract in policy.h. */
int daas_sched_policy_audit(const daas_sched_policy_result *r, daas_buf *out)
{
    if (r->n_audit == 0)
        return DAAS_OK;
    return render_pss(out, "would violate", r->audit_level, r->audit, r->n_audit);
}
