/* Load driver and ledger for the fault tests; see pvt_load.h. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include "pvt_http.h"
#include "pvt_load.h"
#include "pvt_nats.h"
#include "pvt_proc.h"

/* Every event carries this election_id, so all share one subject. */
#define LOAD_ELECTION_ID "01HV6Z3R8Y5A0B9C7D2E4F6G8H"

/* pick_event results besides an event index. */
#define PICK_NONE_DUE (-1)
#define PICK_FINISHED (-2)

/* One event of the ledger. */
typedef struct load_event {
	char id[37];
	long long first_ms;	/* first send, pvt_now_ms */
	long long due_ms;	/* next send */
	int attempts;
	bool in_flight;
	bool done;		/* answered 200 */
	bool given_up;		/* deadline passed without a 200 */
} load_event;

struct pvt_load {
	pvt_load_options opts;
	pthread_mutex_t lock;		/* guards everything below */
	load_event *events;
	int capacity;
	int count;
	char prefix[9];			/* first UUID group, unique per run */
	long long start_ms;
	long long next_slot_ms;		/* earliest start of the next request */
	pvt_load_stats stats;
	pthread_t *threads;
	int started;
	bool held;			/* no request starts */
};

static void
sleep_ms(long long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* Waits for the next request slot of the global rate. */
static void
wait_for_slot(pvt_load *load)
{
	long long now = pvt_now_ms(), slot;

	pthread_mutex_lock(&load->lock);
	slot = load->next_slot_ms > now ? load->next_slot_ms : now;
	load->next_slot_ms = slot + 1000 / load->opts.rate;
	pthread_mutex_unlock(&load->lock);
	sleep_ms(slot - now);
}

/* Adds a new event; the lock is held. */
static int
new_event(pvt_load *load, long long now)
{
	load_event *event = &load->events[load->count];

	snprintf(event->id, sizeof(event->id), "%s-0000-4000-8000-%012x",
	    load->prefix, (unsigned)load->count);
	event->first_ms = now;
	load->stats.events++;
	return load->count++;
}

/*
 * Returns the event to send now: the retry due the longest, else a new
 * event while new ones may start.  The lock is held.
 */
static int
pick_event(pvt_load *load)
{
	long long now = pvt_now_ms();
	bool pending = false;
	int i, best = PICK_NONE_DUE;

	if (load->held)
		return PICK_NONE_DUE;
	for (i = 0; i < load->count; i++) {
		const load_event *event = &load->events[i];

		if (event->done || event->given_up)
			continue;
		pending = true;
		if (event->in_flight || event->due_ms > now)
			continue;
		if (best < 0 || event->due_ms < load->events[best].due_ms)
			best = i;
	}
	if (best < 0 && now < load->start_ms + load->opts.duration_ms &&
	    load->count < load->capacity)
		best = new_event(load, now);

	if (best >= 0) {
		load->events[best].in_flight = true;
		load->stats.in_flight++;
		return best;
	}
	return pending ? PICK_NONE_DUE : PICK_FINISHED;
}

/* A 503 must say when to retry and why, in JSON. */
static bool
is_proper_503(const pvt_http_response *resp)
{
	char *retry_after = pvt_http_header(resp, "Retry-After");
	char *type = pvt_http_header(resp, "Content-Type");
	bool proper;

	proper = retry_after != NULL && type != NULL &&
	    strcmp(type, "application/json") == 0 &&
	    strncmp(resp->body, "{\"detail\":", 10) == 0;
	free(retry_after);
	free(type);
	return proper;
}

/* Records one answer (status 0: none); the lock is held. */
static void
record(pvt_load *load, load_event *event, int status, bool proper,
	long long start, long long end)
{
	pvt_load_stats *stats = &load->stats;

	event->in_flight = false;
	event->attempts++;
	stats->in_flight--;
	stats->requests++;
	if (event->attempts > 1)
		stats->retries++;
	if (end - start > stats->max_ms)
		stats->max_ms = end - start;

	if (status == 200)
		stats->ok++;
	else if (status == 503)
		stats->unavailable++;
	else if (status == 0)
		stats->unanswered++;
	else
		stats->other++;
	if (status == 503 && !proper)
		stats->unavailable_bad++;

	if (status == 200) {
		event->done = true;
		stats->events_ok++;
	} else if (end - event->first_ms >= load->opts.retry_deadline_ms) {
		event->given_up = true;
		stats->events_given_up++;
	} else {
		event->due_ms = end + load->opts.retry_pause_ms;
	}
}

static void
send_event(pvt_load *load, int index)
{
	load_event *event = &load->events[index];
	pvt_http_request req = { "POST", "/ballot/cast", "application/json",
	    NULL, NULL, 0 };
	pvt_http_response resp;
	char body[192];
	long long start, end;
	bool answered, proper = false;
	int status = 0;

	/* The id is written once, before the event is first picked. */
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"ballot_id\":\"%s\","
	    "\"election_id\":\"" LOAD_ELECTION_ID "\"}", event->id, event->id);
	req.body = body;
	req.body_len = strlen(body);

	start = pvt_now_ms();
	answered = pvt_http_send(load->opts.http_port, &req,
	    load->opts.request_timeout_ms, &resp);
	end = pvt_now_ms();
	if (answered) {
		status = resp.status;
		proper = status == 503 && is_proper_503(&resp);
		pvt_http_response_free(&resp);
	}

	pthread_mutex_lock(&load->lock);
	record(load, event, status, proper, start, end);
	pthread_mutex_unlock(&load->lock);
}

static void *
worker_main(void *arg)
{
	pvt_load *load = arg;
	int index;

	for (;;) {
		wait_for_slot(load);
		pthread_mutex_lock(&load->lock);
		index = pick_event(load);
		pthread_mutex_unlock(&load->lock);

		if (index == PICK_FINISHED)
			break;
		if (index == PICK_NONE_DUE)
			continue;
		send_event(load, index);
	}
	return NULL;
}

/* Fills prefix with 8 hex digits that differ from run to run. */
static void
make_prefix(char *prefix, size_t size)
{
	FILE *f = fopen("/dev/urandom", "r");
	uint32_t value = (uint32_t)getpid() ^ (uint32_t)pvt_now_ms();

	if (f != NULL) {
		if (fread(&value, sizeof(value), 1, f) != 1)
			value ^= (uint32_t)time(NULL);
		fclose(f);
	}
	snprintf(prefix, size, "%08x", (unsigned)value);
}

bool
pvt_load_start(pvt_load **out, const pvt_load_options *opts)
{
	pvt_load *load;
	int i;

	*out = NULL;
	if (opts->rate < 1 || opts->rate > 1000 || opts->workers < 1)
		return false;
	load = calloc(1, sizeof(*load));
	if (load == NULL)
		return false;
	load->opts = *opts;
	load->capacity = (int)((long long)opts->rate * opts->duration_ms /
	    1000) + 1;
	load->events = calloc((size_t)load->capacity, sizeof(*load->events));
	load->threads = calloc((size_t)opts->workers, sizeof(*load->threads));
	if (load->events == NULL || load->threads == NULL ||
	    pthread_mutex_init(&load->lock, NULL) != 0) {
		free(load->events);
		free(load->threads);
		free(load);
		return false;
	}
	make_prefix(load->prefix, sizeof(load->prefix));
	load->start_ms = pvt_now_ms();
	load->next_slot_ms = load->start_ms;

	for (i = 0; i < opts->workers; i++) {
		if (pthread_create(&load->threads[i], NULL, worker_main,
		    load) != 0)
			break;
		load->started++;
	}
	*out = load;
	return load->started == opts->workers;
}

void
pvt_load_stats_get(pvt_load *load, pvt_load_stats *out)
{
	pthread_mutex_lock(&load->lock);
	*out = load->stats;
	pthread_mutex_unlock(&load->lock);
}

/* Threshold polled by the pvt_load_wait_* functions. */
typedef struct load_goal {
	pvt_load *load;
	int count;
	enum { GOAL_OK, GOAL_FAILED, GOAL_IN_FLIGHT, GOAL_IDLE } kind;
} load_goal;

static bool
goal_reached(void *arg)
{
	const load_goal *goal = arg;
	pvt_load_stats stats;

	pvt_load_stats_get(goal->load, &stats);
	switch (goal->kind) {
	case GOAL_OK:
		return stats.ok >= goal->count;
	case GOAL_FAILED:
		return stats.requests - stats.ok >= goal->count;
	case GOAL_IDLE:
		return stats.in_flight == 0;
	default:
		return stats.in_flight >= goal->count;
	}
}

bool
pvt_load_wait_ok(pvt_load *load, int count, int timeout_ms)
{
	load_goal goal = { load, count, GOAL_OK };

	return pvt_wait_until(goal_reached, &goal, 0, timeout_ms);
}

bool
pvt_load_wait_failed(pvt_load *load, int count, int timeout_ms)
{
	load_goal goal = { load, count, GOAL_FAILED };

	return pvt_wait_until(goal_reached, &goal, 0, timeout_ms);
}

bool
pvt_load_wait_in_flight(pvt_load *load, int timeout_ms)
{
	load_goal goal = { load, 1, GOAL_IN_FLIGHT };

	return pvt_wait_until(goal_reached, &goal, 0, timeout_ms);
}

bool
pvt_load_hold(pvt_load *load, bool hold, int timeout_ms)
{
	load_goal goal = { load, 0, GOAL_IDLE };

	pthread_mutex_lock(&load->lock);
	load->held = hold;
	pthread_mutex_unlock(&load->lock);
	return !hold || pvt_wait_until(goal_reached, &goal, 0, timeout_ms);
}

void
pvt_load_finish(pvt_load *load)
{
	int i;

	for (i = 0; i < load->started; i++)
		pthread_join(load->threads[i], NULL);
	load->started = 0;
}

/* Returns the ledger index of msg_id, or -1 for an id of no event. */
static int
ledger_index(const pvt_load *load, const char *msg_id)
{
	unsigned long index;
	char *end;

	if (msg_id == NULL || strlen(msg_id) != 36 ||
	    strncmp(msg_id, load->prefix, 8) != 0)
		return -1;
	index = strtoul(msg_id + 24, &end, 16);
	if (*end != '\0' || index >= (unsigned long)load->count ||
	    strcmp(load->events[index].id, msg_id) != 0)
		return -1;
	return (int)index;
}

/* Adds the message at seq to copies or *out; a deleted seq is skipped. */
static bool
count_message(pvt_load *load, jsCtx *js, const char *stream, uint64_t seq,
	int *copies, pvt_load_check *out)
{
	const char *msg_id = NULL;
	natsMsg *msg = NULL;
	jsErrCode code = 0;
	natsStatus s;
	int index;

	s = js_GetMsg(&msg, js, stream, seq, NULL, &code);
	if (s == NATS_NOT_FOUND)
		return true;
	if (s != NATS_OK) {
		fprintf(stderr, "pvt: reading message %llu of %s failed: %s "
		    "(JetStream error %d)\n", (unsigned long long)seq, stream,
		    natsStatus_GetText(s), (int)code);
		return false;
	}

	natsMsgHeader_Get(msg, "Nats-Msg-Id", &msg_id);
	index = ledger_index(load, msg_id);
	if (index < 0)
		out->unconfirmed++;
	else
		copies[index]++;
	out->stored++;
	natsMsg_Destroy(msg);
	return true;
}

/* Counts the copies of each ledger id in stream; *out gets the rest. */
static bool
count_copies(pvt_load *load, pvt_nats *nats, const char *stream,
	int *copies, pvt_load_check *out)
{
	jsCtx *js = pvt_nats_jetstream(nats);
	jsStreamInfo *info = NULL;
	jsErrCode code = 0;
	natsStatus s;
	uint64_t seq;
	bool ok = true;

	s = js_GetStreamInfo(&info, js, stream, NULL, &code);
	if (s != NATS_OK) {
		fprintf(stderr, "pvt: stream info of %s failed: %s (JetStream "
		    "error %d)\n", stream, natsStatus_GetText(s), (int)code);
		return false;
	}
	for (seq = info->State.FirstSeq; ok && seq > 0 &&
	    seq <= info->State.LastSeq; seq++)
		ok = count_message(load, js, stream, seq, copies, out);

	if (ok && (uint64_t)out->stored != info->State.Msgs) {
		fprintf(stderr, "pvt: read %d messages of %s, which holds "
		    "%llu\n", out->stored, stream,
		    (unsigned long long)info->State.Msgs);
		ok = false;
	}
	jsStreamInfo_Destroy(info);
	return ok;
}

bool
pvt_load_check_stream(pvt_load *load, const char *nats_url,
	const char *stream, long long since_ms, pvt_load_check *out)
{
	pvt_nats *nats = NULL;
	int *copies;
	bool ok = false;
	int i;

	memset(out, 0, sizeof(*out));
	copies = calloc((size_t)load->capacity, sizeof(*copies));
	if (copies == NULL || !pvt_nats_open(&nats, nats_url))
		goto out;
	if (!count_copies(load, nats, stream, copies, out))
		goto out;

	for (i = 0; i < load->count; i++) {
		const load_event *event = &load->events[i];

		if (copies[i] > 1)
			out->doubled += copies[i] - 1;
		if (copies[i] > 0 && !event->done)
			out->unconfirmed++;
		if (copies[i] == 0 && event->done && event->first_ms >= since_ms)
			out->lost++;
	}
	ok = true;

out:
	if (!ok)
		fprintf(stderr, "pvt: reading stream %s at %s failed\n", stream,
		    nats_url);
	pvt_nats_close(nats);
	free(copies);
	return ok;
}

void
pvt_load_report_header(FILE *f)
{
	fprintf(f, "%-24s %8s %6s %6s %6s %8s %7s %5s %8s %7s\n", "scenario",
	    "requests", "200", "503", "other", "retries", "stored", "lost",
	    "doubled", "max ms");
}

static void
report_row(FILE *f, const char *scenario, const pvt_load_stats *stats,
	const pvt_load_check *check)
{
	fprintf(f, "%-24s %8d %6d %6d %6d %8d %7d %5d %8d %7lld\n", scenario,
	    stats->requests, stats->ok, stats->unavailable,
	    stats->other + stats->unanswered, stats->retries, check->stored,
	    check->lost, check->doubled, stats->max_ms);
}

void
pvt_load_report(const char *scenario, const pvt_load_stats *stats,
	const pvt_load_check *check)
{
	const char *path = getenv("PVT_FAULT_REPORT");
	FILE *f;

	pvt_load_report_header(stderr);
	report_row(stderr, scenario, stats, check);
	fprintf(stderr, "%s: %d events, %d answered 200, %d given up, %d "
	    "unanswered requests, %d 503s that lack Retry-After, a JSON "
	    "detail or both (the web server's own), %d stored without a "
	    "200\n",
	    scenario, stats->events, stats->events_ok, stats->events_given_up,
	    stats->unanswered, stats->unavailable_bad, check->unconfirmed);

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	report_row(f, scenario, stats, check);
	fclose(f);
}

void
pvt_load_free(pvt_load *load)
{
	if (load == NULL)
		return;
	pvt_load_finish(load);
	pthread_mutex_destroy(&load->lock);
	free(load->events);
	free(load->threads);
	free(load);
}
