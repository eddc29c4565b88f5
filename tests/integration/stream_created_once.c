/*
 * The first requests after a start all find their stream missing, so
 * each creates it.  The handler logs the creation once, and every request
 * gets 200.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_auth.h"
#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_solo.h"

#define WORKERS 8
#define WAIT_MS 30000

static pvt_solo solo;

static void
setup(void)
{
	cr_assert(pvt_solo_open(&solo, "stream-once"));
}

static void
teardown(void)
{
	pvt_solo_close(&solo);
}

/* One request of the burst: its number, and whether it got 200. */
typedef struct burst_request {
	int index;
	bool ok;
} burst_request;

/* Posts a VoterRegistered event whose id ends in the request's number. */
static void *
post_event(void *arg)
{
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/voter/", "SCRIPT_NAME", "/voter", "PATH_INFO", "/",
	    "GATEWAY_INTERFACE", "CGI/1.1", "CONTENT_TYPE",
	    "application/json", "CONTENT_LENGTH", NULL, NULL };
	char event[256], length[16], *out = NULL;
	burst_request *r = arg;

	snprintf(event, sizeof(event), "{\"id\":\"7e6f5a4b-3c2d-4e1f-8a9b-"
	    "0c1d2e3f4a%02d\",\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6VTR\","
	    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\",\"name\":\"Ada\","
	    "\"email\":\"ada@example.org\"}", r->index);
	snprintf(length, sizeof(length), "%zu", strlen(event));
	params[13] = length;
	r->ok = pvt_fcgi_request(solo.socket_path, params, event, strlen(event),
	    WAIT_MS, &out) && strstr(out, "Status: 200") != NULL;
	free(out);
	return NULL;
}

/* Counts the lines of the handler's log that contain text. */
static int
count_logged(const char *text)
{
	char path[PVT_PATH_MAX + 32], *log, *at;
	int n = 0;

	snprintf(path, sizeof(path), "%s/handler.log", solo.dir);
	log = pvt_auth_read_file(path);
	cr_assert_not_null(log, "cannot read %s", path);
	for (at = log; (at = strstr(at, text)) != NULL; at += strlen(text))
		n++;
	free(log);
	return n;
}

TestSuite(stream_created_once, .init = setup, .fini = teardown);

Test(stream_created_once, first_burst_logs_once)
{
	pthread_t threads[WORKERS];
	burst_request requests[WORKERS];
	int i;

	/* A stream of this run's own, missing on the suite's broker. */
	snprintf(solo.setting, sizeof(solo.setting), "PHOTOVOTE_STREAMS="
	    "once_%ld", (long)getpid());
	cr_assert(pvt_solo_serve(&solo, WORKERS));

	for (i = 0; i < WORKERS; i++) {
		requests[i].index = i;
		requests[i].ok = false;
		cr_assert_eq(pthread_create(&threads[i], NULL, post_event,
		    &requests[i]), 0);
	}
	for (i = 0; i < WORKERS; i++)
		pthread_join(threads[i], NULL);

	for (i = 0; i < WORKERS; i++)
		cr_expect(requests[i].ok, "request %d did not get 200", i);
	cr_expect_eq(count_logged("created stream once_"), 1);
	cr_expect(pvt_solo_end(&solo, WAIT_MS), "the handler did not exit "
	    "cleanly");
}
