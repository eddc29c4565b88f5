/*
 * The scheduling policy of a handler process.  Under SCHED_BATCH a woken
 * thread does not preempt the running one, so under load the handler
 * switches threads less often.  Only SCHED_OTHER, the normal policy, is
 * changed, and PHOTOVOTE_SCHED_BATCH=false keeps it too.
 */
#ifndef PV_SCHED_H
#define PV_SCHED_H

#include <stdbool.h>

#include "pv_config.h"
#include "pv_status.h"

/*
 * Returns true when pv_sched_apply would move the calling thread to
 * SCHED_BATCH: cfg->sched_batch is set and the thread runs under
 * SCHED_OTHER.
 */
bool pv_sched_moves_to_batch(const pv_config *cfg);

/*
 * Moves the calling thread to SCHED_BATCH when pv_sched_moves_to_batch,
 * keeping its reset-on-fork flag.  Threads it creates later inherit the
 * policy, so a process calls this before it starts any.  On failure the
 * policy stays and err contains the reason.
 */
pv_status pv_sched_apply(const pv_config *cfg, pv_error *err);

/* Returns the static name of the calling thread's policy ("SCHED_BATCH"). */
const char *pv_sched_policy_name(void);

#endif
