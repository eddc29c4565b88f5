/*
 * A handler started with PHOTOVOTE_ENV_FILE names that file in its start
 * line and applies it: the file's debug level makes a 404 log a line with
 * the request id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_proc.h"
#include "../harness/pvt_solo.h"

static pvt_solo solo;

static void
setup(void)
{
	cr_assert(pvt_solo_open(&solo, "env-file"));
}

static void
teardown(void)
{
	pvt_solo_close(&solo);
}

/* Returns true when the handler's log contains text (a string). */
static bool
logged(void *text)
{
	return pvt_solo_log_contains(&solo, "handler.log", text);
}

/* Waits up to 5 s for the handler's log to contain text. */
static bool
log_shows(const char *text)
{
	return pvt_wait_until(logged, (void *)text, solo.handler, 5000);
}

Test(env_file, start_line_names_file, .init = setup, .fini = teardown)
{
	static const char text[] = "PHOTOVOTE_LOG_LEVEL=debug\n";
	const char *params[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
	    "/nowhere", "GATEWAY_INTERFACE", "CGI/1.1", "HTTP_X_REQUEST_ID",
	    "env-file-test-1", NULL };
	char line[PVT_PATH_MAX + 96], *out = NULL;
	const char *path;

	path = pvt_solo_setting_file(&solo, "PHOTOVOTE_ENV_FILE", "h.env",
	    text);
	cr_assert_not_null(path, "cannot write %s/h.env", solo.dir);
	cr_assert(pvt_solo_serve(&solo, 2));

	snprintf(line, sizeof(line), "settings from the environment and %s",
	    path);
	cr_expect(log_shows(line), "no start line naming %s", path);

	cr_assert(pvt_fcgi_request(solo.socket_path, params, NULL, 0, 5000,
	    &out));
	cr_expect(strstr(out, "Status: 404") != NULL, "%s", out);
	free(out);
	cr_expect(log_shows("debug: request env-file-test-1: 404 for path "
	    "/nowhere"));
	cr_assert(pvt_solo_end(&solo, 5000));
}

/* ${NAME} in the file takes an earlier line's value, as in python-dotenv. */
Test(env_file, reference_expanded, .init = setup, .fini = teardown)
{
	static const char text[] = "LEVEL=debug\n"
	    "PHOTOVOTE_LOG_LEVEL=${LEVEL}\n";
	const char *params[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
	    "/nowhere", "GATEWAY_INTERFACE", "CGI/1.1", "HTTP_X_REQUEST_ID",
	    "env-file-test-2", NULL };
	char *out = NULL;

	cr_assert_not_null(pvt_solo_setting_file(&solo, "PHOTOVOTE_ENV_FILE",
	    "h.env", text), "cannot write %s/h.env", solo.dir);
	cr_assert(pvt_solo_serve(&solo, 2));

	cr_assert(pvt_fcgi_request(solo.socket_path, params, NULL, 0, 5000,
	    &out));
	cr_expect(strstr(out, "Status: 404") != NULL, "%s", out);
	free(out);
	cr_expect(log_shows("debug: request env-file-test-2: 404 for path "
	    "/nowhere"));
	cr_assert(pvt_solo_end(&solo, 5000));
}
