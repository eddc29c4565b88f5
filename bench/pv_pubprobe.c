/*
 * pv_pubprobe: the handlers' publish path alone, for the benchmark.
 *
 * Publishes Voter.VoterRegistered events through pv_publisher, as the
 * handlers do after validating a request, with no HTTP or FastCGI in
 * front: CONNECTIONS publishers (one broker connection each, as one
 * handler process has) with THREADS threads each, every thread
 * publishing one event at a time and waiting for its acknowledgement,
 * for SECONDS after one second of warm-up.  So it measures what
 * nats.c, nats-server and the publisher add to a request, with as many
 * events in flight as the handlers have requests.
 *
 * Settings come from the environment as for a handler (NATS_URL,
 * PHOTOVOTE_STREAMS...).  Prints one line of NAME=VALUE pairs:
 * published (acknowledged events in the measured period), failed,
 * seconds, rate, p50_us, p99_us, and acknowledged (events acknowledged
 * in all, warm-up included, to compare with what the stream gained).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pv_config.h"
#include "pv_log.h"
#include "pv_publish.h"
#include "pv_sched.h"

extern char **environ;

#define PROBE_CONNECTIONS_MAX	64
#define PROBE_THREADS_MAX	256

/* Latencies one thread keeps; a thread that fills it stops recording. */
#define PROBE_SAMPLES_MAX	(1 << 20)

/* A body like the one the handlers publish for the benchmark's event. */
static const char probe_body[] =
    "{\"id\":\"00000000-0000-4000-8000-000000000000\","
    "\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6VTR\","
    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\","
    "\"name\":\"Ada Lovelace\",\"email\":\"ada@example.org\"}";

/* The run, shared read-only by the threads once they start. */
typedef struct probe_run {
	pv_publisher *publishers[PROBE_CONNECTIONS_MAX];
	uint64_t id_prefix;	/* makes event ids unique across runs */
	int64_t measure_from_us;
	int64_t stop_at_us;
} probe_run;

/* One thread: its publisher, its number and what it measured. */
typedef struct probe_thread {
	const probe_run *run;
	pv_publisher *publisher;
	unsigned number;
	uint32_t *latency_us;
	size_t samples;
	uint64_t failed;
	uint64_t acknowledged;
	pthread_t id;
} probe_thread;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Publishes until the run ends, recording the measured period. */
static void *
probe_thread_main(void *arg)
{
	probe_thread *t = arg;
	struct timespec pause = { 0, 10 * 1000000L };
	char event_id[40];
	pv_publish_msg msg;
	uint64_t sequence = 0;
	int64_t start, end;
	pv_error err;
	pv_status st;

	msg.election_id = "01HV6Z3R8Y5A0B9C7D2E4F6G8H";
	msg.event_type = "Voter.VoterRegistered";
	msg.body = probe_body;
	msg.body_len = sizeof(probe_body) - 1;
	msg.event_id = event_id;

	while ((start = now_us()) < t->run->stop_at_us) {
		/* Each event its own id, or JetStream drops it as a repeat. */
		snprintf(event_id, sizeof(event_id), "%08x-%04x-4%03x-8%03x-"
		    "%012llx", (unsigned)(t->run->id_prefix >> 32),
		    (unsigned)(t->run->id_prefix & 0xffff), t->number & 0xfff,
		    (t->number >> 12) & 0xfff,
		    (unsigned long long)(sequence++ & 0xffffffffffffULL));
		pv_error_clear(&err);
		st = pv_publisher_publish(t->publisher, &msg, &err);
		end = now_us();

		/* A broker that is down fails at once: do not spin. */
		if (st != PV_OK)
			nanosleep(&pause, NULL);
		if (st == PV_OK)
			t->acknowledged++;
		if (start < t->run->measure_from_us)
			continue;
		if (st != PV_OK)
			t->failed++;
		else if (t->samples < PROBE_SAMPLES_MAX)
			t->latency_us[t->samples++] = (uint32_t)(end - start);
	}
	return NULL;
}

static int
compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Merges and sorts the threads' latencies; prints the result line. */
static int
report(probe_thread *threads, int count, double seconds)
{
	uint32_t *all;
	size_t total = 0, at = 0;
	uint64_t failed = 0, acknowledged = 0;
	int i;

	for (i = 0; i < count; i++) {
		total += threads[i].samples;
		failed += threads[i].failed;
		acknowledged += threads[i].acknowledged;
	}
	all = malloc((total > 0 ? total : 1) * sizeof(*all));
	if (all == NULL) {
		fprintf(stderr, "pv_pubprobe: out of memory\n");
		return 1;
	}
	for (i = 0; i < count; i++) {
		memcpy(all + at, threads[i].latency_us,
		    threads[i].samples * sizeof(*all));
		at += threads[i].samples;
	}
	qsort(all, total, sizeof(*all), compare_u32);

	printf("published=%zu failed=%llu seconds=%.2f rate=%.0f p50_us=%u "
	    "p99_us=%u acknowledged=%llu\n", total,
	    (unsigned long long)failed, seconds, (double)total / seconds,
	    total > 0 ? all[total / 2] : 0,
	    total > 0 ? all[(size_t)((double)(total - 1) * 0.99)] : 0,
	    (unsigned long long)acknowledged);
	free(all);
	return failed > 0;
}

/*
 * Starts connections * per_connection threads, thread i on publisher
 * i % connections as a handler's workers share one.  Returns how many
 * started; the caller joins them and frees their latency arrays.
 */
static int
start_threads(const probe_run *run, probe_thread *threads, int connections,
	int per_connection)
{
	int i;

	for (i = 0; i < connections * per_connection; i++) {
		threads[i].run = run;
		threads[i].publisher = run->publishers[i % connections];
		threads[i].number = (unsigned)i;
		threads[i].latency_us = malloc(PROBE_SAMPLES_MAX *
		    sizeof(uint32_t));
		if (threads[i].latency_us == NULL ||
		    pthread_create(&threads[i].id, NULL, probe_thread_main,
		    &threads[i]) != 0) {
			fprintf(stderr, "pv_pubprobe: cannot start thread %d\n",
			    i);
			free(threads[i].latency_us);
			threads[i].latency_us = NULL;
			return i;
		}
	}
	return i;
}

static void
usage(void)
{
	fprintf(stderr, "usage: pv_pubprobe CONNECTIONS THREADS SECONDS\n"
	    "  CONNECTIONS 1-%d, THREADS per connection 1-%d, SECONDS "
	    "1-600; settings from the environment as for a handler\n",
	    PROBE_CONNECTIONS_MAX, PROBE_THREADS_MAX);
	exit(2);
}

int
main(int argc, char **argv)
{
	static probe_run run;
	probe_thread *threads = NULL;
	int connections, per_connection, seconds, count = 0, i, status = 1;
	pv_config cfg;
	pv_logger log;
	pv_error err;

	if (argc != 4)
		usage();
	connections = atoi(argv[1]);
	per_connection = atoi(argv[2]);
	seconds = atoi(argv[3]);
	if (connections < 1 || connections > PROBE_CONNECTIONS_MAX ||
	    per_connection < 1 || per_connection > PROBE_THREADS_MAX ||
	    seconds < 1 || seconds > 600)
		usage();

	pv_log_init(&log, "voter", STDERR_FILENO);
	pv_error_clear(&err);
	if (pv_config_load(&cfg, "voter", environ, &err) != PV_OK) {
		fprintf(stderr, "pv_pubprobe: %s\n", err.text);
		pv_log_free(&log);
		return 1;
	}
	log.level = PV_LOG_WARNING;

	/* The policy a handler started like this process would serve under. */
	if (pv_sched_apply(&cfg, &err) != PV_OK)
		fprintf(stderr, "pv_pubprobe: %s\n", err.text);
	for (i = 0; i < connections; i++) {
		if (pv_publisher_new(&run.publishers[i], &cfg, &log, &err) !=
		    PV_OK) {
			fprintf(stderr, "pv_pubprobe: %s\n", err.text);
			goto out;
		}
	}

	threads = calloc((size_t)(connections * per_connection),
	    sizeof(*threads));
	if (threads == NULL) {
		fprintf(stderr, "pv_pubprobe: out of memory\n");
		goto out;
	}
	run.id_prefix = ((uint64_t)time(NULL) << 24) ^ (uint64_t)getpid();
	run.measure_from_us = now_us() + 1000000;
	run.stop_at_us = run.measure_from_us + (int64_t)seconds * 1000000;

	count = start_threads(&run, threads, connections, per_connection);
	for (i = 0; i < count; i++)
		pthread_join(threads[i].id, NULL);
	if (count == connections * per_connection)
		status = report(threads, count, (double)seconds);

out:
	for (i = 0; i < count; i++)
		free(threads[i].latency_us);
	free(threads);
	for (i = 0; i < connections; i++)
		if (run.publishers[i] != NULL)
			pv_publisher_free(run.publishers[i], 1000);
	pv_config_free(&cfg);
	pv_log_free(&log);
	return status;
}
