// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-pagesize.c - `config from-proc` + `config show` against real Linux 6.18.2 arm64 kernels
 * with 4K, 16K and 64K pages and with 2 and 4 NUMA nodes: every zoneinfo of the lab recordings in
 * tests/data/lab (README.md there says how each was made) and of the qemu recordings in
 * ../shared/realdata (skipped with a message when absent).
 *
 * Each file is mirrored twice, as `config from-proc --zoneinfo FILE --cpus 2` does (page size,
 * sysctls and cpu placement inferred) and with the sysctls the machine had (its .sysctl_vm, as
 * `--proc` reads them). Every value must come out as printed: the zone list, and per zone
 * min/low/high/promo (boost taken out), the protection array, pcp batch, high_min and high_max;
 * per file min_free_kbytes (against the .sysctl_vm) and the page size. Where the state has a
 * .pagetypeinfo, from-proc reads it too and the mirror's pagetypeinfo must list the kernel's
 * migratetypes (no Isolate on the arm64 lab kernels, built without CONFIG_MEMORY_ISOLATION).
 *
 * Values carried from the boot history rather than computed are counted apart and allowed only
 * where the history explains them: in the states whose tunables date from boot (boot, before,
 * mid, postcompact, and the after of the churn recordings), the kernel computed them before it
 * freed the initramfs, so the zones' managed counts grew by a few hundred pages since. high_max
 * (managed / 8 split over the cpus) moves on every machine; the watermarks and high_min move
 * where min_free_kbytes is shared by several zones or nodes.
 * After a sysctl write (w1..w6, and the lab's after) everything is computed, from today's sizes.
 */
#include <string.h>

#include "config/config.h"
#include "policy/policy.h"
#include "report/report.h"

enum { V_ZONES, V_MFK, V_WMARK, V_PROT, V_BATCH, V_HMIN, V_HMAX, NR_V };
static const char *const vnames[NR_V] = {"zone list",  "min_free_kbytes", "min/low/high/promo",
					 "protection", "batch",		  "high_min",
					 "high_max"};

/* Per layout (4k, 16k, 64k, 4k-numa-2n, 4k-numa-4n) and value: files, exact, of them carried. */
typedef struct {
	const char *layout;
	int files, values[NR_V], exact[NR_V], carried[NR_V];
} Tally;
static Tally tallies[5] = {{.layout = "4k"},
			   {.layout = "16k"},
			   {.layout = "64k"},
			   {.layout = "4k, 2 nodes"},
			   {.layout = "4k, 4 nodes"}};

typedef struct {
	char *dir;  /* holding STATE.zoneinfo and STATE.sysctl_vm or boot.sysctl_vm */
	char *name; /* for messages */
	uint32_t page_size;
	int nodes;
	bool churn; /* a churn recording: its after still has the boot-time tunables */
} Machine;

static Tally *tally_of(const Machine *mc)
{
	if (mc->nodes == 4)
		return &tallies[4];
	if (mc->nodes == 2)
		return &tallies[3];
	return &tallies[mc->page_size == 4096 ? 0 : mc->page_size == 16384 ? 1 : 2];
}

/* "name: value" lines of a .sysctl_vm; FALSE if the file is missing. */
static gboolean read_sysctls(const char *path, PsProcInput *in)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return FALSE;
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		char *v = strchr(lines[i], ':');

		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(lines[i], "min_free_kbytes"))
			in->min_free_kbytes = g_ascii_strtoll(v, NULL, 10);
		else if (!strcmp(lines[i], "watermark_scale_factor"))
			in->watermark_scale_factor = atoi(v);
		else if (!strcmp(lines[i], "percpu_pagelist_high_fraction"))
			in->percpu_pagelist_high_fraction = atoi(v);
		else if (!strcmp(lines[i], "lowmem_reserve_ratio")) {
			char *s = v;

			for (int k = 0; k < PS_MAX_NR_ZONES; k++) {
				char *end;
				int64_t r = g_ascii_strtoll(s, &end, 10);

				in->lowmem_reserve_ratio[k] = end == s ? 0 : (int)r;
				s = end;
			}
		}
	}
	return TRUE;
}

/* The machine of cfg set up (with or without its boot history) and printed, parsed back. */
static PsZoneinfo *show(const PsConfig *cfg, bool history, int64_t *mfk)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	PsMachineSpec *spec = g_memdup2(&cfg->spec, sizeof(cfg->spec));
	g_autoptr(PsMachine) m = NULL;
	PsZoneinfo *zi;

	spec->boot_history.set = spec->boot_history.set && history;
	m = ps_machine_setup(spec, &error);
	g_free(spec);
	g_assert_no_error(error);
	ps_format_zoneinfo(m, out);
	*mfk = m->sysctl.min_free_kbytes;
	zi = ps_zoneinfo_parse(out->str, "(simulated)", &error);
	g_assert_no_error(error);
	return zi;
}

static bool same_prot(const PsZoneinfoZone *a, const PsZoneinfoZone *b)
{
	if (a->nr_protection != b->nr_protection)
		return false;
	for (int j = 0; j < a->nr_protection; j++)
		if (a->protection[j] != b->protection[j])
			return false;
	return true;
}

/* Per value kind: 1 exact, 0 not; b is the mirror, f the formulas alone. */
static void compare_zone(const PsZoneinfoZone *a, const PsZoneinfoZone *b, const PsZoneinfoZone *f,
			 int *values, int *exact, int *carried, GString *why)
{
	bool ok[NR_V] = {0}, fok[NR_V] = {0}, has[NR_V] = {0};

	has[V_WMARK] = has[V_PROT] = true;
	ok[V_WMARK] = fok[V_WMARK] = true;
	for (int w = 0; w < PS_NR_WMARK; w++) {
		ok[V_WMARK] &= a->wmark[w] - a->boost == b->wmark[w];
		fok[V_WMARK] &= a->wmark[w] - a->boost == f->wmark[w];
	}
	ok[V_PROT] = same_prot(a, b);
	fok[V_PROT] = same_prot(a, f);
	if (a->present && a->nr_pagesets) {
		has[V_BATCH] = has[V_HMIN] = has[V_HMAX] = true;
		ok[V_BATCH] = a->pcp_batch == b->pcp_batch;
		fok[V_BATCH] = a->pcp_batch == f->pcp_batch;
		ok[V_HMIN] = a->pcp_high_min == b->pcp_high_min;
		fok[V_HMIN] = a->pcp_high_min == f->pcp_high_min;
		ok[V_HMAX] = a->pcp_high_max == b->pcp_high_max;
		fok[V_HMAX] = a->pcp_high_max == f->pcp_high_max;
	}
	for (int v = V_WMARK; v < NR_V; v++) {
		if (!has[v])
			continue;
		values[v]++;
		exact[v] += ok[v];
		if (ok[v] && !fok[v])
			carried[v]++;
		if (!ok[v])
			g_string_append_printf(why, " %s:%d:%s", vnames[v], a->node,
					       ps_zone_names[a->type]);
	}
}

/* The words after "Number of blocks type" in a pagetypeinfo text, space-joined. */
static char *block_types(const char *text)
{
	const char *l = strstr(text, "Number of blocks type");
	g_autofree char *line = NULL;
	g_auto(GStrv) words = NULL;
	GString *out = g_string_new(NULL);

	g_assert_nonnull(l);
	line = g_strndup(l, strcspn(l, "\n"));
	words = g_strsplit_set(line + strlen("Number of blocks type"), " \t", -1);
	for (int i = 0; words[i]; i++)
		if (words[i][0])
			g_string_append_printf(out, "%s%s", out->len ? " " : "", words[i]);
	return g_string_free(out, FALSE);
}

/*
 * The migratetypes the mirror's pagetypeinfo lists are the kernel's (no Isolate without
 * CONFIG_MEMORY_ISOLATION): the block count columns and the free-count rows per zone.
 */
static void check_pagetypeinfo(const PsConfig *cfg, const char *ptext, const char *ppath)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	PsMachineSpec *spec = g_memdup2(&cfg->spec, sizeof(cfg->spec));
	g_autoptr(PsMachine) m = ps_machine_setup(spec, &error);
	g_autofree char *want = block_types(ptext), *got = NULL;
	g_autofree char *row = NULL;

	g_free(spec);
	g_assert_no_error(error);
	ps_format_pagetypeinfo(m, out);
	got = block_types(out->str);
	if (strcmp(want, got))
		g_error("%s: block count columns \"%s\", the mirror prints \"%s\"", ppath, want,
			got);
	for (int mt = 0; mt < PS_MT_TYPES; mt++) {
		row = g_strdup_printf("type %12s ", ps_migratetype_names[mt]);
		if (!strstr(ptext, row) != !strstr(out->str, row))
			g_error("%s: free-count rows of %s: kernel %s, mirror %s", ppath,
				ps_migratetype_names[mt], strstr(ptext, row) ? "yes" : "no",
				strstr(out->str, row) ? "yes" : "no");
		g_clear_pointer(&row, g_free);
	}
}

/* One zoneinfo of mc, in one of the two modes. */
static void check_state(const Machine *mc, const char *state, bool given)
{
	g_autofree char *zpath = g_strdup_printf("%s/%s.zoneinfo", mc->dir, state);
	g_autofree char *spath = g_strdup_printf("%s/%s.sysctl_vm", mc->dir, state);
	g_autofree char *bpath = g_strdup_printf("%s/boot.sysctl_vm", mc->dir);
	g_autofree char *ppath = g_strdup_printf("%s/%s.pagetypeinfo", mc->dir, state);
	g_autofree char *text = NULL, *ptext = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(PsZoneinfo) real = NULL, sim = NULL, formulas = NULL;
	g_autoptr(GString) why = g_string_new(NULL);
	PsProcInput in, truth;
	int values[NR_V] = {0}, exact[NR_V] = {0}, carried[NR_V] = {0};
	int64_t mfk, fmfk;
	bool boot_state, zones_ok = true;
	Tally *t = tally_of(mc);

	g_assert_true(g_file_get_contents(zpath, &text, NULL, NULL));
	ps_proc_input_init(&truth);
	g_assert_true(read_sysctls(spath, &truth) || read_sysctls(bpath, &truth));
	ps_proc_input_init(&in);
	in.zoneinfo_text = text;
	in.zoneinfo_path = zpath;
	in.nr_cpus = 2;
	if (g_file_get_contents(ppath, &ptext, NULL, NULL)) {
		in.pagetypeinfo_text = ptext;
		in.pagetypeinfo_path = ppath;
	}
	if (given) {
		in.min_free_kbytes = truth.min_free_kbytes;
		in.watermark_scale_factor = truth.watermark_scale_factor;
		in.percpu_pagelist_high_fraction = truth.percpu_pagelist_high_fraction;
		memcpy(in.lowmem_reserve_ratio, truth.lowmem_reserve_ratio,
		       sizeof(in.lowmem_reserve_ratio));
		in.sysctl_source = spath;
	}
	if (!ps_config_from_proc(&in, cfg, &error))
		g_error("%s: %s", zpath, error->message);
	g_assert_cmpuint(cfg->spec.page_size, ==, mc->page_size);
	if (ptext)
		check_pagetypeinfo(cfg, ptext, ppath);
	real = ps_zoneinfo_parse(text, zpath, &error);
	g_assert_no_error(error);
	sim = show(cfg, true, &mfk);
	formulas = show(cfg, false, &fmfk);

	/* The zone list: the same "Node N, zone X" blocks in the same order. */
	zones_ok = real->nr_zones == sim->nr_zones;
	for (int i = 0; zones_ok && i < real->nr_zones; i++)
		zones_ok = real->zones[i].node == sim->zones[i].node &&
			   real->zones[i].type == sim->zones[i].type;
	values[V_ZONES] = values[V_MFK] = 1;
	exact[V_ZONES] = zones_ok;
	exact[V_MFK] = mfk == truth.min_free_kbytes;
	if (!zones_ok)
		g_string_append(why, " zone-list");
	if (mfk != truth.min_free_kbytes)
		g_string_append_printf(
		    why, " min_free_kbytes %" G_GINT64_FORMAT " (printed %" G_GINT64_FORMAT ")",
		    mfk, truth.min_free_kbytes);
	for (int i = 0; zones_ok && i < real->nr_zones; i++)
		compare_zone(&real->zones[i], &sim->zones[i], &formulas->zones[i], values, exact,
			     carried, why);
	if (why->len)
		g_error("%s/%s (%s): differs:%s", mc->name, state,
			given ? "sysctls given" : "zoneinfo only", why->str);

	/* Carried values only where the boot history explains them (see the header). */
	boot_state = strcmp(state, "after") ? state[0] != 'w' : mc->churn;
	for (int v = 0; v < NR_V; v++) {
		bool allowed = boot_state && (v == V_WMARK || v == V_HMIN || v == V_HMAX);

		if (carried[v] && !allowed)
			g_error("%s/%s (%s): %d %s value(s) carried from the boot history, not "
				"computed",
				mc->name, state, given ? "sysctls given" : "zoneinfo only",
				carried[v], vnames[v]);
		t->values[v] += values[v];
		t->exact[v] += exact[v];
		t->carried[v] += carried[v];
	}
	t->files++;
}

static void test_machine(gconstpointer data)
{
	const Machine *mc = data;
	g_autoptr(GDir) d = g_dir_open(mc->dir, 0, NULL);
	g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func(g_free);
	const char *f;

	if (!d) {
		g_autofree char *msg = g_strdup_printf("%s: not available", mc->dir);

		g_test_skip(msg);
		return;
	}
	while ((f = g_dir_read_name(d)))
		if (g_str_has_suffix(f, ".zoneinfo"))
			g_ptr_array_add(states, g_strndup(f, strlen(f) - strlen(".zoneinfo")));
	g_assert_cmpuint(states->len, >=, 3);
	for (guint i = 0; i < states->len; i++) {
		check_state(mc, states->pdata[i], false);
		check_state(mc, states->pdata[i], true);
	}
}

static void test_summary(void)
{
	for (gsize k = 0; k < G_N_ELEMENTS(tallies); k++) {
		const Tally *t = &tallies[k];
		g_autoptr(GString) s = g_string_new(NULL);

		for (int v = 0; v < NR_V; v++)
			g_string_append_printf(s, "%s%s %d/%d (%d carried)", v ? "; " : "",
					       vnames[v], t->exact[v], t->values[v], t->carried[v]);
		g_test_message("%s: %d mirrors: %s", t->layout, t->files, s->str);
	}
}

static GPtrArray *machines; /* of Machine, freed at exit */

static void machine_free(gpointer p)
{
	Machine *mc = p;

	g_free(mc->dir);
	g_free(mc->name);
	g_free(mc);
}

/* Lab machines: "4k-2G", "16k-8G", "4k-numa-4G-2n", ... */
static Machine *lab_machine(const char *top, const char *name)
{
	Machine *mc = g_new0(Machine, 1);

	g_ptr_array_add(machines, mc);
	mc->dir = g_build_filename(top, name, NULL);
	mc->name = g_strdup_printf("lab/%s", name);
	mc->page_size = (uint32_t)g_ascii_strtoull(name, NULL, 10) * 1024;
	mc->nodes = g_str_has_suffix(name, "-4n") ? 4 : g_str_has_suffix(name, "-2n") ? 2 : 1;
	return mc;
}

int main(int argc, char **argv)
{
	static const char *const rec[] = {"4k", "16k", "64k", "4k-numa"};
	/* their programs write no vm sysctl: `after` keeps the boot-time tunables, as churn's */
	static const struct {
		const char *dir, *page;
		int nodes;
	} shipped[] = {
	    {"lab-churn-migrate/4k", "4", 1},	{"lab-churn-migrate/16k", "16", 1},
	    {"lab-churn-migrate/64k", "64", 1}, {"lab-numa-policies/zrm0", "4", 2},
	    {"lab-numa-policies/zrm1", "4", 2}, {"lab-numa-policies/nr1", "4", 2},
	    {"lab-numa-policies/nr2", "4", 2},
	};
	const char *rd = g_getenv("PAGESIM_REALDATA");
	g_autofree char *lab = NULL;
	g_autoptr(GDir) d = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *f;
	int rc;

	g_test_init(&argc, &argv, NULL);
	machines = g_ptr_array_new_with_free_func(machine_free);
	/* PAGESIM_LAB_DIR: fresh lab boots of scripts/lab-check instead of the shipped ones. */
	lab = g_strdup(g_getenv("PAGESIM_LAB_DIR"));
	if (!lab)
		lab = g_test_build_filename(G_TEST_DIST, "data", "lab", NULL);
	d = g_dir_open(lab, 0, NULL);
	g_assert_nonnull(d);
	while ((f = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(lab, f, NULL);

		if (g_ascii_isdigit(f[0]) && g_file_test(p, G_FILE_TEST_IS_DIR))
			g_ptr_array_add(names, g_strdup(f));
	}
	g_ptr_array_sort(names, (GCompareFunc)(void *)g_strcmp0);
	g_assert_cmpuint(names->len, >=, g_getenv("PAGESIM_LAB_DIR") ? 1 : 19);
	for (guint i = 0; i < names->len; i++) {
		Machine *mc = lab_machine(lab, *(char **)(void *)&names->pdata[i]);
		g_autofree char *path = g_strdup_printf("/config/pagesize/%s", mc->name);

		g_test_add_data_func(path, mc, test_machine);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(rec); i++) {
		Machine *mc = g_new0(Machine, 1);
		g_autofree char *path = NULL;
		g_autofree char *sub = g_strdup_printf("qemu-arm64-%s-6.18.2", rec[i]);

		mc->dir =
		    rd ? g_build_filename(rd, sub, NULL) : g_strdup("(PAGESIM_REALDATA unset)");
		mc->name = g_strdup_printf("realdata/%s", sub);
		mc->page_size = (uint32_t)g_ascii_strtoull(rec[i], NULL, 10) * 1024;
		mc->nodes = g_str_has_suffix(rec[i], "numa") ? 2 : 1;
		mc->churn = true;
		g_ptr_array_add(machines, mc);
		path = g_strdup_printf("/config/pagesize/%s", mc->name);
		g_test_add_data_func(path, mc, test_machine);
	}
	/* The shipped qemu recordings (tests/data/lab-churn-migrate, lab-numa-policies). */
	for (gsize i = 0; i < G_N_ELEMENTS(shipped); i++) {
		Machine *mc = g_new0(Machine, 1);
		g_autofree char *path = NULL;

		mc->dir = g_test_build_filename(G_TEST_DIST, "data", shipped[i].dir, NULL);
		mc->name = g_strdup(shipped[i].dir);
		mc->page_size = (uint32_t)g_ascii_strtoull(shipped[i].page, NULL, 10) * 1024;
		mc->nodes = shipped[i].nodes;
		mc->churn = true;
		g_ptr_array_add(machines, mc);
		path = g_strdup_printf("/config/pagesize/%s", mc->name);
		g_test_add_data_func(path, mc, test_machine);
	}
	g_test_add_func("/config/pagesize/summary/all", test_summary);
	rc = g_test_run();
	g_ptr_array_free(machines, TRUE);
	return rc;
}
