/*
 * libFuzzer target: a request body through the strict JSON parser, the
 * schema validator and the canonical serializer.  The first input byte
 * picks the event type (modulo the number of types); the rest is the body.
 *
 * Besides what the sanitizers catch, it checks what the publisher and
 * the clients rely on:
 *   - an accepted event's id and election_id are subject-safe tokens;
 *   - the canonical body parses, validates and serializes to itself;
 *   - a 422 body is strict JSON (valid UTF-8) of bounded size;
 *   - a body the parser accepts, Python's json accepts too.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "pv_catalog.h"
#include "pv_json.h"
#include "pv_json_python.h"
#include "pv_schema.h"
#include "pv_violation.h"

/* A 422 body has at most PV_VIOLATIONS_MAX entries of bounded fields. */
#define MAX_422_BODY (PV_VIOLATIONS_MAX * 640 + 64)

static pv_catalog *catalog;
static pv_json_parser *parser;

static void
setup(void)
{
	pv_error err;

	FUZZ_CHECK(pv_catalog_load(&catalog, &err) == PV_OK);
	FUZZ_CHECK(pv_json_parser_new(&parser) == PV_OK);
}

static const char *
string_field(struct json_object *event, const char *name)
{
	struct json_object *value = NULL;

	if (!json_object_object_get_ex(event, name, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

/* Checks that a 422 body is strict JSON and not an echo of the input. */
static void
check_rejection(const pv_violations *v)
{
	struct json_object *doc = NULL;
	pv_violations again;
	pv_buf out;

	FUZZ_CHECK(v->count > 0 && v->count <= PV_VIOLATIONS_MAX);
	pv_buf_init(&out);
	FUZZ_CHECK(pv_violations_to_json(v, &out) == PV_OK);
	FUZZ_CHECK(out.len <= MAX_422_BODY);

	pv_violations_clear(&again);
	FUZZ_CHECK(pv_json_parse_body(parser, out.data, out.len, &doc,
	    &again) == PV_OK);
	json_object_put(doc);
	pv_buf_free(&out);
}

/* Checks the canonical body of an accepted event: a fixed point. */
static void
check_canonical(const pv_schema *schema, const pv_buf *canonical)
{
	struct json_object *doc = NULL;
	pv_violations v;
	pv_buf again;

	pv_violations_clear(&v);
	FUZZ_CHECK(pv_json_parse_body(parser, canonical->data,
	    canonical->len, &doc, &v) == PV_OK);
	FUZZ_CHECK(pv_schema_validate(schema, doc, &v) == PV_OK);

	pv_buf_init(&again);
	FUZZ_CHECK(pv_schema_serialize(schema, doc, &again) == PV_OK);
	FUZZ_CHECK(again.len == canonical->len);
	FUZZ_CHECK(memcmp(again.data, canonical->data, again.len) == 0);
	pv_buf_free(&again);
	json_object_put(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const pv_schema *schema;
	struct json_object *event = NULL;
	const char *id, *election_id, *error;
	size_t error_at;
	pv_violations v;
	pv_buf canonical;

	if (catalog == NULL)
		setup();
	if (size == 0)
		return 0;
	schema = pv_catalog_at(catalog, data[0] % pv_catalog_count(catalog));

	pv_violations_clear(&v);
	if (pv_json_parse_body(parser, (const char *)data + 1, size - 1,
	    &event, &v) != PV_OK) {
		FUZZ_CHECK(event == NULL);
		check_rejection(&v);
		return 0;
	}

	/* The handler is stricter than Python's json: what it takes, so
	 * does Python (a leading byte order mark aside). */
	FUZZ_CHECK((size >= 4 && memcmp(data + 1, "\xEF\xBB\xBF", 3) == 0) ||
	    !pv_json_python_error((const char *)data + 1, size - 1,
	    PV_JSON_MAX_DEPTH, &error_at, &error));
	if (pv_schema_validate(schema, event, &v) != PV_OK) {
		check_rejection(&v);
		json_object_put(event);
		return 0;
	}

	/* These two become the Nats-Msg-Id header and a subject token. */
	id = string_field(event, "id");
	election_id = string_field(event, "election_id");
	FUZZ_CHECK(id != NULL && fuzz_is_token(id, 36));
	FUZZ_CHECK(election_id != NULL && fuzz_is_token(election_id, 36));

	pv_buf_init(&canonical);
	FUZZ_CHECK(pv_schema_serialize(schema, event, &canonical) == PV_OK);
	check_canonical(schema, &canonical);
	pv_buf_free(&canonical);
	json_object_put(event);
	return 0;
}
