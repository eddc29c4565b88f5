/*
 * OpenAPI 3.1 description of the routes, generated from the route tables
 * and the embedded schema files, so the document never disagrees with
 * what the handlers accept.
 */
#ifndef PV_OPENAPI_H
#define PV_OPENAPI_H

#include <stddef.h>

#include "pv_buf.h"
#include "pv_handler.h"
#include "pv_status.h"

/*
 * Appends to out the OpenAPI document for the count aggregates in
 * aggregates: every route, its event schema (with the schema file's
 * examples), and every response, the 422 body included.  Fails when a
 * route names an event type without a schema file.
 */
pv_status pv_openapi_write(const pv_aggregate *const *aggregates,
	size_t count, pv_buf *out, pv_error *err);

#endif
