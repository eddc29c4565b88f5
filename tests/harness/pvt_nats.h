/*
 * Reading a JetStream stream back with nats.c, for the integration tests.
 *
 * A pvt_nats wraps one connection and its JetStream context; it belongs
 * to one thread.  Messages are fetched by sequence with js_GetMsg, so
 * reading never creates a consumer.
 */
#ifndef PVT_NATS_H
#define PVT_NATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pvt_nats pvt_nats;

/* Connects to url; the caller frees *out with pvt_nats_close. */
bool pvt_nats_open(pvt_nats **out, const char *url);
void pvt_nats_close(pvt_nats *nats);

/*
 * Returns the JetStream context of nats (a jsCtx *, owned by nats), for
 * calls that this module does not wrap.
 */
void *pvt_nats_jetstream(pvt_nats *nats);

/* Returns true when url accepts a connection and responds to JetStream requests. */
bool pvt_nats_jetstream_ready(const char *url);

/* Counters of a stream; all 0 while the stream does not exist. */
typedef struct pvt_stream_state {
	bool exists;
	uint64_t messages;
	uint64_t last_seq;
} pvt_stream_state;

bool pvt_stream_state_get(pvt_nats *nats, const char *stream,
	pvt_stream_state *out);

/* A stored message; every string is owned and freed by pvt_stored_free. */
typedef struct pvt_stored {
	uint64_t seq;
	char *subject;
	char *event_type;	/* header values, NULL when absent */
	char *msg_id;
	char *content_type;
	char *producer;
	char *data;		/* NUL-terminated copy of the payload */
	size_t data_len;
} pvt_stored;

/* Fetches the message at seq in stream into *out. */
bool pvt_stored_get(pvt_nats *nats, const char *stream, uint64_t seq,
	pvt_stored *out);
void pvt_stored_free(pvt_stored *msg);

#endif
