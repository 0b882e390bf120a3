/*
 * rebalance.c: `daas rebalance`: asks the server (POST /daas/v1/rebalance) for a rebalancing
 * plan signed by the scheduler enclave, as a dry run or applied through evictions, and prints
 * the result; --plan applies a plan an earlier dry run returned.
 *
 * Owns:   the command's I/O: the --plan file, the kubeconfig (pki/pki.h), the request
 *         (agent/kubeclient.h, authenticated with the kubeconfig's client certificate and/or
 *         token, TLS always verified) and the output.
 * Not:    flags, body, plan check and text form (rebalance_fmt.c); planning and executing
 *         (the server and its enclave).
 * Invariants: the result on stdout and exit 0; or one line "daas rebalance: ..." on stderr
 *         and exit 1 (failure: kubeconfig, plan file, connection, the server's Status
 *         message) or 2 (usage). The plan is not verified here: the server does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/kubeclient.h"
#include "cmd/cmd.h"
#include "cmd/rebalance_int.h"
#include "common/alloc.h"
#include "pki/pki.h"

#define TIMEOUT_MS (5 * 60 * 1000) /* an applied plan waits for its evictions */

/* Reads and checks the --plan file into *plan. */
static int read_plan(const char *path, json_t **plan, daas_err *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return daas_fail(err, daas_from_errno(errno), "plan file %.100s: %s", path,
                         strerror(errno));
    daas_buf b;
    daas_buf_init(&b, DAAS_REBALANCE_MAX_PLAN_FILE);
    char chunk[4096];
    size_t n;
    int rc = DAAS_OK;
    while (rc == DAAS_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (daas_buf_append(&b, chunk, n) != DAAS_OK)
            rc = daas_fail(err, DAAS_ETOOBIG, "plan file %.100s: over %zu bytes", path,
                           DAAS_REBALANCE_MAX_PLAN_FILE);
    if (rc == DAAS_OK && ferror(f))
        rc = daas_fail(err, DAAS_EIO, "plan file %.100s: read error", path);
    fclose(f);
    if (rc == DAAS_OK)
        rc = daas_cmd__rebalance_plan_read(DAAS_BYTES(b.data ? b.data : "", b.len), plan, err);
    daas_buf_fini(&b);
    return rc;
}

/* The error of a non-2xx answer: its Status message on one line. */
static int status_error(long status, const json_t *body, const char *server, daas_err *err)
{
    const char *msg = json_string_value(json_object_get(body, "message"));
    if (msg == NULL || msg[0] == '\0')
        return daas_fail(err, DAAS_EREMOTE, "HTTP %ld from %.100s (no Status message)", status,
                         server);
    char line[sizeof err->msg];
    snprintf(line, sizeof line, "%s", msg);
    for (char *p = line; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            *p = ' ';
    return daas_fail(err, DAAS_EREMOTE, "%s", line);
}

/* Sends the request with the kubeconfig's server and credentials; *answer: the 2xx body. */
static int send(const daas_pki_kubeconfig *kc, const json_t *body, json_t **answer, daas_err *err)
{
    daas_agent_kc_opts o = {.server = kc->server,
                            .timeout_ms = TIMEOUT_MS,
                            .ca_pem = kc->ca_pem,
                            .cert_pem = kc->cert_pem,
                            .key_pem = kc->key_pem,
                            .token = kc->token};
    daas_agent_kc *c = NULL;
    long status = 0;
    json_t *j = NULL;
    int rc = daas_agent_kc_new(&o, &c, err);
    if (rc == DAAS_OK)
        rc = daas_agent_kc_request(c, "POST", DAAS_REBALANCE_PATH, body, "application/json",
                                   &status, &j, err);
    if (rc == DAAS_OK && (status < 200 || status > 299))
        rc = status_error(status, j, kc->server, err);
    else if (rc == DAAS_OK && !json_is_object(j))
        rc = daas_fail(err, DAAS_EREMOTE, "the server's answer is not a JSON object");
    if (rc == DAAS_OK)
        *answer = json_incref(j);
    json_decref(j);
    daas_agent_kc_free(&c);
    return rc;
}

/* Prints the answer: pretty JSON, or the text form. */
static int print(const daas_rebalance_args *a, const json_t *answer, daas_err *err)
{
    if (a->json) {
        char *text = json_dumps(answer, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text == NULL)
            return daas_fail(err, DAAS_EINTERNAL, "cannot render the answer");
        printf("%s\n", text);
        free(text); /* jansson's allocation */
        return DAAS_OK;
    }
    daas_buf out;
    daas_buf_init(&out, 0);
    int rc = daas_cmd__rebalance_format(answer, &out, err);
    if (rc == DAAS_OK)
        fputs(out.data, stdout);
    daas_buf_fini(&out);
    return rc;
}

static int run(const daas_rebalance_args *a, daas_err *err)
{
    json_t *plan = NULL, *body = NULL, *answer = NULL;
    daas_pki_kubeconfig kc = {0};
    int rc = a->plan_file != NULL ? read_plan(a->plan_file, &plan, err) : DAAS_OK;
    if (rc == DAAS_OK)
        rc = daas_pki_kubeconfig_load(a->kubeconfig, a->context, &kc, err);
    if (rc == DAAS_OK) {
        body = daas_cmd__rebalance_body(a, plan);
        rc = send(&kc, body, &answer, err);
    }
    if (rc == DAAS_OK)
        rc = print(a, answer, err);
    json_decref(answer);
    json_decref(body);
    json_decref(plan);
    daas_pki_kubeconfig_fini(&kc);
    return rc;
}

/*
 * daas rebalance (--dry-run | --apply) [--plan FILE] [--threshold PCT] [--max-evictions N]
 *                [--fairness PCT] [-o json] [--kubeconfig FILE] [--context NAME]
 * Exit 0 with the result on stdout, 1 after one line on stderr (failure), 2 (usage).
 */
int daas_cmd_rebalance(int argc, char **argv)
{
    daas_rebalance_args a;
    daas_err err = {0};
    int prc = daas_cmd__rebalance_parse(argc, argv, &a, &err);
    if (prc == 1) {
        printf("usage: daas rebalance %s\n", DAAS_REBALANCE_USAGE);
        return 0;
    }
    if (prc != 0) {
        fprintf(stderr, "daas rebalance: %s (see daas rebalance --help)\n", err.msg);
        return 2;
    }
    return daas_cmd_exit("rebalance", run(&a, &err), &err);
}
