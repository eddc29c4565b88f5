/*
 * Growable byte buffer.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv_buf.h"

/* First allocation; small bodies and error documents fit without growing. */
#define PV_BUF_MIN_CAP 256

void
pv_buf_init(pv_buf *buf)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

void
pv_buf_free(pv_buf *buf)
{
	free(buf->data);
	pv_buf_init(buf);
}

void
pv_buf_reset(pv_buf *buf)
{
	buf->len = 0;
	if (buf->data != NULL)
		buf->data[0] = '\0';
}

pv_status
pv_buf_reserve(pv_buf *buf, size_t extra)
{
	size_t need, cap;
	char *data;

	if (extra > SIZE_MAX - 1 - buf->len)
		return PV_ERR_NOMEM;
	need = buf->len + extra + 1;
	if (need <= buf->cap)
		return PV_OK;

	cap = buf->cap > 0 ? buf->cap : PV_BUF_MIN_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;

	data = realloc(buf->data, cap);
	if (data == NULL)
		return PV_ERR_NOMEM;
	buf->data = data;
	buf->cap = cap;
	buf->data[buf->len] = '\0';
	return PV_OK;
}

pv_status
pv_buf_append(pv_buf *buf, const void *bytes, size_t len)
{
	pv_status status;

	status = pv_buf_reserve(buf, len);
	if (status != PV_OK)
		return status;

	if (len > 0)
		memcpy(buf->data + buf->len, bytes, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return PV_OK;
}

pv_status
pv_buf_append_str(pv_buf *buf, const char *str)
{
	return pv_buf_append(buf, str, strlen(str));
}

pv_status
pv_buf_printf(pv_buf *buf, const char *fmt, ...)
{
	va_list ap, again;
	pv_status status;
	int n;

	/* Make sure data is allocated so that the first attempt can write. */
	status = pv_buf_reserve(buf, 0);
	if (status != PV_OK)
		return status;

	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(buf->data + buf->len, buf->cap - buf->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(again);
		buf->data[buf->len] = '\0';
		return PV_ERR_ARG;
	}

	/* The first attempt was cut short: grow and format again. */
	if ((size_t)n >= buf->cap - buf->len) {
		status = pv_buf_reserve(buf, (size_t)n);
		if (status == PV_OK)
			vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	if (status != PV_OK) {
		buf->data[buf->len] = '\0';
		return status;
	}

	buf->len += (size_t)n;
	return PV_OK;
}

/* Appends the escape sequence for byte c, which needs one. */
static pv_status
append_escape(pv_buf *buf, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char seq[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0x0f] };

	switch (c) {
	case '"':
		return pv_buf_append(buf, "\\\"", 2);
	case '\\':
		return pv_buf_append(buf, "\\\\", 2);
	case '\n':
		return pv_buf_append(buf, "\\n", 2);
	case '\t':
		return pv_buf_append(buf, "\\t", 2);
	default:
		return pv_buf_append(buf, seq, sizeof(seq));
	}
}

pv_status
pv_buf_append_json_string(pv_buf *buf, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, run;
	pv_status status;

	status = pv_buf_reserve(buf, len + 2);
	if (status == PV_OK)
		status = pv_buf_append(buf, "\"", 1);

	/* Copy runs of bytes that need no escape in one call. */
	run = 0;
	for (i = 0; i < len && status == PV_OK; i++) {
		if (s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
			continue;
		status = pv_buf_append(buf, str + run, i - run);
		if (status == PV_OK)
			status = append_escape(buf, s[i]);
		run = i + 1;
	}

	if (status == PV_OK)
		status = pv_buf_append(buf, str + run, len - run);
	if (status == PV_OK)
		status = pv_buf_append(buf, "\"", 1);
	return status;
}
