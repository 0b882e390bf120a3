/*
 * proto_err.c: the Seal key server's error replies: names, HTTP statuses, message texts,
 * and their JSON form {"error": ..., "message": ...} in both directions.
 *
 * Owns:   the error table (const).
 * Invariants: names, statuses and texts are exactly the Rust key server's (errors.rs), so
 *         the TS SDK maps them to the same error classes.
 * Spec:   specs/seal.md §6.11.
 */
#include <stdio.h>
#include <string.h>

#include "seal/proto.h"
#include "seal/proto_int.h"

typedef struct errdef {
    const char *name; /* the "error" string */
    int http;         /* HTTP status */
    const char *text; /* the "message"; "%s" takes the detail */
    int daas;         /* what a client reports */
} errdef;

/* SPEC: specs/seal.md §6.11 (table order = daas_seal_errcode order). */
static const errdef errs[] = {
    [DAAS_SEAL_E_NONE] = {"None", 500, "", DAAS_EINTERNAL},
    [DAAS_SEAL_E_INVALID_PTB] = {"InvalidPTB", 403, "Invalid PTB: %s", DAAS_EDENIED},
    [DAAS_SEAL_E_INVALID_PACKAGE] = {"InvalidPackage", 403, "Invalid package ID", DAAS_EDENIED},
    [DAAS_SEAL_E_NO_ACCESS] = {"NoAccess", 403, "Access denied: %s", DAAS_EDENIED},
    [DAAS_SEAL_E_INVALID_CERTIFICATE] = {"InvalidCertificate", 403,
                                         "Invalid certificate time or ttl", DAAS_EDENIED},
    [DAAS_SEAL_E_INVALID_SIGNATURE] = {"InvalidSignature", 403, "Invalid user signature",
                                       DAAS_EDENIED},
    [DAAS_SEAL_E_INVALID_SESSION_SIGNATURE] = {"InvalidSessionSignature", 403,
                                               "Invalid session key signature", DAAS_EDENIED},
    [DAAS_SEAL_E_INVALID_PARAMETER] = {"InvalidParameter", 403, "Invalid parameter to PTB: %s",
                                       DAAS_EDENIED},
    [DAAS_SEAL_E_INVALID_MVR_NAME] = {"InvalidMVRName", 403, "Invalid MVR name", DAAS_EDENIED},
    [DAAS_SEAL_E_INVALID_SDK_TYPE] = {"InvalidSDKType", 400, "Invalid SDK type", DAAS_EINVAL},
    [DAAS_SEAL_E_INVALID_SDK_VERSION] = {"InvalidSDKVersion", 400, "Invalid SDK version",
                                         DAAS_EINVAL},
    [DAAS_SEAL_E_MISSING_REQUIRED_HEADER] = {"MissingRequiredHeader", 400,
                                             "Missing required header: Client-Sdk-Version",
                                             DAAS_EINVAL},
    [DAAS_SEAL_E_INVALID_SERVICE_ID] = {"InvalidServiceId", 400, "Invalid service ID", DAAS_EINVAL},
    [DAAS_SEAL_E_UNSUPPORTED_PACKAGE_ID] = {"UnsupportedPackageId", 400, "Unsupported package ID",
                                            DAAS_EINVAL},
    [DAAS_SEAL_E_DEPRECATED_SDK_VERSION] = {"DeprecatedSDKVersion", 426, "Deprecated SDK version",
                                            DAAS_EINVAL},
    [DAAS_SEAL_E_FAILURE] = {"Failure", 503, "Internal server error, please try again later",
                             DAAS_EUNAVAIL},
    [DAAS_SEAL_E_UNKNOWN] = {"Unknown", 500, "", DAAS_EREMOTE},
};

static const errdef *def(daas_seal_errcode e)
{
    if ((unsigned)e >= sizeof errs / sizeof errs[0])
        return &errs[DAAS_SEAL_E_UNKNOWN];
    return &errs[e];
}

const char *daas_seal_error_name(daas_seal_errcode e)
{
    return def(e)->name;
}

int daas_seal_error_http(daas_seal_errcode e)
{
    return def(e)->http;
}

int daas_seal_error_daas_code(daas_seal_errcode e)
{
    return def(e)->daas;
}

int daas_seal_error_render(daas_seal_errcode e, const char *detail, daas_buf *out, daas_err *err)
{
    const errdef *d = def(e);
    daas_buf msg;
    json_t *root, *text;
    int rc;

    daas_buf_init(&msg, 0);
    if (strstr(d->text, "%s") != NULL) {
        /* The one format argument is the detail; the texts are constants of this file. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        rc = daas_buf_printf(&msg, d->text, detail != NULL ? detail : "");
#pragma GCC diagnostic pop
    } else {
        rc = daas_buf_puts(&msg, d->text);
    }
    if (rc != DAAS_OK) {
        daas_buf_fini(&msg);
        return daas_fail(err, rc, "error message exceeds the buffer cap");
    }
    root = json_object();
    json_object_set_new(root, "error", json_string(d->name));
    text = json_stringn(msg.data ? msg.data : "", msg.len);
    if (text == NULL) /* a detail that is not UTF-8: keep the fixed part of the text */
        text = json_string(daas_seal_error_name(e));
    json_object_set_new(root, "message", text);
    daas_buf_fini(&msg);
    return daas_seal__dump(root, out, err);
}

int daas_seal_error_parse(daas_bytes json, daas_seal_errcode *code, char *msg, size_t msgsz,
                          daas_err *err)
{
    json_t *root, *name, *text;
    int rc;

    *code = DAAS_SEAL_E_UNKNOWN;
    if (msgsz > 0)
        msg[0] = '\0';
    root = daas_seal__load(json, DAAS_SEAL_MAX_BODY, "error reply", &rc, err);
    if (root == NULL)
        return rc;
    rc = daas_seal__field(root, "", "error", JSON_STRING, false, &name, err);
    if (rc == DAAS_OK)
        rc = daas_seal__field(root, "", "message", JSON_STRING, false, &text, err);
    if (rc == DAAS_OK) {
        for (size_t i = DAAS_SEAL_E_INVALID_PTB; i < DAAS_SEAL_E_UNKNOWN; i++)
            if (strcmp(errs[i].name, json_string_value(name)) == 0)
                *code = (daas_seal_errcode)i;
        if (msgsz > 0)
            snprintf(msg, msgsz, "%s", json_string_value(text));
    }
    json_decref(root);
    return rc;
}
