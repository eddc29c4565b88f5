/*
 * Broker settings a retry cannot overcome get a final answer: an event
 * over the server's max_payload is 413, and a stream whose subjects do
 * not take the handler's events makes health report 503.  A stream that
 * removes stored events is bound with warnings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <nats/nats.h>

#include "../harness/pvt_auth.h"
#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_proc.h"

#define EVENT_ID "01HV6Z3R8Y5A0B9C7D2E4F6G8H"

static pvt_auth_site site;

/* Starts nats-server with JetStream and the extra configuration. */
static void
start_server(const char *extra)
{
	cr_assert(pvt_auth_site_open(&site, "limits"));
	site.server = pvt_auth_server_start_in(site.dir, site.port, extra);
	cr_assert_gt(site.server, 0);
}

static void
teardown(void)
{
	pvt_auth_site_close(&site);
}

/* Creates the stream sc describes through nats.c. */
static void
add_stream(jsStreamConfig *sc)
{
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	natsStatus s;

	s = natsConnection_ConnectTo(&nc, site.url);
	cr_assert_eq(s, NATS_OK, "connect: %s", natsStatus_GetText(s));
	s = natsConnection_JetStream(&js, nc, NULL);
	cr_assert_eq(s, NATS_OK);
	s = js_AddStream(NULL, js, sc, NULL, NULL);
	cr_assert_eq(s, NATS_OK, "add stream: %s", natsStatus_GetText(s));
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
}

/* Creates stream name with the subjects foreign.>. */
static void
create_foreign_stream(const char *name)
{
	const char *subjects[] = { "foreign.>" };
	jsStreamConfig sc;

	jsStreamConfig_Init(&sc);
	sc.Name = name;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	add_stream(&sc);
}

/*
 * Creates stream election with the handler's subjects, an age limit, a
 * message limit, a per-subject limit under discard policy new (which
 * still removes the oldest of a subject), and interest retention.
 */
static void
create_removing_stream(void)
{
	const char *subjects[] = { "election.>" };
	jsStreamConfig sc;

	jsStreamConfig_Init(&sc);
	sc.Name = "election";
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.MaxAge = 1500 * 1000000LL;
	sc.MaxMsgs = 1000;
	sc.MaxMsgsPerSubject = 5;
	sc.Discard = js_DiscardNew;
	sc.Retention = js_InterestPolicy;
	add_stream(&sc);
}

TestSuite(broker_limits, .fini = teardown, .timeout = 60);

Test(broker_limits, over_max_payload_413)
{
	char *env[] = { site.url_setting, NULL };

	/* The event (about 170 bytes) plus room for headers exceeds 600. */
	start_server("max_payload: 600");
	cr_assert(pvt_auth_site_handler(&site, "voter", env));
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 413);
	cr_expect(pvt_auth_wait_logged(&site.handler, "the broker's "
	    "max_payload of 600 bytes is below PHOTOVOTE_MAX_BODY (65536 "
	    "bytes) plus 512 bytes of headers, so an event over 88 bytes",
	    5000));
}

Test(broker_limits, foreign_subjects_unhealthy)
{
	char *env[] = { site.url_setting, NULL };
	const char *params[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
	    "/voter/health", "GATEWAY_INTERFACE", "CGI/1.1", NULL };
	char *out = NULL;

	start_server("");
	/* "election" takes foreign.>, not the election.> of the handler. */
	create_foreign_stream("election");
	cr_assert(pvt_auth_site_handler(&site, "voter", env));

	cr_assert(pvt_fcgi_request(site.handler.socket_path, params, "", 0,
	    10000, &out));
	cr_expect(strstr(out, "Status: 503") != NULL, "%s", out);
	cr_expect(strstr(out, "does not take the subjects") != NULL, "%s",
	    out);
	free(out);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
}

/* A stream that removes what it stored is bound, with warnings. */
Test(broker_limits, removing_stream_warned)
{
	char *env[] = { site.url_setting, NULL };

	start_server("");
	create_removing_stream();
	cr_assert(pvt_auth_site_handler(&site, "voter", env));

	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);
	cr_expect(pvt_auth_wait_logged(&site.handler, "stream election "
	    "removes stored events (max age 1500 ms, max messages per subject "
	    "5)", 10000));
	cr_expect(pvt_auth_wait_logged(&site.handler, "stream election has "
	    "interest retention", 10000));

	/* nats-server caps the duplicate window at the age limit. */
	cr_expect(pvt_auth_wait_logged(&site.handler, "stream election keeps "
	    "event ids for 1500 ms, less than PHOTOVOTE_DUPLICATE_WINDOW",
	    10000));
}

/*
 * A creation that the server rejects (here: 3 replicas on one server) is
 * not tried again for 5 s, and the log gives the server's reason.  A
 * plain subscriber counts the creation requests that reach the server.
 */
Test(broker_limits, rejected_creation_not_retried)
{
	char *env[] = { site.url_setting, "PHOTOVOTE_REPLICAS=3", NULL };
	natsConnection *nc = NULL;
	natsSubscription *sub = NULL;
	int pending = 0;
	natsStatus s;

	start_server("");
	s = natsConnection_ConnectTo(&nc, site.url);
	cr_assert_eq(s, NATS_OK, "connect: %s", natsStatus_GetText(s));
	s = natsConnection_SubscribeSync(&sub, nc,
	    "$JS.API.STREAM.CREATE.election");
	cr_assert_eq(s, NATS_OK);
	cr_assert_eq(natsConnection_Flush(nc), NATS_OK);
	cr_assert(pvt_auth_site_handler(&site, "voter", env));

	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);

	/* The server sent its copies of the requests before the PONG. */
	cr_assert_eq(natsConnection_Flush(nc), NATS_OK);
	cr_assert_eq(natsSubscription_GetPending(sub, &pending, NULL), NATS_OK);
	cr_expect_eq(pending, 1, "%d creation requests", pending);
	cr_expect(pvt_auth_wait_logged(&site.handler, "cannot create stream "
	    "election: replicas > 1 not supported in non-clustered mode "
	    "(JetStream error 10074)", 10000));
	cr_expect(pvt_auth_wait_logged(&site.handler, "tried again at most "
	    "every 5 s", 10000));

	natsSubscription_Destroy(sub);
	natsConnection_Destroy(nc);
}

/* Without JetStream, health names the likely causes. */
Test(broker_limits, jetstream_off_unhealthy)
{
	char *env[] = { site.url_setting, NULL };
	const char *params[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
	    "/voter/health", "GATEWAY_INTERFACE", "CGI/1.1", NULL };
	char *out = NULL;

	cr_assert(pvt_auth_site_open(&site, "limits"));
	site.server = pvt_auth_server_start_plain(site.dir, site.port);
	cr_assert_gt(site.server, 0);
	cr_assert(pvt_auth_site_handler(&site, "voter", env));

	cr_assert(pvt_fcgi_request(site.handler.socket_path, params, "", 0,
	    10000, &out));
	cr_expect(strstr(out, "Status: 503") != NULL, "%s", out);
	cr_expect(strstr(out, "cannot look up stream election: JetStream did "
	    "not respond (disabled, or electing a leader)") != NULL, "%s",
	    out);
	free(out);
}
