/*
 * Load driver and ledger for the fault tests.
 *
 * A pvt_load sends Ballot.BallotCast events, each with a new unique id,
 * to POST /ballot/cast through lighttpd from several threads, paced to
 * at most opts.rate requests per second (new events and retries
 * together).  A request answered other than 200, or not answered,
 * is sent again with the same id and body after opts.retry_pause_ms,
 * until it gets 200 or opts.retry_deadline_ms have passed since the
 * event's first send.  The ledger records every event and request.
 *
 * At the end, pvt_load_check compares a stream with the ledger: the
 * stream must hold every id answered 200, each once, and nothing else.
 */
#ifndef PVT_LOAD_H
#define PVT_LOAD_H

#include <stdbool.h>
#include <stdio.h>

typedef struct pvt_load pvt_load;

typedef struct pvt_load_options {
	int http_port;			/* lighttpd on 127.0.0.1 */
	int rate;			/* requests per second, at most */
	int duration_ms;		/* new events start during this time */
	int workers;			/* requests in flight, at most */
	int retry_pause_ms;		/* before sending an event again */
	int retry_deadline_ms;		/* since an event's first send */
	int request_timeout_ms;		/* receive time-out of one request */
} pvt_load_options;

/* Counters of the requests and events so far. */
typedef struct pvt_load_stats {
	int events;		/* distinct ids sent */
	int events_ok;		/* ids answered 200 */
	int events_given_up;	/* ids still failing at their deadline */
	int requests;		/* requests sent, retries included */
	int retries;		/* requests beyond the first of each id */
	int ok;			/* answered 200 */
	int unavailable;	/* answered 503 */
	int unavailable_bad;	/* 503 without Retry-After or JSON detail */
	int other;		/* answered with another status */
	int unanswered;		/* connection error or receive time-out */
	int in_flight;		/* requests sent and not yet answered */
	long long max_ms;	/* longest request, send to end of answer */
} pvt_load_stats;

/* A stream compared with the ledger. */
typedef struct pvt_load_check {
	int stored;		/* messages in the stream */
	int lost;		/* answered 200, required, not stored */
	int doubled;		/* extra copies of an id */
	int unconfirmed;	/* stored, never answered 200 */
} pvt_load_check;

/* Starts the worker threads; the caller frees the load with pvt_load_free. */
bool pvt_load_start(pvt_load **out, const pvt_load_options *opts);

/* Copies the counters, consistent with each other, into *out. */
void pvt_load_stats_get(pvt_load *load, pvt_load_stats *out);

/* Waits until the load has received at least count 200 answers. */
bool pvt_load_wait_ok(pvt_load *load, int count, int timeout_ms);

/* Waits until at least count requests were answered other than 200. */
bool pvt_load_wait_failed(pvt_load *load, int count, int timeout_ms);

/* Waits until a request is in flight. */
bool pvt_load_wait_in_flight(pvt_load *load, int timeout_ms);

/*
 * With hold set, stops new requests from starting and waits until none
 * is in flight.  Without it, lets them start again.  Returns false when
 * requests are still in flight after timeout_ms.
 */
bool pvt_load_hold(pvt_load *load, bool hold, int timeout_ms);

/*
 * Waits for the workers to finish: new events stop after duration_ms,
 * and every pending event either gets 200 or reaches its deadline.
 */
void pvt_load_finish(pvt_load *load);

/*
 * Reads every message of stream through the server at nats_url and
 * compares their Nats-Msg-Id values with the ledger.  An id answered 200
 * counts as lost when it is missing and its event was first sent at or
 * after since_ms (pvt_now_ms); 0 requires every id.  Call it after
 * pvt_load_finish.
 */
bool pvt_load_check_stream(pvt_load *load, const char *nats_url,
	const char *stream, long long since_ms, pvt_load_check *out);

/*
 * Prints one row of the fault table for scenario to stderr and appends
 * it to the file named by PVT_FAULT_REPORT, when set.
 */
void pvt_load_report(const char *scenario, const pvt_load_stats *stats,
	const pvt_load_check *check);

/* Prints the header of the fault table to f. */
void pvt_load_report_header(FILE *f);

void pvt_load_free(pvt_load *load);

#endif
