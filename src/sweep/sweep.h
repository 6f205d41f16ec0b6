/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sweep.h - configuration sweeps: a spec file names base configs, traces (files or generator
 * invocations), seeds and axes (config keys by JSON path, each with a list or a range of values);
 * the cartesian product of them is a plan of runs, each in its own directory named by a digest of
 * its inputs. The plan runs here in a thread pool, or is emitted as jobs for GNU parallel or a
 * Slurm array; either way results.csv is rebuilt from the run directories.
 *
 * sweep/ sits above sim/: a run of a sweep is exactly a `pagesim run` of the config.json and
 * trace its directory names, so runs made elsewhere collect into the same table.
 *
 * Directory layout under the output DIR (sweeps/README.md has the contract):
 *   traces/NAME-HASH.jsonl.gz   generated traces, written once and reused
 *   runs/DIGEST/config.json     the run's config (the base with the axis values put in)
 *   runs/DIGEST/sweep.json      the run's point in the product: labels, seed, axis values
 *   runs/DIGEST/...             the outputs of `pagesim run`; summary.json last = complete
 *   results.csv                 one row per complete run, rebuilt atomically from runs/
 *   jobs.txt run-parallel.sh sweep.sbatch   with --emit
 *
 * Errors in a spec read `spec.json:line: key: what is wrong`, in PS_SWEEP_ERROR.
 */
#ifndef PS_SWEEP_H
#define PS_SWEEP_H

#include <cjson/cJSON.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

G_BEGIN_DECLS

#define PS_SWEEP_ERROR (ps_sweep_error_quark())
GQuark ps_sweep_error_quark(void);
enum {
	PS_SWEEP_ERROR_IO,     /* a file could not be read or written */
	PS_SWEEP_ERROR_SPEC,   /* the spec is not what this version reads */
	PS_SWEEP_ERROR_CONFIG, /* a point of the product is not a valid config */
	PS_SWEEP_ERROR_RUN,    /* a run failed, or results are incomplete */
};

/* Bounds that keep a typo ("step": 1 over a range of a million) from filling a disk. */
#define PS_SWEEP_MAX_VALUES 10000  /* values of one axis or seed range */
#define PS_SWEEP_MAX_RUNS   100000 /* runs of one product */

/* A base config of the spec. json is the file as written; axis values go into copies of it. */
typedef struct {
	char *label; /* its "name", else the file name without .json; unique in the spec */
	char *path;  /* as resolved against the spec's directory */
	cJSON *json; /* owned */
	int line;    /* of its entry in the spec */
} PsSweepConfig;

/* A trace of the spec: a file, or a generator invocation made once into DIR/traces/. */
typedef struct {
	char *label; /* "name", else the file or generator name; unique in the spec */
	char *path;  /* a file: resolved against the spec's directory; a generator: NULL */
	char *gen;   /* generator name, or NULL for a file */
	double seconds;
	uint64_t seed;
	char **params; /* generator params as sorted KEY=VALUE strings; NULL-terminated */
	int line;
} PsSweepTrace;

/* One axis: a config key by JSON path and its values in order (ranges already expanded). */
typedef struct {
	char *key;	   /* the path as written: "sysctl.min_free_kbytes", "nodes[0].cpus" */
	GPtrArray *values; /* cJSON *, owned */
	int line;
} PsSweepAxis;

/*
 * A parsed spec. It is read-only after parsing; every plan made from it borrows it.
 * seeds is empty when the spec gives none: each run then keeps its config's seed.
 */
typedef struct {
	char *filename;	    /* for messages */
	char *name;	    /* may be NULL */
	GPtrArray *configs; /* PsSweepConfig * */
	GPtrArray *traces;  /* PsSweepTrace * */
	GArray *seeds;	    /* uint64_t */
	GPtrArray *axes;    /* PsSweepAxis * */
	uint64_t until_ns;  /* `pagesim run --until`; 0 = whole trace */
	uint64_t sample_ns; /* `pagesim run --sample-ns`; 0 = the config's */
	int placement;	    /* enum ps_placement, `pagesim run --placement`; 0 = recorded */
} PsSweepSpec;

PsSweepSpec *ps_sweep_spec_parse(const char *text, gsize len, const char *filename, GError **error);
PsSweepSpec *ps_sweep_spec_load(const char *path, GError **error);
void ps_sweep_spec_free(PsSweepSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsSweepSpec, ps_sweep_spec_free)

/*
 * Sets the member at a JSON path ("a.b[2].c") in root to a copy of value. Objects missing on the
 * way are created; array elements must exist. FALSE with *why (newly allocated) otherwise.
 */
gboolean ps_json_path_set(cJSON *root, const char *path, const cJSON *value, char **why);

/* ---- the plan: the product, with digests --------------------------------------------------- */

/* One run of the product. */
typedef struct {
	guint index;	 /* position in the product: configs, traces, seeds, then axes in order */
	char digest[17]; /* 16 hex digits of the sha256 of the inputs; the run's directory name */
	guint config, trace; /* indexes into the spec */
	uint64_t seed;
	char **values;	      /* the axis values as CSV cells, one per spec axis; NULL-terminated */
	char *config_json;    /* the run's config, canonical (ps_config_to_json_full) */
	uint64_t state_bytes; /* memory its machine needs before the first record (sim) */
} PsSweepRun;

/* The runs of a spec under an output directory, ready to execute or emit. */
typedef struct {
	const PsSweepSpec *spec; /* borrowed */
	char *dir;
	char **trace_paths;   /* per spec trace: the file a run replays */
	char **trace_digests; /* per spec trace: "sha256:..." of that file */
	GPtrArray *runs;      /* PsSweepRun *, in product order */
} PsSweepPlan;

/*
 * Generates the spec's generator traces missing from DIR/traces, hashes every trace, builds the
 * product and each run's config (an invalid point is an error naming the spec line of an axis).
 * log, when given, is told of each trace generated.
 */
PsSweepPlan *ps_sweep_plan_new(const PsSweepSpec *spec, const char *dir,
			       void (*log)(void *data, const char *msg), void *log_data,
			       GError **error);
void ps_sweep_plan_free(PsSweepPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsSweepPlan, ps_sweep_plan_free)

/* DIR/runs/DIGEST (newly allocated). */
char *ps_sweep_run_dir(const PsSweepPlan *plan, const PsSweepRun *run);

/* The run's summary.json exists: every output before it was renamed into place already. */
bool ps_sweep_run_complete(const PsSweepPlan *plan, const PsSweepRun *run);

/*
 * Makes the run's directory ready for a fresh run: anything a killed run left there is removed,
 * then config.json and sweep.json are written (atomically).
 */
gboolean ps_sweep_run_prepare(const PsSweepPlan *plan, const PsSweepRun *run, GError **error);

/* ---- execution in a thread pool (sweep/exec.c) --------------------------------------------- */

typedef struct {
	int jobs; /* worker threads; <= 0: the number of processors */
	/* Called on the calling thread after each run ends (ok or not); error is NULL when ok. */
	void (*done)(void *data, const PsSweepRun *run, guint nr_done, guint nr_todo,
		     const GError *error);
	void *done_data;
	/* Wall-clock ns since the run started (cli/ supplies it): gives summaries a wall section.
	 */
	uint64_t (*wall_ns)(void *data);
	void *wall_data;
	/* PsRunOptions.interrupted for every run: set, the runs in flight stop. May be NULL. */
	const volatile sig_atomic_t *interrupted;
	/*
	 * The binary trace cache (PsRunOptions.trace_cache_dir; NULL: none). Each trace of a run
	 * to do is compiled into it before the first run starts, so a sweep parses each trace at
	 * most once and every run replays from the cache.
	 */
	const char *trace_cache_dir;
} PsSweepExecOptions;

/*
 * Runs every incomplete run of the plan, at most jobs at a time, one machine model per worker,
 * the longest first by estimate (trace size times machine state bytes; ties in product order).
 * *nr_skipped counts the runs already complete, *nr_failed those that failed (each reported to
 * done). FALSE only when the pool itself could not be made.
 */
gboolean ps_sweep_execute(const PsSweepPlan *plan, const PsSweepExecOptions *opts,
			  guint *nr_skipped, guint *nr_failed, GError **error);

/* ---- results (sweep/collect.c) ------------------------------------------------------------- */

/*
 * The metric columns of results.csv after the axes, in order; NULL-terminated. They come from
 * summary.json and latency.csv of each run (sweeps/README.md defines each one).
 */
extern const char *const ps_sweep_metric_names[];

/* The leading columns of results.csv, before the axes. */
extern const char *const ps_sweep_key_names[];

typedef struct {
	guint nr_rows;	     /* complete runs written to results.csv */
	guint nr_incomplete; /* run directories without summary.json */
} PsSweepCollectStats;

/*
 * Builds DIR/results.csv from DIR/runs/ * /sweep.json and summary.json, one row per complete run
 * in product order (then digest), and writes it atomically. Never reads an earlier results.csv.
 * With a plan, only the plan's runs are rows (runs of an earlier version of the spec are left
 * out); without one, every run directory is.
 */
gboolean ps_sweep_collect(const char *dir, const PsSweepPlan *plan, PsSweepCollectStats *stats,
			  GError **error);

/* ---- beyond one machine (sweep/emit.c) ----------------------------------------------------- */

enum ps_sweep_emit_kind {
	PS_SWEEP_EMIT_PARALLEL,
	PS_SWEEP_EMIT_SLURM,
};

/*
 * Prepares the directory of every incomplete run and writes DIR/jobs.txt, one `pagesim run`
 * command a line with paths relative to DIR; then DIR/run-parallel.sh (GNU parallel over ssh
 * logins) or DIR/sweep.sbatch (a Slurm array of jobs.txt lines). pagesim is the command word
 * the jobs start with. *nr_jobs is the number of lines; *command (newly allocated) what to type.
 * trace_cache: the traces of the jobs are compiled into DIR/trace-cache (PS_SWEEP_TRACE_CACHE)
 * here, once, and every job reads them from there (`--trace-cache`); else `--no-trace-cache`.
 */
#define PS_SWEEP_TRACE_CACHE "trace-cache"
gboolean ps_sweep_emit(const PsSweepPlan *plan, enum ps_sweep_emit_kind kind, const char *pagesim,
		       bool trace_cache, guint *nr_jobs, char **command, GError **error);

G_END_DECLS

#endif
