/*
 * Scenario: the broker stalls until publishes time out, then acknowledges
 * again.  The first burst of events after that must be stored whole,
 * because requests that arrive while one of them tests the broker wait
 * for its outcome instead of failing with 503 at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "faults.h"
#include "../harness/pvt_http.h"
#include "../harness/pvt_nats.h"

#define BURST 24

typedef struct sender {
	const pvt_stack *web;
	pthread_barrier_t *start;
	int number;
	int status;
} sender;

/* Posts one Ballot.BallotCast event with an id of its own. */
static void *
send_event(void *arg)
{
	sender *s = arg;
	char body[256];
	pvt_http_request req = { "POST", "/ballot/cast", "application/json",
	    NULL, body, 0 };
	pvt_http_response resp;

	req.body_len = (size_t)snprintf(body, sizeof(body), "{\"id\":"
	    "\"7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f%04x\",\"ballot_id\":"
	    "\"01HV6Z3R8Y5A0B9C7D2E4F6B4T\",\"election_id\":"
	    "\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\"}", (unsigned)s->number);
	pthread_barrier_wait(s->start);
	s->status = pvt_http_send(s->web->http_port, &req, 20000, &resp) ?
	    resp.status : 0;
	if (s->status != 0)
		pvt_http_response_free(&resp);
	return NULL;
}

/* Sends count events at once, numbered from first, into statuses. */
static void
send_burst(const pvt_stack *web, int first, int count, int *statuses)
{
	pthread_t threads[BURST];
	sender senders[BURST];
	pthread_barrier_t start;
	int i;

	cr_assert_leq(count, BURST);
	pthread_barrier_init(&start, NULL, (unsigned)count);
	for (i = 0; i < count; i++) {
		senders[i] = (sender){ web, &start, first + i, 0 };
		cr_assert_eq(pthread_create(&threads[i], NULL, send_event,
		    &senders[i]), 0);
	}
	for (i = 0; i < count; i++) {
		pthread_join(threads[i], NULL);
		statuses[i] = senders[i].status;
	}
	pthread_barrier_destroy(&start);
}

/* Returns true when stream election (at the URL arg) has every event sent. */
static bool
stalled_events_stored(void *arg)
{
	pvt_stream_state state;
	pvt_nats *nats;
	bool stored;

	if (!pvt_nats_open(&nats, arg))
		return false;
	stored = pvt_stream_state_get(nats, "election", &state) &&
	    state.messages == BURST + 4;
	pvt_nats_close(nats);
	return stored;
}

Test(faults, stall_ends, .timeout = 120)
{
	int statuses[BURST], i;
	pvt_broker broker;
	pvt_stack web;

	fault_start_broker_web(&broker, &web);

	/*
	 * Bind the stream in both handler processes (lighttpd spreads a burst
	 * over them), then time out.
	 */
	send_burst(&web, 0, BURST, statuses);
	for (i = 0; i < BURST; i++) {
		if (statuses[i] != 200)
			pvt_stack_print_logs(&web);
		cr_assert_eq(statuses[i], 200, "warm-up event %d: status %d",
		    i, statuses[i]);
	}
	cr_assert(pvt_broker_pause(&broker));
	send_burst(&web, 100, 4, statuses);
	for (i = 0; i < 4; i++)
		cr_expect_eq(statuses[i], 503, "stalled event %d", i);
	cr_assert(pvt_broker_resume(&broker));

	/*
	 * A request waits at most 100 ms for the request that tests the
	 * broker, so the burst starts once the broker has caught up.
	 */
	cr_assert(pvt_wait_until(stalled_events_stored, broker.url, 0,
	    FAULT_START_TIMEOUT_MS), "the broker did not store the %d warm-up "
	    "and 4 stalled events after it resumed", BURST);

	send_burst(&web, 200, BURST, statuses);
	for (i = 0; i < BURST; i++)
		cr_expect_eq(statuses[i], 200, "event %d after the stall", i);

	pvt_stack_stop(&web);
	pvt_broker_free(&broker);
}
