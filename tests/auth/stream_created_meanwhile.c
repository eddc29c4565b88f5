/*
 * A stream that another process creates between the handler's lookup and
 * its own creation, with other settings, is checked like one found at the
 * lookup: other subjects fail the request, and memory storage is bound
 * with a warning.
 *
 * The moment between the two requests is too short to hit with a real
 * JetStream server, so the test serves the JetStream API itself, on a
 * nats-server without JetStream.  The first lookup finds nothing, the
 * creation finds the name in use, and the next lookup finds the stream
 * that the test describes.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <nats/nats.h>

#include "../harness/pvt_auth.h"
#include "../harness/pvt_proc.h"

#define EVENT_ID "01HV6Z3R8Y5A0B9C7D2E4F6G8H"

/* Time the handler gets to log a line, in ms. */
#define LOG_WAIT_MS 10000

#define NOT_FOUND "{\"type\":\"io.nats.jetstream.api.v1." \
	"stream_info_response\",\"error\":{\"code\":404,\"err_code\":10059," \
	"\"description\":\"stream not found\"}}"
#define NAME_IN_USE "{\"type\":\"io.nats.jetstream.api.v1." \
	"stream_create_response\",\"error\":{\"code\":400,\"err_code\":" \
	"10058,\"description\":\"stream name already in use with a " \
	"different configuration\"}}"
#define PUB_ACK "{\"stream\":\"election\",\"seq\":1}"

/* State of the test's JetStream API: its responses and what it received. */
typedef struct fake_js {
	char info[512];		/* the stream found after the creation */
	atomic_bool created;	/* a creation request arrived */
	atomic_int published;	/* events published to election.> */
} fake_js;

static pvt_auth_site site;
static pvt_auth_fake api;
static fake_js fake;

static void
on_request(natsConnection *conn, natsSubscription *sub, natsMsg *msg,
	void *closure)
{
	fake_js *f = closure;
	const char *subject = natsMsg_GetSubject(msg);
	const char *reply = natsMsg_GetReply(msg);
	const char *response = NULL;

	(void)sub;
	if (strcmp(subject, "$JS.API.STREAM.CREATE.election") == 0) {
		atomic_store(&f->created, true);
		response = NAME_IN_USE;
	} else if (strcmp(subject, "$JS.API.STREAM.INFO.election") == 0) {
		response = atomic_load(&f->created) ? f->info : NOT_FOUND;
	} else if (strncmp(subject, "election.", 9) == 0) {
		atomic_fetch_add(&f->published, 1);
		response = PUB_ACK;
	}
	if (response != NULL && reply != NULL)
		natsConnection_PublishString(conn, reply, response);
	natsMsg_Destroy(msg);
}

/*
 * Starts nats-server without JetStream, the test's JetStream API with a
 * stream of the given subjects and storage, and voter.fcgi.
 */
static void
start(const char *subjects, const char *storage)
{
	char *env[] = { site.url_setting, NULL };

	cr_assert(pvt_auth_fake_start(&api, &site, "meanwhile", on_request,
	    &fake));
	cr_assert(pvt_auth_fake_events(&api, on_request, &fake));

	snprintf(fake.info, sizeof(fake.info), "{\"type\":\"io.nats."
	    "jetstream.api.v1.stream_info_response\",\"config\":{\"name\":"
	    "\"election\",\"subjects\":[\"%s\"],\"retention\":\"limits\","
	    "\"storage\":\"%s\",\"num_replicas\":1,\"duplicate_window\":"
	    "120000000000},\"created\":\"2026-01-01T00:00:00Z\",\"state\":"
	    "{\"messages\":0,\"bytes\":0,\"first_seq\":0,\"last_seq\":0,"
	    "\"consumer_count\":0}}", subjects, storage);
	cr_assert(pvt_auth_site_handler(&site, "voter", env));
}

static void
teardown(void)
{
	pvt_auth_fake_close(&api, &site);
}

/*
 * Posts one event while the stream found after the creation has the
 * given subjects and storage, and checks the status, the log line and the
 * number of events published.
 */
static void
post_and_check(const char *subjects, const char *storage, int status,
	const char *log_line, int published)
{
	start(subjects, storage);

	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), status);
	cr_expect(atomic_load(&fake.created));
	cr_expect(pvt_auth_wait_logged(&site.handler, log_line, LOG_WAIT_MS));
	cr_expect_eq(atomic_load(&fake.published), published);
}

TestSuite(stream_created_meanwhile, .fini = teardown, .timeout = 60);

Test(stream_created_meanwhile, foreign_subjects_fail)
{
	post_and_check("foreign.>", "file", 503, "stream election exists but "
	    "does not take the subjects election.>", 0);
}

Test(stream_created_meanwhile, memory_storage_warned)
{
	post_and_check("election.>", "memory", 200, "stream election keeps "
	    "events in memory", 1);
}
