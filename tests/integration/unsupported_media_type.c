/*
 * A body not declared as application/json gets 415 with a JSON
 * "detail" and publishes nothing; media type parameters are allowed.
 */
#include <stdlib.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "../harness/pvt_suite.h"

static const char event[] =
    "{'id':'8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d',"
    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
    "'name':'Media Type Contest'}";

static void
expect_415(const char *content_type)
{
	char *body = pvt_json(event);
	struct json_object *doc, *detail;
	pvt_http_response resp;
	char *type;

	pvt_suite_send_rejected("POST", "/election/", content_type, body, &resp);
	type = pvt_http_header(&resp, "Content-Type");
	doc = json_tokener_parse(resp.body);

	cr_expect_eq(resp.status, 415, "Content-Type %s: status %d",
	    content_type ? content_type : "(none)", resp.status);
	cr_expect_str_eq(type ? type : "(none)", "application/json");
	cr_expect(json_object_is_type(doc, json_type_object),
	    "body is not a JSON object: %s", resp.body);
	cr_expect(json_object_object_get_ex(doc, "detail", &detail),
	    "body has no \"detail\": %s", resp.body);

	json_object_put(doc);
	free(type);
	free(body);
	pvt_http_response_free(&resp);
}

Test(unsupported_media_type, text_plain)
{
	expect_415("text/plain");
}

Test(unsupported_media_type, form_urlencoded)
{
	expect_415("application/x-www-form-urlencoded");
}

Test(unsupported_media_type, missing_content_type)
{
	expect_415(NULL);
}

Test(unsupported_media_type, json_with_charset_accepted)
{
	char *body = pvt_json(event);
	pvt_http_response resp;

	pvt_suite_send("POST", "/election/", "application/json; charset=utf-8",
	    body, &resp);
	cr_expect_eq(resp.status, 200, "status %d, body %s", resp.status,
	    resp.body);

	free(body);
	pvt_http_response_free(&resp);
}
