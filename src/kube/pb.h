/*
 * pb.h: decoding Kubernetes protobuf request bodies (what `kubectl create <generator>` sends).
 *
 * Owns:   the "k8s\0" + runtime.Unknown envelope, a table-driven protobuf decoder, and the
 *         message descriptors of the kinds it knows, turning bytes into the same JSON a client
 *         would have sent.
 * Invariants:
 *   - every length and varint is bounds-checked; nesting depth is bounded; no input can
 *     crash it or make it allocate more than a small multiple of its size;
 *   - empty strings, zero numbers and empty messages of non-pointer fields are left out of
 *     the JSON (Go's marshaller always emits them); pointer fields keep explicit zeros.
 * Spec:   specs/kube-api.md §7.
 */
#ifndef DAAS_KUBE_PB_H
#define DAAS_KUBE_PB_H

#include <jansson.h>

#include "common/alloc.h"
#include "common/err.h"

/* Decodes a body of Content-Type application/vnd.kubernetes.protobuf into a new JSON object
 * with apiVersion and kind set from the envelope's TypeMeta. Errors: DAAS_EINVAL (malformed:
 * bad magic, truncated, wrong wire type), DAAS_EMEDIA (a kind with no descriptor: the API
 * answers 415). */
DAAS_MUST_USE int daas_kube_pb_decode(daas_bytes body, json_t **out, daas_err *err);

#endif
