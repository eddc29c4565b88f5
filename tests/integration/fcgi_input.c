/*
 * FastCGI input that no well-behaved web server sends, straight to a
 * handler on its own socket: a body whose stream breaks instead of
 * ending, and a role other than responder.  Neither may be stored.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <fastcgi.h>

#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_solo.h"
#include "../harness/pvt_suite.h"

#define EXIT_DEADLINE_MS 5000

/* A VoterRegistered event; each test gives it an id ending in its digit. */
static const char event_format[] =
    "{\"id\":\"3f0c5d1e-7a2b-4c8d-9e6f-0a1b2c3d4e5%d\","
    "\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6VTR\","
    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\","
    "\"name\":\"Ada\",\"email\":\"ada@example.org\"}";

static pvt_solo solo;
static char event[256];
static char length[16];
static const char *const params[] = { "REQUEST_METHOD", "POST",
    "REQUEST_URI", "/voter/", "SCRIPT_NAME", "/voter", "PATH_INFO", "/",
    "GATEWAY_INTERFACE", "CGI/1.1", "CONTENT_TYPE", "application/json",
    "CONTENT_LENGTH", length, NULL };

static void
setup(void)
{
	cr_assert(pvt_solo_open(&solo, "fcgi-input"));
	cr_assert(pvt_solo_serve(&solo, 2));
}

/* Sets the event's id suffix and its CONTENT_LENGTH. */
static void
use_event(int digit)
{
	snprintf(event, sizeof(event), event_format, digit);
	snprintf(length, sizeof(length), "%zu", strlen(event));
}

static void
teardown(void)
{
	pvt_solo_close(&solo);
}

/*
 * Sends the whole body without the empty record that ends it, then ends
 * the stream with tail (a record, or nothing and a shutdown), and
 * returns the handler's output.
 */
static char *
send_broken_body(int tail_type)
{
	char *out = NULL;
	int fd;

	fd = pvt_fcgi_begin(solo.socket_path, params, 5000);
	cr_assert_geq(fd, 0);
	cr_assert(pvt_fcgi_send_body(fd, event, strlen(event), false));
	if (tail_type != 0)
		cr_assert(pvt_fcgi_send_record(fd, tail_type, NULL, 0));
	else
		shutdown(fd, SHUT_WR);
	cr_assert(pvt_fcgi_read_response(fd, &out), "no response");
	close(fd);
	return out;
}

TestSuite(fcgi_input, .init = setup, .fini = teardown);

/*
 * Checks that out has status and text and that the stream gained no
 * message since before, then frees out.
 */
static void
expect_not_stored(char *out, const char *status, const char *text,
	pvt_stream_state before)
{
	pvt_stream_state after = pvt_suite_stream_state();

	cr_expect(strstr(out, status) != NULL, "response: %s", out);
	cr_expect(strstr(out, text) != NULL, "response: %s", out);
	cr_expect_eq(after.messages, before.messages);
	free(out);
}

Test(fcgi_input, abort_after_body_not_stored)
{
	pvt_stream_state before = pvt_suite_stream_state();

	use_event(1);
	expect_not_stored(send_broken_body(FCGI_ABORT_REQUEST), "Status: 400",
	    "did not end cleanly", before);
	cr_expect(pvt_solo_end(&solo, EXIT_DEADLINE_MS), "the handler did "
	    "not exit cleanly");
}

Test(fcgi_input, closed_after_body_not_stored)
{
	pvt_stream_state before = pvt_suite_stream_state();

	use_event(2);
	expect_not_stored(send_broken_body(0), "Status: 400",
	    "did not end cleanly", before);
	cr_expect(pvt_solo_end(&solo, EXIT_DEADLINE_MS), "the handler did "
	    "not exit cleanly");
}

Test(fcgi_input, authorizer_role_not_stored)
{
	pvt_stream_state before = pvt_suite_stream_state();
	char *out = NULL;
	int fd;

	use_event(3);
	fd = pvt_fcgi_begin_role(solo.socket_path, FCGI_AUTHORIZER, params,
	    5000);
	cr_assert_geq(fd, 0);
	cr_assert(pvt_fcgi_send_body(fd, event, strlen(event), true));
	cr_assert(pvt_fcgi_read_response(fd, &out), "no response");
	close(fd);
	cr_expect(strstr(out, "X-Request-Id: ") != NULL, "response: %s", out);
	expect_not_stored(out, "Status: 500", "{\"detail\":\"Internal Server "
	    "Error\"}", before);
	cr_expect(pvt_solo_log_contains(&solo, "handler.log", "FastCGI role 2 "
	    "is not supported"));
	cr_expect(pvt_solo_end(&solo, EXIT_DEADLINE_MS), "the handler did "
	    "not exit cleanly");
}

/* The same handler still stores a well-formed request afterwards. */
Test(fcgi_input, whole_body_stored)
{
	pvt_stream_state before = pvt_suite_stream_state(), after;
	char *out = NULL;

	use_event(4);
	cr_assert(pvt_fcgi_request(solo.socket_path, params, event,
	    strlen(event), 5000, &out));
	after = pvt_suite_stream_state();
	cr_expect(strstr(out, "Status: 200") != NULL, "response: %s", out);
	cr_expect_eq(after.messages, before.messages + 1);
	free(out);
	cr_expect(pvt_solo_end(&solo, EXIT_DEADLINE_MS), "the handler did "
	    "not exit cleanly");
}
