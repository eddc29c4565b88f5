/* Checking NATS credentials and TLS files; see pv_creds.h. */
#define _DEFAULT_SOURCE		/* explicit_bzero */

#include "pv_creds.h"
#include "pv_file.h"
#include "pv_log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/types.h>

#include <nats/nats.h>

/* Longest NKey seed copied for nats_Sign; a user seed has 58 characters. */
#define PV_SEED_MAX		128

/*
 * Returns true for a line that nats.c takes as a section boundary: it
 * ends with "---" and has three dashes in a row before those.
 */
static bool
is_dash_line(const char *line, size_t len)
{
	size_t i, run = 0;

	if (len < 6 || memcmp(line + len - 3, "---", 3) != 0)
		return false;
	for (i = 0; i + 3 < len; i++) {
		run = line[i] == '-' ? run + 1 : 0;
		if (run == 3)
			return true;
	}
	return false;
}

/*
 * Returns the next non-empty line at *pos and its length in *len, and
 * moves *pos past it, or returns NULL at the end of the text.  Lines end
 * at '\r' or '\n'.
 */
static const char *
next_line(const char **pos, size_t *len)
{
	const char *line = *pos + strspn(*pos, "\r\n");

	*len = strcspn(line, "\r\n");
	*pos = line + *len;
	return *len > 0 ? line : NULL;
}

/*
 * Finds the first two sections as nats.c 3.4.1 does: a boundary line,
 * one value line, and another boundary line.  Sets value[0] and len[0]
 * to the JWT, value[1] and len[1] to the seed.  Returns how many of the
 * two it found.
 */
static int
find_sections(const char *text, const char *value[2], size_t len[2])
{
	const char *pos = text, *line, *candidate;
	size_t line_len, candidate_len;
	int found = 0;

	while (found < 2 && (line = next_line(&pos, &line_len)) != NULL) {
		if (!is_dash_line(line, line_len))
			continue;
		candidate = next_line(&pos, &candidate_len);
		if (candidate == NULL)
			break;
		line = next_line(&pos, &line_len);
		if (line != NULL && is_dash_line(line, line_len)) {
			value[found] = candidate;
			len[found++] = candidate_len;
		}
	}
	return found;
}

pv_status
pv_creds_check(const char *path, pv_error *err)
{
	const char *value[2];
	char seed[PV_SEED_MAX];
	unsigned char *signature = NULL;
	char *text = NULL;
	const char *reason;
	natsStatus s, last;
	size_t size = 0, len[2];
	int length = 0, err_no;
	pv_error file_err;
	mode_t mode;
	pv_status st;

	/* The file is in memory only here, and wiped before it is freed. */
	st = pv_file_read(path, PV_CREDS_FILE_MAX, &text, &size, &mode,
	    &err_no, &file_err);
	if (st != PV_OK) {
		st = pv_error_set(err, st, "NATS_CREDS: %s", file_err.text);
		goto out;
	}
	if (find_sections(text, value, len) < 2) {
		st = pv_error_set(err, PV_ERR_CONFIG, "NATS_CREDS: %s has no "
		    "user JWT and NKey seed, each on one line between two "
		    "lines of dashes as nsc writes them", path);
		goto out;
	}
	/* nats.c 3.4.1 keeps the '\r' of a CRLF line end in the seed. */
	if (value[1][len[1]] == '\r') {
		st = pv_error_set(err, PV_ERR_CONFIG, "NATS_CREDS: the NKey "
		    "seed line in %s ends with CRLF, which nats.c 3.4.1 cannot "
		    "read; convert the file to LF line ends (dos2unix)", path);
		goto out;
	}
	if (len[1] >= sizeof(seed)) {
		st = pv_error_set(err, PV_ERR_CONFIG, "NATS_CREDS: the NKey "
		    "seed in %s is longer than %d characters", path,
		    PV_SEED_MAX - 1);
		goto out;
	}
	memcpy(seed, value[1], len[1]);
	seed[len[1]] = '\0';

	/* nats.c's reason names the check that failed, never the seed. */
	s = nats_Sign(seed, "photovote-fcgi", &signature, &length);
	if (s != NATS_OK) {
		reason = nats_GetLastError(&last);
		st = pv_error_set(err, PV_ERR_CONFIG, "NATS_CREDS: the NKey "
		    "seed in %s is not valid: %s", path, reason != NULL &&
		    reason[0] != '\0' ? pv_log_skip_location(reason) :
		    natsStatus_GetText(s));
	}

out:
	free(signature);
	explicit_bzero(seed, sizeof(seed));
	if (text != NULL)
		explicit_bzero(text, size + 1);
	free(text);
	return st;
}

/*
 * Fails when the PEM key at path is encrypted: OpenSSL would then ask
 * for its pass phrase on the terminal (and block), or fail with a bare
 * "processing error", because nats.c cannot pass one.
 */
static pv_status
check_key_not_encrypted(const char *path, pv_error *err)
{
	char *text = NULL;
	size_t size = 0;
	int err_no;
	mode_t mode;
	pv_error file_err;
	pv_status st;

	st = pv_file_read(path, PV_CREDS_FILE_MAX, &text, &size, &mode,
	    &err_no, &file_err);
	if (st != PV_OK)
		return pv_error_set(err, st, "NATS_KEY: %s", file_err.text);

	/* An encrypted PKCS#8 key begins "BEGIN ENCRYPTED PRIVATE KEY",
	 * and the older form has a line "Proc-Type: 4,ENCRYPTED". */
	if (strstr(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
	    strncmp(text, "Proc-Type: 4,ENCRYPTED", 22) == 0 ||
	    strstr(text, "\nProc-Type: 4,ENCRYPTED") != NULL)
		st = pv_error_set(err, PV_ERR_CONFIG, "NATS_KEY: %s is "
		    "encrypted, and nats.c cannot give OpenSSL its pass "
		    "phrase; write the key out unencrypted (openssl pkey -in "
		    "%s -out NEW-FILE) and let only the handlers' user read "
		    "it", path, path);

	explicit_bzero(text, size + 1);
	free(text);
	return st;
}

/* Fails with setting's name, path and nats.c's reason for status s. */
static pv_status
tls_failure(const char *setting, const char *path, natsStatus s,
	pv_error *err)
{
	natsStatus last = NATS_OK;
	const char *reason = nats_GetLastError(&last);

	if (last != s || reason == NULL || reason[0] == '\0')
		reason = natsStatus_GetText(s);
	return pv_error_set(err, PV_ERR_CONFIG, "%s: %s is not usable: %s",
	    setting, path, pv_log_skip_location(reason));
}

pv_status
pv_creds_check_tls(const char *ca_file, const char *cert_file,
	const char *key_file, pv_error *err)
{
	natsOptions *opts = NULL;
	char paths[2 * PATH_MAX + 8];
	natsStatus s;
	pv_status st = PV_OK;

	if (ca_file == NULL && cert_file == NULL)
		return PV_OK;
	s = natsOptions_Create(&opts);
	if (s != NATS_OK)
		return pv_error_set(err, PV_ERR_INTERNAL, "cannot create NATS "
		    "options: %s", natsStatus_GetText(s));

	if (ca_file != NULL) {
		s = natsOptions_LoadCATrustedCertificates(opts, ca_file);
		if (s != NATS_OK) {
			st = tls_failure("NATS_CA", ca_file, s, err);
			goto out;
		}
	}

	/* nats.c reads both files at once, so the error names both. */
	if (key_file != NULL &&
	    (st = check_key_not_encrypted(key_file, err)) != PV_OK)
		goto out;
	if (cert_file != NULL) {
		s = natsOptions_LoadCertificatesChain(opts, cert_file,
		    key_file);
		if (s != NATS_OK) {
			snprintf(paths, sizeof(paths), "%s or %s", cert_file,
			    key_file != NULL ? key_file : "(no key)");
			st = tls_failure("NATS_CERT or NATS_KEY", paths, s,
			    err);
			goto out;
		}
	}

out:
	natsOptions_Destroy(opts);
	return st;
}
