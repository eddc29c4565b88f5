/*
 * A publisher without a broker, linked into the request fuzz target in
 * place of the publisher (common/pv_publish.c, pv_broker.c and
 * pv_stream.c) so that every accepted event runs the whole pipeline up to
 * the publish.  Instead of publishing, it checks what pv_publish.c would
 * put into the subject and the headers.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "pv_publish.h"

struct pv_publisher {
	const pv_config *cfg;
};

pv_status
pv_publisher_new(pv_publisher **out, const pv_config *cfg,
	const pv_logger *log, pv_error *err)
{
	(void)log;
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return pv_error_set(err, PV_ERR_NOMEM, "out of memory");
	(*out)->cfg = cfg;
	return PV_OK;
}

pv_status
pv_publisher_publish(pv_publisher *pub, const pv_publish_msg *msg,
	pv_error *err)
{
	const char *dot = strrchr(msg->event_type, '.');

	(void)err;
	FUZZ_CHECK(pub != NULL);
	FUZZ_CHECK(fuzz_is_token(msg->event_id, 36));
	FUZZ_CHECK(fuzz_is_token(msg->election_id, 36));
	FUZZ_CHECK(dot != NULL && fuzz_is_token(dot + 1, 64));
	FUZZ_CHECK(msg->body_len > 0 && msg->body[0] == '{' &&
	    msg->body[msg->body_len - 1] == '}');
	return PV_OK;
}

pv_status
pv_publisher_health(pv_publisher *pub, pv_buf *out)
{
	(void)pub;
	return pv_buf_append_str(out, "{\"status\":\"ok\"}");
}

const char *
pv_publisher_producer(const pv_publisher *pub)
{
	(void)pub;
	return "fuzz-producer";
}

bool
pv_publisher_free(pv_publisher *pub, int timeout_ms)
{
	(void)timeout_ms;
	free(pub);
	return true;
}
