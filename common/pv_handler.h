/*
 * The request pipeline shared by every aggregate: route, check the
 * request, parse and validate the event, publish it, respond.
 */
#ifndef PV_HANDLER_H
#define PV_HANDLER_H

#include <stdbool.h>
#include <stddef.h>

#include "pv_buf.h"
#include "pv_catalog.h"
#include "pv_config.h"
#include "pv_json.h"
#include "pv_log.h"
#include "pv_publish.h"
#include "pv_request.h"
#include "pv_violation.h"

/* One route: the method and path that take one event type. */
typedef struct pv_route {
	const char *method;		/* "POST", "PUT" or "DELETE" */
	const char *path;		/* "/ballot/cast"; "/ballot/" for the root */
	const char *event_type;		/* "Ballot.BallotCast" */
} pv_route;

/* An aggregate's executable: its name and its route table. */
typedef struct pv_aggregate {
	const char *name;		/* "ballot": logs, subjects, producer */
	const pv_route *routes;
	size_t route_count;
} pv_aggregate;

/* The route tables of the five executables (fcgi/<name>.c). */
extern const pv_aggregate pv_ballot_aggregate;
extern const pv_aggregate pv_candidate_aggregate;
extern const pv_aggregate pv_competition_aggregate;
extern const pv_aggregate pv_election_aggregate;
extern const pv_aggregate pv_voter_aggregate;

/* State shared by all threads; read-only once requests are served. */
typedef struct pv_app {
	const pv_aggregate *aggregate;
	const pv_config *cfg;
	const pv_logger *log;
	pv_catalog *catalog;		/* owned */
	const pv_schema **schemas;	/* owned array: route i's schema */
	pv_publisher *publisher;	/* owned; locks internally */
	pv_buf openapi;			/* GET /<aggregate>/openapi.json */
} pv_app;

/* Per-thread scratch space, reused from request to request. */
typedef struct pv_worker {
	pv_json_parser *parser;
	pv_buf body;
	pv_buf out;
	pv_violations violations;
	char id_prefix[16];		/* random, for generated request ids */
	unsigned long long id_count;	/* requests this worker has tagged */
} pv_worker;

/*
 * Sets up app for aggregate: loads the catalogue, finds each route's
 * schema and creates the (not yet connected) publisher.  cfg and log must
 * outlive app.  The caller frees app with pv_app_free.
 */
pv_status pv_app_init(pv_app *app, const pv_aggregate *aggregate,
	const pv_config *cfg, const pv_logger *log, pv_error *err);

/*
 * Closes the broker connection (flushing up to timeout_ms) and frees.
 * Returns false when nats.c's threads did not stop in time: the cfg and
 * log given to pv_app_init must then stay allocated (pv_publisher_free).
 */
bool pv_app_free(pv_app *app, int timeout_ms);

pv_status pv_worker_init(pv_worker *w, pv_error *err);
void pv_worker_free(pv_worker *w);

/*
 * Handles one request from io and writes the whole response.  Besides
 * the event routes, every aggregate serves GET /<aggregate>/health
 * (broker state; 200 or 503) and GET /<aggregate>/openapi.json.  Never
 * fails: every problem becomes an HTTP status and a JSON body.  Returns
 * the status sent (for logs and tests).
 */
int pv_handle_request(const pv_app *app, pv_worker *w,
	const pv_request_io *io);

/*
 * Responds with 500 to a request in a FastCGI role other than responder
 * (authorizer, filter) and logs the role.  An authorizer's web server
 * takes the 500 as a denial.  Returns the status sent.
 */
int pv_handle_unsupported_role(const pv_app *app, pv_worker *w,
	const pv_request_io *io, int role);

#endif
