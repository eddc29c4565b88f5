/*
 * libFuzzer target: a whole request through pv_handle_request, with an
 * in-memory request and the broker-less publisher of stub_publish.c.
 *
 * Input: the first byte picks the aggregate (modulo 5).  Then come CGI
 * variables, one "NAME=value" per line, up to the first empty line; the
 * rest is the body, delivered in reads of at most 7 bytes so that short
 * reads are exercised.  CONTENT_LENGTH and CONTENT_TYPE are ordinary
 * variables, so they can be missing, malformed or disagree with the body.
 *
 * The response must be one well-formed CGI response: printable header
 * lines, a Content-Length equal to the body length, and a JSON body.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "pv_handler.h"

#define MAX_PARAMS 32

typedef struct fuzz_request {
	char *names[MAX_PARAMS];
	char *values[MAX_PARAMS];
	size_t param_count;
	const char *body;
	size_t body_len;
	size_t body_read;
	pv_buf response;
} fuzz_request;

static const pv_aggregate *const aggregates[] = {
	&pv_ballot_aggregate, &pv_candidate_aggregate,
	&pv_competition_aggregate, &pv_election_aggregate,
	&pv_voter_aggregate,
};
#define AGGREGATE_COUNT (sizeof(aggregates) / sizeof(aggregates[0]))

static pv_config cfgs[AGGREGATE_COUNT];
static pv_app apps[AGGREGATE_COUNT];
static pv_logger logger;
static pv_worker worker;
static int ready;

static void
setup(void)
{
	char *envp[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_URL=nats://127.0.0.1:1", "PHOTOVOTE_MAX_BODY=4096",
	    "PHOTOVOTE_LOG_LEVEL=debug", NULL };
	pv_error err;
	size_t i;

	pv_log_init(&logger, "fuzz", open("/dev/null", O_WRONLY));
	logger.level = PV_LOG_DEBUG;
	for (i = 0; i < AGGREGATE_COUNT; i++) {
		FUZZ_CHECK(pv_config_load(&cfgs[i], aggregates[i]->name, envp,
		    &err) == PV_OK);
		FUZZ_CHECK(pv_app_init(&apps[i], aggregates[i], &cfgs[i],
		    &logger, &err) == PV_OK);
	}
	FUZZ_CHECK(pv_worker_init(&worker, &err) == PV_OK);
	ready = 1;
}

static const char *
fuzz_param(void *ctx, const char *name)
{
	const fuzz_request *fr = ctx;
	size_t i;

	for (i = 0; i < fr->param_count; i++)
		if (strcmp(fr->names[i], name) == 0)
			return fr->values[i];
	return NULL;
}

static ssize_t
fuzz_read(void *ctx, char *buf, size_t len)
{
	fuzz_request *fr = ctx;
	size_t left = fr->body_len - fr->body_read;

	if (len > left)
		len = left;
	if (len > 7)
		len = 7;
	memcpy(buf, fr->body + fr->body_read, len);
	fr->body_read += len;
	return (ssize_t)len;
}

static int
fuzz_write(void *ctx, const char *buf, size_t len)
{
	fuzz_request *fr = ctx;

	return pv_buf_append(&fr->response, buf, len) == PV_OK ? 0 : -1;
}

/* Splits the input into variables and body; returns false if malformed. */
static bool
split_input(fuzz_request *fr, const char *p, const char *end)
{
	const char *eol, *eq;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (eol == p) {
			p++;
			break;
		}
		eq = memchr(p, '=', (size_t)(eol - p));
		if (eq == NULL || fr->param_count == MAX_PARAMS)
			return false;
		fr->names[fr->param_count] = strndup(p, (size_t)(eq - p));
		fr->values[fr->param_count] = strndup(eq + 1,
		    (size_t)(eol - eq - 1));
		fr->param_count++;
		p = eol + 1;
	}
	fr->body = p < end ? p : end;
	fr->body_len = p < end ? (size_t)(end - p) : 0;
	return true;
}

/* Checks that the response is one complete, well-formed CGI response. */
static void
check_response(const pv_buf *r, int status)
{
	const char *head_end, *p, *length;
	size_t body_len;

	FUZZ_CHECK(r->len > 0);
	head_end = strstr(r->data, "\r\n\r\n");
	FUZZ_CHECK(head_end != NULL);
	for (p = r->data; p < head_end; p++)
		FUZZ_CHECK((*p >= 0x20 && *p < 0x7f) ||
		    (p[0] == '\r' && p[1] == '\n') ||
		    (p[0] == '\n' && p[-1] == '\r'));

	FUZZ_CHECK(strncmp(r->data, "Status: ", 8) == 0);
	FUZZ_CHECK(atoi(r->data + 8) == status);
	length = strstr(r->data, "\r\nContent-Length: ");
	FUZZ_CHECK(length != NULL && length < head_end);
	body_len = r->len - (size_t)(head_end + 4 - r->data);
	FUZZ_CHECK(strtoul(length + 18, NULL, 10) == body_len);
	FUZZ_CHECK(body_len > 0 && head_end[4] == '{');
}

/*
 * Returns true when the web server's variables call for a 500: no
 * request method, no path at all, or its own 500 in REDIRECT_STATUS.
 * Nothing a client sends leads to a 500 otherwise.
 */
static bool
server_caused_500(fuzz_request *fr)
{
	const char *redirect = fuzz_param(fr, "REDIRECT_STATUS");

	if (fuzz_param(fr, "REQUEST_METHOD") == NULL)
		return true;
	if (fuzz_param(fr, "REQUEST_URI") == NULL &&
	    fuzz_param(fr, "SCRIPT_NAME") == NULL &&
	    fuzz_param(fr, "PATH_INFO") == NULL)
		return true;
	return redirect != NULL && strcmp(redirect, "500") == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_request fr;
	pv_request_io io = { &fr, fuzz_param, fuzz_read, fuzz_write };
	size_t i;
	int status;

	if (!ready)
		setup();
	if (size == 0)
		return 0;

	memset(&fr, 0, sizeof(fr));
	pv_buf_init(&fr.response);
	if (split_input(&fr, (const char *)data + 1,
	    (const char *)data + size)) {
		status = pv_handle_request(&apps[data[0] % AGGREGATE_COUNT],
		    &worker, &io);
		FUZZ_CHECK(status >= 200 && status < 600);
		FUZZ_CHECK(status != 500 || server_caused_500(&fr));
		check_response(&fr.response, status);
	}

	for (i = 0; i < fr.param_count; i++) {
		free(fr.names[i]);
		free(fr.values[i]);
	}
	pv_buf_free(&fr.response);
	return 0;
}
