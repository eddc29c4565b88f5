/* nats-server processes for the fault tests; see pvt_broker.h. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <nats/nats.h>

#include "pvt_broker.h"
#include "pvt_nats.h"

#define STOP_TIMEOUT_MS 10000

static bool
jetstream_ready(void *arg)
{
	return pvt_nats_jetstream_ready(((pvt_broker *)arg)->url);
}

bool
pvt_broker_init(pvt_broker *broker, const char *name)
{
	memset(broker, 0, sizeof(*broker));
	snprintf(broker->name, sizeof(broker->name), "%s", name);
	broker->port = pvt_free_port();
	if (broker->port < 0 || !pvt_tmpdir_make(broker->dir,
	    sizeof(broker->dir), "broker"))
		return false;
	snprintf(broker->url, sizeof(broker->url), "nats://127.0.0.1:%d",
	    broker->port);
	return true;
}

bool
pvt_broker_start(pvt_broker *broker)
{
	char port[16], cluster[64], store[PVT_PATH_MAX + 8];
	char log[PVT_PATH_MAX + 24];
	char *argv[20] = { "nats-server", "-js", "-a", "127.0.0.1", "-p", port,
	    "-sd", store, "--server_name", broker->name, NULL };
	int argc = 10;

	snprintf(port, sizeof(port), "%d", broker->port);
	snprintf(store, sizeof(store), "%s/store", broker->dir);
	snprintf(log, sizeof(log), "%s/nats-server.log", broker->dir);
	if (broker->cluster_port > 0) {
		snprintf(cluster, sizeof(cluster), "nats://127.0.0.1:%d",
		    broker->cluster_port);
		argv[argc++] = "--cluster_name";
		argv[argc++] = "pvt";
		argv[argc++] = "--cluster";
		argv[argc++] = cluster;
		argv[argc++] = "--routes";
		argv[argc++] = broker->routes;
		argv[argc] = NULL;
	}

	broker->pid = pvt_spawn(argv, log);
	return broker->pid > 0;
}

bool
pvt_broker_wait_ready(pvt_broker *broker, int timeout_ms)
{
	char log[PVT_PATH_MAX + 24];

	if (pvt_wait_until(jetstream_ready, broker, broker->pid, timeout_ms))
		return true;
	fprintf(stderr, "pvt: nats-server %s at %s is not ready\n",
	    broker->name, broker->url);
	snprintf(log, sizeof(log), "%s/nats-server.log", broker->dir);
	pvt_print_tail(log, 4096);
	return false;
}

bool
pvt_broker_kill(pvt_broker *broker)
{
	if (broker->pid <= 0)
		return false;
	kill(broker->pid, SIGKILL);
	waitpid(broker->pid, NULL, 0);
	broker->pid = 0;
	return true;
}

bool
pvt_broker_pause(pvt_broker *broker)
{
	return broker->pid > 0 && pvt_pause(broker->pid, STOP_TIMEOUT_MS);
}

bool
pvt_broker_resume(pvt_broker *broker)
{
	return broker->pid > 0 && kill(broker->pid, SIGCONT) == 0;
}

bool
pvt_broker_free(pvt_broker *broker)
{
	bool clean = true;

	if (broker->pid > 0) {
		/* A paused process would not act on SIGTERM. */
		kill(broker->pid, SIGCONT);
		clean = pvt_stop(broker->pid, STOP_TIMEOUT_MS);
		broker->pid = 0;
	}
	clean = pvt_tmpdir_remove(broker->dir) && clean;
	broker->dir[0] = '\0';
	return clean;
}

/* Gives every node its route port and the routes to the other nodes. */
static bool
plan_cluster(pvt_cluster *cluster)
{
	char name[16];
	int i, j, n;

	for (i = 0; i < PVT_CLUSTER_SIZE; i++) {
		snprintf(name, sizeof(name), "n%d", i + 1);
		if (!pvt_broker_init(&cluster->nodes[i], name))
			return false;
		cluster->nodes[i].cluster_port = pvt_free_port();
		if (cluster->nodes[i].cluster_port < 0)
			return false;
	}

	for (i = 0; i < PVT_CLUSTER_SIZE; i++) {
		pvt_broker *node = &cluster->nodes[i];

		for (j = 0, n = 0; j < PVT_CLUSTER_SIZE; j++) {
			if (j == i)
				continue;
			n += snprintf(node->routes + n, sizeof(node->routes) -
			    (size_t)n, "%snats://127.0.0.1:%d", n > 0 ? "," : "",
			    cluster->nodes[j].cluster_port);
		}
	}
	return true;
}

bool
pvt_cluster_start(pvt_cluster *cluster, int timeout_ms)
{
	int i, n = 0;

	memset(cluster, 0, sizeof(*cluster));
	if (!plan_cluster(cluster))
		goto fail;

	for (i = 0; i < PVT_CLUSTER_SIZE; i++) {
		if (!pvt_broker_start(&cluster->nodes[i]))
			goto fail;
		n += snprintf(cluster->urls + n, sizeof(cluster->urls) -
		    (size_t)n, "%s%s", i > 0 ? "," : "", cluster->nodes[i].url);
	}

	/* Account info needs a meta leader, so one node answering is enough. */
	for (i = 0; i < PVT_CLUSTER_SIZE; i++)
		if (!pvt_broker_wait_ready(&cluster->nodes[i], timeout_ms))
			goto fail;
	return true;

fail:
	pvt_cluster_free(cluster);
	return false;
}

bool
pvt_cluster_free(pvt_cluster *cluster)
{
	bool clean = true;
	int i;

	for (i = 0; i < PVT_CLUSTER_SIZE; i++)
		clean = pvt_broker_free(&cluster->nodes[i]) && clean;
	return clean;
}

/* Opens a connection to the first node that accepts one. */
static pvt_nats *
open_any(pvt_cluster *cluster)
{
	pvt_nats *nats = NULL;
	int i;

	for (i = 0; i < PVT_CLUSTER_SIZE; i++)
		if (cluster->nodes[i].pid > 0 &&
		    pvt_nats_open(&nats, cluster->nodes[i].url))
			return nats;
	return NULL;
}

int
pvt_cluster_stream_leader(pvt_cluster *cluster, const char *stream)
{
	jsStreamInfo *info = NULL;
	jsErrCode code = 0;
	pvt_nats *nats;
	natsStatus s;
	int i, leader = -1;

	nats = open_any(cluster);
	if (nats == NULL)
		return -1;
	s = js_GetStreamInfo(&info, pvt_nats_jetstream(nats), stream, NULL,
	    &code);
	if (s == NATS_OK && info->Cluster != NULL &&
	    info->Cluster->Leader != NULL) {
		for (i = 0; i < PVT_CLUSTER_SIZE; i++)
			if (strcmp(cluster->nodes[i].name,
			    info->Cluster->Leader) == 0)
				leader = i;
	}
	if (s != NATS_OK)
		fprintf(stderr, "pvt: stream info of %s failed: %s (JetStream "
		    "error %d)\n", stream, natsStatus_GetText(s), (int)code);
	jsStreamInfo_Destroy(info);
	pvt_nats_close(nats);
	return leader;
}

bool
pvt_stream_delete(const char *url, const char *stream)
{
	jsErrCode code = 0;
	pvt_nats *nats;
	natsStatus s;

	if (!pvt_nats_open(&nats, url))
		return false;
	s = js_DeleteStream(pvt_nats_jetstream(nats), stream, NULL, &code);
	pvt_nats_close(nats);
	if (s != NATS_OK)
		fprintf(stderr, "pvt: deleting stream %s failed: %s (JetStream "
		    "error %d)\n", stream, natsStatus_GetText(s), (int)code);
	return s == NATS_OK;
}

bool
pvt_stream_create(const char *url, const char *stream, const char *subjects)
{
	const char *list[1] = { subjects };
	jsStreamConfig config;
	jsStreamInfo *info = NULL;
	jsErrCode code = 0;
	pvt_nats *nats;
	natsStatus s;

	if (!pvt_nats_open(&nats, url))
		return false;
	jsStreamConfig_Init(&config);
	config.Name = stream;
	config.Subjects = list;
	config.SubjectsLen = 1;
	config.Storage = js_FileStorage;
	s = js_AddStream(&info, pvt_nats_jetstream(nats), &config, NULL, &code);
	jsStreamInfo_Destroy(info);
	pvt_nats_close(nats);
	if (s != NATS_OK)
		fprintf(stderr, "pvt: creating stream %s failed: %s (JetStream "
		    "error %d)\n", stream, natsStatus_GetText(s), (int)code);
	return s == NATS_OK;
}

bool
pvt_stream_set_full(const char *url, const char *stream, bool full)
{
	jsStreamInfo *info = NULL, *updated = NULL;
	jsErrCode code = 0;
	bool trimmed = false;
	pvt_nats *nats;
	natsStatus s;

	if (!pvt_nats_open(&nats, url))
		return false;
	s = js_GetStreamInfo(&info, pvt_nats_jetstream(nats), stream, NULL,
	    &code);
	if (s == NATS_OK) {
		info->Config->MaxMsgs = full ? (int64_t)info->State.Msgs : -1;
		info->Config->Discard = full ? js_DiscardNew : js_DiscardOld;
		s = js_UpdateStream(&updated, pvt_nats_jetstream(nats),
		    info->Config, NULL, &code);
	}
	/* A message stored since the read makes the server drop the first. */
	if (s == NATS_OK)
		trimmed = updated->State.FirstSeq != info->State.FirstSeq;
	jsStreamInfo_Destroy(updated);
	jsStreamInfo_Destroy(info);
	pvt_nats_close(nats);
	if (s != NATS_OK)
		fprintf(stderr, "pvt: limiting stream %s failed: %s (JetStream "
		    "error %d)\n", stream, natsStatus_GetText(s), (int)code);
	if (trimmed)
		fprintf(stderr, "pvt: limiting stream %s removed its first "
		    "message: another one was stored meanwhile\n", stream);
	return s == NATS_OK && !trimmed;
}
