/*
 * Formats: uuid-or-ulid, uri, email and date-time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pv_format.h"
#include "unit_helpers.h"

#define DELETED "Election.ElectionDeleted"
#define IMAGED "Candidate.CandidateImageChanged"
#define IMAGED_HEAD "{\"id\":\"" ULID_1 "\",\"candidate_id\":\"" ULID_2 \
	"\",\"competition_id\":\"" ULID_3 "\",\"election_id\":\"" ULID_4 "\","
#define VOTER "Voter.VoterRegistered"
#define VOTER_HEAD "{\"id\":\"" ULID_1 "\",\"voter_id\":\"" ULID_2 \
	"\",\"election_id\":\"" ULID_3 "\",\"name\":\"Zoe\","
#define OPENED "Election.ElectionOpened"
#define OPENED_HEAD "{\"id\":\"" ULID_1 "\",\"election_id\":\"" ULID_2 "\","

static void
expect_id(const char *id, const char *type)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"id\":\"" ULID_1 "\","
	    "\"election_id\":\"%s\"}", id);
	if (type == NULL)
		unit_expect_ok(DELETED, body);
	else
		unit_expect(DELETED, body, "election_id", type);
}

Test(format_id, accepted)
{
	expect_id(UUID_1, NULL);
	expect_id("3F2B9C1E-7A4D-4E8B-9C2F-1A2B3C4D5E6F", NULL);
	expect_id("01arz3ndektsv4rrffq69g5fav", NULL);
	expect_id("7ZZZZZZZZZZZZZZZZZZZZZZZZZ", NULL);
}

Test(format_id, rejected)
{
	const pv_violation *found;

	found = unit_expect(DELETED, "{\"id\":\"x\",\"election_id\":\"" ULID_1
	    "\"}", "id", "uuid_parsing");
	cr_assert_str_eq(found->msg, "Input should be a valid UUID or ULID");
	expect_id("", "uuid_parsing");
	expect_id("8ZZZZZZZZZZZZZZZZZZZZZZZZZ", "uuid_parsing");
	expect_id("01HV6Z3R8Y5A0B9C7D2E4F6G8I", "uuid_parsing");
	expect_id("01HV6Z3R8Y5A0B9C7D2E4F6G8L", "uuid_parsing");
	expect_id("01HV6Z3R8Y5A0B9C7D2E4F6G8O", "uuid_parsing");
	expect_id("01HV6Z3R8Y5A0B9C7D2E4F6G8U", "uuid_parsing");
	expect_id("01HV6Z3R8Y5A0B9C7D2E4F6G8", "uuid_parsing");
	expect_id("3f2b9c1e7a4d4e8b9c2f1a2b3c4d5e6f", "uuid_parsing");
	expect_id("{3f2b9c1e-7a4d-4e8b-9c2f-1a2b3c4d5e6f}", "uuid_parsing");
	expect_id("3f2b9c1e-7a4d-4e8b-9c2f-1a2b3c4d5e6g", "uuid_parsing");
	expect_id("3f2b9c1e-7a4d-4e8b-9c2f1-a2b3c4d5e6f", "uuid_parsing");
}

static void
expect_url(const char *url, const char *type)
{
	char body[4096];

	snprintf(body, sizeof(body), IMAGED_HEAD "\"url\":\"%s\"}", url);
	if (type == NULL)
		unit_expect_ok(IMAGED, body);
	else
		unit_expect(IMAGED, body, "url", type);
}

Test(format_url, accepted)
{
	expect_url("http://example.org", NULL);
	expect_url("HTTPS://Example.org:8443/a/b.png?x=1&y=2#top", NULL);
	expect_url("https://user:pw@example.org/", NULL);
	expect_url("http://[2001:db8::1]:80/x", NULL);
	expect_url("http://192.0.2.1/x%20y", NULL);
	expect_url("https://example.org/caf\xc3\xa9.jpg", NULL);
	expect_url("https://ex\xc3\xa4mple.org/", NULL);
	expect_url("https://%65xample.org/", NULL);
	expect_url("http://127.1/", NULL);
	expect_url("http://0x7f.0.0.1./", NULL);
	expect_url("http://a..b/", NULL);
	expect_url("http://a%e2%80%8b.b/", NULL);
	expect_url("http://%ef%bc%91.256/", NULL);
	expect_url("http://xn--mnchen-3ya.de/", NULL);
	expect_url("http://\xd7\xa2\xd7\x91.co.il/", NULL);
	expect_url("http://a.\xd7\x90" "1/", NULL);
	expect_url("http://caf\xc3\xa9.fr/", NULL);
	expect_url("http://\xe2\x98\x83.net/", NULL);
	expect_url("http://[::ffff:192.0.2.1]:8080/", NULL);
	expect_url("http://XN--bcher-kva.example/", NULL);
}

/*
 * Hosts that pydantic 2.13's HttpUrl rejects after decoding their %XX
 * escapes, with its reason, which also goes to ctx.error.
 */
Test(format_url, host_rejected_like_pydantic)
{
	static const struct {
		const char *url;
		const char *reason;
	} cases[] = {
		{ "http://%00/", "invalid international domain name" },
		{ "http://a%00b.example/", "invalid international domain name" },
		{ "http://%0a.example/", "invalid international domain name" },
		{ "http://%20/", "invalid international domain name" },
		{ "http://%ff/", "invalid international domain name" },
		{ "http://a%2fb/", "invalid international domain name" },
		{ "http://%25/", "invalid international domain name" },
		{ "http://a%zz/", "invalid international domain name" },
		{ "http://a%c2%a0b/", "invalid international domain name" },
		{ "http://%c2%80/", "invalid international domain name" },
		{ "http://a|b/", "invalid international domain name" },
		{ "http://999.1.1.1/", "invalid IPv4 address" },
		{ "http://1.2.3.4.5/", "invalid IPv4 address" },
		{ "http://1.2.3.256/", "invalid IPv4 address" },
		{ "http://1.2.65536/", "invalid IPv4 address" },
		{ "http://09.1.1.1/", "invalid IPv4 address" },
		{ "http://1..2/", "invalid IPv4 address" },
		{ "http://example.123/", "invalid IPv4 address" },
		{ "http://%e2%80%8b4294967296/", "invalid IPv4 address" },
		{ "http://example.\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93/",
		    "invalid IPv4 address" },
		{ "http://1\xe3\x80\x82" "2\xe3\x80\x82" "3\xe3\x80\x82" "999/",
		    "invalid IPv4 address" },
		{ "http://example%E3%80%82" "123/", "invalid IPv4 address" },
		{ "http://a\xee\x80\x80" "b/",
		    "invalid international domain name" },
		{ "http://a%ef%bf%bf/", "invalid international domain name" },
		{ "http://xn--/", "invalid international domain name" },
		{ "http://a\xd7\x90/", "invalid international domain name" },
		{ "http://1a.\xd7\xa2\xd7\x91/",
		    "invalid international domain name" },
		{ "http://\xd7\x90\xd9\xa1" "1/",
		    "invalid international domain name" },
		{ "http://a\xe2\x80\xae" "b/", "invalid international domain name" },
		{ "http://a\xe2\x80\x8c" "b/",
		    "invalid international domain name" },
		{ "http://a\xe2\x84\x80" "b/",
		    "invalid international domain name" },
		{ "http://a.\xe2\x91\xa0/", "invalid international domain name" },
		{ "http://\xcc\x81" "a.com/", "invalid international domain name" },
		{ "http://999.1.1.\xf0\x9f\xaf\xb9/",
		    "invalid international domain name" },
		{ "http://example.0\xcb\xa3" "1/",
		    "invalid international domain name" },
		{ "http://a.\xe1\xa0\x8e/", "invalid international domain name" },
		{ "http://a\xe1\xa0\x86" "b.com/",
		    "invalid international domain name" },
		{ "http://a\xe2\xbf\xb0" "b.com/",
		    "invalid international domain name" },
		{ "http://xn--ab-8z3a.com/", "invalid international domain name" },
		{ "http://[1]/", "invalid IPv6 address" },
		{ "http://[1:2:3:4:5:6:7:8:9]/", "invalid IPv6 address" },
		{ "http://[::1.2.3]/", "invalid IPv6 address" },
		{ "http://[1::2::3]/", "invalid IPv6 address" },
		{ "http://999.1.1.1\\\\@good.example/", "invalid IPv4 address" },
		{ "http://a%00b\\\\@good.example/",
		    "invalid international domain name" },
		{ "http://evil.example\\\\@good.example/",
		    "invalid host character" },
		{ "http://xn--a.com/", "invalid international domain name" },
		{ "http://xn--abc-/", "invalid international domain name" },
		{ "http://a.xn--zz/", "invalid international domain name" },
		{ "http://a\xef\xbc\x8f" "b/",
		    "invalid international domain name" },
		{ "http://%e2%80%8b/", "empty host" },
		{ "http://\xe3\x85\xa4/x",
		    "invalid international domain name" },
		{ "http://a\xef\xbe\xa0" "b/",
		    "invalid international domain name" },
		{ "http://a\xe2\xa0\x80" "b/",
		    "invalid international domain name" },
	};
	char body[512];
	const pv_violation *found;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), IMAGED_HEAD "\"url\":\"%s\"}",
		    cases[i].url);
		found = unit_expect(IMAGED, body, "url", "url_parsing");
		cr_expect_str_eq(found->ctx_key, "error", "%s", cases[i].url);
		cr_expect_str_eq(found->ctx_value, cases[i].reason, "%s",
		    cases[i].url);
	}
}

Test(format_url, rejected)
{
	const pv_violation *found;

	found = unit_expect(IMAGED, IMAGED_HEAD "\"url\":\"ftp://a.example/\"}",
	    "url", "url_scheme");
	cr_assert_str_eq(found->msg, "URL scheme should be 'http' or 'https'");
	cr_assert_str_eq(found->ctx_key, "expected_schemes");
	cr_assert_str_eq(found->ctx_value, "'http' or 'https'");
	expect_url("javascript:alert(1)", "url_scheme");
	expect_url("/relative/path", "url_parsing");
	expect_url("example.org/x", "url_parsing");
	expect_url("", "url_parsing");
	expect_url("http:example.org", "url_parsing");
	expect_url("http:///path", "url_parsing");
	expect_url("http://", "url_parsing");
	expect_url("http://exa mple.org/", "url_parsing");
	expect_url("http://example.org/a\xc2\xa0" "b", "url_parsing");
	expect_url("http://example.org/a\xc2\x85", "url_parsing");
	expect_url("http://example.org/a\xe2\x80\xa8", "url_parsing");
	expect_url("http://ex\xe3\x80\x80" "ample.org/", "url_parsing");
	expect_url("https://\xe2\x80\x8b/x", "url_parsing");
	expect_url("https://\xc2\xad\xef\xbb\xbf/x", "url_parsing");
	expect_url("https://\xef\xb8\x8f\xcd\x8f/x", "url_parsing");
	expect_url("https://%E2%80%8B/x", "url_parsing");
	expect_url("https://%c2%ad:8080/x", "url_parsing");
	expect_url("http://example.org:99999/", "url_parsing");
	expect_url("http://example.org:8a/", "url_parsing");
	expect_url("http://[]/", "url_parsing");
	expect_url("http://exa<mple.org/", "url_parsing");
}

Test(format_url, max_bytes)
{
	char url[2100];
	const pv_violation *found;
	char body[2400];

	memset(url, 'a', sizeof(url));
	memcpy(url, "http://e.org/", 13);
	url[2048] = '\0';
	expect_url(url, NULL);
	url[2048] = 'a';
	url[2049] = '\0';
	snprintf(body, sizeof(body), IMAGED_HEAD "\"url\":\"%s\"}", url);
	found = unit_expect(IMAGED, body, "url", "string_too_long");
	cr_assert(strstr(found->msg, "2048 bytes") != NULL);
	/* pydantic's max_length counts characters, so no ctx here. */
	cr_assert_str_eq(found->ctx_key, "");
}

static void
expect_email(const char *email, const char *type)
{
	char body[1024];

	snprintf(body, sizeof(body), VOTER_HEAD "\"email\":\"%s\"}", email);
	if (type == NULL)
		unit_expect_ok(VOTER, body);
	else
		unit_expect(VOTER, body, "email", type);
}

Test(format_email, accepted)
{
	expect_email("z@example.org", NULL);
	expect_email("first.last+tag@mail.example.co.uk", NULL);
	expect_email("zo\xc3\xab@b\xc3\xbc" "cher.example", NULL);
}

Test(format_email, rejected)
{
	char *local, email[400];

	expect_email("", "value_error");
	expect_email("example.org", "value_error");
	expect_email("a@@example.org", "value_error");
	expect_email("a@b@example.org", "value_error");
	expect_email("@example.org", "value_error");
	expect_email("a@localhost", "value_error");
	expect_email("a@.example.org", "value_error");
	expect_email("a@example..org", "value_error");
	expect_email("a@example.org.", "value_error");
	expect_email("a b@example.org", "value_error");
	expect_email("a@example.org\\t", "value_error");
	expect_email("a\\u00a0b@example.org", "value_error");
	expect_email("a\\u0085b@example.org", "value_error");
	unit_expect(VOTER, VOTER_HEAD "\"email\":null}", "email", "string_type");

	local = unit_repeat("l", 65);
	snprintf(email, sizeof(email), "%s@example.org", local);
	expect_email(email, "value_error");
	local[64] = '\0';
	snprintf(email, sizeof(email), "%s@example.org", local);
	expect_email(email, NULL);
	free(local);
}

Test(format_email, dot_atom_rules)
{
	expect_email("<a@b.example>", "value_error");
	expect_email(".a@example.org", "value_error");
	expect_email("a.@example.org", "value_error");
	expect_email("a..b@example.org", "value_error");
	expect_email("a,b@example.org", "value_error");
	expect_email("a@-example.org", "value_error");
	expect_email("a@example-.org", "value_error");
	expect_email("a@exa_mple.org", "value_error");
	expect_email("o'neil@ex-ample.org", NULL);
}

Test(format_email, domain_rules)
{
	char *label, email[400];

	expect_email("z@xn--bcher-kva.example", NULL);
	expect_email("z@example.co1", "value_error");
	expect_email("z@1.2.3.4", "value_error");
	expect_email("z@example.123", "value_error");
	expect_email("z@xn--abc.org", "value_error");
	expect_email("z@ab--cd.org", "value_error");
	expect_email("z\u200b@example.org", "value_error");
	expect_email("z@exam\u200bple.org", "value_error");
	expect_email("z@exam\u202eple.org", "value_error");
	expect_email("z@1.2.3.\\uff14", "value_error");
	expect_email("z@example\\u3002org", "value_error");
	expect_email("z@example.org\\uff11", "value_error");
	expect_email("z\\ue000@example.org", "value_error");
	expect_email("z\\ufdd0@example.org", "value_error");

	label = unit_repeat("l", 64);
	snprintf(email, sizeof(email), "z@%s.org", label);
	expect_email(email, "value_error");
	label[63] = '\0';
	snprintf(email, sizeof(email), "z@%s.org", label);
	expect_email(email, NULL);
	free(label);
}

/* A non-ASCII label's limit counts its xn-- form, as DNS stores it. */
Test(format_email, non_ascii_label_length)
{
	char *label, email[400];

	/* 32 Cyrillic letters: 64 bytes of UTF-8, xn-- and 34 bytes. */
	label = unit_repeat("\xd0\xb0", 32);
	snprintf(email, sizeof(email), "z@%s.org", label);
	expect_email(email, NULL);
	free(label);

	/*
	 * 21 CJK characters from U+4E00 in steps of 997: 63 bytes of UTF-8,
	 * but 67 in the xn-- form.  (21 equal ones encode to 27.)
	 */
	snprintf(email, sizeof(email), "z@%s.org",
	    "\xe4\xb8\x80\xe5\x87\xa5\xe5\x97\x8a\xe5\xa6\xaf"
	    "\xe5\xb6\x94\xe6\x85\xb9\xe6\x95\x9e\xe6\xa5\x83"
	    "\xe6\xb4\xa8\xe7\x84\x8d\xe7\x93\xb2\xe7\xa3\x97"
	    "\xe7\xb2\xbc\xe8\x82\xa1\xe8\x92\x86\xe8\xa1\xab"
	    "\xe8\xb1\x90\xe9\x80\xb5\xe9\x90\x9a\xe9\x9f\xbf"
	    "\xe9\xaf\xa4");
	expect_email(email, "value_error");
	label = unit_repeat("\xe4\xb8\xad", 21);
	snprintf(email, sizeof(email), "z@%s.org", label);
	expect_email(email, NULL);
	free(label);

	/* 55 ASCII letters and a u-umlaut: xn-- and 59 bytes, 63 in all. */
	label = unit_repeat("a", 55);
	snprintf(email, sizeof(email), "z@%s\xc3\xbc.org", label);
	cr_expect_null(pv_format_email_error(email, strlen(email)), "%s",
	    email);
	free(label);

	/* 56 and a u-umlaut: 64 bytes in all, rejected for its length. */
	label = unit_repeat("a", 56);
	snprintf(email, sizeof(email), "z@%s\xc3\xbc.org", label);
	cr_expect_str_eq(pv_format_email_error(email, strlen(email)),
	    "a label after the @-sign is longer than 63 bytes (in its xn-- "
	    "form when not ASCII)");
	free(label);

	/* 61 ASCII letters and one u-umlaut: 63 bytes, xn-- form longer. */
	label = unit_repeat("l", 61);
	snprintf(email, sizeof(email), "z@%s\xc3\xbc.org", label);
	expect_email(email, "value_error");
	free(label);
}

Test(format_email, max_bytes)
{
	char *domain, email[400];

	/* 1 + 1 + 248 + 4 = 254 bytes, then 255, in labels of 61 or 62. */
	domain = unit_repeat("dddddddddddddddddddddddddddddddddddddddddddd"
	    "ddddddddddddddddd.", 4);
	cr_assert_eq(strlen(domain), 248);
	domain[247] = 'd';
	snprintf(email, sizeof(email), "a@%s.org", domain);
	expect_email(email, NULL);
	snprintf(email, sizeof(email), "ab@%s.org", domain);
	expect_email(email, "string_too_long");
	free(domain);
}

static void
expect_date(const char *date, const char *type)
{
	char body[512];

	snprintf(body, sizeof(body), OPENED_HEAD "\"open_date\":\"%s\"}", date);
	if (type == NULL)
		unit_expect_ok(OPENED, body);
	else
		unit_expect(OPENED, body, "open_date", type);
}

Test(format_date, accepted)
{
	expect_date("2026-05-01T09:00:00Z", NULL);
	expect_date("2026-05-01T11:00:00+02:00", NULL);
	expect_date("2026-05-01t11:00:00.123456Z", NULL);
	expect_date("2026-05-01T11:00:00-23:59", NULL);
	expect_date("2024-02-29T00:00:00Z", NULL);
	expect_date("2000-02-29T00:00:00Z", NULL);
	expect_date("0001-01-01T00:00:00Z", NULL);
	expect_date("9999-12-31T23:59:59.999999Z", NULL);
	expect_date("0001-01-01T01:00:00+01:00", NULL);
	expect_date("9999-12-31T22:59:59-01:00", NULL);
}

Test(format_date, no_zone)
{
	const pv_violation *found;

	found = unit_expect(OPENED, OPENED_HEAD
	    "\"open_date\":\"2026-05-01T09:00:00\"}", "open_date",
	    "timezone_aware");
	cr_assert_str_eq(found->msg, "Input should have timezone info");
	expect_date("2026-05-01T09:00:00.5", "timezone_aware");
}

/* Python 3.11's datetime.fromisoformat takes a lower-case t, not a z. */
Test(format_date, lower_case_z_rejected)
{
	const pv_violation *found;

	found = unit_expect(OPENED, OPENED_HEAD
	    "\"open_date\":\"2026-05-01T09:00:00z\"}", "open_date",
	    "datetime_parsing");
	cr_assert_str_eq(found->msg, "Input should be a valid datetime, a "
	    "lower-case z is not accepted as the timezone, expected Z");
	cr_assert_str_eq(found->ctx_key, "error");
	expect_date("2026-05-01t09:00:00z", "datetime_parsing");
}

Test(format_date, rejected)
{
	expect_date("", "datetime_parsing");
	expect_date("2026-05-01", "datetime_parsing");
	expect_date("2026-05-01 09:00:00Z", "datetime_parsing");
	expect_date("2026/05/01T09:00:00Z", "datetime_parsing");
	expect_date("2026-13-01T09:00:00Z", "datetime_parsing");
	expect_date("2026-00-01T09:00:00Z", "datetime_parsing");
	expect_date("2026-04-31T09:00:00Z", "datetime_parsing");
	expect_date("2023-02-29T09:00:00Z", "datetime_parsing");
	expect_date("1900-02-29T09:00:00Z", "datetime_parsing");
	expect_date("2026-05-01T24:00:00Z", "datetime_parsing");
	expect_date("2026-05-01T09:60:00Z", "datetime_parsing");
	expect_date("2026-05-01T09:00:61Z", "datetime_parsing");
	expect_date("2026-12-31T23:59:60Z", "datetime_parsing");
	expect_date("0000-01-01T00:00:00Z", "datetime_parsing");
	expect_date("0001-01-01T00:59:59+01:00", "datetime_parsing");
	expect_date("9999-12-31T23:00:00-01:00", "datetime_parsing");
	expect_date("2026-05-01T09:00:00.Z", "datetime_parsing");
	expect_date("2026-05-01T09:00:00+24:00", "datetime_parsing");
	expect_date("2026-05-01T09:00:00+02:60", "datetime_parsing");
	expect_date("2026-05-01T09:00:00+0200", "datetime_parsing");
	expect_date("2026-05-01T09:00:00ZZ", "datetime_parsing");
	expect_date("2026-05-01T09:00:00 Z", "datetime_parsing");
	expect_date("+2026-05-01T09:00:00Z", "datetime_parsing");
}
