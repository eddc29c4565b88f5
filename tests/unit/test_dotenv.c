/* The .env parser: accepted forms, rejected lines, and file checks. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pv_dotenv.h"

static pv_status
parse(pv_dotenv *env, const char *text, pv_error *err)
{
	pv_error_clear(err);
	return pv_dotenv_parse(env, text, strlen(text), "test.env", err);
}

Test(dotenv, accepted_forms)
{
	pv_dotenv env;
	pv_error err;

	cr_assert_eq(parse(&env, "# comment\n\nA=1\n"
	    "C='lit # \\n'\nD=\"esc\\\"\\n\\t\\\\\"  # note\n"
	    "E=unquoted # comment\nF=\r\nG=a#b\nA=2\n", &err), PV_OK,
	    "%s", err.text);
	cr_assert_str_eq(pv_dotenv_get(&env, "A"), "2");
	cr_assert_str_eq(pv_dotenv_get(&env, "C"), "lit # \\n");
	cr_assert_str_eq(pv_dotenv_get(&env, "D"), "esc\"\n\t\\");
	cr_assert_str_eq(pv_dotenv_get(&env, "E"), "unquoted");
	cr_assert_str_eq(pv_dotenv_get(&env, "F"), "");
	cr_assert_str_eq(pv_dotenv_get(&env, "G"), "a#b");
	pv_dotenv_free(&env);
}

/* Blanks around '=', which python-dotenv accepts, and a byte order mark. */
Test(dotenv, blanks_and_bom)
{
	pv_dotenv env;
	pv_error err;

	cr_assert_eq(parse(&env, "\xef\xbb\xbfNATS_URL = nats://h:1\n"
	    "B\t=x\n", &err), PV_OK, "%s", err.text);
	cr_expect_str_eq(pv_dotenv_get(&env, "NATS_URL"), "nats://h:1");
	cr_expect_str_eq(pv_dotenv_get(&env, "B"), "x");
	pv_dotenv_free(&env);
}

/* A '#' right after "=" and its blanks is data, as python-dotenv reads it. */
Test(dotenv, leading_hash_kept)
{
	pv_dotenv env;
	pv_error err;

	cr_assert_eq(parse(&env, "NATS_TOKEN=#s3cret\nB= #b # note\n"
	    "C=pa #ss\n", &err), PV_OK, "%s", err.text);
	cr_expect_str_eq(pv_dotenv_get(&env, "NATS_TOKEN"), "#s3cret");
	cr_expect_str_eq(pv_dotenv_get(&env, "B"), "#b");
	cr_expect_str_eq(pv_dotenv_get(&env, "C"), "pa");
	pv_dotenv_free(&env);
}

Test(dotenv, export_prefix)
{
	pv_dotenv env;
	pv_error err;

	cr_assert_eq(parse(&env, "export NATS_URL=nats://h:1", &err), PV_OK,
	    "%s", err.text);
	cr_assert_str_eq(pv_dotenv_get(&env, "NATS_URL"), "nats://h:1");
	pv_dotenv_free(&env);
}

/* The reasons a line gets, besides its file and line number. */
#define FORM	"expected NAME=value, a comment or a blank line"
#define OPEN	"the quoted value has no closing quote on its line"

Test(dotenv, rejected_lines)
{
	static const struct {
		const char *text;
		const char *reason;
	} cases[] = {
		{ "1A=x\n", FORM },	/* name starts with a digit */
		{ "A\n", FORM },		/* no '=' */
		{ "A='open\n", OPEN },
		{ "A=\"open\n", OPEN },
		{ "A='x' y\n", "only blanks or a comment may follow the "
		    "closing quote" },
		{ "=x\n", FORM },
		{ "A-B=x\n", FORM },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pv_dotenv env;
		pv_error err;

		cr_assert_eq(parse(&env, cases[i].text, &err), PV_ERR_CONFIG,
		    "accepted: %s", cases[i].text);
		cr_assert(strstr(err.text, "test.env:1:") != NULL, "%s",
		    err.text);
		cr_expect(strstr(err.text, cases[i].reason) != NULL, "%s",
		    err.text);
		pv_dotenv_free(&env);
	}
}

Test(dotenv, nul_byte_rejected)
{
	static const char text[] = "A=1\nB=x\0y\n";
	pv_dotenv env;
	pv_error err;

	cr_assert_eq(pv_dotenv_parse(&env, text, sizeof(text) - 1, "n.env",
	    &err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "n.env:2:") != NULL, "%s", err.text);
	pv_dotenv_free(&env);
}

Test(dotenv, error_hides_value)
{
	pv_dotenv env;
	pv_error err;

	cr_assert_eq(parse(&env, "NATS_PASSWORD='hunter2\n", &err),
	    PV_ERR_CONFIG);
	cr_assert_null(strstr(err.text, "hunter2"), "%s", err.text);
	pv_dotenv_free(&env);
}

Test(dotenv, missing_optional_file)
{
	pv_dotenv env;
	pv_error err;
	mode_t mode = 0644;

	cr_assert_eq(pv_dotenv_read_file(&env, "/nonexistent/.env", false,
	    1024, &mode, &err), PV_OK);
	cr_assert_eq(env.count, 0);
	cr_assert_eq(mode, 0);
}

/* A default .env that links to nothing is an error, not a missing file. */
Test(dotenv, dangling_link_rejected)
{
	char dir[] = "/tmp/pv-dotenv-test-XXXXXX", link_path[64];
	pv_dotenv env;
	pv_error err;
	mode_t mode;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(link_path, sizeof(link_path), "%s/.env", dir);
	cr_assert_eq(symlink("missing.env", link_path), 0);

	cr_expect_eq(pv_dotenv_read_file(&env, link_path, false, 1024, &mode,
	    &err), PV_ERR_CONFIG);
	cr_expect(strstr(err.text, ".env: a symbolic link to a missing "
	    "file") != NULL, "%s", err.text);
	unlink(link_path);
	rmdir(dir);
}

/* CR alone ends a line, as in old Mac files; CRLF is one line end. */
Test(dotenv, carriage_return_lines)
{
	pv_dotenv env;
	pv_error err;

	cr_assert_eq(parse(&env, "A=1\rB=2\r\nC=3\r\r\nD=4", &err), PV_OK,
	    "%s", err.text);
	cr_expect_str_eq(pv_dotenv_get(&env, "A"), "1");
	cr_expect_str_eq(pv_dotenv_get(&env, "B"), "2");
	cr_expect_str_eq(pv_dotenv_get(&env, "C"), "3");
	cr_expect_str_eq(pv_dotenv_get(&env, "D"), "4");
	pv_dotenv_free(&env);

	/* Line numbers count CRLF once. */
	cr_assert_eq(parse(&env, "A=1\r\nB=2\r\n!\r\n", &err),
	    PV_ERR_CONFIG);
	cr_expect(strncmp(err.text, "test.env:3: ", 12) == 0, "%s", err.text);
	pv_dotenv_free(&env);
}

Test(dotenv, utf16_named)
{
	static const char utf16[] = "\xff\xfe" "A\0=\0" "1\0\n\0";
	pv_dotenv env;
	pv_error err;

	pv_error_clear(&err);
	cr_assert_eq(pv_dotenv_parse(&env, utf16, sizeof(utf16) - 1,
	    "test.env", &err), PV_ERR_CONFIG);
	cr_expect_str_eq(err.text, "test.env: the file is UTF-16 (it starts "
	    "with a UTF-16 byte order mark); save it as UTF-8");
	pv_dotenv_free(&env);

	/* Without the mark, the NUL bytes name the likely cause. */
	cr_assert_eq(pv_dotenv_parse(&env, utf16 + 2, sizeof(utf16) - 3,
	    "test.env", &err), PV_ERR_CONFIG);
	cr_expect_str_eq(err.text, "test.env:1: NUL byte in line (if the "
	    "file is UTF-16, save it as UTF-8)");
	pv_dotenv_free(&env);
}

Test(dotenv, directory_rejected)
{
	pv_dotenv env;
	pv_error err;
	mode_t mode;

	cr_assert_eq(pv_dotenv_read_file(&env, "/tmp", true, 1024, &mode,
	    &err), PV_ERR_CONFIG);
	cr_assert(strstr(err.text, "not a regular file") != NULL, "%s",
	    err.text);
}

/* Parses text and expands it against envp; returns the expansion's status. */
static pv_status
parse_expanded(pv_dotenv *env, const char *text, char *const *envp,
	size_t max_len, pv_error *err)
{
	cr_assert_eq(parse(env, text, err), PV_OK, "%s", err->text);
	return pv_dotenv_expand(env, envp, max_len, "test.env", err);
}

/* References resolve as python-dotenv's load_dotenv resolves them. */
Test(dotenv, references_expanded)
{
	char *envp[] = { "HOST=env-host", "EMPTY=", "A=B=c", NULL };
	pv_dotenv env;
	pv_error err;

	cr_assert_eq(parse_expanded(&env, "HOST=file-host\nPORT=4222\n"
	    "URL=nats://${HOST}:${PORT}\nSQ='${PORT}'\nDQ=\"${PORT}x\"\n"
	    "DEF=${MISSING:-d1}/${PORT:-d2}\nNONE=<${MISSING}>\n"
	    "EMPTY_DEF=<${EMPTY:-d}>\nLATER=<${AFTER}>\nAFTER=1\n"
	    "P=1\nP=${P}2\nODD=<${A=B}>\nNESTED=${MISSING:-${PORT}}\n",
	    envp, 1024, &err), PV_OK, "%s", err.text);

	/* The environment wins over the file, as the settings do. */
	cr_expect_str_eq(pv_dotenv_get(&env, "URL"), "nats://env-host:4222");
	cr_expect_str_eq(pv_dotenv_get(&env, "SQ"), "4222");
	cr_expect_str_eq(pv_dotenv_get(&env, "DQ"), "4222x");
	cr_expect_str_eq(pv_dotenv_get(&env, "DEF"), "d1/4222");
	cr_expect_str_eq(pv_dotenv_get(&env, "NONE"), "<>");
	/* A name set empty is set: the default is not used. */
	cr_expect_str_eq(pv_dotenv_get(&env, "EMPTY_DEF"), "<>");
	/* Only lines before a reference count. */
	cr_expect_str_eq(pv_dotenv_get(&env, "LATER"), "<>");
	cr_expect_str_eq(pv_dotenv_get(&env, "P"), "12");
	cr_expect_str_eq(pv_dotenv_get(&env, "ODD"), "<>");
	/* A default is not expanded, and its '}' ends the reference. */
	cr_expect_str_eq(pv_dotenv_get(&env, "NESTED"), "${PORT}");

	/* Only lines whose values a reference took are marked. */
	cr_expect(env.entries[1].referenced, "PORT");
	/* The environment's HOST wins, but the name is in use. */
	cr_expect(env.entries[0].referenced, "HOST");
	cr_expect_not(env.entries[9].referenced, "AFTER, defined after "
	    "its reference");
	cr_expect(env.entries[10].referenced, "the first P");
	cr_expect_not(env.entries[11].referenced, "the second P");
	pv_dotenv_free(&env);
}

Test(dotenv, non_references_kept)
{
	pv_dotenv env;
	pv_error err;

	cr_assert_eq(parse_expanded(&env, "A=1\nB=$A ${A ${A:x} $ ${}.\n"
	    "C=${A:-\n", NULL, 1024, &err), PV_OK, "%s", err.text);
	cr_expect_str_eq(pv_dotenv_get(&env, "B"), "$A ${A ${A:x} $ .");
	cr_expect_str_eq(pv_dotenv_get(&env, "C"), "${A:-");
	pv_dotenv_free(&env);
}

/* Each line doubling the last cannot grow a value without bound. */
Test(dotenv, expansion_bounded)
{
	char text[2048] = "NATS_TOKEN=0123456789abcdef\n";
	pv_dotenv env;
	pv_error err;
	int i;

	for (i = 0; i < 40; i++)
		strcat(text, "NATS_TOKEN=${NATS_TOKEN}${NATS_TOKEN}\n");
	cr_assert_eq(parse_expanded(&env, text, NULL, 4096, &err),
	    PV_ERR_CONFIG);
	cr_expect_str_eq(err.text, "test.env: the values are over 4096 "
	    "bytes in all after ${} expansion, at NATS_TOKEN");
	pv_dotenv_free(&env);

	/* Many values that each stay under the bound count together. */
	strcpy(text, "A=0123456789abcdef0123456789abcdef\n");
	for (i = 0; i < 40; i++)
		strcat(text, "B=${A}${A}${A}\n");
	cr_assert_eq(parse_expanded(&env, text, NULL, 1024, &err),
	    PV_ERR_CONFIG);
	cr_expect_str_eq(err.text, "test.env: the values are over 1024 "
	    "bytes in all after ${} expansion, at B");
	pv_dotenv_free(&env);

	/* The text after the last reference counts too. */
	strcpy(text, "B=${X}");
	memset(text + 6, 'x', 100);
	strcpy(text + 106, "\n");
	cr_assert_eq(parse_expanded(&env, text, NULL, 64, &err),
	    PV_ERR_CONFIG);
	pv_dotenv_free(&env);
}
