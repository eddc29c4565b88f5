/* The NATS_CREDS check: the file format nats.c reads and the seed. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nats/nats.h>

#include "pv_creds.h"

/*
 * A user NKey seed made from the 32 bytes 1, 2, ... 32 (any 32 bytes are
 * an ed25519 seed), for tests only, and the same seed with its checksum
 * broken by its last character.
 */
#define TEST_SEED "SUAACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IC5CQ"
#define BAD_SEED  "SUAACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IC5CA"

/* A JWT is not checked here: any text on its line stands for one. */
#define CREDS(seed) \
	"-----BEGIN NATS USER JWT-----\n" \
	"eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln\n" \
	"------END NATS USER JWT------\n" \
	"\n" \
	"************************* IMPORTANT *************************\n" \
	"NKEY Seed printed below can be used to sign and prove identity.\n" \
	"\n" \
	"-----BEGIN USER NKEY SEED-----\n" \
	seed "\n" \
	"------END USER NKEY SEED------\n"

static char path[64];

static void
open_library(void)
{
	cr_assert_eq(nats_Open(0), NATS_OK);
}

static void
remove_file(void)
{
	if (path[0] != '\0')
		unlink(path);
}

TestSuite(creds, .init = open_library, .fini = remove_file);

/* Writes text to a new temporary file, named in path. */
static void
write_creds(const char *text, size_t len)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/pv-creds-test-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* Checks the file in path; returns the status, the reason in err. */
static pv_status
check(pv_error *err)
{
	pv_error_clear(err);
	return pv_creds_check(path, err);
}

/*
 * Layouts nats.c 3.4.1 reads: nsc's, CRLF line ends except on the seed
 * line, and any boundary line that ends with "---" after three other
 * dashes.
 */
Test(creds, accepted_layouts)
{
	static const char *const texts[] = {
		CREDS(TEST_SEED),
		"-----BEGIN NATS USER JWT-----\r\n"
		"eyJ0.e30.c2ln\r\n------END NATS USER JWT------\r\n\r\n"
		"-----BEGIN USER NKEY SEED-----\n" TEST_SEED "\n"
		"------END USER NKEY SEED------\n",
		"  -----BEGIN NATS USER JWT-----\n"
		"eyJ0.e30.c2ln\n# ---END NATS USER JWT---\n"
		"\t-----BEGIN USER NKEY SEED-----\n" TEST_SEED "\n"
		"x ------END USER NKEY SEED------\n",
	};
	pv_error err;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		write_creds(texts[i], strlen(texts[i]));
		cr_assert_eq(check(&err), PV_OK, "layout %zu: %s", i, err.text);
		unlink(path);
	}
	path[0] = '\0';
}

Test(creds, many_lines_before_sections)
{
	static const char sections[] = CREDS(TEST_SEED);
	char *text = malloc(300 * 12 + sizeof(sections));
	size_t used = 0;
	pv_error err;
	int i;

	cr_assert_not_null(text);
	for (i = 0; i < 300; i++)
		used += (size_t)sprintf(text + used, "# comment %d\n", i % 10);
	memcpy(text + used, sections, sizeof(sections) - 1);
	write_creds(text, used + sizeof(sections) - 1);
	free(text);
	cr_assert_eq(check(&err), PV_OK, "%s", err.text);
}

/* nats.c 3.4.1 would sign with the seed and its '\r', which fails. */
Test(creds, crlf_seed_line_rejected)
{
	static const char text[] = "-----BEGIN NATS USER JWT-----\r\n"
	    "eyJ0.e30.c2ln\r\n------END NATS USER JWT------\r\n\r\n"
	    "-----BEGIN USER NKEY SEED-----\r\n" TEST_SEED "\r\n"
	    "------END USER NKEY SEED------\r\n";
	pv_error err;

	write_creds(text, sizeof(text) - 1);
	cr_assert_eq(check(&err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "ends with CRLF") != NULL, "%s", err.text);
	cr_assert(strstr(err.text, "SUAAC") == NULL, "seed in \"%s\"",
	    err.text);
}

Test(creds, bad_checksum_named)
{
	static const char text[] = CREDS(BAD_SEED);
	pv_error err;

	write_creds(text, sizeof(text) - 1);
	cr_assert_eq(check(&err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "NATS_CREDS") != NULL, "%s", err.text);
	cr_assert(strstr(err.text, "is not valid: invalid checksum") != NULL,
	    "%s", err.text);
	cr_assert(strstr(err.text, "SUAAC") == NULL, "seed in \"%s\"",
	    err.text);
}

Test(creds, missing_seed_section)
{
	static const char text[] = "-----BEGIN NATS USER JWT-----\n"
	    "eyJ0.e30.c2ln\n------END NATS USER JWT------\n" TEST_SEED "\n";
	pv_error err;

	write_creds(text, sizeof(text) - 1);
	cr_assert_eq(check(&err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "no user JWT and NKey seed") != NULL, "%s",
	    err.text);
}

Test(creds, not_a_creds_file)
{
	static const char text[] = "just some text\n";
	pv_error err;

	write_creds(text, sizeof(text) - 1);
	cr_assert_eq(check(&err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "NATS_CREDS") != NULL, "%s", err.text);
}

Test(creds, oversized_file)
{
	size_t len = PV_CREDS_FILE_MAX + 1;
	char *text = malloc(len);
	pv_error err;

	cr_assert_not_null(text);
	memset(text, '\n', len);
	write_creds(text, len);
	free(text);
	cr_assert_eq(check(&err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "larger than 65536 bytes") != NULL, "%s",
	    err.text);
}

Test(creds, missing_file)
{
	pv_error err;

	snprintf(path, sizeof(path), "/nonexistent/pv.creds");
	cr_assert_eq(check(&err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "NATS_CREDS: /nonexistent/pv.creds: cannot "
	    "open") != NULL, "%s", err.text);
}

/* Only the PEM forms of an encrypted key count, not the word elsewhere. */
Test(creds, encrypted_key_detected)
{
	static const char pkcs8[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
	    "MIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
	static const char legacy[] = "-----BEGIN RSA PRIVATE KEY-----\n"
	    "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMIIB\n"
	    "-----END RSA PRIVATE KEY-----\n";
	static const char plain[] = "# This key is not ENCRYPTED\n"
	    "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
	pv_error err;

	write_creds(pkcs8, sizeof(pkcs8) - 1);
	cr_assert_eq(pv_creds_check_tls(NULL, path, path, &err),
	    PV_ERR_CONFIG);
	cr_expect(strstr(err.text, "is encrypted") != NULL, "%s", err.text);
	unlink(path);

	write_creds(legacy, sizeof(legacy) - 1);
	cr_assert_eq(pv_creds_check_tls(NULL, path, path, &err),
	    PV_ERR_CONFIG);
	cr_expect(strstr(err.text, "is encrypted") != NULL, "%s", err.text);
	unlink(path);

	/* Not encrypted: OpenSSL itself then rejects the made-up key. */
	write_creds(plain, sizeof(plain) - 1);
	cr_assert_eq(pv_creds_check_tls(NULL, path, path, &err),
	    PV_ERR_CONFIG);
	cr_expect(strstr(err.text, "is encrypted") == NULL, "%s", err.text);
	cr_expect(strstr(err.text, "is not usable") != NULL, "%s", err.text);
}
