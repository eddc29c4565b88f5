/*
 * Scenario: three clustered brokers hold the stream with three
 * replicas.  The node leading the stream is killed with SIGKILL under
 * load; ingestion goes on through the two others, and the node is then
 * restarted on its port and store directory and catches up.
 */
#include <criterion/criterion.h>

#include "faults.h"

/* Time a new cluster gets to elect its JetStream meta leader, in ms. */
#define CLUSTER_START_TIMEOUT_MS 30000

Test(cluster, node_killed, .timeout = 180)
{
	pvt_cluster cluster;
	pvt_broker *victim;
	pvt_stack web;
	pvt_load *load;
	int leader;

	cr_assert(pvt_cluster_start(&cluster, CLUSTER_START_TIMEOUT_MS));
	fault_start_web(&web, cluster.urls, "PHOTOVOTE_REPLICAS=3");
	load = fault_start_load(&web);
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

	pvt_load_free(load);
	pvt_stack_stop(&web);
	pvt_cluster_free(&cluster);
}
