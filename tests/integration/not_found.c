/*
 * Unknown paths are answered 404 {"detail":"Not Found"} in JSON and
 * publish nothing, whichever handler (or the catch-all entry of the
 * lighttpd configuration) receives them.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../harness/pvt_suite.h"

static const char event[] =
    "{\"id\":\"5d6e7f80-9a1b-4c2d-8e3f-405162738495\","
    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\"}";

static void
expect_not_found(const char *method, const char *path)
{
	pvt_http_response resp;
	char *type;

	/* lighttpd itself rejects a GET with a body, with 400. */
	pvt_suite_send_rejected(method, path, "application/json",
	    strcmp(method, "GET") == 0 ? NULL : event, &resp);
	type = pvt_http_header(&resp, "Content-Type");

	cr_expect_eq(resp.status, 404, "%s %s: status %d", method, path,
	    resp.status);
	cr_expect_str_eq(resp.body, "{\"detail\":\"Not Found\"}");
	cr_expect_str_eq(type ? type : "(none)", "application/json");

	free(type);
	pvt_http_response_free(&resp);
}

Test(not_found, unknown_event_under_aggregate)
{
	expect_not_found("PUT", "/election/renamed");
}

Test(not_found, path_below_event_path)
{
	expect_not_found("PUT", "/election/opened/extra");
}

Test(not_found, aggregate_prefix_with_suffix)
{
	expect_not_found("POST", "/voters");
}

Test(not_found, path_outside_aggregates)
{
	expect_not_found("POST", "/nothing/here");
}

Test(not_found, site_root)
{
	expect_not_found("GET", "/");
}
