/*
 * Event schemas: compilation of the JSON Schema subset described in
 * pv_schema.h into a property table, validation against that table and
 * the canonical serialization.
 */
#include <inttypes.h>
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pv_schema.h"

#include "pv_format.h"
#include "pv_utf8.h"

/* Property sets are uint32_t masks with one bit per property. */
#define PV_SCHEMA_MAX_PROPERTIES 32

/* A property name must fit in pv_violation.field with its NUL. */
#define PV_SCHEMA_NAME_MAX 64

enum pv_value_type {
	PV_TYPE_STRING,
	PV_TYPE_INTEGER
};

enum pv_format {
	PV_FORMAT_NONE,
	PV_FORMAT_ID,		/* "uuid-or-ulid" */
	PV_FORMAT_EMAIL,
	PV_FORMAT_URI,
	PV_FORMAT_DATE_TIME
};

enum pv_controls {
	PV_CONTROLS_ALLOWED,
	PV_CONTROLS_FORBIDDEN,
	PV_CONTROLS_TAB_NEWLINE	/* tab and newline allowed, others not */
};

struct pv_property {
	char *name;
	size_t name_len;
	char *json_key;		/* "name": as written in the canonical form */
	size_t json_key_len;
	enum pv_value_type type;
	bool nullable;
	bool required;
	enum pv_format format;
	size_t min_length;	/* code points */
	size_t max_length;	/* code points; SIZE_MAX when unlimited */
	size_t max_bytes;	/* UTF-8 bytes; SIZE_MAX when unlimited */
	bool has_minimum;
	bool has_maximum;
	int64_t minimum;
	int64_t maximum;
	enum pv_controls controls;
	bool not_blank;
	uint32_t depends_on;	/* bit i: property i must be non-null too */
};

struct pv_schema {
	char *event_type;
	size_t count;
	struct pv_property props[PV_SCHEMA_MAX_PROPERTIES];
};

/* Where a schema is being compiled, for error text. */
struct compile_ctx {
	const char *file;
	const char *property;	/* NULL outside "properties" */
	pv_error *err;
};

enum keyword_scope {
	SCOPE_ANY,
	SCOPE_STRING,
	SCOPE_INTEGER
};

typedef pv_status (*keyword_fn)(struct pv_property *prop,
	struct json_object *value, const struct compile_ctx *ctx);

struct keyword {
	const char *name;
	enum keyword_scope scope;
	keyword_fn compile;
};

static pv_status
compile_fail(const struct compile_ctx *ctx, const char *what,
	const char *keyword)
{
	if (ctx->property != NULL)
		return pv_error_set(ctx->err, PV_ERR_SCHEMA,
		    "%s: property \"%s\": %s \"%s\"", ctx->file,
		    ctx->property, what, keyword);
	return pv_error_set(ctx->err, PV_ERR_SCHEMA, "%s: %s \"%s\"",
	    ctx->file, what, keyword);
}

/* Reads a non-negative JSON integer into *out. */
static bool
read_size(struct json_object *value, size_t *out)
{
	int64_t n;

	if (!json_object_is_type(value, json_type_int))
		return false;
	n = json_object_get_int64(value);
	if (n < 0 || (uint64_t)n > SIZE_MAX - 1)
		return false;
	*out = (size_t)n;
	return true;
}

static bool
is_string(struct json_object *value, const char *expected)
{
	return json_object_is_type(value, json_type_string) &&
	    strcmp(json_object_get_string(value), expected) == 0;
}

/* Reads one entry of "type": "string", "integer" or "null". */
static bool
read_type_name(struct pv_property *prop, struct json_object *name,
	bool *seen_value, bool *seen_null)
{
	if (is_string(name, "null") && !*seen_null) {
		*seen_null = true;
		return true;
	}
	if (*seen_value)
		return false;

	*seen_value = true;
	if (is_string(name, "string"))
		prop->type = PV_TYPE_STRING;
	else if (is_string(name, "integer"))
		prop->type = PV_TYPE_INTEGER;
	else
		return false;
	return true;
}

static pv_status
kw_type(struct pv_property *prop, struct json_object *value,
	const struct compile_ctx *ctx)
{
	bool seen_value = false, seen_null = false, ok = true;
	size_t i, n;

	if (json_object_is_type(value, json_type_array)) {
		n = json_object_array_length(value);
		for (i = 0; i < n && ok; i++)
			ok = read_type_name(prop, json_object_array_get_idx(
			    value, i), &seen_value, &seen_null);
	} else {
		ok = read_type_name(prop, value, &seen_value, &seen_null);
	}

	if (!ok || !seen_value)
		return compile_fail(ctx, "unsupported value of", "type");
	prop->nullable = seen_null;
	return PV_OK;
}

static pv_status
kw_format(struct pv_property *prop, struct json_object *value,
	const struct compile_ctx *ctx)
{
	if (is_string(value, "uuid-or-ulid"))
		prop->format = PV_FORMAT_ID;
	else if (is_string(value, "email"))
		prop->format = PV_FORMAT_EMAIL;
	else if (is_string(value, "uri"))
		prop->format = PV_FORMAT_URI;
	else if (is_string(value, "date-time"))
		prop->format = PV_FORMAT_DATE_TIME;
	else
		return compile_fail(ctx, "unsupported value of", "format");
	return PV_OK;
}

static pv_status
kw_min_length(struct pv_property *prop, struct json_object *value,
	const struct compile_ctx *ctx)
{
	if (!read_size(value, &prop->min_length))
		return compile_fail(ctx, "invalid value of", "minLength");
	return PV_OK;
}

static pv_status
kw_max_length(struct pv_property *prop, struct json_object *value,
	const struct compile_ctx *ctx)
{
	if (!read_size(value, &prop->max_length))
		return compile_fail(ctx, "invalid value of", "maxLength");
	return PV_OK;
}

static pv_status
kw_max_bytes(struct pv_property *prop, struct json_object *value,
	const struct compile_ctx *ctx)
{
	if (!read_size(value, &prop->max_bytes))
		return compile_fail(ctx, "invalid value of", "x-maxBytes");
	return PV_OK;
}

static pv_status
kw_minimum(struct pv_property *prop, struct json_object *value,
	const struct compile_ctx *ctx)
{
	if (!json_object_is_type(value, json_type_int))
		return compile_fail(ctx, "invalid value of", "minimum");
	prop->has_minimum = true;
	prop->minimum = json_object_get_int64(value);
	return PV_OK;
}

static pv_status
kw_maximum(struct pv_property *prop, struct json_object *value,
	const struct compile_ctx *ctx)
{
	if (!json_object_is_type(value, json_type_int))
		return compile_fail(ctx, "invalid value of", "maximum");
	prop->has_maximum = true;
	prop->maximum = json_object_get_int64(value);
	return PV_OK;
}

static pv_status
kw_controls(struct pv_property *prop, struct json_object *value,
	const struct compile_ctx *ctx)
{
	if (is_string(value, "forbidden"))
		prop->controls = PV_CONTROLS_FORBIDDEN;
	else if (is_string(value, "tabAndNewlineAllowed"))
		prop->controls = PV_CONTROLS_TAB_NEWLINE;
	else
		return compile_fail(ctx, "unsupported value of",
		    "x-controlCharacters");
	return PV_OK;
}

static pv_status
kw_not_blank(struct pv_property *prop, struct json_object *value,
	const struct compile_ctx *ctx)
{
	if (!json_object_is_type(value, json_type_boolean))
		return compile_fail(ctx, "invalid value of", "x-notBlank");
	prop->not_blank = json_object_get_boolean(value);
	return PV_OK;
}

static pv_status
kw_description(struct pv_property *prop, struct json_object *value,
	const struct compile_ctx *ctx)
{
	(void)prop;
	if (!json_object_is_type(value, json_type_string))
		return compile_fail(ctx, "invalid value of", "description");
	return PV_OK;
}

static const struct keyword property_keywords[] = {
	{ "type", SCOPE_ANY, kw_type },
	{ "description", SCOPE_ANY, kw_description },
	{ "format", SCOPE_STRING, kw_format },
	{ "minLength", SCOPE_STRING, kw_min_length },
	{ "maxLength", SCOPE_STRING, kw_max_length },
	{ "x-maxBytes", SCOPE_STRING, kw_max_bytes },
	{ "x-controlCharacters", SCOPE_STRING, kw_controls },
	{ "x-notBlank", SCOPE_STRING, kw_not_blank },
	{ "minimum", SCOPE_INTEGER, kw_minimum },
	{ "maximum", SCOPE_INTEGER, kw_maximum },
};

static const struct keyword *
find_keyword(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(property_keywords) /
	    sizeof(property_keywords[0]); i++)
		if (strcmp(property_keywords[i].name, name) == 0)
			return &property_keywords[i];
	return NULL;
}

/* Sets the name of prop and its "name": key for the canonical form. */
static pv_status
set_property_name(struct pv_property *prop, const char *name,
	const struct compile_ctx *ctx)
{
	size_t i, len = strlen(name);

	/* Plain names need no escaping in loc or in the canonical form. */
	for (i = 0; i < len; i++)
		if (!(name[i] == '_' || (name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			break;
	if (len == 0 || len > PV_SCHEMA_NAME_MAX || i < len)
		return compile_fail(ctx, "a property name must be 1 to 64 "
		    "letters, digits or underscores, not", name);

	prop->name = strdup(name);
	prop->json_key = malloc(len + 4);
	if (prop->name == NULL || prop->json_key == NULL)
		return pv_error_set(ctx->err, PV_ERR_NOMEM, "out of memory");
	prop->name_len = len;
	prop->json_key[0] = '"';
	memcpy(prop->json_key + 1, name, len);
	memcpy(prop->json_key + 1 + len, "\":", 3);
	prop->json_key_len = len + 3;
	return PV_OK;
}

static pv_status
compile_property(struct pv_property *prop, const char *name,
	struct json_object *def, const struct compile_ctx *file_ctx)
{
	struct compile_ctx ctx = { file_ctx->file, name, file_ctx->err };
	const struct keyword *kw;
	bool typed = false, string_only = false, integer_only = false;
	pv_status status;

	status = set_property_name(prop, name, &ctx);
	if (status != PV_OK)
		return status;
	if (!json_object_is_type(def, json_type_object))
		return compile_fail(&ctx, "a property must be an object:",
		    name);

	prop->max_length = SIZE_MAX;
	prop->max_bytes = SIZE_MAX;
	json_object_object_foreach(def, key, value) {
		kw = find_keyword(key);
		if (kw == NULL)
			return compile_fail(&ctx, "unsupported keyword", key);
		status = kw->compile(prop, value, &ctx);
		if (status != PV_OK)
			return status;
		typed = typed || kw->compile == kw_type;
		string_only = string_only || kw->scope == SCOPE_STRING;
		integer_only = integer_only || kw->scope == SCOPE_INTEGER;
	}

	if (!typed)
		return compile_fail(&ctx, "missing keyword", "type");
	if ((string_only && prop->type != PV_TYPE_STRING) ||
	    (integer_only && prop->type != PV_TYPE_INTEGER))
		return compile_fail(&ctx, "a keyword does not fit", "type");
	if (prop->min_length > prop->max_length ||
	    (prop->has_minimum && prop->has_maximum &&
	    prop->minimum > prop->maximum))
		return compile_fail(&ctx, "lower bound above upper bound in",
		    name);
	return PV_OK;
}

/* Returns the index of the property called name, or -1. */
static int
find_property(const pv_schema *schema, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < schema->count; i++)
		if (schema->props[i].name_len == len &&
		    memcmp(schema->props[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static pv_status
compile_properties(pv_schema *schema, struct json_object *props,
	const struct compile_ctx *ctx)
{
	pv_status status;

	if (props == NULL || !json_object_is_type(props, json_type_object))
		return compile_fail(ctx, "missing or invalid keyword",
		    "properties");

	json_object_object_foreach(props, name, def) {
		if (schema->count == PV_SCHEMA_MAX_PROPERTIES)
			return compile_fail(ctx, "more than 32 entries in",
			    "properties");
		if (find_property(schema, name, strlen(name)) >= 0)
			return compile_fail(ctx, "duplicate property", name);

		status = compile_property(&schema->props[schema->count++],
		    name, def, ctx);
		if (status != PV_OK)
			return status;
	}
	return PV_OK;
}

/*
 * Resolves an array of property names into a mask, or returns false when
 * an entry is not a declared property or is listed twice.
 */
static bool
read_name_mask(const pv_schema *schema, struct json_object *names,
	uint32_t *mask)
{
	struct json_object *entry;
	size_t i, n;
	int index;

	*mask = 0;
	if (!json_object_is_type(names, json_type_array))
		return false;

	n = json_object_array_length(names);
	for (i = 0; i < n; i++) {
		entry = json_object_array_get_idx(names, i);
		if (!json_object_is_type(entry, json_type_string))
			return false;
		index = find_property(schema, json_object_get_string(entry),
		    (size_t)json_object_get_string_len(entry));
		if (index < 0 || (*mask & UINT32_C(1) << index) != 0)
			return false;
		*mask |= UINT32_C(1) << index;
	}
	return true;
}

static pv_status
compile_required(pv_schema *schema, struct json_object *required,
	const struct compile_ctx *ctx)
{
	uint32_t mask;
	size_t i;

	if (required == NULL)
		return PV_OK;
	if (!read_name_mask(schema, required, &mask))
		return compile_fail(ctx, "an undeclared or repeated name in",
		    "required");

	for (i = 0; i < schema->count; i++)
		schema->props[i].required = (mask >> i & 1) != 0;
	return PV_OK;
}

static pv_status
compile_dependent(pv_schema *schema, struct json_object *dependent,
	const struct compile_ctx *ctx)
{
	uint32_t mask;
	int index;

	if (dependent == NULL)
		return PV_OK;
	if (!json_object_is_type(dependent, json_type_object))
		return compile_fail(ctx, "invalid value of",
		    "dependentRequired");

	json_object_object_foreach(dependent, name, names) {
		index = find_property(schema, name, strlen(name));
		if (index < 0 || !read_name_mask(schema, names, &mask))
			return compile_fail(ctx, "an undeclared or repeated "
			    "name in dependentRequired for", name);
		schema->props[index].depends_on = mask;
	}
	return PV_OK;
}

/* Top-level keywords of a schema file. */
struct root_keywords {
	struct json_object *title;
	struct json_object *type;
	struct json_object *properties;
	struct json_object *required;
	struct json_object *additional;
	struct json_object *dependent;
};

/* Sorts the top-level keywords into kw.  "$schema" and "description"
 * are annotations and only need to be strings; "examples" is an array of
 * sample events, which a unit test checks against the schema. */
static pv_status
read_root_keywords(struct json_object *root, struct root_keywords *kw,
	const struct compile_ctx *ctx)
{
	memset(kw, 0, sizeof(*kw));
	json_object_object_foreach(root, key, value) {
		if (strcmp(key, "title") == 0)
			kw->title = value;
		else if (strcmp(key, "type") == 0)
			kw->type = value;
		else if (strcmp(key, "properties") == 0)
			kw->properties = value;
		else if (strcmp(key, "required") == 0)
			kw->required = value;
		else if (strcmp(key, "additionalProperties") == 0)
			kw->additional = value;
		else if (strcmp(key, "dependentRequired") == 0)
			kw->dependent = value;
		else if ((strcmp(key, "$schema") == 0 ||
		    strcmp(key, "description") == 0) &&
		    json_object_is_type(value, json_type_string))
			continue;
		else if (strcmp(key, "examples") == 0 &&
		    json_object_is_type(value, json_type_array))
			continue;
		else
			return compile_fail(ctx, "unsupported keyword", key);
	}
	return PV_OK;
}

static pv_status
compile_root(pv_schema *schema, struct json_object *root,
	const struct compile_ctx *ctx)
{
	struct root_keywords kw;
	pv_status status;

	if (!json_object_is_type(root, json_type_object))
		return compile_fail(ctx, "the schema must be a JSON", "object");
	status = read_root_keywords(root, &kw, ctx);
	if (status != PV_OK)
		return status;

	if (kw.title == NULL || !json_object_is_type(kw.title,
	    json_type_string) || json_object_get_string_len(kw.title) == 0)
		return compile_fail(ctx, "missing or invalid keyword", "title");
	if (!is_string(kw.type, "object"))
		return compile_fail(ctx, "\"type\" must be", "object");
	/* Unknown fields are always rejected, so the schema must say so. */
	if (kw.additional == NULL || !json_object_is_type(kw.additional,
	    json_type_boolean) || json_object_get_boolean(kw.additional))
		return compile_fail(ctx, "must be false:",
		    "additionalProperties");

	schema->event_type = strdup(json_object_get_string(kw.title));
	if (schema->event_type == NULL)
		return pv_error_set(ctx->err, PV_ERR_NOMEM, "out of memory");

	status = compile_properties(schema, kw.properties, ctx);
	if (status == PV_OK)
		status = compile_required(schema, kw.required, ctx);
	if (status == PV_OK)
		status = compile_dependent(schema, kw.dependent, ctx);
	return status;
}

/* Parses schema text strictly, with the same tokener flags as bodies. */
static pv_status
parse_schema_text(struct json_object **out, const char *text,
	const struct compile_ctx *ctx)
{
	struct json_tokener *tokener;
	enum json_tokener_error error;
	size_t len = strlen(text), end;
	pv_status status = PV_OK;

	*out = NULL;
	tokener = json_tokener_new();
	if (tokener == NULL)
		return pv_error_set(ctx->err, PV_ERR_NOMEM, "out of memory");
	json_tokener_set_flags(tokener,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

	*out = json_tokener_parse_ex(tokener, text, (int)len);
	error = json_tokener_get_error(tokener);
	end = json_tokener_get_parse_end(tokener);
	while (end < len && strchr(" \t\r\n", text[end]) != NULL)
		end++;

	if (*out == NULL || end < len) {
		status = pv_error_set(ctx->err, PV_ERR_SCHEMA,
		    "%s: invalid JSON at byte %zu: %s", ctx->file, end,
		    *out == NULL ? json_tokener_error_desc(error) :
		    "extra data after the schema");
		json_object_put(*out);
		*out = NULL;
	}
	json_tokener_free(tokener);
	return status;
}

pv_status
pv_schema_compile(pv_schema **out, const char *name, const char *text,
	pv_error *err)
{
	struct compile_ctx ctx = { name, NULL, err };
	struct json_object *root;
	pv_schema *schema;
	pv_status status;

	*out = NULL;
	status = parse_schema_text(&root, text, &ctx);
	if (status != PV_OK)
		return status;

	schema = calloc(1, sizeof(*schema));
	if (schema == NULL) {
		json_object_put(root);
		return pv_error_set(err, PV_ERR_NOMEM, "out of memory");
	}

	status = compile_root(schema, root, &ctx);
	json_object_put(root);
	if (status != PV_OK) {
		pv_schema_free(schema);
		return status;
	}

	*out = schema;
	return PV_OK;
}

void
pv_schema_free(pv_schema *schema)
{
	size_t i;

	if (schema == NULL)
		return;

	/* A failed compilation may leave the last property half set. */
	for (i = 0; i < PV_SCHEMA_MAX_PROPERTIES; i++) {
		free(schema->props[i].name);
		free(schema->props[i].json_key);
	}
	free(schema->event_type);
	free(schema);
}

const char *
pv_schema_event_type(const pv_schema *schema)
{
	return schema->event_type;
}

/* ---- Validation of string contents ---- */
/* Facts about a string, found in one pass over it. */
struct text_facts {
	bool valid_utf8;
	size_t code_points;
	bool forbidden_control;
	bool blank;		/* only white space or invisible (or empty) */
};

static void
measure_text(const char *str, size_t len, enum pv_controls controls,
	struct text_facts *facts)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t pos = 0, n;
	uint32_t cp;

	facts->valid_utf8 = true;
	facts->code_points = 0;
	facts->forbidden_control = false;
	facts->blank = true;

	while (pos < len) {
		n = pv_utf8_decode(s + pos, len - pos, &cp);
		if (n == 0) {
			facts->valid_utf8 = false;
			return;
		}
		pos += n;
		facts->code_points++;

		if (!pv_utf8_is_white_space(cp) && !pv_utf8_is_invisible(cp))
			facts->blank = false;
		if (controls == PV_CONTROLS_ALLOWED || !pv_utf8_is_control(cp))
			continue;
		if (controls == PV_CONTROLS_TAB_NEWLINE &&
		    (cp == '\t' || cp == '\n'))
			continue;
		facts->forbidden_control = true;
	}
}

/* ---- Validation ---- */

static const char *
plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* Checks the format of a string already known to be clean UTF-8. */
static bool
check_format(const struct pv_property *prop, const char *s, size_t len,
	pv_violations *v)
{
	const char *reason, *type;
	pv_violation *item;
	bool zone_missing;

	switch (prop->format) {
	case PV_FORMAT_NONE:
		return true;
	case PV_FORMAT_ID:
		if (pv_format_is_uuid(s, len) || pv_format_is_ulid(s, len))
			return true;
		pv_violations_add(v, "uuid_parsing", prop->name, -1,
		    "Input should be a valid UUID or ULID");
		return false;
	case PV_FORMAT_EMAIL:
		reason = pv_format_email_error(s, len);
		if (reason == NULL)
			return true;
		pv_violations_add(v, "value_error", prop->name, -1,
		    "Value error, value is not a valid email address: %s",
		    reason);
		return false;
	case PV_FORMAT_URI:
		reason = pv_format_url_error(s, len, &type);
		if (reason == NULL)
			return true;
		if (strcmp(type, "url_scheme") == 0) {
			item = pv_violations_add(v, type, prop->name, -1,
			    "URL scheme should be 'http' or 'https'");
			pv_violation_set_ctx_string(item, "expected_schemes",
			    "'http' or 'https'");
		} else {
			item = pv_violations_add(v, type, prop->name, -1,
			    "Input should be a valid URL, %s", reason);
			pv_violation_set_ctx_string(item, "error", reason);
		}
		return false;
	case PV_FORMAT_DATE_TIME:
		reason = pv_format_date_time_error(s, len, &zone_missing);
		if (reason != NULL) {
			item = pv_violations_add(v, "datetime_parsing",
			    prop->name, -1, "Input should be a valid datetime, "
			    "%s", reason);
			pv_violation_set_ctx_string(item, "error", reason);
		} else if (zone_missing)
			pv_violations_add(v, "timezone_aware", prop->name, -1,
			    "Input should have timezone info");
		return reason == NULL && !zone_missing;
	}
	return true;
}

/* Checks a JSON string value; returns false after adding a violation. */
static bool
check_string(const struct pv_property *prop, struct json_object *value,
	pv_violations *v)
{
	const char *s = json_object_get_string(value), *name = prop->name;
	size_t len = (size_t)json_object_get_string_len(value);
	struct text_facts facts;
	pv_violation *item;

	/* An escaped \u0000 survives json-c decoding as a NUL byte. */
	if (memchr(s, '\0', len) != NULL) {
		pv_violations_add(v, "value_error", name, -1,
		    "Value error, string must not contain a NUL character");
		return false;
	}

	measure_text(s, len, prop->controls, &facts);
	if (!facts.valid_utf8)
		pv_violations_add(v, "value_error", name, -1, "Value error, "
		    "string must be valid UTF-8 without surrogates");
	else if (facts.code_points < prop->min_length) {
		item = pv_violations_add(v, "string_too_short", name, -1,
		    "String should have at least %zu character%s",
		    prop->min_length, plural(prop->min_length));
		pv_violation_set_ctx_int(item, "min_length",
		    (long long)prop->min_length);
	} else if (facts.code_points > prop->max_length) {
		item = pv_violations_add(v, "string_too_long", name, -1,
		    "String should have at most %zu character%s",
		    prop->max_length, plural(prop->max_length));
		pv_violation_set_ctx_int(item, "max_length",
		    (long long)prop->max_length);
	} else if (len > prop->max_bytes)
		pv_violations_add(v, "string_too_long", name, -1,
		    "String should have at most %zu byte%s in UTF-8",
		    prop->max_bytes, plural(prop->max_bytes));
	else if (facts.forbidden_control)
		pv_violations_add(v, "string_pattern_mismatch", name, -1,
		    prop->controls == PV_CONTROLS_TAB_NEWLINE ?
		    "String should have no control characters other than "
		    "tab and newline" : "String should have no control "
		    "characters");
	else if (prop->not_blank && facts.blank)
		pv_violations_add(v, "string_pattern_mismatch", name, -1,
		    "String should not be blank");
	else
		return check_format(prop, s, len, v);
	return false;
}

/* Checks a JSON integer value; returns false after adding a violation. */
static bool
check_integer(const struct pv_property *prop, struct json_object *value,
	pv_violations *v)
{
	pv_violation *item;
	int64_t n;

	/* json-c clamps integers beyond int64 to INT64_MIN or INT64_MAX,
	 * which the range check below then rejects. */
	n = json_object_get_int64(value);
	if (prop->has_minimum && n < prop->minimum) {
		item = pv_violations_add(v, "greater_than_equal", prop->name,
		    -1, "Input should be greater than or equal to %" PRId64,
		    prop->minimum);
		pv_violation_set_ctx_int(item, "ge", prop->minimum);
		return false;
	}
	if (prop->has_maximum && n > prop->maximum) {
		item = pv_violations_add(v, "less_than_equal", prop->name,
		    -1, "Input should be less than or equal to %" PRId64,
		    prop->maximum);
		pv_violation_set_ctx_int(item, "le", prop->maximum);
		return false;
	}
	return true;
}

/* Checks the value of one property; returns false after a violation. */
static bool
check_value(const struct pv_property *prop, struct json_object *value,
	pv_violations *v)
{
	bool is_string = prop->type == PV_TYPE_STRING;
	json_type expected = is_string ? json_type_string : json_type_int;

	if (value == NULL && prop->nullable)
		return true;

	/* Here a null value is of the wrong type too. */
	if (!json_object_is_type(value, expected)) {
		pv_violations_add(v, is_string ? "string_type" : "int_type",
		    prop->name, -1, is_string ?
		    "Input should be a valid string" :
		    "Input should be a valid integer");
		return false;
	}
	return is_string ? check_string(prop, value, v) :
	    check_integer(prop, value, v);
}

/* Checks dependentRequired, where a null value counts as absent. */
static bool
check_dependencies(const pv_schema *schema, size_t index,
	struct json_object *const *values, pv_violations *v)
{
	const struct pv_property *prop = &schema->props[index];
	size_t i;

	if (values[index] == NULL)
		return true;
	for (i = 0; i < schema->count; i++) {
		if ((prop->depends_on >> i & 1) == 0 || values[i] != NULL)
			continue;
		pv_violations_add(v, "value_error", prop->name, -1,
		    "Value error, %s is only allowed with a non-null %s",
		    prop->name, schema->props[i].name);
		return false;
	}
	return true;
}

/*
 * Looks up every declared property in body: values[i] is its value (NULL
 * when absent or null) and bit i of *present is set when the key exists.
 * Returns the number of keys that are not declared.
 */
static size_t
collect_values(const pv_schema *schema, struct json_object *body,
	struct json_object **values, uint32_t *present)
{
	size_t unknown = 0;
	int index;

	*present = 0;
	memset(values, 0, schema->count * sizeof(*values));
	json_object_object_foreach(body, key, value) {
		index = find_property(schema, key, strlen(key));
		if (index < 0) {
			unknown++;
			continue;
		}
		values[index] = value;
		*present |= UINT32_C(1) << index;
	}
	return unknown;
}

static void
report_unknown(const pv_schema *schema, struct json_object *body,
	pv_violations *v)
{
	json_object_object_foreach(body, key, value) {
		(void)value;
		if (find_property(schema, key, strlen(key)) < 0)
			pv_violations_add(v, "extra_forbidden", key, -1,
			    "Extra inputs are not permitted");
	}
}

pv_status
pv_schema_validate(const pv_schema *schema, struct json_object *body,
	pv_violations *v)
{
	struct json_object *values[PV_SCHEMA_MAX_PROPERTIES];
	const struct pv_property *prop;
	size_t unknown, i;
	uint32_t present;
	bool valid = true;

	if (!json_object_is_type(body, json_type_object)) {
		pv_violations_add_not_object(v, body == NULL);
		return PV_ERR_SCHEMA;
	}

	unknown = collect_values(schema, body, values, &present);
	for (i = 0; i < schema->count; i++) {
		prop = &schema->props[i];
		if ((present >> i & 1) == 0) {
			if (prop->required) {
				pv_violations_add(v, "missing", prop->name, -1,
				    "Field required");
				valid = false;
			}
			continue;
		}

		if (!check_value(prop, values[i], v) ||
		    !check_dependencies(schema, i, values, v))
			valid = false;
	}

	if (unknown > 0) {
		report_unknown(schema, body, v);
		valid = false;
	}
	return valid ? PV_OK : PV_ERR_SCHEMA;
}

/* ---- Canonical serialization ---- */

static pv_status
append_value(pv_buf *out, const struct pv_property *prop,
	struct json_object *value)
{
	if (value == NULL)
		return pv_buf_append(out, "null", 4);
	if (prop->type == PV_TYPE_INTEGER)
		return pv_buf_printf(out, "%" PRId64,
		    json_object_get_int64(value));
	return pv_buf_append_json_string(out, json_object_get_string(value),
	    (size_t)json_object_get_string_len(value));
}

pv_status
pv_schema_serialize(const pv_schema *schema, struct json_object *body,
	pv_buf *out)
{
	struct json_object *value;
	pv_status status;
	size_t i;

	status = pv_buf_append(out, "{", 1);
	for (i = 0; i < schema->count && status == PV_OK; i++) {
		if (i > 0)
			status = pv_buf_append(out, ",", 1);
		if (status == PV_OK)
			status = pv_buf_append(out, schema->props[i].json_key,
			    schema->props[i].json_key_len);

		value = NULL;
		json_object_object_get_ex(body, schema->props[i].name, &value);
		if (status == PV_OK)
			status = append_value(out, &schema->props[i], value);
	}
	if (status == PV_OK)
		status = pv_buf_append(out, "}", 1);
	return status;
}
