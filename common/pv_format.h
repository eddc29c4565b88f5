/*
 * The string formats of the event schemas: "uuid-or-ulid", "email",
 * "uri" and "date-time".  Each check takes len bytes of valid UTF-8
 * (not necessarily NUL-terminated).
 */
#ifndef PV_FORMAT_H
#define PV_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

/* Returns the value of the hexadecimal digit c (either case), or -1. */
int pv_format_hex_value(char c);

/* Returns the value of the 4 hexadecimal digits at p, or -1. */
long pv_format_hex4(const unsigned char *p);

/* The canonical 8-4-4-4-12 UUID form, any version, either case. */
bool pv_format_is_uuid(const char *s, size_t len);

/* 26 characters of Crockford base32, either case, the first 0 to 7. */
bool pv_format_is_ulid(const char *s, size_t len);

/* Returns NULL for a valid e-mail address, else the reason (static). */
const char *pv_format_email_error(const char *s, size_t len);

/*
 * Returns NULL for an absolute http or https URL with a host, else the
 * reason (static), with *type set to the pydantic error type.  It does
 * not limit the length: the schema's x-maxBytes does.
 */
const char *pv_format_url_error(const char *s, size_t len,
	const char **type);

/*
 * Returns NULL for an RFC 3339 date-time with a zone, else the reason
 * (static); *zone_missing tells a missing zone from other errors.
 */
const char *pv_format_date_time_error(const char *s, size_t len,
	bool *zone_missing);

#endif
