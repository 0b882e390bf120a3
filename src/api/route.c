/*
 * route.c: resource URLs → (kind, namespace, name, subresource), and store keys.
 *
 * Owns:   the URL shapes of specs/kube-api.md §1 and the key layout of §9.1.
 * Invariants: a route's strings point into r->pathbuf; names never contain '/' (so a key
 *             cannot escape its prefix); unknown shapes are DAAS_ENOTFOUND.
 */
#include <string.h>

#include "api/api_int.h"

#define MAX_SEGS 8

/* Splits a copy of path on '/', skipping the leading one. Empty segments are an error. */
static int split(char *p, char **segs, int max)
{
    int n = 0;
    if (*p != '/')
        return -1;
    p++;
    while (*p) {
        if (n == max)
            return -1;
        segs[n++] = p;
        char *slash = strchr(p, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        p = slash + 1;
        if (*p == '\0')
            break; /* a trailing slash is tolerated */
    }
    for (int i = 0; i < n; i++)
        if (segs[i][0] == '\0')
            return -1;
    return n;
}

int daas_api__kind_index(const daas_kube_kind *k)
{
    int n;
    const daas_kube_kind *const *all = daas_kube_kinds(&n);
    for (int i = 0; i < n && i < DAAS_API_MAX_KINDS; i++)
        if (all[i] == k)
            return i;
    return -1;
}

/* rest: segments after the group-version: [namespaces/{ns}/]{resource}[/{name}[/{sub}]] */
static int route_rest(daas_api__req *r, const char *group, const char *version, char **s, int n)
{
    daas_api_route *rt = &r->route;
    const daas_kube_kind *k;

    if (n >= 3 && strcmp(s[0], "namespaces") == 0) {
        k = daas_kube_kind_by_resource(group, version, s[2]);
        if (k != NULL && k->namespaced) {
            /* /namespaces/{ns}/{resource}[/{name}[/{sub}]] */
            if (n > 5)
                return DAAS_ENOTFOUND;
            rt->kind = k;
            rt->ns = s[1];
            rt->name = n > 3 ? s[3] : NULL;
            rt->sub = n > 4 ? s[4] : NULL;
            goto found;
        }
        /* /namespaces/{name}/{sub}: the namespace's own subresource (status, finalize) */
    }
    if (n < 1 || n > 3)
        return DAAS_ENOTFOUND;
    k = daas_kube_kind_by_resource(group, version, s[0]);
    if (k == NULL)
        return DAAS_ENOTFOUND;
    if (k->namespaced && n > 1)
        return DAAS_ENOTFOUND; /* a namespaced object needs /namespaces/{ns}/ */
    rt->kind = k;
    rt->name = n > 1 ? s[1] : NULL;
    rt->sub = n > 2 ? s[2] : NULL;
found:
    rt->kind_index = daas_api__kind_index(rt->kind);
    return DAAS_OK;
}

int daas_api__route(daas_api__req *r, const char *path)
{
    char *segs[MAX_SEGS];
    r->pathbuf = daas_xstrdup(path);
    int n = split(r->pathbuf, segs, MAX_SEGS);
    if (n < 3)
        return DAAS_ENOTFOUND;
    if (strcmp(segs[0], "api") == 0 && strcmp(segs[1], "v1") == 0)
        return route_rest(r, "", "v1", segs + 2, n - 2);
    if (strcmp(segs[0], "apis") == 0 && n >= 4)
        return route_rest(r, segs[1], segs[2], segs + 3, n - 3);
    return DAAS_ENOTFOUND;
}

char *daas_api__key(const daas_kube_kind *k, const char *ns, const char *name)
{
    if (k->namespaced)
        return daas_xasprintf("/registry/%s/%s/%s", k->storage, ns, name);
    return daas_xasprintf("/registry/%s/%s", k->storage, name);
}

char *daas_api__prefix(const daas_kube_kind *k, const char *ns)
{
    if (k->namespaced && ns)
        return daas_xasprintf("/registry/%s/%s/", k->storage, ns);
    return daas_xasprintf("/registry/%s/", k->storage);
}
