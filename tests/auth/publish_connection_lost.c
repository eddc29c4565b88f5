/*
 * A broker that dies while a publish waits for its acknowledgement.  The
 * request gets 503, and the handler closes its connection, which drops
 * what nats.c would send once a server is back.  The next request after
 * the broker returns builds a new connection and stores its event.  (A
 * publish that nats.c takes into its reconnect buffer, which the close
 * keeps from being sent, needs a disconnect between two calls of the
 * handler, which a test cannot time.)
 *
 * The test serves the JetStream API itself, on a nats-server without
 * JetStream, so that it can kill the broker the moment the event
 * arrives.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <nats/nats.h>

#include "../harness/pvt_auth.h"
#include "../harness/pvt_proc.h"

/* Time the handler gets to store an event once the broker is back. */
#define RECOVERY_MS 15000

/* State of the test's stream: events received, and the broker to kill. */
typedef struct fake_stream {
	atomic_int received;	/* events published to it */
	atomic_bool kill_next;	/* kill the broker instead of acknowledging */
	pid_t broker;
} fake_stream;

/* The event that meets the dying broker (a ULID). */
static const char doomed_id[] = "01HV6Z3R8Y5A0B9C7D2E4F0DDD";

static pvt_auth_site site;
static pvt_auth_fake api;
static fake_stream fake;

static void
on_lookup(natsConnection *conn, natsSubscription *sub, natsMsg *msg,
	void *closure)
{
	static const pvt_auth_stream stream = { 2026, 1, 0, false };

	(void)sub;
	(void)closure;
	if (pvt_auth_fake_is_stream_info(msg))
		pvt_auth_fake_stream_info(conn, msg, &stream, PVT_INFO_FOUND);
	natsMsg_Destroy(msg);
}

static void
on_event(natsConnection *conn, natsSubscription *sub, natsMsg *msg,
	void *closure)
{
	fake_stream *f = closure;
	(void)sub;
	atomic_fetch_add(&f->received, 1);

	/* SIGKILL, so the broker sends no acknowledgement and no goodbye. */
	if (atomic_exchange(&f->kill_next, false))
		kill(f->broker, SIGKILL);
	else
		pvt_auth_fake_ack(conn, msg);
	natsMsg_Destroy(msg);
}

static void
setup(void)
{
	char *env[] = { NULL, "PHOTOVOTE_PUBLISH_TIMEOUT_MS=1000", NULL };

	cr_assert(pvt_auth_fake_start(&api, &site, "conn-lost", on_lookup,
	    &fake));
	fake.broker = site.server;
	cr_assert(pvt_auth_fake_events(&api, on_event, &fake));

	env[0] = site.url_setting;
	cr_assert(pvt_auth_site_handler(&site, "voter", env));
}

static void
teardown(void)
{
	pvt_auth_fake_close(&api, &site);
}

/* True once the test's own client is connected to the new broker. */
static bool
fake_connected(void *arg)
{
	(void)arg;
	return natsConnection_Status(api.nc) == NATS_CONN_STATUS_CONNECTED &&
	    natsConnection_FlushTimeout(api.nc, 500) == NATS_OK;
}

/* Posts an event with a new id and returns true when it got 200. */
static bool
post_stored(void *arg)
{
	static unsigned next;
	char id[27];

	(void)arg;
	snprintf(id, sizeof(id), "01HV6Z3R8Y5A0B9C7D2E4F%04X",
	    next++ & 0xfffu);
	return pvt_auth_post_event(&site.handler, id) == 200;
}

TestSuite(publish_connection_lost, .init = setup, .fini = teardown,
    .timeout = 60);

Test(publish_connection_lost, closes_then_reconnects)
{
	const char *closing = "publish failed while reconnecting; closing "
	    "the broker connection to drop what it buffered";
	char log[PVT_PATH_MAX + 16], old_log[PVT_PATH_MAX + 32];
	int before;

	cr_assert(post_stored(NULL), "an event before the broker died");

	atomic_store(&fake.kill_next, true);
	cr_assert_eq(pvt_auth_post_event(&site.handler, doomed_id), 503);
	cr_assert(pvt_auth_wait_logged(&site.handler, closing, 5000),
	    "the handler did not close its connection");
	pvt_stop(site.server, 2000);

	/* The new server's readiness is read from a log of its own. */
	snprintf(log, sizeof(log), "%s/nats.log", site.dir);
	snprintf(old_log, sizeof(old_log), "%s/nats-killed.log", site.dir);
	cr_assert_eq(rename(log, old_log), 0);
	site.server = pvt_auth_server_start_plain(site.dir, site.port);
	cr_assert_gt(site.server, 0);
	cr_assert(pvt_wait_until(fake_connected, NULL, -1, RECOVERY_MS),
	    "the test's JetStream API did not reconnect");
	before = atomic_load(&fake.received);
	cr_assert(pvt_wait_until(post_stored, NULL, site.handler.pid,
	    RECOVERY_MS), "no event stored once the broker was back");

	/* The new connection, not nats.c's reconnect, stored the event. */
	cr_assert_eq(pvt_auth_count_logged(&site.handler,
	    "info: connected to the broker"), 2);
	cr_assert_eq(pvt_auth_count_logged(&site.handler,
	    "connection restored"), 0);
	cr_assert_gt(atomic_load(&fake.received), before);
}
