/*
 * web.h — lantern's HTTP front end: the public pages and the JSON API.
 *
 * The only module that includes <microhttpd.h> (server.c) and <jansson.h>.
 * It is an adapter: it parses requests, calls the core (records, store,
 * statistics, crypto) and turns results into pages, JSON and HTTP statuses.
 */
#ifndef LT_WEB_H
#define LT_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "crypto/crypto.h"
#include "store/store.h"

struct web_options {
	const char *listen; /* "HOST:PORT"; IPv4 dotted quad or "[::1]"; port 0 picks a free port */
	const char
	    *keyfile;     /* key file whose public key seals reporters' contact details
	                     (crypto.h); NULL: the form does not offer to leave contact details */
	unsigned threads; /* worker threads; 0 means LT_HTTP_THREADS */
	bool insecure_http; /* cookies without Secure (plain HTTP in a browser); refused unless
	                       `listen` is a loopback address */
	const struct lt_crypto_keyring *data_keys; /* the data key file's master keys (copied,
	                       and checked against the database); NULL: the routes of persons
	                       answer that there is no data key */
};

struct web_server;

/* Start serving `st` (which must outlive the server). Returns once the socket
 * is listening. */
lt_status web_server_start(struct store *st, const struct web_options *o, struct web_server **out,
                           struct lt_error *err);
/* The port actually bound (useful with port 0). */
unsigned web_server_port(const struct web_server *srv);
/* Stop accepting, finish the requests in flight, free everything. */
void web_server_stop(struct web_server *srv);

/*
 * The subject access export `x` as the one JSON document that GET
 * /api/v1/persons/{id}/export answers and `lantern person export` writes
 * (api_export.c): `generated` is the caller's clock (seconds since 1970),
 * `pretty` indents it. *out is heap text of *len bytes (NUL-terminated)
 * holding personal data: free it with web_export_free, which wipes it.
 * LT_ENOMEM, or LT_ETOOBIG past LT_EXPORT_MAX.
 */
lt_status web_export_json(const struct store_person_export *x, int64_t generated, bool pretty,
                          char **out, size_t *len, struct lt_error *err);
void web_export_free(char *text, size_t len);

#endif
