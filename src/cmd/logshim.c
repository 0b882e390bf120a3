/*
 * logshim.c: `daas logshim` (hidden): a container's log shim when the runtime execs it
 * (daas_rt_set_logshim): fd 3 is the container's stdout pipe, fd 4 its stderr pipe, fd 5
 * its log file (O_APPEND); writes CRI log records until both pipes close.
 *
 * Owns:   nothing but those descriptors.
 * Invariants: prints nothing (its stdio is /dev/null); exit 0 when both pipes closed, 1 on
 *             a read error, 2 when started without its descriptors.
 * Spec:   crilog.h.
 */
#include <fcntl.h>
#include <sys/prctl.h>

#include "agent/crilog.h"
#include "cmd/cmd.h"

int daas_cmd_logshim(int argc, char **argv)
{
    (void)argv;
    if (argc != 1 || fcntl(3, F_GETFD) < 0 || fcntl(4, F_GETFD) < 0 || fcntl(5, F_GETFD) < 0) {
        return 2;
    }
    prctl(PR_SET_NAME, "daas-logshim", 0, 0, 0); /* for ps */
    return daas_crilog_shim(3, 4, 5) == 0 ? 0 : 1;
}
