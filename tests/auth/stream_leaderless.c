/*
 * A stream that a lookup finds but whose subjects have no responder, as
 * while a cluster elects the stream's leader.  Requests get 503, the
 * handler looks the stream up at most once per 100 ms instead of twice
 * per request, logs the stream's settings once, and stores events again
 * as soon as the stream responds.
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

#define STREAM_INFO "{\"type\":\"io.nats.jetstream.api.v1." \
	"stream_info_response\",\"config\":{\"name\":\"election\"," \
	"\"subjects\":[\"election.>\"],\"retention\":\"limits\"," \
	"\"storage\":\"file\",\"num_replicas\":3,\"duplicate_window\":" \
	"120000000000},\"created\":\"2026-01-01T00:00:00Z\",\"state\":" \
	"{\"messages\":0,\"bytes\":0,\"first_seq\":0,\"last_seq\":0," \
	"\"consumer_count\":0}}"
#define PUB_ACK "{\"stream\":\"election\",\"seq\":1}"

/* What the test's JetStream API received. */
typedef struct fake_stream {
	atomic_int lookups;	/* stream info requests */
	atomic_int published;	/* events acknowledged */
} fake_stream;

static pvt_auth_site site;
static natsConnection *nc;
static natsSubscription *api_sub, *event_sub;
static fake_stream fake;
static char event_id[27];

static void
on_lookup(natsConnection *conn, natsSubscription *sub, natsMsg *msg,
	void *closure)
{
	fake_stream *f = closure;
	const char *reply = natsMsg_GetReply(msg);

	(void)sub;
	if (strcmp(natsMsg_GetSubject(msg), "$JS.API.STREAM.INFO.election") ==
	    0 && reply != NULL) {
		atomic_fetch_add(&f->lookups, 1);
		natsConnection_PublishString(conn, reply, STREAM_INFO);
	}
	natsMsg_Destroy(msg);
}

static void
on_event(natsConnection *conn, natsSubscription *sub, natsMsg *msg,
	void *closure)
{
	fake_stream *f = closure;
	const char *reply = natsMsg_GetReply(msg);

	(void)sub;
	if (reply != NULL) {
		atomic_fetch_add(&f->published, 1);
		natsConnection_PublishString(conn, reply, PUB_ACK);
	}
	natsMsg_Destroy(msg);
}

static void
setup(void)
{
	char *env[] = { NULL, NULL };

	cr_assert(pvt_auth_site_open(&site, "leaderless"));
	site.server = pvt_auth_server_start_plain(site.dir, site.port);
	cr_assert_gt(site.server, 0);

	cr_assert_eq(natsConnection_ConnectTo(&nc, site.url), NATS_OK);
	cr_assert_eq(natsConnection_Subscribe(&api_sub, nc, "$JS.API.>",
	    on_lookup, &fake), NATS_OK);
	cr_assert_eq(natsConnection_Flush(nc), NATS_OK);

	env[0] = site.url_setting;
	cr_assert(pvt_auth_site_handler(&site, "voter", env));
}

static void
teardown(void)
{
	natsSubscription_Destroy(api_sub);
	natsSubscription_Destroy(event_sub);
	natsConnection_Destroy(nc);
	api_sub = event_sub = NULL;
	nc = NULL;
	pvt_auth_site_close(&site);
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

Test(stream_leaderless, lookups_bounded)
{
	long long start, elapsed;
	int i, max_lookups;

	start = pvt_now_ms();
	for (i = 0; i < LEADERLESS_POSTS; i++) {
		snprintf(event_id, sizeof(event_id),
		    "01HV6Z3R8Y5A0B9C7D2E4F%04X", (unsigned)i);
		cr_assert_eq(pvt_auth_post_event(&site.handler, event_id), 503,
		    "request %d", i);
	}
	elapsed = pvt_now_ms() - start;

	/* A lookup starts at most every 100 ms, however many requests come. */
	max_lookups = 1 + (int)(elapsed / 100);
	cr_expect_leq(atomic_load(&fake.lookups), max_lookups, "%d lookups "
	    "for %d requests in %lld ms", atomic_load(&fake.lookups),
	    LEADERLESS_POSTS, elapsed);
	cr_expect_geq(atomic_load(&fake.lookups), 1);

	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "bound to stream election"), 1);
	cr_expect_geq(pvt_auth_count_logged(&site.handler,
	    "it is looked up again at most every 100 ms"), 1);
	/* The request that found no responder logs that, not the interval. */
	cr_expect_geq(pvt_auth_count_logged(&site.handler,
	    "no stream took the message for election"), 1);
}

Test(stream_leaderless, stores_once_responding)
{
	cr_assert_eq(pvt_auth_post_event(&site.handler,
	    "01HV6Z3R8Y5A0B9C7D2E4F6G8H"), 503);

	/* The stream has a leader again: its subjects get a responder. */
	cr_assert_eq(natsConnection_Subscribe(&event_sub, nc, "election.>",
	    on_event, &fake), NATS_OK);
	cr_assert_eq(natsConnection_Flush(nc), NATS_OK);

	cr_expect(pvt_wait_until(post_stored, NULL, 0, RECOVERY_MS),
	    "no event got 200 within %d ms of the stream responding",
	    RECOVERY_MS);
	cr_expect_eq(atomic_load(&fake.published), 1);
}
