/*
 * Text fields: name, description, caption, NUL characters and UTF-8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "unit_helpers.h"

#define NAMED "Election.ElectionNameChanged"
#define NAMED_HEAD "{\"id\":\"" ULID_1 "\",\"election_id\":\"" ULID_2 "\","
#define DESCRIBED "Election.ElectionDescriptionChanged"
#define IMAGED "Candidate.CandidateImageChanged"
#define IMAGED_HEAD "{\"id\":\"" ULID_1 "\",\"candidate_id\":\"" ULID_2 \
	"\",\"competition_id\":\"" ULID_3 "\",\"election_id\":\"" ULID_4 "\","
#define ADDED "Candidate.CandidateAdded"

/* Builds NAMED_HEAD "field":"value"} into buf. */
static const char *
body_with(char *buf, size_t size, const char *head, const char *field,
	const char *value)
{
	int n = snprintf(buf, size, "%s\"%s\":\"%s\"}", head, field, value);

	cr_assert(n > 0 && (size_t)n < size);
	return buf;
}

Test(name, length_bounds)
{
	static char body[2048];
	const pv_violation *found;
	char *name;

	name = unit_repeat("\xc3\xab", 200);
	unit_expect_ok(NAMED, body_with(body, sizeof(body), NAMED_HEAD, "name",
	    name));
	free(name);
	name = unit_repeat("\xc3\xab", 201);
	found = unit_expect(NAMED, body_with(body, sizeof(body), NAMED_HEAD,
	    "name", name), "name", "string_too_long");
	cr_assert_str_eq(found->msg, "String should have at most 200 characters");
	cr_assert_str_eq(found->ctx_key, "max_length");
	cr_assert_str_eq(found->ctx_value, "200");
	free(name);
}

Test(name, empty_too_short)
{
	const pv_violation *found;

	found = unit_expect(NAMED, NAMED_HEAD "\"name\":\"\"}", "name",
	    "string_too_short");
	cr_assert_str_eq(found->msg, "String should have at least 1 character");
	cr_assert_str_eq(found->ctx_key, "min_length");
	cr_assert_str_eq(found->ctx_value, "1");
}

Test(name, blank_rejected)
{
	unit_expect(NAMED, NAMED_HEAD "\"name\":\"   \"}", "name",
	    "string_pattern_mismatch");
	unit_expect(NAMED, NAMED_HEAD "\"name\":\" \\u3000\\u00a0\"}", "name",
	    "string_pattern_mismatch");
	unit_expect_ok(NAMED, NAMED_HEAD "\"name\":\" a \"}");
}

Test(name, invisible_only_rejected)
{
	unit_expect(NAMED, NAMED_HEAD "\"name\":\"\u200b\u200b\"}", "name",
	    "string_pattern_mismatch");
	unit_expect(NAMED, NAMED_HEAD "\"name\":\"\ufeff \u2060\"}", "name",
	    "string_pattern_mismatch");
	unit_expect_ok(NAMED, NAMED_HEAD "\"name\":\"a\u200db\"}");
}

/* Default-ignorable characters and blank-looking symbols, each alone. */
Test(name, default_ignorable_only_rejected)
{
	static const char *const names[] = {
		"\\u3164", "\\u115f", "\\uffa0", "\\u2800", "\\u00ad",
		"\\u034f", "\\u180e", "\\u200e", "\\u202e", "\\u2062",
		"\\ufe0f", "\\udb40\\udc20", "\\ufff9", "\\ud82f\\udca0",
		"\\u3164 \\u3164",
	};
	char body[256];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(body, sizeof(body), NAMED_HEAD "\"name\":\"%s\"}",
		    names[i]);
		unit_expect(NAMED, body, "name", "string_pattern_mismatch");
	}
	unit_expect_ok(NAMED, NAMED_HEAD "\"name\":\"\\u3164a\"}");
}

Test(name, controls_rejected)
{
	unit_expect(NAMED, NAMED_HEAD "\"name\":\"a\\tb\"}", "name",
	    "string_pattern_mismatch");
	unit_expect(NAMED, NAMED_HEAD "\"name\":\"a\\nb\"}", "name",
	    "string_pattern_mismatch");
	unit_expect(NAMED, NAMED_HEAD "\"name\":\"a\\u007fb\"}", "name",
	    "string_pattern_mismatch");
	unit_expect(NAMED, NAMED_HEAD "\"name\":\"a\\u0085b\"}", "name",
	    "string_pattern_mismatch");
	unit_expect(NAMED, NAMED_HEAD "\"name\":\"a\\u001bb\"}", "name",
	    "string_pattern_mismatch");
}

Test(name, wrong_types)
{
	unit_expect(NAMED, NAMED_HEAD "\"name\":5}", "name", "string_type");
	unit_expect(NAMED, NAMED_HEAD "\"name\":null}", "name", "string_type");
	unit_expect(NAMED, NAMED_HEAD "\"name\":[\"a\"]}", "name",
	    "string_type");
	unit_expect(NAMED, NAMED_HEAD "\"name\":{\"a\":1}}", "name",
	    "string_type");
	unit_expect(NAMED, NAMED_HEAD "\"name\":true}", "name", "string_type");
}

Test(name, nul_value_error)
{
	const pv_violation *found;

	found = unit_expect(NAMED, NAMED_HEAD "\"name\":\"a\\u0000b\"}", "name",
	    "value_error");
	cr_assert(strstr(found->msg, "NUL") != NULL);
}

Test(description, length_bounds)
{
	static char body[8192];
	char *text;

	text = unit_repeat("x", 5000);
	unit_expect_ok(DESCRIBED, body_with(body, sizeof(body), NAMED_HEAD,
	    "description", text));
	free(text);
	text = unit_repeat("x", 5001);
	unit_expect(DESCRIBED, body_with(body, sizeof(body), NAMED_HEAD,
	    "description", text), "description", "string_too_long");
	free(text);
}

Test(description, tab_newline_only)
{
	unit_expect_ok(DESCRIBED, NAMED_HEAD "\"description\":\"a\\tb\\nc\"}");
	unit_expect_ok(DESCRIBED, NAMED_HEAD "\"description\":\"\"}");
	unit_expect_ok(DESCRIBED, NAMED_HEAD "\"description\":null}");
	unit_expect(DESCRIBED, NAMED_HEAD "\"description\":\"a\\rb\"}",
	    "description", "string_pattern_mismatch");
	unit_expect(DESCRIBED, NAMED_HEAD "\"description\":\"\\u0001\"}",
	    "description", "string_pattern_mismatch");
	unit_expect(DESCRIBED, NAMED_HEAD "\"description\":7}", "description",
	    "string_type");
}

Test(caption, needs_url)
{
	const pv_violation *found;

	found = unit_expect(IMAGED, IMAGED_HEAD "\"caption\":\"Hi\"}",
	    "caption", "value_error");
	cr_assert(strstr(found->msg, "url") != NULL);
	unit_expect(IMAGED, IMAGED_HEAD "\"url\":null,\"caption\":\"Hi\"}",
	    "caption", "value_error");
	unit_expect_ok(IMAGED, IMAGED_HEAD "\"url\":null,\"caption\":null}");
	unit_expect_ok(IMAGED, IMAGED_HEAD
	    "\"url\":\"http://a.example/x.png\",\"caption\":\"Hi\"}");
	unit_expect_ok(IMAGED, IMAGED_HEAD "\"url\":\"http://a.example/\"}");
}

Test(caption, image_caption_needs_url)
{
	unit_expect(ADDED, IMAGED_HEAD "\"name\":\"A\","
	    "\"image_caption\":\"Hi\"}", "image_caption", "value_error");
	unit_expect_ok(ADDED, IMAGED_HEAD "\"name\":\"A\","
	    "\"image_url\":\"https://a.example/\",\"image_caption\":\"Hi\"}");
}

Test(caption, max_length)
{
	static char body[4096];
	char *text, head[512];

	snprintf(head, sizeof(head), "%s\"url\":\"http://a.example/\",",
	    IMAGED_HEAD);
	text = unit_repeat("c", 500);
	unit_expect_ok(IMAGED, body_with(body, sizeof(body), head, "caption",
	    text));
	free(text);
	text = unit_repeat("c", 501);
	unit_expect(IMAGED, body_with(body, sizeof(body), head, "caption",
	    text), "caption", "string_too_long");
	free(text);
}

/* json-c accepts CESU-8 surrogates in a string built by hand; the schema
 * still rejects them. */
Test(utf8, surrogate_rejected)
{
	struct json_object *body;
	pv_catalog *catalog;
	pv_violations v;
	pv_error err;
	const pv_schema *schema;

	cr_assert_eq(pv_catalog_load(&catalog, &err), PV_OK);
	schema = pv_catalog_find(catalog, NAMED);
	body = json_object_new_object();
	json_object_object_add(body, "id", json_object_new_string(ULID_1));
	json_object_object_add(body, "election_id",
	    json_object_new_string(ULID_2));
	json_object_object_add(body, "name",
	    json_object_new_string("a\xed\xa0\x80"));

	pv_violations_clear(&v);
	cr_assert_eq(pv_schema_validate(schema, body, &v), PV_ERR_SCHEMA);
	cr_assert_eq(v.count, 1);
	cr_assert_str_eq(v.items[0].type, "value_error");
	cr_assert_str_eq(v.items[0].field, "name");

	json_object_put(body);
	pv_catalog_free(catalog);
}
