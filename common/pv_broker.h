/*
 * Broker connection options shared by the handlers and the tools.
 */
#ifndef PV_BROKER_H
#define PV_BROKER_H

#include <nats/nats.h>

#include "pv_config.h"

/*
 * Sets on o the credentials of cfg (user and password, token, credentials
 * file) and its TLS files (CA, client certificate and key), and requires
 * TLS when cfg does.  Returns nats.c's status.  The caller keeps
 * ownership of o, and cfg is only read.
 */
natsStatus pv_broker_set_credentials(natsOptions *o, const pv_config *cfg);

#endif
