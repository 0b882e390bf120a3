/*
 * ipalloc.h: the ClusterIP allocator of Services (one IPv4 range, a bitmap).
 *
 * Owns:   the service range (an IPv4 CIDR), the bitmap of allocated addresses, the strict
 *         dotted-quad and CIDR parsers used for them.
 * Not:    storing Services or the snapshot (api/), locking (the caller serialises calls on
 *         one allocator), IPv6 and dual stack.
 * Model:  pkg/registry/core/service/ipallocator (bitmap.go) and .../allocator (bitmap.go):
 *         the network address and (IPv4) the broadcast address are never allocatable; bit i
 *         of the bitmap is the address network + 1 + i, so a range of 2^k addresses has
 *         2^k - 2 bits. Dynamic allocation (allocate_next) starts at a random bit of the
 *         upper block [offset, max) and scans upward with wrap-around, then tries the lower
 *         block [0, offset) the same way; offset = min(max(16, size/16), 256) (0 when the
 *         range has at most 16 addresses), the ServiceIPStaticSubrange rule, so the first
 *         addresses (the "kubernetes" Service's network + 1 among them) stay free for
 *         static requests. The "kubernetes" Service is not special here: whoever creates it
 *         allocates daas_ctrl_ipalloc_first() with daas_ctrl_ipalloc_allocate().
 * Invariants:
 *   - used == number of set bits; an address is handed out at most once until released;
 *   - every address returned lies in [network + 1, broadcast - 1];
 *   - parsers accept only canonical input (4 decimal octets of 1-3 digits, no leading zero,
 *     <= 255; prefix 0-32 without leading zero) and never read past the string's NUL.
 * Spec:   issue 7 "Services: ClusterIP allocation from a configurable range (no duplicates,
 *         released on delete)"; snapshot format = api.RangeAllocation.data (big-endian bytes
 *         of the big integer whose bit i is bitmap bit i, leading zero bytes dropped).
 */
#ifndef DAAS_CTRL_IPALLOC_H
#define DAAS_CTRL_IPALLOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

/* Smallest and largest prefix length of a service range: upstream kube-apiserver refuses
 * ranges larger than /12 ("the mask must be >= 12"); /31 and /32 have no usable address. */
#define DAAS_CTRL_IPALLOC_MIN_PREFIX 12
#define DAAS_CTRL_IPALLOC_MAX_PREFIX 30
/* Room for "255.255.255.255" and its NUL. */
#define DAAS_CTRL_IP_STRLEN 16

typedef struct daas_ctrl_ipalloc daas_ctrl_ipalloc;

/* Strict dotted quad "a.b.c.d" to a host-order address. False on anything else (no
 * leading zeros, no spaces, no trailing bytes). s may be NULL (false). */
bool daas_ctrl_ipv4_parse(const char *s, uint32_t *out);
/* Writes the dotted quad of ip (host order) into buf (>= DAAS_CTRL_IP_STRLEN bytes). */
void daas_ctrl_ipv4_format(uint32_t ip, char *buf);

/* Parses "a.b.c.d/n" (n 0-32). *net is the address with its host bits cleared (as Go's
 * net.ParseCIDR returns the network), *prefix is n. Errors: DAAS_EINVAL "invalid CIDR
 * address: <s>". Never allocates. */
DAAS_MUST_USE int daas_ctrl_cidr_parse(const char *s, uint32_t *net, int *prefix, daas_err *err);

/* A new empty allocator over cidr (NULL: "10.43.0.0/16"). Errors: DAAS_EINVAL (bad CIDR,
 * or prefix outside DAAS_CTRL_IPALLOC_MIN_PREFIX..MAX_PREFIX). *out set only on success. */
DAAS_MUST_USE int daas_ctrl_ipalloc_new(const char *cidr, daas_ctrl_ipalloc **out, daas_err *err);
/* Frees *a and sets it to NULL; accepts NULL and *a == NULL. */
void daas_ctrl_ipalloc_free(daas_ctrl_ipalloc **a);

/* The canonical range ("10.43.0.0/16"); lives as long as a. */
const char *daas_ctrl_ipalloc_range(const daas_ctrl_ipalloc *a);
/* The first usable address (network + 1), the "kubernetes" Service's ClusterIP. */
void daas_ctrl_ipalloc_first(const daas_ctrl_ipalloc *a, char *buf);
/* Number of allocatable addresses (size - 2), of allocated ones, and of free ones. */
size_t daas_ctrl_ipalloc_size(const daas_ctrl_ipalloc *a);
size_t daas_ctrl_ipalloc_used(const daas_ctrl_ipalloc *a);
size_t daas_ctrl_ipalloc_free_count(const daas_ctrl_ipalloc *a);

/* Reserves the requested address ip (spec.clusterIP of a create). Errors, all
 * DAAS_EINVALID with upstream's text after "failed to allocate IP <ip>: ":
 *   "provided IP is already allocated", "provided IP <ip> is not in the valid range"
 * (also for the network and broadcast addresses); a string that is not a dotted quad gets
 * "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)". The API turns the message
 * into the 422 field error on spec.clusterIPs (see the module report / alloc.go). */
DAAS_MUST_USE int daas_ctrl_ipalloc_allocate(daas_ctrl_ipalloc *a, const char *ip, daas_err *err);
/* Reserves a free address chosen from the OS CSPRNG's random start (see Model) and writes
 * it to buf (>= DAAS_CTRL_IP_STRLEN). Errors: DAAS_EINTERNAL "failed to allocate a
 * serviceIP: range is full" (upstream answers 500 InternalError with that text). */
DAAS_MUST_USE int daas_ctrl_ipalloc_allocate_next(daas_ctrl_ipalloc *a, char *buf, daas_err *err);
/* The same with the random start given (seed % block size): deterministic, for tests and
 * for callers that want a reproducible order. */
DAAS_MUST_USE int daas_ctrl_ipalloc_allocate_next_seeded(daas_ctrl_ipalloc *a, uint32_t seed,
                                                         char *buf, daas_err *err);
/* Releases ip (Service deleted, or a create that failed after allocating). Releasing an
 * address that is free, outside the range or not a dotted quad is a no-op (false);
 * true when a bit was cleared. */
bool daas_ctrl_ipalloc_release(daas_ctrl_ipalloc *a, const char *ip);
/* True when ip is allocated (so allocate(ip) would fail with "already allocated"). */
bool daas_ctrl_ipalloc_has(const daas_ctrl_ipalloc *a, const char *ip);

/* Marks the ClusterIPs of existing Services (a JSON array of Service objects, e.g. a
 * list's items; NULL is empty) as allocated, as upstream's repair loop does at start:
 * spec.clusterIPs (or spec.clusterIP when clusterIPs is absent); "", "None" and
 * ExternalName Services are skipped; addresses outside the range are skipped. *dups
 * (may be NULL) receives the number of addresses held by more than one Service (upstream
 * emits a ClusterIPAlreadyAllocated event for each; the first holder keeps it). Never
 * fails. */
void daas_ctrl_ipalloc_restore_services(daas_ctrl_ipalloc *a, const json_t *services, size_t *dups);

/* Appends the bitmap in api.RangeAllocation "data" form to out (may append nothing when no
 * address is used). Errors: DAAS_ETOOBIG (out's cap). */
DAAS_MUST_USE int daas_ctrl_ipalloc_snapshot(const daas_ctrl_ipalloc *a, daas_buf *out,
                                             daas_err *err);
/* Replaces the bitmap by a snapshot taken over range (canonical or not). Errors:
 * DAAS_ECONFLICT "the provided network does not match the current range";
 * DAAS_EINVAL when data sets a bit past the range's size. a is unchanged on error. */
DAAS_MUST_USE int daas_ctrl_ipalloc_restore(daas_ctrl_ipalloc *a, const char *range,
                                            daas_bytes data, daas_err *err);

#endif
