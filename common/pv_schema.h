/*
 * Event schemas: a JSON Schema subset compiled once into tables, then used
 * to validate request bodies and to write the canonical published body.
 *
 * A schema file describes one event type as an object with "title" (the
 * event type, "Voter.VoterRegistered"), "type": "object", "properties"
 * (whose order is the canonical field order), "required",
 * "additionalProperties": false and optionally "dependentRequired", with
 * the annotations "$schema", "description" and "examples" (an array of
 * sample events).
 * A property takes "type" ("string", "integer", or an array adding
 * "null"), "format" ("uuid-or-ulid", "email", "uri", "date-time"),
 * "minLength"/"maxLength" (Unicode code points), "minimum"/"maximum",
 * "description", and the extensions "x-maxBytes" (UTF-8 bytes),
 * "x-controlCharacters" ("forbidden" or "tabAndNewlineAllowed") and
 * "x-notBlank" (true: not only white space).  Other keywords make
 * compilation fail, so a schema never silently means less than it says.
 *
 * A compiled pv_schema is immutable and may be shared by threads.
 */
#ifndef PV_SCHEMA_H
#define PV_SCHEMA_H

#include <json-c/json.h>

#include "pv_buf.h"
#include "pv_status.h"
#include "pv_violation.h"

typedef struct pv_schema pv_schema;

/*
 * Compiles the schema text of one event type.  name is used in error
 * text only.  On success *out is a new schema the caller frees with
 * pv_schema_free; on failure err names the file and the keyword.
 */
pv_status pv_schema_compile(pv_schema **out, const char *name,
	const char *text, pv_error *err);

void pv_schema_free(pv_schema *schema);

/* Returns the event type, such as "Voter.VoterRegistered" (owned by schema). */
const char *pv_schema_event_type(const pv_schema *schema);

/*
 * Validates a parsed body against schema.  body may be any JSON value
 * (it is never modified).  Every failing field is appended to v in
 * property order, then unknown fields in body order.  Returns PV_OK when
 * the body is a valid event, PV_ERR_SCHEMA otherwise.
 */
pv_status pv_schema_validate(const pv_schema *schema,
	struct json_object *body, pv_violations *v);

/*
 * Appends the canonical form of a validated body to out: a compact JSON
 * object with every declared property in schema order, null for an absent
 * optional one, strings exactly as received, raw UTF-8, no "\/".  The
 * result is undefined for a body that did not pass pv_schema_validate.
 */
pv_status pv_schema_serialize(const pv_schema *schema,
	struct json_object *body, pv_buf *out);

#endif
