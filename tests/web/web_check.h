/*
 * web_check.h — checks every in-process web test makes of every answer
 * (web_check.c): documented in the OpenAPI document, its JSON as the
 * document's schema says, and a problem document of the one shape.
 */
#ifndef LT_TEST_WEB_CHECK_H
#define LT_TEST_WEB_CHECK_H

#include <stddef.h>

#include <jansson.h>

#include "web/web_int.h"

/* Build the OpenAPI document of `app` (once per test binary, in the group
 * setup; web_check_close releases it). Fails the test when it cannot. */
void web_check_open(const struct web_app *app);
void web_check_close(void);
/* The document (owned by web_check; NULL before web_check_open). */
json_t *web_check_openapi(void);
/* The value at a local JSON pointer of the document ("#/components/..."),
 * NULL when there is none. */
json_t *web_check_pointer(const char *ref);

/*
 * Check `rs`, the answer to `method` `target` sent with request id
 * `request_id`: an error of the API is a problem document of the one
 * shape; the status is documented for the operation (when a route
 * matched); a JSON body matches its documented schema. Fails the test
 * otherwise. Without web_check_open, only the shape is checked.
 */
void web_check_answer(const char *method, const char *target, const char *request_id,
                      const struct web_response *rs);
/* Fail the test naming `where` unless `v` matches `schema`. */
void web_check_schema(json_t *schema, json_t *v, const char *where);

/* Problem documents and JSON answers checked so far. */
size_t web_check_problems_seen(void);
size_t web_check_answers_seen(void);

#endif
