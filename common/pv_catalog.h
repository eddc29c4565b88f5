/*
 * The event catalogue: every event type's compiled schema.
 *
 * The schema files under schemas/ are embedded in the library at build
 * time (tools/embed_schemas.c writes pv_schema_sources), so an installed
 * handler reads no data files.
 */
#ifndef PV_CATALOG_H
#define PV_CATALOG_H

#include <stddef.h>

#include "pv_schema.h"
#include "pv_status.h"

/* One embedded schema file: its event type and its text. */
typedef struct pv_schema_source {
	const char *event_type;	/* file name without ".json" */
	const char *text;
} pv_schema_source;

/* Generated at build time from schemas/ *.json. */
extern const pv_schema_source pv_schema_sources[];
extern const size_t pv_schema_source_count;

typedef struct pv_catalog pv_catalog;

/*
 * Compiles every embedded schema.  A file whose "title" differs from its
 * name fails.  The caller frees *out with pv_catalog_free.
 */
pv_status pv_catalog_load(pv_catalog **out, pv_error *err);

void pv_catalog_free(pv_catalog *catalog);

/* Returns the schema of event_type ("Voter.VoterRegistered") or NULL. */
const pv_schema *pv_catalog_find(const pv_catalog *catalog,
	const char *event_type);

size_t pv_catalog_count(const pv_catalog *catalog);

/* Returns the schema at index i (0 <= i < count), in file name order. */
const pv_schema *pv_catalog_at(const pv_catalog *catalog, size_t i);

#endif
