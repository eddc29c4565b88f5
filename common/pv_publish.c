/* Publishing events and waiting for their PubAcks; see pv_publish.h. */
#define _GNU_SOURCE	/* sem_clockwait, pthread_rwlockattr_setkind_np */
#include "pv_publisher_impl.h"
#include "pv_creds.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uuid/uuid.h>

/* JetStream API error codes (nats-server 2.9). */
#define JS_ERR_MESSAGE_TOO_LARGE	10054
#define JS_ERR_STORE_FAILED		10077

/*
 * One publish waiting for its PubAck.  nats.c hands the acknowledgement
 * to pv_pub_on_ack with the message that was published, so the message
 * pointer identifies the waiter.  A publish the server denies gets no
 * acknowledgement, only an error naming the subject (pv_pub_on_denied).
 */
typedef struct ack_waiter {
	struct ack_waiter *next;	/* in pub->waiters, under ack_lock */
	const natsMsg *msg;
	const char *subject;		/* the caller's, for the wait */
	sem_t answered;			/* posted once the result is in */
	bool done;
	natsStatus status;
	jsErrCode code;
	bool duplicate;
	uint64_t sequence;
	char error_text[128];		/* the server's reason, escaped */
} ack_waiter;

/* Size of a subject: stream, election id, aggregate and event class. */
#define PV_SUBJECT_MAX		256

/*
 * Maximum wait, in ms, of a request for the outcome of the request that
 * tests a stalled broker.  A broker that is back acknowledges the test
 * within a few ms, so the waiting requests then publish too.
 */
#define PV_PROBE_WAIT_MS	100

/*
 * ThreadSanitizer (gcc 12, clang 14) intercepts sem_post but not
 * sem_clockwait, so without this it misses that a successful wait
 * acquires what pv_pub_on_ack wrote before posting.
 */
#if defined(PV_TSAN)
void __tsan_acquire(void *addr);
#define PV_TSAN_ACQUIRE(addr) __tsan_acquire(addr)
#else
#define PV_TSAN_ACQUIRE(addr) ((void)(addr))
#endif

pv_status
pv_publisher_new(pv_publisher **out, const pv_config *cfg,
	const pv_logger *log, pv_error *err)
{
	pthread_rwlockattr_t lock_attr;
	pthread_condattr_t attr;
	pv_publisher *pub;
	int rc;
	pv_status st;
	uuid_t id;
	char text[37];
	int i;

	pub = calloc(1, sizeof(*pub));
	if (pub == NULL)
		return pv_error_set(err, PV_ERR_NOMEM, "publisher: out of "
		    "memory");

	/*
	 * A waiting writer holds back new readers, so that a forced renewal
	 * of the JetStream context gets the lock under steady load.  glibc's
	 * default lets readers in ahead of a waiting writer.
	 */
	pthread_rwlockattr_init(&lock_attr);
	pthread_rwlockattr_setkind_np(&lock_attr,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	rc = pthread_rwlock_init(&pub->lock, &lock_attr);
	pthread_rwlockattr_destroy(&lock_attr);
	if (rc != 0) {
		free(pub);
		return pv_error_set(err, PV_ERR_INTERNAL, "publisher: "
		    "pthread_rwlock_init failed");
	}
	if (pthread_mutex_init(&pub->ack_lock, NULL) != 0) {
		pthread_rwlock_destroy(&pub->lock);
		free(pub);
		return pv_error_set(err, PV_ERR_INTERNAL, "publisher: "
		    "pthread_mutex_init failed");
	}

	pub->cfg = cfg;
	pub->log = log;
	for (i = 0; i < PV_CONFIG_STREAMS_MAX; i++) {
		atomic_init(&pub->stream_ready[i], false);
		atomic_init(&pub->stream_created[i], false);
		atomic_init(&pub->stream_lost_ms[i], 0);
		atomic_init(&pub->stream_logged_created[i], -1);
		atomic_init(&pub->stream_relookup_ms[i], 0);
		atomic_init(&pub->create_failed_ms[i], 0);
	}
	atomic_init(&pub->closing, false);
	atomic_init(&pub->current_nc, NULL);
	atomic_init(&pub->stalled_since_ms, 0);
	atomic_init(&pub->probe_busy, false);
	atomic_init(&pub->unacked, 0);
	atomic_init(&pub->renewing, false);
	atomic_init(&pub->denied_ms, 0);
	atomic_init(&pub->publish_denied_ms, 0);
	atomic_init(&pub->auth_failed, false);
	pthread_mutex_init(&pub->denied_lock, NULL);
	pthread_mutex_init(&pub->probe_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pub->probe_done, &attr);
	pthread_condattr_destroy(&attr);

	/* Producer names follow the old "<aggregate>-<uuid>" form. */
	uuid_generate(id);
	uuid_unparse_lower(id, text);
	snprintf(pub->producer, sizeof(pub->producer), "%s-%s",
	    cfg->aggregate, text);

	/*
	 * A credentials or TLS file that nats.c cannot use is a setting
	 * error, so it stops the handler at start instead of failing every
	 * connect.
	 */
	if (cfg->creds_file != NULL || cfg->ca_file != NULL ||
	    cfg->cert_file != NULL) {
		st = pv_broker_open_library(pub, err);
		if (st == PV_OK && cfg->creds_file != NULL)
			st = pv_creds_check(cfg->creds_file, err);
		if (st == PV_OK)
			st = pv_creds_check_tls(cfg->ca_file, cfg->cert_file,
			    cfg->key_file, err);
		if (st != PV_OK) {
			pv_publisher_free(pub, 0);
			return st;
		}
	}

	*out = pub;
	return PV_OK;
}

const char *
pv_publisher_producer(const pv_publisher *pub)
{
	return pub->producer;
}

bool
pv_publisher_free(pv_publisher *pub, int timeout_ms)
{
	bool opened;

	if (pub == NULL)
		return true;

	atomic_store(&pub->closing, true);
	pthread_rwlock_wrlock(&pub->lock);
	if (pub->nc != NULL &&
	    natsConnection_Status(pub->nc) == NATS_CONN_STATUS_CONNECTED)
		natsConnection_FlushTimeout(pub->nc, timeout_ms);
	if (pub->nc != NULL)
		natsConnection_Close(pub->nc);
	pv_broker_drop(pub);
	opened = pub->library_open;
	natsOptions_Destroy(pub->opts);
	pub->opts = NULL;
	pthread_rwlock_unlock(&pub->lock);

	/*
	 * nats.c runs the closed and disconnected callbacks, which use pub,
	 * on its own threads: wait for them before pub goes away.  Only a
	 * process that opened the library stops it.
	 */
	if (opened && nats_CloseAndWait(timeout_ms) != NATS_OK) {
		pv_log(pub->log, PV_LOG_WARNING, "the NATS library did not "
		    "stop within %d ms; its state is left to the exit",
		    timeout_ms);
		return false;
	}

	pthread_rwlock_destroy(&pub->lock);
	pthread_mutex_destroy(&pub->ack_lock);
	pthread_mutex_destroy(&pub->denied_lock);
	pthread_mutex_destroy(&pub->probe_lock);
	pthread_cond_destroy(&pub->probe_done);
	free(pub);
	return true;
}

void
pv_pub_on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae,
	void *closure)
{
	pv_publisher *pub = closure;
	ack_waiter **link, *w;

	(void)js;
	pthread_mutex_lock(&pub->ack_lock);
	for (link = &pub->waiters; *link != NULL && (*link)->msg != msg;
	    link = &(*link)->next)
		;
	w = *link;
	if (w != NULL) {
		*link = w->next;
		w->status = pa != NULL ? NATS_OK : NATS_ERR;
		if (pa == NULL && pae != NULL && pae->Err != NATS_OK)
			w->status = pae->Err;
		w->code = pae != NULL ? pae->ErrCode : 0;
		/* Only failures carry a text, so no cost per stored event. */
		if (pae != NULL && pae->ErrText != NULL)
			pv_log_escape(w->error_text, sizeof(w->error_text),
			    pae->ErrText, strlen(pae->ErrText), 100);
		w->duplicate = pa != NULL && pa->Duplicate;
		w->sequence = pa != NULL ? pa->Sequence : 0;
		w->done = true;
	}
	pthread_mutex_unlock(&pub->ack_lock);

	/* Posted after the unlock, so the waiter wakes without the lock. */
	if (w != NULL)
		sem_post(&w->answered);
	natsMsg_Destroy(msg);
}

/* Returns true when subject is an event subject of pub's streams. */
static bool
is_event_subject(const pv_publisher *pub, const char *subject)
{
	size_t len;
	int i;

	for (i = 0; i < pub->cfg->stream_count; i++) {
		len = strlen(pub->cfg->streams[i]);
		if (strncmp(subject, pub->cfg->streams[i], len) == 0 &&
		    subject[len] == '.')
			return true;
	}
	return false;
}

void
pv_pub_on_denied(pv_publisher *pub, const char *subject, const char *text)
{
	ack_waiter **link, *w, *denied = NULL;

	/* A denied JetStream API call is reported where it is made. */
	if (!is_event_subject(pub, subject))
		return;

	pthread_mutex_lock(&pub->denied_lock);
	snprintf(pub->publish_denied_text, sizeof(pub->publish_denied_text),
	    "%s", text);
	pthread_mutex_unlock(&pub->denied_lock);
	atomic_store(&pub->publish_denied_ms, (long long)pv_pub_now_ms());

	/* Permissions go by subject: every waiter on it is denied too. */
	pthread_mutex_lock(&pub->ack_lock);
	link = &pub->waiters;
	while ((w = *link) != NULL) {
		if (strcmp(w->subject, subject) != 0) {
			link = &w->next;
			continue;
		}
		*link = w->next;
		w->status = NATS_NOT_PERMITTED;
		w->code = 0;
		w->duplicate = false;
		w->sequence = 0;
		w->done = true;
		w->next = denied;
		denied = w;
	}
	pthread_mutex_unlock(&pub->ack_lock);

	/* A waiter may return once posted, so next is read first. */
	while ((w = denied) != NULL) {
		denied = w->next;
		sem_post(&w->answered);
	}
}

/* Subject tokens may hold no '.', white space or wildcards. */
static bool
is_subject_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* Builds the message of m for stream and writes its subject to subject. */
static pv_status
build_msg(const pv_publisher *pub, const char *stream,
	const pv_publish_msg *m, char subject[PV_SUBJECT_MAX], natsMsg **out,
	pv_error *err)
{
	const char *event_class = strrchr(m->event_type, '.');
	char event_type[128];
	natsStatus s;

	event_class = event_class != NULL ? event_class + 1 : m->event_type;
	if (!is_subject_token(m->election_id) || !is_subject_token(
	    event_class) || m->body_len > (size_t)INT32_MAX)
		return pv_error_set(err, PV_ERR_ARG, "event cannot be "
		    "published: invalid subject token or body size");

	snprintf(subject, PV_SUBJECT_MAX, "%s.%s.%s.%s", stream,
	    m->election_id, pub->cfg->aggregate, event_class);
	snprintf(event_type, sizeof(event_type), "PhotoVote.Event.%s",
	    m->event_type);

	s = natsMsg_Create(out, subject, NULL, m->body, (int)m->body_len);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(*out, "Event-Type", event_type);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(*out, "Content-Type",
		    "application/json");
	if (s == NATS_OK)
		s = natsMsgHeader_Set(*out, "Producer", pub->producer);
	if (s != NATS_OK) {
		natsMsg_Destroy(*out);
		*out = NULL;
		return pv_broker_failure(err, "building the message", s);
	}
	return PV_OK;
}

/*
 * Maps a failed publish to subject to a status and an operator's
 * message.
 */
static pv_status
publish_failure(pv_publisher *pub, int index, const char *subject,
	natsStatus s, const ack_waiter *w, pv_error *err)
{
	jsErrCode jerr = w->done ? w->code : 0;
	const char *text = w->done ? w->error_text : "";
	const char *stream = pub->cfg->streams[index];

	/* A denied publish is marked so (pv_pub_on_denied) and not here. */
	if (s == NATS_TIMEOUT)
		return pv_error_set(err, PV_ERR_TIMEOUT, "the acknowledgement "
		    "of stream %s (%d ms) timed out", stream,
		    pub->cfg->publish_timeout_ms);
	if (s == NATS_NO_RESPONDERS) {
		/* Look the stream up again before the next publish. */
		pv_stream_lost(pub, index);
		return pv_error_set(err, PV_ERR_BROKER, "no stream took the "
		    "message for %s (stream deleted, JetStream disabled or "
		    "electing a leader)", stream);
	}
	/* The server's own words are logged when the denial arrives. */
	if (s == NATS_NOT_PERMITTED)
		return pv_error_set(err, PV_ERR_BROKER, "the broker denied "
		    "publishing to %s (stream %s); check the broker user's "
		    "permissions", subject, stream);
	if (jerr == JS_ERR_MESSAGE_TOO_LARGE)
		return pv_error_set(err, PV_ERR_BROKER, "stream %s rejected "
		    "the message as too large", stream);
	if (jerr == JS_ERR_STORE_FAILED)
		return pv_error_set(err, PV_ERR_BROKER, "stream %s failed to "
		    "store the message: %s", stream, text[0] != '\0' ? text :
		    "no reason given");
	return pv_error_set(err, PV_ERR_BROKER, "publishing to stream %s "
	    "failed: %s%s%s (JetStream error %d)", stream,
	    natsStatus_GetText(s), text[0] != '\0' ? ": " : "", text,
	    (int)jerr);
}

/*
 * Publishes msg asynchronously and waits until pv_pub_on_ack has its result
 * or the deadline passes (then w->done stays false).  Takes msg.  The
 * acknowledgement arrives on a nats.c thread, which lets many publishes
 * of the process share the broker round trip.
 */
static natsStatus
publish_and_wait(pv_publisher *pub, natsMsg *msg, jsPubOptions *po,
	int64_t deadline, ack_waiter *w)
{
	struct timespec until;
	ack_waiter **link;
	natsStatus s;
	bool claimed;
	int rc = -1;

	sem_init(&w->answered, 0, 0);
	w->msg = msg;
	w->done = false;

	pthread_mutex_lock(&pub->ack_lock);
	w->next = pub->waiters;
	pub->waiters = w;
	pthread_mutex_unlock(&pub->ack_lock);

	/* On failure the message stays ours, so it is freed here. */
	s = js_PublishMsgAsync(pub->js, &msg, po);
	natsMsg_Destroy(msg);

	until = pv_pub_timespec(deadline);
	while (s == NATS_OK && rc != 0) {
		rc = sem_clockwait(&w->answered, CLOCK_MONOTONIC, &until);
		if (rc == 0)
			PV_TSAN_ACQUIRE(&w->answered);
		if (rc != 0 && errno != EINTR)
			break;
	}

	/* Not acknowledged: leave the list unless pv_pub_on_ack claimed w. */
	if (rc != 0) {
		pthread_mutex_lock(&pub->ack_lock);
		for (link = &pub->waiters; *link != NULL && *link != w;
		    link = &(*link)->next)
			;
		claimed = *link == NULL;
		if (!claimed)
			*link = w->next;
		pthread_mutex_unlock(&pub->ack_lock);

		/* pv_pub_on_ack posts once it is done with w. */
		while (claimed && sem_wait(&w->answered) != 0)
			;
	}
	sem_destroy(&w->answered);
	return s;
}

/* Ends the stall, if one was recorded: the broker replied in time. */
static void
end_stall(pv_publisher *pub)
{
	if (atomic_load(&pub->stalled_since_ms) == 0 ||
	    atomic_exchange(&pub->stalled_since_ms, 0) == 0)
		return;
	pv_log_flush_suppressed(pub->log);
	pv_log(pub->log, PV_LOG_INFO, "broker answers in time again");
}

/* Records that stream index stored an event of this process at seq. */
static void
note_acked(pv_publisher *pub, int index, uint64_t seq)
{
	unsigned long long old = atomic_load(&pub->stream_acked_seq[index]);

	while (seq > old && !atomic_compare_exchange_weak(
	    &pub->stream_acked_seq[index], &old, seq))
		;
}

static pv_status
publish_one(pv_publisher *pub, int index, const pv_publish_msg *m,
	int64_t deadline, pv_error *err)
{
	const char *stream = pub->cfg->streams[index];
	char subject[PV_SUBJECT_MAX];
	natsMsg *msg = NULL;
	jsPubOptions po;
	ack_waiter w;
	natsStatus s;
	pv_status st;

	if ((st = build_msg(pub, stream, m, subject, &msg, err)) != PV_OK)
		return st;
	w.subject = subject;
	w.error_text[0] = '\0';

	/*
	 * MsgId sets Nats-Msg-Id, and ExpectStream guards against overlaps.
	 * MaxWait stays 0 because nats.c would queue one more internal message
	 * per publish when it expires.  The wait below has its own deadline.
	 */
	jsPubOptions_Init(&po);
	po.MsgId = m->event_id;
	po.ExpectStream = stream;
	/* Nothing was sent: no time-out after which the event may be stored. */
	if (pv_pub_remaining_ms(deadline) <= 0) {
		st = pv_error_set(err, PV_ERR_BROKER, "no time left to "
		    "publish to stream %s; nothing was sent to it", stream);
		goto out;
	}

	s = publish_and_wait(pub, msg, &po, deadline, &w);
	msg = NULL;
	if (s != NATS_OK) {
		st = pv_error_set(err, PV_ERR_BROKER, "nats.c did not take the "
		    "publish to stream %s: %s; nothing was sent", stream,
		    natsStatus_GetText(s));
		goto out;
	}

	/* A reply in time, a denial too, shows the broker is not stalled. */
	if (w.done)
		end_stall(pub);

	/* nats.c keeps a publish it saw no acknowledgement for. */
	if (!w.done || w.status == NATS_NOT_PERMITTED)
		atomic_fetch_add(&pub->unacked, 1);
	s = w.done ? w.status : NATS_TIMEOUT;
	if (s != NATS_OK) {
		st = publish_failure(pub, index, subject, s, &w, err);
		goto out;
	}
	note_acked(pub, index, w.sequence);
	/*
	 * Info, not debug: it also shows a client reusing an id.  Limited,
	 * because after an outage every retry may be one.
	 */
	if (w.duplicate)
		pv_log_limited(pub->log, PV_LOG_INFO, "duplicate event",
		    "stream %s already had event %s (sequence %llu): a retry, "
		    "or the id of another event", stream, m->event_id,
		    (unsigned long long)w.sequence);
	st = PV_OK;
out:
	natsMsg_Destroy(msg);
	return st;
}

/*
 * One stream: bind, then publish.  After no responder took the publish,
 * the next lookup waits for pv_stream_ensure's interval, so this request
 * fails with the publish's reason and does not look the stream up again.
 */
static pv_status
publish_to_stream(pv_publisher *pub, int index, const pv_publish_msg *m,
	int64_t deadline, pv_error *err)
{
	pv_status st;

	st = pv_stream_ensure(pub, index, deadline, err);
	if (st != PV_OK)
		return st;
	return publish_one(pub, index, m, deadline, err);
}

/*
 * Closes the connection after a failed publish when it is not connected.
 * A message handed to nats.c while it reconnects waits in its reconnect
 * buffer and would be sent once a server is back, after the client got
 * its 503.  Closing drops that buffer, so the 503 never turns into a
 * later write.  The next request builds a new connection.
 */
static void
drop_reconnect_buffer(pv_publisher *pub)
{
	if (natsConnection_Status(pub->nc) == NATS_CONN_STATUS_CONNECTED)
		return;
	pv_log(pub->log, PV_LOG_WARNING, "publish failed while reconnecting; "
	    "closing the broker connection to drop what it buffered; "
	    "requests connect again, at most once per second");
	/* This line reports the close, so on_closed does not. */
	atomic_store(&pub->was_connected, false);
	natsConnection_Close(pub->nc);
}

/*
 * Lets the request through unless the broker stalled and another request
 * is already testing it.  Sets *probe when this request is the test.
 * Waits up to PV_PROBE_WAIT_MS for a running test to end.
 */
static bool
may_publish(pv_publisher *pub, bool *probe)
{
	struct timespec until;
	bool expected;
	int rc = 0;

	*probe = false;
	if (atomic_load(&pub->stalled_since_ms) == 0)
		return true;

	until = pv_pub_timespec(pv_pub_now_ms() + PV_PROBE_WAIT_MS);
	pthread_mutex_lock(&pub->probe_lock);
	while (atomic_load(&pub->stalled_since_ms) != 0) {
		expected = false;
		if (atomic_compare_exchange_strong(&pub->probe_busy,
		    &expected, true)) {
			*probe = true;
			break;
		}
		if (rc == ETIMEDOUT)
			break;
		rc = pthread_cond_timedwait(&pub->probe_done, &pub->probe_lock,
		    &until);
	}
	pthread_mutex_unlock(&pub->probe_lock);
	return *probe || atomic_load(&pub->stalled_since_ms) == 0;
}

/* Records the outcome for the stall check. */
static void
note_outcome(pv_publisher *pub, pv_status st, bool probe)
{
	long long none = 0;

	if (st == PV_OK) {
		end_stall(pub);
		/* Limited: permitted and denied subjects may alternate. */
		if (atomic_load(&pub->publish_denied_ms) != 0 &&
		    atomic_exchange(&pub->publish_denied_ms, 0) != 0)
			pv_log_limited(pub->log, PV_LOG_INFO, "permits again",
			    "broker permits publishing again");
	} else if (st == PV_ERR_TIMEOUT &&
	    atomic_compare_exchange_strong(&pub->stalled_since_ms, &none,
	    (long long)pv_pub_now_ms())) {
		pv_log(pub->log, PV_LOG_WARNING, "broker sent no "
		    "acknowledgement in time; one request at a time waits "
		    "for it until it does");
	}
	if (!probe)
		return;

	pthread_mutex_lock(&pub->probe_lock);
	atomic_store(&pub->probe_busy, false);
	pthread_cond_broadcast(&pub->probe_done);
	pthread_mutex_unlock(&pub->probe_lock);
}

/*
 * Adds to err that the streams before the one that failed stored the
 * event, so that "not stored" in the log is not read as all of them.
 */
static void
note_earlier_streams(const pv_publisher *pub, int failed, pv_error *err)
{
	char text[PV_ERROR_TEXT_MAX];

	if (err == NULL)
		return;
	snprintf(text, sizeof(text), "%s", err->text);
	pv_error_set(err, err->status, "%s; the %d stream(s) before it, of "
	    "%d, stored the event", text, failed, pub->cfg->stream_count);
}

pv_status
pv_publisher_publish(pv_publisher *pub, const pv_publish_msg *m,
	pv_error *err)
{
	int64_t deadline = pv_pub_now_ms() + pub->cfg->publish_timeout_ms;
	int64_t max_payload;
	natsConnStatus status;
	pv_status st;
	bool probe;
	int i;

	if ((st = pv_broker_acquire(pub, deadline, err)) != PV_OK)
		return st;

	/* A disconnected publish would sit in nats.c's reconnect buffer. */
	status = natsConnection_Status(pub->nc);
	if (status != NATS_CONN_STATUS_CONNECTED) {
		st = pv_error_set(err, PV_ERR_BROKER, "not connected to the "
		    "broker (%s)", pv_broker_down_reason(pub, status));
		goto out;
	}
	/* No retry helps an event over the server's max_payload. */
	max_payload = natsConnection_GetMaxPayload(pub->nc);
	if (max_payload > 0 && (int64_t)m->body_len + PV_HEADERS_MAX >
	    max_payload) {
		st = pv_error_set(err, PV_ERR_TOO_LARGE, "event of %zu bytes "
		    "exceeds the broker's max_payload of %lld bytes with "
		    "headers", m->body_len, (long long)max_payload);
		goto out;
	}
	if (!may_publish(pub, &probe)) {
		st = pv_error_set(err, PV_ERR_BROKER, "the broker is not "
		    "acknowledging; another request is waiting for it");
		goto out;
	}

	for (i = 0; i < pub->cfg->stream_count; i++) {
		st = publish_to_stream(pub, i, m, deadline, err);
		if (st != PV_OK)
			break;
	}
	if (st != PV_OK && i > 0)
		note_earlier_streams(pub, i, err);
	note_outcome(pub, st, probe);
	if (st == PV_ERR_BROKER || st == PV_ERR_TIMEOUT)
		drop_reconnect_buffer(pub);
out:
	pthread_rwlock_unlock(&pub->lock);
	return st;
}
