/* strdup with a strict -std=c11. */
#define _DEFAULT_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include "pvt_nats.h"

/* Time-outs for the test's own requests to the broker, in ms. */
#define CONNECT_TIMEOUT_MS 2000
#define REQUEST_TIMEOUT_MS 5000

struct pvt_nats {
	natsConnection *conn;
	jsCtx *js;
};

static void
report(const char *what, natsStatus s, jsErrCode code)
{
	fprintf(stderr, "pvt: %s failed: %s (JetStream error %d)\n", what,
	    natsStatus_GetText(s), (int)code);
}

bool
pvt_nats_open(pvt_nats **out, const char *url)
{
	natsOptions *opts = NULL;
	jsOptions jso;
	pvt_nats *nats;
	natsStatus s;

	*out = NULL;
	nats = calloc(1, sizeof(*nats));
	if (nats == NULL)
		return false;

	s = natsOptions_Create(&opts);
	if (s == NATS_OK)
		s = natsOptions_SetURL(opts, url);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetAllowReconnect(opts, false);
	if (s == NATS_OK)
		s = natsConnection_Connect(&nats->conn, opts);
	if (s == NATS_OK) {
		jsOptions_Init(&jso);
		jso.Wait = REQUEST_TIMEOUT_MS;
		s = natsConnection_JetStream(&nats->js, nats->conn, &jso);
	}
	natsOptions_Destroy(opts);

	if (s != NATS_OK) {
		pvt_nats_close(nats);
		return false;
	}
	*out = nats;
	return true;
}

void
pvt_nats_close(pvt_nats *nats)
{
	if (nats == NULL)
		return;
	jsCtx_Destroy(nats->js);
	natsConnection_Destroy(nats->conn);
	free(nats);
}

void *
pvt_nats_jetstream(pvt_nats *nats)
{
	return nats->js;
}

bool
pvt_nats_jetstream_ready(const char *url)
{
	jsAccountInfo *info = NULL;
	pvt_nats *nats;
	natsStatus s;

	if (!pvt_nats_open(&nats, url))
		return false;
	s = js_GetAccountInfo(&info, nats->js, NULL, NULL);
	jsAccountInfo_Destroy(info);
	pvt_nats_close(nats);
	return s == NATS_OK;
}

bool
pvt_stream_state_get(pvt_nats *nats, const char *stream,
	pvt_stream_state *out)
{
	jsStreamInfo *info = NULL;
	jsErrCode code = 0;
	natsStatus s;

	memset(out, 0, sizeof(*out));
	s = js_GetStreamInfo(&info, nats->js, stream, NULL, &code);
	if (s == NATS_NOT_FOUND || code == JSStreamNotFoundErr)
		return true;
	if (s != NATS_OK) {
		report("reading the stream info", s, code);
		return false;
	}

	out->exists = true;
	out->messages = info->State.Msgs;
	out->last_seq = info->State.LastSeq;
	jsStreamInfo_Destroy(info);
	return true;
}

/* Returns a copy of header key of msg, or NULL when it is absent. */
static char *
header_copy(natsMsg *msg, const char *key)
{
	const char *value = NULL;

	if (natsMsgHeader_Get(msg, key, &value) != NATS_OK || value == NULL)
		return NULL;
	return strdup(value);
}

bool
pvt_stored_get(pvt_nats *nats, const char *stream, uint64_t seq,
	pvt_stored *out)
{
	natsMsg *msg = NULL;
	jsErrCode code = 0;
	natsStatus s;
	int len;

	memset(out, 0, sizeof(*out));
	s = js_GetMsg(&msg, nats->js, stream, seq, NULL, &code);
	if (s != NATS_OK) {
		report("reading a stream message", s, code);
		return false;
	}

	len = natsMsg_GetDataLength(msg);
	out->seq = natsMsg_GetSequence(msg);
	out->subject = strdup(natsMsg_GetSubject(msg));
	out->event_type = header_copy(msg, "Event-Type");
	out->msg_id = header_copy(msg, "Nats-Msg-Id");
	out->content_type = header_copy(msg, "Content-Type");
	out->producer = header_copy(msg, "Producer");
	out->data = malloc((size_t)len + 1);
	if (out->data != NULL) {
		memcpy(out->data, natsMsg_GetData(msg), (size_t)len);
		out->data[len] = '\0';
		out->data_len = (size_t)len;
	}
	natsMsg_Destroy(msg);
	return out->subject != NULL && out->data != NULL;
}

void
pvt_stored_free(pvt_stored *msg)
{
	free(msg->subject);
	free(msg->event_type);
	free(msg->msg_id);
	free(msg->content_type);
	free(msg->producer);
	free(msg->data);
	memset(msg, 0, sizeof(*msg));
}
