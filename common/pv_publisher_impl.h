/*
 * Internals shared by the publisher's files, for them only:
 * pv_publish.c publishes and waits for acknowledgements, pv_broker.c
 * keeps the broker connection and runs the health check, and
 * pv_stream.c binds to the streams and creates missing ones.
 */
#ifndef PV_PUBLISHER_IMPL_H
#define PV_PUBLISHER_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <nats/nats.h>

#include "pv_config.h"
#include "pv_log.h"
#include "pv_publish.h"
#include "pv_status.h"

struct pv_publisher {
	const pv_config *cfg;
	const pv_logger *log;
	char producer[64];

	/*
	 * Writers (connect, rebuild after CLOSED, renew js, free) take the
	 * lock for writing; publishes hold it for reading while they use nc
	 * and js.  A waiting writer holds back new readers.
	 */
	pthread_rwlock_t lock;
	natsOptions *opts;
	natsConnection *nc;
	jsCtx *js;
	atomic_bool stream_ready[PV_CONFIG_STREAMS_MAX];
	/* The stream's creation was logged since the connection was built. */
	atomic_bool stream_created[PV_CONFIG_STREAMS_MAX];
	/* When each stream vanished (pv_pub_now_ms), or 0. */
	atomic_llong stream_lost_ms[PV_CONFIG_STREAMS_MAX];
	/*
	 * When each stream last stopped taking messages, or was looked up
	 * after that (pv_pub_now_ms); 0 once it is bound again.
	 */
	atomic_llong stream_relookup_ms[PV_CONFIG_STREAMS_MAX];
	/* Reason each stream waits for that interval (pv_stream.c's enum). */
	atomic_int stream_wait_reason[PV_CONFIG_STREAMS_MAX];
	/*
	 * Creation time (ns) of the stream whose settings were last logged,
	 * or -1, so that binding the same stream again after a leader
	 * election logs nothing.
	 */
	atomic_llong stream_logged_created[PV_CONFIG_STREAMS_MAX];
	/*
	 * Highest sequence at which each stream acknowledged an event of
	 * this process, or 0, to tell a stream created again from one that
	 * only reports another creation time.
	 */
	atomic_ullong stream_acked_seq[PV_CONFIG_STREAMS_MAX];
	atomic_bool closing;		/* pv_publisher_free has begun */
	bool library_open;		/* this publisher called nats_Open */

	/*
	 * Set when a publish timed out and none succeeded since: the broker
	 * stopped responding (stopped, overloaded or half-open).  Meanwhile
	 * one request at a time waits for it.  The others fail with 503 after
	 * at most PV_PROBE_WAIT_MS instead of each waiting out the time-out
	 * while more queue up.
	 */
	atomic_llong stalled_since_ms;
	atomic_bool probe_busy;
	pthread_mutex_t probe_lock;
	/* Signalled when a probe ends; its clock is CLOCK_MONOTONIC. */
	pthread_cond_t probe_done;

	/*
	 * Publishes sent whose acknowledgement did not arrive in time.  nats.c
	 * keeps each pending until its acknowledgement arrives, which never
	 * happens for a denied subject or an acknowledgement lost in a
	 * reconnect.  Renewing the JetStream context frees them.
	 */
	atomic_int unacked;

	/*
	 * Set while a request waits for the write lock to renew the
	 * JetStream context after PV_UNACKED_FORCE_MAX unacknowledged
	 * publishes, so that only one does.
	 */
	atomic_bool renewing;

	/* The last connect attempt was rejected for its credentials. */
	atomic_bool auth_failed;

	/*
	 * The current connection reached the broker at least once, and its
	 * close is not logged yet.
	 */
	atomic_bool was_connected;

	/* The connection whose close on_closed logs, or NULL. */
	_Atomic(natsConnection *) current_nc;

	/*
	 * When the connection was last built (pv_pub_now_ms), or 0.  It is
	 * read and written with the write lock held.
	 */
	long long connect_ms;

	/*
	 * The server's last permissions violation.  It arrives on a nats.c
	 * thread while the request that caused it waits for a reply that
	 * never comes, so a time-out soon after it is reported as denied.
	 * denied_lock guards denied_text and create_error.
	 */
	pthread_mutex_t denied_lock;
	char denied_text[200];
	atomic_llong denied_ms;		/* when it came (pv_pub_now_ms), or 0 */

	/*
	 * The last publish the server denied: when (pv_pub_now_ms), 0 once
	 * a publish succeeded since, and the server's words (denied_lock).
	 */
	atomic_llong publish_denied_ms;
	char publish_denied_text[200];

	/*
	 * The last creation of each stream that failed for a lasting reason:
	 * when (pv_pub_now_ms, 0 for never) and why.
	 */
	atomic_llong create_failed_ms[PV_CONFIG_STREAMS_MAX];
	char create_error[PV_CONFIG_STREAMS_MAX][PV_ERROR_TEXT_MAX];

	/* Publishes waiting for their acknowledgement (pv_pub_on_ack). */
	pthread_mutex_t ack_lock;
	struct ack_waiter *waiters;
};

/* Room for the NATS headers of one event (four short headers). */
#define PV_HEADERS_MAX		512

/* Defined when the build runs under ThreadSanitizer. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PV_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(PV_TSAN)
#define PV_TSAN 1
#endif

/* Returns CLOCK_MONOTONIC time in ms, the clock of every deadline here. */
static inline int64_t
pv_pub_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns the ms left until deadline, or 0 once it has passed. */
static inline int64_t
pv_pub_remaining_ms(int64_t deadline)
{
	int64_t left = deadline - pv_pub_now_ms();

	return left > 0 ? left : 0;
}

/* Converts a pv_pub_now_ms() time to a CLOCK_MONOTONIC timespec. */
static inline struct timespec
pv_pub_timespec(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	return ts;
}

/* pv_broker.c */

/*
 * Opens the NATS library once for pub, without spinning on its locks.
 * Runs before any other nats.c call of pub, from one thread at a time:
 * pv_publisher_new, or a holder of the write lock.
 */
pv_status pv_broker_open_library(pv_publisher *pub, pv_error *err);

/*
 * Takes pub->lock for reading with a usable connection, connecting first
 * when needed, before deadline.  A due renewal of the JetStream context
 * is done when the lock is free.  After PV_UNACKED_FORCE_MAX publishes
 * went unacknowledged, one request at a time waits for the lock to renew,
 * which holds new requests back, except while the broker stalls.  On
 * PV_OK the caller holds the read lock and releases it.
 */
pv_status pv_broker_acquire(pv_publisher *pub, int64_t deadline,
	pv_error *err);

/*
 * Destroys the JetStream context and the connection, clears every
 * stream binding and resets the count of unacknowledged publishes.  The
 * write lock is held.
 */
void pv_broker_drop(pv_publisher *pub);

/*
 * Records in err that the step what failed with nats.c status s, with
 * nats.c's last error text, and returns PV_ERR_BROKER.
 */
pv_status pv_broker_failure(pv_error *err, const char *what, natsStatus s);

/*
 * Returns why pub is not connected: "authentication failed", "not
 * reachable" (no connection), "connection closed" (nats.c gave up on it)
 * or "reconnecting".  status is pub->nc's, as the caller read it for its
 * own check, so that the reason agrees with that check.  The caller holds
 * pub->lock.
 */
const char *pv_broker_down_reason(pv_publisher *pub, natsConnStatus status);

/*
 * Records a time-out of what as PV_ERR_TIMEOUT, or as PV_ERR_BROKER with
 * the server's words when a permissions violation came just before: a
 * request the server denied gets no reply and ends in a time-out.
 */
pv_status pv_broker_timed_out(pv_publisher *pub, pv_error *err,
	const char *what);

/* pv_stream.c */

/*
 * Binds to stream index (pub->cfg->streams), creating it when it does
 * not exist and creation is allowed, before deadline.  Returns at once
 * when the stream is already bound.  The read lock is held.
 */
pv_status pv_stream_ensure(pv_publisher *pub, int index, int64_t deadline,
	pv_error *err);

/*
 * Works like pv_stream_ensure, but also looks a bound stream up on the
 * broker, for the health check: a stream deleted after it was bound
 * counts as lost.  The read lock is held.
 */
pv_status pv_stream_verify(pv_publisher *pub, int index, int64_t deadline,
	pv_error *err);

/* Clears the binding of stream index: the next publish looks it up. */
void pv_stream_lost(pv_publisher *pub, int index);

/* pv_publish.c */

/*
 * Receives every PubAck, or the error or time-out in its place, on a
 * nats.c thread, and wakes the publish waiting for it.  A publish that
 * gave up has left the list, so its late acknowledgement only frees the
 * message.  Takes msg.
 */
void pv_pub_on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae,
	void *closure);

/*
 * Ends every publish waiting on subject, which the server denied with
 * text (its words, escaped), and records the denial for the health
 * check.  Does nothing for a subject outside pub's streams.  The server
 * sends no acknowledgement for a denied publish, so the waiters would
 * otherwise wait out the publish time-out.  Runs on a nats.c thread.
 */
void pv_pub_on_denied(pv_publisher *pub, const char *subject,
	const char *text);

#endif
