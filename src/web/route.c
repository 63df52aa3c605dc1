/*
 * route.c — the route table, dispatch, and the answers every route shares.
 *
 * `web_routes` is the single source of truth for what lantern serves over
 * HTTP: each row gives the method, the path, the kind of answer (page, API,
 * static asset), who may call it, the handler, a sentence for the
 * documentation and its API documentation (struct web_api_doc: summary,
 * parameters, bodies, answers, its handler's own errors; written above the
 * table), from which openapi.c generates GET /api/v1/openapi.json. Dispatch
 * (web_handle) reads only this table:
 *
 *   1. The request target is split at the first '?' into path and query;
 *      a target longer than LT_HTTP_URL_MAX is refused (414), and the path's
 *      %XX escapes are decoded strictly (a bad escape is 400).
 *   2. The rows whose path matches are collected. A body over
 *      LT_HTTP_BODY_MAX is then refused (413) whatever the path and method.
 *      No row: 404. Rows, but none with the request's method (HEAD counts as
 *      GET): 405, with an Allow header listing the methods of those rows.
 *   3. Otherwise the row's handler answers.
 *
 * The `offload` column says which threads serve a route (server.c,
 * web_route_pool): false, the default, decides by the method — GET and
 * HEAD on the request thread, any other method, which writes and so waits
 * for the store's group commit, on the write pool; WEB_POOL_SIGNIN for the
 * routes that check a password; WEB_POOL_WRITE for a GET that writes (a read
 * of personal data is audited before it is answered).
 *
 * A path pattern is either exact ("/healthz") or has "{name}" segments
 * ("/api/v1/reports/{ref}", "/api/v1/persons/{id}/shares/{share}"), at
 * most two, each matching exactly one non-empty segment; the handler gets
 * them as `param` and `param2`.
 *
 * Errors take the form of the route's kind: an HTML page for pages and
 * static assets, an RFC 9457 problem document (application/problem+json)
 * for the API, and — when no route matched — the kind its path suggests
 * (API under /api/). A problem document has "type" (a URN naming the status,
 * urn:lantern:problem:<name>, from the status table), "title" (the status
 * table's sentence), "status", "detail", "request_id" and, when fields were
 * at fault, "errors": [{"field": ..., "detail": ...}], one per field.
 *
 * Every response starts from web_response_init, which sets the security
 * headers (CSP, nosniff, no-referrer, no-store), so no handler can forget
 * them; the stylesheet alone relaxes Cache-Control.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/banned.h"

/* The Content-Security-Policy of every response: nothing may load but the
 * app's own stylesheet and images; no script at all; forms post back here;
 * no framing. */
#define WEB_CSP                                                                                    \
	"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "               \
	"base-uri 'none'; frame-ancestors 'none'"

/* ---- what each route is, for the OpenAPI document (openapi.c) -------------- */

#define STR_(x) #x
#define STR(x)  STR_(x)

/* JSON Schema fragments used by several routes. */
#define S_STRING   "{\"type\":\"string\"}"
#define S_DATE     "{\"type\":\"string\",\"pattern\":\"^[0-9]{4}(-[0-9]{2}){0,2}$\"}"
#define S_ID       "{\"type\":\"integer\",\"minimum\":1}"
#define S_REF      "{\"type\":\"string\",\"pattern\":\"^LT-[0-9A-Z]{8}$\"}"
#define S_AGENCY   "{\"type\":\"string\",\"pattern\":\"^[a-z0-9_-]{1,63}$\"}"

#define FORMS_JSON "forms of exploitation: an array of their codes (at least one)"

static const char *const h_location[] = {"Location", NULL};
static const char *const h_location_cookie[] = {"Location", "Set-Cookie", NULL};
static const char *const h_cookie[] = {"Set-Cookie", NULL};

static const struct web_api_schema s_html = {.json = S_STRING};
static const struct web_api_schema s_css = {.json = S_STRING};

/* A page answered with HTML, and the pages' redirects. */
static const struct web_api_response r_page[] = {
    {.status = 200, .description = "The page.", .media_type = "text/html", .schema = &s_html},
    {0},
};

/* Reports as the API takes them: the members of lt_report_fields, typed. */
static const struct web_api_member report_in_types[] = {
    {.name = "received",
     .schema = "{\"type\":[\"string\",\"integer\"],\"pattern\":\"^[0-9]{4}(-[0-9]{2}){0,2}$\"}"},
    {.name = "source", .vocab = &lt_vocab_source},
    {.name = "agency", .schema = "{\"type\":[\"string\",\"null\"],\"pattern\":\"^[a-z0-9_-]{1,63}$\"}"},
    {.name = "forms", .vocab = &lt_vocab_form, .list = true, .description = FORMS_JSON},
    {.name = "place", .vocab = &lt_vocab_place},
    {.name = "district", .vocab = &lt_vocab_district},
    {.name = "country", .vocab = &lt_vocab_country},
    {.name = "occurred",
     .schema = "{\"type\":[\"string\",\"integer\",\"null\"],"
               "\"pattern\":\"^[0-9]{4}(-[0-9]{2}){0,2}$\"}"},
    {.name = "anonymous",
     .schema = "{\"type\":[\"boolean\",\"string\",\"null\"],"
               "\"enum\":[true,false,\"true\",\"false\",null]}"},
    {0},
};
static const struct web_api_schema s_report_in = {
    .name = "ReportInput",
    .description = "A report from a partner system or a member of staff, in the name of the "
                   "caller's own agency. A member that is null or absent is not given.",
    .fields = lt_report_fields,
    .nfields = &lt_report_field_count,
    .types = report_in_types,
    .nullable = true,
    .closed = true,
};

/* Reports as the API answers with them: coded fields, never free text. */
static const struct web_api_member report_out_types[] = {
    {.name = "received", .schema = S_DATE},
    {.name = "source", .vocab = &lt_vocab_source},
    {.name = "agency", .schema = "{\"type\":[\"string\",\"null\"]}"},
    {.name = "forms", .vocab = &lt_vocab_form, .list = true, .description = FORMS_JSON},
    {.name = "place", .vocab = &lt_vocab_place},
    {.name = "district", .vocab = &lt_vocab_district},
    {.name = "country", .vocab = &lt_vocab_country},
    {.name = "occurred",
     .schema = "{\"type\":[\"string\",\"null\"],\"pattern\":\"^[0-9]{4}(-[0-9]{2}){0,2}$\"}"},
    {.name = "anonymous", .schema = "{\"type\":\"boolean\"}"},
    {0},
};
static const char *const report_out_omit[] = {"description", "contact", NULL};
static const char *const report_out_extra_required[] = {"id", "ref", "has_contact", NULL};
static const struct web_api_schema s_report = {
    .name = "Report",
    .description = "A report's coded fields. Its free text and contact details are never "
                   "answered; has_contact says whether sealed contact details exist.",
    .fields = lt_report_fields,
    .nfields = &lt_report_field_count,
    .types = report_out_types,
    .omit = report_out_omit,
    .extra = "{\"id\":" S_ID ",\"ref\":" S_REF ",\"has_contact\":{\"type\":\"boolean\"}}",
    .extra_required = report_out_extra_required,
    .nullable = true,
    .all_required = true,
    .closed = true,
};

/* The public form: the report fields a member of the public gives, and its
 * token. */
static const struct web_api_member report_form_types[] = {
    {.name = "forms", .vocab = &lt_vocab_form, .list = true,
     .description = "forms of exploitation: the field repeated, once for each form ticked"},
    {.name = "place", .vocab = &lt_vocab_place},
    {.name = "district", .vocab = &lt_vocab_district},
    {.name = "country", .vocab = &lt_vocab_country},
    {.name = "anonymous", .schema = "{\"type\":\"string\",\"enum\":[\"true\",\"false\"]}"},
    {0},
};
static const char *const report_form_omit[] = {"received", "source", "agency", NULL};
static const char *const csrf_required[] = {"csrf", NULL};
static const struct web_api_schema s_report_form = {
    .description = "The public report form as the page sends it.",
    .fields = lt_report_fields,
    .nfields = &lt_report_field_count,
    .types = report_form_types,
    .omit = report_form_omit,
    .extra = "{\"csrf\":{\"type\":\"string\",\"description\":\"The signed token the page "
             "gave the form.\"}}",
    .extra_required = csrf_required,
    .closed = true,
};

static const struct web_api_schema s_login_form = {
    .json = "{\"type\":\"object\",\"required\":[\"email\",\"password\",\"csrf\"],"
            "\"properties\":{\"email\":{\"type\":\"string\"},\"password\":{\"type\":\"string\","
            "\"format\":\"password\"},\"csrf\":{\"type\":\"string\",\"description\":\"The "
            "signed token the page gave the form, bound to the login cookie.\"}}}",
};
static const struct web_api_schema s_logout_form = {
    .json = "{\"type\":\"object\",\"required\":[\"csrf\"],\"properties\":{\"csrf\":{\"type\":"
            "\"string\",\"description\":\"The CSRF token of the session.\"}}}",
};

static const struct web_api_schema s_session_in = {
    .name = "SignIn",
    .json = "{\"type\":\"object\",\"required\":[\"email\",\"password\"],"
            "\"additionalProperties\":false,\"properties\":{\"email\":{\"type\":\"string\"},"
            "\"password\":{\"type\":\"string\",\"format\":\"password\"}}}",
};
static const struct web_api_schema s_session = {
    .name = "Session",
    .json = "{\"type\":\"object\",\"required\":[\"user\",\"csrf_token\",\"expires_at\","
            "\"idle_timeout_s\"],\"properties\":{\"user\":{\"type\":\"object\",\"required\":"
            "[\"id\",\"email\",\"agency\",\"role\"],\"properties\":{\"id\":" S_ID ",\"email\":"
            "{\"type\":\"string\"},\"agency\":" S_AGENCY ",\"role\":{\"type\":\"string\","
            "\"description\":\"The role's code.\"}}},\"csrf_token\":{\"type\":\"string\",\"description\":\"Send it "
            "as X-CSRF-Token with every unsafe call made with the session cookie.\"},"
            "\"expires_at\":{\"type\":\"string\",\"format\":\"date-time\",\"description\":"
            "\"The absolute end of the session.\"},\"idle_timeout_s\":{\"type\":\"integer\","
            "\"description\":\"The session ends after this many seconds unused.\"}}}",
};
static const struct web_api_schema s_signed_out = {
    .json = "{\"type\":\"object\",\"required\":[\"status\"],\"properties\":{\"status\":"
            "{\"const\":\"signed_out\"}}}",
};
static const struct web_api_schema s_created = {
    .name = "ReportCreated",
    .json = "{\"type\":\"object\",\"required\":[\"id\",\"ref\"],\"properties\":{\"id\":" S_ID
            ",\"ref\":" S_REF "}}",
};
static const struct web_api_schema s_arrests = {
    .name = "ArrestStatistics",
    .json = "{\"type\":\"object\",\"required\":[\"by\",\"from\",\"to\",\"total\",\"rows\"],"
            "\"properties\":{\"by\":{\"type\":\"array\",\"items\":{\"enum\":[\"year\","
            "\"offence\"]}},\"from\":{\"type\":[\"integer\",\"null\"]},\"to\":{\"type\":"
            "[\"integer\",\"null\"]},\"total\":{\"type\":\"integer\",\"minimum\":0},\"rows\":"
            "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"arrests\"],"
            "\"properties\":{\"year\":{\"type\":\"integer\"},\"offence\":{\"type\":\"string\"},"
            "\"arrests\":{\"type\":\"integer\",\"minimum\":0}}}}}}",
};
#define S_OPTION "{\"type\":[\"string\",\"number\"]}"
#define ESTIMATE_OPTIONS                                                                           \
	"\"method\":{\"type\":\"string\"},\"model\":{\"type\":\"string\"},"                          \
	"\"ci\":{\"type\":\"string\"},"                                                         \
	"\"level\":" S_OPTION ",\"nboot\":" S_OPTION ",\"seed\":" S_OPTION ",\"threshold\":"        \
	S_OPTION ",\"max_order\":" S_OPTION ",\"top\":" S_OPTION ",\"boot_top\":" S_OPTION
static const struct web_api_schema s_estimate_in = {
    .name = "EstimateInput",
    .json = "{\"type\":\"object\",\"required\":[\"lists\",\"rows\"],\"properties\":{\"lists\":"
            "{\"type\":\"array\",\"minItems\":2,\"items\":{\"type\":\"string\"}},\"rows\":"
            "{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"number\"}},"
            "\"description\":\"One row per capture history: 0 or 1 per list, then the count.\"},"
            ESTIMATE_OPTIONS "}}",
};
static const struct web_api_schema s_estimate_csv = {
    .json = "{\"type\":\"string\",\"description\":\"CSV with one 0/1 column per list and a "
            "final count column, as `lantern estimate` reads.\"}",
};
static const struct web_api_schema s_estimate = {
    .name = "Estimate",
    .description = "As `lantern estimate --format json` writes it; docs/estimation.md says "
                   "what each member means. A number that is not finite is null.",
    .json = "{\"type\":\"object\",\"required\":[\"lists\",\"observed\",\"method\",\"model\","
            "\"estimate\",\"hidden\",\"hidden_share\",\"interval\",\"fit\",\"warnings\"],"
            "\"properties\":{\"lists\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
            "\"observed\":{\"type\":\"number\"},\"method\":{\"type\":\"string\"},\"model\":"
            "{\"type\":\"string\"},\"estimate\":{\"type\":[\"number\",\"null\"]},\"hidden\":"
            "{\"type\":[\"number\",\"null\"]},\"hidden_share\":{\"type\":[\"number\",\"null\"]},"
            "\"interval\":{\"type\":\"object\",\"required\":[\"method\",\"level\",\"lower\","
            "\"upper\"],\"properties\":{\"method\":{\"type\":\"string\"},\"level\":{\"type\":"
            "\"number\"},\"lower\":{\"type\":[\"number\",\"null\"]},\"upper\":{\"type\":"
            "[\"number\",\"null\"]}}},\"fit\":{\"type\":\"object\"},\"models_ranked\":{\"type\":"
            "\"integer\"},\"top_models\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
            "\"warnings\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}",
};
static const struct web_api_schema s_health = {
    .json = "{\"type\":\"object\",\"required\":[\"status\"],\"properties\":{\"status\":"
            "{\"const\":\"ok\"}}}",
};
static const struct web_api_schema s_openapi = {
    .json = "{\"type\":\"object\",\"description\":\"An OpenAPI 3.1 document.\"}",
};

static const lt_status e_none[] = {LT_OK};
static const lt_status e_report_form[] = {LT_EINVAL, LT_ECRYPTO, LT_OK};
static const lt_status e_login[] = {LT_EAUTH, LT_OK};
static const lt_status e_report_create[] = {LT_EEXIST, LT_ECRYPTO, LT_OK};
static const lt_status e_report_get[] = {LT_ENOTFOUND, LT_OK};
static const lt_status e_estimate[] = {LT_ENOCONVERGE, LT_ENOMLE, LT_ENOTIDENT, LT_ECANCELED,
                                       LT_OK};

static const struct web_api_doc doc_index = {
    .summary = "The public page and report form",
    .tag = "pages",
    .responses = r_page,
};
static const struct web_api_doc doc_report_form = {
    .summary = "Send the public report form",
    .tag = "pages",
    .bodies = (const struct web_api_body[]){
        {.media_type = "application/x-www-form-urlencoded", .schema = &s_report_form}, {0}},
    .responses = (const struct web_api_response[]){
        {.status = 200, .description = "The report was stored: a page with its reference code.",
         .media_type = "text/html", .schema = &s_html},
        {0}},
    .errors = e_report_form,
};
static const struct web_api_doc doc_css = {
    .summary = "The stylesheet",
    .tag = "pages",
    .responses = (const struct web_api_response[]){
        {.status = 200, .description = "The stylesheet.", .media_type = "text/css",
         .schema = &s_css},
        {0}},
};
static const struct web_api_doc doc_login = {
    .summary = "The staff sign-in page",
    .tag = "pages",
    .params = (const struct web_api_param[]){
        {.name = "signed_out", .in = WEB_IN_QUERY, .schema = S_STRING,
         .description = "Present after signing out: the page says so."},
        {0}},
    .responses = (const struct web_api_response[]){
        {.status = 200, .description = "The sign-in form; sets the login cookie its token is "
                                       "bound to.",
         .media_type = "text/html", .schema = &s_html, .headers = h_cookie},
        {0}},
};
static const struct web_api_doc doc_login_post = {
    .summary = "Sign in from the sign-in form",
    .tag = "pages",
    .bodies = (const struct web_api_body[]){
        {.media_type = "application/x-www-form-urlencoded", .schema = &s_login_form}, {0}},
    .responses = (const struct web_api_response[]){
        {.status = 303, .description = "Signed in: the session cookie is set, on to /staff.",
         .headers = h_location_cookie},
        {0}},
    .errors = e_login,
};
static const struct web_api_doc doc_staff = {
    .summary = "The signed-in page of staff",
    .tag = "pages",
    .responses = r_page,
};
static const struct web_api_doc doc_logout = {
    .summary = "Sign out from the staff page",
    .tag = "pages",
    .bodies = (const struct web_api_body[]){
        {.media_type = "application/x-www-form-urlencoded", .schema = &s_logout_form}, {0}},
    .responses = (const struct web_api_response[]){
        {.status = 303, .description = "Signed out: the cookie is cleared, back to /login.",
         .headers = h_location_cookie},
        {0}},
};
static const struct web_api_doc doc_stats_arrests = {
    .summary = "Arrest statistics",
    .tag = "statistics",
    .params = (const struct web_api_param[]){
        {.name = "by", .in = WEB_IN_QUERY,
         .schema = "{\"type\":\"string\",\"enum\":[\"year\",\"offence\",\"year,offence\"],"
                   "\"default\":\"year\"}",
         .description = "How the arrests are grouped."},
        {.name = "from", .in = WEB_IN_QUERY,
         .schema = "{\"type\":\"integer\",\"minimum\":" STR(LT_YEAR_MIN) ",\"maximum\":" STR(
             LT_YEAR_MAX) "}",
         .description = "The first year (default: the first year with arrests)."},
        {.name = "to", .in = WEB_IN_QUERY,
         .schema = "{\"type\":\"integer\",\"minimum\":" STR(LT_YEAR_MIN) ",\"maximum\":" STR(
             LT_YEAR_MAX) "}",
         .description = "The last year (default: the last year with arrests)."},
        {0}},
    .responses = (const struct web_api_response[]){
        {.status = 200, .description = "One row per year (and offence) of the range, 0 when "
                                       "there were none.",
         .media_type = "application/json", .schema = &s_arrests},
        {0}},
    .errors = e_none,
};
static const struct web_api_doc doc_session_create = {
    .summary = "Sign in",
    .tag = "sign-in",
    .bodies = (const struct web_api_body[]){
        {.media_type = "application/json", .schema = &s_session_in}, {0}},
    .responses = (const struct web_api_response[]){
        {.status = 201, .description = "Signed in: the session, and its cookie.",
         .media_type = "application/json", .schema = &s_session, .headers = h_location_cookie},
        {0}},
    .errors = e_login,
};
static const struct web_api_doc doc_session_get = {
    .summary = "The signed-in session",
    .tag = "sign-in",
    .responses = (const struct web_api_response[]){
        {.status = 200, .description = "The session.", .media_type = "application/json",
         .schema = &s_session},
        {0}},
};
static const struct web_api_doc doc_session_delete = {
    .summary = "Sign out",
    .tag = "sign-in",
    .responses = (const struct web_api_response[]){
        {.status = 200, .description = "Signed out: the session is revoked, its cookie "
                                       "cleared.",
         .media_type = "application/json", .schema = &s_signed_out, .headers = h_cookie},
        {0}},
};
static const struct web_api_doc doc_reports_create = {
    .summary = "Send a report",
    .tag = "reports",
    .bodies = (const struct web_api_body[]){
        {.media_type = "application/json", .schema = &s_report_in}, {0}},
    .responses = (const struct web_api_response[]){
        {.status = 201, .description = "Stored: its id and reference code.",
         .media_type = "application/json", .schema = &s_created, .headers = h_location},
        {0}},
    .errors = e_report_create,
};
static const struct web_api_doc doc_reports_list = {
    .summary = "List reports",
    .tag = "reports",
    .page_of = &s_report,
    .errors = e_none,
};
static const struct web_api_doc doc_report_get = {
    .summary = "Read a report",
    .tag = "reports",
    .params = (const struct web_api_param[]){
        {.name = "ref", .in = WEB_IN_PATH, .required = true, .schema = S_REF,
         .description = "The report's reference code (case does not matter)."},
        {0}},
    .responses = (const struct web_api_response[]){
        {.status = 200, .description = "The report's coded fields.",
         .media_type = "application/json", .schema = &s_report},
        {0}},
    .errors = e_report_get,
};
static const struct web_api_doc doc_estimate = {
    .summary = "Estimate the unreported",
    .tag = "statistics",
    .params = (const struct web_api_param[]){
        {.name = "method", .in = WEB_IN_QUERY, .schema = S_STRING,
         .description = "As --method of lantern estimate (also a member of a JSON body)."},
        {.name = "model", .in = WEB_IN_QUERY, .schema = S_STRING,
         .description = "The model of the fixed method, e.g. LA:NG,NG:GP."},
        {.name = "ci", .in = WEB_IN_QUERY, .schema = S_STRING,
         .description = "The interval: wald, profile or bca."},
        {.name = "level", .in = WEB_IN_QUERY, .schema = S_STRING,
         .description = "The interval's level, e.g. 0.95."},
        {.name = "nboot", .in = WEB_IN_QUERY, .schema = S_STRING,
         .description = "Bootstrap replicates (at most 2,000 over the API)."},
        {.name = "seed", .in = WEB_IN_QUERY, .schema = S_STRING,
         .description = "The bootstrap's seed."},
        {.name = "threshold", .in = WEB_IN_QUERY, .schema = S_STRING,
         .description = "As --threshold of lantern estimate."},
        {.name = "max_order", .in = WEB_IN_QUERY, .schema = S_STRING,
         .description = "As --max-order of lantern estimate."},
        {.name = "top", .in = WEB_IN_QUERY, .schema = S_STRING,
         .description = "As --top of lantern estimate."},
        {.name = "boot_top", .in = WEB_IN_QUERY, .schema = S_STRING,
         .description = "Models a bootstrap replicate searches (at most 200 over the API)."},
        {0}},
    .bodies = (const struct web_api_body[]){
        {.media_type = "text/csv", .schema = &s_estimate_csv},
        {.media_type = "application/json", .schema = &s_estimate_in},
        {0}},
    .responses = (const struct web_api_response[]){
        {.status = 200, .description = "The estimate.", .media_type = "application/json",
         .schema = &s_estimate},
        {0}},
    .errors = e_estimate,
};
static const struct web_api_doc doc_openapi = {
    .summary = "This API's OpenAPI document",
    .tag = "meta",
    .responses = (const struct web_api_response[]){
        {.status = 200, .description = "The OpenAPI 3.1 document of every route, generated "
                                       "from the route table.",
         .media_type = "application/json", .schema = &s_openapi},
        {0}},
    .errors = e_none,
};
static const struct web_api_doc doc_healthz = {
    .summary = "Health check",
    .tag = "meta",
    .responses = (const struct web_api_response[]){
        {.status = 200, .description = "The server and its database answer.",
         .media_type = "application/json", .schema = &s_health},
        {0}},
    .errors = e_none,
};

#undef S_STRING
#undef S_DATE
#undef S_ID
#undef S_REF
#undef S_AGENCY
#undef S_OPTION
#undef ESTIMATE_OPTIONS
#undef FORMS_JSON

/* Shorthands for the table's columns. */
#define PUBLIC    WEB_ACCESS_PUBLIC
#define SESSION   WEB_ACCESS_SESSION
#define PRINCIPAL WEB_ACCESS_PRINCIPAL
#define NOACT     WEB_NO_ACTION

const struct web_route web_routes[] = {
    /* method, path, kind, access, action, csrf, offload, handler, refused, description,
     * doc */
    {"GET", "/", WEB_KIND_PAGE, PUBLIC, NOACT, WEB_CSRF_NONE, false, web_page_index, NULL,
     "The public page: what modern slavery is, how to report it, and the report form.",
     &doc_index},
    {"POST", "/report", WEB_KIND_PAGE, PUBLIC, NOACT, WEB_CSRF_FORM, false, web_page_report,
     web_page_report_refused,
     "Submit the public report form (application/x-www-form-urlencoded, with the form's "
     "signed token); answers with a page showing the report's reference code, or the form "
     "again with its errors.",
     &doc_report_form},
    {"GET", "/static/lantern.css", WEB_KIND_STATIC, PUBLIC, NOACT, WEB_CSRF_NONE, false,
     web_static_css, NULL, "The stylesheet of the pages.", &doc_css},
    {"GET", "/login", WEB_KIND_PAGE, PUBLIC, NOACT, WEB_CSRF_NONE, false, web_page_login, NULL,
     "The staff sign-in page: e-mail address and password.", &doc_login},
    {"POST", "/login", WEB_KIND_PAGE, PUBLIC, NOACT, WEB_CSRF_LOGIN, WEB_POOL_SIGNIN,
     web_page_login_post, web_page_login_refused,
     "Sign in from the sign-in form; sets the session cookie and goes on to /staff, or "
     "shows the form again.",
     &doc_login_post},
    {"GET", "/staff", WEB_KIND_PAGE, SESSION, NOACT, WEB_CSRF_NONE, false, web_page_staff, NULL,
     "The signed-in page of staff: who you are, your agency and role, and a sign-out "
     "button (signed out: a redirect to /login).",
     &doc_staff},
    {"POST", "/logout", WEB_KIND_PAGE, SESSION, NOACT, WEB_CSRF_SESSION, false, web_page_logout,
     NULL, "Sign out from the staff page's button: ends the session and clears its cookie.",
     &doc_logout},
    {"GET", "/api/v1/stats/arrests", WEB_KIND_API, PUBLIC, NOACT, WEB_CSRF_NONE, false,
     web_api_stats_arrests, NULL,
     "Arrest statistics as JSON; query: by=year|offence|year,offence, from=YEAR, to=YEAR.",
     &doc_stats_arrests},
    {"POST", "/api/v1/session", WEB_KIND_API, PUBLIC, NOACT, WEB_CSRF_NONE, WEB_POOL_SIGNIN,
     web_api_session_create, NULL,
     "Sign in with {\"email\", \"password\"}: sets the session cookie and answers 201 "
     "with the account and the session's CSRF token.",
     &doc_session_create},
    {"GET", "/api/v1/session", WEB_KIND_API, SESSION, NOACT, WEB_CSRF_NONE, false,
     web_api_session_get, NULL,
     "The signed-in session: its account, expiry and CSRF token.", &doc_session_get},
    {"DELETE", "/api/v1/session", WEB_KIND_API, SESSION, NOACT, WEB_CSRF_NONE, false,
     web_api_session_delete, NULL,
     "Sign out: revokes the session (X-CSRF-Token required) and clears its cookie.",
     &doc_session_delete},
    {"POST", "/api/v1/reports", WEB_KIND_API, PRINCIPAL, LT_ACTION_REPORT_CREATE, WEB_CSRF_NONE,
     false, web_api_reports_create, NULL,
     "Create a report of the caller's own agency from a JSON object of report fields "
     "(report.create); answers 201 with its id and reference code.",
     &doc_reports_create},
    {"GET", "/api/v1/reports", WEB_KIND_API, PRINCIPAL, LT_ACTION_REPORT_READ, WEB_CSRF_NONE,
     false, web_api_reports_list, NULL,
     "The reports the caller may read (report.read, within its scope), newest first, a page "
     "at a time (limit, cursor); their coded fields only, never free text or contact "
     "details.",
     &doc_reports_list},
    {"GET", "/api/v1/reports/{ref}", WEB_KIND_API, PRINCIPAL, LT_ACTION_REPORT_READ,
     WEB_CSRF_NONE, false, web_api_report_get, NULL,
     "Read back a report's coded fields by reference code (report.read, within its scope: "
     "404 outside it); the free text and contact details are never returned.",
     &doc_report_get},
    {"POST", "/api/v1/estimate", WEB_KIND_API, PRINCIPAL, LT_ACTION_STATS_READ, WEB_CSRF_NONE,
     false, web_api_estimate, NULL,
     "Estimate the unreported by multiple systems estimation from capture histories sent "
     "as text/csv or JSON (stats.read); answers with the JSON of `lantern estimate "
     "--format json`.",
     &doc_estimate},
    /* Records about people (api_persons.c): the store decides each record's scope,
     * and a read of personal data needs ?purpose=, audited. */
    {"POST", "/api/v1/persons", WEB_KIND_API, PRINCIPAL, LT_ACTION_PERSON_CREATE, WEB_CSRF_NONE,
     false, web_api_persons_create, NULL,
     "Record a person of the caller's agency from a JSON object of person fields "
     "(person.create); the personal fields are encrypted before they are stored; answers 201 "
     "with the person.",
     &web_doc_persons_create},
    {"GET", "/api/v1/persons", WEB_KIND_API, PRINCIPAL, LT_ACTION_PERSON_READ, WEB_CSRF_NONE,
     WEB_POOL_WRITE, web_api_persons_search, NULL,
     "Find persons the caller may read by name and/or date of birth through the blind index "
     "(person.read; purpose required, each person found audited); answers their ids.",
     &web_doc_persons_search},
    {"GET", "/api/v1/persons/{id}", WEB_KIND_API, PRINCIPAL, LT_ACTION_PERSON_READ,
     WEB_CSRF_NONE, WEB_POOL_WRITE, web_api_person_get, NULL,
     "Read a person (person.read, within its scope: 404 outside it); ?purpose= is required "
     "and written to the audit log before the answer.",
     &web_doc_person_get},
    {"PATCH", "/api/v1/persons/{id}", WEB_KIND_API, PRINCIPAL, LT_ACTION_PERSON_UPDATE,
     WEB_CSRF_NONE, false, web_api_person_update, NULL,
     "Change a person's fields (person.update); null clears a field.", &web_doc_person_update},
    {"DELETE", "/api/v1/persons/{id}", WEB_KIND_API, PRINCIPAL, LT_ACTION_PERSON_ERASE,
     WEB_CSRF_NONE, false, web_api_person_erase, NULL,
     "Erase a person by destroying their key (person.erase; ?reason= required and audited): "
     "their personal fields, their referrals' and their index can never be opened again.",
     &web_doc_person_erase},
    {"POST", "/api/v1/referrals", WEB_KIND_API, PRINCIPAL, LT_ACTION_REFERRAL_CREATE,
     WEB_CSRF_NONE, false, web_api_referrals_create, NULL,
     "Record a referral of a person the caller may read (referral.create); its notes, support "
     "needs and police intelligence are encrypted under the person's key.",
     &web_doc_referrals_create},
    {"GET", "/api/v1/referrals/{id}", WEB_KIND_API, PRINCIPAL, LT_ACTION_REFERRAL_READ,
     WEB_CSRF_NONE, WEB_POOL_WRITE, web_api_referral_get, NULL,
     "Read a referral (referral.read, within its scope); ?purpose= is required and audited.",
     &web_doc_referral_get},
    {"PATCH", "/api/v1/referrals/{id}", WEB_KIND_API, PRINCIPAL, LT_ACTION_REFERRAL_UPDATE,
     WEB_CSRF_NONE, false, web_api_referral_update, NULL,
     "Change a referral (referral.update); its person cannot change.",
     &web_doc_referral_update},
    {"POST", "/api/v1/cases", WEB_KIND_API, PRINCIPAL, LT_ACTION_CASE_CREATE, WEB_CSRF_NONE,
     false, web_api_cases_create, NULL,
     "Open a case of the caller's agency about persons it may read (case.create).",
     &web_doc_cases_create},
    {"GET", "/api/v1/cases/{id}", WEB_KIND_API, PRINCIPAL, LT_ACTION_CASE_READ, WEB_CSRF_NONE,
     WEB_POOL_WRITE, web_api_case_get, NULL,
     "Read a case (case.read, within its scope); ?purpose= is required and audited.",
     &web_doc_case_get},
    {"PATCH", "/api/v1/cases/{id}", WEB_KIND_API, PRINCIPAL, LT_ACTION_CASE_UPDATE,
     WEB_CSRF_NONE, false, web_api_case_update, NULL,
     "Change a case (case.update): status, dates, forms, its persons.", &web_doc_case_update},
    {"POST", "/api/v1/arrests", WEB_KIND_API, PRINCIPAL, LT_ACTION_ARREST_CREATE, WEB_CSRF_NONE,
     false, web_api_arrests_create, NULL,
     "Record an arrest by the caller's police force (arrest.create), naming a case it may "
     "read if any.",
     &web_doc_arrests_create},
    {"GET", "/api/v1/arrests/{id}", WEB_KIND_API, PRINCIPAL, LT_ACTION_ARREST_READ,
     WEB_CSRF_NONE, false, web_api_arrest_get, NULL,
     "Read an arrest (arrest.read, within its scope: 404 outside it).", &web_doc_arrest_get},
    {"POST", "/api/v1/persons/{id}/shares", WEB_KIND_API, PRINCIPAL, LT_ACTION_SHARE_CREATE,
     WEB_CSRF_NONE, false, web_api_shares_create, NULL,
     "Share a person of the caller's agency with another agency (share.create): refer it, "
     "naming the classes of personal data the receiver sees, or transfer it; with consent "
     "(who, when) or a lawful reason, and a purpose; audited.",
     &web_doc_shares_create},
    {"GET", "/api/v1/persons/{id}/export", WEB_KIND_API, PRINCIPAL, LT_ACTION_PERSON_EXPORT,
     WEB_CSRF_NONE, WEB_POOL_WRITE, web_api_person_export, NULL,
     "Export everything the caller's agency holds about a person it owns, for a subject access "
     "request (person.export; ?purpose= required and audited): the person, the agency's "
     "referrals and cases of it, the arrests naming those cases, its shares and the audit "
     "entries about it, as one JSON document.",
     &web_doc_person_export},
    {"GET", "/api/v1/persons/{id}/shares", WEB_KIND_API, PRINCIPAL, LT_ACTION_SHARE_LIST,
     WEB_CSRF_NONE, WEB_POOL_WRITE, web_api_shares_list, NULL,
     "The shares of a person (share.list): all for its owner's agency, those with its own "
     "agency for a receiver; newest first, a page at a time; audited (share.list).",
     &web_doc_shares_list},
    {"DELETE", "/api/v1/persons/{id}/shares/{share}", WEB_KIND_API, PRINCIPAL,
     LT_ACTION_SHARE_REVOKE, WEB_CSRF_NONE, false, web_api_share_revoke, NULL,
     "Revoke a referral share (share.revoke: its maker, or the agency's administrator); the "
     "receiver sees nothing of the person from then on; a transfer is not revoked.",
     &web_doc_share_revoke},
    /* Record linkage (api_matches.c): candidates by the blind index among the persons the
     * caller may read; every person opened audited (person.link). */
    {"GET", "/api/v1/persons/{id}/matches", WEB_KIND_API, PRINCIPAL, LT_ACTION_PERSON_READ,
     WEB_CSRF_NONE, WEB_POOL_WRITE, web_api_person_matches, NULL,
     "The likely matches of a person the caller may read among the persons it may read "
     "(person.read; ?purpose= required, every person opened audited): match probability and "
     "the waterfall explanation of each; a pair decided not the same is never listed.",
     &web_doc_person_matches},
    {"POST", "/api/v1/persons/{id}/matches", WEB_KIND_API, PRINCIPAL,
     LT_ACTION_PERSON_MATCH_DECIDE, WEB_CSRF_NONE, false, web_api_person_match_decide, NULL,
     "Record that a person and {\"other\"} are the same person or not "
     "(person.match_decide, both readable by the caller; a reason is required and audited); "
     "every later linkage respects it.",
     &web_doc_person_match_decide},
    /* Analysts' pseudonymised reads (api_pseudo.c): a pseudonym for the person, no
     * identifying field; ?purpose= required, each person handed out audited. */
    {"GET", "/api/v1/pseudonymised/persons", WEB_KIND_API, PRINCIPAL,
     LT_ACTION_PERSON_READ_PSEUDONYMISED, WEB_CSRF_NONE, WEB_POOL_WRITE, web_api_pseudo_list,
     NULL,
     "Persons as an analyst sees them (person.read_pseudonymised): pseudonym, year of birth, "
     "sex, nationality, languages, owning agency, referrals, cases and arrests with dates to "
     "the month, never a name, contact, free text or id; ?purpose= required, each person "
     "audited; filters agency, referred_from, referred_to; a page at a time.",
     &web_doc_pseudo_list},
    {"GET", "/api/v1/pseudonymised/persons/{pseudonym}", WEB_KIND_API, PRINCIPAL,
     LT_ACTION_PERSON_READ_PSEUDONYMISED, WEB_CSRF_NONE, WEB_POOL_WRITE, web_api_pseudo_get,
     NULL,
     "One person by pseudonym, as the list gives it (person.read_pseudonymised); ?purpose= "
     "required and audited; 404 for a pseudonym that is nobody's or an erased person's.",
     &web_doc_pseudo_get},
    {"GET", "/api/v1/openapi.json", WEB_KIND_API, PUBLIC, NOACT, WEB_CSRF_NONE, false,
     web_api_openapi, NULL,
     "The OpenAPI 3.1 document of every route, generated from this table.", &doc_openapi},
    {"GET", "/healthz", WEB_KIND_API, PUBLIC, NOACT, WEB_CSRF_NONE, false, web_api_healthz, NULL,
     "Health check: 200 {\"status\":\"ok\"} when the store answers.", &doc_healthz},
};
const size_t web_route_count = sizeof(web_routes) / sizeof(web_routes[0]);

#undef PUBLIC
#undef SESSION
#undef PRINCIPAL
#undef NOACT

/* ---- responses ----------------------------------------------------------- */

void web_response_init(struct web_response *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->status = 500;
	rs->outcome = LT_EINTERNAL;
	rs->route = "-";
	web_response_header(rs, "Content-Security-Policy", WEB_CSP);
	web_response_header(rs, "X-Content-Type-Options", "nosniff");
	web_response_header(rs, "Referrer-Policy", "no-referrer");
	web_response_header(rs, "Cache-Control", "no-store");
}

void web_response_release(struct web_response *rs)
{
	free(rs->body);
	rs->body = NULL;
	rs->body_len = 0;
}

void web_response_header(struct web_response *rs, const char *name, const char *value)
{
	size_t n = strlen(value);
	LT_ASSERT(n < WEB_HEADER_VALUE_MAX);
	LT_ASSERT(!strpbrk(value, "\r\n"));
	struct web_header *h = NULL;
	for (size_t i = 0; i < rs->nheaders; i++)
		if (strcmp(rs->headers[i].name, name) == 0)
			h = &rs->headers[i];
	if (!h) {
		LT_ASSERT(rs->nheaders < WEB_HEADERS_MAX);
		h = &rs->headers[rs->nheaders++];
		h->name = name;
	}
	memcpy(h->value, value, n + 1);
}

void web_response_header_add(struct web_response *rs, const char *name, const char *value)
{
	size_t n = strlen(value);
	LT_ASSERT(n < WEB_HEADER_VALUE_MAX);
	LT_ASSERT(!strpbrk(value, "\r\n"));
	LT_ASSERT(rs->nheaders < WEB_HEADERS_MAX);
	struct web_header *h = &rs->headers[rs->nheaders++];
	h->name = name;
	memcpy(h->value, value, n + 1);
}

const char *web_response_header_get(const struct web_response *rs, const char *name)
{
	for (size_t i = 0; i < rs->nheaders; i++)
		if (strcmp(rs->headers[i].name, name) == 0)
			return rs->headers[i].value;
	return NULL;
}

void web_response_body(struct web_response *rs, int status, const char *content_type,
                       struct lt_buf *b)
{
	free(rs->body);
	rs->status = status;
	rs->body = lt_buf_detach(b, &rs->body_len);
	web_response_header(rs, "Content-Type", content_type);
}

/* ---- errors -------------------------------------------------------------- */

/* The last resort when even an error body cannot be built. */
static void error_plain(struct web_response *rs, lt_status st)
{
	struct lt_buf b;
	lt_buf_init(&b, 256);
	free(rs->body);
	rs->body = NULL;
	rs->body_len = 0;
	if (lt_buf_printf(&b, "%s\n", lt_status_message(st)) == LT_OK)
		web_response_body(rs, lt_status_http(st), "text/plain; charset=utf-8", &b);
	else
		rs->status = lt_status_http(st);
	rs->outcome = st;
	lt_buf_release(&b);
}

/* True when an earlier error in `errors` (before index i) names the same field. */
static bool field_seen(const struct lt_diags *errors, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (strcmp(errors->items[k].field, errors->items[i].field) == 0)
			return true;
	return false;
}

static lt_status problem_body(const struct web_request *rq, lt_status st, const char *detail,
                              const struct lt_diags *errors, struct lt_buf *b)
{
	lt_status rc = LT_ENOMEM;
	char type[96];
	char *text = NULL;
	json_t *doc = NULL, *list = NULL;

	snprintf(type, sizeof(type), "urn:lantern:problem:%s", lt_status_name(st));
	doc = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", lt_status_message(st),
	                "status", lt_status_http(st), "detail",
	                detail ? detail : lt_status_message(st));
	if (!doc)
		goto out;
	if (rq && rq->id && json_object_set_new(doc, "request_id", json_string(rq->id)) != 0)
		goto out;
	if (errors && errors->count) {
		list = json_array();
		if (!list)
			goto out;
		for (size_t i = 0; i < errors->count; i++) {
			const struct lt_error *e = &errors->items[i];
			if (field_seen(errors, i))
				continue;
			json_t *item =
			    json_pack("{s:s, s:s}", "field", e->field, "detail", e->message);
			if (!item || json_array_append_new(list, item) != 0)
				goto out;
		}
		if (json_object_set(doc, "errors", list) != 0)
			goto out;
	}
	text = json_dumps(doc, JSON_COMPACT);
	if (!text)
		goto out;
	rc = lt_buf_puts(b, text);
	if (rc == LT_OK)
		rc = lt_buf_puts(b, "\n");
out:
	free(text);
	json_decref(list);
	json_decref(doc);
	return rc;
}

static lt_status page_body(lt_status st, const char *detail, const struct lt_diags *errors,
                           struct lt_buf *b)
{
	lt_status rc = web_html_open(b, lt_status_message(st), false);
	if (rc == LT_OK)
		rc = lt_buf_printf(b, "<h1>%d: ", lt_status_http(st));
	if (rc == LT_OK)
		rc = web_html_puts(b, lt_status_message(st));
	if (rc == LT_OK)
		rc = lt_buf_puts(b, "</h1>\n<p>");
	if (rc == LT_OK)
		rc = web_html_puts(b, detail ? detail : lt_status_message(st));
	if (rc == LT_OK)
		rc = lt_buf_puts(b, "</p>\n");
	if (rc == LT_OK && errors && errors->count) {
		rc = lt_buf_puts(b, "<ul class=\"errors\">\n");
		for (size_t i = 0; rc == LT_OK && i < errors->count; i++) {
			char sentence[LT_MESSAGE_MAX + LT_CODE_MAX + 8];
			if (field_seen(errors, i))
				continue;
			web_error_sentence(&errors->items[i], sentence, sizeof(sentence));
			rc = lt_buf_puts(b, "<li>");
			if (rc == LT_OK)
				rc = web_html_puts(b, sentence);
			if (rc == LT_OK)
				rc = lt_buf_puts(b, "</li>\n");
		}
		if (rc == LT_OK)
			rc = lt_buf_puts(b, "</ul>\n");
	}
	if (rc == LT_OK)
		rc = lt_buf_puts(b, "<p><a href=\"/\">Go to the start page</a></p>\n");
	if (rc == LT_OK)
		rc = web_html_close(b);
	return rc;
}

void web_error_response(const struct web_request *rq, struct web_response *rs, enum web_kind kind,
                        lt_status st, const char *detail, const struct lt_diags *errors)
{
	struct lt_buf b;
	lt_status rc;

	LT_ASSERT(st != LT_OK);
	lt_buf_init(&b, LT_HTTP_PAGE_MAX);
	if (kind == WEB_KIND_API)
		rc = problem_body(rq, st, detail, errors, &b);
	else
		rc = page_body(st, detail, errors, &b);
	if (rc != LT_OK) {
		error_plain(rs, st);
		goto out;
	}
	web_response_body(
	    rs, lt_status_http(st),
	    kind == WEB_KIND_API ? "application/problem+json" : "text/html; charset=utf-8", &b);
	rs->outcome = st;
	/* RFC 9110: a 401 names the scheme that would do. */
	if (st == LT_EAUTH)
		web_response_header(rs, "WWW-Authenticate", "Bearer realm=\"lantern\"");
out:
	lt_buf_release(&b);
}

void web_error(struct web_call *c, enum web_kind kind, lt_status st, const char *detail,
               const struct lt_diags *errors)
{
	web_error_response(c->rq, c->rs, kind, st, detail, errors);
}

/* ---- dispatch ------------------------------------------------------------ */

enum web_kind web_kind_for_path(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 ? WEB_KIND_API : WEB_KIND_PAGE;
}

/* Does `path` match the route's pattern? Each "{name}" segment of the
 * pattern matches one non-empty segment of the path (shorter than
 * WEB_PARAM_MAX); on a match params[0] and params[1] get the first two, ""
 * when there are fewer. */
static bool route_match(const struct web_route *r, const char *path,
                        char params[2][WEB_PARAM_MAX])
{
	const char *pp = r->path, *p = path;
	size_t k = 0;
	params[0][0] = params[1][0] = '\0';
	while (*pp) {
		if (*pp == '{') {
			const char *close = strchr(pp, '}');
			size_t n = strcspn(p, "/");
			LT_ASSERT(close && k < 2);
			if (n == 0 || n >= WEB_PARAM_MAX)
				return false;
			memcpy(params[k], p, n);
			params[k][n] = '\0';
			k++;
			p += n;
			pp = close + 1;
			continue;
		}
		if (*pp != *p)
			return false;
		pp++;
		p++;
	}
	return *p == '\0';
}

static bool method_match(const char *route_method, const char *method)
{
	if (strcmp(route_method, method) == 0)
		return true;
	return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

/* Append `m` to the Allow list unless it is there. */
static void allow_add(char *allow, size_t cap, const char *m)
{
	size_t n = strlen(allow), mlen = strlen(m);
	for (const char *p = allow; (p = strstr(p, m)) != NULL; p += mlen)
		if ((p == allow || p[-1] == ' ') && (p[mlen] == ',' || p[mlen] == '\0'))
			return;
	LT_ASSERT(n + mlen + 3 < cap);
	if (n) {
		memcpy(allow + n, ", ", 2);
		n += 2;
	}
	memcpy(allow + n, m, mlen + 1);
}

/* The outcome of matching a request's target and method against the table. */
struct route_match_result {
	const struct web_route *found; /* the row that answers, NULL when none */
	char params[2][WEB_PARAM_MAX]; /* its {param} segments, "" when none */
	bool path_known;               /* some row has the path */
	enum web_kind kind;            /* what errors look like */
	char allow[64];                /* the methods of the rows with the path */
	const char *route;             /* the first row's path pattern, for the log */
};

/* Match the decoded `path` against the table for `method`. */
static void route_find(const char *path, const char *method, struct route_match_result *m)
{
	m->found = NULL;
	m->params[0][0] = m->params[1][0] = '\0';
	m->path_known = false;
	m->kind = web_kind_for_path(path);
	m->allow[0] = '\0';
	m->route = "-";
	for (size_t i = 0; i < web_route_count; i++) {
		const struct web_route *r = &web_routes[i];
		char p[2][WEB_PARAM_MAX];
		if (!route_match(r, path, p))
			continue;
		if (!m->path_known)
			m->route = r->path; /* for the log line, even when the method is wrong */
		m->path_known = true;
		m->kind = r->kind;
		allow_add(m->allow, sizeof(m->allow), r->method);
		if (strcmp(r->method, "GET") == 0)
			allow_add(m->allow, sizeof(m->allow), "HEAD");
		if (!m->found && method_match(r->method, method)) {
			m->found = r;
			memcpy(m->params, p, sizeof(m->params));
		}
	}
}

const struct web_route *web_route_for(const char *method, const char *target)
{
	char path[LT_HTTP_URL_MAX + 1];
	struct route_match_result m;
	size_t tlen;
	const char *q;

	if (!method || !target)
		return NULL;
	tlen = strlen(target);
	if (tlen > LT_HTTP_URL_MAX)
		return NULL;
	q = memchr(target, '?', tlen);
	if (web_path_decode(target, q ? (size_t)(q - target) : tlen, path, sizeof(path)) != LT_OK)
		return NULL;
	route_find(path, method, &m);
	return m.found;
}

static bool method_safe(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

enum web_pool web_route_pool(const struct web_route *r)
{
	switch (r->offload) {
	case WEB_POOL_SIGNIN:
	case WEB_POOL_WRITE:
		return r->offload;
	case WEB_POOL_BY_METHOD:
		return method_safe(r->method) ? WEB_POOL_NONE : WEB_POOL_WRITE;
	case WEB_POOL_NONE:
		break;
	}
	LT_BUG("route %s %s: offload %d is not a table value", r->method, r->path, (int)r->offload);
}

/*
 * Who may call: resolve the credentials a route's access needs and check
 * them, its action included. True when the handler may run; otherwise the
 * response is the refusal: 401 (or, for a page, a 303 to /login) without
 * credentials that hold, 403 when they hold but may not do this.
 */
static bool access_check(struct web_call *c, const struct web_route *r, struct web_principal *who)
{
	char detail[LT_MESSAGE_MAX];
	lt_status st;

	if (r->access == WEB_ACCESS_PUBLIC)
		return true;
	st = web_auth_resolve(c->app, c->rq, who, detail, sizeof(detail));
	if (st == LT_EAUTH && r->kind == WEB_KIND_PAGE) {
		struct lt_buf b;
		lt_buf_init(&b, 256);
		if (lt_buf_puts(&b, "Sign in first: /login\n") == LT_OK)
			web_response_body(c->rs, 303, "text/plain; charset=utf-8", &b);
		else
			c->rs->status = 303;
		c->rs->outcome = LT_EAUTH;
		web_response_header(c->rs, "Location", "/login");
		lt_buf_release(&b);
		return false;
	}
	if (st != LT_OK) {
		web_error(c, r->kind, st, detail, NULL);
		return false;
	}
	if (r->access == WEB_ACCESS_SESSION && who->auth != WEB_AUTH_SESSION) {
		web_error(c, r->kind, LT_EFORBIDDEN,
		          "This is for members of staff signed in with a session; an API token "
		          "cannot use it.",
		          NULL);
		return false;
	}
	if (r->action != WEB_NO_ACTION &&
	    lt_access_check(&who->p, (enum lt_action)r->action, NULL) != LT_OK) {
		snprintf(detail, sizeof(detail), "The role %s may not do %s.",
		         lt_vocab_term(&lt_vocab_role, (size_t)who->p.role)->code,
		         lt_action_info((enum lt_action)r->action)->code);
		web_error(c, r->kind, LT_EFORBIDDEN, detail, NULL);
		return false;
	}
	return true;
}

/* The form field "csrf" of a form body, when it is there once. */
static bool form_csrf(const struct web_form *f, const char **v, size_t *len)
{
	const struct web_pair *p;
	if (web_form_get(f, "csrf", &p) != 1)
		return false;
	*v = p->value;
	*len = p->value_len;
	return true;
}

/*
 * Did a state-changing request come from lantern's own page? Pages: the
 * route's kind of token, in the form field "csrf" (the body is read here,
 * so its content type and encoding are checked here too: 415, 400, 413 as
 * the handler would). The API: a request authenticated by the session
 * cookie sends the session's token in X-CSRF-Token. True when the handler
 * may run; otherwise the response is the refusal (403).
 */
static bool csrf_check(struct web_call *c, const struct web_route *r, const struct web_principal *who)
{
	const struct web_request *rq = c->rq;
	struct web_form form = {0};
	struct lt_error err;
	const char *tok = NULL;
	size_t tlen = 0;
	bool ok = false;

	if (method_safe(rq->method))
		return true;
	if (r->kind == WEB_KIND_API) {
		if (who->auth != WEB_AUTH_SESSION)
			return true;
		if (rq->csrf_header && strlen(rq->csrf_header) == LT_CRYPTO_SECRET_CHARS &&
		    lt_crypto_equal(rq->csrf_header, who->csrf, LT_CRYPTO_SECRET_CHARS))
			return true;
		web_error(c, r->kind, LT_EFORBIDDEN,
		          "A request signed in with the session cookie must send the session's CSRF "
		          "token (csrf_token of GET /api/v1/session) in X-CSRF-Token.",
		          NULL);
		return false;
	}
	LT_ASSERT(r->csrf != WEB_CSRF_NONE); /* a state-changing page route names its token */
	if (!web_content_type_is(rq->content_type, "application/x-www-form-urlencoded")) {
		web_error(c, r->kind, LT_EMEDIATYPE,
		          "The form must be sent as application/x-www-form-urlencoded.", NULL);
		web_response_header(c->rs, "Accept-Post", "application/x-www-form-urlencoded");
		return false;
	}
	lt_error_clear(&err);
	lt_status st = web_form_parse(rq->body ? rq->body : "", rq->body_len, &form, &err);
	if (st != LT_OK) {
		char detail[LT_MESSAGE_MAX + 64];
		snprintf(detail, sizeof(detail), "The form could not be read: %s.", err.message);
		web_error(c, r->kind, st, detail, NULL);
		web_form_release(&form);
		return false;
	}
	if (form_csrf(&form, &tok, &tlen)) {
		unsigned char nonce[LT_CRYPTO_SECRET_BYTES];
		switch (r->csrf) {
		case WEB_CSRF_SESSION:
			ok = who->auth == WEB_AUTH_SESSION && tlen == LT_CRYPTO_SECRET_CHARS &&
			     lt_crypto_equal(tok, who->csrf, LT_CRYPTO_SECRET_CHARS);
			break;
		case WEB_CSRF_FORM:
			ok = web_form_token_ok(c->app, WEB_FORM_REPORT, NULL, rq->now, tok, tlen);
			break;
		case WEB_CSRF_LOGIN:
			ok = web_login_nonce_get(c->app, rq, nonce) &&
			     web_form_token_ok(c->app, WEB_FORM_LOGIN, nonce, rq->now, tok, tlen);
			lt_crypto_wipe(nonce, sizeof(nonce));
			break;
		case WEB_CSRF_NONE:
			break;
		}
	}
	if (!ok) {
		if (r->refused)
			r->refused(c, &form);
		else
			web_error(c, r->kind, LT_EFORBIDDEN,
			          "This form has expired or was not sent from this site's own page. "
			          "Go back, reload the page and try again.",
			          NULL);
		LT_ASSERT(c->rs->status == 403);
	}
	web_form_release(&form);
	return ok;
}

void web_handle(struct web_app *app, const struct web_request *rq, struct web_response *rs)
{
	char path[LT_HTTP_URL_MAX + 1];
	char detail[LT_MESSAGE_MAX];
	struct route_match_result m;
	struct web_principal who;
	const char *target = rq->target ? rq->target : "/";
	size_t tlen = strlen(target);
	const char *q = memchr(target, '?', tlen);
	size_t plen = q ? (size_t)(q - target) : tlen;
	enum web_kind kind = web_kind_for_path(target);

	if (tlen > LT_HTTP_URL_MAX) {
		snprintf(detail, sizeof(detail), "The request target is longer than %d bytes.",
		         LT_HTTP_URL_MAX);
		web_error_response(rq, rs, kind, LT_ETOOLONG, detail, NULL);
		return;
	}
	if (web_path_decode(target, plen, path, sizeof(path)) != LT_OK) {
		web_error_response(rq, rs, kind, LT_EPARSE,
		                   "The path has a malformed %-escape or an escaped NUL byte.",
		                   NULL);
		return;
	}
	route_find(path, rq->method ? rq->method : "", &m);
	rs->route = m.route;
	if (rq->body_too_big) {
		snprintf(detail, sizeof(detail), "The request body is larger than %d bytes.",
		         LT_HTTP_BODY_MAX);
		web_error_response(rq, rs, m.kind, LT_ETOOBIG, detail, NULL);
		return;
	}
	if (!m.path_known) {
		web_error_response(rq, rs, m.kind, LT_ENOTFOUND, "There is nothing at this address.",
		                   NULL);
		return;
	}
	if (!m.found) {
		snprintf(detail, sizeof(detail), "This address answers only to: %s.", m.allow);
		web_error_response(rq, rs, m.kind, LT_EMETHOD, detail, NULL);
		web_response_header(rs, "Allow", m.allow);
		return;
	}

	web_principal_public(&who);
	struct web_call c = {
	    .app = app,
	    .rq = rq,
	    .path = path,
	    .query = q ? q + 1 : "",
	    .param = m.params[0],
	    .param2 = m.params[1],
	    .who = &who,
	    .rs = rs,
	};
	rs->route = m.found->path;
	if (access_check(&c, m.found, &who) && csrf_check(&c, m.found, &who))
		m.found->handler(&c);
	web_principal_wipe(&who);
	LT_ASSERT(rs->status >= 100 && rs->status <= 599);
}

/* ---- the application ----------------------------------------------------- */

lt_status web_app_init(struct web_app *app, struct store *st, const char *keyfile,
                       struct lt_error *err)
{
	struct lt_crypto_keypair kp;
	lt_status rc;

	memset(app, 0, sizeof(*app));
	app->st = st;
	rc = lt_crypto_init();
	if (rc != LT_OK)
		return lt_error_set(err, rc, NULL, "the cryptographic library could not start");
	lt_crypto_random(app->form_key, sizeof(app->form_key));
	app->country_order = web_country_order_alloc();
	if (!app->country_order ||
	    lt_throttle_alloc(&lt_throttle_account_policy, LT_LOGIN_THROTTLE_KEYS,
	                      lt_crypto_random_u64(), &app->throttle_account) != LT_OK ||
	    lt_throttle_alloc(&lt_throttle_address_policy, LT_LOGIN_THROTTLE_KEYS,
	                      lt_crypto_random_u64(), &app->throttle_address) != LT_OK) {
		web_app_release(app);
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	}
	if (!keyfile)
		return LT_OK;
	rc = lt_crypto_keyfile_read(keyfile, 0, &kp, err);
	if (rc != LT_OK) {
		web_app_release(app);
		return rc;
	}
	memcpy(app->pk, kp.pk, sizeof(app->pk));
	app->sealing = true;
	lt_crypto_keypair_wipe(&kp);
	return LT_OK;
}

void web_app_release(struct web_app *app)
{
	lt_crypto_wipe(app->pk, sizeof(app->pk));
	lt_crypto_wipe(app->form_key, sizeof(app->form_key));
	app->sealing = false;
	free(app->country_order);
	app->country_order = NULL;
	lt_throttle_free(app->throttle_account);
	lt_throttle_free(app->throttle_address);
	web_app_data_keys_release(app);
	app->throttle_account = NULL;
	app->throttle_address = NULL;
}
