/*
 * pv-stream-dump: prints every message of a JetStream stream, one block
 * per message, for operators and the demo:
 *
 *   seq: 1
 *   subject: election.01HV6Z3R8Y5A0B9C7D2E4F6G8H.voter.VoterRegistered
 *   Event-Type: PhotoVote.Event.Voter.VoterRegistered
 *   Nats-Msg-Id: 6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e19
 *   body (168 bytes): {"id":...}
 *
 * Subjects, header values and bodies are printed with control
 * characters and malformed UTF-8 as \xHH, and bidirectional controls
 * as \uHHHH.  Messages are read by sequence with js_GetMsg, so no
 * consumer is created.  The credentials and TLS files
 * come from the handlers' settings (NATS_USER, NATS_TOKEN, NATS_CREDS,
 * NATS_CA... from the environment, then the .env file).  Exit status: 0
 * on success, 1 on a setting or broker error or when standard output
 * fails, 2 on a usage error (an invalid URL included).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nats/nats.h>

#include "pv_broker.h"
#include "pv_config.h"
#include "pv_log.h"
#include "pv_utf8.h"

extern char **environ;

/* Time-outs of the connection and of each JetStream request, in ms. */
#define CONNECT_TIMEOUT_MS 5000
#define REQUEST_TIMEOUT_MS 5000

static void
print_error(const char *what, const char *target, natsStatus s,
	jsErrCode code)
{
	natsStatus last = NATS_OK;
	const char *text = nats_GetLastError(&last);
	char shown[200], shown_target[600];

	/* For a JetStream error, nats.c keeps the server's description. */
	if (last != s || text == NULL || text[0] == '\0')
		text = natsStatus_GetText(s);
	text = pv_log_skip_location(text);
	pv_log_escape(shown, sizeof(shown), text, strlen(text), 160);
	pv_log_escape(shown_target, sizeof(shown_target), target,
	    strlen(target), 512);
	fprintf(stderr, "pv-stream-dump: %s %s failed: %s", what,
	    shown_target, shown);
	if (code != 0)
		fprintf(stderr, " (JetStream error %d)", (int)code);
	fputc('\n', stderr);
}

static const char *
header_or_dash(natsMsg *msg, const char *key)
{
	const char *value = NULL;

	if (natsMsgHeader_Get(msg, key, &value) != NATS_OK || value == NULL)
		return "-";
	return value;
}

/*
 * Returns true for the bidirectional formatting characters (ALM, LRM,
 * RLM, the embeddings, overrides and isolates), which make a terminal
 * show the rest of a line in another order.
 */
static bool
is_bidi_control(uint32_t cp)
{
	return cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Prints len bytes: valid UTF-8 as it is, other bytes (controls, NUL,
 * malformed sequences) as \xHH and bidirectional controls as \uHHHH,
 * which a JSON body reads as the same character.  A message from
 * another producer can then neither cut the output short, nor forge
 * lines, nor drive or reorder the terminal.
 */
static void
print_escaped(const char *bytes, size_t len)
{
	const unsigned char *s = (const unsigned char *)bytes;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = pv_utf8_decode(s + i, len - i, &cp);
		if (n == 0 || pv_utf8_is_control(cp)) {
			printf("\\x%02x", s[i]);
			i++;
			continue;
		}
		if (is_bidi_control(cp)) {
			printf("\\u%04x", (unsigned)cp);
			i += n;
			continue;
		}
		fwrite(s + i, 1, n, stdout);
		i += n;
	}
}

static void
print_header(natsMsg *msg, const char *key)
{
	const char *value = header_or_dash(msg, key);

	printf("%s: ", key);
	print_escaped(value, strlen(value));
	putchar('\n');
}

static void
print_message(natsMsg *msg)
{
	const char *subject = natsMsg_GetSubject(msg);
	int len = natsMsg_GetDataLength(msg);

	printf("seq: %" PRIu64 "\n", natsMsg_GetSequence(msg));
	fputs("subject: ", stdout);
	print_escaped(subject, strlen(subject));
	putchar('\n');
	print_header(msg, "Event-Type");
	print_header(msg, "Nats-Msg-Id");
	printf("body (%d bytes): ", len);
	print_escaped(natsMsg_GetData(msg), len > 0 ? (size_t)len : 0);
	fputs("\n\n", stdout);
}

/* Prints messages first..last; a deleted sequence is skipped. */
static int
dump_range(jsCtx *js, const char *stream, uint64_t first, uint64_t last)
{
	natsMsg *msg;
	jsErrCode code;
	natsStatus s;
	uint64_t seq;

	for (seq = first; seq != 0 && seq <= last; seq++) {
		msg = NULL;
		code = 0;
		s = js_GetMsg(&msg, js, stream, seq, NULL, &code);
		if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr)
			continue;
		if (s != NATS_OK) {
			print_error("reading a message of stream", stream, s,
			    code);
			return 1;
		}
		print_message(msg);
		natsMsg_Destroy(msg);
	}
	return 0;
}

static int
dump_stream(natsConnection *conn, const char *stream)
{
	jsStreamInfo *info = NULL;
	jsCtx *js = NULL;
	jsOptions opts;
	jsErrCode code = 0;
	natsStatus s;
	int rc = 1;

	jsOptions_Init(&opts);
	opts.Wait = REQUEST_TIMEOUT_MS;
	s = natsConnection_JetStream(&js, conn, &opts);
	if (s != NATS_OK) {
		print_error("opening JetStream for", stream, s, 0);
		goto out;
	}

	s = js_GetStreamInfo(&info, js, stream, NULL, &code);
	if (s != NATS_OK) {
		print_error("reading the info of stream", stream, s, code);
		goto out;
	}

	fprintf(stderr, "pv-stream-dump: stream %s contains %" PRIu64
	    " message%s\n", stream, info->State.Msgs,
	    info->State.Msgs == 1 ? "" : "s");
	rc = dump_range(js, stream, info->State.FirstSeq, info->State.LastSeq);

out:
	jsStreamInfo_Destroy(info);
	jsCtx_Destroy(js);
	return rc;
}

/*
 * Returns true for a name that JetStream accepts for a stream: not empty,
 * without white space, controls, '.', '*', '>', '/' or '\\'.
 */
static bool
is_stream_name(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || strchr(".*>/\\", *p) != NULL)
			return false;
	return true;
}

/*
 * Prints the usage text to OUT and returns CODE, or 1 when OUT is standard
 * output and writing failed (the text was the requested output).
 */
static int
usage(FILE *out, int code)
{
	fprintf(out, "usage: pv-stream-dump NATS_URL STREAM\n"
	    "Prints every message of the JetStream stream STREAM: "
	    "sequence, subject,\nEvent-Type, Nats-Msg-Id and body.  "
	    "Credentials and TLS files come from the\nhandlers' settings "
	    "(NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS, NATS_CA,\n"
	    "NATS_CERT, NATS_KEY, or MEMPHIS_USERNAME and MEMPHIS_PASSWORD) "
	    "in the\nenvironment or the .env file (PHOTOVOTE_ENV_FILE, or "
	    ".env in the current\ndirectory); every handler setting is "
	    "checked.\n");
	if (out == stdout && (fflush(out) != 0 || ferror(out)))
		return 1;
	return code;
}

/*
 * Connects to the servers of urls (a pv_config with the servers only)
 * with the credentials and TLS files of cfg.  TLS is required by the
 * URLs' scheme, NATS_CA or NATS_CERT, not by the handlers' own NATS_URL.
 * Returns nats.c's status, and the caller destroys *conn.
 */
static natsStatus
connect_broker(const pv_config *urls, const pv_config *cfg,
	natsConnection **conn)
{
	pv_config tls_cfg = *cfg;
	natsOptions *opts = NULL;
	natsStatus s;

	/* A shallow copy without the servers, so it is only read. */
	tls_cfg.server_count = 0;
	s = natsOptions_Create(&opts);
	if (s == NATS_OK)
		s = natsOptions_SetServers(opts, (const char **)urls->servers,
		    urls->server_count);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetAllowReconnect(opts, false);
	if (s == NATS_OK)
		s = pv_broker_set_credentials(opts, &tls_cfg);
	/* (nats.c 3.4.1 does not require TLS for a tls:// URL by itself.) */
	if (s == NATS_OK && pv_config_has_tls_urls(urls))
		s = natsOptions_SetSecure(opts, true);
	if (s == NATS_OK)
		s = natsConnection_Connect(conn, opts);
	natsOptions_Destroy(opts);
	return s;
}

int
main(int argc, char **argv)
{
	natsConnection *conn = NULL;
	char shown[512], warning[PV_CONFIG_WARNING_MAX];
	natsStatus s;
	pv_config cfg, urls;
	pv_error err;
	int i, rc = 1;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		return usage(stdout, 0);
	if (argc != 3)
		return usage(stderr, 2);

	/* The argument gets NATS_URL's checks, so its errors read alike. */
	memset(&urls, 0, sizeof(urls));
	pv_error_clear(&err);
	if (pv_config_parse_servers(&urls, "NATS_URL argument", argv[1],
	    &err) != PV_OK) {
		fprintf(stderr, "pv-stream-dump: %s\n", err.text);
		pv_config_free(&urls);
		return 2;
	}

	if (!is_stream_name(argv[2])) {
		fprintf(stderr, "pv-stream-dump: invalid stream name: a name "
		    "has no white space, control characters, '.', '*', '>', "
		    "'/' or '\\'\n");
		pv_config_free(&urls);
		return 2;
	}

	/* Any aggregate will do: only the broker settings are used. */
	if (pv_config_load(&cfg, "voter", environ, &err) != PV_OK) {
		fprintf(stderr, "pv-stream-dump: configuration: %s\n",
		    err.text);
		pv_config_free(&urls);
		return 1;
	}
	for (i = 0; pv_config_warning(&cfg, i, warning, sizeof(warning));
	    i++)
		fprintf(stderr, "pv-stream-dump: warning: %s\n", warning);

	/* The URL may contain a password, so it is shown without user info. */
	s = connect_broker(&urls, &cfg, &conn);
	if (s != NATS_OK) {
		print_error("connecting to", pv_config_redact_url(shown,
		    sizeof(shown), argv[1]), s, 0);
		goto out;
	}

	rc = dump_stream(conn, argv[2]);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "pv-stream-dump: writing to stdout failed\n");
		rc = 1;
	}

out:
	natsConnection_Destroy(conn);
	nats_Close();
	pv_config_free(&cfg);
	pv_config_free(&urls);
	return rc;
}
