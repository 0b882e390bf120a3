/*
 * policy.c: the BCS wire forms of the admission policy: AdmissionRequest (with its
 *           PodSecurityView), ClusterRules and AccessDecision; format checks and digests.
 *
 * Owns:   check/encode/decode/fini of the three messages (layouts in policy.h).
 * Not:    evaluation (policy_pss.c, policy_rules.c); JSON (policy_json.c).
 * Invariants:
 *   - the encoders refuse what the decoders would refuse, so BCS(x) always decodes to x;
 *   - the decoders are strict: input <= DAAS_SCHED_POLICY_MAX_BYTES, every vector length
 *     within its limit and the bytes left, canonical ULEB128/bool/Option, no trailing bytes,
 *     then the same checks as the encoders; on failure nothing stays allocated.
 * Spec:   policy.h "Wire format".
 */
#include <sodium.h>
#include <string.h>

#include "common/util.h"
#include "sched/policy.h"
#include "sched/sched_int.h"
#include "sui/bcs.h"

#define MAX_ITEM_STR (64u << 10) /* one violation text */

/* ---- checks ---- */

static int str_ok(const char *s, bool allow_empty, size_t max, const char *what, daas_err *err)
{
    if (s == NULL)
        return daas_fail(err, DAAS_EINVAL, "policy: %s is missing", what);
    size_t n = strnlen(s, max + 1);
    if (n > max)
        return daas_fail(err, DAAS_EINVAL, "policy: %s is longer than %zu bytes", what, max);
    if (n == 0 && !allow_empty)
        return daas_fail(err, DAAS_EINVAL, "policy: %s is empty", what);
    for (size_t i = 0; i < n;) {
        size_t k = daas_utf8_seq((const unsigned char *)s + i);
        if (k == 0)
            return daas_fail(err, DAAS_EINVAL, "policy: %s is not UTF-8", what);
        i += k;
    }
    return DAAS_OK;
}

static int name_ok(const char *s, const char *what, daas_err *err)
{
    return str_ok(s, false, DAAS_SCHED_POLICY_MAX_STR, what, err);
}

static int text_ok(const char *s, const char *what, daas_err *err)
{
    return s == NULL ? DAAS_OK : str_ok(s, true, DAAS_SCHED_POLICY_MAX_STR, what, err);
}

static int count_ok(const void *p, size_t n, size_t max, const char *what, daas_err *err)
{
    if (n > max)
        return daas_fail(err, DAAS_ETOOBIG, "policy: %zu %s (at most %zu)", n, what, max);
    if (n > 0 && p == NULL)
        return daas_fail(err, DAAS_EINVAL, "policy: %s missing", what);
    return DAAS_OK;
}

static int strs_ok(const char *const *v, size_t n, size_t max, const char *what, daas_err *err)
{
    int rc = count_ok(v, n, max, what, err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++)
        rc = name_ok(v[i], what, err);
    return rc;
}

static int tri_ok(int8_t v, const char *what, daas_err *err)
{
    if (v < DAAS_SCHED_UNSET || v > DAAS_SCHED_TRUE)
        return daas_fail(err, DAAS_EINVAL, "policy: %s is not -1, 0 or 1", what);
    return DAAS_OK;
}

static int secctx_ok(const daas_sched_secctx *s, daas_err *err)
{
    int rc = tri_ok(s->run_as_non_root, "runAsNonRoot", err);
    if (rc == DAAS_OK)
        rc = tri_ok(s->host_process, "hostProcess", err);
    if (rc == DAAS_OK)
        rc = text_ok(s->seccomp, "seccompProfile.type", err);
    if (rc == DAAS_OK)
        rc = text_ok(s->apparmor, "appArmorProfile.type", err);
    if (rc == DAAS_OK && s->has_selinux) {
        rc = str_ok(s->se_type, true, DAAS_SCHED_POLICY_MAX_STR, "seLinuxOptions.type", err);
        if (rc == DAAS_OK)
            rc = str_ok(s->se_user, true, DAAS_SCHED_POLICY_MAX_STR, "seLinuxOptions.user", err);
        if (rc == DAAS_OK)
            rc = str_ok(s->se_role, true, DAAS_SCHED_POLICY_MAX_STR, "seLinuxOptions.role", err);
    }
    return rc;
}

static int container_ok(const daas_sched_pcontainer *c, uint8_t prev_kind, daas_err *err)
{
    int rc = name_ok(c->name, "container name", err);
    if (rc == DAAS_OK && (c->kind > DAAS_SCHED_CTR_EPHEMERAL || c->kind < prev_kind))
        rc = daas_fail(err, DAAS_EINVAL, "policy: container %s: kind %u out of order", c->name,
                       c->kind);
    if (rc == DAAS_OK)
        rc = str_ok(c->image, true, DAAS_SCHED_POLICY_MAX_STR, "image", err);
    if (rc == DAAS_OK)
        rc = secctx_ok(&c->sec, err);
    if (rc == DAAS_OK)
        rc = tri_ok(c->privileged, "privileged", err);
    if (rc == DAAS_OK)
        rc = tri_ok(c->allow_priv_esc, "allowPrivilegeEscalation", err);
    if (rc == DAAS_OK && c->has_caps)
        rc = strs_ok(c->cap_add, c->n_cap_add, DAAS_SCHED_POLICY_MAX_LIST, "capabilities.add", err);
    if (rc == DAAS_OK && c->has_caps)
        rc = strs_ok(c->cap_drop, c->n_cap_drop, DAAS_SCHED_POLICY_MAX_LIST, "capabilities.drop",
                     err);
    if (rc == DAAS_OK)
        rc = text_ok(c->proc_mount, "procMount", err);
    if (rc == DAAS_OK)
        rc = count_ok(c->host_ports, c->n_host_ports, DAAS_SCHED_POLICY_MAX_LIST, "hostPorts", err);
    for (size_t i = 0; rc == DAAS_OK && i < c->n_host_ports; i++)
        if (c->host_ports[i] == 0 || c->host_ports[i] > 65535)
            rc = daas_fail(err, DAAS_EINVAL, "policy: container %s: hostPort %u", c->name,
                           (unsigned)c->host_ports[i]);
    return rc;
}

static int volume_ok(const daas_sched_pvolume *v, daas_err *err)
{
    int rc = name_ok(v->name, "volume name", err);
    if (rc != DAAS_OK)
        return rc;
    if (v->source > DAAS_SCHED_VOL_OTHER)
        return daas_fail(err, DAAS_EINVAL, "policy: volume %s: source %u", v->name, v->source);
    bool detail = v->source == DAAS_SCHED_VOL_HOST_PATH || v->source == DAAS_SCHED_VOL_OTHER;
    rc = str_ok(v->detail, !detail, DAAS_SCHED_POLICY_MAX_STR, "volume detail", err);
    if (rc == DAAS_OK && !detail && v->detail[0] != '\0')
        rc = daas_fail(err, DAAS_EINVAL, "policy: volume %s: unexpected detail", v->name);
    return rc;
}

static int view_lists_ok(const daas_sched_policy_view *v, daas_err *err)
{
    int rc = strs_ok(v->sysctls, v->n_sysctls, DAAS_SCHED_POLICY_MAX_LIST, "sysctls", err);
    if (rc == DAAS_OK)
        rc = count_ok(v->annotations, v->n_annotations, DAAS_SCHED_POLICY_MAX_LIST, "annotations",
                      err);
    for (size_t i = 0; rc == DAAS_OK && i < v->n_annotations; i++) {
        rc = name_ok(v->annotations[i].key, "annotation key", err);
        if (rc == DAAS_OK)
            rc = str_ok(v->annotations[i].value, true, DAAS_SCHED_POLICY_MAX_STR,
                        "annotation value", err);
        if (rc == DAAS_OK && i > 0 && strcmp(v->annotations[i - 1].key, v->annotations[i].key) >= 0)
            rc = daas_fail(err, DAAS_EINVAL, "policy: annotations not sorted/unique at %s",
                           v->annotations[i].key);
    }
    return rc;
}

static int view_ok(const daas_sched_policy_view *v, daas_err *err)
{
    int rc = secctx_ok(&v->sec, err);
    if (rc == DAAS_OK)
        rc = view_lists_ok(v, err);
    if (rc == DAAS_OK)
        rc = count_ok(v->volumes, v->n_volumes, DAAS_SCHED_POLICY_MAX_VOLUMES, "volumes", err);
    for (size_t i = 0; rc == DAAS_OK && i < v->n_volumes; i++)
        rc = volume_ok(&v->volumes[i], err);
    if (rc == DAAS_OK)
        rc = count_ok(v->containers, v->n_containers, DAAS_SCHED_POLICY_MAX_CONTAINERS,
                      "containers", err);
    for (size_t i = 0; rc == DAAS_OK && i < v->n_containers; i++)
        rc = container_ok(&v->containers[i], i ? v->containers[i - 1].kind : 0, err);
    return rc;
}

/* Contract in policy.h. */
int daas_sched_policy_request_check(const daas_sched_policy_request *r, daas_err *err)
{
    int rc = name_ok(r->uid, "uid", err);
    if (rc == DAAS_OK)
        rc = name_ok(r->ns, "namespace", err);
    if (rc == DAAS_OK)
        rc = name_ok(r->name, "name", err);
    if (rc == DAAS_OK)
        rc = name_ok(r->kind, "kind", err);
    if (rc == DAAS_OK &&
        (r->enforce > DAAS_SCHED_PSS_RESTRICTED || r->warn > DAAS_SCHED_PSS_RESTRICTED ||
         r->audit > DAAS_SCHED_PSS_RESTRICTED))
        rc = daas_fail(err, DAAS_EINVAL, "policy: a PSS level is over 2");
    if (rc == DAAS_OK)
        rc = view_ok(&r->pod, err);
    return rc;
}

/* Contract in policy.h. */
int daas_sched_policy_rules_check(const daas_sched_policy_rules *r, daas_err *err)
{
    int rc = strs_ok(r->registries, r->n_registries, DAAS_SCHED_POLICY_MAX_RULES,
                     "allowed registries", err);
    if (rc == DAAS_OK)
        rc = strs_ok(r->digests, r->n_digests, DAAS_SCHED_POLICY_MAX_RULES, "allowed digests", err);
    for (size_t i = 0; rc == DAAS_OK && i < r->n_digests; i++) {
        const char *d = r->digests[i];
        bool ok = strlen(d) == 71 && strncmp(d, "sha256:", 7) == 0;
        for (size_t k = 7; ok && k < 71; k++)
            ok = (d[k] >= '0' && d[k] <= '9') || (d[k] >= 'a' && d[k] <= 'f');
        if (!ok)
            rc = daas_fail(err, DAAS_EINVAL, "policy: allowed digest %zu is not sha256:<hex>", i);
    }
    return rc;
}

/* ---- encoding ---- */

static int put_opt_bool(daas_buf *b, int8_t v)
{
    int rc = daas_sui_bcs_put_option(b, v != DAAS_SCHED_UNSET);
    if (rc == DAAS_OK && v != DAAS_SCHED_UNSET)
        rc = daas_sui_bcs_put_bool(b, v == DAAS_SCHED_TRUE);
    return rc;
}

static int put_opt_str(daas_buf *b, const char *s)
{
    int rc = daas_sui_bcs_put_option(b, s != NULL);
    if (rc == DAAS_OK && s != NULL)
        rc = daas_sui_bcs_put_str(b, s);
    return rc;
}

static int put_strs(daas_buf *b, const char *const *v, size_t n)
{
    int rc = daas_sui_bcs_put_len(b, n);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++)
        rc = daas_sui_bcs_put_str(b, v[i]);
    return rc;
}

static int put_secctx(daas_buf *b, const daas_sched_secctx *s)
{
    int rc = put_opt_bool(b, s->run_as_non_root);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_option(b, s->has_run_as_user);
    if (rc == DAAS_OK && s->has_run_as_user)
        rc = daas_sui_bcs_put_u64(b, s->run_as_user);
    if (rc == DAAS_OK)
        rc = put_opt_str(b, s->seccomp);
    if (rc == DAAS_OK)
        rc = put_opt_str(b, s->apparmor);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_option(b, s->has_selinux);
    if (rc == DAAS_OK && s->has_selinux) {
        rc = daas_sui_bcs_put_str(b, s->se_type);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_str(b, s->se_user);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_str(b, s->se_role);
    }
    if (rc == DAAS_OK)
        rc = put_opt_bool(b, s->host_process);
    return rc;
}

static int put_container(daas_buf *b, const daas_sched_pcontainer *c)
{
    int rc = daas_sui_bcs_put_u8(b, c->kind);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(b, c->name);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(b, c->image);
    if (rc == DAAS_OK)
        rc = put_secctx(b, &c->sec);
    if (rc == DAAS_OK)
        rc = put_opt_bool(b, c->privileged);
    if (rc == DAAS_OK)
        rc = put_opt_bool(b, c->allow_priv_esc);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_option(b, c->has_caps);
    if (rc == DAAS_OK && c->has_caps) {
        rc = put_strs(b, c->cap_add, c->n_cap_add);
        if (rc == DAAS_OK)
            rc = put_strs(b, c->cap_drop, c->n_cap_drop);
    }
    if (rc == DAAS_OK)
        rc = put_opt_str(b, c->proc_mount);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_len(b, c->n_host_ports);
    for (size_t i = 0; rc == DAAS_OK && i < c->n_host_ports; i++)
        rc = daas_sui_bcs_put_u32(b, c->host_ports[i]);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bool(b, c->nitro);
    return rc;
}

static int put_view(daas_buf *b, const daas_sched_policy_view *v)
{
    int rc = put_secctx(b, &v->sec);
    if (rc == DAAS_OK)
        rc = put_strs(b, v->sysctls, v->n_sysctls);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bool(b, v->host_network);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bool(b, v->host_pid);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bool(b, v->host_ipc);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bool(b, v->windows);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_len(b, v->n_annotations);
    for (size_t i = 0; rc == DAAS_OK && i < v->n_annotations; i++) {
        rc = daas_sui_bcs_put_str(b, v->annotations[i].key);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_str(b, v->annotations[i].value);
    }
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_len(b, v->n_volumes);
    for (size_t i = 0; rc == DAAS_OK && i < v->n_volumes; i++) {
        rc = daas_sui_bcs_put_str(b, v->volumes[i].name);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_u8(b, v->volumes[i].source);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_str(b, v->volumes[i].detail);
    }
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_len(b, v->n_containers);
    for (size_t i = 0; rc == DAAS_OK && i < v->n_containers; i++)
        rc = put_container(b, &v->containers[i]);
    return rc;
}

/* Turns an encoder's rc into the contract: DAAS_ETOOBIG past the message limit, and out
 * restored to its length before the call on failure. */
static int finish_enc(daas_buf *out, size_t start, int rc, const char *what, daas_err *err)
{
    if (rc == DAAS_OK && out->len - start > DAAS_SCHED_POLICY_MAX_BYTES)
        rc = DAAS_ETOOBIG;
    if (rc != DAAS_OK) {
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
        return daas_fail(err, rc, "policy: %s does not fit (%s)", what, daas_err_text(rc));
    }
    return DAAS_OK;
}

/* Contract in policy.h. */
int daas_sched_policy_request_encode(const daas_sched_policy_request *r, daas_buf *out,
                                     daas_err *err)
{
    size_t start = out->len;
    int rc = daas_sched_policy_request_check(r, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_sui_bcs_put_str(out, r->uid);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(out, r->ns);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(out, r->name);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(out, r->kind);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u8(out, r->enforce);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u8(out, r->warn);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u8(out, r->audit);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u8(out, r->owner_tier);
    if (rc == DAAS_OK)
        rc = put_view(out, &r->pod);
    return finish_enc(out, start, rc, "admission request", err);
}

/* Contract in policy.h. */
int daas_sched_policy_rules_encode(const daas_sched_policy_rules *r, daas_buf *out, daas_err *err)
{
    size_t start = out->len;
    int rc = daas_sched_policy_rules_check(r, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_sui_bcs_put_u64(out, r->version);
    if (rc == DAAS_OK)
        rc = put_strs(out, r->registries, r->n_registries);
    if (rc == DAAS_OK)
        rc = put_strs(out, r->digests, r->n_digests);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u8(out, r->nitro_min_tier);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u8(out, r->host_path_min_tier);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u8(out, r->host_network_min_tier);
    return finish_enc(out, start, rc, "cluster rules", err);
}

static int items_ok(const char *const *v, size_t n, const char *what, daas_err *err)
{
    int rc = count_ok(v, n, DAAS_SCHED_POLICY_MAX_ITEMS, what, err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++)
        rc = str_ok(v[i], false, MAX_ITEM_STR, what, err);
    return rc;
}

static int decision_ok(const daas_sched_policy_result *d, daas_err *err)
{
    int rc = name_ok(d->uid, "uid", err);
    if (rc == DAAS_OK)
        rc = items_ok(d->violations, d->n_violations, "violations", err);
    if (rc == DAAS_OK)
        rc = items_ok(d->warnings, d->n_warnings, "warnings", err);
    if (rc == DAAS_OK)
        rc = items_ok(d->audit, d->n_audit, "audit", err);
    return rc;
}

/* Contract in policy.h. */
int daas_sched_policy_decision_encode(const daas_sched_policy_result *d, daas_buf *out,
                                      daas_err *err)
{
    size_t start = out->len;
    int rc = decision_ok(d, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_sui_bcs_put_str(out, d->uid);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(out, d->request_digest, DAAS_SCHED_POLICY_DIGEST_LEN);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(out, d->rules_digest, DAAS_SCHED_POLICY_DIGEST_LEN);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bool(out, d->allowed);
    if (rc == DAAS_OK)
        rc = put_strs(out, d->violations, d->n_violations);
    if (rc == DAAS_OK)
        rc = put_strs(out, d->warnings, d->n_warnings);
    if (rc == DAAS_OK)
        rc = put_strs(out, d->audit, d->n_audit);
    return finish_enc(out, start, rc, "access decision", err);
}

/* ---- digests ---- */

typedef int (*encode_fn)(const void *x, daas_buf *out, daas_err *err);

static int digest_of(encode_fn enc, const void *x, uint8_t out[DAAS_SCHED_POLICY_DIGEST_LEN],
                     daas_err *err)
{
    daas_buf b;
    daas_buf_init(&b, DAAS_SCHED_POLICY_MAX_BYTES + 1);
    int rc = enc(x, &b, err);
    if (rc == DAAS_OK)
        crypto_generichash(out, DAAS_SCHED_POLICY_DIGEST_LEN, (const unsigned char *)b.data, b.len,
                           NULL, 0);
    daas_buf_fini(&b);
    return rc;
}

static int enc_request(const void *x, daas_buf *out, daas_err *err)
{
    return daas_sched_policy_request_encode(x, out, err);
}

static int enc_rules(const void *x, daas_buf *out, daas_err *err)
{
    return daas_sched_policy_rules_encode(x, out, err);
}

/* Contract in policy.h. */
int daas_sched_policy_request_digest(const daas_sched_policy_request *r,
                                     uint8_t out[DAAS_SCHED_POLICY_DIGEST_LEN], daas_err *err)
{
    return digest_of(enc_request, r, out, err);
}

/* Contract in policy.h. */
int daas_sched_policy_rules_digest(const daas_sched_policy_rules *r,
                                   uint8_t out[DAAS_SCHED_POLICY_DIGEST_LEN], daas_err *err)
{
    return digest_of(enc_rules, r, out, err);
}

/* ---- decoding ---- */

typedef struct dec {
    daas_sui_bcs_reader r;
    daas_sched__chunk *mem;
    daas_err *err;
} dec;

static int dec_start(dec *d, daas_bytes in, daas_err *err)
{
    memset(d, 0, sizeof(*d));
    d->err = err;
    daas_sui_bcs_reader_init(&d->r, in);
    if (in.len > DAAS_SCHED_POLICY_MAX_BYTES)
        return daas_fail(err, DAAS_ETOOBIG, "policy: %zu bytes of input (at most %u)", in.len,
                         DAAS_SCHED_POLICY_MAX_BYTES);
    return DAAS_OK;
}

static int get_str_max(dec *d, const char *what, size_t max, const char **out)
{
    daas_bytes s;
    int rc = daas_sui_bcs_get_str(&d->r, what, max, &s, d->err);
    if (rc == DAAS_OK)
        *out = daas_sched__arena_str(&d->mem, (const char *)s.ptr, s.len);
    return rc;
}

static int get_str(dec *d, const char *what, const char **out)
{
    return get_str_max(d, what, DAAS_SCHED_POLICY_MAX_STR, out);
}

static int get_opt_str(dec *d, const char *what, const char **out)
{
    bool some = false;
    int rc = daas_sui_bcs_get_option(&d->r, what, &some, d->err);
    *out = NULL;
    if (rc == DAAS_OK && some)
        rc = get_str(d, what, out);
    return rc;
}

static int get_opt_bool(dec *d, const char *what, int8_t *out)
{
    bool some = false, v = false;
    int rc = daas_sui_bcs_get_option(&d->r, what, &some, d->err);
    *out = DAAS_SCHED_UNSET;
    if (rc == DAAS_OK && some) {
        rc = daas_sui_bcs_get_bool(&d->r, what, &v, d->err);
        *out = v ? DAAS_SCHED_TRUE : DAAS_SCHED_FALSE;
    }
    return rc;
}

/* A vector length and zeroed room for its elements. */
static int get_vec(dec *d, const char *what, size_t max, size_t min_wire, size_t elem, void **out,
                   size_t *n)
{
    int rc = daas_sui_bcs_get_len(&d->r, what, max, min_wire, n, d->err);
    if (rc == DAAS_OK)
        *out = *n ? daas_sched__arena_alloc(&d->mem, *n * elem) : NULL;
    return rc;
}

static int get_strs_max(dec *d, const char *what, size_t max, size_t max_str,
                        const char *const **out, size_t *n)
{
    const char **v = NULL;
    int rc = get_vec(d, what, max, 1, sizeof(*v), (void **)&v, n);
    for (size_t i = 0; rc == DAAS_OK && i < *n; i++)
        rc = get_str_max(d, what, max_str, &v[i]);
    *out = v;
    return rc;
}

static int get_strs(dec *d, const char *what, const char *const **out, size_t *n)
{
    return get_strs_max(d, what, DAAS_SCHED_POLICY_MAX_LIST, DAAS_SCHED_POLICY_MAX_STR, out, n);
}

static int get_selinux(dec *d, daas_sched_secctx *s)
{
    int rc = daas_sui_bcs_get_option(&d->r, "seLinuxOptions", &s->has_selinux, d->err);
    if (rc == DAAS_OK && s->has_selinux) {
        rc = get_str(d, "seLinuxOptions.type", &s->se_type);
        if (rc == DAAS_OK)
            rc = get_str(d, "seLinuxOptions.user", &s->se_user);
        if (rc == DAAS_OK)
            rc = get_str(d, "seLinuxOptions.role", &s->se_role);
    }
    return rc;
}

static int get_secctx(dec *d, daas_sched_secctx *s)
{
    int rc = get_opt_bool(d, "runAsNonRoot", &s->run_as_non_root);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_option(&d->r, "runAsUser", &s->has_run_as_user, d->err);
    if (rc == DAAS_OK && s->has_run_as_user)
        rc = daas_sui_bcs_get_u64(&d->r, "runAsUser", &s->run_as_user, d->err);
    if (rc == DAAS_OK)
        rc = get_opt_str(d, "seccompProfile.type", &s->seccomp);
    if (rc == DAAS_OK)
        rc = get_opt_str(d, "appArmorProfile.type", &s->apparmor);
    if (rc == DAAS_OK)
        rc = get_selinux(d, s);
    if (rc == DAAS_OK)
        rc = get_opt_bool(d, "hostProcess", &s->host_process);
    return rc;
}

static int get_caps(dec *d, daas_sched_pcontainer *c)
{
    int rc = daas_sui_bcs_get_option(&d->r, "capabilities", &c->has_caps, d->err);
    if (rc == DAAS_OK && c->has_caps) {
        rc = get_strs(d, "capabilities.add", &c->cap_add, &c->n_cap_add);
        if (rc == DAAS_OK)
            rc = get_strs(d, "capabilities.drop", &c->cap_drop, &c->n_cap_drop);
    }
    return rc;
}

static int get_container(dec *d, daas_sched_pcontainer *c)
{
    uint32_t *ports = NULL;
    int rc = daas_sui_bcs_get_u8(&d->r, "container kind", &c->kind, d->err);
    if (rc == DAAS_OK)
        rc = get_str(d, "container name", &c->name);
    if (rc == DAAS_OK)
        rc = get_str(d, "image", &c->image);
    if (rc == DAAS_OK)
        rc = get_secctx(d, &c->sec);
    if (rc == DAAS_OK)
        rc = get_opt_bool(d, "privileged", &c->privileged);
    if (rc == DAAS_OK)
        rc = get_opt_bool(d, "allowPrivilegeEscalation", &c->allow_priv_esc);
    if (rc == DAAS_OK)
        rc = get_caps(d, c);
    if (rc == DAAS_OK)
        rc = get_opt_str(d, "procMount", &c->proc_mount);
    if (rc == DAAS_OK)
        rc = get_vec(d, "hostPorts", DAAS_SCHED_POLICY_MAX_LIST, 4, sizeof(*ports), (void **)&ports,
                     &c->n_host_ports);
    for (size_t i = 0; rc == DAAS_OK && i < c->n_host_ports; i++)
        rc = daas_sui_bcs_get_u32(&d->r, "hostPort", &ports[i], d->err);
    c->host_ports = ports;
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bool(&d->r, "nitro", &c->nitro, d->err);
    return rc;
}

static int get_annotations(dec *d, daas_sched_policy_view *v)
{
    daas_sched_annotation *a = NULL;
    int rc = get_vec(d, "annotations", DAAS_SCHED_POLICY_MAX_LIST, 2, sizeof(*a), (void **)&a,
                     &v->n_annotations);
    for (size_t i = 0; rc == DAAS_OK && i < v->n_annotations; i++) {
        rc = get_str(d, "annotation key", &a[i].key);
        if (rc == DAAS_OK)
            rc = get_str(d, "annotation value", &a[i].value);
    }
    v->annotations = a;
    return rc;
}

static int get_volumes(dec *d, daas_sched_policy_view *v)
{
    daas_sched_pvolume *vol = NULL;
    int rc = get_vec(d, "volumes", DAAS_SCHED_POLICY_MAX_VOLUMES, 3, sizeof(*vol), (void **)&vol,
                     &v->n_volumes);
    for (size_t i = 0; rc == DAAS_OK && i < v->n_volumes; i++) {
        rc = get_str(d, "volume name", &vol[i].name);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_get_u8(&d->r, "volume source", &vol[i].source, d->err);
        if (rc == DAAS_OK)
            rc = get_str(d, "volume detail", &vol[i].detail);
    }
    v->volumes = vol;
    return rc;
}

static int get_view(dec *d, daas_sched_policy_view *v)
{
    daas_sched_pcontainer *c = NULL;
    int rc = get_secctx(d, &v->sec);
    if (rc == DAAS_OK)
        rc = get_strs(d, "sysctls", &v->sysctls, &v->n_sysctls);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bool(&d->r, "hostNetwork", &v->host_network, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bool(&d->r, "hostPID", &v->host_pid, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bool(&d->r, "hostIPC", &v->host_ipc, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bool(&d->r, "windows", &v->windows, d->err);
    if (rc == DAAS_OK)
        rc = get_annotations(d, v);
    if (rc == DAAS_OK)
        rc = get_volumes(d, v);
    if (rc == DAAS_OK)
        rc = get_vec(d, "containers", DAAS_SCHED_POLICY_MAX_CONTAINERS, 20, sizeof(*c), (void **)&c,
                     &v->n_containers);
    for (size_t i = 0; rc == DAAS_OK && i < v->n_containers; i++)
        rc = get_container(d, &c[i]);
    v->containers = c;
    return rc;
}

static int get_request(dec *d, daas_sched_policy_request *r)
{
    int rc = get_str(d, "uid", &r->uid);
    if (rc == DAAS_OK)
        rc = get_str(d, "namespace", &r->ns);
    if (rc == DAAS_OK)
        rc = get_str(d, "name", &r->name);
    if (rc == DAAS_OK)
        rc = get_str(d, "kind", &r->kind);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u8(&d->r, "enforce", &r->enforce, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u8(&d->r, "warn", &r->warn, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u8(&d->r, "audit", &r->audit, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u8(&d->r, "owner tier", &r->owner_tier, d->err);
    if (rc == DAAS_OK)
        rc = get_view(d, &r->pod);
    return rc;
}

/* Contract in policy.h. */
int daas_sched_policy_request_decode(daas_bytes in, daas_sched_policy_request *r, daas_err *err)
{
    dec d;
    memset(r, 0, sizeof(*r));
    int rc = dec_start(&d, in, err);
    if (rc == DAAS_OK)
        rc = get_request(&d, r);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&d.r, "admission request", err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_request_check(r, err);
    return daas_sched__arena_finish(rc, d.mem, r, sizeof(*r), &r->pod._mem);
}

/* Contract in policy.h. */
void daas_sched_policy_request_fini(daas_sched_policy_request *r)
{
    daas_sched__arena_release(&r->pod._mem, r, sizeof(*r));
}

/* Contract in policy.h. */
void daas_sched_policy_view_fini(daas_sched_policy_view *v)
{
    daas_sched__arena_release(&v->_mem, v, sizeof(*v));
}

/* Contract in policy.h. */
int daas_sched_policy_rules_decode(daas_bytes in, daas_sched_policy_rules *r, daas_err *err)
{
    dec d;
    memset(r, 0, sizeof(*r));
    int rc = dec_start(&d, in, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u64(&d.r, "version", &r->version, err);
    if (rc == DAAS_OK)
        rc = get_strs_max(&d, "allowed registries", DAAS_SCHED_POLICY_MAX_RULES,
                          DAAS_SCHED_POLICY_MAX_STR, &r->registries, &r->n_registries);
    if (rc == DAAS_OK)
        rc = get_strs_max(&d, "allowed digests", DAAS_SCHED_POLICY_MAX_RULES,
                          DAAS_SCHED_POLICY_MAX_STR, &r->digests, &r->n_digests);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u8(&d.r, "nitro tier", &r->nitro_min_tier, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u8(&d.r, "hostPath tier", &r->host_path_min_tier, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u8(&d.r, "hostNetwork tier", &r->host_network_min_tier, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&d.r, "cluster rules", err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_rules_check(r, err);
    return daas_sched__arena_finish(rc, d.mem, r, sizeof(*r), &r->_mem);
}

/* Contract in policy.h. */
void daas_sched_policy_rules_fini(daas_sched_policy_rules *r)
{
    daas_sched__arena_release(&r->_mem, r, sizeof(*r));
}

static int get_digest(dec *d, const char *what, uint8_t out[DAAS_SCHED_POLICY_DIGEST_LEN])
{
    daas_bytes b;
    int rc = daas_sui_bcs_get_bytes(&d->r, what, DAAS_SCHED_POLICY_DIGEST_LEN, &b, d->err);
    if (rc == DAAS_OK && b.len != DAAS_SCHED_POLICY_DIGEST_LEN)
        rc = daas_fail(d->err, DAAS_EINVAL, "policy: %s is %zu bytes, not 32", what, b.len);
    if (rc == DAAS_OK)
        memcpy(out, b.ptr, DAAS_SCHED_POLICY_DIGEST_LEN);
    return rc;
}

static int get_items(dec *d, const char *what, const char *const **out, size_t *n)
{
    return get_strs_max(d, what, DAAS_SCHED_POLICY_MAX_ITEMS, MAX_ITEM_STR, out, n);
}

/* Contract in policy.h. */
int daas_sched_policy_decision_decode(daas_bytes in, daas_sched_policy_result *out, daas_err *err)
{
    dec d;
    memset(out, 0, sizeof(*out));
    int rc = dec_start(&d, in, err);
    if (rc == DAAS_OK)
        rc = get_str(&d, "uid", &out->uid);
    if (rc == DAAS_OK)
        rc = get_digest(&d, "request digest", out->request_digest);
    if (rc == DAAS_OK)
        rc = get_digest(&d, "rules digest", out->rules_digest);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bool(&d.r, "allowed", &out->allowed, err);
    if (rc == DAAS_OK)
        rc = get_items(&d, "violations", &out->violations, &out->n_violations);
    if (rc == DAAS_OK)
        rc = get_items(&d, "warnings", &out->warnings, &out->n_warnings);
    if (rc == DAAS_OK)
        rc = get_items(&d, "audit", &out->audit, &out->n_audit);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&d.r, "access decision", err);
    if (rc == DAAS_OK)
        rc = decision_ok(out, err);
    return daas_sched__arena_finish(rc, d.mem, out, sizeof(*out), &out->_mem);
}
