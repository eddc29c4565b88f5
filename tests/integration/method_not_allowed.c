/*
 * A known path with another method gets 405
 * {"detail":"Method Not Allowed"} with an Allow header listing the
 * methods of that path, and publishes nothing.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../harness/pvt_suite.h"

static const char event[] =
    "{\"id\":\"7e8f9a0b-1c2d-4e3f-9a4b-5c6d7e8f9a0b\","
    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\"}";

/* Returns true when the comma-separated list contains method. */
static bool
list_contains(const char *list, const char *method)
{
	size_t len = strlen(method);
	const char *p = list;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, method, len) == 0 &&
		    (p[len] == '\0' || p[len] == ',' || p[len] == ' '))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static pvt_http_response
expect_405(const char *method, const char *path)
{
	pvt_http_response resp;

	/* lighttpd itself rejects a GET with a body, with 400. */
	pvt_suite_send_rejected(method, path, "application/json",
	    strcmp(method, "GET") == 0 ? NULL : event, &resp);
	cr_expect_eq(resp.status, 405, "%s %s: status %d", method, path,
	    resp.status);
	cr_expect_str_eq(resp.body, "{\"detail\":\"Method Not Allowed\"}");
	return resp;
}

Test(method_not_allowed, get_on_post_path)
{
	pvt_http_response resp = expect_405("GET", "/voter/");
	char *allow = pvt_http_header(&resp, "Allow");

	cr_expect_str_eq(allow ? allow : "(none)", "POST");

	free(allow);
	pvt_http_response_free(&resp);
}

Test(method_not_allowed, put_on_post_and_delete_path)
{
	pvt_http_response resp = expect_405("PUT", "/candidate/");
	char *allow = pvt_http_header(&resp, "Allow");

	cr_assert_not_null(allow, "405 without an Allow header");
	cr_expect(list_contains(allow, "POST"), "Allow: %s lacks POST", allow);
	cr_expect(list_contains(allow, "DELETE"), "Allow: %s lacks DELETE",
	    allow);
	cr_expect(!list_contains(allow, "PUT"), "Allow: %s lists PUT", allow);

	free(allow);
	pvt_http_response_free(&resp);
}

Test(method_not_allowed, post_on_put_path)
{
	pvt_http_response resp = expect_405("POST", "/election/closed");
	char *allow = pvt_http_header(&resp, "Allow");

	cr_expect_str_eq(allow ? allow : "(none)", "PUT");

	free(allow);
	pvt_http_response_free(&resp);
}
