/*
 * pv_buf: growth, formatting and JSON string escaping.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pv_buf.h"

Test(buf, append_grows)
{
	pv_buf buf;
	size_t i;

	pv_buf_init(&buf);
	cr_assert_null(buf.data);
	for (i = 0; i < 1000; i++)
		cr_assert_eq(pv_buf_append(&buf, "abc", 3), PV_OK);
	cr_assert_eq(buf.len, 3000);
	cr_assert_geq(buf.cap, 3001);
	cr_assert_eq(buf.data[3000], '\0');
	cr_assert_eq(memcmp(buf.data + 2997, "abc", 3), 0);
	pv_buf_free(&buf);
	cr_assert_null(buf.data);
	cr_assert_eq(buf.len, 0);
}

Test(buf, reset_keeps_memory)
{
	pv_buf buf;
	char *data;

	pv_buf_init(&buf);
	cr_assert_eq(pv_buf_append_str(&buf, "hello"), PV_OK);
	data = buf.data;
	pv_buf_reset(&buf);
	cr_assert_eq(buf.len, 0);
	cr_assert_str_eq(buf.data, "");
	cr_assert_eq(pv_buf_append_str(&buf, "x"), PV_OK);
	cr_assert_eq(buf.data, data);
	pv_buf_free(&buf);
}

Test(buf, empty_append_terminates)
{
	pv_buf buf;

	pv_buf_init(&buf);
	cr_assert_eq(pv_buf_append(&buf, NULL, 0), PV_OK);
	cr_assert_not_null(buf.data);
	cr_assert_str_eq(buf.data, "");
	pv_buf_free(&buf);
}

Test(buf, printf_long_output)
{
	char big[1000];
	pv_buf buf;

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pv_buf_init(&buf);
	cr_assert_eq(pv_buf_printf(&buf, "%d:", 42), PV_OK);
	cr_assert_eq(pv_buf_printf(&buf, "%s|%ld", big, -7L), PV_OK);
	cr_assert_eq(buf.len, 3 + 999 + 3);
	cr_assert_eq(strncmp(buf.data, "42:zzz", 6), 0);
	cr_assert_str_eq(buf.data + buf.len - 3, "|-7");
	pv_buf_free(&buf);
}

Test(buf, reserve_overflow)
{
	pv_buf buf;

	pv_buf_init(&buf);
	cr_assert_eq(pv_buf_append_str(&buf, "a"), PV_OK);
	cr_assert_eq(pv_buf_reserve(&buf, SIZE_MAX), PV_ERR_NOMEM);
	cr_assert_str_eq(buf.data, "a");
	pv_buf_free(&buf);
}

Test(buf, json_string_escapes)
{
	const char in[] = "q\" b\\ n\n t\t r\r nul\0 us\x1f / \xc3\xab \x7f";
	pv_buf buf;

	pv_buf_init(&buf);
	cr_assert_eq(pv_buf_append_json_string(&buf, in, sizeof(in) - 1),
	    PV_OK);
	cr_assert_str_eq(buf.data, "\"q\\\" b\\\\ n\\n t\\t r\\u000d "
	    "nul\\u0000 us\\u001f / \xc3\xab \x7f\"");
	pv_buf_free(&buf);
}

Test(buf, json_string_empty)
{
	pv_buf buf;

	pv_buf_init(&buf);
	cr_assert_eq(pv_buf_append_json_string(&buf, "", 0), PV_OK);
	cr_assert_str_eq(buf.data, "\"\"");
	pv_buf_free(&buf);
}
