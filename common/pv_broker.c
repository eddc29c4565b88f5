/* The publisher's broker connection and its health check; see pv_publish.h. */
#define _GNU_SOURCE	/* pthread_rwlock_clockrdlock, clockwrlock */

#include "pv_broker.h"
#include "pv_publisher_impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Shortest time-out of one connection attempt, in ms. */
#define PV_CONNECT_TIMEOUT_MIN_MS	100

/* Outstanding asynchronous publishes per connection, above the threads. */
#define PV_ASYNC_MAX_PENDING	4096

/* Unacknowledged publishes after which the JetStream context is renewed. */
#define PV_UNACKED_MAX	16

/*
 * Unacknowledged publishes after which one request waits for the others
 * to release the connection and renews, instead of waiting for a moment
 * when none uses it (except while the broker stalls).  This bounds the
 * memory nats.c keeps for them under steady load.
 */
#define PV_UNACKED_FORCE_MAX	(4 * PV_UNACKED_MAX)

/*
 * Shortest time between building a connection and building it again
 * after nats.c closed it (as it does after bad credentials), in ms.
 */
#define PV_RECONNECT_HOLD_MS	1000

/*
 * Time after a denied publish during which the health check fails, in
 * ms, unless a publish succeeds first.  The health check publishes
 * nothing, so a load balancer that took the handler out sends no publish
 * that could end the state: it ends by itself, and the next denied
 * publish starts it again.
 */
#define PV_DENIED_HEALTH_MS	30000

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

/*
 * Warns when the server's max_payload cannot take an event of
 * PHOTOVOTE_MAX_BODY bytes with its headers: such events would get 413.
 */
static void
check_max_payload(pv_publisher *pub, natsConnection *nc)
{
	int64_t max_payload = natsConnection_GetMaxPayload(nc);

	if (max_payload <= 0 ||
	    (int64_t)pub->cfg->max_body + PV_HEADERS_MAX <= max_payload)
		return;
	pv_log(pub->log, PV_LOG_WARNING, "the broker's max_payload of %lld "
	    "bytes is below PHOTOVOTE_MAX_BODY (%zu bytes) plus %d bytes of "
	    "headers, so an event over %lld bytes in its compact form gets "
	    "413; raise max_payload on the broker or lower "
	    "PHOTOVOTE_MAX_BODY", (long long)max_payload,
	    pub->cfg->max_body, PV_HEADERS_MAX,
	    (long long)max_payload - PV_HEADERS_MAX);
}

static void
on_reconnected(natsConnection *nc, void *closure)
{
	pv_publisher *pub = closure;
	char url[256] = "", shown[256];

	atomic_store(&pub->auth_failed, false);
	natsConnection_GetConnectedUrl(nc, url, sizeof(url));
	pv_log_flush_suppressed(pub->log);
	pv_log(pub->log, PV_LOG_INFO, "broker connection restored to %s",
	    pv_config_redact_url(shown, sizeof(shown), url));
	check_max_payload(pub, nc);
}

static void
on_connected(natsConnection *nc, void *closure)
{
	pv_publisher *pub = closure;

	atomic_store(&pub->auth_failed, false);
	atomic_store(&pub->was_connected, true);
	pv_log_flush_suppressed(pub->log);
	pv_log(pub->log, PV_LOG_INFO, "connected to the broker");
	check_max_payload(pub, nc);
}

/*
 * Logs once that the current connection closed, unless it never reached
 * the broker.  Such a connection closes after each failed attempt, and
 * requests already report the reason of each one.
 */
static void
report_closed(pv_publisher *pub)
{
	if (atomic_load(&pub->closing) ||
	    !atomic_exchange(&pub->was_connected, false))
		return;
	pv_log_limited(pub->log, PV_LOG_INFO, "connect: closed", "broker "
	    "connection closed");
}

static void
on_closed(natsConnection *nc, void *closure)
{
	pv_publisher *pub = closure;

	/*
	 * nats.c may run this after the connection was replaced, which
	 * reported the close already.  (nats.c keeps nc allocated until the
	 * callback returns, so a new connection cannot have its address.)
	 */
	if (nc != atomic_load(&pub->current_nc))
		return;
	report_closed(pub);
}

/*
 * Copies to subject (size bytes) the subject of a denied publish, from
 * the server's words: 'Permissions Violation for Publish to "SUBJECT"'.
 * Returns false when text is no such denial.
 */
static bool
denied_publish_subject(const char *text, char *subject, size_t size)
{
	static const char marker[] = "publish to \"";
	const char *start = NULL, *end;
	size_t len;

	for (; *text != '\0' && start == NULL; text++)
		if (strncasecmp(text, marker, sizeof(marker) - 1) == 0)
			start = text + sizeof(marker) - 1;
	if (start == NULL || (end = strchr(start, '"')) == NULL)
		return false;
	len = (size_t)(end - start);
	if (len == 0 || len >= size)
		return false;
	memcpy(subject, start, len);
	subject[len] = '\0';
	return true;
}

static void
on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus s,
	void *closure)
{
	pv_publisher *pub = closure;
	const char *text = NULL;
	char shown[200], subject[256];
	natsStatus last = NATS_OK;

	(void)sub;
	/*
	 * nats.c hands each callback the server's words for its own error in
	 * the thread's last error.  The connection's last error is shared and
	 * may already contain the next one.  (Both calls return the error's
	 * status, not whether they succeeded.)
	 */
	text = nats_GetLastError(&last);
	if (last != s || text == NULL || text[0] == '\0')
		natsConnection_GetLastError(nc, &text);
	if (text == NULL || text[0] == '\0')
		text = natsStatus_GetText(s);
	text = pv_log_skip_location(text);
	pv_log_escape(shown, sizeof(shown), text, strlen(text), 160);
	if (s == NATS_NOT_PERMITTED) {
		pthread_mutex_lock(&pub->denied_lock);
		memcpy(pub->denied_text, shown, sizeof(shown));
		pthread_mutex_unlock(&pub->denied_lock);
		atomic_store(&pub->denied_ms, (long long)pv_pub_now_ms());
		if (denied_publish_subject(text, subject, sizeof(subject)))
			pv_pub_on_denied(pub, subject, shown);
	}
	pv_log_limited(pub->log, PV_LOG_ERROR, shown, "broker reported an "
	    "error: %s", shown);
}

/*
 * Fails the health check while the last publish was denied, for up to
 * PV_DENIED_HEALTH_MS.
 */
static pv_status
check_denied(pv_publisher *pub, pv_error *err)
{
	long long denied = atomic_load(&pub->publish_denied_ms);
	long long ago = pv_pub_now_ms() - denied;
	pv_status st;

	if (denied == 0 || ago > PV_DENIED_HEALTH_MS)
		return PV_OK;
	pthread_mutex_lock(&pub->denied_lock);
	st = pv_error_set(err, PV_ERR_BROKER, "the broker denied a publish "
	    "%lld s ago: %s; check the broker user's permissions", ago / 1000,
	    pub->publish_denied_text);
	pthread_mutex_unlock(&pub->denied_lock);
	return st;
}

pv_status
pv_broker_timed_out(pv_publisher *pub, pv_error *err, const char *what)
{
	long long denied = atomic_load(&pub->denied_ms);
	pv_status st;

	if (denied == 0 ||
	    pv_pub_now_ms() - denied > pub->cfg->publish_timeout_ms + 1000)
		return pv_error_set(err, PV_ERR_TIMEOUT, "%s timed out", what);
	pthread_mutex_lock(&pub->denied_lock);
	st = pv_error_set(err, PV_ERR_BROKER, "%s was not permitted: %s; "
	    "check the broker user's permissions", what, pub->denied_text);
	pthread_mutex_unlock(&pub->denied_lock);
	return st;
}

const char *
pv_broker_down_reason(pv_publisher *pub, natsConnStatus status)
{
	if (atomic_load(&pub->auth_failed))
		return "authentication failed";
	if (pub->nc == NULL)
		return "not reachable";
	if (status == NATS_CONN_STATUS_CLOSED)
		return "connection closed";
	return "reconnecting";
}

pv_status
pv_broker_failure(pv_error *err, const char *what, natsStatus s)
{
	natsStatus last = NATS_OK;
	const char *text = natsStatus_GetText(s);
	const char *detail = pv_log_skip_location(nats_GetLastError(&last));

	/* nats.c often records the status text itself as the detail. */
	if (detail == NULL || strcmp(detail, text) == 0)
		detail = "";
	return pv_error_set(err, PV_ERR_BROKER, "%s failed: %s%s%s", what,
	    text, detail[0] != '\0' ? ": " : "", detail);
}

natsStatus
pv_broker_set_credentials(natsOptions *o, const pv_config *cfg)
{
	natsStatus s = NATS_OK;

	if (cfg->user != NULL)
		s = natsOptions_SetUserInfo(o, cfg->user, cfg->password);
	if (s == NATS_OK && cfg->token != NULL)
		s = natsOptions_SetToken(o, cfg->token);
	if (s == NATS_OK && cfg->creds_file != NULL)
		s = natsOptions_SetUserCredentialsFromFiles(o, cfg->creds_file,
		    NULL);
	if (s == NATS_OK && pv_config_requires_tls(cfg))
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
 * broker accepts TCP connections but does not respond (stopped, or a
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

pv_status
pv_broker_open_library(pv_publisher *pub, pv_error *err)
{
	natsStatus s;

	if (pub->library_open)
		return PV_OK;

	/*
	 * No spinning on nats.c's locks (its default is 2000 tries): with
	 * more threads than cores a spinning waiter burns the time that the
	 * holder needs.  (nats.c opens the library itself, with the default,
	 * the first time it records an error, so this comes first.)
	 */
	s = nats_Open(0);
	if (s != NATS_OK)
		return pv_broker_failure(err, "opening the NATS library", s);
	pub->library_open = true;
	return PV_OK;
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
	pv_status st;

	if ((st = pv_broker_open_library(pub, err)) != PV_OK)
		return st;
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
		s = pv_broker_set_credentials(o, cfg);
	if (s != NATS_OK) {
		natsOptions_Destroy(o);
		return pv_broker_failure(err, "setting up the broker "
		    "connection", s);
	}
	pub->opts = o;
	return PV_OK;
}

void
pv_broker_drop(pv_publisher *pub)
{
	int i;

	report_closed(pub);
	atomic_store(&pub->current_nc, NULL);
	jsCtx_Destroy(pub->js);
	natsConnection_Destroy(pub->nc);
	pub->js = NULL;
	pub->nc = NULL;
	atomic_store(&pub->unacked, 0);
	for (i = 0; i < PV_CONFIG_STREAMS_MAX; i++) {
		atomic_store(&pub->stream_ready[i], false);
		atomic_store(&pub->stream_created[i], false);
		atomic_store(&pub->stream_relookup_ms[i], 0);
	}
}

/* Writes the configured broker URLs, without credentials, to out. */
static void
describe_servers(const pv_publisher *pub, char *out, size_t size)
{
	char url[256];
	size_t used = 0;
	int i, n;

	out[0] = '\0';
	for (i = 0; i < pub->cfg->server_count && used < size; i++) {
		n = snprintf(out + used, size - used, "%s%s", i > 0 ? ", " : "",
		    pv_config_redact_url(url, sizeof(url),
		    pub->cfg->servers[i]));
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/*
 * Returns true when the connect that returned s failed because the
 * server rejected the login, by nats.c's status or the server's words.
 */
static bool
login_rejected(natsStatus s)
{
	natsStatus last = NATS_OK;
	const char *detail = nats_GetLastError(&last);

	if (detail == NULL)
		detail = "";
	return s == NATS_CONNECTION_AUTH_FAILED ||
	    last == NATS_CONNECTION_AUTH_FAILED ||
	    strstr(detail, "uthoriz") != NULL ||
	    strstr(detail, "uthentic") != NULL;
}

/*
 * Logs why a first connect failed.  An authentication failure is an
 * error (it will not heal by itself); anything else is a warning.  The
 * reason comes from nats.c and the server, never from our secrets.
 */
static void
log_connect_failure(pv_publisher *pub, natsStatus s, bool background)
{
	natsStatus last = NATS_OK;
	const char *detail = nats_GetLastError(&last);
	char reason[256], servers[512];
	const char *hint = "", *names;
	bool auth, no_tls;

	auth = login_rejected(s);
	if (detail == NULL || detail[0] == '\0')
		detail = natsStatus_GetText(s);
	detail = pv_log_skip_location(detail);
	pv_log_escape(reason, sizeof(reason), detail, strlen(detail), 160);
	describe_servers(pub, servers, sizeof(servers));
	atomic_store(&pub->auth_failed, auth);
	no_tls = s == NATS_SECURE_CONNECTION_WANTED ||
	    last == NATS_SECURE_CONNECTION_WANTED;
	if (no_tls && pv_config_has_tls_urls(pub->cfg))
		hint = "; the broker offers no TLS: use nats:// URLs or enable "
		    "TLS on the broker";
	else if (no_tls)
		hint = "; the broker offers no TLS, which NATS_CA or NATS_CERT "
		    "turns on: unset them or enable TLS on the broker";
	else if (strstr(detail, "SSL handshake") != NULL &&
	    pub->cfg->ca_file == NULL)
		hint = "; set NATS_CA to the CA certificate that signed the "
		    "broker's certificate";
	else if (strstr(detail, "SSL handshake") != NULL &&
	    strstr(detail, "certificate") != NULL)
		hint = "; check that NATS_CA is the CA certificate that signed "
		    "the broker's certificate";
	/* A broker that wants a client certificate drops the login. */
	else if (strstr(detail, "Expected 'PONG'") != NULL &&
	    pub->cfg->cert_file == NULL)
		hint = "; the broker closed the connection at the login: if it "
		    "requires client certificates (verify: true), set "
		    "NATS_CERT and NATS_KEY; its log says why";
	/* nats.c waits connect_timeout for the server's INFO line. */
	else if (s == NATS_TIMEOUT || last == NATS_TIMEOUT)
		hint = "; nothing answered as a NATS server in time: check "
		    "that NATS_URL names a NATS server's client port and "
		    "that the server is up";

	names = pv_config_credential_names(pub->cfg);
	if (auth && names != NULL)
		pv_log_limited(pub->log, PV_LOG_ERROR, "connect: auth",
		    "broker authentication failed at %s (%s); check %s",
		    servers, reason, names);
	else if (auth)
		pv_log_limited(pub->log, PV_LOG_ERROR, "connect: auth",
		    "broker authentication failed at %s (%s); the broker "
		    "requires credentials: set NATS_USER and NATS_PASSWORD, "
		    "NATS_TOKEN or NATS_CREDS", servers, reason);
	else
		pv_log_limited(pub->log, PV_LOG_WARNING, "connect: failed",
		    "broker not reachable at %s (%s%s); %s", servers, reason,
		    hint, background ? "a running handler keeps connecting "
		    "in the background" : "a running handler connects again "
		    "with a request at most every second");
}

/*
 * Connects once without background retry, which is the only way nats.c
 * 3.4.1 reports why a first connect failed (with retry on failed connect
 * set, it drops the server's "Authorization Violation").  On failure it
 * logs the reason and connects again with retry, so the connection keeps
 * trying in the background.  That second pass tries every URL once more
 * before it returns, so it is left out when the time to deadline is
 * shorter than the first pass took; pub->nc is then NULL.  The write
 * lock is held.
 */
static natsStatus
connect_reporting_why(pv_publisher *pub, int64_t deadline)
{
	int64_t start = pv_pub_now_ms();
	bool background;
	natsStatus s;

	natsOptions_SetRetryOnFailedConnect(pub->opts, false, NULL, NULL);
	s = natsConnection_Connect(&pub->nc, pub->opts);
	/*
	 * nats.c 3.4.1 leaves the signature out of its CONNECT when the
	 * signature's first byte is zero, so the server rejects 1 in 256
	 * logins with a creds file.  A second login signs another nonce.
	 */
	if (s != NATS_OK && pub->cfg->creds_file != NULL && login_rejected(s))
		s = natsConnection_Connect(&pub->nc, pub->opts);
	natsOptions_SetRetryOnFailedConnect(pub->opts, true, on_connected, pub);
	if (s == NATS_OK) {
		/* on_connected runs only for a connect retried later. */
		atomic_store(&pub->auth_failed, false);
		return s;
	}

	pub->nc = NULL;
	background = pv_pub_remaining_ms(deadline) > pv_pub_now_ms() - start;
	log_connect_failure(pub, s, background);
	if (!background)
		return s;
	return natsConnection_Connect(&pub->nc, pub->opts);
}

/* Creates pub->js for pub->nc; pv_pub_on_ack receives the PubAcks. */
static natsStatus
new_js(pv_publisher *pub)
{
	jsOptions jo;

	jsOptions_Init(&jo);
	jo.Wait = pub->cfg->publish_timeout_ms;
	jo.PublishAsync.MaxPending = PV_ASYNC_MAX_PENDING;
	jo.PublishAsync.AckHandler = pv_pub_on_ack;
	jo.PublishAsync.AckHandlerClosure = pub;
	return natsConnection_JetStream(&pub->js, pub->nc, &jo);
}

/*
 * Connects, or rebuilds a CLOSED connection, within deadline as far as
 * the per-attempt time-out allows.  The write lock is held.
 */
static pv_status
connect_locked(pv_publisher *pub, int64_t deadline, pv_error *err)
{
	natsStatus s;
	pv_status st;

	if (pub->nc != NULL &&
	    natsConnection_Status(pub->nc) != NATS_CONN_STATUS_CLOSED)
		return PV_OK;

	/*
	 * nats.c closes a connection that the server refused twice, as for
	 * bad credentials: rebuilding it for every request would cost the
	 * broker two logins per request.  A connect that failed without a
	 * connection left (pub->nc NULL) waits as long.
	 */
	if (pub->connect_ms != 0 &&
	    pv_pub_now_ms() - pub->connect_ms < PV_RECONNECT_HOLD_MS)
		return pv_error_set(err, PV_ERR_BROKER, "not connected to the "
		    "broker (%s); connecting again at most every %d ms",
		    pv_broker_down_reason(pub, NATS_CONN_STATUS_CLOSED),
		    PV_RECONNECT_HOLD_MS);
	if (pub->nc != NULL)
		pv_broker_drop(pub);
	if (pub->opts == NULL && (st = build_options(pub, err)) != PV_OK)
		return st;

	pub->connect_ms = pv_pub_now_ms();
	atomic_store(&pub->was_connected, false);
	s = connect_reporting_why(pub, deadline);
	if (s == NATS_NOT_YET_CONNECTED)
		s = NATS_OK;
	if (s != NATS_OK) {
		pub->nc = NULL;
		return pv_broker_failure(err, "connecting to the broker", s);
	}

	atomic_store(&pub->current_nc, pub->nc);
	s = new_js(pub);
	if (s != NATS_OK) {
		atomic_store(&pub->current_nc, NULL);
		natsConnection_Destroy(pub->nc);
		pub->nc = NULL;
		return pv_broker_failure(err, "creating the JetStream "
		    "context", s);
	}
	if (natsConnection_Status(pub->nc) == NATS_CONN_STATUS_CONNECTED) {
		atomic_store(&pub->was_connected, true);
		pv_log_flush_suppressed(pub->log);
		pv_log(pub->log, PV_LOG_INFO, "connected to the broker");
		check_max_payload(pub, pub->nc);
	}
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
		pv_broker_drop(pub);
		return pv_broker_failure(err, "renewing the JetStream "
		    "context", s);
	}
	/* A denied subject makes this happen every PV_UNACKED_MAX requests. */
	pv_log_limited(pub->log, PV_LOG_INFO, "renewed context", "renewed "
	    "the JetStream context after %d unacknowledged publishes",
	    unacked);
	return PV_OK;
}

#if defined(PV_TSAN)
/*
 * ThreadSanitizer (gcc 12) intercepts the rwlock's timed waits but not
 * its clock waits, and would report races on what the lock protects.
 * So its builds wait on the wall clock, converted from the deadline.
 */
static struct timespec
wall_time(int64_t deadline)
{
	int64_t left = pv_pub_remaining_ms(deadline);
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static int
read_lock_until(pv_publisher *pub, int64_t deadline)
{
	struct timespec until = wall_time(deadline);

	return pthread_rwlock_timedrdlock(&pub->lock, &until);
}

static int
write_lock_until(pv_publisher *pub, int64_t deadline)
{
	struct timespec until = wall_time(deadline);

	return pthread_rwlock_timedwrlock(&pub->lock, &until);
}
#else
/* Takes the read lock before deadline and returns 0, or an errno. */
static int
read_lock_until(pv_publisher *pub, int64_t deadline)
{
	struct timespec until = pv_pub_timespec(deadline);

	return pthread_rwlock_clockrdlock(&pub->lock, CLOCK_MONOTONIC, &until);
}

/* Takes the write lock before deadline and returns 0, or an errno. */
static int
write_lock_until(pv_publisher *pub, int64_t deadline)
{
	struct timespec until = pv_pub_timespec(deadline);

	return pthread_rwlock_clockwrlock(&pub->lock, CLOCK_MONOTONIC, &until);
}
#endif

/*
 * Fails a request that waited for pub->lock until its deadline, while
 * other requests used the connection or rebuilt it.  Nothing was sent for
 * it, so it is a broker failure, not a time-out after which the event may
 * be stored.
 */
static pv_status
lock_timed_out(pv_error *err)
{
	return pv_error_set(err, PV_ERR_BROKER, "timed out waiting for the "
	    "broker connection, which other requests held; nothing was sent");
}

static bool
broker_stalled(pv_publisher *pub)
{
	return atomic_load(&pub->stalled_since_ms) != 0;
}

/* Work due before a request may publish under the read lock. */
enum pv_broker_need {
	PV_NEED_NOTHING,	/* a usable connection, no renewal due */
	PV_NEED_RENEWAL,	/* a renewal is due, which can wait */
	PV_NEED_FORCED_RENEWAL,	/* PV_UNACKED_FORCE_MAX unacknowledged */
	PV_NEED_CONNECTION	/* no connection, or nats.c closed it */
};

/*
 * Returns what the request needs.  While the broker stalls, one request
 * at a time holds the read lock for its whole time-out, so a renewal
 * waits for the stall to end.  A stall adds only one unacknowledged
 * publish per time-out, but at half of nats.c's pending limit the
 * renewal is forced all the same, because past the limit nats.c takes
 * no publish at all.  The read lock is held.
 */
static enum pv_broker_need
broker_need(pv_publisher *pub)
{
	int unacked = atomic_load(&pub->unacked);

	if (pub->nc == NULL ||
	    natsConnection_Status(pub->nc) == NATS_CONN_STATUS_CLOSED)
		return PV_NEED_CONNECTION;
	if (unacked >= PV_UNACKED_FORCE_MAX && (!broker_stalled(pub) ||
	    unacked >= PV_ASYNC_MAX_PENDING / 2))
		return PV_NEED_FORCED_RENEWAL;
	if (unacked >= PV_UNACKED_MAX)
		return PV_NEED_RENEWAL;
	return PV_NEED_NOTHING;
}

/* Maximum wait between two checks for a broker stall, in ms. */
#define PV_RENEWAL_CHECK_MS 10

/*
 * Takes the write lock for a forced renewal before deadline.  Returns 1
 * with the lock held, 0 when the broker stalled meanwhile (the renewal
 * then waits), or -1 at the deadline.  While it waits, new readers wait
 * too, so it checks for a stall every PV_RENEWAL_CHECK_MS: the request
 * that waits for a stalled broker holds the read lock for its whole
 * time-out.
 */
static int
lock_for_forced_renewal(pv_publisher *pub, int64_t deadline)
{
	int64_t next;

	for (;;) {
		next = pv_pub_now_ms() + PV_RENEWAL_CHECK_MS;
		if (next > deadline)
			next = deadline;
		if (write_lock_until(pub, next) == 0)
			return 1;
		if (broker_stalled(pub))
			return 0;
		if (pv_pub_now_ms() >= deadline)
			return -1;
	}
}

/*
 * Takes the write lock for need and connects or renews.  A request that
 * waits for a stalled broker holds the read lock for its whole time-out,
 * so a renewal that can wait is tried only when the lock is free, and a
 * forced one is waited for by one request at a time while the broker
 * does not stall.  Returns PV_OK also when the renewal was left for
 * later.
 */
static pv_status
connect_or_renew(pv_publisher *pub, enum pv_broker_need need,
	int64_t deadline, pv_error *err)
{
	pv_status st;
	int locked;

	if (need == PV_NEED_FORCED_RENEWAL &&
	    atomic_exchange(&pub->renewing, true))
		need = PV_NEED_RENEWAL;

	if (need == PV_NEED_RENEWAL)
		locked = pthread_rwlock_trywrlock(&pub->lock) == 0;
	else if (need == PV_NEED_FORCED_RENEWAL)
		locked = lock_for_forced_renewal(pub, deadline);
	else
		locked = write_lock_until(pub, deadline) == 0 ? 1 : -1;
	if (locked == 1) {
		st = connect_locked(pub, deadline, err);
		if (st == PV_OK)
			st = renew_js_locked(pub, err);
		pthread_rwlock_unlock(&pub->lock);
	} else {
		st = need == PV_NEED_RENEWAL || locked == 0 ? PV_OK :
		    lock_timed_out(err);
	}

	if (need == PV_NEED_FORCED_RENEWAL)
		atomic_store(&pub->renewing, false);
	return st;
}

pv_status
pv_broker_acquire(pv_publisher *pub, int64_t deadline, pv_error *err)
{
	enum pv_broker_need need;
	pv_status st;

	if (read_lock_until(pub, deadline) != 0)
		return lock_timed_out(err);
	need = broker_need(pub);
	if (need == PV_NEED_NOTHING)
		return PV_OK;
	pthread_rwlock_unlock(&pub->lock);

	st = connect_or_renew(pub, need, deadline, err);
	if (st != PV_OK)
		return st;

	if (read_lock_until(pub, deadline) != 0)
		return lock_timed_out(err);
	if (pub->nc == NULL) {
		pthread_rwlock_unlock(&pub->lock);
		return pv_error_set(err, PV_ERR_BROKER, "no broker "
		    "connection");
	}
	return PV_OK;
}

static const char *
connection_state(natsConnection *nc, natsConnStatus status)
{
	if (nc == NULL)
		return "not connected";
	switch (status) {
	case NATS_CONN_STATUS_CONNECTED: return "connected";
	case NATS_CONN_STATUS_CONNECTING: return "connecting";
	case NATS_CONN_STATUS_RECONNECTING: return "reconnecting";
	case NATS_CONN_STATUS_CLOSED: return "closed";
	default: return "disconnected";
	}
}

/*
 * Appends the health report with nc's status as read once by the caller;
 * the lock is held for reading when nc != NULL.
 */
static pv_status
write_health(const pv_publisher *pub, natsConnection *nc,
	natsConnStatus status, pv_status st, const pv_error *err, pv_buf *out)
{
	pv_status wst;
	int i;

	wst = pv_buf_printf(out, "{\"status\":\"%s\",\"broker\":\"%s\","
	    "\"streams\":{", st == PV_OK ? "ok" : "unavailable",
	    connection_state(nc, status));
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
	int64_t deadline = pv_pub_now_ms() + pub->cfg->publish_timeout_ms;
	natsConnStatus status;
	pv_error err;
	pv_status st, wst;
	int i;

	pv_error_clear(&err);
	st = pv_broker_acquire(pub, deadline, &err);
	if (st != PV_OK) {
		wst = write_health(pub, NULL, NATS_CONN_STATUS_DISCONNECTED,
		    st, &err, out);
		return wst != PV_OK ? wst : st;
	}

	/* Read once, so that "broker" and the detail agree. */
	status = natsConnection_Status(pub->nc);
	if (status != NATS_CONN_STATUS_CONNECTED)
		st = pv_error_set(&err, PV_ERR_BROKER, "not connected to the "
		    "broker (%s)", pv_broker_down_reason(pub, status));
	/* A ping finds a broker that is connected but stopped responding. */
	else if (natsConnection_FlushTimeout(pub->nc,
	    connect_timeout_ms(pub->cfg)) != NATS_OK)
		st = pv_error_set(&err, PV_ERR_BROKER, "the broker did not "
		    "answer a ping within %d ms", connect_timeout_ms(pub->cfg));
	/*
	 * A broker that responds again ends a stall: a load balancer that
	 * took the handler out sends no publish that could end it.
	 */
	else if (atomic_exchange(&pub->stalled_since_ms, 0) != 0) {
		pv_log_flush_suppressed(pub->log);
		pv_log(pub->log, PV_LOG_INFO, "broker answers a ping again");
	}
	/* One lookup per stream: a load balancer learns of a deleted one. */
	for (i = 0; st == PV_OK && i < pub->cfg->stream_count; i++)
		st = pv_stream_verify(pub, i, deadline, &err);
	if (st == PV_OK)
		st = check_denied(pub, &err);

	wst = write_health(pub, pub->nc, status, st, &err, out);
	pthread_rwlock_unlock(&pub->lock);
	return wst != PV_OK ? wst : st;
}
