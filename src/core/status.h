/*
 * status.h — the one status table of lantern.
 *
 * Every function that can fail returns an `lt_status`. The table below is
 * the single source of truth for each status: its symbol, its stable name
 * (used in JSON problem documents and logs), the sentence shown to a person,
 * the HTTP status a web front end answers with, and the exit code of the
 * command line. The detail of a failure — which field, which line, why —
 * travels beside the status in an `lt_error` (error.h).
 *
 * Pattern after libuv's UV_ERRNO_MAP: the X-macro is expanded once for the
 * enum and once for each lookup table in status.c, so the columns never
 * drift apart.
 */
#ifndef LT_STATUS_H
#define LT_STATUS_H

/* X(symbol, name, message, http, exit) */
#define LT_STATUS_MAP(X)                                                                  \
	X(LT_OK, "ok", "success", 200, 0)                                                  \
	X(LT_EINVAL, "invalid", "the input is not valid", 400, 1)                           \
	X(LT_EPARSE, "malformed", "the input could not be parsed", 400, 1)                  \
	X(LT_ETOOBIG, "too_large", "the input is larger than allowed", 413, 1)              \
	X(LT_ETOOLONG, "uri_too_long", "the address is too long", 414, 1)                   \
	X(LT_EMEDIATYPE, "unsupported_media_type", "that kind of content is not accepted here", \
	  415, 1)                                                                          \
	X(LT_ENOTFOUND, "not_found", "no such thing", 404, 1)                               \
	X(LT_EMETHOD, "method_not_allowed", "that method is not allowed here", 405, 1)      \
	X(LT_EFORBIDDEN, "forbidden", "not allowed from here", 403, 1)                      \
	X(LT_EAUTH, "unauthenticated", "sign in first: the credentials are missing, wrong or revoked", \
	  401, 1)                                                                          \
	X(LT_ETHROTTLED, "too_many_attempts", "too many failed attempts; wait and try again", 429, 1) \
	X(LT_EEXIST, "exists", "it already exists", 409, 1)                                 \
	X(LT_ENOMEM, "out_of_memory", "out of memory", 503, 1)                              \
	X(LT_EIO, "io_error", "a file could not be read or written", 500, 1)                \
	X(LT_ESTORE, "store_error", "the database failed", 500, 1)                          \
	X(LT_EBUSY, "busy", "the database is busy; try again", 503, 1)                      \
	X(LT_ESCHEMA, "schema_too_new", "the database was written by a newer lantern", 500, 1) \
	X(LT_ECRYPTO, "crypto_error", "a cryptographic operation failed", 500, 1)           \
	X(LT_ENOCONVERGE, "did_not_converge", "the fit did not converge", 422, 1)           \
	X(LT_ENOMLE, "no_mle", "the maximum likelihood estimate does not exist for this model and data", \
	  422, 1)                                                                          \
	X(LT_ENOTIDENT, "not_identifiable", "the model is not identifiable from this data", 422, 1) \
	X(LT_ECANCELED, "cancelled", "the computation was cancelled before it finished", 503, 1) \
	X(LT_EUSAGE, "usage", "the command was not used correctly", 400, 2)                 \
	X(LT_EINTERNAL, "internal", "an internal error occurred", 500, 1)

typedef enum {
#define LT_X_ENUM(sym, name, msg, http, ex) sym,
	LT_STATUS_MAP(LT_X_ENUM)
#undef LT_X_ENUM
	LT_STATUS_COUNT
} lt_status;

/* The stable machine name of a status ("invalid", "not_found", ...). Never NULL. */
const char *lt_status_name(lt_status s);
/* A sentence describing the status, for people. Never NULL. */
const char *lt_status_message(lt_status s);
/* The HTTP status code a web front end answers with. */
int lt_status_http(lt_status s);
/* The exit code of the command line: 0 ok, 1 failure, 2 usage. */
int lt_status_exit(lt_status s);

#endif
