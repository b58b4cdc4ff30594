#include "cs_stage.h"

#include <stdbool.h>
#include <stdint.h>

#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_util.h"

int cs_stage_permanent(const char *component, const char *reason, const char *health, double hold_s)
{
    cs_error("*** Stopping: %s. This needs a fix, not a retry: exiting with status %d. ***", reason,
             CS_EXIT_PERMANENT);
    cs_metrics_health_reason(component, false,
                             health && *health ? health : "a permanent error: see the log");
    if (hold_s > 0 && !cs_stop_requested())
        cs_sleep_ms((int64_t)(hold_s * 1000));
    return CS_EXIT_PERMANENT;
}
