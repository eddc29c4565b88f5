/*
 * Status codes and error records.
 */
#include <stdarg.h>
#include <stdio.h>

#include "pv_status.h"

pv_status
pv_error_set(pv_error *err, pv_status status, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return status;

	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return status;
}

void
pv_error_clear(pv_error *err)
{
	if (err == NULL)
		return;

	err->status = PV_OK;
	err->text[0] = '\0';
}

const char *
pv_status_text(pv_status status)
{
	switch (status) {
	case PV_OK:
		return "success";
	case PV_ERR_NOMEM:
		return "out of memory";
	case PV_ERR_ARG:
		return "invalid argument";
	case PV_ERR_CONFIG:
		return "invalid configuration";
	case PV_ERR_IO:
		return "input/output error";
	case PV_ERR_JSON:
		return "invalid JSON";
	case PV_ERR_SCHEMA:
		return "schema violation";
	case PV_ERR_BROKER:
		return "broker unavailable";
	case PV_ERR_TIMEOUT:
		return "timed out";
	case PV_ERR_TOO_LARGE:
		return "too large";
	case PV_ERR_INTERNAL:
		return "internal error";
	}
	return "unknown status";
}
