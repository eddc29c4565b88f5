/* Reading a small configuration file whole; see pv_file.h. */
#include "pv_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads size bytes into buf, fewer at end of file; returns -1 on error. */
static ssize_t
read_whole(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

pv_status
pv_file_read(const char *path, size_t max_bytes, char **text, size_t *len,
	mode_t *mode, int *err_no, pv_error *err)
{
	struct stat sb;
	ssize_t got;
	pv_status st;
	int fd;

	*text = NULL;
	*len = 0;
	*err_no = 0;

	/* O_NONBLOCK: opening a FIFO must not hang the caller. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		*err_no = errno;
		return pv_error_set(err, PV_ERR_CONFIG, "%s: cannot open: %s",
		    path, strerror(errno));
	}

	/* A character device such as /dev/null reads as empty. */
	if (fstat(fd, &sb) != 0 || !(S_ISREG(sb.st_mode) ||
	    S_ISCHR(sb.st_mode))) {
		st = pv_error_set(err, PV_ERR_CONFIG, "%s: not a regular file",
		    path);
		goto out;
	}
	if ((uintmax_t)sb.st_size > max_bytes) {
		st = pv_error_set(err, PV_ERR_CONFIG, "%s: larger than %zu "
		    "bytes", path, max_bytes);
		goto out;
	}
	*mode = sb.st_mode;

	*text = malloc((size_t)sb.st_size + 1);
	if (*text == NULL) {
		st = pv_error_set(err, PV_ERR_NOMEM, "%s: out of memory", path);
		goto out;
	}

	/* The file may change under us: stop at the size seen by fstat. */
	got = read_whole(fd, *text, (size_t)sb.st_size);
	if (got < 0) {
		st = pv_error_set(err, PV_ERR_CONFIG, "%s: read failed: %s",
		    path, strerror(errno));
		free(*text);
		*text = NULL;
		goto out;
	}
	(*text)[got] = '\0';
	*len = (size_t)got;
	st = PV_OK;
out:
	close(fd);
	return st;
}
