/*
 * Checking a NATS credentials file (NATS_CREDS) and the TLS files
 * (NATS_CA, NATS_CERT, NATS_KEY) at start, so that a file nats.c cannot
 * use stops the handler with a setting error instead of failing every
 * connect.
 */
#ifndef PV_CREDS_H
#define PV_CREDS_H

#include "pv_status.h"

/* Largest credentials file read, in bytes (nsc writes about 1 KiB). */
#define PV_CREDS_FILE_MAX	(64 * 1024)

/*
 * Checks that the credentials file at path contains what nats.c 3.4.1
 * reads from it at connect: a user JWT and an NKey seed, each on the one
 * line between two lines of dashes, and a seed that signs.  It does not
 * check the JWT, which only the server can verify.  The NATS library
 * must be open (nats_Open), since nats_Sign needs it.  Returns PV_OK, or
 * PV_ERR_CONFIG with err naming NATS_CREDS; the seed never reaches err.
 */
pv_status pv_creds_check(const char *path, pv_error *err);

/*
 * Loads the TLS files that are set (ca_file, then cert_file with
 * key_file; each may be NULL) as a connect would, into options of its
 * own.  The NATS library must be open.  Returns PV_OK, or PV_ERR_CONFIG
 * with err naming the setting and OpenSSL's reason.
 */
pv_status pv_creds_check_tls(const char *ca_file, const char *cert_file,
	const char *key_file, pv_error *err);

#endif
