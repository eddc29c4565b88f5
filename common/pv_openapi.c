/* OpenAPI document generation; see pv_openapi.h. */
#include "pv_openapi.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "pv_catalog.h"

#define PV_OPENAPI_VERSION "0.1.0"

/* Parses a fixed JSON text of this file; NULL only when out of memory. */
static struct json_object *
json(const char *text)
{
	return json_tokener_parse(text);
}

static void
put(struct json_object *obj, const char *key, struct json_object *value)
{
	json_object_object_add(obj, key, value);
}

static struct json_object *
schema_ref(const char *name)
{
	struct json_object *ref = json_object_new_object();
	char target[160];

	snprintf(target, sizeof(target), "#/components/schemas/%s", name);
	put(ref, "$ref", json_object_new_string(target));
	return ref;
}

/* Response object with a JSON body described by components/schemas/name. */
static struct json_object *
response(const char *description, const char *schema_name)
{
	struct json_object *r = json_object_new_object();
	struct json_object *content = json_object_new_object();
	struct json_object *media = json_object_new_object();

	put(r, "description", json_object_new_string(description));
	put(media, "schema", schema_ref(schema_name));
	put(content, "application/json", media);
	put(r, "content", content);
	return r;
}

/* The Retry-After header of every 503. */
static struct json_object *
retry_after_header(void)
{
	return json("{\"Retry-After\":{\"description\":\"Seconds to wait "
	    "before retrying\",\"schema\":{\"type\":\"integer\"}}}");
}

static struct json_object *
responses(void)
{
	struct json_object *rs = json_object_new_object();
	struct json_object *busy = response("Broker unreachable, stream "
	    "unavailable, or no acknowledgement in time; the event may have "
	    "been stored: retry with the same id", "Detail");

	struct json_object *allowed = response("Known path, other method",
	    "Detail");

	put(busy, "headers", retry_after_header());
	put(allowed, "headers", json("{\"Allow\":{\"description\":"
	    "\"The methods of the path\",\"schema\":{\"type\":"
	    "\"string\"}}}"));
	put(rs, "200", response("Stored: every configured stream "
	    "acknowledged the event (or already had its id)", "Empty"));
	put(rs, "400", response("Content-Length invalid or different from "
	    "the body", "Detail"));
	put(rs, "404", response("Unknown path", "Detail"));
	put(rs, "405", allowed);
	put(rs, "411", response("No Content-Length", "Detail"));
	put(rs, "413", response("Body larger than PHOTOVOTE_MAX_BODY",
	    "Detail"));
	put(rs, "415", response("Content-Type is not application/json",
	    "Detail"));
	put(rs, "422", response("Body is not valid JSON (type json_invalid, "
	    "loc [\"body\", byte offset]) or the event breaks its schema "
	    "(every failing field)", "HTTPValidationError"));
	put(rs, "500", response("Unexpected error", "Detail"));
	put(rs, "503", busy);
	return rs;
}

static struct json_object *
operation(const pv_route *route, const char *summary)
{
	struct json_object *op = json_object_new_object();
	struct json_object *body = json_object_new_object();
	struct json_object *content = json_object_new_object();
	struct json_object *media = json_object_new_object();
	const char *event_class = strrchr(route->event_type, '.');
	char description[160];

	event_class = event_class != NULL ? event_class + 1 : route->event_type;
	put(op, "operationId", json_object_new_string(event_class));
	put(op, "summary", json_object_new_string(summary));
	snprintf(description, sizeof(description), "Publishes one "
	    "PhotoVote.Event.%s event.  A trailing slash on the path is "
	    "optional.", route->event_type);
	put(op, "description", json_object_new_string(description));

	put(media, "schema", schema_ref(route->event_type));
	put(content, "application/json", media);
	put(body, "required", json_object_new_boolean(1));
	put(body, "content", content);
	put(op, "requestBody", body);
	put(op, "responses", responses());
	return op;
}

/* Adds one route under paths, next to other methods on the same path. */
static void
add_route(struct json_object *paths, const pv_route *route,
	struct json_object *schema)
{
	struct json_object *item = NULL, *title = NULL, *summary = NULL;
	char method[16];
	size_t i;

	for (i = 0; route->method[i] != '\0' && i + 1 < sizeof(method); i++)
		method[i] = (char)tolower((unsigned char)route->method[i]);
	method[i] = '\0';

	if (!json_object_object_get_ex(paths, route->path, &item)) {
		item = json_object_new_object();
		put(paths, route->path, item);
	}
	json_object_object_get_ex(schema, "title", &title);
	json_object_object_get_ex(schema, "description", &summary);
	put(item, method, operation(route, summary != NULL ?
	    json_object_get_string(summary) : json_object_get_string(title)));
}

static const char *
find_source(const char *event_type)
{
	size_t i;

	for (i = 0; i < pv_schema_source_count; i++)
		if (strcmp(pv_schema_sources[i].event_type, event_type) == 0)
			return pv_schema_sources[i].text;
	return NULL;
}

/* A GET operation with a JSON 200 and the given other responses. */
static struct json_object *
get_operation(const char *id, const char *summary, const char *ok_schema)
{
	struct json_object *op = json_object_new_object();
	struct json_object *rs = json_object_new_object();

	put(op, "operationId", json_object_new_string(id));
	put(op, "summary", json_object_new_string(summary));
	put(rs, "200", response("OK", ok_schema));
	put(op, "responses", rs);
	return op;
}

/* GET /<aggregate>/health and GET /<aggregate>/openapi.json. */
static void
add_operator_routes(struct json_object *paths, const char *aggregate)
{
	struct json_object *health = json_object_new_object();
	struct json_object *openapi = json_object_new_object();
	struct json_object *op, *unavailable, *rs = NULL;
	char path[96], id[96];

	snprintf(id, sizeof(id), "%sHealth", aggregate);
	op = get_operation(id, "Broker connection and stream binding; "
	    "publishes nothing", "Health");
	json_object_object_get_ex(op, "responses", &rs);
	unavailable = response("Broker unavailable, not acknowledging or a "
	    "stream not bound", "Health");
	put(unavailable, "headers", retry_after_header());
	put(rs, "503", unavailable);
	put(health, "get", op);
	snprintf(path, sizeof(path), "/%s/health", aggregate);
	put(paths, path, health);

	snprintf(id, sizeof(id), "%sOpenAPI", aggregate);
	put(openapi, "get", get_operation(id, "This aggregate's part of the "
	    "OpenAPI description", "OpenAPIDocument"));
	snprintf(path, sizeof(path), "/%s/openapi.json", aggregate);
	put(paths, path, openapi);
}

/* Response and error shapes shared by every operation. */
static void
add_shared_schemas(struct json_object *schemas)
{
	put(schemas, "Empty", json("{\"type\":\"object\","
	    "\"maxProperties\":0}"));
	put(schemas, "Detail", json("{\"type\":\"object\",\"properties\":"
	    "{\"detail\":{\"type\":\"string\"}},\"required\":[\"detail\"]}"));
	put(schemas, "ValidationError", json("{\"type\":\"object\","
	    "\"properties\":{\"type\":{\"type\":\"string\",\"description\":"
	    "\"pydantic error type, such as missing or json_invalid\"},"
	    "\"loc\":{\"type\":\"array\",\"items\":{\"anyOf\":[{\"type\":"
	    "\"string\"},{\"type\":\"integer\"}]},\"description\":"
	    "\"[\\\"body\\\", field] or [\\\"body\\\", byte offset]\"},"
	    "\"msg\":{\"type\":\"string\"},\"ctx\":{\"type\":\"object\"}},"
	    "\"required\":[\"type\",\"loc\",\"msg\"]}"));
	put(schemas, "Health", json("{\"type\":\"object\",\"properties\":"
	    "{\"status\":{\"enum\":[\"ok\",\"unavailable\"]},\"broker\":"
	    "{\"type\":\"string\"},\"streams\":{\"type\":\"object\","
	    "\"additionalProperties\":{\"enum\":[\"bound\",\"not bound\"]}},"
	    "\"detail\":{\"type\":\"string\"}},\"required\":[\"status\","
	    "\"broker\",\"streams\"]}"));
	put(schemas, "OpenAPIDocument", json("{\"type\":\"object\","
	    "\"description\":\"An OpenAPI 3.1 document\"}"));
	put(schemas, "HTTPValidationError", json("{\"type\":\"object\","
	    "\"properties\":{\"detail\":{\"type\":\"array\",\"items\":"
	    "{\"$ref\":\"#/components/schemas/ValidationError\"}}},"
	    "\"required\":[\"detail\"]}"));
}

/* Adds route's event schema to schemas; the "$schema" keyword goes. */
static pv_status
add_event_schema(struct json_object *schemas, struct json_object *paths,
	const pv_route *route, pv_error *err)
{
	const char *text = find_source(route->event_type);
	struct json_object *schema;

	if (text == NULL)
		return pv_error_set(err, PV_ERR_SCHEMA, "no schema file for "
		    "event type %s", route->event_type);
	schema = json_tokener_parse(text);
	if (schema == NULL)
		return pv_error_set(err, PV_ERR_SCHEMA, "schema of %s is not "
		    "valid JSON", route->event_type);

	json_object_object_del(schema, "$schema");
	add_route(paths, route, schema);
	put(schemas, route->event_type, schema);
	return PV_OK;
}

pv_status
pv_openapi_write(const pv_aggregate *const *aggregates, size_t count,
	pv_buf *out, pv_error *err)
{
	struct json_object *doc, *paths, *components, *schemas;
	const char *text;
	size_t a, r;
	pv_status st = PV_OK;

	doc = json_object_new_object();
	paths = json_object_new_object();
	components = json_object_new_object();
	schemas = json_object_new_object();

	put(doc, "openapi", json_object_new_string("3.1.0"));
	put(doc, "info", json("{\"title\":\"PhotoVote ingestion API\","
	    "\"version\":\"" PV_OPENAPI_VERSION "\",\"description\":"
	    "\"Validates PhotoVote events and publishes them to NATS "
	    "JetStream; 200 means the broker acknowledged.\"}"));
	put(doc, "paths", paths);
	put(components, "schemas", schemas);
	put(doc, "components", components);
	add_shared_schemas(schemas);

	for (a = 0; a < count && st == PV_OK; a++) {
		for (r = 0; r < aggregates[a]->route_count && st == PV_OK; r++)
			st = add_event_schema(schemas, paths,
			    &aggregates[a]->routes[r], err);
		add_operator_routes(paths, aggregates[a]->name);
	}

	if (st == PV_OK) {
		text = json_object_to_json_string_ext(doc,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (text == NULL || pv_buf_append_str(out, text) != PV_OK ||
		    pv_buf_append(out, "\n", 1) != PV_OK)
			st = pv_error_set(err, PV_ERR_NOMEM, "writing the "
			    "OpenAPI document: out of memory");
	}
	json_object_put(doc);
	return st;
}
