/*
 * Client-facing validation errors and their FastAPI-style JSON form.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pv_violation.h"

void
pv_violations_clear(pv_violations *v)
{
	v->count = 0;
	v->truncated = false;
}

/* Copies src into dst (size bytes), cut before a partial UTF-8 character. */
static void
copy_utf8(char *dst, size_t size, const char *src)
{
	size_t n;

	n = strlen(src);
	if (n >= size) {
		n = size - 1;
		/* src[n] is the first byte left out: while it continues a
		 * character, drop that character's earlier bytes too. */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

pv_violation *
pv_violations_add(pv_violations *v, const char *type, const char *field,
	long offset, const char *fmt, ...)
{
	pv_violation *item;
	va_list ap;

	if (v->count == PV_VIOLATIONS_MAX) {
		v->truncated = true;
		return NULL;
	}

	item = &v->items[v->count++];
	copy_utf8(item->type, sizeof(item->type), type);
	item->has_field = field != NULL;
	copy_utf8(item->field, sizeof(item->field), field != NULL ? field : "");
	item->offset = offset;
	item->ctx_key[0] = '\0';
	item->ctx_value[0] = '\0';
	item->ctx_number = false;

	va_start(ap, fmt);
	vsnprintf(item->msg, sizeof(item->msg), fmt, ap);
	va_end(ap);
	return item;
}

void
pv_violation_set_ctx_string(pv_violation *item, const char *key,
	const char *value)
{
	if (item == NULL)
		return;
	copy_utf8(item->ctx_key, sizeof(item->ctx_key), key);
	copy_utf8(item->ctx_value, sizeof(item->ctx_value), value);
	item->ctx_number = false;
}

void
pv_violation_set_ctx_int(pv_violation *item, const char *key,
	long long value)
{
	if (item == NULL)
		return;
	copy_utf8(item->ctx_key, sizeof(item->ctx_key), key);
	snprintf(item->ctx_value, sizeof(item->ctx_value), "%lld", value);
	item->ctx_number = true;
}

void
pv_violations_add_not_object(pv_violations *v, bool is_null)
{
	if (is_null)
		pv_violations_add(v, "missing", NULL, -1, "Field required");
	else
		pv_violations_add(v, "model_attributes_type", NULL, -1,
		    "Input should be a valid dictionary or object to extract "
		    "fields from");
}

/* Appends ,"ctx":{key:value} for item. */
static pv_status
append_ctx(pv_buf *out, const pv_violation *item)
{
	pv_status status;

	status = pv_buf_append_str(out, ",\"ctx\":{");
	if (status == PV_OK)
		status = pv_buf_append_json_string(out, item->ctx_key,
		    strlen(item->ctx_key));
	if (status == PV_OK)
		status = pv_buf_append_str(out, ":");
	if (status == PV_OK && item->ctx_number)
		status = pv_buf_append_str(out, item->ctx_value);
	else if (status == PV_OK)
		status = pv_buf_append_json_string(out, item->ctx_value,
		    strlen(item->ctx_value));
	if (status == PV_OK)
		status = pv_buf_append_str(out, "}");
	return status;
}

/* Appends one {"type":...,"loc":[...],"msg":...} entry. */
static pv_status
append_item(pv_buf *out, const pv_violation *item)
{
	bool json_invalid = strcmp(item->type, "json_invalid") == 0;
	pv_status status;

	status = pv_buf_append_str(out, "{\"type\":");
	if (status == PV_OK)
		status = pv_buf_append_json_string(out, item->type,
		    strlen(item->type));
	if (status == PV_OK)
		status = pv_buf_append_str(out, ",\"loc\":[\"body\"");

	if (status == PV_OK && json_invalid)
		status = pv_buf_printf(out, ",%ld", item->offset);
	else if (status == PV_OK && item->has_field) {
		status = pv_buf_append_str(out, ",");
		if (status == PV_OK)
			status = pv_buf_append_json_string(out, item->field,
			    strlen(item->field));
	}

	if (status == PV_OK)
		status = pv_buf_append_str(out, "],\"msg\":");
	if (status == PV_OK)
		status = pv_buf_append_json_string(out, item->msg,
		    strlen(item->msg));

	if (status == PV_OK && item->ctx_key[0] != '\0')
		status = append_ctx(out, item);

	if (status == PV_OK)
		status = pv_buf_append_str(out, "}");
	return status;
}

pv_status
pv_violations_to_json(const pv_violations *v, pv_buf *out)
{
	pv_status status;
	size_t i;

	status = pv_buf_append_str(out, "{\"detail\":[");
	for (i = 0; i < v->count && status == PV_OK; i++) {
		if (i > 0)
			status = pv_buf_append_str(out, ",");
		if (status == PV_OK)
			status = append_item(out, &v->items[i]);
	}
	if (status == PV_OK)
		status = pv_buf_append_str(out, "]}");
	return status;
}
