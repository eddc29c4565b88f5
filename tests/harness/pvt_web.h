/*
 * The other web servers of the hosting tests, next to the lighttpd of
 * pvt_stack: Apache with mod_fcgid, Apache running the handlers as CGI
 * programs (mod_cgid), and nginx in front of the handlers started by
 * spawn-fcgi.  Their configurations are generated from apache.conf.sample
 * and nginx.conf.sample.  All of them listen on free 127.0.0.1 ports and
 * keep their files in one temporary directory, removed when they stop.
 *
 * The servers are started as root, as Debian starts them, so Apache and
 * the nginx workers switch to www-data, and so do the handlers.
 */
#ifndef PVT_WEB_H
#define PVT_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pvt_proc.h"

/* The servers a hosting test can send to, lighttpd included. */
typedef enum pvt_server {
	PVT_LIGHTTPD = 0,
	PVT_APACHE_FCGID,
	PVT_APACHE_CGI,
	PVT_NGINX,
	PVT_SERVER_COUNT
} pvt_server;

/* Number of handler executables, one spawn-fcgi process each. */
#define PVT_AGGREGATES 5

typedef struct pvt_web {
	char dir[PVT_PATH_MAX];		/* configs, sockets, logs */
	char handlers[PVT_PATH_MAX];	/* copies of the *.fcgi in PV_BUILD */
	int apache_fcgid_port;
	int apache_cgi_port;
	int nginx_port;
	pid_t apache_fcgid_pid;
	pid_t apache_cgi_pid;
	pid_t nginx_pid;
	pid_t spawn_pids[PVT_AGGREGATES];
} pvt_web;

/* One literal string of a sample and what replaces it. */
typedef struct pvt_replacement {
	const char *from;
	const char *to;
} pvt_replacement;

/*
 * Copies the sample at sample_path to out_path, replacing every
 * occurrence of each from string, in order.  Fails when a from string
 * does not occur in the sample.
 */
bool pvt_sample_rewrite(const char *sample_path, const char *out_path,
	const pvt_replacement *replacements, size_t count);

/*
 * Starts both Apache instances, the five spawn-fcgi handlers and nginx,
 * with the handlers publishing to nats_url.  Reads PV_BUILD and
 * PV_SOURCE like pvt_stack_start.  On failure prints the logs, stops
 * what started and returns false.
 */
bool pvt_web_start(pvt_web *web, const char *nats_url);

/*
 * Stops every server that pvt_web_start started and removes the
 * directory.  Returns false when a server had to be killed.
 */
bool pvt_web_stop(pvt_web *web);

/* Environment variable that passes a server's port to the test processes. */
const char *pvt_server_env(pvt_server server);

/* Name of a server for messages: "apache-fcgid". */
const char *pvt_server_name(pvt_server server);

/* Publishes the ports for the test processes. */
bool pvt_web_export(const pvt_web *web);

/* Returns the port of server in this test process, or -1 when unset. */
int pvt_server_port(pvt_server server);

#endif
