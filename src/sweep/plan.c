// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * plan.c - a sweep spec under an output directory becomes a plan: its generated traces made
 * (once), every trace hashed, and the cartesian product laid out as runs, each with its config
 * text and the digest that names its directory.
 *
 * The digest is what makes a sweep resumable and its runs portable: it is the sha256 of the
 * run's canonical config (the base with the axis values put in, as ps_config_to_json_full writes
 * it), the sha256 of the trace file and the run options. The same inputs give the same directory
 * on any machine and in any later sweep; changing anything that changes the outcome gives a new
 * one. Rejected: numbering runs by their position in the product - adding an axis value would
 * then shift every later run onto another's directory.
 */
#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "config/config.h"
#include "report/report.h"
#include "sim/sim.h"
#include "sweep/sweep.h"
#include "trace/trace.h"

#define TRACES_DIR "traces"
#define RUNS_DIR   "runs"

static char *sha256_hex(const char *data, gsize len)
{
	char hex[65];

	return ps_sha256_hex(data, len, hex)
		   ? g_strdup(hex)
		   : g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
}

static char *file_digest(const char *path, GError **error)
{
	g_autoptr(GError) local = NULL;
	char *d = ps_file_digest(path, &local);

	if (!d)
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "%s", local->message);
	return d;
}

/* ---- traces ------------------------------------------------------------------------------- */

/*
 * DIR/traces/LABEL-HASH.jsonl.gz, HASH over the whole invocation: a changed parameter makes a
 * new file instead of silently reusing the old one.
 */
static char *gen_trace_path(const char *dir, const PsSweepTrace *st)
{
	g_autoptr(GString) inv = g_string_new(NULL);
	g_autofree char *hex = NULL, *base = NULL;

	g_string_append_printf(inv, "gen %s\nseconds %.17g\nseed %" G_GUINT64_FORMAT "\n", st->gen,
			       st->seconds, st->seed);
	for (char **p = st->params; *p; p++)
		g_string_append_printf(inv, "param %s\n", *p);
	hex = sha256_hex(inv->str, inv->len);
	base = g_strdup_printf("%s-%.12s.jsonl.gz", st->label, hex);
	return g_build_filename(dir, TRACES_DIR, base, NULL);
}

static gboolean gen_trace(const PsSweepSpec *spec, const PsSweepTrace *st, const char *path,
			  GError **error)
{
	const PsGenerator *g = ps_generator_find(st->gen);
	g_autoptr(GHashTable) params =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GError) local = NULL;
	g_autofree char *dir = g_path_get_dirname(path);
	guint i = 0;

	for (i = 0; i < spec->traces->len; i++)
		if (g_ptr_array_index(spec->traces, i) == st)
			break;
	if (!g) {
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_SPEC,
			    "%s:%d: traces[%u].gen: no generator '%s' (pagesim gen --list)",
			    spec->filename, st->line, i, st->gen);
		return FALSE;
	}
	for (char **p = st->params; *p; p++) {
		const char *eq = strchr(*p, '=');

		g_hash_table_insert(params, g_strndup(*p, (gsize)(eq - *p)), g_strdup(eq + 1));
	}
	if (g_mkdir_with_parents(dir, 0755) != 0) {
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "%s: %s", dir,
			    g_strerror(errno));
		return FALSE;
	}
	if (!g->run(path, st->seconds, st->seed, params, &local)) {
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_SPEC, "%s:%d: traces[%u]: %s",
			    spec->filename, st->line, i, local->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean plan_traces(PsSweepPlan *plan, void (*log)(void *data, const char *msg),
			    void *log_data, GError **error)
{
	const PsSweepSpec *spec = plan->spec;
	guint n = spec->traces->len;

	plan->trace_paths = g_new0(char *, n + 1);
	plan->trace_digests = g_new0(char *, n + 1);
	for (guint i = 0; i < n; i++) {
		const PsSweepTrace *st = g_ptr_array_index(spec->traces, i);

		if (st->gen) {
			plan->trace_paths[i] = gen_trace_path(plan->dir, st);
			/* The writer renames into place on close: a file here is complete. */
			if (!g_file_test(plan->trace_paths[i], G_FILE_TEST_IS_REGULAR)) {
				if (log) {
					g_autofree char *msg = g_strdup_printf(
					    "generating %s (%s, %g s)", plan->trace_paths[i],
					    st->gen, st->seconds);

					log(log_data, msg);
				}
				if (!gen_trace(spec, st, plan->trace_paths[i], error))
					return FALSE;
			}
		} else {
			plan->trace_paths[i] = g_strdup(st->path);
		}
		plan->trace_digests[i] = file_digest(plan->trace_paths[i], error);
		if (!plan->trace_digests[i])
			return FALSE;
	}
	return TRUE;
}

/* ---- the product -------------------------------------------------------------------------- */

/* An axis value as a CSV cell and in messages: numbers plainly, strings unquoted. */
static char *value_cell(const cJSON *v)
{
	if (cJSON_IsString(v))
		return g_strdup(v->valuestring);
	if (cJSON_IsBool(v))
		return g_strdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d == (double)(int64_t)d && d > -9.2e18 && d < 9.2e18)
			return g_strdup_printf("%" G_GINT64_FORMAT, (int64_t)d);
		return g_strdup_printf("%.15g", d);
	}
	return cJSON_PrintUnformatted(v);
}

static void run_free(gpointer p)
{
	PsSweepRun *run = p;

	g_strfreev(run->values);
	g_free(run->config_json);
	g_free(run);
}

static bool has_axis(const PsSweepSpec *spec, const char *key)
{
	for (guint i = 0; i < spec->axes->len; i++)
		if (!strcmp(((PsSweepAxis *)g_ptr_array_index(spec->axes, i))->key, key))
			return true;
	return false;
}

/* A config error without its "file:line: " (the line is in a text the user never saw). */
static const char *strip_location(const char *msg)
{
	const char *p = strstr(msg, ": ");

	while (p && p > msg && g_ascii_isdigit(p[-1]))
		p--;
	if (p && p > msg && p[-1] == ':')
		return strstr(p, ": ") + 2;
	return msg;
}

/*
 * The config of one point: the base with the seed and axis values put in, validated by the
 * config parser and written back canonically. With a page_size axis and none for the orders,
 * max_order and pageblock_order written in the base are dropped so that they follow the page
 * size as the kernel's would (a max_order written for 4 KiB is wrong for 64 KiB).
 */
static gboolean point_config(const PsSweepPlan *plan, PsSweepRun *run, const guint *vi,
			     GError **error)
{
	const PsSweepSpec *spec = plan->spec;
	const PsSweepConfig *sc = g_ptr_array_index(spec->configs, run->config);
	cJSON *json = cJSON_Duplicate(sc->json, TRUE);
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(GError) local = NULL;
	g_autofree char *text = NULL;

	if (spec->seeds->len) {
		cJSON_DeleteItemFromObjectCaseSensitive(json, "seed");
		ps_json_add_uint(json, "seed", run->seed);
	}
	if (has_axis(spec, "page_size")) {
		if (!has_axis(spec, "max_order"))
			cJSON_DeleteItemFromObjectCaseSensitive(json, "max_order");
		if (!has_axis(spec, "pageblock_order"))
			cJSON_DeleteItemFromObjectCaseSensitive(json, "pageblock_order");
	}
	for (guint a = 0; a < spec->axes->len; a++) {
		const PsSweepAxis *ax = g_ptr_array_index(spec->axes, a);
		g_autofree char *why = NULL;

		/* The path fitted every base when the spec was read; values do not change that. */
		g_assert(
		    ps_json_path_set(json, ax->key, g_ptr_array_index(ax->values, vi[a]), &why));
	}
	text = cJSON_PrintUnformatted(json);
	cJSON_Delete(json);
	if (!ps_config_parse(cfg, text, strlen(text), sc->path, &local)) {
		g_autoptr(GString) point = g_string_new(NULL);
		int line = sc->line;

		for (guint a = 0; a < spec->axes->len; a++) {
			const PsSweepAxis *ax = g_ptr_array_index(spec->axes, a);

			g_string_append_printf(point, ", %s=%s", ax->key, run->values[a]);
			if (!a)
				line = ax->line;
		}
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_CONFIG,
			    "%s:%d: %s: config %s%s is not a valid machine: %s", spec->filename,
			    line, spec->axes->len ? "axes" : "configs", sc->label, point->str,
			    strip_location(local->message));
		return FALSE;
	}
	run->config_json = ps_config_to_json_full(cfg);
	run->state_bytes = ps_sim_state_bytes(cfg);
	return TRUE;
}

static void run_digest(const PsSweepPlan *plan, PsSweepRun *run)
{
	g_autoptr(GString) in = g_string_new("pagesim-sweep-run 1\n");
	g_autofree char *hex = NULL;

	g_string_append(in, run->config_json);
	g_string_append_printf(in, "trace %s\nseed %" G_GUINT64_FORMAT "\n",
			       plan->trace_digests[run->trace], run->seed);
	g_string_append_printf(in,
			       "until_ns %" G_GUINT64_FORMAT "\nsample_ns %" G_GUINT64_FORMAT "\n",
			       plan->spec->until_ns, plan->spec->sample_ns);
	/* only when not the recorded placement, so the digests of earlier sweeps stay */
	if (plan->spec->placement)
		g_string_append_printf(in, "placement %s\n",
				       ps_placement_name((enum ps_placement)plan->spec->placement));
	hex = sha256_hex(in->str, in->len);
	memcpy(run->digest, hex, 16);
	run->digest[16] = '\0';
}

static uint64_t config_seed(const PsSweepConfig *sc)
{
	const cJSON *seed = cJSON_GetObjectItemCaseSensitive(sc->json, "seed");

	uint64_t v;

	/* exact: a seed above 2^53 is a raw item (ps_json_parse_exact) */
	return ps_json_item_uint64(seed, &v) ? v : 1;
}

static gboolean plan_runs(PsSweepPlan *plan, GError **error)
{
	const PsSweepSpec *spec = plan->spec;
	guint nr_axes = spec->axes->len;
	guint nr_seeds = MAX(spec->seeds->len, 1u);
	g_autofree guint *vi = g_new0(guint, nr_axes + 1);
	guint index = 0;

	for (guint c = 0; c < spec->configs->len; c++)
		for (guint t = 0; t < spec->traces->len; t++)
			for (guint s = 0; s < nr_seeds; s++) {
				memset(vi, 0, sizeof(*vi) * (nr_axes + 1));
				for (;;) {
					PsSweepRun *run = g_new0(PsSweepRun, 1);
					int a;

					g_ptr_array_add(plan->runs, run);
					run->index = index++;
					run->config = c;
					run->trace = t;
					run->seed =
					    spec->seeds->len
						? g_array_index(spec->seeds, uint64_t, s)
						: config_seed(g_ptr_array_index(spec->configs, c));
					run->values = g_new0(char *, nr_axes + 1);
					for (guint i = 0; i < nr_axes; i++) {
						const PsSweepAxis *ax =
						    g_ptr_array_index(spec->axes, i);

						run->values[i] = value_cell(
						    g_ptr_array_index(ax->values, vi[i]));
					}
					if (!point_config(plan, run, vi, error))
						return FALSE;
					/* Next point: the last axis moves fastest. */
					for (a = (int)nr_axes - 1; a >= 0; a--) {
						const PsSweepAxis *ax =
						    g_ptr_array_index(spec->axes, a);

						if (++vi[a] < ax->values->len)
							break;
						vi[a] = 0;
					}
					if (a < 0)
						break;
				}
			}
	return TRUE;
}

/* The digests, once the traces are hashed; two runs with the same inputs are an error. */
static gboolean plan_digests(PsSweepPlan *plan, GError **error)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < plan->runs->len; i++) {
		PsSweepRun *run = g_ptr_array_index(plan->runs, i), *prev;

		run_digest(plan, run);
		prev = g_hash_table_lookup(seen, run->digest);
		if (prev) {
			g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_CONFIG,
				    "%s:1: (product): runs %u and %u have the same inputs (two "
				    "identical configs or traces, or an axis value the config "
				    "ignores)",
				    plan->spec->filename, prev->index, run->index);
			return FALSE;
		}
		g_hash_table_insert(seen, run->digest, run);
	}
	return TRUE;
}

PsSweepPlan *ps_sweep_plan_new(const PsSweepSpec *spec, const char *dir,
			       void (*log)(void *data, const char *msg), void *log_data,
			       GError **error)
{
	g_autoptr(PsSweepPlan) plan = g_new0(PsSweepPlan, 1);

	plan->spec = spec;
	plan->dir = g_strdup(dir);
	plan->runs = g_ptr_array_new_with_free_func(run_free);
	/*
	 * Every point's config is checked before any trace is generated: a bad axis value fails
	 * in a moment, not after minutes of generation.
	 */
	if (!plan_runs(plan, error) || !plan_traces(plan, log, log_data, error) ||
	    !plan_digests(plan, error))
		return NULL;
	return g_steal_pointer(&plan);
}

void ps_sweep_plan_free(PsSweepPlan *plan)
{
	if (!plan)
		return;
	g_free(plan->dir);
	g_strfreev(plan->trace_paths);
	g_strfreev(plan->trace_digests);
	if (plan->runs)
		g_ptr_array_unref(plan->runs);
	g_free(plan);
}

/* ---- run directories ---------------------------------------------------------------------- */

char *ps_sweep_run_dir(const PsSweepPlan *plan, const PsSweepRun *run)
{
	return g_build_filename(plan->dir, RUNS_DIR, run->digest, NULL);
}

bool ps_sweep_run_complete(const PsSweepPlan *plan, const PsSweepRun *run)
{
	g_autofree char *dir = ps_sweep_run_dir(plan, run);
	g_autofree char *summary = g_build_filename(dir, "summary.json", NULL);
	g_autofree char *text = NULL;
	gsize len = 0;
	cJSON *root;
	bool complete;

	/*
	 * A summary a run wrote is an object that names its format; anything else there (an empty
	 * file, "{}", a copy cut short) is not one, and the run is done again rather than
	 * collected as a row of zeros.
	 */
	if (!g_file_get_contents(summary, &text, &len, NULL))
		return false;
	root = cJSON_ParseWithLength(text, len);
	complete = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "pagesim_summary")) &&
		   cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "totals"));
	cJSON_Delete(root);
	return complete;
}

/* The run's point, for collect: everything results.csv shows besides the metrics. */
static char *run_point_json(const PsSweepPlan *plan, const PsSweepRun *run)
{
	const PsSweepSpec *spec = plan->spec;
	const PsSweepConfig *sc = g_ptr_array_index(spec->configs, run->config);
	const PsSweepTrace *st = g_ptr_array_index(spec->traces, run->trace);
	cJSON *root = cJSON_CreateObject(), *axes;
	char *text, *out;

	cJSON_AddNumberToObject(root, "pagesim_sweep_run", 1);
	if (spec->name)
		cJSON_AddStringToObject(root, "sweep", spec->name);
	cJSON_AddStringToObject(root, "digest", run->digest);
	cJSON_AddNumberToObject(root, "index", run->index);
	cJSON_AddStringToObject(root, "config", sc->label);
	cJSON_AddStringToObject(root, "trace", st->label);
	cJSON_AddStringToObject(root, "trace_digest", plan->trace_digests[run->trace]);
	ps_json_add_uint(root, "seed", run->seed);
	axes = cJSON_AddArrayToObject(root, "axes");
	for (guint a = 0; a < spec->axes->len; a++) {
		const PsSweepAxis *ax = g_ptr_array_index(spec->axes, a);
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "key", ax->key);
		cJSON_AddStringToObject(o, "value", run->values[a]);
		cJSON_AddItemToArray(axes, o);
	}
	ps_json_add_uint(root, "until_ns", spec->until_ns);
	ps_json_add_uint(root, "sample_ns", spec->sample_ns);
	if (spec->placement)
		cJSON_AddStringToObject(root, "placement",
					ps_placement_name((enum ps_placement)spec->placement));
	text = cJSON_Print(root);
	cJSON_Delete(root);
	out = g_strconcat(text, "\n", NULL);
	cJSON_free(text);
	return out;
}

gboolean ps_sweep_run_prepare(const PsSweepPlan *plan, const PsSweepRun *run, GError **error)
{
	g_autofree char *dir = ps_sweep_run_dir(plan, run);
	g_autofree char *cfg_path = g_build_filename(dir, "config.json", NULL);
	g_autofree char *point_path = g_build_filename(dir, "sweep.json", NULL);
	g_autofree char *point = run_point_json(plan, run);
	g_autoptr(GDir) d = NULL;
	const char *name;

	if (g_mkdir_with_parents(dir, 0755) != 0) {
		g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "%s: %s", dir,
			    g_strerror(errno));
		return FALSE;
	}
	/* What a killed run left: finished outputs of its own and temporary files. */
	d = g_dir_open(dir, 0, NULL);
	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && g_unlink(path) != 0) {
			g_set_error(error, PS_SWEEP_ERROR, PS_SWEEP_ERROR_IO, "%s: %s", path,
				    g_strerror(errno));
			return FALSE;
		}
	}
	return ps_write_file_atomic(cfg_path, run->config_json, strlen(run->config_json), error) &&
	       ps_write_file_atomic(point_path, point, strlen(point), error);
}
