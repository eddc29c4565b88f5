/*
 * JetStream publisher: one NATS connection per process, shared by the
 * worker threads.
 *
 * The first call that needs the broker (a publish or a health check)
 * connects, bounded by the publish time-out.  Before it, no nats.c
 * function runs, except with NATS_CREDS: pv_publisher_new then opens the
 * library to check the seed, which starts nats.c's threads.  A caller that
 * waits for signals in one thread blocks them before that call.  nats.c then
 * reconnects on its own without a limit, and a connection that ends up
 * closed is built again by the next publish.  Each configured stream is
 * looked up, or created when missing, before its first publish and again
 * after the broker reports that no stream took a message.  After a
 * creation failed for a lasting reason (denied, or subjects that overlap
 * another stream), publishes to that stream fail at once with the same
 * reason, and one at a time tries again every 5 s.
 */
#ifndef PV_PUBLISH_H
#define PV_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>

#include "pv_buf.h"
#include "pv_config.h"
#include "pv_log.h"
#include "pv_status.h"

typedef struct pv_publisher pv_publisher;

/* One validated event, ready to publish.  All strings belong to the caller. */
typedef struct pv_publish_msg {
	const char *event_id;		/* Nats-Msg-Id: de-duplication key */
	const char *election_id;	/* second subject token */
	const char *event_type;		/* "Voter.VoterRegistered" */
	const char *body;		/* canonical JSON */
	size_t body_len;
} pv_publish_msg;

/*
 * Creates a publisher for cfg->aggregate.  cfg and log must outlive it.
 * Makes no network call.  The caller frees it with pv_publisher_free.
 */
pv_status pv_publisher_new(pv_publisher **out, const pv_config *cfg,
	const pv_logger *log, pv_error *err);

/*
 * Publishes msg to every configured stream and waits for each stream's
 * acknowledgement, all within cfg->publish_timeout_ms.  Returns PV_OK only
 * when every stream stored the message (or already had it: a duplicate
 * Nats-Msg-Id counts as stored).  PV_ERR_BROKER and PV_ERR_TIMEOUT mean
 * the client may retry; the message may still have been stored, because
 * it may have reached the broker before the failure.  When either is
 * returned, nats.c keeps no copy of the message to send later: a failure
 * while nats.c reconnects closes the connection, which drops its
 * reconnect buffer.  PV_ERR_TOO_LARGE means the event exceeds the
 * broker's max_payload, which no retry changes.  PV_ERR_ARG means the
 * election id or event type cannot be a subject token, or the body is
 * over 2 GiB.  Safe to call from several threads at once.
 */
pv_status pv_publisher_publish(pv_publisher *pub, const pv_publish_msg *msg,
	pv_error *err);

/*
 * Checks, without publishing, that the connection is up and every stream
 * is bound (connecting and binding first when needed, within the publish
 * time-out), and appends a JSON report to out:
 * {"status":"ok","broker":"connected","streams":{"election":"bound"}}.
 * Returns PV_OK when healthy, PV_ERR_BROKER or PV_ERR_TIMEOUT otherwise
 * (out then has "status":"unavailable" and a "detail"), or PV_ERR_NOMEM
 * when out could not grow.
 */
pv_status pv_publisher_health(pv_publisher *pub, pv_buf *out);

/* Returns the producer name sent in the Producer header ("voter-<uuid>"). */
const char *pv_publisher_producer(const pv_publisher *pub);

/*
 * Flushes what is buffered (up to timeout_ms), closes the connection and
 * frees pub.  When the library was opened, it also waits up to timeout_ms
 * for nats.c's threads to stop, so it takes up to twice timeout_ms.  No
 * publish may be running.  Returns false when those threads did not stop
 * in time: pub is then left allocated, because their callbacks use it,
 * and the caller must not free the cfg and log that pub uses either.
 */
bool pv_publisher_free(pv_publisher *pub, int timeout_ms);

#endif
