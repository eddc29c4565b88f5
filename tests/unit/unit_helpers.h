/*
 * Helpers shared by the unit tests: run a body through the parser, the
 * schema of an event type and the canonical serializer.
 */
#ifndef UNIT_HELPERS_H
#define UNIT_HELPERS_H

#include <stddef.h>

#include "pv_catalog.h"
#include "pv_json.h"
#include "pv_violation.h"

/* A ULID and a UUID that every id field accepts. */
#define ULID_1 "01HV6Z3R8Y5A0B9C7D2E4F6G8H"
#define ULID_2 "01HV6Z3R8Y5A0B9C7D2E4F6G8J"
#define ULID_3 "01HV6Z3R8Y5A0B9C7D2E4F6G8K"
#define ULID_4 "01HV6Z3R8Y5A0B9C7D2E4F6G8M"
#define ULID_5 "01HV6Z3R8Y5A0B9C7D2E4F6G8N"
#define UUID_1 "3f2b9c1e-7a4d-4e8b-9c2f-1a2b3c4d5e6f"

/* Outcome of unit_check; the canonical text is set only on PV_OK. */
struct unit_result {
	pv_status status;
	pv_violations v;
	char canonical[16384];
};

/* Checks len bytes of body as event_type. */
void unit_check_len(const char *event_type, const char *body, size_t len,
	struct unit_result *r);

/* Checks the NUL-terminated body as event_type. */
void unit_check(const char *event_type, const char *body,
	struct unit_result *r);

/* Returns the first violation at field, or NULL. */
const pv_violation *unit_violation(const struct unit_result *r,
	const char *field);

/*
 * Asserts that body fails as event_type with a violation of type at field
 * and returns that violation.
 */
const pv_violation *unit_expect(const char *event_type, const char *body,
	const char *field, const char *type);

/* Asserts that body passes as event_type. */
void unit_expect_ok(const char *event_type, const char *body);

/* Returns a new string of n copies of unit; the caller frees it. */
char *unit_repeat(const char *unit, size_t n);

#endif
