/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy-run.h - a policy replay from a recording's starting snapshot, as the README's recipe
 * runs it (`pagesim run -c CFG -t TRACE --snapshot before.kpageflags.gz --proc DIR`), and the
 * fidelity bands the tests hold its counters to (sim-qemu, sim-press-bands).
 */
#ifndef PS_TEST_POLICY_RUN_H
#define PS_TEST_POLICY_RUN_H

#include <cjson/cJSON.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "config/config.h"
#include "sim/sim.h"
#include "test-util.h"

/*
 * `pagesim config from-proc --zoneinfo DIR/before.zoneinfo [--cpus nr_cpus]` (nr_cpus 0: the
 * zoneinfo's own count), with DIR/before.pagetypeinfo and DIR/READ_AHEAD_KB when they are there,
 * as config from-proc reads them beside the zoneinfo.
 */
static inline PsConfig *ps_test_config_from_dir(const char *dir, int nr_cpus)
{
	g_autofree char *zi_path = g_build_filename(dir, "before.zoneinfo", NULL);
	g_autofree char *pti_path = g_build_filename(dir, "before.pagetypeinfo", NULL);
	g_autofree char *zi_text = ps_test_slurp(zi_path);
	g_autofree char *ra_path = g_build_filename(dir, "READ_AHEAD_KB", NULL);
	g_autofree char *pti_text = NULL, *ra_text = NULL;
	g_autoptr(GError) error = NULL;
	PsProcInput in;
	PsConfig *cfg = ps_config_new();

	ps_proc_input_init(&in);
	in.zoneinfo_text = zi_text;
	in.zoneinfo_path = zi_path;
	if (g_file_get_contents(pti_path, &pti_text, NULL, NULL)) {
		in.pagetypeinfo_text = pti_text;
		in.pagetypeinfo_path = pti_path;
	}
	if (g_file_get_contents(ra_path, &ra_text, NULL, NULL)) {
		g_assert_true(ps_read_ahead_kb_parse(ra_text, ra_path, &in.read_ahead_kb, &error));
		in.read_ahead_kb_source = ra_path;
	}
	if (nr_cpus > 0) {
		in.nr_cpus = nr_cpus;
		in.nr_cpus_source = "--cpus";
	}
	g_assert_true(ps_config_from_proc(&in, cfg, &error));
	g_assert_no_error(error);
	return cfg;
}

/* summary.json of the run in directory run. */
static inline cJSON *ps_test_read_summary(const char *run)
{
	g_autofree char *path = g_build_filename(run, "summary.json", NULL);
	g_autofree char *text = ps_test_slurp(path);
	cJSON *js = cJSON_Parse(text);

	g_assert_nonnull(js);
	return js;
}

/* A number member of a JSON object, which must be there. */
static inline double ps_test_json_num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(o, name);

	g_assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

/* The simulated and observed values of counter in a summary's fidelity table; false if absent. */
static inline bool ps_test_fidelity_pair(const cJSON *sum, const char *counter, double *sim,
					 double *obs)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(sum, "fidelity"))
	{
		if (!strcmp(cJSON_GetObjectItem(c, "counter")->valuestring, counter)) {
			*sim = ps_test_json_num(c, "simulated");
			*obs = ps_test_json_num(c, "observed");
			return true;
		}
	}
	return false;
}

/*
 * Policy replay of trace on cfg into out_dir, starting from snapshot with the /proc files of
 * proc_dir, up to until_ns (0: the whole trace), its task records placed by placement (pagesim
 * run --placement); its summary.json.
 */
static inline cJSON *ps_test_policy_run_placed(const PsConfig *cfg, const char *trace,
					       const char *snapshot, const char *proc_dir,
					       const char *out_dir, uint64_t until_ns,
					       enum ps_placement placement)
{
	g_autoptr(GError) error = NULL;
	PsRunOptions o = {0};
	PsSim *sim;

	o.out_dir = out_dir;
	o.until_ns = until_ns;
	o.placement = placement;
	sim = ps_sim_new(cfg, &o, &error);
	g_assert_no_error(error);
	g_assert_true(ps_sim_load_snapshot(sim, snapshot, proc_dir, &error));
	g_assert_no_error(error);
	g_assert_true(ps_sim_run(sim, trace, &error));
	g_assert_no_error(error);
	ps_sim_free(sim);
	return ps_test_read_summary(out_dir);
}

/* The same with the recorded placement. */
static inline cJSON *ps_test_policy_run_until(const PsConfig *cfg, const char *trace,
					      const char *snapshot, const char *proc_dir,
					      const char *out_dir, uint64_t until_ns)
{
	return ps_test_policy_run_placed(cfg, trace, snapshot, proc_dir, out_dir, until_ns,
					 PS_PLACEMENT_RECORDED);
}

/* The same for the whole trace. */
static inline cJSON *ps_test_policy_run(const PsConfig *cfg, const char *trace,
					const char *snapshot, const char *proc_dir,
					const char *out_dir)
{
	return ps_test_policy_run_until(cfg, trace, snapshot, proc_dir, out_dir, 0);
}

/* The config of the JSON text cfg_text, which must parse. */
static inline PsConfig *ps_test_config_text(const char *cfg_text)
{
	g_autoptr(GError) error = NULL;
	PsConfig *cfg = ps_config_new();

	if (!ps_config_parse(cfg, cfg_text, strlen(cfg_text), "test.json", &error))
		g_error("config: %s", error->message);
	return cfg;
}

/*
 * A replay (seed 1, no snapshot) of trace_text, written to trace_path, on the machine of the
 * config JSON cfg_text, into out_dir.
 */
static inline void ps_test_text_run(const char *cfg_text, const char *trace_path,
				    const char *trace_text, const char *out_dir)
{
	g_autoptr(PsConfig) cfg = ps_test_config_text(cfg_text);
	PsRunOptions opts = {.out_dir = out_dir, .seed = 1};
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSim) s = NULL;

	g_assert_true(g_file_set_contents(trace_path, trace_text, -1, NULL));
	s = ps_sim_new(cfg, &opts, &error);
	g_assert_no_error(error);
	if (!ps_sim_run(s, trace_path, &error))
		g_error("run: %s", error->message);
}

/*
 * ps_test_text_run of trace_text into a fresh dir/run (the trace as dir/t.jsonl): its
 * summary.json (free with cJSON_Delete), the run's directory removed.
 */
static inline cJSON *ps_test_text_summary(const char *cfg_text, const char *dir,
					  const char *trace_text)
{
	g_autofree char *out = g_build_filename(dir, "run", NULL);
	g_autofree char *trace = g_build_filename(dir, "t.jsonl", NULL);
	cJSON *summary;

	ps_test_text_run(cfg_text, trace, trace_text, out);
	summary = ps_test_read_summary(out);
	ps_test_rm_rf(out);
	return summary;
}

/*
 * One counter against its band: equal where the kernel made at most 5 (and the band holds),
 * at most bound where the kernel made none, else within bound of the kernel's value. bound is
 * the band, or the looser bound a counter is held to while its band does not hold yet; taken
 * (may be NULL) names the commit that bound was taken at. A row outside its band is told by
 * g_test_message on every run (so it is in meson's testlog.txt), whether or not it passes.
 */
static inline void ps_test_band_assert_held(const char *name, const char *counter, double sim_v,
					    double obs_v, double band, double bound,
					    const char *taken)
{
	double off = obs_v ? fabs(sim_v / obs_v - 1.0) : sim_v;

	if (g_test_verbose())
		g_printerr("%s %-20s model %8.0f kernel %8.0f ratio %.3f%s\n", name, counter, sim_v,
			   obs_v, obs_v ? sim_v / obs_v : NAN,
			   bound > band ? " (band not held)" : "");
	if (off > band)
		g_test_message("OUT OF BAND %s %s: model %.0f kernel %.0f ratio %.3f band %.2f, "
			       "held to %g%s%s",
			       name, counter, sim_v, obs_v, obs_v ? sim_v / obs_v : NAN, band,
			       bound, taken ? " taken at " : "", taken ? taken : "");
	if (obs_v <= 5 && bound <= band) {
		/* the kernel made at most 5: the model makes as many */
		g_assert_cmpfloat(sim_v, ==, obs_v);
		return;
	}
	if (obs_v == 0) {
		g_assert_cmpfloat(sim_v, <=, bound);
		return;
	}
	g_assert_cmpfloat(fabs(sim_v / obs_v - 1.0), <=, bound);
}

static inline void ps_test_band_assert(const char *name, const char *counter, double sim_v,
				       double obs_v, double band, double bound)
{
	ps_test_band_assert_held(name, counter, sim_v, obs_v, band, bound, NULL);
}

#endif
