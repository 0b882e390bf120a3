/*
 * test_selector.c: label and field selectors (src/kube/selector.c).
 *
 * Cases follow k8s.io/apimachinery/pkg/labels and pkg/fields (grammar, error texts, matching
 * rules such as "!= and notin match an absent key") and what kubectl sends (specs §6.2).
 * JSON in this file uses ' for ".
 */
#include "kube/kube_testutil.h"

#include "kube/selector.h"

/* Parses sel and checks it against labels (JSON, or NULL for none). */
static bool lmatch(const char *sel, const char *labels)
{
    daas_kube_labelsel *s = NULL;
    daas_err err = {0};
    int rc = daas_kube_labelsel_parse(sel, &s, &err);
    if (rc != DAAS_OK)
        fail_msg("selector \"%s\" does not parse: %s", sel, err.msg);
    json_t *l = labels ? ku_json(labels) : NULL;
    bool m = daas_kube_labelsel_match(s, l);
    json_decref(l);
    daas_kube_labelsel_free(&s);
    assert_null(s);
    return m;
}

static void lstring(const char *sel, const char *want)
{
    daas_kube_labelsel *s = NULL;
    daas_err err = {0};
    assert_int_equal(daas_kube_labelsel_parse(sel, &s, &err), DAAS_OK);
    char *got = daas_kube_labelsel_string(s);
    assert_string_equal(got, want);
    daas_free(got);
    daas_kube_labelsel_free(&s);
}

static void lerr(const char *sel, const char *part)
{
    daas_kube_labelsel *s = (daas_kube_labelsel *)1;
    daas_err err = {0};
    int rc = daas_kube_labelsel_parse(sel, &s, &err);
    if (rc != DAAS_EINVAL || strstr(err.msg, part) == NULL)
        print_error("\"%s\": rc %d msg \"%s\" (want \"%s\")\n", sel, rc, err.msg, part);
    assert_int_equal(rc, DAAS_EINVAL);
    assert_null(s);
    assert_non_null(strstr(err.msg, part));
}

static void test_label_equality(void **state)
{
    (void)state;
    assert_true(lmatch("app=web", "{'app':'web','x':'y'}"));
    assert_false(lmatch("app=web", "{'app':'db'}"));
    assert_false(lmatch("app=web", "{}"));
    assert_false(lmatch("app=web", NULL));
    assert_true(lmatch("app==web", "{'app':'web'}"));
    assert_false(lmatch("app==web", "{'app':'webx'}"));
    /* != matches an absent key */
    assert_true(lmatch("app!=web", "{}"));
    assert_true(lmatch("app!=web", NULL));
    assert_true(lmatch("app!=web", "{'app':'db'}"));
    assert_false(lmatch("app!=web", "{'app':'web'}"));
    /* an empty value is a value */
    assert_true(lmatch("app=", "{'app':''}"));
    assert_false(lmatch("app=", "{}"));
    /* non-string label values count as absent */
    assert_false(lmatch("app=1", "{'app':1}"));
}

static void test_label_sets(void **state)
{
    (void)state;
    assert_true(lmatch("env in (prod,staging)", "{'env':'staging'}"));
    assert_false(lmatch("env in (prod,staging)", "{'env':'dev'}"));
    assert_false(lmatch("env in (prod)", "{}"));
    assert_true(lmatch("env notin (dev)", "{}"));
    assert_true(lmatch("env notin (dev)", "{'env':'prod'}"));
    assert_false(lmatch("env notin (dev,qa)", "{'env':'qa'}"));
    assert_true(lmatch("tier", "{'tier':''}"));
    assert_false(lmatch("tier", "{'app':'x'}"));
    assert_true(lmatch("!tier", "{'app':'x'}"));
    assert_false(lmatch("!tier", "{'tier':'a'}"));
    /* "()" is the empty value; "(,a)" holds "" and a */
    assert_true(lmatch("x in ()", "{'x':''}"));
    assert_false(lmatch("x in ()", "{'x':'a'}"));
    assert_true(lmatch("x in (,a)", "{'x':''}"));
    assert_true(lmatch("x in (,a)", "{'x':'a'}"));
    /* "in" and "notin" are values and keys where a value or key is expected */
    assert_true(lmatch("in in (in,notin)", "{'in':'notin'}"));
    /* numeric comparisons */
    assert_true(lmatch("replicas>2", "{'replicas':'3'}"));
    assert_false(lmatch("replicas>2", "{'replicas':'2'}"));
    assert_false(lmatch("replicas>2", "{'replicas':'x'}"));
    assert_true(lmatch("replicas<2", "{'replicas':'1'}"));
    assert_false(lmatch("replicas<2", "{}"));
}

static void test_label_combined_and_whitespace(void **state)
{
    (void)state;
    const char *sel = "  app = web ,\ttier in ( fe , be ) , !canary,example.com/team  ";
    assert_true(lmatch(sel, "{'app':'web','tier':'be','example.com/team':'a'}"));
    assert_false(lmatch(sel, "{'app':'web','tier':'be','example.com/team':'a','canary':'1'}"));
    assert_false(lmatch(sel, "{'app':'web','tier':'db','example.com/team':'a'}"));
    assert_false(lmatch(sel, "{'app':'web','tier':'be'}"));
    assert_true(lmatch("app.kubernetes.io/name in (web),app.kubernetes.io/part-of!=x",
                       "{'app.kubernetes.io/name':'web'}"));
    assert_true(lmatch("", "{'a':'b'}"));
    assert_true(lmatch("   ", NULL));
}

static void test_label_string(void **state)
{
    (void)state;
    lstring("", "");
    lstring("app=web", "app=web");
    lstring("b=2,a in (z,y,z),!c,d,e!=f,g==h,i notin (k,j)",
            "a in (y,z),b=2,!c,d,e!=f,g==h,i notin (j,k)");
    lstring("x>5,w<3", "w<3,x>5");
    lstring("x in ()", "x in ()");
}

static void test_label_errors(void **state)
{
    (void)state;
    lerr("=x", "found '=', expected: !, identifier, or 'end of string'");
    lerr("app=web,", "found '', expected: identifier after ','");
    lerr("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    lerr("a=b c", "found 'c', expected: ',' or 'end of string'");
    lerr("a=b=c", "found '=', expected: ',' or 'end of string'");
    lerr("!a=b", "found '=', expected: ',' or 'end of string'");
    lerr("a in b", "unable to parse requirement: found 'b' expected: '('");
    lerr("a in (b", "unable to parse requirement: found '', expected: ',' or ')'");
    lerr("a in (b c)", "found 'c', expected: ',' or ')'");
    lerr("a in (=)", "found '=', expected: ',', ')' or identifier");
    lerr("a in (b,=)", "found '=', expected: ',', or identifier");
    lerr("a ! b", "found '!', expected: in, notin, =, ==, !=, gt, lt");
    lerr("a=(", "unable to parse requirement: found '(', expected: identifier");
    lerr("!", "unable to parse requirement: found '', expected: identifier");
    lerr(",a", "found ',', expected: !, identifier, or 'end of string'");
    lerr("a/b/c=d", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid "
                    "label key must consist of alphanumeric characters");
    lerr("-a=b", "<nil>: Invalid value: \"-a\": name part must consist of alphanumeric");
    lerr("Example.com/a=b", "prefix part a lowercase RFC 1123 subdomain");
    lerr("/a", "prefix part must be non-empty");
    lerr("a/=b", "name part must be non-empty");
    lerr("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1",
         "name part must be no more than 63 characters");
    lerr("a=-bad", "unable to parse requirement: values[0][a]: Invalid value: \"-bad\": a "
                   "valid label must be an empty string or consist of alphanumeric");
    lerr("a in (z@z,ok)", "values[1][a]: Invalid value: \"z@z\"");
    lerr("a=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "must be no more than 63 characters");
    lerr("a>x", "values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must "
                "be an integer");
}

static daas_kube_labelsel *from_json(const char *js)
{
    json_t *j = ku_json(js);
    daas_kube_labelsel *s = NULL;
    daas_err err = {0};
    int rc = daas_kube_labelsel_from_json(j, &s, &err);
    json_decref(j);
    if (rc != DAAS_OK)
        fail_msg("%s: %s", js, err.msg);
    return s;
}

static void test_label_from_json(void **state)
{
    (void)state;
    daas_kube_labelsel *s = from_json("{'matchLabels':{'tier':'fe','app':'web'}}");
    char *str = daas_kube_labelsel_string(s);
    assert_string_equal(str, "app=web,tier=fe");
    daas_free(str);
    json_t *l = ku_json("{'app':'web','tier':'fe','x':'y'}");
    assert_true(daas_kube_labelsel_match(s, l));
    json_object_set_new(l, "tier", json_string("be"));
    assert_false(daas_kube_labelsel_match(s, l));
    json_decref(l);
    daas_kube_labelsel_free(&s);

    /* the string upstream's metav1.FormatLabelSelector gives: sorted by key across both */
    s = from_json("{'matchLabels':{'b':'1'},'matchExpressions':["
                  "{'key':'a','operator':'In','values':['z','y']},"
                  "{'key':'c','operator':'NotIn','values':['q']},"
                  "{'key':'d','operator':'Exists'},{'key':'e','operator':'DoesNotExist',"
                  "'values':[]}]}");
    str = daas_kube_labelsel_string(s);
    assert_string_equal(str, "a in (y,z),b=1,c notin (q),d,!e");
    daas_free(str);
    l = ku_json("{'a':'y','b':'1','d':''}");
    assert_true(daas_kube_labelsel_match(s, l));
    json_object_set_new(l, "c", json_string("q"));
    assert_false(daas_kube_labelsel_match(s, l));
    json_decref(l);
    daas_kube_labelsel_free(&s);

    /* NULL and {} select everything */
    assert_int_equal(daas_kube_labelsel_from_json(NULL, &s, NULL), DAAS_OK);
    assert_true(daas_kube_labelsel_match(s, NULL));
    str = daas_kube_labelsel_string(s);
    assert_string_equal(str, "");
    daas_free(str);
    daas_kube_labelsel_free(&s);
    s = from_json("{}");
    assert_true(daas_kube_labelsel_match(s, NULL));
    daas_kube_labelsel_free(&s);
    daas_kube_labelsel_free(&s); /* a second free of NULL is harmless */
}

static void jerr(const char *js, const char *part)
{
    json_t *j = ku_json(js);
    daas_kube_labelsel *s = (daas_kube_labelsel *)1;
    daas_err err = {0};
    int rc = daas_kube_labelsel_from_json(j, &s, &err);
    json_decref(j);
    if (rc != DAAS_EINVAL || strstr(err.msg, part) == NULL)
        print_error("%s: rc %d msg \"%s\" (want \"%s\")\n", js, rc, err.msg, part);
    assert_int_equal(rc, DAAS_EINVAL);
    assert_null(s);
    assert_non_null(strstr(err.msg, part));
}

static void test_label_from_json_errors(void **state)
{
    (void)state;
    jerr("{'matchExpressions':[{'key':'a','operator':'Foo'}]}",
         "\"Foo\" is not a valid label selector operator");
    jerr("{'matchExpressions':[{'key':'a','operator':'In'}]}",
         "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be "
         "empty");
    jerr("{'matchExpressions':[{'key':'a','operator':'NotIn','values':[]}]}",
         "values set can't be empty");
    jerr("{'matchExpressions':[{'key':'a','operator':'Exists','values':['x']}]}",
         "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does "
         "not exist");
    jerr("{'matchExpressions':[{'key':'a','operator':'DoesNotExist','values':['x','y']}]}",
         "[]string{\"x\", \"y\"}");
    jerr("{'matchLabels':{'bad key':'v'}}", "key: Invalid value: \"bad key\": name part");
    jerr("{'matchLabels':{'app':'bad value'}}", "values[0][app]: Invalid value: \"bad value\"");
    jerr("{'matchLabels':{'app':1}}", "must be a string");
    jerr("{'matchLabels':[]}", "matchLabels");
    jerr("{'matchExpressions':{}}", "matchExpressions");
    jerr("{'matchExpressions':[{'key':'a','operator':'In','values':[1]}]}", "strings");
    jerr("{'matchExpressions':[{'key':'','operator':'Exists'}]}", "name part must be non-empty");
    jerr("[]", "must be an object");
}

/* ---- field selectors -------------------------------------------------------------------- */

static const char *const pod_fields[] = {"spec.nodeName", "status.phase", "spec.hostNetwork",
                                         "spec.restartPolicy", NULL};
static const char *const event_fields[] = {"involvedObject.kind",
                                           "involvedObject.namespace",
                                           "involvedObject.name",
                                           "involvedObject.uid",
                                           "source",
                                           "reportingComponent",
                                           "type",
                                           NULL};
static const char *const other_fields[] = {"spec.unschedulable", "status.replicas",
                                           "status.successful", NULL};

static bool fmatch(const char *sel, const char *const *allowed, const char *obj)
{
    daas_kube_fieldsel *s = NULL;
    daas_err err = {0};
    if (daas_kube_fieldsel_parse(sel, allowed, &s, &err) != DAAS_OK)
        fail_msg("field selector \"%s\" does not parse: %s", sel, err.msg);
    json_t *o = ku_json(obj);
    bool m = daas_kube_fieldsel_match(s, o);
    json_decref(o);
    daas_kube_fieldsel_free(&s);
    assert_null(s);
    return m;
}

static void ferr(const char *sel, const char *const *allowed, const char *want)
{
    daas_kube_fieldsel *s = (daas_kube_fieldsel *)1;
    daas_err err = {0};
    int rc = daas_kube_fieldsel_parse(sel, allowed, &s, &err);
    if (rc != DAAS_EINVAL || strcmp(err.msg, want) != 0)
        print_error("\"%s\": rc %d msg \"%s\" (want \"%s\")\n", sel, rc, err.msg, want);
    assert_int_equal(rc, DAAS_EINVAL);
    assert_string_equal(err.msg, want);
    assert_null(s);
}

static void test_field_basic(void **state)
{
    (void)state;
    const char *pod = "{'metadata':{'name':'web','namespace':'default'},"
                      "'spec':{'nodeName':'n1'},'status':{'phase':'Running'}}";
    assert_true(fmatch("metadata.name=web", NULL, pod));
    assert_true(fmatch("metadata.name==web", NULL, pod));
    assert_false(fmatch("metadata.name=db", NULL, pod));
    assert_true(fmatch("metadata.name!=db", NULL, pod));
    assert_false(fmatch("metadata.name!=web", NULL, pod));
    assert_true(fmatch("metadata.namespace=default,metadata.name=web", NULL, pod));
    /* describe node */
    const char *sel = "spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed";
    assert_true(fmatch(sel, pod_fields, pod));
    assert_false(fmatch(sel, pod_fields, "{'spec':{'nodeName':'n1'},'status':{'phase':'Failed'}}"));
    assert_false(fmatch(sel, pod_fields, "{'spec':{'nodeName':'n2'}}"));
    /* empty selectors and empty terms select everything */
    assert_true(fmatch("", NULL, pod));
    assert_true(fmatch(",,", NULL, pod));
}

static void test_field_values(void **state)
{
    (void)state;
    /* describe node sends involvedObject.namespace= for cluster-scoped objects */
    const char *sel = "involvedObject.kind=Node,involvedObject.namespace=,involvedObject.name=n1";
    assert_true(fmatch(sel, event_fields, "{'involvedObject':{'kind':'Node','name':'n1'}}"));
    assert_true(
        fmatch(sel, event_fields, "{'involvedObject':{'kind':'Node','name':'n1','namespace':''}}"));
    assert_false(fmatch(sel, event_fields,
                        "{'involvedObject':{'kind':'Node','name':'n1','namespace':'x'}}"));
    /* booleans and integers compare in their string form; missing ones as Go zero values */
    assert_true(fmatch("spec.unschedulable=true", other_fields, "{'spec':{'unschedulable':true}}"));
    assert_true(fmatch("spec.unschedulable=false", other_fields, "{'spec':{}}"));
    assert_false(fmatch("spec.unschedulable=true", other_fields, "{}"));
    assert_true(fmatch("status.replicas=3", other_fields, "{'status':{'replicas':3}}"));
    assert_true(fmatch("status.replicas=0", other_fields, "{}"));
    assert_true(fmatch("status.successful=0", other_fields, "{'status':{}}"));
    /* a Job's status.successful is its status.succeeded */
    assert_true(fmatch("status.successful=1", other_fields, "{'status':{'succeeded':1}}"));
    assert_false(fmatch("status.successful!=1", other_fields, "{'status':{'succeeded':1}}"));
    assert_false(fmatch("status.successful=1", other_fields, "{'status':{'successful':1}}"));
    assert_true(fmatch("spec.hostNetwork=false", pod_fields, "{}"));
    assert_true(fmatch("spec.restartPolicy=", pod_fields, "{}"));
    /* events: source is source.component, else reportingController */
    assert_true(fmatch("source=kubelet", event_fields, "{'source':{'component':'kubelet'}}"));
    assert_true(fmatch("source=kubelet", event_fields, "{'reportingController':'kubelet'}"));
    assert_true(fmatch("reportingComponent=ctl", event_fields, "{'reportingController':'ctl'}"));
    assert_true(fmatch("type=Warning", event_fields, "{'type':'Warning'}"));
}

static void test_field_escapes(void **state)
{
    (void)state;
    assert_true(fmatch("metadata.name=a\\,b", NULL, "{'metadata':{'name':'a,b'}}"));
    assert_true(fmatch("metadata.name=a\\=b", NULL, "{'metadata':{'name':'a=b'}}"));
    assert_true(fmatch("metadata.name=a\\\\b", NULL, "{'metadata':{'name':'a\\\\b'}}"));
    assert_true(fmatch("metadata.name=a\\,b,metadata.namespace=x", NULL,
                       "{'metadata':{'name':'a,b','namespace':'x'}}"));
}

static void test_field_errors(void **state)
{
    (void)state;
    ferr("spec.foo=1", NULL, "field label not supported: spec.foo");
    ferr("metadata.name=x,spec.nodeName=n", NULL, "field label not supported: spec.nodeName");
    ferr("foo", NULL, "invalid selector: 'foo'; can't understand 'foo'");
    ferr("metadata.name=x,foo", NULL,
         "invalid selector: 'metadata.name=x,foo'; can't "
         "understand 'foo'");
    /* syntax errors win over unsupported labels */
    ferr("zzz,spec.foo=1", NULL, "invalid selector: 'zzz,spec.foo=1'; can't understand 'zzz'");
    ferr("metadata.name=a\\x", NULL, "invalid field selector: invalid escape sequence: \\x");
    ferr("metadata.name=a\\", NULL, "invalid field selector: invalid escape sequence: \\");
    ferr("metadata.name=a=b", NULL, "invalid field selector: unescaped character in value: 61");
}

static void test_field_name(void **state)
{
    (void)state;
    static const struct {
        const char *sel, *name;
    } cases[] = {
        {"metadata.name=web", "web"},
        {"metadata.name==web", "web"},
        {"metadata.namespace=a,metadata.name=b", "b"},
        {"metadata.name!=web", NULL},
        {"metadata.namespace=a", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        daas_kube_fieldsel *s = NULL;
        assert_int_equal(daas_kube_fieldsel_parse(cases[i].sel, NULL, &s, NULL), DAAS_OK);
        const char *n = daas_kube_fieldsel_name(s);
        if (cases[i].name == NULL)
            assert_null(n);
        else
            assert_string_equal(n, cases[i].name);
        daas_kube_fieldsel_free(&s);
    }
    daas_kube_fieldsel *none = NULL;
    daas_kube_fieldsel_free(&none);
    daas_kube_fieldsel_free(NULL);
    daas_kube_labelsel_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_equality),
        cmocka_unit_test(test_label_sets),
        cmocka_unit_test(test_label_combined_and_whitespace),
        cmocka_unit_test(test_label_string),
        cmocka_unit_test(test_label_errors),
        cmocka_unit_test(test_label_from_json),
        cmocka_unit_test(test_label_from_json_errors),
        cmocka_unit_test(test_field_basic),
        cmocka_unit_test(test_field_values),
        cmocka_unit_test(test_field_escapes),
        cmocka_unit_test(test_field_errors),
        cmocka_unit_test(test_field_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
