/*
 * ptbcheck.c: the shape a fetch_key PTB must have before anything touches the chain.
 *
 * Owns:   daas_ks__ptb (the decoded PTB and the inner id of each command).
 * Invariants: a PTB that passes has 1..100 commands, at least one input, only MoveCalls to
 *         one package, functions named seal_approve*, only Input arguments, and a first
 *         argument that is a Pure input holding exactly one BCS vector<u8> (the inner id).
 * Spec:   specs/seal.md §6.4 (valid_ptb.rs).
 */
#include <string.h>

#include "keyserver/ks_int.h"
#include "sui/bcs.h"

/* The inner id: the pure bytes must be exactly uleb(len) || len bytes. */
static int inner_id(const daas_sui_input *in, daas_bytes *id)
{
    daas_sui_bcs_reader r;
    uint32_t n;

    daas_sui_bcs_reader_init(&r, DAAS_BYTES(in->pure, in->pure_len));
    if (daas_sui_bcs_get_uleb(&r, "id", &n, NULL) != DAAS_OK)
        return DAAS_EINVAL;
    if ((size_t)n != in->pure_len - r.pos)
        return DAAS_EINVAL;
    *id = DAAS_BYTES(in->pure + r.pos, n);
    return DAAS_OK;
}

static int check_command(const daas_sui_ptb *ptb, size_t i, const uint8_t pkg[32], daas_bytes *id,
                         daas_err *err)
{
    const daas_sui_command *c = &ptb->commands[i];
    const daas_sui_input *first;

    if (c->kind != DAAS_SUI_CMD_MOVE_CALL)
        return daas_fail(err, DAAS_EINVAL, "Only MoveCall commands are allowed (command %zu)", i);
    if (memcmp(c->package, pkg, DAAS_SUI_ADDRESS_LEN) != 0)
        return daas_fail(err, DAAS_EINVAL, "All commands must call the same package");
    if (strncmp(c->function, "seal_approve", 12) != 0)
        return daas_fail(err, DAAS_EINVAL,
                         "Invalid function name %s (command %zu): must start "
                         "with seal_approve",
                         c->function, i);
    for (size_t a = 0; a < c->n_args; a++)
        if (c->args[a].kind != DAAS_SUI_ARG_INPUT || c->args[a].index >= ptb->n_inputs)
            return daas_fail(err, DAAS_EINVAL,
                             "Only inputs are allowed as arguments "
                             "(command %zu, argument %zu)",
                             i, a);
    if (c->n_args == 0)
        return daas_fail(err, DAAS_EINVAL,
                         "Invalid first parameter for seal_approve "
                         "(command %zu has no arguments)",
                         i);
    first = &ptb->inputs[c->args[0].index];
    if (first->kind != DAAS_SUI_INPUT_PURE || inner_id(first, id) != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL,
                         "Invalid first parameter for seal_approve "
                         "(command %zu: want a pure vector<u8>)",
                         i);
    return DAAS_OK;
}

int daas_ks__ptb_check(daas_bytes bcs, daas_ks__ptb *out, daas_err *err)
{
    daas_buf kind;
    int rc;

    memset(out, 0, sizeof *out);
    /* SPEC: specs/seal.md §6.3: "ptb" is a ProgrammableTransaction without the
     * TransactionKind tag; put the tag (0x00 = ProgrammableTransaction) back to decode. */
    daas_buf_init(&kind, (size_t)DAAS_SUI_TX_MAX_BYTES + 1);
    rc = daas_buf_append(&kind, "\0", 1);
    if (rc == DAAS_OK)
        rc = daas_buf_append(&kind, bcs.ptr, bcs.len);
    if (rc == DAAS_OK)
        rc = daas_sui_tx_kind_decode(DAAS_BYTES(kind.data, kind.len), &out->ptb, NULL);
    daas_buf_fini(&kind);
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "Invalid BCS");
    if (out->ptb.n_inputs == 0 || out->ptb.n_commands == 0) {
        rc = daas_fail(err, DAAS_EINVAL, "Empty PTB input or command");
        goto out;
    }
    if (out->ptb.n_commands > DAAS_SEAL_MAX_COMMANDS) {
        rc = daas_fail(err, DAAS_EINVAL, "Too many commands in PTB (more than %u)",
                       DAAS_SEAL_MAX_COMMANDS);
        goto out;
    }
    memcpy(out->pkg, out->ptb.commands[0].package, DAAS_SUI_ADDRESS_LEN);
    out->ids = daas_xcalloc(out->ptb.n_commands, sizeof *out->ids);
    out->nids = out->ptb.n_commands;
    for (size_t i = 0; i < out->nids && rc == DAAS_OK; i++)
        rc = check_command(&out->ptb, i, out->pkg, &out->ids[i], err);
out:
    if (rc != DAAS_OK)
        daas_ks__ptb_fini(out);
    return rc;
}

void daas_ks__ptb_fini(daas_ks__ptb *p)
{
    daas_sui_ptb_fini(&p->ptb);
    daas_free(p->ids);
    memset(p, 0, sizeof *p);
}
