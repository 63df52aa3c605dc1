/*
 * link_json.c — Fellegi–Sunter models as JSON, and the waterfall of a pair
 * as JSON (link_model.h, "JSON"). The only file of the linkage module that
 * includes jansson.
 *
 * THE FORMAT. One object:
 *   format        "lantern-link-model" (optional; checked when present)
 *   version       1 (optional; checked when present)
 *   probability_two_random_records_match   λ in (0, 1)
 *   comparisons   an array of 1..LT_LINK_COMPARISONS_MAX objects:
 *     name, field          strings of 1..63 bytes
 *     field2               optional: the second field of swapped levels
 *     levels               an array of 2..LT_LINK_LEVELS_MAX objects:
 *       kind               a name of the level-kind table (link_model.h)
 *       distance | threshold | years   the kind's parameter, required when
 *                          the kind has one, refused otherwise
 *       normalise          boolean, string kinds only (default false)
 *       m, u               in (0, 1]; required but on the null level,
 *                          where they are refused
 *       tf_weight          [0, 1], exact levels only (default 0)
 *       tf_min             [0, 1) (default 0)
 *       label              a string of at most 95 bytes (default generated)
 *     term_frequencies     optional: {"total": n, "normalise": bool,
 *                          "values": {"value": count, ...}}
 * Unknown members are refused, so a misspelt "tf_wieght" is not silently
 * ignored. Reals are written with 17 significant digits, so a model read
 * back scores exactly as the one written. The TF tables hold the values of
 * the data (names): they are written only on request.
 *
 * ERRORS name the JSON path at fault, in err->field and at the start of
 * the message: "comparisons[1].levels[2].m: must be in (0, 1], not 1.5".
 * The range checks are lt_link_model_finish's, so a model built in C and
 * one read from JSON obey the same rules.
 */
#include "linkage/link_model.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkage/link_model_int.h"
#include "core/banned.h"

#define FORMAT_NAME "lantern-link-model"

/* ---- Writing --------------------------------------------------------- */

static int set_real(json_t *o, const char *key, double v)
{
	return json_object_set_new(o, key, isfinite(v) ? json_real(v) : json_null());
}

lt_status lt_link_model_to_json(const struct lt_link_model *m, bool with_tf, char **out)
{
	*out = NULL;
	json_t *root = json_object();
	json_t *comps = json_array();
	int bad = root == NULL || comps == NULL;
	bad |= json_object_set_new(root, "format", json_string(FORMAT_NAME));
	bad |= json_object_set_new(root, "version", json_integer(1));
	bad |= set_real(root, "probability_two_random_records_match", m->lambda);
	for (size_t k = 0; k < m->ncomp && !bad; k++) {
		const struct lt_link_comparison *c = &m->comps[k];
		json_t *jc = json_object(), *levels = json_array();
		bad |= jc == NULL || levels == NULL;
		bad |= json_array_append_new(comps, jc);
		bad |= json_object_set_new(jc, "name", json_string(c->name));
		bad |= json_object_set_new(jc, "field", json_string(c->field));
		if (c->field2[0])
			bad |= json_object_set_new(jc, "field2", json_string(c->field2));
		bad |= json_object_set_new(jc, "levels", levels);
		for (size_t l = 0; l < c->nlevel && !bad; l++) {
			const struct lt_link_level *lv = &c->levels[l];
			const struct lt_link_level_kind_info *ki =
			    lt_link_level_kind_info(lv->kind);
			json_t *jl = json_object();
			bad |= jl == NULL;
			bad |= json_array_append_new(levels, jl);
			bad |= json_object_set_new(jl, "kind", json_string(ki->name));
			bad |= json_object_set_new(jl, "label", json_string(lv->label));
			if (ki->param == LT_LINK_PARAM_THRESHOLD)
				bad |= set_real(jl, "threshold", lv->param);
			else if (ki->param != LT_LINK_PARAM_NONE)
				bad |= json_object_set_new(jl, lt_link_param_name(ki->param),
				                           json_integer((json_int_t)lv->param));
			if (ki->data == LT_LINK_DATA_STRING)
				bad |= json_object_set_new(jl, "normalise",
				                           json_boolean(lv->normalise));
			if (lv->kind == LT_LINK_LEVEL_NULL)
				continue;
			bad |= set_real(jl, "m", lv->m);
			bad |= set_real(jl, "u", lv->u);
			if (lv->tf_weight > 0) {
				bad |= set_real(jl, "tf_weight", lv->tf_weight);
				bad |= set_real(jl, "tf_min", lv->tf_min);
			}
		}
		if (with_tf && c->tf && !bad) {
			json_t *jt = json_object(), *vals = json_object();
			bad |= jt == NULL || vals == NULL;
			bad |= json_object_set_new(jc, "term_frequencies", jt);
			bad |= json_object_set_new(jt, "total",
			                           json_integer((json_int_t)c->tf->total));
			bad |= json_object_set_new(jt, "normalise", json_boolean(c->tf->normalise));
			bad |= json_object_set_new(jt, "values", vals);
			for (size_t i = 0; i < c->tf->cap && !bad; i++) {
				const struct lt_link_tf_entry *e = &c->tf->slots[i];
				json_t *probe = e->value ? json_string(e->value) : NULL;
				if (probe == NULL)
					continue; /* an empty slot, or a value that is not UTF-8:
					             left out, so it gets no adjustment when read
					             back */
				json_decref(probe);
				bad |= json_object_set_new(vals, e->value,
				                           json_integer((json_int_t)e->count));
			}
		}
	}
	bad |= json_object_set_new(root, "comparisons", comps);
	if (!bad)
		*out = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17) | JSON_SORT_KEYS);
	json_decref(root);
	return *out ? LT_OK : LT_ENOMEM;
}

/* ---- Reading --------------------------------------------------------- */

/* Format a JSON path into out (cut if too long: a path only names a place). */
LT_PRINTF(3, 4)
static void pathf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

LT_PRINTF(4, 5)
static lt_status jerr(struct lt_error *err, lt_status st, const char *path, const char *fmt, ...)
{
	char msg[LT_MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return lt_error_set(err, st, path, "%s: %s", path, msg);
}

/* Refuse members of `o` not in the NULL-terminated list `known`. */
static lt_status only_members(json_t *o, const char *path, const char *const *known,
                              struct lt_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		bool ok = false;
		for (size_t i = 0; known[i] && !ok; i++)
			ok = strcmp(key, known[i]) == 0;
		if (!ok) {
			char p[LT_CODE_MAX], q[48];
			lt_error_quote(q, sizeof(q), key, strlen(key), 40);
			pathf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", q);
			return jerr(err, LT_EINVAL, p, "unknown member");
		}
	}
	return LT_OK;
}

static lt_status get_real(json_t *o, const char *key, const char *path, bool required, double *out,
                          struct lt_error *err)
{
	char p[LT_CODE_MAX];
	pathf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", key);
	json_t *v = json_object_get(o, key);
	if (v == NULL) {
		if (required)
			return jerr(err, LT_EINVAL, p, "is required");
		return LT_OK;
	}
	if (!json_is_number(v))
		return jerr(err, LT_EINVAL, p, "must be a number");
	*out = json_number_value(v);
	if (!isfinite(*out))
		return jerr(err, LT_EINVAL, p, "must be a finite number");
	return LT_OK;
}

static lt_status get_string(json_t *o, const char *key, const char *path, char *out, size_t cap,
                            bool required, struct lt_error *err)
{
	char p[LT_CODE_MAX];
	pathf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", key);
	json_t *v = json_object_get(o, key);
	if (v == NULL) {
		if (required)
			return jerr(err, LT_EINVAL, p, "is required");
		return LT_OK;
	}
	if (!json_is_string(v))
		return jerr(err, LT_EINVAL, p, "must be a string");
	size_t n = json_string_length(v);
	if ((required && n == 0) || n >= cap || memchr(json_string_value(v), '\0', n))
		return jerr(err, LT_EINVAL, p, "must be a string of %s to %zu bytes",
		            required ? "1" : "0", cap - 1);
	memcpy(out, json_string_value(v), n + 1);
	return LT_OK;
}

static lt_status get_bool(json_t *o, const char *key, const char *path, bool *out,
                          struct lt_error *err)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		return LT_OK;
	if (!json_is_boolean(v)) {
		char p[LT_CODE_MAX];
		pathf(p, sizeof(p), "%s.%s", path, key);
		return jerr(err, LT_EINVAL, p, "must be true or false");
	}
	*out = json_is_true(v);
	return LT_OK;
}

static lt_status read_level(json_t *jl, const char *path, struct lt_link_level *lv,
                            struct lt_error *err)
{
	static const char *const known[] = {"kind",      "label",     "normalise", "m",
	                                    "u",         "tf_weight", "tf_min",    "distance",
	                                    "threshold", "years",     NULL};
	char p[LT_CODE_MAX];
	if (!json_is_object(jl))
		return jerr(err, LT_EINVAL, path, "must be an object");
	lt_status st = only_members(jl, path, known, err);
	if (st != LT_OK)
		return st;
	char kind[32] = "";
	st = get_string(jl, "kind", path, kind, sizeof(kind), true, err);
	if (st != LT_OK) {
		pathf(p, sizeof(p), "%s.kind", path);
		return json_is_string(json_object_get(jl, "kind"))
		           ? jerr(err, LT_EINVAL, p, "unknown level kind")
		           : st;
	}
	int ki = lt_link_level_kind_from_name(kind);
	if (ki < 0) {
		pathf(p, sizeof(p), "%s.kind", path);
		return jerr(err, LT_EINVAL, p, "unknown level kind \"%s\"", kind);
	}
	memset(lv, 0, sizeof(*lv));
	lv->kind = (enum lt_link_level_kind)ki;
	const struct lt_link_level_kind_info *info = lt_link_level_kind_info(lv->kind);
	static const enum lt_link_level_param params[] = {
	    LT_LINK_PARAM_DISTANCE, LT_LINK_PARAM_THRESHOLD, LT_LINK_PARAM_YEARS};
	for (size_t i = 0; i < 3; i++) {
		const char *pn = lt_link_param_name(params[i]);
		bool wanted = info->param == params[i];
		if (!wanted && json_object_get(jl, pn)) {
			pathf(p, sizeof(p), "%s.%s", path, pn);
			return jerr(err, LT_EINVAL, p, "a %s level takes no %s", info->name, pn);
		}
		if (wanted && (st = get_real(jl, pn, path, true, &lv->param, err)) != LT_OK)
			return st;
	}
	if (json_object_get(jl, "normalise") && info->data != LT_LINK_DATA_STRING) {
		pathf(p, sizeof(p), "%s.normalise", path);
		return jerr(err, LT_EINVAL, p, "only string levels fold their values");
	}
	if ((st = get_bool(jl, "normalise", path, &lv->normalise, err)) != LT_OK)
		return st;
	if (lv->kind == LT_LINK_LEVEL_NULL) {
		static const char *const nomu[] = {"m", "u", "tf_weight", "tf_min"};
		for (size_t i = 0; i < 4; i++)
			if (json_object_get(jl, nomu[i])) {
				pathf(p, sizeof(p), "%s.%s", path, nomu[i]);
				return jerr(err, LT_EINVAL, p,
				            "the null level is no evidence: it has no %s", nomu[i]);
			}
	} else {
		if ((st = get_real(jl, "m", path, true, &lv->m, err)) != LT_OK ||
		    (st = get_real(jl, "u", path, true, &lv->u, err)) != LT_OK)
			return st;
		/* below LT_LINK_PROB_MIN but positive is raised by finish; 0 is refused */
	}
	if ((st = get_real(jl, "tf_weight", path, false, &lv->tf_weight, err)) != LT_OK ||
	    (st = get_real(jl, "tf_min", path, false, &lv->tf_min, err)) != LT_OK)
		return st;
	return get_string(jl, "label", path, lv->label, sizeof(lv->label), false, err);
}

static lt_status read_tf(json_t *jt, const char *path, struct lt_link_tf **out,
                         struct lt_error *err)
{
	static const char *const known[] = {"total", "normalise", "values", NULL};
	char p[LT_CODE_MAX];
	if (!json_is_object(jt))
		return jerr(err, LT_EINVAL, path, "must be an object");
	lt_status st = only_members(jt, path, known, err);
	if (st != LT_OK)
		return st;
	json_t *jtotal = json_object_get(jt, "total"), *vals = json_object_get(jt, "values");
	pathf(p, sizeof(p), "%s.total", path);
	if (!json_is_integer(jtotal) || json_integer_value(jtotal) < 1)
		return jerr(err, LT_EINVAL, p, "must be a whole number above 0");
	pathf(p, sizeof(p), "%s.values", path);
	if (!json_is_object(vals))
		return jerr(err, LT_EINVAL, p, "must be an object of value: count");
	bool norm = false;
	if ((st = get_bool(jt, "normalise", path, &norm, err)) != LT_OK)
		return st;
	struct lt_link_tf *tf = lt_link_tf_alloc(norm);
	if (tf == NULL)
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	tf->total = (uint64_t)json_integer_value(jtotal);
	uint64_t sum = 0;
	const char *key;
	json_t *v;
	json_object_foreach(vals, key, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    (uint64_t)json_integer_value(v) > tf->total) {
			char q[48];
			lt_error_quote(q, sizeof(q), key, strlen(key), 20);
			pathf(p, sizeof(p), "%s.values.%s", path, q);
			lt_link_tf_free(tf);
			return jerr(err, LT_EINVAL, p, "must be a whole number from 1 to total");
		}
		sum += (uint64_t)json_integer_value(v);
		if (lt_link_tf_add(tf, key, (uint64_t)json_integer_value(v)) != LT_OK) {
			lt_link_tf_free(tf);
			return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
		}
	}
	if (sum > tf->total) {
		pathf(p, sizeof(p), "%s.total", path);
		lt_link_tf_free(tf);
		return jerr(err, LT_EINVAL, p, "is less than the sum of the counts (%llu)",
		            (unsigned long long)sum);
	}
	*out = tf;
	return LT_OK;
}

static lt_status read_model(json_t *root, struct lt_link_model *m, struct lt_error *err)
{
	static const char *const known[] = {
	    "format", "version", "probability_two_random_records_match", "comparisons", NULL};
	static const char *const known_c[] = {
	    "name", "field", "field2", "levels", "term_frequencies", NULL};
	if (!json_is_object(root))
		return jerr(err, LT_EINVAL, "(root)", "a model is a JSON object");
	lt_status st = only_members(root, "", known, err);
	if (st != LT_OK)
		return st;
	json_t *f = json_object_get(root, "format");
	if (f && (!json_is_string(f) || strcmp(json_string_value(f), FORMAT_NAME) != 0))
		return jerr(err, LT_EINVAL, "format", "must be \"" FORMAT_NAME "\"");
	json_t *ver = json_object_get(root, "version");
	if (ver && (!json_is_integer(ver) || json_integer_value(ver) != 1))
		return jerr(err, LT_EINVAL, "version", "must be 1 (this lantern reads version 1)");
	if ((st = get_real(root, "probability_two_random_records_match", "", true, &m->lambda,
	                   err)) != LT_OK)
		return st;
	json_t *comps = json_object_get(root, "comparisons");
	if (!json_is_array(comps) || json_array_size(comps) == 0 ||
	    json_array_size(comps) > LT_LINK_COMPARISONS_MAX)
		return jerr(err, LT_EINVAL, "comparisons",
		            "must be an array of 1 to %d comparisons", LT_LINK_COMPARISONS_MAX);
	for (size_t k = 0; k < json_array_size(comps); k++) {
		char path[LT_CODE_MAX], p[LT_CODE_MAX];
		pathf(path, sizeof(path), "comparisons[%zu]", k);
		json_t *jc = json_array_get(comps, k);
		if (!json_is_object(jc))
			return jerr(err, LT_EINVAL, path, "must be an object");
		if ((st = only_members(jc, path, known_c, err)) != LT_OK)
			return st;
		struct lt_link_comparison *c = &m->comps[k];
		m->ncomp = k + 1;
		if ((st = get_string(jc, "name", path, c->name, sizeof(c->name), true, err)) !=
		        LT_OK ||
		    (st = get_string(jc, "field", path, c->field, sizeof(c->field), true, err)) !=
		        LT_OK ||
		    (st = get_string(jc, "field2", path, c->field2, sizeof(c->field2), false,
		                     err)) != LT_OK)
			return st;
		json_t *levels = json_object_get(jc, "levels");
		pathf(p, sizeof(p), "%s.levels", path);
		if (!json_is_array(levels) || json_array_size(levels) < 2 ||
		    json_array_size(levels) > LT_LINK_LEVELS_MAX)
			return jerr(err, LT_EINVAL, p, "must be an array of 2 to %d levels",
			            LT_LINK_LEVELS_MAX);
		c->nlevel = json_array_size(levels);
		for (size_t l = 0; l < c->nlevel; l++) {
			char lp[LT_CODE_MAX];
			pathf(lp, sizeof(lp), "%s.levels[%zu]", path, l);
			if ((st = read_level(json_array_get(levels, l), lp, &c->levels[l], err)) !=
			    LT_OK)
				return st;
		}
		json_t *jt = json_object_get(jc, "term_frequencies");
		if (jt) {
			pathf(p, sizeof(p), "%s.term_frequencies", path);
			if ((st = read_tf(jt, p, &c->tf, err)) != LT_OK)
				return st;
		}
	}
	return lt_link_model_finish(m, err);
}

/* Parse `text` (`len` bytes) as JSON and fill `m` from it with `reader`
 * (our format or splink's); `m` is initialised first and released again
 * on failure. */
static lt_status model_parse(const char *text, size_t len, struct lt_link_model *m,
                             struct lt_error *err,
                             lt_status (*reader)(json_t *, struct lt_link_model *,
                                                 struct lt_error *))
{
	lt_link_model_init(m);
	if (len > LT_LINK_MODEL_JSON_MAX)
		return lt_error_set(err, LT_ETOOBIG, NULL, "a model is at most %ld bytes",
		                    (long)LT_LINK_MODEL_JSON_MAX);
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		lt_status st = lt_error_set(err, LT_EPARSE, NULL, "not valid JSON: %s", je.text);
		if (err)
			err->line = je.line;
		return st;
	}
	lt_status st = reader(root, m, err);
	json_decref(root);
	if (st != LT_OK)
		lt_link_model_release(m);
	return st;
}

lt_status lt_link_model_from_json(const char *text, size_t len, struct lt_link_model *m,
                                  struct lt_error *err)
{
	return model_parse(text, len, m, err, read_model);
}

/* ---- The waterfall as JSON ------------------------------------------- */

/* A JSON string of s, with each byte that is not UTF-8 shown as U+FFFD;
 * null for NULL. */
static json_t *str_or_null(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;
	size_t n = strlen(s), o = 0;
	char *buf = malloc(3 * n + 1);
	if (buf == NULL)
		return NULL;
	for (size_t i = 0; s[i];) {
		size_t at = i;
		uint32_t cp = lt_link_next_cp((const unsigned char *)s, &i);
		if (cp >= 0xDC80 && cp <= 0xDCFF && i == at + 1 && (unsigned char)s[at] >= 0x80) {
			memcpy(buf + o, "\xEF\xBF\xBD", 3);
			o += 3;
		} else {
			memcpy(buf + o, s + at, i - at);
			o += i - at;
		}
	}
	buf[o] = '\0';
	j = json_string(buf);
	free(buf);
	return j;
}

lt_status lt_link_explain_json(const struct lt_link_prep *p, const struct lt_link_explanation *x,
                               char **out)
{
	*out = NULL;
	const struct lt_link_table *t = p->table;
	json_t *root = json_object(), *steps = json_array();
	int bad = root == NULL || steps == NULL;
	bad |= json_object_set_new(root, "id_a", str_or_null(t->ids ? t->ids[x->a] : NULL));
	bad |= json_object_set_new(root, "id_b", str_or_null(t->ids ? t->ids[x->b] : NULL));
	if (t->source_names && t->source) {
		bad |= json_object_set_new(root, "source_a",
		                           str_or_null(t->source_names[t->source[x->a]]));
		bad |= json_object_set_new(root, "source_b",
		                           str_or_null(t->source_names[t->source[x->b]]));
	}
	bad |= set_real(root, "prior", x->prior);
	bad |= set_real(root, "prior_weight", x->prior_weight);
	for (size_t i = 0; i < x->nstep && !bad; i++) {
		const struct lt_link_explain_step *s = &x->steps[i];
		json_t *js = json_object();
		bad |= js == NULL;
		bad |= json_array_append_new(steps, js);
		bad |= json_object_set_new(js, "comparison", json_string(s->name));
		bad |= json_object_set_new(js, "value_a", str_or_null(s->value_a));
		bad |= json_object_set_new(js, "value_b", str_or_null(s->value_b));
		bad |= json_object_set_new(js, "level", json_integer(s->level));
		bad |= json_object_set_new(js, "label", json_string(s->label));
		bad |= json_object_set_new(js, "kind",
		                           json_string(lt_link_level_kind_info(s->kind)->name));
		bad |= set_real(js, "m", s->m);
		bad |= set_real(js, "u", s->u);
		bad |= set_real(js, "bayes_factor", s->bf);
		bad |= set_real(js, "log2_bayes_factor", s->log2_bf);
		bad |= set_real(js, "tf_frequency", s->tf_freq);
		bad |= set_real(js, "tf_bayes_factor", s->tf_bf);
		bad |= set_real(js, "tf_log2", s->tf_log2);
		bad |= set_real(js, "cumulative_weight", s->cumulative);
	}
	bad |= json_object_set_new(root, "steps", steps);
	bad |= set_real(root, "match_weight", x->weight);
	bad |= set_real(root, "match_probability", x->probability);
	if (!bad)
		*out = json_dumps(root,
		                  JSON_INDENT(2) | JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return *out ? LT_OK : LT_ENOMEM;
}

/* ---- splink's settings format ------------------------------------------ */

/*
 * The canonical form of a splink SQL condition into out (cap bytes):
 * lower case, without double quotes, spaces, "cast(" ... "astext)" wrappers
 * and "::varchar" / "::text" casts. False when it does not fit.
 */
static bool sql_canonical(const char *sql, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; sql[i]; i++) {
		unsigned char c = (unsigned char)sql[i];
		if (c == '"' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (o + 1 >= cap)
			return false;
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[o] = '\0';
	static const char *const drop[] = {"::varchar", "::text", "astext)", "cast("};
	for (size_t d = 0; d < 4; d++) {
		size_t n = strlen(drop[d]);
		char *p;
		while ((p = strstr(out, drop[d])) != NULL)
			memmove(p, p + n, strlen(p + n) + 1);
	}
	return true;
}

/* If s is "X_l" or "X_r" (side 'l' or 'r'), copy X into x and return true. */
static bool column_side(const char *s, size_t n, char side, char *x, size_t cap)
{
	if (n < 3 || n - 2 >= cap || s[n - 2] != '_' || s[n - 1] != side)
		return false;
	for (size_t i = 0; i < n - 2; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	memcpy(x, s, n - 2);
	x[n - 2] = '\0';
	return true;
}

/* "X_l,X_r" of n bytes: the column X. */
static bool column_pair(const char *s, size_t n, char *x, size_t cap)
{
	const char *comma = memchr(s, ',', n);
	if (!comma)
		return false;
	char y[LT_LINK_NAME_MAX];
	return column_side(s, (size_t)(comma - s), 'l', x, cap) &&
	       column_side(comma + 1, n - (size_t)(comma - s) - 1, 'r', y, sizeof(y)) &&
	       strcmp(x, y) == 0;
}

/* A number that is the whole of s. */
static bool whole_number(const char *s, double *v)
{
	char *end;
	*v = strtod(s, &end);
	return end != s && *end == '\0' && isfinite(*v);
}

/* Read one splink condition into a kind, parameter and column. */
static bool read_condition(const char *sql, enum lt_link_level_kind *kind, double *param, char *x,
                           size_t cap)
{
	char c[1024];
	if (!sql_canonical(sql, c, sizeof(c)))
		return false;
	*param = 0;
	if (strcmp(c, "else") == 0) {
		*kind = LT_LINK_LEVEL_ELSE;
		x[0] = '\0';
		return true;
	}
	const char *isnull = strstr(c, "isnullor");
	if (isnull && strlen(isnull + 8) >= 6 && strcmp(c + strlen(c) - 6, "isnull") == 0) {
		char y[LT_LINK_NAME_MAX];
		*kind = LT_LINK_LEVEL_NULL;
		return column_side(c, (size_t)(isnull - c), 'l', x, cap) &&
		       column_side(isnull + 8, strlen(isnull + 8) - 6, 'r', y, sizeof(y)) &&
		       strcmp(x, y) == 0;
	}
	static const struct {
		const char *fn;
		const char *op;
		enum lt_link_level_kind kind;
	} fns[] = {
	    {"damerau_levenshtein(", "<=", LT_LINK_LEVEL_DAMERAU},
	    {"levenshtein(", "<=", LT_LINK_LEVEL_LEVENSHTEIN},
	    {"jaro_winkler_similarity(", ">=", LT_LINK_LEVEL_JARO_WINKLER},
	    {"jaro_winkler(", ">=", LT_LINK_LEVEL_JARO_WINKLER},
	};
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		size_t n = strlen(fns[i].fn);
		if (strncmp(c, fns[i].fn, n) != 0)
			continue;
		const char *close = strchr(c + n, ')');
		if (!close || strncmp(close + 1, fns[i].op, 2) != 0)
			return false;
		*kind = fns[i].kind;
		return column_pair(c + n, (size_t)(close - c - n), x, cap) &&
		       whole_number(close + 3, param);
	}
	const char *eq = strchr(c, '=');
	if (eq && !strchr(eq + 1, '=')) {
		char y[LT_LINK_NAME_MAX];
		*kind = LT_LINK_LEVEL_EXACT;
		return column_side(c, (size_t)(eq - c), 'l', x, cap) &&
		       column_side(eq + 1, strlen(eq + 1), 'r', y, sizeof(y)) && strcmp(x, y) == 0;
	}
	return false;
}

static lt_status read_splink_level(json_t *jl, const char *path, struct lt_link_level *lv,
                                   char *column, struct lt_error *err)
{
	char p[LT_CODE_MAX];
	if (!json_is_object(jl))
		return jerr(err, LT_EINVAL, path, "must be an object");
	json_t *sql = json_object_get(jl, "sql_condition");
	pathf(p, sizeof(p), "%s.sql_condition", path);
	if (!json_is_string(sql))
		return jerr(err, LT_EINVAL, p, "is required, a string");
	memset(lv, 0, sizeof(*lv));
	double param = 0;
	enum lt_link_level_kind kind;
	char x[LT_LINK_NAME_MAX] = "";
	bool null_level = json_is_true(json_object_get(jl, "is_null_level"));
	if (!read_condition(json_string_value(sql), &kind, &param, x, sizeof(x))) {
		if (!null_level) {
			char q[64];
			const char *v = json_string_value(sql);
			lt_error_quote(q, sizeof(q), v, strlen(v), 48);
			return jerr(err, LT_EINVAL, p, "lantern cannot read this condition: %s", q);
		}
		x[0] = '\0';
	}
	if (null_level)
		kind = LT_LINK_LEVEL_NULL;
	lv->kind = kind;
	lv->param = param;
	snprintf(column, LT_LINK_NAME_MAX, "%s", x);
	lt_status st;
	if (kind != LT_LINK_LEVEL_NULL) {
		if ((st = get_real(jl, "m_probability", path, true, &lv->m, err)) != LT_OK ||
		    (st = get_real(jl, "u_probability", path, true, &lv->u, err)) != LT_OK)
			return st;
	}
	if (json_object_get(jl, "tf_adjustment_column")) {
		lv->tf_weight = 1;
		if ((st = get_real(jl, "tf_adjustment_weight", path, false, &lv->tf_weight, err)) !=
		        LT_OK ||
		    (st = get_real(jl, "tf_minimum_u_value", path, false, &lv->tf_min, err)) !=
		        LT_OK)
			return st;
	}
	json_t *label = json_object_get(jl, "label_for_charts");
	if (json_is_string(label))
		snprintf(lv->label, sizeof(lv->label), "%s", json_string_value(label));
	return LT_OK;
}

static lt_status read_splink(json_t *root, struct lt_link_model *m, struct lt_error *err)
{
	if (!json_is_object(root))
		return jerr(err, LT_EINVAL, "(root)", "splink settings are a JSON object");
	m->lambda = 1e-4;
	lt_status st =
	    get_real(root, "probability_two_random_records_match", "", false, &m->lambda, err);
	if (st != LT_OK)
		return st;
	json_t *comps = json_object_get(root, "comparisons");
	if (!json_is_array(comps) || json_array_size(comps) == 0 ||
	    json_array_size(comps) > LT_LINK_COMPARISONS_MAX)
		return jerr(err, LT_EINVAL, "comparisons",
		            "must be an array of 1 to %d comparisons", LT_LINK_COMPARISONS_MAX);
	for (size_t k = 0; k < json_array_size(comps); k++) {
		char path[LT_CODE_MAX], p[LT_CODE_MAX];
		pathf(path, sizeof(path), "comparisons[%zu]", k);
		json_t *jc = json_array_get(comps, k);
		if (!json_is_object(jc))
			return jerr(err, LT_EINVAL, path, "must be an object");
		struct lt_link_comparison *c = &m->comps[k];
		m->ncomp = k + 1;
		json_t *levels = json_object_get(jc, "comparison_levels");
		pathf(p, sizeof(p), "%s.comparison_levels", path);
		if (!json_is_array(levels) || json_array_size(levels) < 2 ||
		    json_array_size(levels) > LT_LINK_LEVELS_MAX)
			return jerr(err, LT_EINVAL, p, "must be an array of 2 to %d levels",
			            LT_LINK_LEVELS_MAX);
		c->nlevel = json_array_size(levels);
		for (size_t l = 0; l < c->nlevel; l++) {
			char lp[LT_CODE_MAX], column[LT_LINK_NAME_MAX];
			pathf(lp, sizeof(lp), "%s.comparison_levels[%zu]", path, l);
			st = read_splink_level(json_array_get(levels, l), lp, &c->levels[l], column,
			                       err);
			if (st != LT_OK)
				return st;
			if (!column[0])
				continue;
			if (!c->field[0])
				snprintf(c->field, sizeof(c->field), "%s", column);
			else if (strcmp(c->field, column) != 0)
				return jerr(
				    err, LT_EINVAL, lp,
				    "reads column %s where the comparison's other levels read %s: "
				    "lantern compares one column a comparison",
				    column, c->field);
		}
		if (!c->field[0])
			return jerr(err, LT_EINVAL, path, "no level names the column it compares");
		json_t *name = json_object_get(jc, "output_column_name");
		snprintf(c->name, sizeof(c->name), "%s",
		         json_is_string(name) && json_string_length(name) > 0 &&
		                 json_string_length(name) < LT_LINK_NAME_MAX
		             ? json_string_value(name)
		             : c->field);
	}
	return lt_link_model_finish(m, err);
}

lt_status lt_link_model_from_splink_json(const char *text, size_t len, struct lt_link_model *m,
                                         struct lt_error *err)
{
	return model_parse(text, len, m, err, read_splink);
}
