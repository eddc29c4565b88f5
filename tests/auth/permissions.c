/*
 * Least privilege: a handler whose NATS user may publish only to the
 * stream's subjects and call the JetStream API it needs, as README's
 * "Broker permissions" lists them.  With PHOTOVOTE_CREATE_STREAMS=false
 * it binds to a stream an administrator created and never creates one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../harness/pvt_auth.h"
#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_proc.h"

#define STREAM "election"
#define EVENT_ID "01HV6Z3R8Y5A0B9C7D2E4F6G8H"
#define EVENT_ID_2 "01HV6Z3R8Y5A0B9C7D2E4F6G8M"

static pvt_auth_site site;
static pvt_auth_client admin;

/*
 * Users: admin (everything) and three handler users.  "binder" may look
 * streams up and publish, and "creator" may also create the stream.
 * "looker" may only look the stream up, so its publishes are denied.
 */
static const char users[] =
    "authorization { users = [\n"
    "  { user: admin, password: admin-pw }\n"
    "  { user: binder, password: binder-pw, permissions: {\n"
    "      publish: { allow: [\"election.>\",\n"
    "          \"$JS.API.STREAM.INFO.election\"] }\n"
    "      subscribe: { allow: [\"_INBOX.>\"] } } }\n"
    "  { user: creator, password: creator-pw, permissions: {\n"
    "      publish: { allow: [\"election.>\",\n"
    "          \"$JS.API.STREAM.INFO.election\",\n"
    "          \"$JS.API.STREAM.CREATE.election\"] }\n"
    "      subscribe: { allow: [\"_INBOX.>\"] } } }\n"
    "  { user: looker, password: looker-pw, permissions: {\n"
    "      publish: { allow: [\"$JS.API.STREAM.INFO.election\"] }\n"
    "      subscribe: { allow: [\"_INBOX.>\"] } } }\n"
    "] }\n";

static void
setup(void)
{
	cr_assert(pvt_auth_site_open(&site, "permissions"));
	admin = (pvt_auth_client){ .url = site.url, .user = "admin",
	    .password = "admin-pw" };

	site.server = pvt_auth_server_start_in(site.dir, site.port, users);
	cr_assert_gt(site.server, 0);
}

static void
teardown(void)
{
	pvt_auth_site_close(&site);
}

TestSuite(permissions, .init = setup, .fini = teardown, .timeout = 60);

Test(permissions, bind_only_user_publishes)
{
	char *env[] = { site.url_setting, "NATS_USER=binder",
	    "NATS_PASSWORD=binder-pw", "PHOTOVOTE_CREATE_STREAMS=false", NULL };
	uint64_t messages = 0;

	cr_assert(pvt_auth_stream_create(&admin, STREAM));
	cr_assert(pvt_auth_site_handler(&site, "binder", env));
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);
	cr_assert(pvt_auth_stream_messages(&admin, STREAM, &messages));
	cr_assert_eq(messages, 1);
}

Test(permissions, bind_only_never_creates)
{
	char *env[] = { site.url_setting, "NATS_USER=creator",
	    "NATS_PASSWORD=creator-pw", "PHOTOVOTE_CREATE_STREAMS=false",
	    NULL };

	cr_assert(pvt_auth_site_handler(&site, "creator", env));
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	cr_assert_not(pvt_auth_stream_exists(&admin, STREAM),
	    "the handler created the stream");
}

Test(permissions, create_user_creates_stream)
{
	char *env[] = { site.url_setting, "NATS_USER=creator",
	    "NATS_PASSWORD=creator-pw", NULL };
	uint64_t messages = 0;

	cr_assert(pvt_auth_site_handler(&site, "creator", env));
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);
	cr_assert(pvt_auth_stream_messages(&admin, STREAM, &messages));
	cr_assert_eq(messages, 1);
}

Test(permissions, bind_only_user_cannot_create)
{
	char *env[] = { site.url_setting, "NATS_USER=binder",
	    "NATS_PASSWORD=binder-pw", NULL };

	char *log;

	cr_assert(pvt_auth_site_handler(&site, "binder", env));
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	cr_assert_not(pvt_auth_stream_exists(&admin, STREAM));

	/* The next request fails with the same reason without trying again. */
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID_2), 503);

	/* The log names the denial, not a time-out that may have stored. */
	log = pvt_auth_read_file(site.handler.log_path);
	cr_assert_not_null(log);
	cr_expect_not_null(strstr(log, "was not permitted"), "%s", log);
	cr_expect_null(strstr(log, "may still be stored"), "%s", log);
	cr_expect_not_null(strstr(log, "tried again at most every 5 s"), "%s",
	    log);
	free(log);
}

/*
 * A denied publish is never acknowledged, and nats.c keeps it pending.
 * After 16 of them the handler renews its JetStream context, which frees
 * them, and keeps responding.
 */
Test(permissions, denied_publishes_freed)
{
	char *env[] = { site.url_setting, "NATS_USER=looker",
	    "NATS_PASSWORD=looker-pw", "PHOTOVOTE_CREATE_STREAMS=false",
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=100", NULL };
	char id[48], *log;
	int i;

	cr_assert(pvt_auth_stream_create(&admin, STREAM));
	cr_assert(pvt_auth_site_handler(&site, "looker", env));
	for (i = 0; i < 18; i++) {
		snprintf(id, sizeof(id), "01HV6Z3R8Y5A0B9C7D2E4F6G%02d", i);
		cr_assert_eq(pvt_auth_post_event(&site.handler, id), 503,
		    "request %d", i);
	}

	log = pvt_auth_read_file(site.handler.log_path);
	cr_assert_not_null(log);
	cr_expect_not_null(strstr(log, "renewed the JetStream context after "
	    "16 unacknowledged publishes"), "%s", log);
	free(log);
}

/*
 * The server rejects a denied publish with an error that names its
 * subject, and with no acknowledgement.  The request fails at once with
 * the server's words: with a publish time-out of 30 s, waiting it out
 * would outlast the test client's 20 s.  The health check then fails.
 */
Test(permissions, denied_publish_fails_fast)
{
	char *env[] = { site.url_setting, "NATS_USER=looker",
	    "NATS_PASSWORD=looker-pw", "PHOTOVOTE_CREATE_STREAMS=false",
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=30000", NULL };
	const char *health[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
	    "/voter/health", "GATEWAY_INTERFACE", "CGI/1.1", NULL };
	char *log, *out = NULL;

	cr_assert(pvt_auth_stream_create(&admin, STREAM));
	cr_assert(pvt_auth_site_handler(&site, "looker", env));
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID_2), 503);

	cr_assert(pvt_fcgi_request(site.handler.socket_path, health, "", 0,
	    20000, &out));
	cr_expect(strncmp(out, "Status: 503", 11) == 0, "%s", out);
	cr_expect_not_null(strstr(out, "the broker denied a publish"), "%s",
	    out);
	free(out);

	log = pvt_auth_read_file(site.handler.log_path);
	cr_assert_not_null(log);
	cr_expect_not_null(strstr(log, "the broker denied publishing to "
	    "election.01HV6Z3R8Y5A0B9C7D2E4F6G8K.voter.VoterRegistered "
	    "(stream election)"), "%s", log);
	cr_expect_not_null(strstr(log, "Permissions Violation for Publish "
	    "to"), "%s", log);
	free(log);
}

/* One of the parallel requests of denied_publishes_in_parallel. */
typedef struct denied_post {
	pthread_t thread;
	char event_id[40];	/* room for any int, which gcc checks for */
	char election_id[40];
	int status;
} denied_post;

static void *
post_denied(void *arg)
{
	denied_post *p = arg;

	p->status = pvt_auth_post_event_to(&site.handler, p->event_id,
	    p->election_id);
	return NULL;
}

/*
 * Denials of many subjects at once: each request must get the denial of
 * its own subject, not wait out the 30 s publish time-out (the test
 * client gives up after 20 s and counts that as status 0).
 */
Test(permissions, denied_publishes_in_parallel)
{
	char *env[] = { site.url_setting, "NATS_USER=looker",
	    "NATS_PASSWORD=looker-pw", "PHOTOVOTE_CREATE_STREAMS=false",
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=30000", NULL };
	denied_post posts[20];
	int i;

	cr_assert(pvt_auth_stream_create(&admin, STREAM));
	cr_assert(pvt_auth_site_handler(&site, "looker", env));
	for (i = 0; i < 20; i++) {
		snprintf(posts[i].event_id, sizeof(posts[i].event_id),
		    "01HV6Z3R8Y5A0B9C7D2E4F6E%02d", i);
		snprintf(posts[i].election_id, sizeof(posts[i].election_id),
		    "01HV6Z3R8Y5A0B9C7D2E4F6D%02d", i);
		cr_assert_eq(pthread_create(&posts[i].thread, NULL,
		    post_denied, &posts[i]), 0);
	}
	for (i = 0; i < 20; i++)
		pthread_join(posts[i].thread, NULL);
	for (i = 0; i < 20; i++)
		cr_expect_eq(posts[i].status, 503, "request %d: status %d", i,
		    posts[i].status);
}
