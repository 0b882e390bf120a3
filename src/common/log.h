/*
 * log.h: one-line log records on stderr.
 *
 * Owns:   the process-wide log level (set once at startup, read-only afterwards).
 * Invariants: a record is one line, written with one call (threads do not interleave);
 *             never log keys, tokens or secret plaintext.
 */
#ifndef DAAS_COMMON_LOG_H
#define DAAS_COMMON_LOG_H

#include "common/err.h"

enum { DAAS_LOG_DEBUG = 0, DAAS_LOG_INFO = 1, DAAS_LOG_WARN = 2, DAAS_LOG_ERROR = 3 };

/* Set at startup before threads start. Default: DAAS_LOG_INFO. */
void daas_log_set_level(int level);
int daas_log_level(void);
void daas_log(int level, const char *module, const char *fmt, ...) DAAS_PRINTF(3, 4);

#define DAAS_DEBUG(mod, ...) daas_log(DAAS_LOG_DEBUG, mod, __VA_ARGS__)
#define DAAS_INFO(mod, ...) daas_log(DAAS_LOG_INFO, mod, __VA_ARGS__)
#define DAAS_WARN(mod, ...) daas_log(DAAS_LOG_WARN, mod, __VA_ARGS__)
#define DAAS_ERROR(mod, ...) daas_log(DAAS_LOG_ERROR, mod, __VA_ARGS__)

#endif
