/*
 * The request pipeline with an in-memory request: routing, request
 * checks and error bodies.  The broker address is a closed loopback port,
 * so an accepted event ends in 503 and nothing can be published.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pv_handler.h"

typedef struct fake_request {
	const char *const *params;	/* NAME, value, NAME, value, ..., NULL */
	const char *body;
	size_t body_len;
	size_t body_read;		/* bytes handed out so far */
	pv_buf response;
} fake_request;

static const char *
fake_param(void *ctx, const char *name)
{
	fake_request *fr = ctx;
	size_t i;

	for (i = 0; fr->params[i] != NULL; i += 2)
		if (strcmp(fr->params[i], name) == 0)
			return fr->params[i + 1];
	return NULL;
}

static ssize_t
fake_read(void *ctx, char *buf, size_t len)
{
	fake_request *fr = ctx;
	size_t left = fr->body_len - fr->body_read;

	if (len > left)
		len = left;
	memcpy(buf, fr->body + fr->body_read, len);
	fr->body_read += len;
	return (ssize_t)len;
}

static int
fake_write(void *ctx, const char *buf, size_t len)
{
	fake_request *fr = ctx;

	return pv_buf_append(&fr->response, buf, len) == PV_OK ? 0 : -1;
}

static const pv_route routes[] = {
	{ "POST", "/candidate/", "Candidate.CandidateAdded" },
	{ "DELETE", "/candidate/", "Candidate.CandidateRemoved" },
	{ "PUT", "/candidate/name-changed", "Candidate.CandidateNameChanged" },
};
static const pv_aggregate aggregate = { "candidate", routes, 3 };

static pv_config cfg;
static pv_logger logger;
static pv_app app;
static pv_worker worker;

static void
setup(void)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_URL=nats://127.0.0.1:1", "PHOTOVOTE_MAX_BODY=200",
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=500", NULL };
	pv_error err;

	pv_log_init(&logger, "candidate", open("/dev/null", O_WRONLY));
	cr_assert_eq(pv_config_load(&cfg, "candidate", envp, &err), PV_OK,
	    "%s", err.text);
	cr_assert_eq(pv_app_init(&app, &aggregate, &cfg, &logger, &err),
	    PV_OK, "%s", err.text);
	cr_assert_eq(pv_worker_init(&worker, &err), PV_OK, "%s", err.text);
}

static void
teardown(void)
{
	pv_worker_free(&worker);
	pv_app_free(&app, 0);
	pv_config_free(&cfg);
	close(logger.fd);
	pv_log_free(&logger);
}

/* Runs one request; returns the status and leaves the response in fr. */
static int
run(fake_request *fr)
{
	pv_request_io io = { fr, fake_param, fake_read, fake_write };

	pv_buf_init(&fr->response);
	return pv_handle_request(&app, &worker, &io);
}

/* Returns the response body: what follows the blank line. */
static const char *
body_of(const fake_request *fr)
{
	const char *sep = strstr(fr->response.data, "\r\n\r\n");

	cr_assert_not_null(sep);
	return sep + 4;
}

#define EVENT "{\"id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\"," \
	"\"candidate_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8J\"," \
	"\"competition_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8K\"," \
	"\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8M\"}"

TestSuite(handler, .init = setup, .fini = teardown);

Test(handler, unknown_path_404)
{
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/candidate/nope", NULL };
	fake_request fr = { params, "", 0, 0, { 0 } };

	cr_assert_eq(run(&fr), 404);
	cr_assert(strstr(fr.response.data, "Status: 404 Not Found\r\n"));
	cr_assert_str_eq(body_of(&fr), "{\"detail\":\"Not Found\"}");
	pv_buf_free(&fr.response);
}

/* Runs fr with the log sent to a temporary file; returns what it logged. */
static char *
run_logged(fake_request *fr, int *status)
{
	FILE *file = tmpfile();
	int saved = logger.fd;
	static char text[1024];
	size_t n;

	cr_assert_not_null(file);
	logger.fd = fileno(file);
	*status = run(fr);
	logger.fd = saved;

	rewind(file);
	n = fread(text, 1, sizeof(text) - 1, file);
	text[n] = '\0';
	fclose(file);
	return text;
}

Test(handler, no_path_variables_500)
{
	const char *params[] = { "REQUEST_METHOD", "POST", NULL };
	fake_request fr = { params, "", 0, 0, { 0 } };
	const char *logged;
	int status;

	logged = run_logged(&fr, &status);
	cr_assert_eq(status, 500);
	cr_assert_str_eq(body_of(&fr), "{\"detail\":\"Internal Server "
	    "Error\"}");
	cr_assert(strstr(logged, "passed no REQUEST_URI, SCRIPT_NAME or "
	    "PATH_INFO; check the variables it passes"), "%s", logged);
	pv_buf_free(&fr.response);
}

Test(handler, no_method_500)
{
	const char *params[] = { "REQUEST_URI", "/candidate/", NULL };
	fake_request fr = { params, "", 0, 0, { 0 } };
	const char *logged;
	int status;

	logged = run_logged(&fr, &status);
	cr_assert_eq(status, 500);
	cr_assert(strstr(logged, "passed no REQUEST_METHOD;"), "%s", logged);
	pv_buf_free(&fr.response);
}

Test(handler, invalid_path_404_logged)
{
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/candidate/a%00b", NULL };
	fake_request fr = { params, "", 0, 0, { 0 } };
	const char *logged;
	int status;

	logger.level = PV_LOG_DEBUG;
	logged = run_logged(&fr, &status);
	logger.level = PV_LOG_INFO;
	cr_assert_eq(status, 404);
	cr_assert(strstr(logged, "404 for a path that is too long or "
	    "contains %00"), "%s", logged);
	pv_buf_free(&fr.response);
}

Test(handler, escaped_path_routed)
{
	const char *params[] = { "REQUEST_METHOD", "PUT", "REQUEST_URI",
	    "/candidate/%6e%61me%2Dchanged/?x=%41", NULL };
	fake_request fr = { params, "", 0, 0, { 0 } };

	/* 415, not 404: the path was routed, and no Content-Type was sent. */
	cr_assert_eq(run(&fr), 415);
	pv_buf_free(&fr.response);
}

Test(handler, broken_escape_404)
{
	const char *paths[] = { "/candidate/name-changed%",
	    "/candidate/name-changed%2", "/candidate/%zzname-changed" };
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *params[] = { "REQUEST_METHOD", "PUT",
		    "REQUEST_URI", paths[i], NULL };
		fake_request fr = { params, "", 0, 0, { 0 } };

		cr_expect_eq(run(&fr), 404, "%s", paths[i]);
		pv_buf_free(&fr.response);
	}
}

Test(handler, escaped_nul_404)
{
	const char *params[] = { "REQUEST_METHOD", "PUT", "REQUEST_URI",
	    "/candidate/name-changed%00", NULL };
	fake_request fr = { params, "", 0, 0, { 0 } };

	cr_assert_eq(run(&fr), 404);
	pv_buf_free(&fr.response);
}

Test(handler, other_method_405_with_allow)
{
	const char *params[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
	    "/candidate/?x=1", NULL };
	fake_request fr = { params, "", 0, 0, { 0 } };

	cr_assert_eq(run(&fr), 405);
	cr_assert(strstr(fr.response.data, "Allow: POST, DELETE\r\n"), "%s",
	    fr.response.data);
	cr_assert_str_eq(body_of(&fr), "{\"detail\":\"Method Not Allowed\"}");
	pv_buf_free(&fr.response);
}

Test(handler, wrong_content_type_415)
{
	const char *params[] = { "REQUEST_METHOD", "PUT", "REQUEST_URI",
	    "/candidate/name-changed", "CONTENT_TYPE", "text/plain",
	    "CONTENT_LENGTH", "2", NULL };
	fake_request fr = { params, "{}", 2, 0, { 0 } };

	cr_assert_eq(run(&fr), 415);
	cr_assert(strstr(body_of(&fr), "\"detail\":"));
	pv_buf_free(&fr.response);
}

Test(handler, json_type_with_charset_accepted)
{
	const char *params[] = { "REQUEST_METHOD", "PUT", "REQUEST_URI",
	    "/candidate/name-changed", "CONTENT_TYPE",
	    "Application/JSON; charset=UTF-8", "CONTENT_LENGTH", "2", NULL };
	fake_request fr = { params, "{}", 2, 0, { 0 } };

	/* Past the type check, the empty event fails its schema. */
	cr_assert_eq(run(&fr), 422);
	pv_buf_free(&fr.response);
}

/* Parameters after application/json: only a well-formed utf-8 charset. */
Test(handler, json_type_parameters)
{
	static const struct {
		const char *type;
		int status;
	} cases[] = {
		{ "application/json;", 422 },
		{ "application/json ; charset=\"utf-8\"", 422 },
		{ "application/json; charset=utf8 ; foo=bar", 422 },
		{ "application/json; foo; charset=utf-8", 422 },
		{ "application/json; foo=\"a;charset=latin1\"", 422 },
		{ "application/json; foo=\"a\\\";charset=latin1\"", 422 },
		{ "application/json; charset=\"utf\\-8\"", 422 },
		{ "application/json; charset=utf-8-x", 415 },
		{ "application/json; charset=\"utf-8\\\"\"", 415 },
		{ "application/json; charset =latin-1", 415 },
		{ "application/json; charset= utf-8", 415 },
		{ "application/json; charset=\"utf-8", 415 },
		{ "application/json; charset=utf-8 x", 415 },
		{ "application/json; charset", 415 },
		{ "application/json; charset=utf-8; charset=latin1", 415 },
		{ "application/json; foo=\"bar", 415 },
	};
	const char *params[] = { "REQUEST_METHOD", "PUT", "REQUEST_URI",
	    "/candidate/name-changed", "CONTENT_TYPE", NULL,
	    "CONTENT_LENGTH", "2", NULL };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_request fr = { params, "{}", 2, 0, { 0 } };

		params[5] = cases[i].type;
		cr_expect_eq(run(&fr), cases[i].status, "%s", cases[i].type);
		pv_buf_free(&fr.response);
	}
}

Test(handler, other_charset_415)
{
	const char *params[] = { "REQUEST_METHOD", "PUT", "REQUEST_URI",
	    "/candidate/name-changed", "CONTENT_TYPE",
	    "application/json; charset=latin1", "CONTENT_LENGTH", "2", NULL };
	fake_request fr = { params, "{}", 2, 0, { 0 } };

	cr_assert_eq(run(&fr), 415);
	pv_buf_free(&fr.response);
}

Test(handler, missing_length_411)
{
	const char *params[] = { "REQUEST_METHOD", "DELETE", "REQUEST_URI",
	    "/candidate", "CONTENT_TYPE", "application/json", NULL };
	fake_request fr = { params, "{}", 2, 0, { 0 } };

	cr_assert_eq(run(&fr), 411);
	pv_buf_free(&fr.response);
}

Test(handler, bad_length_400)
{
	static const char *const lengths[] = { "-1", "1e3", " 2", "0x10" };
	size_t i;

	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		const char *params[] = { "REQUEST_METHOD", "DELETE",
		    "REQUEST_URI", "/candidate", "CONTENT_TYPE",
		    "application/json", "CONTENT_LENGTH", lengths[i], NULL };
		fake_request fr = { params, "{}", 2, 0, { 0 } };

		cr_assert_eq(run(&fr), 400, "CONTENT_LENGTH %s", lengths[i]);
		pv_buf_free(&fr.response);
	}
}

Test(handler, large_body_413_unread)
{
	const char *params[] = { "REQUEST_METHOD", "DELETE", "REQUEST_URI",
	    "/candidate/", "CONTENT_TYPE", "application/json",
	    "CONTENT_LENGTH", "99999999999999999999999999", NULL };
	fake_request fr = { params, "{}", 2, 0, { 0 } };

	cr_assert_eq(run(&fr), 413);
	cr_assert_eq(fr.body_read, 0);
	cr_assert(strstr(body_of(&fr), "larger than 200 bytes"));
	pv_buf_free(&fr.response);
}

Test(handler, short_body_400)
{
	const char *params[] = { "REQUEST_METHOD", "DELETE", "REQUEST_URI",
	    "/candidate/", "CONTENT_TYPE", "application/json",
	    "CONTENT_LENGTH", "10", NULL };
	fake_request fr = { params, "{}", 2, 0, { 0 } };

	cr_assert_eq(run(&fr), 400);
	pv_buf_free(&fr.response);
}

Test(handler, long_body_400)
{
	const char *params[] = { "REQUEST_METHOD", "DELETE", "REQUEST_URI",
	    "/candidate/", "CONTENT_TYPE", "application/json",
	    "CONTENT_LENGTH", "2", NULL };
	fake_request fr = { params, "{}  ", 4, 0, { 0 } };

	cr_assert_eq(run(&fr), 400);
	pv_buf_free(&fr.response);
}

Test(handler, invalid_json_422)
{
	const char *params[] = { "REQUEST_METHOD", "DELETE", "REQUEST_URI",
	    "/candidate/", "CONTENT_TYPE", "application/json",
	    "CONTENT_LENGTH", "9", NULL };
	fake_request fr = { params, "{\"id\":1,}", 9, 0, { 0 } };

	cr_assert_eq(run(&fr), 422);
	cr_assert(strstr(body_of(&fr), "\"type\":\"json_invalid\""), "%s",
	    body_of(&fr));
	pv_buf_free(&fr.response);
}

Test(handler, schema_violation_422)
{
	const char *params[] = { "REQUEST_METHOD", "DELETE", "REQUEST_URI",
	    "/candidate/", "CONTENT_TYPE", "application/json",
	    "CONTENT_LENGTH", "2", NULL };
	fake_request fr = { params, "{}", 2, 0, { 0 } };

	cr_assert_eq(run(&fr), 422);
	cr_assert(strstr(body_of(&fr), "{\"type\":\"missing\",\"loc\":"
	    "[\"body\",\"id\"],\"msg\":\"Field required\"}"), "%s",
	    body_of(&fr));
	cr_assert(strstr(body_of(&fr), "\"loc\":[\"body\",\"election_id\"]"));
	pv_buf_free(&fr.response);
}

Test(handler, broker_down_503_retry_after)
{
	const char *params[] = { "REQUEST_METHOD", "DELETE", "REQUEST_URI",
	    "/candidate", "CONTENT_TYPE", "application/json",
	    "CONTENT_LENGTH", "3", NULL };
	char length[16];
	fake_request fr = { params, EVENT, strlen(EVENT), 0, { 0 } };

	snprintf(length, sizeof(length), "%zu", strlen(EVENT));
	params[7] = length;
	cr_assert_eq(run(&fr), 503, "%s", fr.response.data);
	cr_assert(strstr(fr.response.data, "Retry-After: "));
	cr_assert(strstr(body_of(&fr), "\"detail\":"));
	pv_buf_free(&fr.response);
}

/* lighttpd's server.error-handler requests for its own errors. */
Test(handler, server_error_statuses)
{
	static const struct {
		const char *value;
		int status;
		const char *body;
	} cases[] = {
		{ "503", 503, "{\"detail\":\"Service Unavailable\"}" },
		{ "501", 501, "{\"detail\":\"Not Implemented\"}" },
		{ "413", 413, "{\"detail\":\"Content Too Large\"}" },
		{ "599", 599, "{\"detail\":\"Server Error\"}" },
	};
	const char *params[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
	    "/candidate/", "REDIRECT_STATUS", NULL, NULL };
	bool retry_after;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_request fr = { params, "", 0, 0, { 0 } };

		params[5] = cases[i].value;
		cr_assert_eq(run(&fr), cases[i].status);
		cr_assert_str_eq(body_of(&fr), cases[i].body);
		retry_after = strstr(fr.response.data, "Retry-After: 1\r\n") !=
		    NULL;
		cr_assert_eq(retry_after, cases[i].status == 503,
		    "Retry-After on %d", cases[i].status);
		pv_buf_free(&fr.response);
	}
}

/* Only a 4xx or 5xx of three digits is an error; the rest is routed. */
Test(handler, server_error_status_ignored)
{
	static const char *const values[] = { "200", "302", "600", "50",
	    "5030", "+503", " 503", "" };
	const char *params[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
	    "/candidate/nope", "REDIRECT_STATUS", NULL, NULL };
	size_t i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		fake_request fr = { params, "", 0, 0, { 0 } };

		params[5] = values[i];
		cr_assert_eq(run(&fr), 404, "REDIRECT_STATUS \"%s\"",
		    values[i]);
		pv_buf_free(&fr.response);
	}
}

Test(handler, health_503_when_broker_down)
{
	const char *params[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
	    "/candidate/health", NULL };
	fake_request fr = { params, "", 0, 0, { 0 } };

	cr_assert_eq(run(&fr), 503, "%s", fr.response.data);
	cr_assert(strstr(fr.response.data, "Retry-After: "));
	cr_assert(strstr(body_of(&fr), "\"status\":\"unavailable\""), "%s",
	    body_of(&fr));
	cr_assert(strstr(body_of(&fr), "\"election\":\"not bound\""), "%s",
	    body_of(&fr));
	pv_buf_free(&fr.response);
}

Test(handler, health_only_get)
{
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/candidate/health", NULL };
	fake_request fr = { params, "", 0, 0, { 0 } };

	cr_assert_eq(run(&fr), 405);
	cr_assert(strstr(fr.response.data, "Allow: GET\r\n"));
	pv_buf_free(&fr.response);
}

Test(handler, openapi_part_served)
{
	const char *params[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
	    "/candidate/openapi.json", NULL };
	fake_request fr = { params, "", 0, 0, { 0 } };
	struct json_object *doc;

	cr_assert_eq(run(&fr), 200);
	doc = json_tokener_parse(body_of(&fr));
	cr_assert_not_null(doc, "body is not JSON");
	cr_assert(strstr(body_of(&fr), "\"/candidate/name-changed\""));
	cr_assert_null(strstr(body_of(&fr), "\"/voter/\""),
	    "another aggregate's route is listed");
	json_object_put(doc);
	pv_buf_free(&fr.response);
}
