/* Checking a NATS credentials file; see pv_creds.h. */
#define _DEFAULT_SOURCE		/* explicit_bzero */

#include "pv_creds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nats/nats.h>

/* Lines kept from a credentials file; nsc writes about a dozen. */
#define PV_CREDS_LINES_MAX	256

/* Returns true for a line that starts and ends with "---". */
static bool
is_dash_line(const char *line)
{
	size_t len = strlen(line);

	return len >= 6 && strncmp(line, "---", 3) == 0 &&
	    strcmp(line + len - 3, "---") == 0;
}

/*
 * Splits text into its non-empty lines in place, ending each at '\r' or
 * '\n'.  Returns the number of lines stored in lines, at most max.
 */
static size_t
split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	char *p = text;

	while (*p != '\0' && n < max) {
		while (*p == '\r' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		lines[n++] = p;
		p += strcspn(p, "\r\n");
		if (*p != '\0')
			*p++ = '\0';
	}
	return n;
}

/*
 * Finds the first two sections as nats.c does: a line of dashes, one
 * value line, and another line of dashes.  Sets section[0] (the JWT) and
 * section[1] (the seed), or leaves them NULL.
 */
static void
find_sections(char **lines, size_t n, char *section[2])
{
	size_t i = 0, found = 0;

	section[0] = section[1] = NULL;
	while (i < n && found < 2) {
		if (!is_dash_line(lines[i])) {
			i++;
			continue;
		}
		if (i + 2 < n && is_dash_line(lines[i + 2]))
			section[found++] = lines[i + 1];
		i += 3;
	}
}

/*
 * Reads path into a new string, failing when it is larger than
 * PV_CREDS_FILE_MAX bytes.  Sets *size to the size of the allocation,
 * which the caller wipes before it frees it, even after a failure.
 */
static pv_status
read_creds(const char *path, char **out, size_t *size, pv_error *err)
{
	size_t used = 0;
	ssize_t n = 1;
	char *text;
	int fd, read_errno;

	/* read(2) rather than stdio, whose buffer nobody would wipe. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pv_error_set(err, PV_ERR_CONFIG, "NATS_CREDS: cannot "
		    "open %s: %s", path, strerror(errno));
	text = malloc(PV_CREDS_FILE_MAX + 2);
	if (text == NULL) {
		close(fd);
		return pv_error_set(err, PV_ERR_NOMEM, "NATS_CREDS: out of "
		    "memory");
	}
	*out = text;
	*size = PV_CREDS_FILE_MAX + 2;
	while (used <= PV_CREDS_FILE_MAX && n > 0) {
		n = read(fd, text + used, PV_CREDS_FILE_MAX + 1 - used);
		if (n < 0 && errno == EINTR)
			n = 1;
		else if (n > 0)
			used += (size_t)n;
	}
	read_errno = errno;
	close(fd);
	text[used] = '\0';

	if (n < 0)
		return pv_error_set(err, PV_ERR_CONFIG, "NATS_CREDS: cannot "
		    "read %s: %s", path, strerror(read_errno));
	if (used > PV_CREDS_FILE_MAX)
		return pv_error_set(err, PV_ERR_CONFIG, "NATS_CREDS: %s is "
		    "larger than %d KiB; a credentials file is about 1 KiB",
		    path, PV_CREDS_FILE_MAX / 1024);
	return PV_OK;
}

pv_status
pv_creds_check(const char *path, pv_error *err)
{
	char *lines[PV_CREDS_LINES_MAX], *section[2];
	unsigned char *signature = NULL;
	char *text = NULL;
	const char *reason;
	natsStatus last;
	size_t size = 0;
	int length = 0;
	natsStatus s;
	pv_status st;

	if ((st = read_creds(path, &text, &size, err)) != PV_OK)
		goto out;
	find_sections(lines, split_lines(text, lines, PV_CREDS_LINES_MAX),
	    section);
	if (section[0] == NULL || section[1] == NULL) {
		st = pv_error_set(err, PV_ERR_CONFIG, "NATS_CREDS: %s has no "
		    "user JWT and NKey seed, each on one line between two "
		    "lines of dashes as nsc writes them", path);
		goto out;
	}

	/* nats.c's reason names the check that failed, never the seed. */
	s = nats_Sign(section[1], "photovote-fcgi", &signature, &length);
	if (s != NATS_OK) {
		reason = nats_GetLastError(&last);
		st = pv_error_set(err, PV_ERR_CONFIG, "NATS_CREDS: the NKey "
		    "seed in %s is not valid: %s", path, reason != NULL &&
		    reason[0] != '\0' ? reason : natsStatus_GetText(s));
	}

out:
	free(signature);
	if (text != NULL)
		explicit_bzero(text, size);
	free(text);
	return st;
}
