// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spec.c - sweep spec files: JSON text to PsSweepSpec, with `spec.json:line: key: what is wrong`
 * errors, and the JSON-path setter that puts an axis value into a config.
 *
 * Positions and exact integers come from util/json.c: big integers (seeds, sizes above 2^53) are
 * raw items holding their text from the parse on, so an axis value put into a config and a seed
 * reach the run with every digit.
 *
 * Base configs are only read here (as JSON trees). They are validated per point, when the plan
 * puts the axis values in and parses the result (sweep/plan.c).
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "config/config.h"
#include "sim/sim.h"
#include "sweep/sweep.h"

G_DEFINE_QUARK(ps_sweep_error_quark, ps_sweep_error)

/* ---- JSON paths --------------------------------------------------------------------------- */

/* One step of a path: a member name, or an array index (name NULL). */
typedef struct {
	char *name;
	int index;
} PathStep;

static void path_steps_free(GArray *steps)
{
	for (guint i = 0; i < steps->len; i++)
		g_free(g_array_index(steps, PathStep, i).name);
	g_array_free(steps, TRUE);
}

/* "a.b[2].c" -> steps; NULL if malformed. */
static GArray *path_parse(const char *path)
{
	GArray *steps = g_array_new(FALSE, FALSE, sizeof(PathStep));
	const char *p = path;

	while (*p) {
		PathStep st = {NULL, 0};

		if (*p == '[') {
			char *end = NULL;
			guint64 v = g_ascii_strtoull(p + 1, &end, 10);

			if (end == p + 1 || *end != ']' || v > 4096)
				goto bad;
			st.index = (int)v;
			p = end + 1;
		} else {
			const char *s = p;

			if (steps->len && *p == '.')
				s = ++p;
			while (g_ascii_isalnum(*p) || *p == '_' || *p == '-')
				p++;
			if (p == s)
				goto bad;
			st.name = g_strndup(s, (gsize)(p - s));
		}
		g_array_append_val(steps, st);
		if (*p && *p != '.' && *p != '[')
			goto bad;
	}
	if (steps->len)
		return steps;
bad:
	path_steps_free(steps);
	return NULL;
}

gboolean ps_json_path_set(cJSON *root, const char *path, const cJSON *value, char **why)
{
	GArray *steps = path_parse(path);
	cJSON *cur = root;
	gboolean ok = FALSE;
	GString *at = g_string_new(NULL);

	if (!steps) {
		*why = g_strdup_printf("'%s' is not a JSON path like sysctl.min_free_kbytes or "
				       "nodes[0].zones.Normal.managed_bytes",
				       path);
		g_string_free(at, TRUE);
		return FALSE;
	}
	for (guint i = 0; i < steps->len; i++) {
		const PathStep *st = &g_array_index(steps, PathStep, i);
		bool last = i + 1 == steps->len;
		cJSON *next;

		if (st->name) {
			if (!cJSON_IsObject(cur)) {
				*why = g_strdup_printf("%s is not an object",
						       at->len ? at->str : "the top level");
				goto out;
			}
			g_string_append_printf(at, "%s%s", at->len ? "." : "", st->name);
			next = cJSON_GetObjectItemCaseSensitive(cur, st->name);
			if (last) {
				cJSON *copy = cJSON_Duplicate(value, TRUE);

				if (next)
					cJSON_ReplaceItemInObjectCaseSensitive(cur, st->name, copy);
				else
					cJSON_AddItemToObject(cur, st->name, copy);
				ok = TRUE;
				goto out;
			}
			if (!next) {
				if (!g_array_index(steps, PathStep, i + 1).name) {
					*why =
					    g_strdup_printf("the config has no array %s", at->str);
					goto out;
				}
				next = cJSON_AddObjectToObject(cur, st->name);
			}
		} else {
			g_string_append_printf(at, "[%d]", st->index);
			if (!cJSON_IsArray(cur) || st->index >= cJSON_GetArraySize(cur)) {
				*why = g_strdup_printf("the config has no element %s", at->str);
				goto out;
			}
			next = cJSON_GetArrayItem(cur, st->index);
			if (last) {
				cJSON_ReplaceItemViaPointer(cur, next,
							    cJSON_Duplicate(value, TRUE));
				ok = TRUE;
				goto out;
			}
		}
		cur = next;
	}
out:
	path_steps_free(steps);
	g_string_free(at, TRUE);
	return ok;
}

/* ---- parse context ------------------------------------------------------------------------ */

typedef struct {
	const char *filename;
	char *dir; /* the spec's directory: relative paths in it are relative to it */
	const PsJsonDoc *doc;
	GError **error;
} SpecCtx;

static int line_of(const SpecCtx *c, const cJSON *item)
{
	return ps_json_doc_line(c->doc, item);
}

static gboolean spec_fail(SpecCtx *c, const cJSON *item, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static gboolean spec_fail(SpecCtx *c, const cJSON *item, const char *key, const char *fmt, ...)
{
	g_autofree char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(c->error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_SPEC, "%s:%d: %s: %s", c->filename,
		    line_of(c, item), key && *key ? key : "(top level)", what);
	return FALSE;
}

static gboolean check_keys(SpecCtx *c, const cJSON *obj, const char *path, const char *const *known)
{
	for (const cJSON *it = obj->child; it; it = it->next) {
		g_autofree char *key =
		    *path ? g_strdup_printf("%s.%s", path, it->string) : g_strdup(it->string);
		bool found = false;

		for (int i = 0; known[i]; i++)
			found |= !strcmp(known[i], it->string);
		if (!found) {
			g_autofree char *list = g_strjoinv(", ", (char **)known);

			return spec_fail(c, it, key, "unknown key (known here: %s)", list);
		}
		for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
			if (!strcmp(prev->string, it->string))
				return spec_fail(c, it, key,
						 "duplicate key (first given on line %d)",
						 line_of(c, prev));
	}
	return TRUE;
}

/* A non-negative integer up to max, exactly. */
static gboolean get_uint(SpecCtx *c, const cJSON *item, const char *key, uint64_t max,
			 uint64_t *out)
{
	g_autofree char *why = NULL;
	int code;

	if (ps_json_doc_uint(c->doc, item, 0, max, out, &code, &why))
		return TRUE;
	return spec_fail(c, item, key, "%s", why);
}

static char *resolve(const SpecCtx *c, const char *path)
{
	return g_path_is_absolute(path) ? g_strdup(path) : g_build_filename(c->dir, path, NULL);
}

/* ---- configs ------------------------------------------------------------------------------ */

static void config_free(gpointer p)
{
	PsSweepConfig *sc = p;

	g_free(sc->label);
	g_free(sc->path);
	cJSON_Delete(sc->json);
	g_free(sc);
}

static char *strip_suffix(const char *path, const char *const *suffixes)
{
	char *base = g_path_get_basename(path);

	for (int i = 0; suffixes[i]; i++)
		if (g_str_has_suffix(base, suffixes[i]) && strlen(base) > strlen(suffixes[i])) {
			base[strlen(base) - strlen(suffixes[i])] = '\0';
			break;
		}
	return base;
}

static gboolean parse_config(SpecCtx *c, const cJSON *item, const char *key, PsSweepSpec *spec)
{
	static const char *const json_suffix[] = {".json", NULL};
	PsSweepConfig *sc;
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;
	const cJSON *name;
	gsize len;

	if (!cJSON_IsString(item))
		return spec_fail(c, item, key, "expected the path of a config file, got %s",
				 ps_json_type_name(item));
	sc = g_new0(PsSweepConfig, 1);
	g_ptr_array_add(spec->configs, sc);
	sc->line = line_of(c, item);
	sc->path = resolve(c, item->valuestring);
	if (!g_file_get_contents(sc->path, &text, &len, &local))
		return spec_fail(c, item, key, "%s", local->message);
	sc->json = ps_json_parse_exact(text, len, sc->path, NULL);
	if (!cJSON_IsObject(sc->json))
		return spec_fail(c, item, key,
				 "%s is not a JSON object (pagesim config show %s says where)",
				 sc->path, sc->path);
	name = cJSON_GetObjectItemCaseSensitive(sc->json, "name");
	sc->label = cJSON_IsString(name) && *name->valuestring
			? g_strdup(name->valuestring)
			: strip_suffix(sc->path, json_suffix);
	for (guint i = 0; i + 1 < spec->configs->len; i++) {
		const PsSweepConfig *o = g_ptr_array_index(spec->configs, i);

		if (!strcmp(o->label, sc->label))
			return spec_fail(c, item, key,
					 "config name '%s' is also that of configs[%u] (line %d): "
					 "rows could not tell them apart",
					 sc->label, i, o->line);
	}
	return TRUE;
}

static gboolean parse_configs(SpecCtx *c, const cJSON *item, PsSweepSpec *spec)
{
	int i = 0;
	const cJSON *el;

	if (cJSON_IsString(item))
		return parse_config(c, item, "configs", spec);
	if (!cJSON_IsArray(item) || !cJSON_GetArraySize(item))
		return spec_fail(c, item, "configs", "expected a non-empty array of config paths");
	cJSON_ArrayForEach(el, item)
	{
		g_autofree char *key = g_strdup_printf("configs[%d]", i++);

		if (!parse_config(c, el, key, spec))
			return FALSE;
	}
	return TRUE;
}

/* ---- traces ------------------------------------------------------------------------------- */

static void trace_free(gpointer p)
{
	PsSweepTrace *st = p;

	g_free(st->label);
	g_free(st->path);
	g_free(st->gen);
	g_strfreev(st->params);
	g_free(st);
}

static gint cmp_strp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static gboolean parse_gen(SpecCtx *c, const cJSON *item, const char *key, PsSweepTrace *st)
{
	static const char *const known[] = {"gen", "name", "seconds", "seed", "params", NULL};
	const cJSON *gen = cJSON_GetObjectItemCaseSensitive(item, "gen");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
	const cJSON *secs = cJSON_GetObjectItemCaseSensitive(item, "seconds");
	const cJSON *seed = cJSON_GetObjectItemCaseSensitive(item, "seed");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(item, "params");
	g_autoptr(GPtrArray) kv = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *k = NULL;

	if (!check_keys(c, item, key, known))
		return FALSE;
	k = g_strdup_printf("%s.gen", key);
	if (!cJSON_IsString(gen) || !*gen->valuestring)
		return spec_fail(c, gen ? gen : item, k,
				 "expected a generator name (pagesim gen --list)");
	st->gen = g_strdup(gen->valuestring);
	g_free(k);
	k = g_strdup_printf("%s.name", key);
	if (name && (!cJSON_IsString(name) || !*name->valuestring ||
		     strpbrk(name->valuestring, "/\\,\"\n")))
		return spec_fail(c, name, k, "expected a short name without / \\ , or quotes");
	st->label = g_strdup(name ? name->valuestring : gen->valuestring);
	g_free(k);
	k = g_strdup_printf("%s.seconds", key);
	if (!cJSON_IsNumber(secs) || !(secs->valuedouble > 0) || secs->valuedouble > 86400 * 365.0)
		return spec_fail(c, secs ? secs : item, k,
				 "expected the trace length in seconds (a number > 0)");
	st->seconds = secs->valuedouble;
	g_free(k);
	k = g_strdup_printf("%s.seed", key);
	st->seed = 1;
	if (seed && !get_uint(c, seed, k, G_MAXINT64, &st->seed))
		return FALSE;
	g_free(k);
	k = g_strdup_printf("%s.params", key);
	if (params && !cJSON_IsObject(params))
		return spec_fail(c, params, k, "expected an object of generator parameters");
	for (const cJSON *p = params ? params->child : NULL; p; p = p->next) {
		g_autofree char *pk = g_strdup_printf("%s.%s", k, p->string);

		if (cJSON_IsString(p))
			g_ptr_array_add(kv, g_strdup_printf("%s=%s", p->string, p->valuestring));
		else if (cJSON_IsNumber(p))
			g_ptr_array_add(kv, g_strdup_printf("%s=%.17g", p->string, p->valuedouble));
		else if (cJSON_IsRaw(p))
			g_ptr_array_add(kv, g_strdup_printf("%s=%s", p->string, p->valuestring));
		else
			return spec_fail(c, p, pk, "expected a string or a number, got %s",
					 ps_json_type_name(p));
		for (const cJSON *q = params->child; q != p; q = q->next)
			if (!strcmp(q->string, p->string))
				return spec_fail(c, p, pk, "duplicate key");
	}
	g_ptr_array_sort(kv, cmp_strp);
	g_ptr_array_add(kv, NULL);
	st->params = (char **)g_ptr_array_steal(kv, NULL);
	return TRUE;
}

static gboolean parse_trace(SpecCtx *c, const cJSON *item, const char *key, PsSweepSpec *spec)
{
	static const char *const trace_suffix[] = {".jsonl.gz", ".jsonl", ".gz", NULL};
	PsSweepTrace *st = g_new0(PsSweepTrace, 1);

	g_ptr_array_add(spec->traces, st);
	st->line = line_of(c, item);
	if (cJSON_IsString(item)) {
		st->path = resolve(c, item->valuestring);
		st->label = strip_suffix(st->path, trace_suffix);
		if (!g_file_test(st->path, G_FILE_TEST_IS_REGULAR))
			return spec_fail(c, item, key, "%s: no such trace file", st->path);
	} else if (cJSON_IsObject(item)) {
		if (!parse_gen(c, item, key, st))
			return FALSE;
	} else {
		return spec_fail(c, item, key,
				 "expected a trace path or a generator invocation "
				 "{\"gen\": NAME, \"seconds\": S, ...}, got %s",
				 ps_json_type_name(item));
	}
	for (guint i = 0; i + 1 < spec->traces->len; i++) {
		const PsSweepTrace *o = g_ptr_array_index(spec->traces, i);

		if (!strcmp(o->label, st->label))
			return spec_fail(c, item, key,
					 "trace name '%s' is also that of traces[%u] (line %d): "
					 "give one a \"name\"",
					 st->label, i, o->line);
	}
	return TRUE;
}

static gboolean parse_traces(SpecCtx *c, const cJSON *item, PsSweepSpec *spec)
{
	int i = 0;
	const cJSON *el;

	if (!cJSON_IsArray(item) || !cJSON_GetArraySize(item))
		return spec_fail(c, item, "traces",
				 "expected a non-empty array of trace paths or generator "
				 "invocations");
	cJSON_ArrayForEach(el, item)
	{
		g_autofree char *key = g_strdup_printf("traces[%d]", i++);

		if (!parse_trace(c, el, key, spec))
			return FALSE;
	}
	return TRUE;
}

/* ---- value lists and ranges --------------------------------------------------------------- */

static bool is_integral(double v)
{
	return v == floor(v) && fabs(v) < 9007199254740992.0;
}

/*
 * A range of integers with an integer step, in 64-bit arithmetic so that values beyond 2^53 stay
 * exact. -1 if it is not one (the double form below takes it), else TRUE or FALSE.
 */
static int expand_int_range(SpecCtx *c, const cJSON *item, const char *key, const cJSON *from,
			    const cJSON *to, const cJSON *step, GPtrArray *values)
{
	int64_t a, b, s;
	uint64_t step_mag;

	if (!ps_json_item_int64(from, &a) || !ps_json_item_int64(to, &b) ||
	    !ps_json_item_int64(step, &s))
		return -1;
	if (s == 0 || (b > a && s < 0) || (b < a && s > 0))
		return spec_fail(c, step, key,
				 "step %" G_GINT64_FORMAT " never goes from %" G_GINT64_FORMAT
				 " to %" G_GINT64_FORMAT,
				 s, a, b);
	for (guint n = 0;; n++) {
		if (n >= PS_SWEEP_MAX_VALUES)
			return spec_fail(c, item, key, "more than %d values", PS_SWEEP_MAX_VALUES);
		g_ptr_array_add(values, ps_json_create_int(a));
		/* the next value unless it passes b; unsigned, so no step can overflow */
		step_mag = s > 0 ? (uint64_t)s : -(uint64_t)s;
		if ((s > 0 ? (uint64_t)b - (uint64_t)a : (uint64_t)a - (uint64_t)b) < step_mag)
			return TRUE;
		a += s;
	}
}

/*
 * {"from": A, "to": B, "step": S} or {"from": A, "to": B, "factor": F}: A, then each value S
 * further (or F times larger) while it has not passed B. Integers stay integers when A and S are.
 */
static gboolean expand_range(SpecCtx *c, const cJSON *item, const char *key, GPtrArray *values)
{
	static const char *const known[] = {"from", "to", "step", "factor", NULL};
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(item, "from");
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(item, "to");
	const cJSON *step = cJSON_GetObjectItemCaseSensitive(item, "step");
	const cJSON *factor = cJSON_GetObjectItemCaseSensitive(item, "factor");
	const cJSON *by = step ? step : factor;
	double a, b, s, eps;
	bool integral;
	int rc;

	if (!check_keys(c, item, key, known))
		return FALSE;
	rc = step && !factor ? expand_int_range(c, item, key, from, to, step, values) : -1;
	if (rc >= 0)
		return rc;
	if (!cJSON_IsNumber(from) || !cJSON_IsNumber(to))
		return spec_fail(c, from && !cJSON_IsNumber(from) ? from : item, key,
				 "a range needs numbers \"from\" and \"to\"");
	if (!!step == !!factor || !cJSON_IsNumber(by))
		return spec_fail(
		    c, item, key,
		    "a range needs a number \"step\" or a number \"factor\" (not both)");
	a = from->valuedouble;
	b = to->valuedouble;
	s = by->valuedouble;
	if (step && (s == 0 || (b - a) * s < 0))
		return spec_fail(c, step, key, "step %g never goes from %g to %g", s, a, b);
	if (factor && (s <= 1 || a <= 0 || b < a))
		return spec_fail(c, factor, key,
				 "factor needs 0 < from <= to and factor > 1 (got %g, %g, %g)", a,
				 b, s);
	integral = is_integral(a) && is_integral(s);
	eps = fabs(step ? s : a) * 1e-9;
	for (guint n = 0;; n++) {
		double v = step ? a + s * n : a * pow(s, n);

		if (integral)
			v = round(v);
		if (step ? (s > 0 ? v > b + eps : v < b - eps) : v > b * (1 + 1e-9))
			break;
		if (n >= PS_SWEEP_MAX_VALUES)
			return spec_fail(c, item, key, "more than %d values", PS_SWEEP_MAX_VALUES);
		g_ptr_array_add(values, cJSON_CreateNumber(v));
	}
	return TRUE;
}

/* A list of scalars, or a range. */
static gboolean parse_values(SpecCtx *c, const cJSON *item, const char *key, GPtrArray *values)
{
	const cJSON *el;
	int i = 0;

	if (cJSON_IsObject(item))
		return expand_range(c, item, key, values);
	if (!cJSON_IsArray(item) || !cJSON_GetArraySize(item))
		return spec_fail(c, item, key,
				 "expected a non-empty list of values or a range "
				 "{\"from\": A, \"to\": B, \"step\": S}, got %s",
				 cJSON_IsArray(item) ? "an empty list" : ps_json_type_name(item));
	if (cJSON_GetArraySize(item) > PS_SWEEP_MAX_VALUES)
		return spec_fail(c, item, key, "more than %d values", PS_SWEEP_MAX_VALUES);
	cJSON_ArrayForEach(el, item)
	{
		g_autofree char *k = g_strdup_printf("%s[%d]", key, i++);

		if (cJSON_IsArray(el) || cJSON_IsObject(el) || cJSON_IsNull(el))
			return spec_fail(c, el, k, "expected a number, string or boolean, got %s",
					 ps_json_type_name(el));
		for (guint j = 0; j < values->len; j++)
			if (cJSON_Compare(g_ptr_array_index(values, j), el, TRUE))
				return spec_fail(c, el, k, "value given twice");
		g_ptr_array_add(values, cJSON_Duplicate(el, TRUE));
	}
	return TRUE;
}

static gboolean parse_seeds(SpecCtx *c, const cJSON *item, PsSweepSpec *spec)
{
	g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func((GDestroyNotify)cJSON_Delete);

	if (!parse_values(c, item, "seeds", values))
		return FALSE;
	for (guint i = 0; i < values->len; i++) {
		const cJSON *v = g_ptr_array_index(values, i);
		uint64_t seed;
		g_autofree char *why = NULL;
		int64_t x;
		int code;

		/* a config's seed is at most INT64_MAX */
		if (!ps_json_doc_uint(NULL, v, 0, G_MAXINT64, &seed, &code, &why)) {
			if (code == PS_UTIL_ERROR_TYPE || (ps_json_item_int64(v, &x) && x < 0))
				return spec_fail(c, item, "seeds", "seeds are integers >= 0");
			return spec_fail(c, item, "seeds", "%s", why);
		}
		for (guint j = 0; j < spec->seeds->len; j++)
			if (g_array_index(spec->seeds, uint64_t, j) == seed)
				return spec_fail(c, item, "seeds",
						 "seed %" G_GUINT64_FORMAT " given twice", seed);
		g_array_append_val(spec->seeds, seed);
	}
	return TRUE;
}

static void axis_free(gpointer p)
{
	PsSweepAxis *ax = p;

	g_free(ax->key);
	g_ptr_array_unref(ax->values);
	g_free(ax);
}

/*
 * Every axis value must go into every base config: a path that does not fit a config's shape is
 * reported here, at the axis's line. Whether the values make a valid machine is checked per point.
 */
static gboolean parse_axes(SpecCtx *c, const cJSON *item, PsSweepSpec *spec)
{
	if (!cJSON_IsObject(item))
		return spec_fail(c, item, "axes",
				 "expected an object of config key -> values, got %s",
				 ps_json_type_name(item));
	for (const cJSON *it = item->child; it; it = it->next) {
		g_autofree char *key = g_strdup_printf("axes.%s", it->string);
		PsSweepAxis *ax = g_new0(PsSweepAxis, 1);

		g_ptr_array_add(spec->axes, ax);
		ax->key = g_strdup(it->string);
		ax->line = line_of(c, it);
		ax->values = g_ptr_array_new_with_free_func((GDestroyNotify)cJSON_Delete);
		if (!strcmp(it->string, "seed") || !strcmp(it->string, "name"))
			return spec_fail(c, it, key,
					 "sweep seeds with \"seeds\"; names are labels");
		for (const cJSON *prev = item->child; prev != it; prev = prev->next)
			if (!strcmp(prev->string, it->string))
				return spec_fail(c, it, key,
						 "duplicate axis (first given on line %d)",
						 line_of(c, prev));
		if (!parse_values(c, it, key, ax->values))
			return FALSE;
		for (guint i = 0; i < spec->configs->len; i++) {
			const PsSweepConfig *sc = g_ptr_array_index(spec->configs, i);
			cJSON *copy = cJSON_Duplicate(sc->json, TRUE);
			g_autofree char *why = NULL;
			gboolean fits = ps_json_path_set(copy, it->string,
							 g_ptr_array_index(ax->values, 0), &why);

			cJSON_Delete(copy);
			if (!fits)
				return spec_fail(c, it, key, "in %s: %s", sc->path, why);
		}
	}
	return TRUE;
}

/* ---- the spec ----------------------------------------------------------------------------- */

static gboolean parse_run_options(SpecCtx *c, const cJSON *root, PsSweepSpec *spec)
{
	const cJSON *until = cJSON_GetObjectItemCaseSensitive(root, "until_ns");
	const cJSON *sample = cJSON_GetObjectItemCaseSensitive(root, "sample_ns");
	const cJSON *placement = cJSON_GetObjectItemCaseSensitive(root, "placement");
	enum ps_placement p = PS_PLACEMENT_RECORDED;

	if (until && !get_uint(c, until, "until_ns", G_MAXINT64, &spec->until_ns))
		return FALSE;
	if (sample && !get_uint(c, sample, "sample_ns", G_MAXINT64, &spec->sample_ns))
		return FALSE;
	if (placement &&
	    (!cJSON_IsString(placement) || !ps_placement_parse(placement->valuestring, &p)))
		return spec_fail(c, placement, "placement", "expected \"recorded\" or \"sticky\"");
	spec->placement = (int)p;
	return TRUE;
}

static gboolean parse_root(SpecCtx *c, const cJSON *root, PsSweepSpec *spec)
{
	static const char *const known[] = {"name",	 "description", "configs",  "traces",
					    "seeds",	 "axes",	"until_ns", "sample_ns",
					    "placement", NULL};
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(root, "description");
	const cJSON *configs = cJSON_GetObjectItemCaseSensitive(root, "configs");
	const cJSON *traces = cJSON_GetObjectItemCaseSensitive(root, "traces");
	const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(root, "seeds");
	const cJSON *axes = cJSON_GetObjectItemCaseSensitive(root, "axes");
	uint64_t nr_runs;

	if (!cJSON_IsObject(root))
		return spec_fail(c, root, NULL, "expected an object");
	if (!check_keys(c, root, "", known))
		return FALSE;
	if (name && !cJSON_IsString(name))
		return spec_fail(c, name, "name", "expected a string");
	if (desc && !cJSON_IsString(desc))
		return spec_fail(c, desc, "description", "expected a string");
	spec->name = name ? g_strdup(name->valuestring) : NULL;
	if (!configs)
		return spec_fail(c, root, "configs", "missing: the base config(s) to sweep");
	if (!traces)
		return spec_fail(c, root, "traces", "missing: the trace(s) to replay");
	if (!parse_configs(c, configs, spec) || !parse_traces(c, traces, spec))
		return FALSE;
	if (seeds && !parse_seeds(c, seeds, spec))
		return FALSE;
	if (axes && !parse_axes(c, axes, spec))
		return FALSE;
	if (!parse_run_options(c, root, spec))
		return FALSE;
	nr_runs = (uint64_t)spec->configs->len * spec->traces->len * MAX(spec->seeds->len, 1u);
	for (guint i = 0; i < spec->axes->len && nr_runs <= PS_SWEEP_MAX_RUNS; i++)
		nr_runs *= ((PsSweepAxis *)g_ptr_array_index(spec->axes, i))->values->len;
	if (nr_runs > PS_SWEEP_MAX_RUNS)
		return spec_fail(c, axes ? axes : root, "axes", "the product has more than %d runs",
				 PS_SWEEP_MAX_RUNS);
	return TRUE;
}

static PsSweepSpec *spec_new(const char *filename)
{
	PsSweepSpec *spec = g_new0(PsSweepSpec, 1);

	spec->filename = g_strdup(filename);
	spec->configs = g_ptr_array_new_with_free_func(config_free);
	spec->traces = g_ptr_array_new_with_free_func(trace_free);
	spec->seeds = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	spec->axes = g_ptr_array_new_with_free_func(axis_free);
	return spec;
}

void ps_sweep_spec_free(PsSweepSpec *spec)
{
	if (!spec)
		return;
	g_free(spec->filename);
	g_free(spec->name);
	g_ptr_array_unref(spec->configs);
	g_ptr_array_unref(spec->traces);
	g_array_unref(spec->seeds);
	g_ptr_array_unref(spec->axes);
	g_free(spec);
}

PsSweepSpec *ps_sweep_spec_parse(const char *text, gsize len, const char *filename, GError **error)
{
	g_autoptr(PsSweepSpec) spec = spec_new(filename);
	g_autoptr(PsJsonDoc) doc = ps_json_doc_parse(text, len, filename, error);
	SpecCtx c = {.filename = filename, .error = error};
	gboolean ok;

	if (!doc) {
		ps_util_error_to_domain(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO,
					PS_SWEEP_ERROR_SPEC);
		return NULL;
	}
	ps_json_doc_make_exact(doc);
	c.doc = doc;
	c.dir = g_path_get_dirname(filename);
	ok = parse_root(&c, ps_json_doc_root(doc), spec);
	g_free(c.dir);
	return ok ? g_steal_pointer(&spec) : NULL;
}

PsSweepSpec *ps_sweep_spec_load(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;
	gsize len;

	if (!g_file_get_contents(path, &text, &len, &local)) {
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "%s: %s", path,
			    local->message);
		return NULL;
	}
	return ps_sweep_spec_parse(text, len, path, error);
}
