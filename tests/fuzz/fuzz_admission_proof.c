/*
 * fuzz_admission_proof.c: libFuzzer target for the daas.io/admission-proof annotation parser
 *                         and check (src/sched/admission.c), and the split of the enclave's
 *                         /sched/admit body: what a pod's author or a hostile server may put
 *                         in front of an agent, or a server in front of the enclave.
 *
 * Owns:   nothing. The first byte picks (mod 2): 0 the annotation text (the rest, as a
 *         NUL-terminated string), 1 the admit body. A text either fails with DAAS_EINVAL and
 *         a message and nothing held, or parses to a proof whose re-rendering parses to the
 *         same bytes; then the agent's check of a fixed pod carrying it must refuse it
 *         (DAAS_EDENIED with a reason: no fixed key can have signed it). A body either fails
 *         with DAAS_EINVAL or splits into two non-empty ranges that cover it exactly. Nothing
 *         may crash, leak or trip UBSan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sched/admission.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_again(const daas_sched_admission_proof *p)
{
    daas_buf txt;
    daas_sched_admission_proof q;
    daas_buf_init(&txt, 0);
    if (daas_sched_admission_proof_format(p->request, p->decision, p->timestamp_ms, p->sig,
                                          p->enclave, p->pk, &txt, NULL) != DAAS_OK ||
        daas_sched_admission_proof_parse(txt.data, &q, NULL) != DAAS_OK)
        abort();
    if (q.request.len != p->request.len || q.decision.len != p->decision.len ||
        memcmp(q.request.ptr, p->request.ptr, q.request.len) != 0 ||
        memcmp(q.decision.ptr, p->decision.ptr, q.decision.len) != 0 ||
        q.timestamp_ms != p->timestamp_ms)
        abort();
    daas_sched_admission_proof_fini(&q);
    daas_buf_fini(&txt);
}

static void check_on_pod(const char *text)
{
    static const daas_sched_trusted_key key = {{7, 7, 7}, {0}};
    json_t *pod = json_pack("{s:{s:s,s:s,s:s,s:{s:s}},s:{s:[{s:s,s:s}]}}", "metadata", "name",
                            "web-0", "namespace", "shop", "uid", "uid-1", "annotations",
                            DAAS_SCHED_ADMISSION_ANNOTATION, text, "spec", "containers", "name",
                            "app", "image", "busybox");
    daas_err err = {0};
    if (pod == NULL)
        return; /* not UTF-8: jansson refuses the string */
    if (daas_sched_admission_check(pod, &key, 1, &err) != DAAS_EDENIED || err.msg[0] == '\0')
        abort();
    json_decref(pod);
}

static void fuzz_text(const uint8_t *data, size_t size)
{
    char *text = daas_xmalloc(size + 1);
    daas_sched_admission_proof p;
    daas_err err = {0};
    memcpy(text, data, size);
    text[size] = '\0';
    int rc = daas_sched_admission_proof_parse(text, &p, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        if (p._mem != NULL)
            abort();
    } else {
        same_again(&p);
        daas_sched_admission_proof_fini(&p);
    }
    check_on_pod(text);
    daas_free(text);
}

static void fuzz_body(const uint8_t *data, size_t size)
{
    daas_bytes req, rules;
    daas_err err = {0};
    int rc = daas_sched_admission_split(DAAS_BYTES(data, size), &req, &rules, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    if (req.ptr != data || req.len == 0 || rules.len == 0 || rules.ptr != data + req.len ||
        req.len + rules.len != size)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] % 2 == 0)
        fuzz_text(data + 1, size - 1);
    else
        fuzz_body(data + 1, size - 1);
    return 0;
}
