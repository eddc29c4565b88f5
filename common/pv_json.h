/*
 * Strict parsing of request bodies with json-c.
 *
 * The parser accepts exactly one JSON object, optionally surrounded by
 * JSON white space, in valid UTF-8, with no raw control characters inside
 * strings, no trailing comma and at most PV_JSON_MAX_DEPTH levels of
 * nesting.  Anything else is a json_invalid violation carrying the byte
 * offset of the first bad byte.
 *
 * A pv_json_parser belongs to one thread at a time.
 */
#ifndef PV_JSON_H
#define PV_JSON_H

#include <stddef.h>

#include <json-c/json.h>

#include "pv_status.h"
#include "pv_violation.h"

/* Nesting limit for request bodies; events themselves are flat. */
#define PV_JSON_MAX_DEPTH 16

typedef struct pv_json_parser pv_json_parser;

/* Creates a parser; the caller frees it with pv_json_parser_free. */
pv_status pv_json_parser_new(pv_json_parser **out);
void pv_json_parser_free(pv_json_parser *parser);

/*
 * Parses len bytes of body (which need not be NUL-terminated), after one
 * leading UTF-8 byte order mark.  On PV_OK *out is the object, released
 * by the caller with json_object_put.  Otherwise *out is NULL and v
 * contains one violation.  On PV_ERR_JSON it is json_invalid, with its
 * offset counted from the start of body.  On PV_ERR_SCHEMA (an empty
 * body, or valid JSON that is no object) it is what pydantic reported
 * at loc ["body"]: missing or model_attributes_type.
 */
pv_status pv_json_parse_body(pv_json_parser *parser, const char *body,
	size_t len, struct json_object **out, pv_violations *v);

#endif
