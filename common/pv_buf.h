/*
 * Growable byte buffer.
 *
 * The data is always NUL-terminated (the NUL is not counted in len), so a
 * buffer holding text can be passed where a C string is expected.  A
 * buffer starts zeroed or from pv_buf_init; the owner calls pv_buf_free.
 */
#ifndef PV_BUF_H
#define PV_BUF_H

#include <stddef.h>

#include "pv_status.h"

typedef struct pv_buf {
	char *data;		/* NULL until the first append */
	size_t len;		/* bytes stored, NUL excluded */
	size_t cap;		/* bytes allocated */
} pv_buf;

void pv_buf_init(pv_buf *buf);

/* Releases the memory and leaves buf empty and reusable. */
void pv_buf_free(pv_buf *buf);

/* Sets len to 0 and keeps the memory for reuse. */
void pv_buf_reset(pv_buf *buf);

/* Ensures room for extra more bytes (plus the NUL). */
pv_status pv_buf_reserve(pv_buf *buf, size_t extra);

pv_status pv_buf_append(pv_buf *buf, const void *bytes, size_t len);
pv_status pv_buf_append_str(pv_buf *buf, const char *str);
pv_status pv_buf_printf(pv_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Appends str (len bytes of UTF-8) as a quoted JSON string: '"', '\\' and
 * control characters are escaped ("\n", "\t", "\u001f"...), everything
 * else, including '/' and non-ASCII UTF-8, is copied as it is.
 */
pv_status pv_buf_append_json_string(pv_buf *buf, const char *str, size_t len);

#endif
