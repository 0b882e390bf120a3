/*
 * addr.h: the addresses the enclave and its parent-side relay speak on: `vsock:CID:PORT`,
 * `unix:PATH`, `tcp:HOST:PORT`, turned into a listening or a connected socket by one path.
 *
 * Owns:   parsing and formatting of those three forms; socket creation, bind/listen and
 *         connect for them.
 * Not:    what is spoken over the socket (HTTP: api/http.h; relaying: cmd/vsock_proxy.c).
 * Invariants:
 *   - parse accepts only complete, in-range addresses (ports 0..65535 for tcp, any u32 for
 *     vsock; a Unix path fits sun_path) and never touches the network;
 *   - every descriptor returned is close-on-exec and blocking; the caller owns it;
 *   - a Unix listener replaces a stale socket file (nobody accepting) but never a live one
 *     nor a file that is not a socket.
 * Spec:   specs/nautilus.md §6.1 (AF_VSOCK addressing, CID_ANY, parent CID 3).
 */
#ifndef DAAS_ENCLAVE_ADDR_H
#define DAAS_ENCLAVE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum { DAAS_ENCLAVE_ADDR_VSOCK = 1, DAAS_ENCLAVE_ADDR_UNIX, DAAS_ENCLAVE_ADDR_TCP };

#define DAAS_ENCLAVE_VSOCK_CID_ANY 0xFFFFFFFFu /* VMADDR_CID_ANY: "vsock:any:PORT" */
#define DAAS_ENCLAVE_ADDR_TEXT_MAX 300         /* longest formatted address, with its NUL */

typedef struct daas_enclave_addr {
    int kind;       /* DAAS_ENCLAVE_ADDR_* */
    uint32_t cid;   /* vsock: context id (DAAS_ENCLAVE_VSOCK_CID_ANY to listen on all) */
    uint32_t port;  /* vsock: any u32; tcp: 0..65535 (0 = pick a free one when listening) */
    char host[256]; /* tcp: name or IP literal, without IPv6 brackets */
    char path[108]; /* unix: filesystem path (sun_path, NUL-terminated) */
} daas_enclave_addr;

/* Parses "vsock:CID:PORT" (CID decimal or "any"), "unix:PATH", "tcp:HOST:PORT" (IPv6 as
 * "tcp:[::1]:PORT") into *out. Errors: DAAS_EINVAL with the reason. Pure. */
DAAS_MUST_USE int daas_enclave_addr_parse(const char *s, daas_enclave_addr *out, daas_err *err);

/* Writes the canonical text of a (the form parse accepts) into buf (n >= 1). */
void daas_enclave_addr_format(const daas_enclave_addr *a, char *buf, size_t n);

/* True when a and b name the same destination: same kind, port, CID or path, and host
 * equal ignoring case (names are compared as written, not resolved). */
bool daas_enclave_addr_equal(const daas_enclave_addr *a, const daas_enclave_addr *b);

/* A new unbound stream socket of a's family (AF_VSOCK, AF_UNIX, or AF_INET/AF_INET6 for a
 * tcp IP literal; AF_INET for a tcp name). Errors: the errno mapped (DAAS_EUNAVAIL for
 * EAFNOSUPPORT/ENODEV: no vsock transport here), with the text. */
DAAS_MUST_USE int daas_enclave_addr_socket(const daas_enclave_addr *a, int *fd_out, daas_err *err);

/* A listening socket on a (backlog SOMAXCONN; SO_REUSEADDR for tcp). For tcp port 0 the
 * kernel picks the port: read it back with daas_enclave_addr_local_port. Errors:
 * DAAS_EINVAL (unresolvable host), DAAS_EEXIST (a Unix path already served or not a
 * socket), DAAS_EUNAVAIL (no vsock), other errno codes mapped. */
DAAS_MUST_USE int daas_enclave_addr_listen(const daas_enclave_addr *a, int *fd_out, daas_err *err);

/* A socket connected to a; tcp names are resolved and each address tried in turn.
 * timeout_ms > 0 bounds each connect attempt; 0 waits as long as the kernel does. The
 * socket returned has no timeouts set. Errors: DAAS_EUNAVAIL
 * (refused, unreachable, timed out, no vsock), DAAS_EINVAL (unresolvable host). */
DAAS_MUST_USE int daas_enclave_addr_connect(const daas_enclave_addr *a, int timeout_ms, int *fd_out,
                                            daas_err *err);

/* The local port of a bound IP socket (0 for other families or on error). */
int daas_enclave_addr_local_port(int fd);

#endif
