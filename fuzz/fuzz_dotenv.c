/*
 * libFuzzer target: the .env parser and its ${} expansion.  On success
 * every entry must have a valid name, a value within the expansion's
 * bound, and be found by pv_dotenv_get.  On failure the error text must
 * be printable ASCII: it goes to the log, so it may not carry raw bytes
 * of a value, which can be a secret.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "pv_dotenv.h"

static bool
is_name(const char *s)
{
	size_t i;

	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
	    s[0] == '_'))
		return false;
	for (i = 1; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const envp[] = { "HOME=/root", "A=B=c", "EMPTY=", NULL };
	pv_dotenv env = { NULL, 0 };
	pv_error err;
	pv_status st;
	size_t i;

	pv_error_clear(&err);
	st = pv_dotenv_parse(&env, (const char *)data, size, "fuzz.env", &err);
	/* A small bound, so that inputs reach the expansion limit too. */
	if (st == PV_OK)
		st = pv_dotenv_expand(&env, envp, 4096, "fuzz.env", &err);
	if (st == PV_OK) {
		for (i = 0; i < env.count; i++) {
			FUZZ_CHECK(is_name(env.entries[i].name));
			FUZZ_CHECK(env.entries[i].value != NULL);
			/* An unexpanded value may be as long as the input. */
			FUZZ_CHECK(strlen(env.entries[i].value) <=
			    (size > 4096 ? size : 4096));
			FUZZ_CHECK(pv_dotenv_get(&env, env.entries[i].name) !=
			    NULL);
		}
	} else {
		for (i = 0; err.text[i] != '\0'; i++)
			FUZZ_CHECK(err.text[i] >= 0x20 && err.text[i] < 0x7f);
		FUZZ_CHECK(strncmp(err.text, "fuzz.env", 8) == 0);
	}
	pv_dotenv_free(&env);
	return 0;
}
