/*
 * controllers.c: the list of controllers `daas server` runs (daas_ctrl_register_all) and the
 *                clock they share.
 *
 * Owns:   the registration order; nothing at run time.
 */
#include "common/util.h"
#include "ctrl/controllers.h"

int64_t daas_ctrl_now_s(const daas_ctrl_opts *o)
{
    int64_t ms = o && o->now_ms ? o->now_ms(o->now_arg) : daas_now_ms();
    return ms / 1000;
}
