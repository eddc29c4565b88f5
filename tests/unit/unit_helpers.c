/*
 * Helpers shared by the unit tests.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "unit_helpers.h"

void
unit_check_len(const char *event_type, const char *body, size_t len,
	struct unit_result *r)
{
	pv_catalog *catalog = NULL;
	pv_json_parser *parser = NULL;
	struct json_object *obj = NULL;
	const pv_schema *schema;
	pv_error err;
	pv_buf out;

	memset(r, 0, sizeof(*r));
	pv_buf_init(&out);
	cr_assert_eq(pv_catalog_load(&catalog, &err), PV_OK, "%s", err.text);
	schema = pv_catalog_find(catalog, event_type);
	cr_assert_not_null(schema, "no schema for %s", event_type);
	cr_assert_eq(pv_json_parser_new(&parser), PV_OK);

	r->status = pv_json_parse_body(parser, body, len, &obj, &r->v);
	if (r->status == PV_OK)
		r->status = pv_schema_validate(schema, obj, &r->v);
	if (r->status == PV_OK) {
		cr_assert_eq(pv_schema_serialize(schema, obj, &out), PV_OK);
		cr_assert_lt(out.len, sizeof(r->canonical));
		memcpy(r->canonical, out.data, out.len + 1);
	}

	json_object_put(obj);
	pv_buf_free(&out);
	pv_json_parser_free(parser);
	pv_catalog_free(catalog);
}

void
unit_check(const char *event_type, const char *body, struct unit_result *r)
{
	unit_check_len(event_type, body, strlen(body), r);
}

const pv_violation *
unit_violation(const struct unit_result *r, const char *field)
{
	size_t i;

	for (i = 0; i < r->v.count; i++)
		if (strcmp(r->v.items[i].field, field) == 0)
			return &r->v.items[i];
	return NULL;
}

char *
unit_repeat(const char *unit, size_t n)
{
	size_t len = strlen(unit), i;
	char *s;

	s = malloc(len * n + 1);
	cr_assert_not_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

const pv_violation *
unit_expect(const char *event_type, const char *body, const char *field,
	const char *type)
{
	static struct unit_result r;
	const pv_violation *found;

	unit_check(event_type, body, &r);
	cr_assert_eq(r.status, PV_ERR_SCHEMA, "%s: status %d", body, r.status);
	found = unit_violation(&r, field);
	cr_assert_not_null(found, "%s: no violation at \"%s\"", body, field);
	cr_assert_str_eq(found->type, type, "%s", body);
	cr_assert_eq(found->offset, -1);
	return found;
}

void
unit_expect_ok(const char *event_type, const char *body)
{
	struct unit_result r;

	unit_check(event_type, body, &r);
	cr_assert_eq(r.status, PV_OK, "%s: status %d, type %s at %s", body,
	    r.status, r.v.items[0].type, r.v.items[0].field);
}
