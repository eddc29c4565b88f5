/*
 * A body longer than PHOTOVOTE_MAX_BODY (65536 bytes in the generated
 * configuration) gets 413 and publishes nothing; a body of
 * exactly that size is accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../harness/pvt_suite.h"

#define MAX_BODY 65536

/* A valid event padded with trailing JSON white space to size bytes. */
static char *
padded_event(const char *event_id, size_t size)
{
	char *body = malloc(size + 1);
	size_t len;

	cr_assert_not_null(body);
	len = (size_t)snprintf(body, size + 1, "{\"id\":\"%s\","
	    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\","
	    "\"name\":\"Large Body Contest\"}", event_id);
	cr_assert_lt(len, size);
	memset(body + len, ' ', size - len);
	body[size] = '\0';
	return body;
}

Test(body_too_large, one_byte_over_limit)
{
	char *body = padded_event("9b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d2e",
	    MAX_BODY + 1);
	pvt_http_response resp;

	pvt_suite_send_rejected("PUT", "/election/name-changed",
	    "application/json", body, &resp);
	cr_expect_eq(resp.status, 413, "status %d, body %s", resp.status,
	    resp.body);

	free(body);
	pvt_http_response_free(&resp);
}

Test(body_too_large, far_over_limit)
{
	char *body = padded_event("9b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d2f",
	    4 * MAX_BODY);
	pvt_http_response resp;

	pvt_suite_send_rejected("PUT", "/election/name-changed",
	    "application/json", body, &resp);
	cr_expect_eq(resp.status, 413, "status %d", resp.status);

	free(body);
	pvt_http_response_free(&resp);
}

Test(body_too_large, exactly_at_limit_accepted)
{
	char *body = padded_event("9b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d30",
	    MAX_BODY);
	pvt_http_response resp;

	pvt_suite_send_json("PUT", "/election/name-changed", body, &resp);
	cr_expect_eq(resp.status, 200, "status %d, body %s", resp.status,
	    resp.body);

	free(body);
	pvt_http_response_free(&resp);
}
