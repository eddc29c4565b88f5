/*
 * A stream that a lookup finds but whose subjects have no responder, as
 * while a cluster elects the stream's leader, and lookups that fail.
 * Requests get 503, and the handler looks the stream up at most once per
 * 100 ms.  It logs the stream's settings once, reports a stream created
 * again under the same name, and stores events again as soon as the
 * stream responds.
 *
 * A real cluster elects a leader too fast and too unpredictably for a
 * test.  So the test serves the JetStream API itself, on a nats-server
 * without JetStream.  It subscribes to the stream's subjects once the
 * stream is to respond again.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <nats/nats.h>

#include "../harness/pvt_auth.h"
#include "../harness/pvt_proc.h"

/* Events posted while the stream has no responder. */
#define LEADERLESS_POSTS 40

/* Time the handler gets to store an event once the stream responds. */
#define RECOVERY_MS 10000

/* What the test's JetStream API received, and the stream it describes. */
typedef struct fake_stream {
	atomic_int lookups;	/* stream info requests */
	atomic_int published;	/* events acknowledged */
	atomic_int year;	/* of the stream's creation time */
	atomic_uint last_seq;	/* of the stream's last message */
	atomic_bool leaderless;	/* its cluster knows no leader */
	atomic_bool failing;	/* lookups get an error */
	atomic_bool missing;	/* lookups find no stream */
	atomic_int creates;	/* creation requests */
	atomic_bool creates_ok;	/* creations succeed, or fail */
} fake_stream;

static pvt_auth_site site;
static pvt_auth_fake api;
static fake_stream fake;
static char event_id[27];

static void
on_lookup(natsConnection *conn, natsSubscription *sub, natsMsg *msg,
	void *closure)
{
	fake_stream *f = closure;
	pvt_auth_info reply = PVT_INFO_FOUND;
	pvt_auth_stream stream = { atomic_load(&f->year), 3,
	    atomic_load(&f->last_seq), atomic_load(&f->leaderless) };

	(void)sub;
	if (atomic_load(&f->failing))
		reply = PVT_INFO_UNAVAILABLE;
	else if (atomic_load(&f->missing))
		reply = PVT_INFO_MISSING;

	if (pvt_auth_fake_is_stream_info(msg)) {
		atomic_fetch_add(&f->lookups, 1);
		pvt_auth_fake_stream_info(conn, msg, &stream, reply);
	} else if (pvt_auth_fake_is_stream_create(msg)) {
		atomic_fetch_add(&f->creates, 1);
		if (atomic_load(&f->creates_ok))
			pvt_auth_fake_stream_info(conn, msg, &stream,
			    PVT_INFO_FOUND);
		else
			pvt_auth_fake_create_fails(conn, msg);
	}
	natsMsg_Destroy(msg);
}

static void
on_event(natsConnection *conn, natsSubscription *sub, natsMsg *msg,
	void *closure)
{
	fake_stream *f = closure;

	(void)sub;
	if (natsMsg_GetReply(msg) != NULL) {
		atomic_fetch_add(&f->published, 1);
		pvt_auth_fake_ack(conn, msg);
	}
	natsMsg_Destroy(msg);
}

static void
setup(void)
{
	char *env[] = { NULL, NULL };

	atomic_store(&fake.year, 2026);
	cr_assert(pvt_auth_fake_start(&api, &site, "leaderless", on_lookup,
	    &fake));

	env[0] = site.url_setting;
	cr_assert(pvt_auth_site_handler(&site, "voter", env));
}

static void
teardown(void)
{
	pvt_auth_fake_close(&api, &site);
}

/* Gives the stream's subjects a responder, or takes it away. */
static void
respond(bool on)
{
	cr_assert(pvt_auth_fake_events(&api, on ? on_event : NULL, &fake));
}

/* Posts an event with a new id; true when it got 200. */
static bool
post_stored(void *arg)
{
	static unsigned next;

	(void)arg;
	/* A ULID: 26 characters of Crockford's base 32. */
	snprintf(event_id, sizeof(event_id), "01HV6Z3R8Y5A0B9C7D2E4F%04X",
	    next++ & 0xffffu);
	return pvt_auth_post_event(&site.handler, event_id) == 200;
}

TestSuite(stream_leaderless, .init = setup, .fini = teardown,
    .timeout = 60);

/* Posts LEADERLESS_POSTS events that must get 503, and returns the ms. */
static long long
post_refused(void)
{
	long long start = pvt_now_ms();
	int i;

	for (i = 0; i < LEADERLESS_POSTS; i++) {
		snprintf(event_id, sizeof(event_id),
		    "01HV6Z3R8Y5A0B9C7D2E4F%04X", (unsigned)i);
		cr_assert_eq(pvt_auth_post_event(&site.handler, event_id), 503,
		    "request %d", i);
	}
	return pvt_now_ms() - start;
}

/* Expects at most one lookup per 100 ms of elapsed, and at least one. */
static void
expect_lookups_bounded(long long elapsed)
{
	int lookups = atomic_load(&fake.lookups);

	cr_expect_leq(lookups, 1 + (int)(elapsed / 100), "%d lookups for %d "
	    "requests in %lld ms", lookups, LEADERLESS_POSTS, elapsed);
	cr_expect_geq(lookups, 1);
}

Test(stream_leaderless, lookups_bounded)
{
	expect_lookups_bounded(post_refused());

	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "bound to stream election"), 1);
	cr_expect_geq(pvt_auth_count_logged(&site.handler,
	    "it is looked up again at most every 100 ms"), 1);
	/* The request that found no responder logs that, not the interval. */
	cr_expect_geq(pvt_auth_count_logged(&site.handler,
	    "no stream took the message for election"), 1);
}

Test(stream_leaderless, failed_lookups_bounded)
{
	atomic_store(&fake.failing, true);
	expect_lookups_bounded(post_refused());

	/* The failing lookup's own reason is logged, not only the interval. */
	cr_expect_geq(pvt_auth_count_logged(&site.handler,
	    "JetStream system temporarily unavailable"), 1);
}

/* A stream that is missing and cannot be created. */
Test(stream_leaderless, failed_creation_bounds_lookups)
{
	long long elapsed;
	int creates;

	atomic_store(&fake.missing, true);
	elapsed = post_refused();
	expect_lookups_bounded(elapsed);

	/* One creation per 5 s, the interval that the log names. */
	creates = atomic_load(&fake.creates);
	cr_expect_geq(creates, 1);
	cr_expect_leq(creates, 1 + (int)(elapsed / 5000), "%d creations in "
	    "%lld ms", creates, elapsed);
	cr_expect_geq(pvt_auth_count_logged(&site.handler,
	    "insufficient resources"), 1);
	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "stream election is not bound"), 0, "a request did not give the "
	    "creation's reason");
	cr_expect_geq(pvt_auth_count_logged(&site.handler,
	    "tried again at most every 5 s"), 1);
}

/* Expects no publish, and the reason "has no leader" in the log. */
static void
expect_no_leader(void)
{
	cr_expect_eq(atomic_load(&fake.published), 0);
	cr_expect_geq(pvt_auth_count_logged(&site.handler,
	    "stream election has no leader"), 1);
}

/* A missing stream that the handler may not create. */
Test(stream_leaderless, missing_stream_bounds_lookups)
{
	char *env[] = { site.url_setting, "PHOTOVOTE_CREATE_STREAMS=false",
	    NULL };

	cr_assert(pvt_auth_handler_stop(&site.handler));
	cr_assert(pvt_auth_site_handler(&site, "voter-no-create", env));
	atomic_store(&fake.missing, true);
	expect_lookups_bounded(post_refused());

	cr_expect_eq(atomic_load(&fake.creates), 0);
	cr_expect_geq(pvt_auth_count_logged(&site.handler,
	    "PHOTOVOTE_CREATE_STREAMS=false"), 1);
	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "the last lookup failed"), 0);
}

/*
 * A creation that nats-server replies to as to a lookup, from a member
 * without a leader, as when other clients created the stream just before.
 */
Test(stream_leaderless, leaderless_creation_not_bound)
{
	respond(true);
	atomic_store(&fake.missing, true);
	atomic_store(&fake.creates_ok, true);
	atomic_store(&fake.leaderless, true);
	cr_assert_eq(pvt_auth_post_event(&site.handler,
	    "01HV6Z3R8Y5A0B9C7D2E4F6G8H"), 503);

	expect_no_leader();
	cr_expect_geq(atomic_load(&fake.creates), 1);
	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "created stream election"), 0);

	atomic_store(&fake.missing, false);
	atomic_store(&fake.leaderless, false);
	cr_expect(pvt_wait_until(post_stored, NULL, 0, RECOVERY_MS),
	    "no event got 200 once the stream had a leader");
}

/*
 * A lookup that a member of the stream's cluster replies to while it has no
 * leader: the handler does not publish, and binds once a leader is known.
 */
Test(stream_leaderless, leaderless_reply_not_bound)
{
	respond(true);
	atomic_store(&fake.leaderless, true);
	expect_lookups_bounded(post_refused());

	expect_no_leader();
	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "bound to stream election"), 0);
	/* The requests between lookups give that reason too. */
	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "the last lookup failed"), 0);

	atomic_store(&fake.leaderless, false);
	cr_expect(pvt_wait_until(post_stored, NULL, 0, RECOVERY_MS),
	    "no event got 200 once the stream had a leader");
	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "bound to stream election"), 1);
}

Test(stream_leaderless, stores_once_responding)
{
	cr_assert_eq(pvt_auth_post_event(&site.handler,
	    "01HV6Z3R8Y5A0B9C7D2E4F6G8H"), 503);

	/* The stream has a leader again: its subjects get a responder. */
	respond(true);

	cr_expect(pvt_wait_until(post_stored, NULL, 0, RECOVERY_MS),
	    "no event got 200 within %d ms of the stream responding",
	    RECOVERY_MS);
	cr_expect_eq(atomic_load(&fake.published), 1);
}

/*
 * Stores an event, loses the stream, and stores one more once the stream
 * responds again, created in 2027 with last_seq as its last sequence.
 */
static void
find_stream_again(unsigned last_seq)
{
	respond(true);
	cr_assert(pvt_wait_until(post_stored, NULL, 0, RECOVERY_MS),
	    "the first event was not stored");

	respond(false);
	cr_assert_eq(pvt_auth_post_event(&site.handler,
	    "01HV6Z3R8Y5A0B9C7D2E4F6G8H"), 503);
	atomic_store(&fake.year, 2027);
	atomic_store(&fake.last_seq, last_seq);
	respond(true);
	cr_assert(pvt_wait_until(post_stored, NULL, 0, RECOVERY_MS),
	    "no event was stored after the stream responded again");
}

/* The new stream lacks the event stored at sequence 1. */
Test(stream_leaderless, replaced_stream_reported)
{
	find_stream_again(0);

	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "bound to stream election"), 2);
	cr_expect_eq(pvt_auth_count_logged(&site.handler, "stream election "
	    "was created again since this process bound it"), 1);
}

/*
 * nats-server can report another creation time for the same stream, which
 * still contains the events stored in it.
 */
Test(stream_leaderless, new_creation_time_kept_events)
{
	find_stream_again(1);

	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "bound to stream election"), 1);
	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "was created again"), 0);
}
