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
	char field[72];		/* loc after "body" (UTF-8); "" when the loc is the body */
	long offset;		/* json_invalid: byte offset in the body; else -1 */
	char msg[160];		/* one sentence for the client */
	char ctx_error[96];	/* json_invalid: parser detail for ctx.error; else "" */
} pv_violation;

typedef struct pv_violations {
	size_t count;
	bool truncated;		/* more than PV_VIOLATIONS_MAX were found */
	pv_violation items[PV_VIOLATIONS_MAX];
} pv_violations;

void pv_violations_clear(pv_violations *v);

/*
 * Appends one violation.  field may be NULL (loc is the body); it is cut
 * at a UTF-8 character boundary to fit.  offset is -1 unless the type is
 * json_invalid.  msg is printf-style.
 */
void pv_violations_add(pv_violations *v, const char *type, const char *field,
	long offset, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Appends what pydantic reports, at loc ["body"], for a body that is no
 * JSON object: "missing" for JSON null (when is_null), otherwise
 * "model_attributes_type".
 */
void pv_violations_add_not_object(pv_violations *v, bool is_null);

/*
 * Writes {"detail":[...]} for v to out (appended).  A json_invalid entry
 * gets loc ["body",<offset>] and ctx {"error":...}.
 */
pv_status pv_violations_to_json(const pv_violations *v, pv_buf *out);

#endif
