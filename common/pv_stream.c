/* Binding to and creating the publisher's streams; see pv_publish.h. */
#include "pv_publisher_impl.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* JetStream API error codes (nats-server 2.9). */
#define JS_ERR_STREAM_NOT_FOUND		10059
#define JS_ERR_STREAM_NAME_IN_USE	10058
#define JS_ERR_SUBJECTS_OVERLAP		10065

/*
 * Time between a stream vanishing and creating it again, in ms.
 * nats-server 2.9.10 drops a deleted stream from its state before it
 * removes the stream's directory, so a stream created with the same name
 * in between loses the files of the messages it acknowledged (seen in
 * tests/faults/stream_deleted.c).
 */
#define PV_RECREATE_DELAY_MS		1000

/*
 * Time after a failed attempt to create a stream during which requests
 * fail at once with its reason, in ms.  A denied creation gets no reply,
 * so each attempt waits out the whole publish time-out.
 */
#define PV_CREATE_RETRY_MS		5000

/*
 * Time in ms during which requests fail at once instead of looking up a
 * stream that stopped taking messages, was not found or had no leader.
 * Otherwise every request would send a lookup before its 503.
 */
#define PV_RELOOKUP_MS			100

/* What this process knew of a stream before it looked the stream up. */
typedef struct stream_before {
	long long created;		/* stream_logged_created */
	unsigned long long acked;	/* stream_acked_seq */
} stream_before;

/* Reason that requests wait for a stream's next lookup. */
enum pv_wait_reason {
	PV_WAIT_FAILED,		/* a lookup failed, or the stream stopped */
	PV_WAIT_NO_LEADER,	/* the stream's cluster has no leader */
	PV_WAIT_NOT_FOUND	/* missing, PHOTOVOTE_CREATE_STREAMS=false */
};

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

/*
 * Returns a JetStream duration (ns) in whole seconds, or else in ms, and
 * sets *unit to " s" or " ms".
 */
static long long
duration_value(int64_t ns, const char **unit)
{
	*unit = ns % 1000000000LL == 0 ? " s" : " ms";
	return (long long)(ns % 1000000000LL == 0 ? ns / 1000000000LL :
	    ns / 1000000LL);
}

/* Appends "<label> <value><unit>" to the list in text (size bytes). */
static void
append_limit(char *text, size_t size, const char *label, long long value,
	const char *unit)
{
	size_t used = strlen(text);

	snprintf(text + used, size - used, "%s%s %lld%s", used > 0 ? ", " : "",
	    label, value, unit);
}

/*
 * Warns when stream name removes events it stored, although a 200
 * promised to keep them.  That happens with an age limit, with count or
 * size limits under discard policy old, with a per-subject limit unless
 * discard policy new applies per subject too, and with a retention policy
 * under which consumers' acknowledgements remove events.
 */
static void
warn_removals(pv_publisher *pub, const char *name, const jsStreamConfig *sc)
{
	bool old = sc->Discard == js_DiscardOld;
	char limits[192] = "";
	const char *unit;
	long long age;

	if (sc->MaxAge > 0) {
		age = duration_value(sc->MaxAge, &unit);
		append_limit(limits, sizeof(limits), "max age", age, unit);
	}
	if (old && sc->MaxMsgs > 0)
		append_limit(limits, sizeof(limits), "max messages",
		    (long long)sc->MaxMsgs, "");
	if (old && sc->MaxBytes > 0)
		append_limit(limits, sizeof(limits), "max bytes",
		    (long long)sc->MaxBytes, "");
	if ((old || !sc->DiscardNewPerSubject) && sc->MaxMsgsPerSubject > 0)
		append_limit(limits, sizeof(limits), "max messages per "
		    "subject", (long long)sc->MaxMsgsPerSubject, "");

	if (limits[0] != '\0')
		pv_log(pub->log, PV_LOG_WARNING, "stream %s removes stored "
		    "events (%s), so an event answered 200 can be gone later; "
		    "remove the limits, or use discard policy new (with "
		    "discard_new_per_subject for a per-subject limit)", name,
		    limits);
	if (sc->Retention != js_LimitsPolicy)
		pv_log(pub->log, PV_LOG_WARNING, "stream %s has %s retention: "
		    "consumers' acknowledgements remove stored events; use "
		    "limits retention", name, sc->Retention ==
		    js_InterestPolicy ? "interest" : "work-queue");
}

/*
 * Logs the settings of an existing stream the handler bound to.  Those
 * that weaken what a 200 promises get a warning: a duplicate window
 * shorter than PHOTOVOTE_DUPLICATE_WINDOW, which stores a late retry
 * twice, memory storage, which loses the events when nats-server stops,
 * and the limits and policies that warn_removals checks.
 */
static void
log_bound(pv_publisher *pub, const char *name, const jsStreamInfo *si)
{
	const jsStreamConfig *sc = si->Config;
	const char *unit;
	long long window;

	if (sc == NULL) {
		pv_log(pub->log, PV_LOG_INFO, "bound to stream %s", name);
		return;
	}
	window = duration_value(sc->Duplicates, &unit);
	pv_log(pub->log, PV_LOG_INFO, "bound to stream %s (%s storage, "
	    "duplicate window %lld%s, %lld replica(s))", name,
	    sc->Storage == js_MemoryStorage ? "memory" : "file", window, unit,
	    (long long)sc->Replicas);

	if (sc->Duplicates < pub->cfg->duplicate_window_s * 1000000000LL)
		pv_log(pub->log, PV_LOG_WARNING, "stream %s keeps event ids "
		    "for %lld%s, less than PHOTOVOTE_DUPLICATE_WINDOW (%lld s), "
		    "so a retry after that is stored again; raise the "
		    "stream's duplicate window", name, window, unit,
		    (long long)pub->cfg->duplicate_window_s);
	if (sc->Storage == js_MemoryStorage)
		pv_log(pub->log, PV_LOG_WARNING, "stream %s keeps events in "
		    "memory: they are lost when nats-server stops; use file "
		    "storage", name);
	warn_removals(pub, name, sc);
}

/*
 * Starts the interval before the next lookup of stream index, if none,
 * and records why.
 */
static void
start_interval(pv_publisher *pub, int index, enum pv_wait_reason why)
{
	long long none = 0;

	atomic_store(&pub->stream_wait_reason[index], (int)why);
	atomic_compare_exchange_strong(&pub->stream_relookup_ms[index], &none,
	    (long long)pv_pub_now_ms());
}

/* Fails a request that waits for the next lookup of stream index. */
static pv_status
wait_failure(pv_publisher *pub, int index, pv_error *err)
{
	const char *name = pub->cfg->streams[index];

	switch (atomic_load(&pub->stream_wait_reason[index])) {
	case PV_WAIT_NO_LEADER:
		return pv_error_set(err, PV_ERR_BROKER, "stream %s has no "
		    "leader (its cluster is electing one); it is looked up "
		    "again at most every %d ms", name, PV_RELOOKUP_MS);
	case PV_WAIT_NOT_FOUND:
		return pv_error_set(err, PV_ERR_BROKER, "stream %s not found "
		    "(PHOTOVOTE_CREATE_STREAMS=false); it is looked up again "
		    "at most every %d ms", name, PV_RELOOKUP_MS);
	default:
		return pv_error_set(err, PV_ERR_BROKER, "stream %s is not "
		    "bound: the last lookup failed or the stream stopped "
		    "taking messages; it is looked up again at most every %d "
		    "ms", name, PV_RELOOKUP_MS);
	}
}

/*
 * Fails a request whose lookup or creation of stream index named no
 * leader, unless another request bound the stream meanwhile.
 */
static pv_status
refuse_leaderless(pv_publisher *pub, int index, pv_error *err)
{
	if (atomic_load(&pub->stream_ready[index]))
		return PV_OK;
	start_interval(pub, index, PV_WAIT_NO_LEADER);
	return wait_failure(pub, index, err);
}

/*
 * Returns true when a stream whose last sequence is last_seq replaced
 * the one that stored this process's events up to sequence acked, read
 * before the lookup: it lacks the last of them.  A creation time alone
 * does not tell, because nats-server 2.9.10 can report another one for
 * a clustered stream that several clients create at once.
 */
static bool
stream_replaced(pv_publisher *pub, int index, uint64_t last_seq,
	unsigned long long acked)
{
	if (last_seq >= acked)
		return false;
	/* The new stream numbers its events from 1 again. */
	atomic_compare_exchange_strong(&pub->stream_acked_seq[index], &acked,
	    0);
	return true;
}

/* Returns true when si comes from a member that has no stream leader. */
static bool
leaderless(const jsStreamInfo *si)
{
	return si->Cluster != NULL && (si->Cluster->Leader == NULL ||
	    si->Cluster->Leader[0] == '\0');
}

/*
 * Binds stream index to si, the stream found under its name, when it
 * takes the handler's subjects and has a leader.  before is what the
 * process knew before the lookup.  Logs the settings the
 * first time it binds this stream.  A new creation time and a missing
 * event of this process distinguish a stream created again under the
 * same name.
 */
static pv_status
bind_found(pv_publisher *pub, int index, const jsStreamInfo *si,
	const stream_before *before, pv_error *err)
{
	const char *name = pub->cfg->streams[index];
	long long previous;

	if (!stream_takes_subjects(name, si))
		return pv_error_set(err, PV_ERR_BROKER, "stream %s exists but "
		    "does not take the subjects %s.>; change its subjects or "
		    "PHOTOVOTE_STREAMS", name, name);
	/*
	 * Without a leader any member of the cluster replies, with its own
	 * creation time and state, and none takes a publish (seen with
	 * nats-server 2.9.10 just after a creation).
	 */
	if (leaderless(si))
		return refuse_leaderless(pub, index, err);
	atomic_store(&pub->stream_relookup_ms[index], 0);
	atomic_store(&pub->create_failed_ms[index], 0);
	if (atomic_exchange(&pub->stream_ready[index], true))
		return PV_OK;

	previous = atomic_exchange(&pub->stream_logged_created[index],
	    (long long)si->Created);
	if (previous == (long long)si->Created)
		return PV_OK;
	/*
	 * NOTE: a stream replaced while this process had stored nothing in
	 * the old one, or after other processes stored more events in the
	 * new one than this one had, is bound without a warning and without
	 * logging its settings.
	 */
	if (previous != -1 && !stream_replaced(pub, index, si->State.LastSeq,
	    before->acked))
		return PV_OK;
	log_bound(pub, name, si);
	/* The first request to see a new stream reports the old one's loss. */
	if (previous != -1)
		pv_log(pub->log, PV_LOG_WARNING, "stream %s was created again "
		    "since this process bound it; the events stored in the "
		    "lost stream are not in it", name);
	return PV_OK;
}

/*
 * Fails with "<what>: <reason> (JetStream error <jerr>)", the reason
 * being the server's description of the error when nats.c kept one as
 * the thread's last error.
 */
static pv_status
api_failure(pv_error *err, const char *what, natsStatus s, jsErrCode jerr)
{
	natsStatus last = NATS_OK;
	const char *text;
	char shown[200];

	text = pv_log_skip_location(nats_GetLastError(&last));
	if (last != s || text == NULL || text[0] == '\0')
		text = natsStatus_GetText(s);
	pv_log_escape(shown, sizeof(shown), text, strlen(text), 160);
	return pv_error_set(err, PV_ERR_BROKER, "%s: %s (JetStream error %d)",
	    what, shown, (int)jerr);
}

/* The stream described in the reply to its creation. */
typedef struct created_stream {
	long long created;	/* creation time in ns, or -1 */
	bool leaderless;	/* from a member without a leader */
} created_stream;

/*
 * Creates stream name and describes the stream, as the reply gives it,
 * in *reply.  Sets *in_use when a stream of that name with other
 * settings exists, which another process may have created since the
 * lookup, and *lasting when the failure lasts until an operator acts.
 */
static pv_status
add_stream(pv_publisher *pub, const char *name, int64_t deadline,
	created_stream *reply, bool *in_use, bool *lasting, pv_error *err)
{
	char subject[PV_CONFIG_STREAM_NAME_MAX + 3], what[96];
	const char *subjects[1] = { subject };
	jsStreamConfig sc;
	jsStreamInfo *si = NULL;
	jsOptions jo;
	jsErrCode jerr = 0;
	natsStatus s;
	pv_status st;

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

	*in_use = false;
	*lasting = false;
	jsOptions_Init(&jo);
	jo.Wait = pv_pub_remaining_ms(deadline);
	if (jo.Wait <= 0)
		return pv_error_set(err, PV_ERR_BROKER, "no time left to "
		    "create stream %s; nothing was sent", name);
	s = js_AddStream(&si, pub->js, &sc, &jo, &jerr);
	reply->created = si != NULL ? (long long)si->Created : -1;
	reply->leaderless = si != NULL && leaderless(si);
	jsStreamInfo_Destroy(si);

	/* nats-server accepts a second creation with the same settings. */
	if (s == NATS_OK)
		return PV_OK;
	if (jerr == JS_ERR_STREAM_NAME_IN_USE) {
		*in_use = true;
		return PV_OK;
	}
	/* An overlap or a denial lasts until an operator acts. */
	*lasting = true;
	if (jerr == JS_ERR_SUBJECTS_OVERLAP)
		return pv_error_set(err, PV_ERR_BROKER, "cannot create stream "
		    "%s: subject %s overlaps another stream", name, subject);
	if (s == NATS_TIMEOUT) {
		snprintf(what, sizeof(what), "creating stream %s", name);
		st = pv_broker_timed_out(pub, err, what);
		*lasting = st == PV_ERR_BROKER;
		return st;
	}

	/* Any other error the server gave (storage, replicas, limits) also
	 * lasts.  A lost connection (no error code) does not, and neither
	 * do no responders (a leader election), which nats.c codes 10076. */
	*lasting = (jerr != 0 && s != NATS_NO_RESPONDERS) ||
	    s == NATS_NOT_PERMITTED;
	snprintf(what, sizeof(what), "cannot create stream %s", name);
	return api_failure(err, what, s, jerr);
}

/*
 * Looks stream name up before deadline, setting *si (the caller destroys
 * it) and *jerr as js_GetStreamInfo does.  Returns NATS_TIMEOUT at once,
 * with *sent false, when no time is left, because a Wait of 0 would mean
 * nats.c's 5 s.
 */
static natsStatus
lookup(pv_publisher *pub, const char *name, int64_t deadline,
	jsStreamInfo **si, jsErrCode *jerr, bool *sent)
{
	jsOptions jo;

	jsOptions_Init(&jo);
	jo.Wait = pv_pub_remaining_ms(deadline);
	*sent = jo.Wait > 0;
	if (!*sent)
		return NATS_TIMEOUT;
	return js_GetStreamInfo(si, pub->js, name, &jo, jerr);
}

/* Fails with why looking stream name up failed, other than not found. */
static pv_status
lookup_failure(pv_publisher *pub, const char *name, natsStatus s,
	jsErrCode jerr, bool sent, pv_error *err)
{
	char what[96];

	/* Nothing was sent: no time-out after which the event may be stored. */
	if (!sent)
		return pv_error_set(err, PV_ERR_BROKER, "no time left to look "
		    "up stream %s; nothing was sent", name);
	if (s == NATS_TIMEOUT) {
		snprintf(what, sizeof(what), "looking up stream %s", name);
		return pv_broker_timed_out(pub, err, what);
	}
	if (s == NATS_NO_RESPONDERS)
		return pv_error_set(err, PV_ERR_BROKER, "cannot look up stream "
		    "%s: JetStream did not respond (disabled, or electing a "
		    "leader)", name);
	snprintf(what, sizeof(what), "cannot look up stream %s", name);
	return api_failure(err, what, s, jerr);
}

/*
 * Binds stream index after its creation found the name in use: looks it
 * up again to check its subjects and log its settings.
 */
static pv_status
bind_existing(pv_publisher *pub, int index, int64_t deadline, pv_error *err)
{
	const char *name = pub->cfg->streams[index];
	stream_before before;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	bool sent;
	natsStatus s;
	pv_status st;

	before.created = atomic_load(&pub->stream_logged_created[index]);
	before.acked = atomic_load(&pub->stream_acked_seq[index]);
	s = lookup(pub, name, deadline, &si, &jerr, &sent);
	if (s != NATS_OK)
		return lookup_failure(pub, name, s, jerr, sent, err);
	st = bind_found(pub, index, si, &before, err);
	jsStreamInfo_Destroy(si);
	return st;
}

/* Fails with the reason of the last failed creation of stream index. */
static pv_status
recent_failure(pv_publisher *pub, int index, pv_error *err)
{
	pv_status st;

	pthread_mutex_lock(&pub->denied_lock);
	st = pv_error_set(err, PV_ERR_BROKER, "%s (tried again at most every "
	    "%d s)", pub->create_error[index], PV_CREATE_RETRY_MS / 1000);
	pthread_mutex_unlock(&pub->denied_lock);
	return st;
}

/*
 * Logs the creation of stream index: a warning when it replaces another
 * stream of that name that this process had bound or created, because
 * the events stored there are not in the new one.
 */
static void
log_created(pv_publisher *pub, int index, bool again)
{
	const char *name = pub->cfg->streams[index];

	if (again)
		pv_log(pub->log, PV_LOG_WARNING, "created stream %s again "
		    "(subjects %s.>, file storage, %d replica(s)); the events "
		    "stored in the lost stream are not in it", name, name,
		    pub->cfg->replicas);
	else
		pv_log(pub->log, PV_LOG_INFO, "created stream %s (subjects "
		    "%s.>, file storage, %d replica(s))", name, name,
		    pub->cfg->replicas);
}

/*
 * Creates stream index, which a lookup did not find; before is what the
 * process knew before that lookup.  After a creation failed for a
 * lasting reason (denied, or its subjects overlap another stream),
 * requests fail at once with that reason for PV_CREATE_RETRY_MS.  Then
 * one request at a time tries again while the others still fail at once.
 */
static pv_status
create_stream(pv_publisher *pub, int index, int64_t deadline,
	const stream_before *before, pv_error *err)
{
	const char *name = pub->cfg->streams[index];
	long long failed = atomic_load(&pub->create_failed_ms[index]);
	unsigned long long acked = before->acked;
	created_stream reply;
	bool in_use, lasting, again;
	pv_status st;

	/*
	 * This request claims the retry: a fresh failure time makes the
	 * others fail at once meanwhile.
	 */
	if (failed != 0 && (pv_pub_now_ms() - failed < PV_CREATE_RETRY_MS ||
	    !atomic_compare_exchange_strong(&pub->create_failed_ms[index],
	    &failed, (long long)pv_pub_now_ms())))
		return recent_failure(pub, index, err);

	st = add_stream(pub, name, deadline, &reply, &in_use, &lasting, err);
	if (st == PV_OK && in_use) {
		atomic_store(&pub->create_failed_ms[index], 0);
		return bind_existing(pub, index, deadline, err);
	}
	/*
	 * nats-server replies to the creation of a stream that another
	 * client has just created as to a lookup, from any member while the
	 * stream has no leader.
	 */
	if (st == PV_OK && reply.leaderless) {
		atomic_store(&pub->create_failed_ms[index], 0);
		return refuse_leaderless(pub, index, err);
	}

	/*
	 * The first requests after a start all find the stream missing and
	 * create it, which nats-server accepts from each: log it once.
	 */
	if (st == PV_OK) {
		atomic_store(&pub->create_failed_ms[index], 0);
		atomic_store(&pub->stream_relookup_ms[index], 0);
		atomic_store(&pub->stream_ready[index], true);
		/*
		 * The lookup found no stream, so one bound before it is gone.
		 * Later bindings prove nothing, because a concurrent
		 * creation's reply can carry another creation time.
		 */
		atomic_store(&pub->stream_logged_created[index], reply.created);
		again = before->created != -1 &&
		    before->created != reply.created;
		/* The swap fails when the new stream has stored events. */
		if (again)
			atomic_compare_exchange_strong(
			    &pub->stream_acked_seq[index], &acked, 0);
		if (!atomic_exchange(&pub->stream_created[index], true))
			log_created(pub, index, again);
		return st;
	}
	if (lasting) {
		pthread_mutex_lock(&pub->denied_lock);
		snprintf(pub->create_error[index],
		    sizeof(pub->create_error[index]), "%s",
		    err != NULL ? err->text : "creating the stream failed");
		pthread_mutex_unlock(&pub->denied_lock);
		atomic_store(&pub->create_failed_ms[index],
		    (long long)pv_pub_now_ms());
	} else if (failed != 0) {
		/* A passing failure: the next request may try at once. */
		atomic_store(&pub->create_failed_ms[index], failed);
	}
	return st;
}

/*
 * Returns true when this request may look up stream index: no lookup
 * failed and the stream never stopped taking messages since it was last
 * bound (or the connection renewed), or no other request looked it up in
 * the last PV_RELOOKUP_MS.
 */
static bool
claim_lookup(pv_publisher *pub, int index)
{
	long long last = atomic_load(&pub->stream_relookup_ms[index]);
	long long now = (long long)pv_pub_now_ms();

	if (last == 0)
		return true;
	if (now - last < PV_RELOOKUP_MS)
		return false;
	return atomic_compare_exchange_strong(&pub->stream_relookup_ms[index],
	    &last, now);
}

pv_status
pv_stream_ensure(pv_publisher *pub, int index, int64_t deadline, pv_error *err)
{
	const char *name = pub->cfg->streams[index];
	stream_before before;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	bool sent;
	long long lost;
	natsStatus s;
	pv_status st;

	if (atomic_load(&pub->stream_ready[index]))
		return PV_OK;
	if (!claim_lookup(pub, index)) {
		/* Another request may have bound it meanwhile. */
		if (atomic_load(&pub->stream_ready[index]))
			return PV_OK;
		if (atomic_load(&pub->create_failed_ms[index]) != 0)
			return recent_failure(pub, index, err);
		return wait_failure(pub, index, err);
	}

	before.created = atomic_load(&pub->stream_logged_created[index]);
	before.acked = atomic_load(&pub->stream_acked_seq[index]);
	s = lookup(pub, name, deadline, &si, &jerr, &sent);
	if (s == NATS_OK) {
		st = bind_found(pub, index, si, &before, err);
		jsStreamInfo_Destroy(si);
	} else if ((s == NATS_NOT_FOUND || jerr == JS_ERR_STREAM_NOT_FOUND) &&
	    !pub->cfg->create_streams) {
		start_interval(pub, index, PV_WAIT_NOT_FOUND);
		st = wait_failure(pub, index, err);
	} else if (s == NATS_NOT_FOUND || jerr == JS_ERR_STREAM_NOT_FOUND) {
		lost = atomic_load(&pub->stream_lost_ms[index]);
		if (lost != 0 && pv_pub_now_ms() - lost < PV_RECREATE_DELAY_MS)
			st = pv_error_set(err, PV_ERR_BROKER, "stream %s was "
			    "deleted; the first request %d ms after that "
			    "creates it again", name, PV_RECREATE_DELAY_MS);
		else
			st = create_stream(pub, index, deadline, &before,
			    err);
		/* Lookups would fail as long as creations do. */
		if (st != PV_OK &&
		    atomic_load(&pub->create_failed_ms[index]) != 0)
			start_interval(pub, index, PV_WAIT_FAILED);
	} else {
		st = lookup_failure(pub, name, s, jerr, sent, err);
		/* A failed lookup starts the interval before the next one. */
		if (sent)
			start_interval(pub, index, PV_WAIT_FAILED);
	}
	return st;
}

pv_status
pv_stream_verify(pv_publisher *pub, int index, int64_t deadline,
	pv_error *err)
{
	const char *name = pub->cfg->streams[index];
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	bool sent;
	natsStatus s;

	if (!atomic_load(&pub->stream_ready[index]))
		return pv_stream_ensure(pub, index, deadline, err);

	s = lookup(pub, name, deadline, &si, &jerr, &sent);
	if (s == NATS_OK && leaderless(si)) {
		jsStreamInfo_Destroy(si);
		return pv_error_set(err, PV_ERR_BROKER, "stream %s has no "
		    "leader (its cluster is electing one)", name);
	}
	jsStreamInfo_Destroy(si);
	if (s == NATS_OK)
		return PV_OK;

	/* Deleted since it was bound: a later request creates it again. */
	if (s == NATS_NOT_FOUND || jerr == JS_ERR_STREAM_NOT_FOUND) {
		pv_stream_lost(pub, index);
		if (!pub->cfg->create_streams)
			return pv_error_set(err, PV_ERR_BROKER, "stream %s not "
			    "found (PHOTOVOTE_CREATE_STREAMS=false)", name);
		return pv_error_set(err, PV_ERR_BROKER, "stream %s was "
		    "deleted; the first request %d ms after that creates it "
		    "again", name, PV_RECREATE_DELAY_MS);
	}
	return lookup_failure(pub, name, s, jerr, sent, err);
}

void
pv_stream_lost(pv_publisher *pub, int index)
{
	char key[PV_CONFIG_STREAM_NAME_MAX + 40];

	/*
	 * Before the stream is marked lost, so that no lookup slips in, and
	 * after, in case a bind cleared it in between.
	 */
	atomic_store(&pub->stream_wait_reason[index], PV_WAIT_FAILED);
	atomic_store(&pub->stream_relookup_ms[index], pv_pub_now_ms());
	atomic_store(&pub->stream_created[index], false);
	if (!atomic_exchange(&pub->stream_ready[index], false))
		return;
	atomic_store(&pub->stream_relookup_ms[index], pv_pub_now_ms());

	/*
	 * Once per loss: events stored before went with the old stream.
	 * Limited, because a stream whose cluster recovers can be bound and
	 * lost again several times.
	 */
	atomic_store(&pub->stream_lost_ms[index], pv_pub_now_ms());
	snprintf(key, sizeof(key), "stream %s no longer takes messages",
	    pub->cfg->streams[index]);
	pv_log_limited(pub->log, PV_LOG_WARNING, key, "%s (deleted, "
	    "JetStream disabled or electing a leader); looking it up again "
	    "at most every %d ms", key, PV_RELOOKUP_MS);
}
