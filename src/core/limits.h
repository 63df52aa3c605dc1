/*
 * limits.h — every ceiling that input can push against, in one place.
 *
 * Anything whose size an outsider controls — a request body, a CSV field, the
 * number of rows in an import, the length of a free-text description — has a
 * limit here, and the code that grows it refuses to pass it with LT_ETOOBIG
 * and a message that names the limit. Include as "core/limits.h".
 */
#ifndef LT_LIMITS_H
#define LT_LIMITS_H

/* HTTP (src/web/). */
#define LT_HTTP_BODY_MAX (64 * 1024)   /* bytes in one request body */
#define LT_HTTP_CONNECTIONS_MAX 512     /* open connections at once */
#define LT_HTTP_TIMEOUT_S 30            /* idle seconds before a connection is closed */
#define LT_HTTP_THREADS 4               /* libmicrohttpd worker threads */
#define LT_HTTP_PER_IP_MAX 64           /* connections from one address */
#define LT_HTTP_URL_MAX 2048            /* bytes of request target */
#define LT_HTTP_FORM_FIELDS_MAX 64      /* fields in one form submission */
#define LT_HTTP_JSON_DEPTH_MAX 8        /* nesting of arrays and objects in a JSON body */
#define LT_HTTP_DRAIN_MAX (4 * LT_HTTP_BODY_MAX) /* bytes of an oversized chunked body read
                                           and thrown away before the connection is closed */
#define LT_HTTP_PAGE_MAX (1024 * 1024)  /* bytes of one generated page or JSON answer */
#define LT_HTTP_CONNECTION_MEMORY (64 * 1024) /* bytes per connection for the request
                                           line and headers (libmicrohttpd's pool) */
#define LT_HTTP_WRITE_THREADS 64        /* threads of the write pool (server.c): requests
                                           waiting at once for the store's group commit */
#define LT_HTTP_WRITE_QUEUE_MAX LT_HTTP_CONNECTIONS_MAX /* requests queued for the write
                                           pool; more get 503 */
#define LT_API_PAGE_DEFAULT 50          /* items on one page of an API list without ?limit= */
#define LT_API_PAGE_MAX 200             /* items on one page of an API list, at most (?limit=) */
#define LT_API_CURSOR_MAX 64            /* characters of a list's ?cursor= */

/* CSV import (src/core/csv.c, import.c). */
#define LT_CSV_FIELD_MAX (16 * 1024)    /* bytes in one field */
#define LT_CSV_COLUMNS_MAX 64           /* columns in one row */
#define LT_IMPORT_ROWS_MAX 1000000      /* data rows in one file */
#define LT_IMPORT_FILE_MAX (256L * 1024 * 1024) /* bytes in one file */
#define LT_DIAGS_MAX 1000               /* errors reported in full per import */

/* Records (src/core/record.c). */
#define LT_TEXT_MAX 8000                /* bytes of a report's free-text description */
#define LT_NAME_MAX 200                 /* bytes of an agency or district name */
#define LT_CODE_MAX 64                  /* bytes of an agency code or case reference */
#define LT_CONTACT_MAX 500              /* bytes of a reporter's contact details */
#define LT_YEAR_MIN 1900                /* earliest year of any date */
#define LT_YEAR_MAX 2999                /* latest year of any date */

/* Statistics (src/stats/). */
#define LT_STATS_YEARS_MAX 200          /* years in one table */

/* Multiple systems estimation (src/mse/). */
#define LT_MSE_LISTS_MAX 16             /* lists (capture-history columns) in one table */
#define LT_MSE_NAME_MAX 32              /* bytes of one list name */
#define LT_MSE_ROWS_MAX 1000000         /* data rows in one capture-history CSV */
#define LT_MSE_COUNT_MAX 1000000000.0   /* cases in one row, and in one history after summing */
#define LT_MSE_TERMS_MAX 256            /* interaction terms in one model */
#define LT_MSE_PARAMS_MAX (1 + LT_MSE_LISTS_MAX + LT_MSE_TERMS_MAX) /* parameters of one fit */
#define LT_MSE_ITER_MAX 10000           /* ceiling on any iteration cap an MSE caller passes */

/* Record linkage (src/linkage/). */
#define LT_LINK_RECORDS_MAX 20000000    /* records in one linkage table */
#define LT_LINK_FIELDS_MAX 64           /* fields of one linkage table */
#define LT_LINK_STRING_MAX 128          /* code points of one value a comparator reads
                                           (link_compare.h); longer values are compared
                                           on their first LT_LINK_STRING_MAX */
#define LT_LINK_CANDIDATES_MAX 2000     /* persons the blind index hands to one likely-matches
                                           search (the newest first) */
#define LT_LINK_MATCHES_MAX 20          /* likely matches one answer lists */
#define LT_LINK_DECISIONS_MAX 100000    /* match decisions one linkage run respects */

/* Synthetic data (src/synth/, lantern synth). */
#define LT_SYNTH_PEOPLE_MAX 100000000   /* persons of one synthetic population */
#define LT_SYNTH_LISTS_MAX LT_MSE_LISTS_MAX /* lists drawn from it (2..16, as an estimate takes) */
#define LT_SYNTH_DEPS_MAX 8             /* dependences between its lists */

/* Audit chain (src/core/audit.c, src/store/). */
#define LT_AUDIT_CHECKPOINT_EVERY 1000  /* entries between the checkpoints a store with a
                                           signing key writes by itself */
#define LT_AUDIT_PURPOSE_MAX 200        /* bytes of the purpose stated for reading personal data */
#define LT_AUDIT_SHOW_MAX 100000        /* entries `lantern audit show` lists at once */

/* Accounts, passwords, tokens (src/core/access.c, password.c, throttle.c, src/crypto/). */
#define LT_EMAIL_MAX 255                /* bytes of an e-mail address, with its NUL */
#define LT_PASSWORD_MIN 12              /* characters of a password, at least (NIST SP 800-63B) */
#define LT_PASSWORD_MAX 1024            /* bytes of a password, at most */
#define LT_PASSWORD_HASH_MAX 128        /* bytes of a stored argon2id hash string, with its NUL */
#define LT_PASSWORD_HASHES_AT_ONCE 2    /* argon2id hashes computed at once, process-wide */
#define LT_TOKEN_LABEL_MAX 200          /* bytes of an API token's label */
#define LT_THROTTLE_KEY_MAX 320         /* bytes of a throttle key ("account:" + an e-mail) */
#define LT_THROTTLE_KEYS_MAX 1000000    /* keys one throttle may hold */

/* Web sign-in: sessions, form tokens, login throttles (src/web/auth.c). */
#define LT_SESSION_IDLE_S (30 * 60)     /* a session unused this long has ended */
#define LT_SESSION_ABSOLUTE_S (12 * 60 * 60) /* a session ends this long after sign-in */
#define LT_SESSION_TOUCH_S 60           /* a session's last use is written at most this often */
#define LT_SESSION_KEEP_S (7 * 24 * 60 * 60) /* expired sessions are deleted this long after */
#define LT_FORM_TOKEN_TTL_S (24 * 60 * 60) /* a signed form token (public form, sign-in form)
                                           is accepted this long after the page was served */
#define LT_LOGIN_THROTTLE_KEYS 10000    /* keys each sign-in throttle holds (accounts, addresses) */
#define LT_LOGIN_QUEUE_MAX 64           /* sign-ins waiting for the worker pool; more get 503 */
#define LT_HTTP_POOL_THREADS LT_PASSWORD_HASHES_AT_ONCE /* worker threads for routes that
                                           check a password (server.c) */

/* The store (src/store/). */
#define LT_STORE_QUEUE_MAX 1024         /* writes waiting for the writer thread at once; a
                                           writer that finds the queue full waits for room */

/* Records about people (src/core/person.c, src/store/store_sqlite_person.c). */
#define LT_PERSON_NAME_MAX 200          /* bytes of one name or alias */
#define LT_PERSON_ALIASES_MAX 8         /* aliases of one person */
#define LT_PERSON_LANGUAGES_MAX 8       /* languages of one person */
#define LT_CASE_PERSONS_MAX 64          /* persons one case is about */
#define LT_INDEX_WORDS_MAX 32           /* distinct words of a person's names that are indexed */
#define LT_INDEX_TERMS_MAX (1 + LT_PERSON_ALIASES_MAX + 5 * LT_INDEX_WORDS_MAX + 3) /* blind
                                           index terms of one person: names, words, two phonetic
                                           codes per word alone and with the year, date of birth */
#define LT_PERSON_FIND_MAX 100          /* persons one search returns */
#define LT_KEY_ROTATE_BATCH 64          /* persons re-encrypted in one transaction by
                                           `lantern key rotate` */

/* Pseudonymised reads (src/core/pseudo.h): what one person's answer holds at
 * most; a person with more says "truncated". */
#define LT_PSEUDO_REFERRALS_MAX 32      /* referrals of one person */
#define LT_PSEUDO_CASES_MAX 8           /* cases of one person */
#define LT_PSEUDO_ARRESTS_MAX 8         /* arrests of one case */

/* Subject access export (src/web/api_export.c, lantern person export). */
#define LT_EXPORT_MAX (64 * 1024 * 1024) /* bytes of one person's export document */

/* Messages. */
#define LT_MESSAGE_MAX 512              /* bytes of one error message */

#endif
