/*
 * Steps shared by the fault tests.  Each test starts its own brokers,
 * lighttpd and load, injects one fault, and checks the streams against
 * the load's ledger; the helpers end the test with a failed assertion
 * when a step fails.
 */
#ifndef FAULTS_H
#define FAULTS_H

#include <stdbool.h>

#include "../harness/pvt_broker.h"
#include "../harness/pvt_load.h"
#include "../harness/pvt_stack.h"

/* Publish time-out of the handlers under test, in ms. */
#define FAULT_PUBLISH_TIMEOUT_MS 1000

/* Time a broker gets to start or restart, in ms. */
#define FAULT_START_TIMEOUT_MS 20000

/* Time the load gets to show that ingestion works (again), in ms. */
#define FAULT_RECOVERY_TIMEOUT_MS 30000

/* 200 responses that count as "ingestion works". */
#define FAULT_OK_BATCH 20

/*
 * Starts lighttpd with handlers that publish to nats_url with the fault
 * tests' publish time-out, plus extra_env ("NAME=value ...", or NULL).
 */
void fault_start_web(pvt_stack *web, const char *nats_url,
	const char *extra_env);

/* Starts one broker, then lighttpd as fault_start_web with no extra env. */
void fault_start_broker_web(pvt_broker *broker, pvt_stack *web);

/* Starts the load against web with the fault tests' settings. */
pvt_load *fault_start_load(const pvt_stack *web);

/* The same, with new events starting during duration_ms. */
pvt_load *fault_start_load_for(const pvt_stack *web, int duration_ms);

/*
 * Starts one broker, lighttpd (as fault_start_web) and the load, and
 * waits until the load gets 200 responses.
 */
pvt_load *fault_start_solo(pvt_broker *broker, pvt_stack *web,
	const char *extra_env);

/* Frees the load, then stops lighttpd and the broker. */
void fault_stop_solo(pvt_load *load, pvt_stack *web, pvt_broker *broker);

/* Waits until the load has FAULT_OK_BATCH more 200 responses than now. */
void fault_wait_recovered(pvt_load *load);

/*
 * Waits for the load to finish, compares stream (read at nats_url) with
 * the ledger, prints the scenario's row and asserts that nothing was
 * lost, doubled or stored without a 200, that every request got a
 * response, and that every 503 had Retry-After and a JSON detail.  With
 * broker_fault, it also asserts that every failure was a 503.
 */
void fault_check(pvt_load *load, const char *scenario, const char *nats_url,
	const char *stream, long long since_ms, bool broker_fault);

#endif
