/*
 * Operator endpoints through lighttpd: GET /<aggregate>/health with the
 * broker up, GET /<aggregate>/openapi.json, and X-Request-Id echoed or
 * generated on every response.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "../harness/pvt_suite.h"

static int
http_port(void)
{
	const char *port = getenv(PVT_ENV_HTTP_PORT);

	cr_assert_not_null(port, "the servers are not running");
	return atoi(port);
}

static void
get(const char *path, const char *extra_headers, pvt_http_response *out)
{
	pvt_http_request req = { "GET", path, NULL, extra_headers, NULL, 0 };

	cr_assert(pvt_http_send(http_port(), &req, PVT_REQUEST_TIMEOUT_MS,
	    out), "GET %s: no response", path);
}

Test(operations, health_ok_with_broker_up)
{
	static const char *const paths[] = { "/ballot/health",
	    "/candidate/health", "/competition/health", "/election/health",
	    "/voter/health" };
	pvt_http_response resp;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		get(paths[i], NULL, &resp);
		cr_expect_eq(resp.status, 200, "%s: %d %s", paths[i],
		    resp.status, resp.body);
		cr_expect(strstr(resp.body, "\"status\":\"ok\"") != NULL,
		    "%s: %s", paths[i], resp.body);
		cr_expect(strstr(resp.body, "\"election\":\"bound\"") != NULL,
		    "%s: %s", paths[i], resp.body);
		pvt_http_response_free(&resp);
	}
}

Test(operations, openapi_part_per_aggregate)
{
	pvt_http_response resp;
	struct json_object *doc, *paths;
	int operations;

	get("/election/openapi.json", NULL, &resp);
	cr_assert_eq(resp.status, 200);
	doc = json_tokener_parse(resp.body);
	cr_assert_not_null(doc, "body is not JSON");
	cr_assert(json_object_object_get_ex(doc, "paths", &paths));
	operations = 0;
	json_object_object_foreach(paths, path, item) {
		(void)path;
		operations += json_object_object_length(item);
	}
	cr_expect_eq(operations, 8, "election has 6 event routes, health "
	    "and openapi.json");
	json_object_put(doc);
	pvt_http_response_free(&resp);
}

Test(operations, request_id_echoed)
{
	pvt_http_response resp;
	char *id;

	get("/voter/nowhere", "X-Request-Id: client-42.a\r\n", &resp);
	id = pvt_http_header(&resp, "X-Request-Id");
	cr_assert_not_null(id);
	cr_expect_str_eq(id, "client-42.a");
	free(id);
	pvt_http_response_free(&resp);
}

Test(operations, unsafe_request_id_replaced)
{
	pvt_http_response resp;
	char *id;

	get("/voter/nowhere", "X-Request-Id: bad id<script>\r\n", &resp);
	id = pvt_http_header(&resp, "X-Request-Id");
	cr_assert_not_null(id);
	cr_expect_eq(strlen(id), 21, "generated id: %s", id);
	cr_expect_eq(strspn(id, "0123456789abcdef-"), strlen(id),
	    "generated id: %s", id);
	cr_expect_null(strstr(id, "script"));
	free(id);
	pvt_http_response_free(&resp);
}
