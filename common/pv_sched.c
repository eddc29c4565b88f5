/* The scheduling policy of a handler process; see pv_sched.h. */
#define _GNU_SOURCE		/* SCHED_BATCH, SCHED_IDLE, SCHED_RESET_ON_FORK */
#include "pv_sched.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

/* Returns the calling thread's policy without the reset-on-fork flag. */
static int
current_policy(void)
{
	int policy = sched_getscheduler(0);

	return policy < 0 ? policy : policy & ~SCHED_RESET_ON_FORK;
}

bool
pv_sched_moves_to_batch(const pv_config *cfg)
{
	return cfg->sched_batch && current_policy() == SCHED_OTHER;
}

pv_status
pv_sched_apply(const pv_config *cfg, pv_error *err)
{
	struct sched_param param;
	int flags;

	if (!pv_sched_moves_to_batch(cfg))
		return PV_OK;

	flags = sched_getscheduler(0) & SCHED_RESET_ON_FORK;
	memset(&param, 0, sizeof(param));
	if (sched_setscheduler(0, SCHED_BATCH | flags, &param) != 0)
		return pv_error_set(err, PV_ERR_INTERNAL, "sched_setscheduler "
		    "SCHED_BATCH failed: %s; keeping SCHED_OTHER",
		    strerror(errno));
	return PV_OK;
}

const char *
pv_sched_policy_name(void)
{
	switch (current_policy()) {
	case SCHED_OTHER:
		return "SCHED_OTHER";
	case SCHED_BATCH:
		return "SCHED_BATCH";
	case SCHED_IDLE:
		return "SCHED_IDLE";
	case SCHED_FIFO:
		return "SCHED_FIFO";
	case SCHED_RR:
		return "SCHED_RR";
#ifdef SCHED_DEADLINE
	case SCHED_DEADLINE:
		return "SCHED_DEADLINE";
#endif
	default:
		return "unknown";
	}
}
