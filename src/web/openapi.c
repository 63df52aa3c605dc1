/*
 * openapi.c — GET /api/v1/openapi.json: the OpenAPI 3.1 document of every
 * route, generated from the route table.
 *
 * Nothing here is written by hand twice. Each row of web_routes (route.c)
 * gives the method, the path, who may call (access, action, CSRF kind),
 * whether it checks a password, a sentence of description, and a pointer
 * to its `struct web_api_doc`: a summary, a tag, its documented query and
 * path parameters, its request bodies and its answers, the error statuses
 * of its handler's own, and for a list the schema of one item. From these:
 *
 *   - paths: one path item per path, one operation per row, named
 *     "<method>_<path as an identifier>"; a {name} segment of the path is a
 *     path parameter (documented in the doc, or a plain string);
 *   - security: from the access column — nothing for the public; the
 *     session cookie (scheme "session") for staff routes; an API token
 *     (scheme "bearer", HTTP Bearer) or the session cookie for a principal;
 *     and, for an unsafe API call made with the cookie, the session's CSRF
 *     token in X-CSRF-Token (scheme "csrf", required together with the
 *     cookie). The action of core/access.h the route needs is named in
 *     "x-lantern-action", with each role that holds it and its scopes in
 *     the description, read from the access table;
 *   - request bodies: JSON text, or an object built from a field table —
 *     lt_report_fields (record.h), whose members are typed by the doc's
 *     `types`, or a table of lt_pfield (person.h), typed by its flags —
 *     with each field's `format` as its description and its `required`;
 *     vocabularies (forms, places, districts, countries, ...) become enums
 *     of their codes from core/taxonomy.h;
 *   - answers: those of the doc; for a list (paging.c), the page envelope
 *     {"items": [...], "next": ...} with its Link header and the `limit`
 *     and `cursor` parameters; for a staff page, the redirect to /login;
 *     and every error status the route can return: those its row implies
 *     (below) and its handler's own, grouped by HTTP status, each naming
 *     the problem types (urn:lantern:problem:<name>) it may carry, with the
 *     RFC 9457 problem schema, component "Problem", for the API and an HTML
 *     page for pages;
 *   - components: the named schemas met on the way (written once and
 *     referred to with $ref), "Problem", and the three security schemes.
 *
 * The errors a row implies: every route 400 (a malformed %-escape in the
 * path), 413, 414, 500 and 503 (the store, the server, memory); a route
 * that is not public 401 (API) and 403; a route with an action 403; an
 * unsafe API route that is not public 403 (the CSRF header); a page form
 * 400, 403 (its token), 413 and 415; a route that takes a body 400 and 415;
 * a route with query parameters, or a list, 400; a sign-in (WEB_POOL_SIGNIN)
 * 429 with Retry-After; a route served by a worker pool (web_route_pool: the
 * sign-ins and the writes) 503 with Retry-After. tests/web/test_web.c checks that every error any
 * in-process test meets is documented for its operation, and that every
 * row is in the document with its summary and answers.
 *
 * The document is built on each request (a few milliseconds; it is asked
 * for rarely) with jansson; the only thing in it that depends on the
 * server is the session cookie's name (with the __Host- prefix unless
 * --insecure-http). A JSON text fragment of a doc that does not parse is a
 * bug, caught by the tests.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

/* The state of one build. */
struct gen {
	const struct web_app *app;
	json_t *schemas; /* components.schemas, being filled */
	bool failed;     /* out of memory somewhere: the build fails */
};

/* Set obj[key] = v (consumed); remember a failure. Returns v. */
static json_t *put(struct gen *g, json_t *obj, const char *key, json_t *v)
{
	/* json_object_set_new consumes v even when it fails (obj NULL). */
	if (!v || json_object_set_new(obj, key, v) != 0) {
		g->failed = true;
		return NULL;
	}
	return v;
}

/* Append v (consumed) to the array a; remember a failure. */
static void push(struct gen *g, json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v) != 0)
		g->failed = true;
}

/* A JSON text of a doc, parsed. A text that does not parse is a bug. */
static json_t *parse(struct gen *g, const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	if (!v && strstr(e.text, "memory")) {
		g->failed = true;
		return NULL;
	}
	if (!v)
		LT_BUG("a JSON text of the route docs does not parse: %s at %d: %s", e.text,
		       e.column, text);
	return v;
}

static json_t *str(const char *s)
{
	return json_string(s);
}

/* ---- schemas ------------------------------------------------------------ */

static json_t *schema_of(struct gen *g, const struct web_api_schema *s);

/* Let `schema` also be null: in its "type" and in its "enum". */
static void add_null(struct gen *g, json_t *schema)
{
	json_t *type = json_object_get(schema, "type");
	json_t *en = json_object_get(schema, "enum");
	if (json_is_string(type)) {
		json_t *both = json_pack("[s, s]", json_string_value(type), "null");
		put(g, schema, "type", both);
	} else if (json_is_array(type)) {
		bool has = false;
		size_t i;
		json_t *t;
		json_array_foreach(type, i, t) has = has || strcmp(json_string_value(t), "null") == 0;
		if (!has)
			push(g, type, str("null"));
	}
	if (json_is_array(en))
		push(g, en, json_null());
}

/* {"type": "string", "enum": [codes of v]}. */
static json_t *vocab_schema(struct gen *g, const struct lt_vocab *v)
{
	json_t *en = json_array();
	for (size_t i = 0; i < v->count; i++)
		push(g, en, str(v->terms[i].code));
	return json_pack("{s:s, s:o}", "type", "string", "enum", en);
}

/* The schema of member `name` of a field table, as `s` types it. */
static json_t *member_schema(struct gen *g, const struct web_api_schema *s, const char *name,
                             bool *own)
{
	json_t *out;
	*own = false;
	for (const struct web_api_member *t = s->types; t && t->name; t++) {
		if (strcmp(t->name, name) != 0)
			continue;
		if (t->schema) {
			*own = true;
			out = parse(g, t->schema);
		} else if (t->array_of) {
			*own = true;
			out = json_pack("{s:s, s:o}", "type", "array", "items",
			                schema_of(g, t->array_of));
		} else {
			LT_ASSERT(t->vocab);
			out = vocab_schema(g, t->vocab);
			if (t->list)
				out = json_pack("{s:s, s:o, s:i}", "type", "array", "items", out,
				                "minItems", 1);
		}
		if (out && t->description)
			put(g, out, "description", str(t->description));
		return out;
	}
	return json_pack("{s:s}", "type", "string");
}

static bool omitted(const struct web_api_schema *s, const char *name)
{
	for (const char *const *o = s->omit; o && *o; o++)
		if (strcmp(*o, name) == 0)
			return true;
	return false;
}

/* Add member `name` to an object schema's properties and required. */
static void member_add(struct gen *g, const struct web_api_schema *s, json_t *props,
                       json_t *required, const char *name, bool table_required,
                       const char *description, json_t *schema, bool own)
{
	if (!schema) {
		g->failed = true;
		return;
	}
	if (s->nullable && !table_required && !own)
		add_null(g, schema);
	if (description && !json_object_get(schema, "description"))
		put(g, schema, "description", str(description));
	put(g, props, name, schema);
	if (s->all_required || (table_required && !s->none_required))
		push(g, required, str(name));
}

/* An object whose members are a field table's. */
static json_t *fields_schema(struct gen *g, const struct web_api_schema *s)
{
	json_t *obj = json_pack("{s:s}", "type", "object");
	json_t *props = json_object(), *required = json_array();
	bool own;

	for (size_t i = 0; s->fields && i < *s->nfields; i++) {
		const struct lt_field *f = &s->fields[i];
		if (omitted(s, f->name))
			continue;
		json_t *m = member_schema(g, s, f->name, &own);
		member_add(g, s, props, required, f->name, f->required, f->format, m, own);
	}
	for (size_t i = 0; s->pfields && i < *s->npfields; i++) {
		const struct lt_pfield *f = &s->pfields[i];
		json_t *m;
		if (omitted(s, f->name))
			continue;
		own = false;
		if (s->types)
			m = member_schema(g, s, f->name, &own);
		else
			m = NULL;
		if (!own) {
			json_decref(m);
			m = f->flags & LT_PF_LIST
			        ? json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "string")
			    : f->flags & LT_PF_BOOL ? json_pack("{s:s}", "type", "boolean")
			    : f->flags & LT_PF_ID   ? json_pack("{s:s, s:i}", "type", "integer",
			                                        "minimum", 1)
			                            : json_pack("{s:s}", "type", "string");
		}
		member_add(g, s, props, required, f->name, (f->flags & LT_PF_REQUIRED) != 0,
		           f->format, m, own);
	}
	if (s->extra) {
		json_t *extra = parse(g, s->extra);
		const char *key;
		json_t *v;
		json_object_foreach(extra, key, v) put(g, props, key, json_incref(v));
		if (s->all_required)
			json_object_foreach(extra, key, v) push(g, required, str(key));
		for (const char *const *r = s->extra_required; r && *r && !s->all_required; r++)
			push(g, required, str(*r));
		json_decref(extra);
	}
	put(g, obj, "properties", props);
	if (json_array_size(required))
		put(g, obj, "required", required);
	else
		json_decref(required);
	if (s->closed)
		put(g, obj, "additionalProperties", json_false());
	return obj;
}

/* The schema itself, never a reference. */
static json_t *schema_body(struct gen *g, const struct web_api_schema *s)
{
	json_t *out;
	if (s->json)
		out = parse(g, s->json);
	else if (s->items)
		out = json_pack("{s:s, s:o}", "type", "array", "items", schema_of(g, s->items));
	else
		out = fields_schema(g, s);
	if (out && s->description && !json_object_get(out, "description"))
		put(g, out, "description", str(s->description));
	if (!out)
		g->failed = true;
	return out;
}

static json_t *ref_to(const char *name)
{
	char ref[128];
	snprintf(ref, sizeof(ref), "#/components/schemas/%s", name);
	return json_pack("{s:s}", "$ref", ref);
}

/* A schema, or a reference to it as a component (written the first time). */
static json_t *schema_of(struct gen *g, const struct web_api_schema *s)
{
	if (!s->name)
		return schema_body(g, s);
	if (!json_object_get(g->schemas, s->name)) {
		/* A placeholder first, so a schema that refers to itself ends. */
		put(g, g->schemas, s->name, json_object());
		put(g, g->schemas, s->name, schema_body(g, s));
	}
	return ref_to(s->name);
}

/* The RFC 9457 problem document, as route.c writes it. */
static json_t *problem_schema(struct gen *g)
{
	json_t *types = json_array();
	for (int st = 0; st < LT_STATUS_COUNT; st++) {
		char urn[96];
		if (st == LT_OK || lt_status_http((lt_status)st) < 400)
			continue;
		snprintf(urn, sizeof(urn), "urn:lantern:problem:%s", lt_status_name((lt_status)st));
		push(g, types, str(urn));
	}
	json_t *p = parse(
	    g, "{\"type\":\"object\",\"description\":\"An error (RFC 9457). `errors` names each "
	       "field or parameter at fault, one entry each.\","
	       "\"required\":[\"type\",\"title\",\"status\",\"detail\",\"request_id\"],"
	       "\"additionalProperties\":false,\"properties\":{"
	       "\"type\":{\"type\":\"string\",\"format\":\"uri\",\"description\":\"The kind of "
	       "error: urn:lantern:problem:<name>, one row of lantern's status table.\"},"
	       "\"title\":{\"type\":\"string\",\"description\":\"The status table's sentence for "
	       "that kind.\"},"
	       "\"status\":{\"type\":\"integer\",\"minimum\":400,\"maximum\":599},"
	       "\"detail\":{\"type\":\"string\",\"description\":\"What went wrong this time.\"},"
	       "\"request_id\":{\"type\":\"string\",\"description\":\"The request's id, as in "
	       "the server's log.\"},"
	       "\"errors\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"type\":\"object\","
	       "\"required\":[\"field\",\"detail\"],\"additionalProperties\":false,"
	       "\"properties\":{\"field\":{\"type\":\"string\",\"minLength\":1},"
	       "\"detail\":{\"type\":\"string\"}}}}}}");
	json_t *type = json_object_get(json_object_get(p, "properties"), "type");
	put(g, type, "enum", types);
	return p;
}

/* ---- operations ---------------------------------------------------------- */

static bool method_unsafe(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

static const char *access_code(enum web_access a)
{
	switch (a) {
	case WEB_ACCESS_PUBLIC:
		return "public";
	case WEB_ACCESS_SESSION:
		return "session";
	case WEB_ACCESS_PRINCIPAL:
		return "principal";
	}
	LT_BUG("access %d", (int)a);
}

/* The operation's description: the row's sentence, who may call it, and
 * what calling it takes. */
static json_t *op_description(const struct web_route *r)
{
	struct lt_buf b;
	json_t *out = NULL;
	lt_status st;
	bool api = r->kind == WEB_KIND_API;

	lt_buf_init(&b, 4096);
	st = lt_buf_puts(&b, r->description);
	if (st == LT_OK)
		st = lt_buf_puts(&b, r->access == WEB_ACCESS_PUBLIC ? "\n\nOpen to anyone."
		                     : r->access == WEB_ACCESS_SESSION
		                         ? "\n\nFor a member of staff signed in with the session "
		                           "cookie (an API token cannot use it)."
		                         : "\n\nFor a principal: a partner system with its API token "
		                           "(Authorization: Bearer), or a member of staff signed in "
		                           "with the session cookie.");
	if (st == LT_OK && r->action != WEB_NO_ACTION) {
		const struct lt_action_info *a = lt_action_info((enum lt_action)r->action);
		bool first = true;
		st = lt_buf_printf(&b, " Needs the action %s (%s): ", a->code, a->label);
		for (size_t role = 0; st == LT_OK && role < LT_ROLE_COUNT; role++) {
			if (!a->scopes[role])
				continue;
			st = lt_buf_printf(&b, "%s%s on ", first ? "" : "; ",
			                   lt_vocab_term(&lt_vocab_role, role)->code);
			first = false;
			bool first_scope = true;
			for (unsigned k = 0; st == LT_OK && k < LT_SCOPE_COUNT; k++)
				if (a->scopes[role] & (1u << k)) {
					st = lt_buf_printf(&b, "%s%s", first_scope ? "" : " and ",
					                   lt_scope_code(k));
					first_scope = false;
				}
			if (st == LT_OK)
				st = lt_buf_puts(&b, " records");
		}
		if (st == LT_OK)
			st = lt_buf_puts(&b, first ? "no role holds it." : ".");
	}
	if (st == LT_OK && api && r->access != WEB_ACCESS_PUBLIC && method_unsafe(r->method))
		st = lt_buf_puts(&b, " Called with the session cookie, it needs the session's CSRF "
		                     "token in X-CSRF-Token.");
	if (st == LT_OK && r->csrf == WEB_CSRF_SESSION)
		st = lt_buf_puts(&b, " The form carries the session's CSRF token as `csrf`.");
	if (st == LT_OK && r->csrf == WEB_CSRF_FORM)
		st = lt_buf_puts(&b, " The form carries the signed token of the page as `csrf`; a "
		                     "refused token shows the form again (403) with what was typed.");
	if (st == LT_OK && r->csrf == WEB_CSRF_LOGIN)
		st = lt_buf_puts(&b, " The form carries the signed token of the page as `csrf`, "
		                     "bound to the login cookie.");
	if (st == LT_OK && r->offload == WEB_POOL_SIGNIN)
		st = lt_buf_puts(&b, " It checks a password on the sign-in workers: 429 with "
		                     "Retry-After after repeated failures, 503 with Retry-After when "
		                     "too many sign-ins wait.");
	if (st == LT_OK && r->doc->page_of)
		st = lt_buf_printf(&b, " A list: `limit` (1 to %d, default %d) items a page, and "
		                       "`cursor`, the `next` of the page before.",
		                   LT_API_PAGE_MAX, LT_API_PAGE_DEFAULT);
	if (st == LT_OK)
		out = json_stringn(lt_buf_str(&b), b.len);
	lt_buf_release(&b);
	return out;
}

/* security: who may call, as OpenAPI security requirements. */
static json_t *op_security(const struct web_route *r)
{
	bool csrf = r->kind == WEB_KIND_API && method_unsafe(r->method);
	json_t *session = csrf ? json_pack("{s:[], s:[]}", "session", "csrf")
	                       : json_pack("{s:[]}", "session");
	switch (r->access) {
	case WEB_ACCESS_PUBLIC:
		json_decref(session);
		return json_array();
	case WEB_ACCESS_SESSION:
		return json_pack("[o]", session);
	case WEB_ACCESS_PRINCIPAL:
		return json_pack("[{s:[]}, o]", "bearer", session);
	}
	LT_BUG("access %d", (int)r->access);
}

static json_t *param_json(struct gen *g, const struct web_api_param *p)
{
	json_t *o = json_pack("{s:s, s:s, s:b}", "name", p->name, "in",
	                      p->in == WEB_IN_PATH ? "path" : "query", "required",
	                      p->in == WEB_IN_PATH || p->required);
	put(g, o, "schema", p->schema ? parse(g, p->schema) : json_pack("{s:s}", "type", "string"));
	if (p->description)
		put(g, o, "description", str(p->description));
	return o;
}

/* parameters: the doc's, the path's {name} when the doc has none for it,
 * and a list's limit and cursor. */
static json_t *op_parameters(struct gen *g, const struct web_route *r)
{
	json_t *list = json_array();
	const char *brace = strchr(r->path, '{');
	bool path_documented = false;

	for (const struct web_api_param *p = r->doc->params; p && p->name; p++) {
		push(g, list, param_json(g, p));
		if (p->in == WEB_IN_PATH && brace) {
			size_t n = strlen(p->name);
			path_documented = path_documented ||
			                  (strncmp(brace + 1, p->name, n) == 0 && brace[1 + n] == '}');
		}
	}
	if (brace && !path_documented) {
		char name[64];
		const char *end = strchr(brace, '}');
		LT_ASSERT(end && (size_t)(end - brace) < sizeof(name));
		memcpy(name, brace + 1, (size_t)(end - brace - 1));
		name[end - brace - 1] = '\0';
		struct web_api_param p = {.name = name, .in = WEB_IN_PATH, .required = true};
		push(g, list, param_json(g, &p));
	}
	if (r->doc->page_of) {
		char limit_schema[128], cursor_schema[128];
		snprintf(limit_schema, sizeof(limit_schema),
		         "{\"type\":\"integer\",\"minimum\":1,\"maximum\":%d,\"default\":%d}",
		         LT_API_PAGE_MAX, LT_API_PAGE_DEFAULT);
		snprintf(cursor_schema, sizeof(cursor_schema),
		         "{\"type\":\"string\",\"maxLength\":%d}", LT_API_CURSOR_MAX);
		struct web_api_param limit = {.name = "limit",
		                              .in = WEB_IN_QUERY,
		                              .schema = limit_schema,
		                              .description = "Items on the page."};
		struct web_api_param cursor = {
		    .name = "cursor",
		    .in = WEB_IN_QUERY,
		    .schema = cursor_schema,
		    .description = "Where the page starts: the `next` of the page before, as it "
		                   "is. Absent for the first page."};
		push(g, list, param_json(g, &limit));
		push(g, list, param_json(g, &cursor));
	}
	return list;
}

static json_t *op_request_body(struct gen *g, const struct web_route *r)
{
	json_t *content = json_object();
	for (const struct web_api_body *b = r->doc->bodies; b && b->media_type; b++)
		put(g, content, b->media_type, json_pack("{s:o}", "schema", schema_of(g, b->schema)));
	return json_pack("{s:b, s:o}", "required", 1, "content", content);
}

/* What a response header is, by name. */
static json_t *header_json(const char *name)
{
	static const struct {
		const char *name, *description;
	} known[] = {
	    {"Location", "Where the new or next thing is."},
	    {"Set-Cookie", "A cookie: HttpOnly, SameSite=Strict, Path=/, Secure unless the server "
	                   "runs with --insecure-http."},
	    {"Link", "RFC 8288: the next page, rel=\"next\"; absent on the last page."},
	    {"WWW-Authenticate", "Bearer realm=\"lantern\": the credentials that would do."},
	    {"Accept-Post", "The media types the route takes."},
	    {"Retry-After", "Seconds to wait before trying again."},
	};
	const char *description = "Set by this answer.";
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].name, name) == 0)
			description = known[i].description;
	return json_pack("{s:s, s:{s:s}}", "description", description, "schema", "type", "string");
}

static json_t *response_json(struct gen *g, const struct web_api_response *a)
{
	json_t *o = json_pack("{s:s}", "description", a->description);
	if (a->media_type) {
		json_t *mt = json_object();
		if (a->schema)
			put(g, mt, "schema", schema_of(g, a->schema));
		put(g, o, "content", json_pack("{s:o}", a->media_type, mt));
	}
	if (a->headers) {
		json_t *h = json_object();
		for (const char *const *n = a->headers; *n; n++)
			put(g, h, *n, header_json(*n));
		put(g, o, "headers", h);
	}
	return o;
}

/* The envelope of a page of `item`: a component "<Name>Page" for a named
 * item, else inline. */
static json_t *page_schema(struct gen *g, const struct web_api_schema *item)
{
	char name[96];
	json_t *body;
	if (item->name) {
		snprintf(name, sizeof(name), "%sPage", item->name);
		if (json_object_get(g->schemas, name))
			return ref_to(name);
	}
	body = json_pack("{s:s, s:[s, s], s:b, s:{s:{s:s, s:o}, s:{s:[s, s], s:s}}}", "type",
	                 "object", "required", "items", "next", "additionalProperties", 0,
	                 "properties", "items", "type", "array", "items", schema_of(g, item), "next",
	                 "type", "string", "null", "description",
	                 "The cursor of the next page; null on the last page.");
	if (!item->name)
		return body;
	put(g, g->schemas, name, body);
	return ref_to(name);
}

/* Add status `st` to the set. */
static void status_add(bool set[LT_STATUS_COUNT], lt_status st)
{
	LT_ASSERT(st > LT_OK && st < LT_STATUS_COUNT);
	set[st] = true;
}

/* Every error status route `r` can answer with (see the top of the file). */
static void route_errors(const struct web_route *r, bool set[LT_STATUS_COUNT])
{
	bool unsafe = method_unsafe(r->method);
	memset(set, 0, sizeof(bool) * LT_STATUS_COUNT);
	status_add(set, LT_EPARSE);
	status_add(set, LT_ETOOBIG);
	status_add(set, LT_ETOOLONG);
	status_add(set, LT_EINTERNAL);
	status_add(set, LT_ENOMEM);
	if (r->access != WEB_ACCESS_PUBLIC) {
		if (r->kind == WEB_KIND_API)
			status_add(set, LT_EAUTH);
		status_add(set, LT_EFORBIDDEN);
	}
	if (r->action != WEB_NO_ACTION)
		status_add(set, LT_EFORBIDDEN);
	if (unsafe && r->kind == WEB_KIND_API && r->access != WEB_ACCESS_PUBLIC)
		status_add(set, LT_EFORBIDDEN);
	if (unsafe && r->kind != WEB_KIND_API) {
		status_add(set, LT_EFORBIDDEN);
		status_add(set, LT_EMEDIATYPE);
	}
	if (r->doc->bodies && r->doc->bodies[0].media_type) {
		status_add(set, LT_EMEDIATYPE);
		status_add(set, LT_EINVAL);
	}
	if ((r->doc->params && r->doc->params[0].name) || r->doc->page_of)
		status_add(set, LT_EINVAL);
	if (r->offload == WEB_POOL_SIGNIN)
		status_add(set, LT_ETHROTTLED);
	if (web_route_pool(r) != WEB_POOL_NONE)
		status_add(set, LT_EBUSY);
	for (const lt_status *e = r->doc->errors; e && *e != LT_OK; e++)
		status_add(set, *e);
	/* The store's failures come as these. */
	status_add(set, LT_ESTORE);
	status_add(set, LT_EBUSY);
}

/* The error answers of `r`, one per HTTP status, into `responses`. */
static void op_errors(struct gen *g, const struct web_route *r, json_t *responses)
{
	bool set[LT_STATUS_COUNT];
	bool done[LT_STATUS_COUNT] = {false};
	bool api = r->kind == WEB_KIND_API;

	route_errors(r, set);
	/* In the order of the HTTP statuses; each names its statuses in the
	 * table's order. */
	for (int http = 400; http < 600; http++) {
		int i = 1;
		while (i < LT_STATUS_COUNT &&
		       !(set[i] && !done[i] && lt_status_http((lt_status)i) == http))
			i++;
		if (i == LT_STATUS_COUNT)
			continue;
		struct lt_buf b;
		char code[8];
		lt_buf_init(&b, 2048);
		lt_status st = lt_buf_puts(&b, api ? "A problem document of type" : "A page:");
		bool first = true;
		for (int k = i; st == LT_OK && k < LT_STATUS_COUNT; k++) {
			if (!set[k] || lt_status_http((lt_status)k) != http)
				continue;
			done[k] = true;
			if (api)
				st = lt_buf_printf(&b, "%s urn:lantern:problem:%s (%s)", first ? "" : ",",
				                   lt_status_name((lt_status)k),
				                   lt_status_message((lt_status)k));
			else
				st = lt_buf_printf(&b, "%s %s", first ? "" : ";",
				                   lt_status_message((lt_status)k));
			first = false;
		}
		if (st == LT_OK)
			st = lt_buf_puts(&b, ".");
		json_t *o = st == LT_OK ? json_pack("{s:s%}", "description", lt_buf_str(&b), b.len)
		                        : NULL;
		lt_buf_release(&b);
		if (!o) {
			g->failed = true;
			continue;
		}
		put(g, o, "content",
		    api ? json_pack("{s:{s:o}}", "application/problem+json", "schema",
		                    ref_to("Problem"))
		        : json_pack("{s:{s:{s:s}}}", "text/html", "schema", "type", "string"));
		json_t *h = json_object();
		if (http == 401)
			put(g, h, "WWW-Authenticate", header_json("WWW-Authenticate"));
		if (http == 415)
			put(g, h, "Accept-Post", header_json("Accept-Post"));
		if (http == 429 || (http == 503 && web_route_pool(r) != WEB_POOL_NONE))
			put(g, h, "Retry-After", header_json("Retry-After"));
		if (json_object_size(h))
			put(g, o, "headers", h);
		else
			json_decref(h);
		snprintf(code, sizeof(code), "%d", http);
		put(g, responses, code, o);
	}
}

static json_t *op_responses(struct gen *g, const struct web_route *r)
{
	json_t *responses = json_object();
	char code[8];
	for (const struct web_api_response *a = r->doc->responses; a && a->status; a++) {
		snprintf(code, sizeof(code), "%d", a->status);
		put(g, responses, code, response_json(g, a));
	}
	if (r->doc->page_of) {
		json_t *ok = json_pack("{s:s, s:{s:o}, s:{s:{s:o}}}", "description",
		                       "A page of the list, in descending order of the key (newest "
		                       "first).",
		                       "headers", "Link", header_json("Link"), "content",
		                       "application/json", "schema", page_schema(g, r->doc->page_of));
		put(g, responses, "200", ok);
	}
	if (r->kind == WEB_KIND_PAGE && r->access != WEB_ACCESS_PUBLIC)
		put(g, responses, "303",
		    json_pack("{s:s, s:{s:o}}", "description",
		              "Not signed in: a redirect to the sign-in page.", "headers",
		              "Location", header_json("Location")));
	op_errors(g, r, responses);
	return responses;
}

/* "get_api_v1_reports_ref": the method and the path's letters and digits. */
static void operation_id(const struct web_route *r, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *m = r->method; *m && n + 1 < cap; m++)
		out[n++] = (char)(*m >= 'A' && *m <= 'Z' ? *m - 'A' + 'a' : *m);
	for (const char *p = r->path; *p && n + 2 < cap; p++) {
		char ch = *p;
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a'), alnum = true;
		if (alnum)
			out[n++] = ch;
		else if (out[n - 1] != '_')
			out[n++] = '_';
	}
	while (n > 0 && out[n - 1] == '_')
		n--;
	if (strcmp(r->path, "/") == 0 && n + 6 < cap) {
		memcpy(out + n, "_index", 6);
		n += 6;
	}
	out[n] = '\0';
}

static json_t *operation(struct gen *g, const struct web_route *r)
{
	char id[128];
	json_t *op;

	LT_ASSERT(r->doc && r->doc->summary && r->doc->tag);
	operation_id(r, id, sizeof(id));
	op = json_pack("{s:s, s:s, s:o, s:[s], s:o, s:s}", "operationId", id, "summary",
	               r->doc->summary, "description", op_description(r), "tags", r->doc->tag,
	               "security", op_security(r), "x-lantern-access", access_code(r->access));
	if (!op) {
		g->failed = true;
		return NULL;
	}
	if (r->action != WEB_NO_ACTION)
		put(g, op, "x-lantern-action", str(lt_action_info((enum lt_action)r->action)->code));
	json_t *params = op_parameters(g, r);
	if (json_array_size(params))
		put(g, op, "parameters", params);
	else
		json_decref(params);
	if (r->doc->bodies && r->doc->bodies[0].media_type)
		put(g, op, "requestBody", op_request_body(g, r));
	put(g, op, "responses", op_responses(g, r));
	return op;
}

/* ---- the document -------------------------------------------------------- */

static const char info_description[] =
    "The HTTP API and pages of lantern, the reporting, case and statistics system of a "
    "partnership against modern slavery. This document is generated from the server's "
    "route table.\n\n"
    "Errors of the API are application/problem+json (RFC 9457, schema Problem): `type` is "
    "urn:lantern:problem:<name>, `title` the sentence of that kind, `status`, `detail`, "
    "`request_id`, and `errors` naming each field or parameter at fault. A path no route "
    "has answers 404; a method a path does not take answers 405 with an Allow header. A GET "
    "route also answers HEAD.\n\n"
    "Lists are paged alike: `limit` items a page and an opaque `cursor`; the answer is "
    "{\"items\": [...], \"next\": cursor or null} with a Link header rel=\"next\". A record "
    "outside the caller's scope answers 404, as one that does not exist.";

lt_status web_openapi_build(const struct web_app *app, json_t **out)
{
	struct gen g = {app, json_object(), false};
	json_t *doc, *paths = json_object(), *tags = json_array(), *schemes;

	*out = NULL;
	doc = json_pack("{s:s, s:{s:s, s:s, s:s, s:{s:s, s:s}}}", "openapi", "3.1.0", "info",
	                "title", "lantern", "version", "1", "description", info_description,
	                "license", "name", "AGPL-3.0-or-later", "identifier",
	                "AGPL-3.0-or-later");
	put(&g, g.schemas, "Problem", problem_schema(&g));
	for (size_t i = 0; i < web_route_count && !g.failed; i++) {
		const struct web_route *r = &web_routes[i];
		char method[16];
		size_t k;
		json_t *item = json_object_get(paths, r->path);
		if (!item)
			item = put(&g, paths, r->path, json_object());
		for (k = 0; r->method[k] && k + 1 < sizeof(method); k++)
			method[k] = (char)(r->method[k] >= 'A' && r->method[k] <= 'Z'
			                       ? r->method[k] - 'A' + 'a'
			                       : r->method[k]);
		method[k] = '\0';
		put(&g, item, method, operation(&g, r));
		bool seen = false;
		json_t *t;
		json_array_foreach(tags, k, t) seen =
		    seen || strcmp(json_string_value(json_object_get(t, "name")), r->doc->tag) == 0;
		if (!seen)
			push(&g, tags, json_pack("{s:s}", "name", r->doc->tag));
	}
	schemes = json_pack(
	    "{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s}}", "bearer",
	    "type", "http", "scheme", "bearer", "description",
	    "A partner system's API token (lantern token add), as Authorization: Bearer TOKEN.",
	    "session", "type", "apiKey", "in", "cookie", "name", web_session_cookie_name(app),
	    "description",
	    "A member of staff's session cookie, set by POST /api/v1/session or the sign-in "
	    "page.",
	    "csrf", "type", "apiKey", "in", "header", "name", "X-CSRF-Token", "description",
	    "The session's csrf_token (GET /api/v1/session): every unsafe API call made with the "
	    "session cookie sends it.");
	put(&g, doc, "tags", tags);
	put(&g, doc, "paths", paths);
	put(&g, doc, "components", json_pack("{s:o, s:o}", "schemas", g.schemas, "securitySchemes",
	                                      schemes));
	if (g.failed || !doc) {
		json_decref(doc);
		return LT_ENOMEM;
	}
	*out = doc;
	return LT_OK;
}

void web_api_openapi(struct web_call *c)
{
	json_t *doc = NULL;
	char *text = NULL;
	struct lt_buf b;

	lt_buf_init(&b, LT_HTTP_PAGE_MAX);
	if (web_openapi_build(c->app, &doc) != LT_OK ||
	    !(text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII)) ||
	    lt_buf_puts(&b, text) != LT_OK || lt_buf_puts(&b, "\n") != LT_OK) {
		web_error(c, WEB_KIND_API, LT_ENOMEM, "The document could not be built.", NULL);
		goto out;
	}
	web_response_body(c->rs, 200, "application/json", &b);
	c->rs->outcome = LT_OK;
out:
	free(text);
	json_decref(doc);
	lt_buf_release(&b);
}
