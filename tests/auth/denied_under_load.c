/*
 * A handler under steady load from more clients than it has threads,
 * where half the events go to an election the broker user may not
 * publish to.  Each denied publish stays unacknowledged in nats.c until
 * the JetStream context is renewed, and past 64 of them one request
 * waits for the connection to renew it.  The renewal must happen, and
 * the permitted events must keep getting 200 meanwhile.  In the second
 * test only denied events follow a broker stall: their prompt denials
 * end the stall, so the renewal is forced again.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../harness/pvt_auth.h"
#include "../harness/pvt_proc.h"

/* Clients, above the handler's 16 threads, and how long they send. */
#define CLIENTS 24
#define LOAD_MS 6000

/* The election the user may publish to, and one it may not. */
#define PERMITTED_ELECTION "01HV6Z3R8Y5A0B9C7D2E4F6G8K"
#define DENIED_ELECTION "01HV6Z3R8Y5A0B9C7D2E4F6D00"

static const char users[] =
    "authorization { users = [\n"
    "  { user: admin, password: admin-pw }\n"
    "  { user: partial, password: partial-pw, permissions: {\n"
    "      publish: { allow: [\"$JS.API.STREAM.INFO.election\",\n"
    "          \"election." PERMITTED_ELECTION ".>\"] }\n"
    "      subscribe: { allow: [\"_INBOX.>\"] } } }\n"
    "] }\n";

static pvt_auth_site site;

typedef struct client {
	pthread_t thread;
	int index;
	bool denied_only;	/* every event to the denied election */
	int sent;
	int permitted_failed;	/* permitted events without 200 */
	int denied_unexpected;	/* denied events without 503 */
} client;

static void
teardown(void)
{
	pvt_auth_site_close(&site);
}

/* Sends events for LOAD_MS, at most 1,000, to one election by index. */
static void *
run_client(void *arg)
{
	client *c = arg;
	long long end = pvt_now_ms() + LOAD_MS;
	bool permitted = !c->denied_only && c->index % 2 == 0;
	char event_id[40];
	int status;

	while (pvt_now_ms() < end && c->sent < 1000) {
		snprintf(event_id, sizeof(event_id),
		    "5c4ed0a1-7a2b-4c8d-9e6f-%04d%08d", c->index, c->sent);
		status = pvt_auth_post_event_to(&site.handler, event_id,
		    permitted ? PERMITTED_ELECTION : DENIED_ELECTION);
		if (permitted && status != 200)
			c->permitted_failed++;
		if (!permitted && status != 503)
			c->denied_unexpected++;
		c->sent++;
	}
	return NULL;
}

TestSuite(denied_under_load, .fini = teardown, .timeout = 60);

/* Starts the broker with the users above, the stream and a handler. */
static void
open_site(void)
{
	char *env[] = { site.url_setting, "NATS_USER=partial",
	    "NATS_PASSWORD=partial-pw", "PHOTOVOTE_CREATE_STREAMS=false",
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=1000", "PHOTOVOTE_THREADS=16",
	    NULL };
	pvt_auth_client admin;

	cr_assert(pvt_auth_site_open(&site, "denied-load"));
	admin = (pvt_auth_client){ .url = site.url, .user = "admin",
	    .password = "admin-pw" };
	site.server = pvt_auth_server_start_in(site.dir, site.port, users);
	cr_assert_gt(site.server, 0);
	cr_assert(pvt_auth_stream_create(&admin, "election"));
	cr_assert(pvt_auth_site_handler(&site, "partial", env));
}

/*
 * Runs CLIENTS clients and checks each response.  Returns the number of
 * denied events sent.
 */
static int
run_clients(bool denied_only)
{
	client clients[CLIENTS];
	int i, denied_sent = 0;

	for (i = 0; i < CLIENTS; i++) {
		clients[i] = (client){ .index = i, .denied_only = denied_only };
		cr_assert_eq(pthread_create(&clients[i].thread, NULL,
		    run_client, &clients[i]), 0);
	}
	for (i = 0; i < CLIENTS; i++) {
		pthread_join(clients[i].thread, NULL);
		cr_expect_eq(clients[i].permitted_failed, 0, "client %d: %d "
		    "permitted events without 200", i,
		    clients[i].permitted_failed);
		cr_expect_eq(clients[i].denied_unexpected, 0, "client %d: %d "
		    "denied events without 503", i,
		    clients[i].denied_unexpected);
		if (denied_only || i % 2 == 1)
			denied_sent += clients[i].sent;
	}
	return denied_sent;
}

Test(denied_under_load, permitted_events_stored)
{
	char *log;

	open_site();

	/* Enough denied publishes to force a renewal, and it happened. */
	cr_assert_gt(run_clients(false), 64);
	log = pvt_auth_read_file(site.handler.log_path);
	cr_assert_not_null(log);
	cr_expect_not_null(strstr(log, "renewed the JetStream context"),
	    "%s", log);
	cr_expect_null(strstr(log, "which other requests held"), "%s", log);
	free(log);
}

Test(denied_under_load, denials_end_stall)
{
	char *log;

	open_site();
	cr_assert_eq(pvt_auth_post_event_to(&site.handler,
	    "5c4ed0a1-7a2b-4c8d-9e6f-999900000000", PERMITTED_ELECTION), 200);

	/* One time-out during a pause records a stall. */
	cr_assert(pvt_pause(site.server, 5000), "the broker did not stop");
	cr_expect_eq(pvt_auth_post_event_to(&site.handler,
	    "5c4ed0a1-7a2b-4c8d-9e6f-999900000001", PERMITTED_ELECTION), 503);
	cr_assert_eq(kill(site.server, SIGCONT), 0);
	cr_assert(pvt_auth_wait_logged(&site.handler, "broker sent no "
	    "acknowledgement in time", 5000));

	/* Only denials follow: they end the stall, and the renewal comes. */
	cr_assert_gt(run_clients(true), 64);
	log = pvt_auth_read_file(site.handler.log_path);
	cr_assert_not_null(log);
	cr_expect_not_null(strstr(log, "broker answers in time again"), "%s",
	    log);
	cr_expect_not_null(strstr(log, "renewed the JetStream context"),
	    "%s", log);
	free(log);

	/* A permitted event is stored again. */
	cr_expect_eq(pvt_auth_post_event_to(&site.handler,
	    "5c4ed0a1-7a2b-4c8d-9e6f-999900000002", PERMITTED_ELECTION), 200);
}
