/*
 * Status codes and error text shared by every photovote-fcgi module.
 *
 * Every fallible function returns a pv_status.  Functions that can fail for
 * a reason worth printing also take a pv_error pointer and write the reason
 * there, at the place where the failure happens; the caller prints it.
 */
#ifndef PV_STATUS_H
#define PV_STATUS_H

#include <stddef.h>

typedef enum pv_status {
	PV_OK = 0,
	PV_ERR_NOMEM,		/* an allocation failed */
	PV_ERR_ARG,		/* a caller passed an invalid argument */
	PV_ERR_CONFIG,		/* a setting has an invalid value */
	PV_ERR_IO,		/* a file or socket operation failed */
	PV_ERR_JSON,		/* a document is not valid JSON */
	PV_ERR_SCHEMA,		/* an event or a schema breaks its rules */
	PV_ERR_BROKER,		/* broker unreachable or stream unavailable */
	PV_ERR_TIMEOUT,		/* no acknowledgement within the time-out */
	PV_ERR_TOO_LARGE,	/* larger than the broker accepts */
	PV_ERR_INTERNAL		/* a bug or an unexpected library answer */
} pv_status;

/* Maximum length of an error text, terminating NUL included. */
#define PV_ERROR_TEXT_MAX 256

/* Error record: the status and a one-line reason for an operator. */
typedef struct pv_error {
	pv_status status;
	char text[PV_ERROR_TEXT_MAX];
} pv_error;

/*
 * Records status and a printf-style reason in err (err may be NULL) and
 * returns status, so that a failing step can end with
 * "return pv_error_set(err, PV_ERR_IO, ...)".  The text is truncated to
 * PV_ERROR_TEXT_MAX - 1 bytes.
 */
pv_status pv_error_set(pv_error *err, pv_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Resets err to PV_OK with an empty text; err may be NULL. */
void pv_error_clear(pv_error *err);

/* Returns a static name for status, such as "out of memory". */
const char *pv_status_text(pv_status status);

#endif
