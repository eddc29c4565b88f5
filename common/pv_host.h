/*
 * The host name of an http or https URL, checked as pydantic 2.13's
 * HttpUrl checks it where that is known to matter: after its %XX escapes
 * are decoded and UTS #46 mapping, in part, is applied.
 */
#ifndef PV_HOST_H
#define PV_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Checks the len bytes of host, a host name without port and not an IP
 * literal.  Returns NULL when it is valid, else pydantic's reason
 * (static): "empty host", "invalid international domain name" or
 * "invalid IPv4 address".
 */
const char *pv_host_domain_error(const char *host, size_t len);

/*
 * Returns true for a character that a host check reads as ASCII: a
 * full-width form (U+FF01 to U+FF5E) or a full stop (U+3002, U+FF0E,
 * U+FF61).
 */
bool pv_host_is_ascii_look_alike(uint32_t cp);

#endif
