/*
 * nats-server processes for the fault tests: one JetStream server, or
 * three clustered ones, each on fixed 127.0.0.1 ports with its own store
 * directory, so that a test can kill, pause, resume and restart a server
 * and find its streams again.
 *
 * A pvt_broker owns its directory and process.  Every function prints
 * why it failed to stderr and reports it through its return value.
 */
#ifndef PVT_BROKER_H
#define PVT_BROKER_H

#include <stdbool.h>
#include <sys/types.h>

#include "pvt_proc.h"

/* Number of servers in a pvt_cluster. */
#define PVT_CLUSTER_SIZE 3

typedef struct pvt_broker {
	char dir[PVT_PATH_MAX];		/* store directory and server log */
	char name[16];			/* server_name, unique in a cluster */
	char url[64];			/* nats://127.0.0.1:<port> */
	char routes[256];		/* --routes value, empty when alone */
	int port;			/* client port */
	int cluster_port;		/* route port, 0 when alone */
	pid_t pid;			/* 0 while not running */
} pvt_broker;

typedef struct pvt_cluster {
	pvt_broker nodes[PVT_CLUSTER_SIZE];
	char urls[256];			/* every node's URL, comma-separated */
} pvt_cluster;

/*
 * Picks free ports and makes the directory of a single server named
 * name, without starting it.  The caller frees it with pvt_broker_free.
 */
bool pvt_broker_init(pvt_broker *broker, const char *name);

/*
 * Starts the server on its ports and store directory (again, after a
 * kill), without waiting for it.
 */
bool pvt_broker_start(pvt_broker *broker);

/* Waits until the server answers JetStream requests. */
bool pvt_broker_wait_ready(pvt_broker *broker, int timeout_ms);

/* Sends SIGKILL and reaps the process: no shutdown, no flush. */
bool pvt_broker_kill(pvt_broker *broker);

/*
 * Sends SIGSTOP (pause) or SIGCONT (resume) to the running server.  A
 * pause returns once every thread of the server has stopped.
 */
bool pvt_broker_pause(pvt_broker *broker);
bool pvt_broker_resume(pvt_broker *broker);

/*
 * Stops the server (resuming it first when paused) and removes its
 * directory.  Returns false when the server had to be killed.
 */
bool pvt_broker_free(pvt_broker *broker);

/*
 * Starts three servers with routes to each other, and waits until the
 * cluster has elected a JetStream meta leader.
 */
bool pvt_cluster_start(pvt_cluster *cluster, int timeout_ms);

/* Stops every node and removes their directories. */
bool pvt_cluster_free(pvt_cluster *cluster);

/* Returns the index of the node that leads stream, or -1. */
int pvt_cluster_stream_leader(pvt_cluster *cluster, const char *stream);

/* Deletes stream through the server at url. */
bool pvt_stream_delete(const char *url, const char *stream);

/*
 * Creates stream with the single subject pattern subjects (file storage,
 * one replica) through the server at url.
 */
bool pvt_stream_create(const char *url, const char *stream,
	const char *subjects);

/*
 * With full set, limits stream to the messages it holds, with discard
 * policy "new", so that it rejects every new message (a limit of 0 would
 * mean no limit); without, removes the limit again.  The stream
 * must receive no message meanwhile, because the server would then remove
 * its first message to meet the limit (the call then returns false).
 */
bool pvt_stream_set_full(const char *url, const char *stream, bool full);

#endif
