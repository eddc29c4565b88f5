/*
 * Client-facing validation errors, in the shape FastAPI gives a 422 body:
 * {"detail":[{"type":"missing","loc":["body","name"],"msg":"Field required"}]}
 */
#ifndef PV_VIOLATION_H
#define PV_VIOLATION_H

#include <stdbool.h>
#include <stddef.h>

#include "pv_buf.h"
#include "pv_status.h"

/* Maximum number of violations kept for one request; more set truncated. */
#define PV_VIOLATIONS_MAX 32

typedef struct pv_violation {
	char type[32];		/* pydantic error type: "missing", "int_type"... */
	bool has_field;		/* loc is ["body",field], not ["body"] */
	char field[72];		/* loc after "body" (UTF-8), possibly "" */
	long offset;		/* json_invalid: byte offset in the body; else -1 */
	char msg[160];		/* one sentence for the client */
	char ctx_key[24];	/* the one member of ctx, as pydantic names it;
				 * "" for no ctx */
	char ctx_value[96];	/* its value, a JSON string unless ctx_number */
	bool ctx_number;	/* ctx_value is the digits of an integer */
} pv_violation;

typedef struct pv_violations {
	size_t count;
	bool truncated;		/* more than PV_VIOLATIONS_MAX were found */
	pv_violation items[PV_VIOLATIONS_MAX];
} pv_violations;

void pv_violations_clear(pv_violations *v);

/*
 * Appends one violation and returns it (owned by v), or NULL when v was
 * full.  field may be NULL (loc is the body); it is cut at a UTF-8
 * character boundary to fit.  offset is -1 unless the type is
 * json_invalid.  msg is printf-style.
 */
pv_violation *pv_violations_add(pv_violations *v, const char *type,
	const char *field, long offset, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Sets the ctx of item to {key: value}, as pydantic gives it, such as
 * {"max_length":200} or {"error":"empty host"}.  item may be NULL (a
 * violation that did not fit), and then nothing happens.  A string value
 * is cut at a UTF-8 character boundary to fit.
 */
void pv_violation_set_ctx_string(pv_violation *item, const char *key,
	const char *value);
void pv_violation_set_ctx_int(pv_violation *item, const char *key,
	long long value);

/*
 * Appends what pydantic reports, at loc ["body"], for a body that is no
 * JSON object: "missing" for JSON null (when is_null), otherwise
 * "model_attributes_type".
 */
void pv_violations_add_not_object(pv_violations *v, bool is_null);

/*
 * Writes {"detail":[...]} for v to out (appended).  A json_invalid entry
 * gets loc ["body",<offset>].
 */
pv_status pv_violations_to_json(const pv_violations *v, pv_buf *out);

#endif
