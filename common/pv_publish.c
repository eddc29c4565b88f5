/* JetStream publisher; see pv_publish.h. */
#define _GNU_SOURCE		/* sem_clockwait */
#include "pv_publish.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>
#include <uuid/uuid.h>

/* JetStream API error codes (nats-server 2.9). */
#define JS_ERR_STREAM_NOT_FOUND		10059
#define JS_ERR_STREAM_NAME_IN_USE	10058
#define JS_ERR_SUBJECTS_OVERLAP		10065
#define JS_ERR_MESSAGE_TOO_LARGE	10054
#define JS_ERR_STORE_FAILED		10077

/* Shortest time-out of one connection attempt, in ms. */
#define PV_CONNECT_TIMEOUT_MIN_MS	100

/*
 * Time between a stream vanishing and creating it again, in ms.
 * nats-server 2.9.10 forgets a deleted stream before it removes the
 * stream's directory, so a stream created with the same name in between
 * loses the files of the messages it acknowledged (seen in
 * tests/faults/stream_deleted.c).
 */
#define PV_RECREATE_DELAY_MS		1000

/*
 * Time after a failed attempt to create a stream during which requests
 * fail at once with its reason, in ms.  A denied creation gets no reply,
 * so each attempt waits out the whole publish time-out.
 */
#define PV_CREATE_RETRY_MS		5000

struct pv_publisher {
	const pv_config *cfg;
	const pv_logger *log;
	char producer[64];

	/*
	 * Writers (connect, rebuild after CLOSED, free) take the lock for
	 * writing; publishes hold it for reading while they use nc and js.
	 */
	pthread_rwlock_t lock;
	natsOptions *opts;
	natsConnection *nc;
	jsCtx *js;
	atomic_bool stream_ready[PV_CONFIG_STREAMS_MAX];
	atomic_llong stream_lost_ms[PV_CONFIG_STREAMS_MAX];	/* now_ms */
	atomic_bool closing;		/* pv_publisher_free has begun */

	/*
	 * Set when a publish timed out and none succeeded since: the broker
	 * stopped answering (stopped, overloaded or half-open).  Meanwhile
	 * one request at a time waits for it.  The others fail with 503 after
	 * at most PV_PROBE_WAIT_MS instead of each waiting out the time-out
	 * while more queue up.
	 */
	atomic_llong stalled_since_ms;
	atomic_bool probe_busy;
	pthread_mutex_t probe_lock;
	pthread_cond_t probe_done;	/* on CLOCK_MONOTONIC, when a probe ends */

	/*
	 * Publishes sent whose acknowledgement did not arrive in time.  nats.c
	 * keeps each pending until its acknowledgement arrives, which never
	 * happens for a denied subject or an acknowledgement lost in a
	 * reconnect.  Renewing the JetStream context frees them.
	 */
	atomic_int unacked;

	/*
	 * The server's last permissions violation.  It arrives on a nats.c
	 * thread while the request that caused it waits for a reply that
	 * never comes, so a time-out soon after it is reported as denied.
	 */
	pthread_mutex_t denied_lock;
	char denied_text[200];
	atomic_llong denied_ms;		/* now_ms of the violation, or 0 */

	/* The last failed creation of each stream: now_ms and its reason. */
	atomic_llong create_failed_ms[PV_CONFIG_STREAMS_MAX];
	char create_error[PV_CONFIG_STREAMS_MAX][PV_ERROR_TEXT_MAX];

	/* Publishes waiting for their acknowledgement (on_pub_ack). */
	pthread_mutex_t ack_lock;
	struct ack_waiter *waiters;
};

/*
 * One publish waiting for its PubAck.  nats.c hands the acknowledgement
 * to on_pub_ack with the message that was published, so the message
 * pointer identifies the waiter.
 */
typedef struct ack_waiter {
	struct ack_waiter *next;	/* in pub->waiters, under ack_lock */
	const natsMsg *msg;
	sem_t answered;			/* posted once the result is in */
	bool done;
	natsStatus status;
	jsErrCode code;
	bool duplicate;
	uint64_t sequence;
} ack_waiter;

/* Room for the NATS headers of one event (four short headers). */
#define PV_HEADERS_MAX		512

/* Outstanding asynchronous publishes per connection, above the threads. */
#define PV_ASYNC_MAX_PENDING	4096

/*
 * Maximum wait, in ms, of a request for the outcome of the request that
 * tests a stalled broker.  A broker that is back acknowledges the test
 * within a few ms, so the waiting requests then publish too.
 */
#define PV_PROBE_WAIT_MS	100

/* Unacknowledged publishes after which the JetStream context is renewed. */
#define PV_UNACKED_MAX	16

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Converts a now_ms() time to a CLOCK_MONOTONIC timespec. */
static struct timespec
monotonic_timespec(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	return ts;
}

/* Broker state changes are logged from nats.c's threads; no blocking. */
static void
on_disconnected(natsConnection *nc, void *closure)
{
	pv_publisher *pub = closure;

	(void)nc;
	/* nats.c also reports a disconnection when we close on purpose. */
	if (atomic_load(&pub->closing))
		return;
	pv_log(pub->log, PV_LOG_WARNING, "broker connection lost; "
	    "reconnecting");
}

static void
on_reconnected(natsConnection *nc, void *closure)
{
	const pv_publisher *pub = closure;
	char url[256] = "", shown[256];

	natsConnection_GetConnectedUrl(nc, url, sizeof(url));
	pv_log(pub->log, PV_LOG_INFO, "broker connection restored to %s",
	    pv_config_redact_url(shown, sizeof(shown), url));
}

static void
on_connected(natsConnection *nc, void *closure)
{
	const pv_publisher *pub = closure;

	(void)nc;
	pv_log(pub->log, PV_LOG_INFO, "connected to the broker");
}

static void
on_closed(natsConnection *nc, void *closure)
{
	const pv_publisher *pub = closure;

	(void)nc;
	pv_log(pub->log, PV_LOG_INFO, "broker connection closed");
}
static void
on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus s,
	void *closure)
{
	pv_publisher *pub = closure;
	const char *text = NULL;
	char shown[200];

	(void)sub;
	/* The connection's last error contains the server's own words. */
	if (natsConnection_GetLastError(nc, &text) != NATS_OK ||
	    text == NULL || text[0] == '\0')
		text = natsStatus_GetText(s);
	pv_log_escape(shown, sizeof(shown), text, strlen(text), 160);
	if (s == NATS_NOT_PERMITTED) {
		pthread_mutex_lock(&pub->denied_lock);
		memcpy(pub->denied_text, shown, sizeof(shown));
		pthread_mutex_unlock(&pub->denied_lock);
		atomic_store(&pub->denied_ms, (long long)now_ms());
	}
	pv_log_limited(pub->log, PV_LOG_ERROR, shown, "broker reported an "
	    "error: %s", shown);
}

/*
 * Records a time-out of what, or the permissions violation behind it:
 * a request the server denied gets no reply and ends in a time-out.
 */
static pv_status
timed_out(pv_publisher *pub, pv_error *err, const char *what)
{
	long long denied = atomic_load(&pub->denied_ms);
	pv_status st;

	if (denied == 0 || now_ms() - denied > pub->cfg->publish_timeout_ms +
	    1000)
		return pv_error_set(err, PV_ERR_TIMEOUT, "%s timed out", what);
	pthread_mutex_lock(&pub->denied_lock);
	st = pv_error_set(err, PV_ERR_BROKER, "%s was not permitted: %s; "
	    "check the broker user's permissions", what, pub->denied_text);
	pthread_mutex_unlock(&pub->denied_lock);
	return st;
}

pv_status
pv_publisher_new(pv_publisher **out, const pv_config *cfg,
	const pv_logger *log, pv_error *err)
{
	pthread_condattr_t attr;
	pv_publisher *pub;
	uuid_t id;
	char text[37];
	int i;

	pub = calloc(1, sizeof(*pub));
	if (pub == NULL)
		return pv_error_set(err, PV_ERR_NOMEM, "publisher: out of "
		    "memory");
	if (pthread_rwlock_init(&pub->lock, NULL) != 0) {
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
		atomic_init(&pub->stream_lost_ms[i], 0);
		atomic_init(&pub->create_failed_ms[i], 0);
	}
	atomic_init(&pub->closing, false);
	atomic_init(&pub->stalled_since_ms, 0);
	atomic_init(&pub->probe_busy, false);
	atomic_init(&pub->unacked, 0);
	atomic_init(&pub->denied_ms, 0);
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

	*out = pub;
	return PV_OK;
}

const char *
pv_publisher_producer(const pv_publisher *pub)
{
	return pub->producer;
}

static pv_status
nats_failure(pv_error *err, const char *what, natsStatus s)
{
	natsStatus last = NATS_OK;
	const char *detail = nats_GetLastError(&last);

	return pv_error_set(err, PV_ERR_BROKER, "%s failed: %s%s%s", what,
	    natsStatus_GetText(s), detail != NULL && detail[0] != '\0' ?
	    ": " : "", detail != NULL ? detail : "");
}

static natsStatus
set_credentials(natsOptions *o, const pv_config *cfg)
{
	natsStatus s = NATS_OK;

	if (cfg->user != NULL)
		s = natsOptions_SetUserInfo(o, cfg->user, cfg->password);
	if (s == NATS_OK && cfg->token != NULL)
		s = natsOptions_SetToken(o, cfg->token);
	if (s == NATS_OK && cfg->creds_file != NULL)
		s = natsOptions_SetUserCredentialsFromFiles(o, cfg->creds_file,
		    NULL);
	if (s == NATS_OK && (cfg->ca_file != NULL || cfg->cert_file != NULL))
		s = natsOptions_SetSecure(o, true);
	if (s == NATS_OK && cfg->ca_file != NULL)
		s = natsOptions_LoadCATrustedCertificates(o, cfg->ca_file);
	if (s == NATS_OK && cfg->cert_file != NULL)
		s = natsOptions_LoadCertificatesChain(o, cfg->cert_file,
		    cfg->key_file);
	return s;
}

/*
 * Returns the time-out of one connection attempt to one server, in ms.
 * nats.c holds the connection's lock during an attempt, so every call on
 * the connection (status, publish, close) can wait that long while a
 * broker accepts TCP connections but does not answer (stopped, or a
 * packet filter dropping traffic).  A quarter of the publish time-out,
 * shared by all servers, keeps the first connect of a request within a
 * quarter of it, and such waits short next to the publish time-out.
 */
static int
connect_timeout_ms(const pv_config *cfg)
{
	int ms = cfg->publish_timeout_ms / (4 * cfg->server_count);

	return ms > PV_CONNECT_TIMEOUT_MIN_MS ? ms : PV_CONNECT_TIMEOUT_MIN_MS;
}

/*
 * Builds the connection options.  Reconnects never stop (a negative
 * limit), and a first connect that fails goes on in the background, so a
 * handler started while the broker is down serves once it is back.  (With
 * no connected callback, nats.c would instead block in the first connect
 * until it succeeds.)
 * Pings every 5 s find a broker that stopped responding (half-open).
 */
static pv_status
build_options(pv_publisher *pub, pv_error *err)
{
	const pv_config *cfg = pub->cfg;
	natsOptions *o = NULL;
	natsStatus s;

	/*
	 * No spinning on nats.c's locks (its default is 2000 tries): with
	 * more threads than cores a spinning waiter burns the time that the
	 * holder needs.  Only the first call opens the library.
	 */
	s = nats_Open(0);
	if (s == NATS_OK)
		s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetServers(o, (const char **)cfg->servers,
		    cfg->server_count);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, pub->producer);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, connect_timeout_ms(cfg));
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, 500);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectJitter(o, 250, 1000);
	if (s == NATS_OK)
		s = natsOptions_SetRetryOnFailedConnect(o, true,
		    on_connected, pub);
	if (s == NATS_OK)
		s = natsOptions_SetPingInterval(o, 5000);
	if (s == NATS_OK)
		s = natsOptions_SetMaxPingsOut(o, 2);
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(o, on_disconnected, pub);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(o, on_reconnected, pub);
	if (s == NATS_OK)
		s = natsOptions_SetClosedCB(o, on_closed, pub);
	if (s == NATS_OK)
		s = natsOptions_SetErrorHandler(o, on_async_error, pub);
	if (s == NATS_OK)
		s = set_credentials(o, cfg);
	if (s != NATS_OK) {
		natsOptions_Destroy(o);
		return nats_failure(err, "setting up the broker connection",
		    s);
	}
	pub->opts = o;
	return PV_OK;
}

static void
drop_connection(pv_publisher *pub)
{
	int i;

	jsCtx_Destroy(pub->js);
	natsConnection_Destroy(pub->nc);
	pub->js = NULL;
	pub->nc = NULL;
	atomic_store(&pub->unacked, 0);
	for (i = 0; i < PV_CONFIG_STREAMS_MAX; i++)
		atomic_store(&pub->stream_ready[i], false);
}

/*
 * Receives every PubAck, or the error or time-out in its place, on a
 * nats.c thread, and wakes the publish waiting for it.  A publish that
 * gave up has left the list, so its late acknowledgement only frees the
 * message.
 */
static void
on_pub_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae,
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

/*
 * Logs why a first connect failed.  An authentication failure is an
 * error (it will not heal by itself); anything else is a warning.  The
 * reason comes from nats.c and the server, never from our secrets.
 */
static void
log_connect_failure(pv_publisher *pub, natsStatus s)
{
	natsStatus last = NATS_OK;
	const char *detail = nats_GetLastError(&last);
	char reason[256];
	bool auth;

	if (detail == NULL || detail[0] == '\0')
		detail = natsStatus_GetText(s);
	auth = s == NATS_CONNECTION_AUTH_FAILED || last ==
	    NATS_CONNECTION_AUTH_FAILED || strstr(detail, "uthoriz") != NULL ||
	    strstr(detail, "uthentic") != NULL;
	pv_log_escape(reason, sizeof(reason), detail, strlen(detail), 160);

	if (auth)
		pv_log_limited(pub->log, PV_LOG_ERROR, "connect: auth", "broker "
		    "authentication failed (%s); check NATS_USER and "
		    "NATS_PASSWORD, NATS_TOKEN or NATS_CREDS", reason);
	else
		pv_log_limited(pub->log, PV_LOG_WARNING, "connect: failed",
		    "broker not reachable (%s); connecting in the background",
		    reason);
}

/*
 * Connects once without background retry, which is the only way nats.c
 * 3.4.1 reports why a first connect failed (with retry on failed connect
 * set, it drops the server's "Authorization Violation").  On failure it
 * logs the reason and connects again with retry, so the connection keeps
 * trying in the background.  The write lock is held.
 */
static natsStatus
connect_reporting_why(pv_publisher *pub)
{
	natsStatus s;

	natsOptions_SetRetryOnFailedConnect(pub->opts, false, NULL, NULL);
	s = natsConnection_Connect(&pub->nc, pub->opts);
	natsOptions_SetRetryOnFailedConnect(pub->opts, true, on_connected, pub);
	if (s == NATS_OK)
		return s;

	log_connect_failure(pub, s);
	pub->nc = NULL;
	return natsConnection_Connect(&pub->nc, pub->opts);
}

/* Creates pub->js for pub->nc, with on_pub_ack as acknowledgement handler. */
static natsStatus
new_js(pv_publisher *pub)
{
	jsOptions jo;

	jsOptions_Init(&jo);
	jo.Wait = pub->cfg->publish_timeout_ms;
	jo.PublishAsync.MaxPending = PV_ASYNC_MAX_PENDING;
	jo.PublishAsync.AckHandler = on_pub_ack;
	jo.PublishAsync.AckHandlerClosure = pub;
	return natsConnection_JetStream(&pub->js, pub->nc, &jo);
}

/* Connects, or rebuilds a CLOSED connection.  The write lock is held. */
static pv_status
connect_locked(pv_publisher *pub, pv_error *err)
{
	natsStatus s;
	pv_status st;

	if (pub->nc != NULL &&
	    natsConnection_Status(pub->nc) != NATS_CONN_STATUS_CLOSED)
		return PV_OK;
	if (pub->nc != NULL)
		drop_connection(pub);
	if (pub->opts == NULL && (st = build_options(pub, err)) != PV_OK)
		return st;

	s = connect_reporting_why(pub);
	if (s == NATS_NOT_YET_CONNECTED)
		s = NATS_OK;
	if (s != NATS_OK) {
		pub->nc = NULL;
		return nats_failure(err, "connecting to the broker", s);
	}

	s = new_js(pub);
	if (s != NATS_OK) {
		natsConnection_Destroy(pub->nc);
		pub->nc = NULL;
		return nats_failure(err, "creating the JetStream context", s);
	}
	if (natsConnection_Status(pub->nc) == NATS_CONN_STATUS_CONNECTED)
		pv_log(pub->log, PV_LOG_INFO, "connected to the broker");
	return PV_OK;
}

/*
 * Replaces the JetStream context once PV_UNACKED_MAX publishes went
 * unacknowledged, which frees what nats.c still keeps of them.  No publish
 * is in flight because the write lock is held.
 */
static pv_status
renew_js_locked(pv_publisher *pub, pv_error *err)
{
	int unacked = atomic_load(&pub->unacked);
	natsStatus s;

	if (pub->nc == NULL || unacked < PV_UNACKED_MAX)
		return PV_OK;

	jsCtx_Destroy(pub->js);
	pub->js = NULL;
	atomic_store(&pub->unacked, 0);
	s = new_js(pub);
	if (s != NATS_OK) {
		drop_connection(pub);
		return nats_failure(err, "renewing the JetStream context", s);
	}
	pv_log(pub->log, PV_LOG_INFO, "renewed the JetStream context after "
	    "%d unacknowledged publishes", unacked);
	return PV_OK;
}

static void
deadline_to_timespec(int64_t deadline, struct timespec *ts)
{
	int64_t left = deadline - now_ms();

	clock_gettime(CLOCK_REALTIME, ts);
	if (left < 0)
		left = 0;
	ts->tv_sec += left / 1000;
	ts->tv_nsec += (left % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/*
 * Takes the read lock with a usable connection, connecting first when
 * there is none.  On PV_OK the caller holds the read lock.
 */
static pv_status
acquire(pv_publisher *pub, int64_t deadline, pv_error *err)
{
	struct timespec until;
	pv_status st;

	deadline_to_timespec(deadline, &until);
	if (pthread_rwlock_timedrdlock(&pub->lock, &until) != 0)
		return pv_error_set(err, PV_ERR_TIMEOUT, "timed out waiting "
		    "for the broker connection");
	if (pub->nc != NULL &&
	    natsConnection_Status(pub->nc) != NATS_CONN_STATUS_CLOSED &&
	    atomic_load(&pub->unacked) < PV_UNACKED_MAX)
		return PV_OK;
	pthread_rwlock_unlock(&pub->lock);

	if (pthread_rwlock_timedwrlock(&pub->lock, &until) != 0)
		return pv_error_set(err, PV_ERR_TIMEOUT, "timed out waiting "
		    "for the broker connection");
	st = connect_locked(pub, err);
	if (st == PV_OK)
		st = renew_js_locked(pub, err);
	pthread_rwlock_unlock(&pub->lock);
	if (st != PV_OK)
		return st;

	if (pthread_rwlock_timedrdlock(&pub->lock, &until) != 0)
		return pv_error_set(err, PV_ERR_TIMEOUT, "timed out waiting "
		    "for the broker connection");
	if (pub->nc == NULL) {
		pthread_rwlock_unlock(&pub->lock);
		return pv_error_set(err, PV_ERR_BROKER, "no broker "
		    "connection");
	}
	return PV_OK;
}

static int64_t
remaining_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? left : 0;
}

/*
 * Returns true when an existing stream takes "<name>.>" as a whole (the
 * subjects it is created with), so every event subject of the handler.
 */
static bool
stream_takes_subjects(const char *name, const jsStreamInfo *si)
{
	char wanted[PV_CONFIG_STREAM_NAME_MAX + 3];
	int i;

	snprintf(wanted, sizeof(wanted), "%s.>", name);
	for (i = 0; si->Config != NULL && i < si->Config->SubjectsLen; i++)
		if (strcmp(si->Config->Subjects[i], wanted) == 0 ||
		    strcmp(si->Config->Subjects[i], ">") == 0)
			return true;
	return false;
}

static pv_status
add_stream(pv_publisher *pub, const char *name, int64_t deadline,
	pv_error *err)
{
	char subject[PV_CONFIG_STREAM_NAME_MAX + 3], what[96];
	const char *subjects[1] = { subject };
	jsStreamConfig sc;
	jsStreamInfo *si = NULL;
	jsOptions jo;
	jsErrCode jerr = 0;
	natsStatus s;

	snprintf(subject, sizeof(subject), "%s.>", name);
	jsStreamConfig_Init(&sc);
	sc.Name = name;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	sc.Retention = js_LimitsPolicy;
	sc.Replicas = pub->cfg->replicas;
	sc.Duplicates = pub->cfg->duplicate_window_s * 1000000000LL;
	/* MaxAge 0: events are kept until an operator removes them. */
	sc.MaxAge = 0;

	jsOptions_Init(&jo);
	jo.Wait = remaining_ms(deadline);
	if (jo.Wait <= 0)
		return pv_error_set(err, PV_ERR_TIMEOUT, "no time left to "
		    "create stream %s", name);
	s = js_AddStream(&si, pub->js, &sc, &jo, &jerr);
	jsStreamInfo_Destroy(si);

	/* Another worker may have created it a moment ago. */
	if (s == NATS_OK || jerr == JS_ERR_STREAM_NAME_IN_USE) {
		pv_log(pub->log, PV_LOG_INFO, "created stream %s (subjects %s, "
		    "file storage, %d replica(s))", name, subject,
		    pub->cfg->replicas);
		return PV_OK;
	}
	if (jerr == JS_ERR_SUBJECTS_OVERLAP)
		return pv_error_set(err, PV_ERR_BROKER, "cannot create stream "
		    "%s: subject %s overlaps another stream", name, subject);
	if (s == NATS_TIMEOUT) {
		snprintf(what, sizeof(what), "creating stream %s", name);
		return timed_out(pub, err, what);
	}
	return pv_error_set(err, PV_ERR_BROKER, "cannot create stream %s: %s "
	    "(JetStream error %d)", name, natsStatus_GetText(s), (int)jerr);
}

/* Records why creating stream index failed, under denied_lock. */
static void
note_create_failure(pv_publisher *pub, int index, const pv_error *err)
{
	pthread_mutex_lock(&pub->denied_lock);
	snprintf(pub->create_error[index], sizeof(pub->create_error[index]),
	    "%s", err != NULL ? err->text : "creating the stream failed");
	pthread_mutex_unlock(&pub->denied_lock);
	atomic_store(&pub->create_failed_ms[index], (long long)now_ms());
}

/*
 * Creates stream index, unless an attempt failed less than
 * PV_CREATE_RETRY_MS ago.
 */
static pv_status
create_stream(pv_publisher *pub, int index, int64_t deadline, pv_error *err)
{
	pv_status st;

	if (now_ms() - atomic_load(&pub->create_failed_ms[index]) <
	    PV_CREATE_RETRY_MS) {
		pthread_mutex_lock(&pub->denied_lock);
		st = pv_error_set(err, PV_ERR_BROKER, "%s (no new attempt for "
		    "%d s)", pub->create_error[index],
		    PV_CREATE_RETRY_MS / 1000);
		pthread_mutex_unlock(&pub->denied_lock);
		return st;
	}

	st = add_stream(pub, pub->cfg->streams[index], deadline, err);
	if (st == PV_OK)
		atomic_store(&pub->stream_ready[index], true);
	else if (st == PV_ERR_BROKER)
		note_create_failure(pub, index, err);
	return st;
}

/* Binds to stream index, creating it when it does not exist. */
static pv_status
ensure_stream(pv_publisher *pub, int index, int64_t deadline, pv_error *err)
{
	const char *name = pub->cfg->streams[index];
	jsStreamInfo *si = NULL;
	char what[96];
	jsOptions jo;
	jsErrCode jerr = 0;
	natsStatus s;

	if (atomic_load(&pub->stream_ready[index]))
		return PV_OK;

	/* A Wait of 0 would mean nats.c's default of 5 s, past the deadline. */
	jsOptions_Init(&jo);
	jo.Wait = remaining_ms(deadline);
	if (jo.Wait <= 0)
		return pv_error_set(err, PV_ERR_TIMEOUT, "no time left to look "
		    "up stream %s", name);
	s = js_GetStreamInfo(&si, pub->js, name, &jo, &jerr);
	if (s == NATS_OK && !stream_takes_subjects(name, si)) {
		jsStreamInfo_Destroy(si);
		return pv_error_set(err, PV_ERR_BROKER, "stream %s exists but "
		    "does not take the subjects %s.>; change its subjects or "
		    "PHOTOVOTE_STREAMS", name, name);
	}
	if (s == NATS_OK) {
		jsStreamInfo_Destroy(si);
		if (!atomic_exchange(&pub->stream_ready[index], true))
			pv_log(pub->log, PV_LOG_INFO, "bound to stream %s",
			    name);
		return PV_OK;
	}

	if ((s == NATS_NOT_FOUND || jerr == JS_ERR_STREAM_NOT_FOUND) &&
	    !pub->cfg->create_streams)
		return pv_error_set(err, PV_ERR_BROKER, "stream %s not found "
		    "(PHOTOVOTE_CREATE_STREAMS=false)", name);
	if ((s == NATS_NOT_FOUND || jerr == JS_ERR_STREAM_NOT_FOUND) &&
	    now_ms() - atomic_load(&pub->stream_lost_ms[index]) <
	    PV_RECREATE_DELAY_MS)
		return pv_error_set(err, PV_ERR_BROKER, "stream %s was deleted; "
		    "creating it again %d ms later", name, PV_RECREATE_DELAY_MS);
	if (s == NATS_NOT_FOUND || jerr == JS_ERR_STREAM_NOT_FOUND)
		return create_stream(pub, index, deadline, err);
	if (s == NATS_TIMEOUT) {
		snprintf(what, sizeof(what), "looking up stream %s", name);
		return timed_out(pub, err, what);
	}
	/* NATS_NO_RESPONDERS here: JetStream is off or has no leader. */
	return pv_error_set(err, PV_ERR_BROKER, "cannot look up stream %s: %s "
	    "(JetStream error %d)", name, natsStatus_GetText(s), (int)jerr);
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

static pv_status
build_msg(const pv_publisher *pub, const char *stream,
	const pv_publish_msg *m, natsMsg **out, pv_error *err)
{
	const char *event_class = strrchr(m->event_type, '.');
	char subject[256], event_type[128];
	natsStatus s;

	event_class = event_class != NULL ? event_class + 1 : m->event_type;
	if (!is_subject_token(m->election_id) || !is_subject_token(
	    event_class) || m->body_len > (size_t)INT32_MAX)
		return pv_error_set(err, PV_ERR_ARG, "event cannot be "
		    "published: invalid subject token or body size");

	snprintf(subject, sizeof(subject), "%s.%s.%s.%s", stream,
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
		return nats_failure(err, "building the message", s);
	}
	return PV_OK;
}

/* Maps a failed js_PublishMsg to a status and an operator's message. */
static pv_status
publish_failure(pv_publisher *pub, int index, natsStatus s, jsErrCode jerr,
	pv_error *err)
{
	const char *stream = pub->cfg->streams[index];
	char what[128];

	if (s == NATS_TIMEOUT) {
		snprintf(what, sizeof(what), "the acknowledgement of stream %s "
		    "(%d ms)", stream, pub->cfg->publish_timeout_ms);
		return timed_out(pub, err, what);
	}
	if (s == NATS_NO_RESPONDERS) {
		/* Look the stream up again before the next publish. */
		if (atomic_exchange(&pub->stream_ready[index], false))
			atomic_store(&pub->stream_lost_ms[index], now_ms());
		return pv_error_set(err, PV_ERR_BROKER, "no stream took the "
		    "message for %s (stream deleted, JetStream disabled or "
		    "electing a leader)", stream);
	}
	if (jerr == JS_ERR_MESSAGE_TOO_LARGE)
		return pv_error_set(err, PV_ERR_BROKER, "stream %s rejected "
		    "the message as too large", stream);
	if (jerr == JS_ERR_STORE_FAILED)
		return pv_error_set(err, PV_ERR_BROKER, "stream %s failed to "
		    "store the message", stream);
	return pv_error_set(err, PV_ERR_BROKER, "publishing to stream %s "
	    "failed: %s (JetStream error %d)", stream, natsStatus_GetText(s),
	    (int)jerr);
}

/*
 * Publishes msg asynchronously and waits until on_pub_ack has its result
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

	until = monotonic_timespec(deadline);
	while (s == NATS_OK && rc != 0) {
		rc = sem_clockwait(&w->answered, CLOCK_MONOTONIC, &until);
		if (rc != 0 && errno != EINTR)
			break;
	}

	/* Not acknowledged: leave the list unless on_pub_ack claimed w. */
	if (rc != 0) {
		pthread_mutex_lock(&pub->ack_lock);
		for (link = &pub->waiters; *link != NULL && *link != w;
		    link = &(*link)->next)
			;
		claimed = *link == NULL;
		if (!claimed)
			*link = w->next;
		pthread_mutex_unlock(&pub->ack_lock);

		/* on_pub_ack posts once it is done with w. */
		while (claimed && sem_wait(&w->answered) != 0)
			;
	}
	sem_destroy(&w->answered);
	return s;
}

static pv_status
publish_one(pv_publisher *pub, int index, const pv_publish_msg *m,
	int64_t deadline, pv_error *err)
{
	const char *stream = pub->cfg->streams[index];
	natsMsg *msg = NULL;
	jsPubOptions po;
	ack_waiter w;
	natsStatus s;
	pv_status st;

	if ((st = build_msg(pub, stream, m, &msg, err)) != PV_OK)
		return st;

	/*
	 * MsgId sets Nats-Msg-Id, and ExpectStream guards against overlaps.
	 * MaxWait stays 0 because nats.c would queue one more internal message
	 * per publish when it expires.  The wait below has its own deadline.
	 */
	jsPubOptions_Init(&po);
	po.MsgId = m->event_id;
	po.ExpectStream = stream;
	if (remaining_ms(deadline) <= 0) {
		st = pv_error_set(err, PV_ERR_TIMEOUT, "no time left to "
		    "publish to stream %s", stream);
		goto out;
	}

	s = publish_and_wait(pub, msg, &po, deadline, &w);
	msg = NULL;
	if (s == NATS_OK && !w.done) {
		atomic_fetch_add(&pub->unacked, 1);
		s = NATS_TIMEOUT;
	} else if (s == NATS_OK)
		s = w.status;
	if (s != NATS_OK) {
		st = publish_failure(pub, index, s, w.done ? w.code : 0, err);
		goto out;
	}
	if (w.duplicate)
		pv_log(pub->log, PV_LOG_DEBUG, "stream %s already had event %s "
		    "(sequence %llu)", stream, m->event_id,
		    (unsigned long long)w.sequence);
	st = PV_OK;
out:
	natsMsg_Destroy(msg);
	return st;
}

/* One stream: bind, publish, and once more after a vanished stream. */
static pv_status
publish_to_stream(pv_publisher *pub, int index, const pv_publish_msg *m,
	int64_t deadline, pv_error *err)
{
	pv_status st;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		st = ensure_stream(pub, index, deadline, err);
		if (st != PV_OK)
			return st;
		st = publish_one(pub, index, m, deadline, err);
		if (st != PV_ERR_BROKER ||
		    atomic_load(&pub->stream_ready[index]))
			return st;
	}
	return st;
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
	    "closing the broker connection to drop what it buffered");
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

	until = monotonic_timespec(now_ms() + PV_PROBE_WAIT_MS);
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
		if (atomic_exchange(&pub->stalled_since_ms, 0) != 0)
			pv_log(pub->log, PV_LOG_INFO, "broker acknowledges "
			    "again");
	} else if (st == PV_ERR_TIMEOUT &&
	    atomic_compare_exchange_strong(&pub->stalled_since_ms, &none,
	    (long long)now_ms())) {
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

pv_status
pv_publisher_publish(pv_publisher *pub, const pv_publish_msg *m,
	pv_error *err)
{
	int64_t deadline = now_ms() + pub->cfg->publish_timeout_ms;
	int64_t max_payload;
	pv_status st;
	bool probe;
	int i;

	if ((st = acquire(pub, deadline, err)) != PV_OK)
		return st;

	/* A disconnected publish would sit in nats.c's reconnect buffer. */
	if (natsConnection_Status(pub->nc) != NATS_CONN_STATUS_CONNECTED) {
		st = pv_error_set(err, PV_ERR_BROKER, "not connected to the "
		    "broker (reconnecting)");
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
	note_outcome(pub, st, probe);
	if (st == PV_ERR_BROKER || st == PV_ERR_TIMEOUT)
		drop_reconnect_buffer(pub);
out:
	pthread_rwlock_unlock(&pub->lock);
	return st;
}

void
pv_publisher_free(pv_publisher *pub, int timeout_ms)
{
	bool opened;

	if (pub == NULL)
		return;

	atomic_store(&pub->closing, true);
	pthread_rwlock_wrlock(&pub->lock);
	if (pub->nc != NULL &&
	    natsConnection_Status(pub->nc) == NATS_CONN_STATUS_CONNECTED)
		natsConnection_FlushTimeout(pub->nc, timeout_ms);
	if (pub->nc != NULL)
		natsConnection_Close(pub->nc);
	drop_connection(pub);
	opened = pub->opts != NULL;
	natsOptions_Destroy(pub->opts);
	pub->opts = NULL;
	pthread_rwlock_unlock(&pub->lock);

	/*
	 * nats.c runs the closed and disconnected callbacks, which use pub,
	 * on its own threads: wait for them before pub goes away.  Only a
	 * process that opened the library stops it.
	 */
	if (opened)
		nats_CloseAndWait(timeout_ms);

	pthread_rwlock_destroy(&pub->lock);
	pthread_mutex_destroy(&pub->ack_lock);
	pthread_mutex_destroy(&pub->denied_lock);
	pthread_mutex_destroy(&pub->probe_lock);
	pthread_cond_destroy(&pub->probe_done);
	free(pub);
}

static const char *
connection_state(natsConnection *nc)
{
	if (nc == NULL)
		return "not connected";
	switch (natsConnection_Status(nc)) {
	case NATS_CONN_STATUS_CONNECTED: return "connected";
	case NATS_CONN_STATUS_CONNECTING: return "connecting";
	case NATS_CONN_STATUS_RECONNECTING: return "reconnecting";
	case NATS_CONN_STATUS_CLOSED: return "closed";
	default: return "disconnected";
	}
}

/* Appends the health report; the lock is held for reading when nc != NULL. */
static pv_status
write_health(const pv_publisher *pub, natsConnection *nc, pv_status st,
	const pv_error *err, pv_buf *out)
{
	pv_status wst;
	int i;

	wst = pv_buf_printf(out, "{\"status\":\"%s\",\"broker\":\"%s\","
	    "\"streams\":{", st == PV_OK ? "ok" : "unavailable",
	    connection_state(nc));
	for (i = 0; wst == PV_OK && i < pub->cfg->stream_count; i++)
		wst = pv_buf_printf(out, "%s\"%s\":\"%s\"", i > 0 ? "," : "",
		    pub->cfg->streams[i], atomic_load(&pub->stream_ready[i]) ?
		    "bound" : "not bound");
	if (wst == PV_OK)
		wst = pv_buf_append_str(out, "}");
	/* The detail is our own text, never client input. */
	if (wst == PV_OK && st != PV_OK) {
		wst = pv_buf_append_str(out, ",\"detail\":");
		if (wst == PV_OK)
			wst = pv_buf_append_json_string(out, err->text,
			    strlen(err->text));
	}
	if (wst == PV_OK)
		wst = pv_buf_append_str(out, "}");
	return wst;
}

pv_status
pv_publisher_health(pv_publisher *pub, pv_buf *out)
{
	int64_t deadline = now_ms() + pub->cfg->publish_timeout_ms;
	pv_error err;
	pv_status st, wst;
	int i;

	pv_error_clear(&err);
	st = acquire(pub, deadline, &err);
	if (st != PV_OK) {
		wst = write_health(pub, NULL, st, &err, out);
		return wst != PV_OK ? wst : st;
	}

	if (natsConnection_Status(pub->nc) != NATS_CONN_STATUS_CONNECTED)
		st = pv_error_set(&err, PV_ERR_BROKER, "not connected to the "
		    "broker");
	/* A ping finds a broker that is connected but stopped answering. */
	else if (natsConnection_FlushTimeout(pub->nc,
	    connect_timeout_ms(pub->cfg)) != NATS_OK)
		st = pv_error_set(&err, PV_ERR_BROKER, "the broker did not "
		    "answer a ping within %d ms", connect_timeout_ms(pub->cfg));
	/*
	 * A broker that answers again ends a stall: a load balancer that
	 * took the handler out sends no publish that could end it.
	 */
	else if (atomic_exchange(&pub->stalled_since_ms, 0) != 0)
		pv_log(pub->log, PV_LOG_INFO, "broker answers a ping again");
	for (i = 0; st == PV_OK && i < pub->cfg->stream_count; i++)
		st = ensure_stream(pub, i, deadline, &err);

	wst = write_health(pub, pub->nc, st, &err, out);
	pthread_rwlock_unlock(&pub->lock);
	return wst != PV_OK ? wst : st;
}
