/*
 * Schema compilation: supported keywords and the errors for the rest.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pv_schema.h"

/* Compiles a schema whose properties object is props. */
static pv_status
compile_with(const char *props, const char *extra, pv_error *err)
{
	char text[2048];
	pv_schema *schema = NULL;
	pv_status status;

	snprintf(text, sizeof(text), "{\"title\":\"T.T\",\"type\":\"object\","
	    "\"properties\":%s,\"additionalProperties\":false%s}", props,
	    extra);
	pv_error_clear(err);
	status = pv_schema_compile(&schema, "T.T.json", text, err);
	if (status == PV_OK)
		cr_assert_not_null(schema);
	else
		cr_assert_null(schema);
	pv_schema_free(schema);
	return status;
}

static void
expect_error(const char *props, const char *extra, const char *word)
{
	pv_error err;

	cr_assert_eq(compile_with(props, extra, &err), PV_ERR_SCHEMA, "%s%s",
	    props, extra);
	cr_assert_eq(err.status, PV_ERR_SCHEMA);
	cr_assert(strstr(err.text, "T.T.json") != NULL, "%s", err.text);
	cr_assert(strstr(err.text, word) != NULL, "%s lacks %s", err.text,
	    word);
}

Test(schema_compile, minimal_ok)
{
	pv_error err;

	cr_assert_eq(compile_with("{\"a\":{\"type\":\"string\"}}", "", &err),
	    PV_OK, "%s", err.text);
	cr_assert_eq(compile_with("{\"n\":{\"type\":[\"null\",\"integer\"],"
	    "\"minimum\":-3,\"maximum\":3}}", ",\"required\":[\"n\"],"
	    "\"$schema\":\"x\",\"description\":\"d\"", &err), PV_OK, "%s",
	    err.text);
}

Test(schema_compile, event_type_from_title)
{
	pv_schema *schema;
	pv_error err;

	cr_assert_eq(pv_schema_compile(&schema, "f", "{\"title\":\"A.B\","
	    "\"type\":\"object\",\"properties\":{},"
	    "\"additionalProperties\":false}", &err), PV_OK);
	cr_assert_str_eq(pv_schema_event_type(schema), "A.B");
	pv_schema_free(schema);
}

Test(schema_compile, unknown_keywords)
{
	expect_error("{\"a\":{\"type\":\"string\",\"pattern\":\"x\"}}", "",
	    "pattern");
	expect_error("{\"a\":{\"type\":\"string\"}}", ",\"oneOf\":[]", "oneOf");
}

Test(schema_compile, bad_types)
{
	expect_error("{\"a\":{\"type\":\"number\"}}", "", "type");
	expect_error("{\"a\":{\"type\":[\"string\",\"integer\"]}}", "", "type");
	expect_error("{\"a\":{\"type\":[\"null\"]}}", "", "type");
	expect_error("{\"a\":{\"format\":\"email\"}}", "", "type");
	expect_error("{\"a\":{\"type\":\"integer\",\"maxLength\":3}}", "",
	    "type");
	expect_error("{\"a\":{\"type\":\"string\",\"maximum\":3}}", "", "type");
}

Test(schema_compile, bad_values)
{
	expect_error("{\"a\":{\"type\":\"string\",\"format\":\"ipv4\"}}", "",
	    "format");
	expect_error("{\"a\":{\"type\":\"string\",\"maxLength\":-1}}", "",
	    "maxLength");
	expect_error("{\"a\":{\"type\":\"string\",\"minLength\":5,"
	    "\"maxLength\":4}}", "", "bound");
	expect_error("{\"a\":{\"type\":\"string\",\"x-notBlank\":1}}", "",
	    "x-notBlank");
	expect_error("{\"a\":{\"type\":\"string\","
	    "\"x-controlCharacters\":\"some\"}}", "", "x-controlCharacters");
	expect_error("{\"a-b\":{\"type\":\"string\"}}", "", "a-b");
}

Test(schema_compile, bad_lists)
{
	expect_error("{\"a\":{\"type\":\"string\"}}", ",\"required\":[\"b\"]",
	    "required");
	expect_error("{\"a\":{\"type\":\"string\"}}",
	    ",\"required\":[\"a\",\"a\"]", "required");
	expect_error("{\"a\":{\"type\":\"string\"}}",
	    ",\"dependentRequired\":{\"a\":[\"c\"]}", "dependentRequired");
}

Test(schema_compile, bad_root)
{
	pv_schema *schema;
	pv_error err;

	cr_assert_eq(pv_schema_compile(&schema, "f.json", "{\"title\":\"T\","
	    "\"type\":\"object\",\"properties\":{}}", &err), PV_ERR_SCHEMA);
	cr_assert(strstr(err.text, "additionalProperties") != NULL);
	cr_assert_eq(pv_schema_compile(&schema, "f.json", "{\"type\":"
	    "\"object\",\"properties\":{},\"additionalProperties\":false}",
	    &err), PV_ERR_SCHEMA);
	cr_assert(strstr(err.text, "title") != NULL);
	cr_assert_eq(pv_schema_compile(&schema, "f.json", "{\"title\":1,",
	    &err), PV_ERR_SCHEMA);
	cr_assert(strstr(err.text, "invalid JSON") != NULL);
	cr_assert_eq(pv_schema_compile(&schema, "f.json", "[]", &err),
	    PV_ERR_SCHEMA);
	cr_assert_null(schema);
}

Test(status, texts)
{
	pv_error err;

	cr_assert_str_eq(pv_status_text(PV_ERR_NOMEM), "out of memory");
	cr_assert_str_eq(pv_status_text(PV_OK), "success");
	cr_assert_eq(pv_error_set(&err, PV_ERR_IO, "read %s: %d", "f", 5),
	    PV_ERR_IO);
	cr_assert_eq(err.status, PV_ERR_IO);
	cr_assert_str_eq(err.text, "read f: 5");
	cr_assert_eq(pv_error_set(NULL, PV_ERR_ARG, "x"), PV_ERR_ARG);
	pv_error_clear(&err);
	cr_assert_eq(err.status, PV_OK);
	cr_assert_str_eq(err.text, "");
}
