/*
 * Scenario: the handler processes of the load's route are killed with
 * SIGKILL while a request is in flight, three times; lighttpd starts new
 * ones.  A killed request may have reached the broker before its
 * handler died, so its retry must be de-duplicated.  lighttpd responds
 * to the killed requests itself, with a status other than 503, so only the
 * 503s (from lighttpd while it restarts the handlers, written by the
 * handler of "/") are checked for their form.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "faults.h"

#define KILLS 3

/* Kills every child of parent named comm; returns how many. */
static int
kill_children(pid_t parent, const char *comm)
{
	char path[64], stat[256], name[32];
	struct dirent *entry;
	int killed = 0, ppid;
	long pid;
	DIR *proc;
	FILE *f;

	proc = opendir("/proc");
	cr_assert_not_null(proc);
	while ((entry = readdir(proc)) != NULL) {
		pid = strtol(entry->d_name, NULL, 10);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		/* "pid (comm) state ppid ..."; comm holds no spaces here. */
		if (fgets(stat, sizeof(stat), f) != NULL &&
		    sscanf(stat, "%*d (%31[^)]) %*c %d", name, &ppid) == 2 &&
		    ppid == parent && strcmp(name, comm) == 0 &&
		    kill((pid_t)pid, SIGKILL) == 0)
			killed++;
		fclose(f);
	}
	closedir(proc);
	return killed;
}

Test(faults, handler_killed, .timeout = 120)
{
	pvt_broker broker;
	pvt_stack web;
	pvt_load *load;
	int i;

	load = fault_start_solo(&broker, &web, NULL);

	/*
	 * NOTE: a request counted in flight may still be in the client or in
	 * lighttpd, so a kill is likely but not certain to interrupt one; the
	 * "other" column of the table counts the requests it did interrupt.
	 */
	for (i = 0; i < KILLS; i++) {
		cr_assert(pvt_load_wait_in_flight(load,
		    FAULT_RECOVERY_TIMEOUT_MS), "no request in flight");
		cr_assert_gt(kill_children(web.lighttpd_pid, "ballot.fcgi"), 0,
		    "no ballot.fcgi process to kill");
		fault_wait_recovered(load);
	}

	fault_check(load, "handler killed", broker.url, "election", 0, false);

	fault_stop_solo(load, &web, &broker);
}
