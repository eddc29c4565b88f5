/*
 * Scenario: three clustered brokers hold the stream with three
 * replicas.  The node leading the stream is killed with SIGKILL under
 * load; ingestion goes on through the two others, and the node is then
 * restarted on its port and store directory and catches up.  While the
 * stream elects a leader, a handler binds it and loses it again, and
 * still logs the stream's settings only once per process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "faults.h"
#include "../harness/pvt_auth.h"

/* Time a new cluster gets to elect its JetStream meta leader, in ms. */
#define CLUSTER_START_TIMEOUT_MS 30000

/* Time during which the load starts new events, in ms. */
#define CLUSTER_LOAD_MS 30000

/* Maximum number of ballot.fcgi processes checked in the log. */
#define PROCESSES_MAX 16

/* Expects at most one line per ballot.fcgi process in log with needle. */
static void
expect_once_per_process(const char *log, const char *needle)
{
	long pids[PROCESSES_MAX], pid;
	int counts[PROCESSES_MAX] = { 0 }, processes = 0, i;
	const char *line, *end;
	char text[512];
	size_t len;

	for (line = log; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		len = (size_t)(end - line);
		if (len >= sizeof(text))
			len = sizeof(text) - 1;
		memcpy(text, line, len);
		text[len] = '\0';

		if (strstr(text, needle) == NULL ||
		    sscanf(text, "%*s photovote-ballot[%ld]", &pid) != 1)
			continue;
		for (i = 0; i < processes && pids[i] != pid; i++)
			;
		if (i == processes) {
			cr_assert_lt(processes, PROCESSES_MAX);
			pids[processes++] = pid;
		}
		counts[i]++;
	}
	for (i = 0; i < processes; i++)
		cr_expect_leq(counts[i], 1, "process %ld logged \"%s\" %d "
		    "times:\n%s", pids[i], needle, counts[i], log);
}

Test(cluster, node_killed, .timeout = 180)
{
	pvt_cluster cluster;
	pvt_broker *victim;
	pvt_stack web;
	pvt_load *load;
	char path[PVT_PATH_MAX + 32], *log;
	int leader;

	cr_assert(pvt_cluster_start(&cluster, CLUSTER_START_TIMEOUT_MS));
	fault_start_web(&web, cluster.urls, "PHOTOVOTE_REPLICAS=3");
	/*
	 * The stream's first leader election took up to 7 s, and the one
	 * after the kill about 8 s, so the load's usual 12 s of new events
	 * could end before the last wait.
	 */
	load = fault_start_load_for(&web, CLUSTER_LOAD_MS);
	fault_wait_recovered(load);

	leader = pvt_cluster_stream_leader(&cluster, "election");
	cr_assert_geq(leader, 0, "stream election has no leader");
	victim = &cluster.nodes[leader];
	cr_assert(pvt_broker_kill(victim));
	fault_wait_recovered(load);

	cr_assert(pvt_broker_start(victim));
	cr_assert(pvt_broker_wait_ready(victim, FAULT_START_TIMEOUT_MS));
	fault_wait_recovered(load);

	fault_check(load, "cluster node killed", victim->url, "election", 0,
	    true);

	snprintf(path, sizeof(path), "%s/log/handlers.log", web.web_dir);
	log = pvt_auth_read_file(path);
	cr_assert_not_null(log, "cannot read %s", path);
	expect_once_per_process(log, "bound to stream election (");
	expect_once_per_process(log, "created stream election (");
	/* The stream was never deleted, so no event went with it. */
	cr_expect_null(strstr(log, "created stream election again"), "%s",
	    log);
	free(log);

	pvt_load_free(load);
	pvt_stack_stop(&web);
	pvt_cluster_free(&cluster);
}
