/*
 * The event catalogue, compiled from the schema files embedded at build
 * time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv_catalog.h"

struct pv_catalog {
	size_t count;
	pv_schema **schemas;	/* sorted by event type */
};

/* Compiles source i into catalog->schemas[i] and checks its title. */
static pv_status
load_source(pv_catalog *catalog, size_t i, pv_error *err)
{
	const pv_schema_source *src = &pv_schema_sources[i];
	char file[160];
	pv_status status;

	snprintf(file, sizeof(file), "schemas/%s.json", src->event_type);

	/* pv_catalog_find relies on the order by bsearch. */
	if (i > 0 && strcmp(pv_schema_sources[i - 1].event_type,
	    src->event_type) >= 0)
		return pv_error_set(err, PV_ERR_INTERNAL,
		    "%s: embedded schemas are not sorted by event type", file);

	status = pv_schema_compile(&catalog->schemas[i], file, src->text, err);
	if (status != PV_OK)
		return status;
	catalog->count = i + 1;

	if (strcmp(pv_schema_event_type(catalog->schemas[i]),
	    src->event_type) != 0)
		return pv_error_set(err, PV_ERR_SCHEMA,
		    "%s: title \"%s\" differs from the file name", file,
		    pv_schema_event_type(catalog->schemas[i]));
	return PV_OK;
}

pv_status
pv_catalog_load(pv_catalog **out, pv_error *err)
{
	pv_catalog *catalog;
	pv_status status = PV_OK;
	size_t i;

	*out = NULL;
	catalog = calloc(1, sizeof(*catalog));
	if (catalog == NULL)
		return pv_error_set(err, PV_ERR_NOMEM, "out of memory");
	catalog->schemas = calloc(pv_schema_source_count + 1,
	    sizeof(*catalog->schemas));
	if (catalog->schemas == NULL) {
		status = pv_error_set(err, PV_ERR_NOMEM, "out of memory");
		goto fail;
	}

	for (i = 0; i < pv_schema_source_count; i++) {
		status = load_source(catalog, i, err);
		if (status != PV_OK)
			goto fail;
	}

	*out = catalog;
	return PV_OK;

fail:
	pv_catalog_free(catalog);
	return status;
}

void
pv_catalog_free(pv_catalog *catalog)
{
	size_t i;

	if (catalog == NULL)
		return;

	for (i = 0; i < catalog->count; i++)
		pv_schema_free(catalog->schemas[i]);
	free(catalog->schemas);
	free(catalog);
}

static int
compare_event_type(const void *key, const void *element)
{
	const pv_schema *const *schema = element;

	return strcmp(key, pv_schema_event_type(*schema));
}

const pv_schema *
pv_catalog_find(const pv_catalog *catalog, const char *event_type)
{
	pv_schema *const *found;

	found = bsearch(event_type, catalog->schemas, catalog->count,
	    sizeof(*catalog->schemas), compare_event_type);
	return found != NULL ? *found : NULL;
}

size_t
pv_catalog_count(const pv_catalog *catalog)
{
	return catalog->count;
}

const pv_schema *
pv_catalog_at(const pv_catalog *catalog, size_t i)
{
	return i < catalog->count ? catalog->schemas[i] : NULL;
}
