/*
 * kind_discovery.c: discovery.k8s.io/v1 EndpointSlices (written by the endpoints
 *                   controller, read by kubectl get/describe).
 *
 * Owns:   the EndpointSlice Table row, its defaults and its validation.
 * Not:    what a slice should hold (src/ctrl/endpoints.h); traffic (there is no data plane).
 * Invariants: hooks are pure.
 * Spec:   upstream 1.32 printers.go printEndpointSlice (formatDiscoveryPorts,
 *         formatDiscoveryEndpoints, listWithMoreString), pkg/apis/discovery/v1 defaults
 *         (SetDefaults_EndpointPort), pkg/apis/discovery/validation ValidateEndpointSlice
 *         (addressType, endpoints, addresses, ports, their limits).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "kube/kind_int.h"
#include "kube/obj.h"

#define MAX_ENDPOINTS 1000
#define MAX_ADDRESSES 100
#define MAX_PORTS 100
#define SHOWN 3 /* cells list at most 3 values, then " + N more..." */

static const char *const address_types[] = {"IPv4", "IPv6", "FQDN", NULL};

/* listWithMoreString over the first SHOWN values gathered in b. */
static json_t *more_cell(daas_buf *b, int count)
{
    int rc = DAAS_OK;
    if (count > SHOWN)
        rc = daas_buf_printf(b, " + %d more...", count - SHOWN);
    json_t *cell = json_string(rc == DAAS_OK && b->data ? b->data : "<unset>");
    daas_buf_fini(b);
    return cell;
}

static json_t *ports_cell(const json_t *ports)
{
    daas_buf b;
    int count = 0, rc = DAAS_OK;
    size_t i;
    json_t *p;
    daas_buf_init(&b, 0);
    json_array_foreach(ports, i, p)
    {
        json_t *num = json_object_get(p, "port");
        const char *name = json_string_value(json_object_get(p, "name"));
        if (count < SHOWN && rc == DAAS_OK) {
            if (json_is_integer(num))
                rc = daas_buf_printf(&b, "%s%lld", count ? "," : "",
                                     (long long)json_integer_value(num));
            else
                rc = daas_buf_printf(&b, "%s%s", count ? "," : "", name ? name : "*");
        }
        count++;
    }
    return more_cell(&b, count);
}

static json_t *endpoints_cell(const json_t *eps)
{
    daas_buf b;
    int count = 0, rc = DAAS_OK;
    size_t i, j;
    json_t *ep, *a;
    daas_buf_init(&b, 0);
    json_array_foreach(eps, i, ep)
    {
        json_array_foreach(json_object_get(ep, "addresses"), j, a)
        {
            const char *s = json_string_value(a);
            if (count < SHOWN && rc == DAAS_OK)
                rc = daas_buf_printf(&b, "%s%s", count ? "," : "", s ? s : "");
            count++;
        }
    }
    return more_cell(&b, count);
}

json_t *daas_kube__eps_row(const json_t *obj, int64_t now)
{
    const char *name = daas_kube_str(obj, "metadata.name");
    const char *at = daas_kube_str(obj, "addressType");
    return json_pack("[s, s, o, o, o]", name ? name : "", at ? at : "",
                     ports_cell(json_object_get(obj, "ports")),
                     endpoints_cell(json_object_get(obj, "endpoints")),
                     daas_kube_cell_age(obj, now));
}

/* SetDefaults_EndpointPort: a port's name defaults to "", its protocol to TCP. */
void daas_kube__eps_defaults(json_t *obj, const json_t *old)
{
    (void)old;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(obj, "ports"), i, p)
    {
        if (!json_is_object(p))
            continue;
        if (!json_is_string(json_object_get(p, "name")))
            json_object_set_new(p, "name", json_string(""));
        daas_kube__setdef(p, "protocol", json_string("TCP"));
    }
}

/* field.TooMany: `Too many: <n>: must have at most <max> items`. */
static void too_many(daas_kube_verr *v, const char *field, size_t n, int max)
{
    daas_kube_verr_add(v, "FieldValueTooMany", field, "Too many: %zu: must have at most %d items",
                       n, max);
}

/* One address of the slice's type (FQDN: a DNS subdomain). */
static void check_address(daas_kube_verr *v, const char *field, const char *type, const json_t *a)
{
    const char *s = json_string_value(a);
    unsigned char ip[16];
    if (s == NULL || type == NULL)
        return;
    if (strcmp(type, "IPv4") == 0 && inet_pton(AF_INET, s, ip) != 1)
        daas_kube__inv_str(v, field, s, "must be a valid IPv4 address");
    else if (strcmp(type, "IPv6") == 0 && inet_pton(AF_INET6, s, ip) != 1)
        daas_kube__inv_str(v, field, s, "must be a valid IPv6 address");
    else if (strcmp(type, "FQDN") == 0)
        daas_kube__check_dns_subdomain(v, field, s);
}

static void check_endpoint(daas_kube_verr *v, size_t i, const char *type, const json_t *ep)
{
    char f[DAAS_KUBE__PATH_MAX];
    const json_t *addrs = json_object_get(ep, "addresses");
    snprintf(f, sizeof f, "endpoints[%zu].addresses", i);
    if (json_array_size(addrs) == 0)
        daas_kube__req(v, f, "must contain at least 1 address");
    else if (json_array_size(addrs) > MAX_ADDRESSES)
        too_many(v, f, json_array_size(addrs), MAX_ADDRESSES);
    size_t j;
    json_t *a;
    json_array_foreach(addrs, j, a)
    {
        snprintf(f, sizeof f, "endpoints[%zu].addresses[%zu]", i, j);
        check_address(v, f, type, a);
    }
    const char *h = daas_kube_str(ep, "hostname");
    if (h != NULL) {
        snprintf(f, sizeof f, "endpoints[%zu].hostname", i);
        daas_kube__check_dns_label(v, f, h);
    }
}

static void check_ports(daas_kube_verr *v, const json_t *ports)
{
    char f[DAAS_KUBE__PATH_MAX];
    if (json_array_size(ports) > MAX_PORTS)
        too_many(v, "ports", json_array_size(ports), MAX_PORTS);
    json_t *seen = json_object();
    size_t i;
    json_t *p;
    json_array_foreach(ports, i, p)
    {
        const char *name = daas_kube_str(p, "name");
        snprintf(f, sizeof f, "ports[%zu].name", i);
        daas_kube__check_unique(v, f, name ? name : "", seen);
        if (name != NULL && *name != '\0')
            daas_kube__check_dns_label(v, f, name);
        json_t *num = json_object_get(p, "port");
        snprintf(f, sizeof f, "ports[%zu].port", i);
        if (json_is_integer(num) && json_integer_value(num) != 0)
            daas_kube__check_port(v, f, json_integer_value(num));
        snprintf(f, sizeof f, "ports[%zu].protocol", i);
        daas_kube__check_enum(v, p, "protocol", f, daas_kube__protocols);
    }
    json_decref(seen);
}

void daas_kube__eps_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    const char *type = daas_kube_str(obj, "addressType");
    daas_kube__check_enum(v, obj, "addressType", "addressType", address_types);
    if (old != NULL && type != NULL && daas_kube_str(old, "addressType") != NULL &&
        strcmp(type, daas_kube_str(old, "addressType")) != 0)
        daas_kube__inv_str(v, "addressType", type, "field is immutable");
    const json_t *eps = json_object_get(obj, "endpoints");
    if (json_array_size(eps) > MAX_ENDPOINTS)
        too_many(v, "endpoints", json_array_size(eps), MAX_ENDPOINTS);
    size_t i;
    json_t *ep;
    json_array_foreach(eps, i, ep) check_endpoint(v, i, type, ep);
    check_ports(v, json_object_get(obj, "ports"));
}
