/*
 * Reading a small configuration file whole: the .env file and the NATS
 * credentials file.
 */
#ifndef PV_FILE_H
#define PV_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "pv_status.h"

/*
 * Reads the file at path into a new NUL-terminated string: *text (caller
 * frees) of *len bytes, in an allocation of *len + 1 bytes.  Opens
 * without blocking, so a FIFO cannot hang the caller, and reads only a
 * regular file or a character device such as /dev/null.  Sets *mode to
 * the file's mode.  Fails with PV_ERR_CONFIG, the message starting with
 * path, when the file cannot be opened or read or is larger than
 * max_bytes; *err_no is then the errno of a failed open, else 0.  Fails
 * with PV_ERR_NOMEM when memory runs out.
 */
pv_status pv_file_read(const char *path, size_t max_bytes, char **text,
	size_t *len, mode_t *mode, int *err_no, pv_error *err);

#endif
