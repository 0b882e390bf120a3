/*
 * fuzz_selector.c: libFuzzer target for label and field selectors (src/kube/selector.c).
 *
 * Input: a label selector and a field selector separated by the first NUL byte (without one,
 * the whole input is tried as both). When the input is a JSON object it is also read as a
 * metav1.LabelSelector.
 * Invariants checked (abort on violation):
 *   - a parsed label selector prints to a string that parses back to the same string and
 *     the same match result;
 *   - a failed parse returns no selector and an error message;
 *   - everything is freed (ASan checks the rest).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "kube/selector.h"

static const char obj_text[] =
    "{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\",\"labels\":{\"app\":\"web\","
    "\"tier\":\"fe\",\"example.com/team\":\"a\",\"n\":\"5\",\"e\":\"\"}},\"spec\":{\"nodeName\":"
    "\"n1\",\"unschedulable\":true},\"status\":{\"phase\":\"Running\",\"replicas\":3},"
    "\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"web\"},\"source\":{\"component\":\"k\"}}";

static const char *const allowed[] = {"spec.nodeName",
                                      "status.phase",
                                      "spec.unschedulable",
                                      "status.replicas",
                                      "involvedObject.kind",
                                      "involvedObject.name",
                                      "involvedObject.namespace",
                                      "source",
                                      NULL};

static void check(int cond)
{
    if (!cond)
        abort();
}

static void run_label(const char *s, const json_t *labels)
{
    daas_kube_labelsel *sel = NULL, *again = NULL;
    daas_err err = {0};
    if (daas_kube_labelsel_parse(s, &sel, &err) != DAAS_OK) {
        check(sel == NULL && err.code == DAAS_EINVAL && err.msg[0] != '\0');
        return;
    }
    bool m = daas_kube_labelsel_match(sel, labels);
    char *str = daas_kube_labelsel_string(sel);
    check(daas_kube_labelsel_parse(str, &again, NULL) == DAAS_OK);
    char *str2 = daas_kube_labelsel_string(again);
    check(strcmp(str, str2) == 0);
    check(daas_kube_labelsel_match(again, labels) == m);
    daas_free(str);
    daas_free(str2);
    daas_kube_labelsel_free(&again);
    daas_kube_labelsel_free(&sel);
}

static void run_field(const char *s, const json_t *obj)
{
    daas_kube_fieldsel *sel = NULL;
    daas_err err = {0};
    if (daas_kube_fieldsel_parse(s, allowed, &sel, &err) != DAAS_OK) {
        check(sel == NULL && err.code == DAAS_EINVAL && err.msg[0] != '\0');
        return;
    }
    (void)daas_kube_fieldsel_match(sel, obj);
    const char *name = daas_kube_fieldsel_name(sel);
    if (name != NULL)
        check(strlen(name) <= strlen(s));
    daas_kube_fieldsel_free(&sel);
}

static void run_json(const uint8_t *data, size_t size, const json_t *labels)
{
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    daas_kube_labelsel *sel = NULL;
    if (j != NULL && daas_kube_labelsel_from_json(j, &sel, NULL) == DAAS_OK) {
        (void)daas_kube_labelsel_match(sel, labels);
        char *str = daas_kube_labelsel_string(sel);
        daas_kube_labelsel *again = NULL;
        check(daas_kube_labelsel_parse(str, &again, NULL) == DAAS_OK);
        check(daas_kube_labelsel_match(again, labels) == daas_kube_labelsel_match(sel, labels));
        daas_kube_labelsel_free(&again);
        daas_free(str);
        daas_kube_labelsel_free(&sel);
    }
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *obj = json_loads(obj_text, 0, NULL);
    json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
    const uint8_t *nul = memchr(data, 0, size);
    size_t ll = nul ? (size_t)(nul - data) : size;
    char *lsel = daas_xstrndup((const char *)data, ll);
    char *fsel = nul ? daas_xstrndup((const char *)nul + 1, size - ll - 1) : daas_xstrdup(lsel);
    run_label(lsel, labels);
    run_field(fsel, obj);
    run_json(data, size, labels);
    daas_free(lsel);
    daas_free(fsel);
    json_decref(obj);
    return 0;
}
