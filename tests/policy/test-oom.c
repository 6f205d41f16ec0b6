// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-oom.c - oom_badness and /proc/PID/oom_score (policy/oom.c): the kernel-facts §13.15
 * figures, the adj scaling and the never-chosen cases, and — where /proc is readable — every
 * process of the machine this test runs on, compared with what its kernel prints. Then
 * out_of_memory over a fake host's tasks (fixture.h): the victim, its points with totalpages
 * from constrained_alloc, ties, a pending victim and the no-victim case, with exact values.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "policy/policy-private.h"

static void test_formula(void)
{
	const uint64_t total = 6171024; /* kernel-facts §13.15: totalram, no swap */
	PsOomTask t = {.pid = 100, .oom_score_adj = 0};

	/* Any adj-0 task below total/1000 pages scores 666. */
	t.rss_pages = 6170;
	g_assert_cmpint(ps_oom_badness(&t, total), ==, 6170);
	g_assert_cmpint(ps_oom_score(&t, total), ==, 666);
	t.rss_pages = 6171024 / 2;
	g_assert_cmpint(ps_oom_score(&t, total), ==, (1000 + 500) * 2 / 3);
	/* adj scales by totalpages / 1000 and counts swap and page tables. */
	t.rss_pages = 1000;
	t.swap_pages = 200;
	t.pgtable_pages = 30;
	t.oom_score_adj = 500;
	g_assert_cmpint(ps_oom_badness(&t, total), ==, 1230 + 500 * 6171);
	t.oom_score_adj = -999;
	g_assert_cmpint(ps_oom_badness(&t, total), ==, 1230 - 999 * 6171);
	/* Never chosen: OOM_SCORE_ADJ_MIN, init/kernel threads, a victim already. */
	t.oom_score_adj = -1000;
	g_assert_cmpint(ps_oom_badness(&t, total), ==, INT64_MIN);
	g_assert_cmpint(ps_oom_score(&t, total), ==, 0);
	t.oom_score_adj = 0;
	t.unkillable = true;
	g_assert_cmpint(ps_oom_score(&t, total), ==, 0);
	t.unkillable = false;
	t.victim = true;
	g_assert_cmpint(ps_oom_badness(&t, total), ==, INT64_MIN);
}

static gboolean status_field(const char *status, const char *key, uint64_t *kb)
{
	const char *p = strstr(status, key);

	if (!p)
		return FALSE;
	*kb = g_ascii_strtoull(p + strlen(key), NULL, 10);
	return TRUE;
}

/* MemTotal + SwapTotal in pages: the kernel's totalpages for an unconstrained OOM. */
static uint64_t live_totalpages(uint64_t page_kb)
{
	g_autofree char *meminfo = NULL;
	uint64_t mem_kb = 0, swap_kb = 0;

	if (!g_file_get_contents("/proc/meminfo", &meminfo, NULL, NULL))
		return 0;
	status_field(meminfo, "MemTotal:", &mem_kb);
	status_field(meminfo, "SwapTotal:", &swap_kb);
	return (mem_kb + swap_kb) / page_kb;
}

/*
 * Since 6.16 /proc/PID/status sums the rss counters exactly (task_mem: get_mm_counter_sum)
 * while oom_badness reads them approximately (get_mm_rss: get_mm_counter, i.e.
 * percpu_counter_read_positive), which misses what each cpu still holds in its batch: less than
 * percpu_counter_batch (max(32, 2 * online cpus)) per cpu, for each of the four counters
 * (file, anon, swap entries, shmem). So the kernel's score is the formula's for some rss within
 * that drift of the exact one. The score rises with rss, so the two ends bound it. Exact where
 * no boundary lies within the drift, which is nearly always: one score point is totalpages/1000
 * pages (~6000 on 24 GiB), the drift at most 256 pages on 2 cpus.
 */
static gboolean score_within_drift(const PsOomTask *t, uint64_t total, int64_t kernel_score)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t batch = (uint64_t)MAX(32, 2 * MAX(cpus, 1));
	uint64_t drift = 4 * batch * (uint64_t)MAX(cpus, 1);
	PsOomTask lo = *t, hi = *t;

	lo.rss_pages = t->rss_pages > drift ? t->rss_pages - drift : 0;
	hi.rss_pages = t->rss_pages + drift;
	if (kernel_score != ps_oom_score(t, total))
		g_test_message("pid %d: score %" G_GINT64_FORMAT " vs formula %" G_GINT64_FORMAT
			       " from the exact rss (allowed: the per-cpu counter drift)",
			       t->pid, kernel_score, ps_oom_score(t, total));
	return kernel_score >= ps_oom_score(&lo, total) && kernel_score <= ps_oom_score(&hi, total);
}

typedef enum {
	LIVE_GONE,
	LIVE_MOVED,
	LIVE_NO_MM,
	LIVE_UNSCORED,
	LIVE_AGREES,
	LIVE_DIFFERS
} LiveCheck;

/*
 * One task's score against the formula: its status read before and after its oom_score and
 * oom_score_adj (LIVE_MOVED when the two differ), its rss, swap and page tables from that status.
 */
static LiveCheck live_task(const char *name, uint64_t total, uint64_t page_kb)
{
	g_autofree char *sp = g_strdup_printf("/proc/%s/status", name);
	g_autofree char *op = g_strdup_printf("/proc/%s/oom_score", name);
	g_autofree char *ap = g_strdup_printf("/proc/%s/oom_score_adj", name);
	g_autofree char *s1 = NULL, *s2 = NULL, *score = NULL, *adj = NULL;
	uint64_t anon = 0, file = 0, shmem = 0, swap = 0, pte = 0;
	PsOomTask t = {0};

	if (!g_file_get_contents(sp, &s1, NULL, NULL) ||
	    !g_file_get_contents(op, &score, NULL, NULL) ||
	    !g_file_get_contents(ap, &adj, NULL, NULL) || !g_file_get_contents(sp, &s2, NULL, NULL))
		return LIVE_GONE;
	/* Only a task whose memory did not move between the reads is a fair comparison. */
	if (strcmp(s1, s2))
		return LIVE_MOVED;
	if (!status_field(s1, "RssAnon:", &anon))
		return LIVE_NO_MM; /* kernel thread: no mm, score 0 */
	status_field(s1, "RssFile:", &file);
	status_field(s1, "RssShmem:", &shmem);
	status_field(s1, "VmSwap:", &swap);
	status_field(s1, "VmPTE:", &pte);
	t.pid = (int)g_ascii_strtoll(name, NULL, 10);
	t.oom_score_adj = (int)g_ascii_strtoll(adj, NULL, 10);
	t.rss_pages = (anon + file + shmem) / page_kb;
	t.swap_pages = swap / page_kb;
	t.pgtable_pages = pte / page_kb;
	t.unkillable = t.pid == 1;
	/*
	 * oom_badness returns LONG_MIN, which proc_oom_score prints as 0, for a task in vfork
	 * (in_vfork: a posix_spawn child sharing its parent's mm until it execs; builds make many)
	 * and for an mm with MMF_OOM_SKIP. Neither shows in /proc, so a 0 the formula does not
	 * give is left out, not compared (seen under load: 0 where the formula gives 666).
	 */
	if (score_within_drift(&t, total, g_ascii_strtoll(score, NULL, 10)))
		return LIVE_AGREES;
	return g_ascii_strtoll(score, NULL, 10) == 0 ? LIVE_UNSCORED : LIVE_DIFFERS;
}

/*
 * The machine's own OOM scores from the same formula (fs/proc/base.c proc_oom_score). The host
 * keeps running meanwhile: a task whose status changed between two reads around its score is
 * left out, and when the memory total itself changed (this VM's zones grow on demand, memory
 * can be hotplugged) the test is skipped with the reason, since every score moved with it.
 * Equal status reads around the score do not prove the counters held still in between (a task
 * can allocate and free back within the window, and the score then saw other per-cpu
 * remainders), so a task that differs is read twice more: a wrong formula differs every time.
 */
static void test_live_machine(void)
{
	g_autofree char *meminfo = NULL;
	g_autoptr(GDir) dir = NULL;
	const char *name;
	uint64_t mem_kb = 0, swap_kb = 0, total, page_kb = (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
	int checked = 0, stable = 0;

	if (!g_file_get_contents("/proc/meminfo", &meminfo, NULL, NULL) ||
	    !(dir = g_dir_open("/proc", 0, NULL))) {
		g_test_skip("/proc is not readable");
		return;
	}
	status_field(meminfo, "MemTotal:", &mem_kb);
	status_field(meminfo, "SwapTotal:", &swap_kb);
	total = (mem_kb + swap_kb) / page_kb;
	while ((name = g_dir_read_name(dir))) {
		LiveCheck r;

		if (!g_ascii_isdigit(name[0]))
			continue;
		r = live_task(name, total, page_kb);
		for (int again = 0; again < 2 && r == LIVE_DIFFERS; again++)
			r = live_task(name, total, page_kb);
		if (r == LIVE_GONE || r == LIVE_MOVED || r == LIVE_UNSCORED)
			continue;
		stable++;
		if (r == LIVE_NO_MM)
			continue;
		if (r == LIVE_DIFFERS && live_totalpages(page_kb) != total) {
			g_test_skip("the machine's memory total changed during the test (zone "
				    "growth or hotplug): its OOM scores were computed against "
				    "another total");
			return;
		}
		if (r == LIVE_DIFFERS)
			g_error(
			    "pid %s: /proc oom_score outside the formula's per-cpu drift in three "
			    "reads",
			    name);
		checked++;
	}
	g_test_message("%d processes with an mm checked, %d stable reads", checked, stable);
	if (live_totalpages(page_kb) != total) {
		g_test_skip("the machine's memory total changed during the test (zone growth or "
			    "hotplug): its OOM scores were computed against another total");
		return;
	}
	g_assert_cmpint(checked, >, 0);
}

/*
 * select_bad_process over five tasks, totalpages = 16384 managed + 4096 swap = 20480, so an adj
 * point is worth 20480 / 1000 = 20 pages (oom_badness). init and an OOM_SCORE_ADJ_MIN task are
 * never chosen whatever their size; 500 + 100 swap + 20 page tables = 620; 100 + 30 * 20 = 700;
 * 690 + 10 = 700. oom_evaluate_task skips a task only when its points are lower than the best so
 * far, so of the two at 700 the later one is killed. oom_kill_process: the oom_kill event, the
 * victim's memory back after the reaper's delay (2 s), and the request waits until then.
 */
static FixtureHost *five_tasks(int adj2)
{
	PsReclaimConfig rc;
	FixtureHost *h;
	PsOomTask *t;

	ps_reclaim_config_default(&rc);
	rc.swap_pages = 4096;
	h = fixture_host_new(fixture_normal_only(0, 16384), &rc);
	g_assert_cmpuint(ps_oom_totalpages(h->m), ==, 20480);
	fixture_host_task(h, 1, 10000, 0)->unkillable = true;
	t = fixture_host_task(h, 10, 500, 0);
	t->swap_pages = 100;
	t->pgtable_pages = 20;
	fixture_host_task(h, 11, 100, adj2);
	fixture_host_task(h, 12, 9000, -1000);
	fixture_host_task(h, 13, 690, 0)->pgtable_pages = 10;
	return h;
}

static void test_select_victim(void)
{
	g_autoptr(FixtureHost) h = five_tasks(30);
	PsAllocContext ac;
	uint64_t wait = 0;

	fixture_alloc_context(h->m, PS_GFP_KERNEL, 0, &ac);
	g_assert_true(ps_out_of_memory(h->p, &ac, &wait));
	g_assert_cmpuint(h->kills, ==, 1);
	g_assert_cmpuint(h->killed, ==, 4);
	g_assert_cmpuint(h->kill_badness, ==, 700);
	g_assert_cmpuint(h->kill_reap_at, ==, 2000000000ull);
	g_assert_cmpuint(wait, ==, 2000000000ull);
	g_assert_cmpuint(h->m->vm_events[PS_OOM_KILL], ==, 1);

	/* The victim is not reaped yet: abort the scan and wait for it, no second kill. */
	wait = 0;
	g_assert_true(ps_out_of_memory(h->p, &ac, &wait));
	g_assert_cmpuint(h->kills, ==, 1);
	g_assert_cmpuint(wait, ==, 2000000000ull);
	g_assert_cmpuint(h->m->vm_events[PS_OOM_KILL], ==, 1);
}

/* One adj point more: 100 + 31 * 20 = 720 beats 700 — it would not if swap were left out of
 * totalpages (16384 / 1000 = 16: 596). */
static void test_select_adj_scaled(void)
{
	g_autoptr(FixtureHost) h = five_tasks(31);
	PsAllocContext ac;
	uint64_t wait = 0;

	fixture_alloc_context(h->m, PS_GFP_KERNEL, 0, &ac);
	g_assert_true(ps_out_of_memory(h->p, &ac, &wait));
	g_assert_cmpuint(h->killed, ==, 2);
	g_assert_cmpuint(h->kill_badness, ==, 720);
}

/* Only unkillable tasks: no victim (the kernel panics), out_of_memory reports no progress. */
static void test_no_victim(void)
{
	g_autoptr(FixtureHost) h = fixture_host_new(fixture_normal_only(0, 16384), NULL);
	PsAllocContext ac;
	uint64_t wait = 0;

	fixture_host_task(h, 1, 10000, 0)->unkillable = true;
	fixture_host_task(h, 12, 9000, -1000);
	fixture_alloc_context(h->m, PS_GFP_KERNEL, 0, &ac);
	g_assert_false(ps_out_of_memory(h->p, &ac, &wait));
	g_assert_cmpuint(h->kills, ==, 0);
	g_assert_cmpuint(h->m->vm_events[PS_OOM_KILL], ==, 0);
	g_assert_cmpuint(fixture_host_events(h, "oom_no_victim"), ==, 1);
}

/* Two nodes of one Normal zone each: node 0 16384 pages, node 1 8192, cpu N on node N. */
static FixtureHost *two_nodes(void)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 4096, 2);
	spec.nr_nodes = 2;
	spec.cpu_node[1] = 1;
	spec.distance[0][1] = spec.distance[1][0] = 21;
	spec.distance[1][1] = 10;
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, 0, 16384, 16384);
	fixture_zone(&spec, 1, PS_ZONE_NORMAL, 16384, 8192, 8192);
	return fixture_host_new(fixture_machine(&spec), NULL);
}

/*
 * constrained_alloc: a mempolicy nodemask that leaves out a memory node makes totalpages the
 * mask's present pages plus swap (CONSTRAINT_MEMORY_POLICY): node 1's 8192 pages, an adj point
 * worth 8. Without a mask, or with __GFP_THISNODE (CONSTRAINT_NONE), all 24576: 24.
 */
static void check_constrained(uint64_t gfp, uint64_t nodemask, uint64_t badness)
{
	g_autoptr(FixtureHost) h = NULL;
	PsAllocContext ac;
	uint64_t wait = 0;

	h = two_nodes();
	fixture_host_task(h, 10, 0, 100);
	fixture_alloc_context(h->m, gfp, 0, &ac);
	ac.nodemask = nodemask;
	g_assert_true(ps_out_of_memory(h->p, &ac, &wait));
	g_assert_cmpuint(h->kill_badness, ==, badness);
	g_assert_cmpint(ps_oom_constraint(h->m, &ac), ==,
			badness == 100 * 8 ? PS_CONSTRAINT_MEMORY_POLICY : PS_CONSTRAINT_NONE);
}

static void test_constrained(void)
{
	check_constrained(PS_GFP_KERNEL, 1ull << 1, 100 * 8);
	check_constrained(PS_GFP_KERNEL, 0, 100 * 24);
	check_constrained(PS_GFP_KERNEL, 3, 100 * 24);
	check_constrained(PS_GFP_KERNEL | PS_GFP_THISNODE, 1ull << 1, 100 * 24);
}

/*
 * oom_cpuset_eligible -> mempolicy_in_oom_domain: under CONSTRAINT_MEMORY_POLICY (nodemask node
 * 0 of two) a task bound to node 1 alone is passed over however large, and the smaller task
 * is killed; a bind that includes node 0, any other policy, or CONSTRAINT_NONE (a mask of both
 * nodes) leaves the large one eligible.
 */
static int domain_victim(uint64_t bind_nodes, uint64_t nodemask)
{
	g_autoptr(FixtureHost) h = NULL;
	PsAllocContext ac;
	uint64_t wait = 0;

	h = two_nodes();
	fixture_host_task(h, 10, 100, 0);
	fixture_host_task(h, 11, 5000, 0)->bind_nodes = bind_nodes;
	fixture_alloc_context(h->m, PS_GFP_KERNEL, 0, &ac);
	ac.nodemask = nodemask;
	g_assert_true(ps_out_of_memory(h->p, &ac, &wait));
	g_assert_cmpuint(h->kills, ==, 1);
	return (int)h->killed;
}

static void test_domain(void)
{
	g_assert_cmpint(domain_victim(1ull << 1, 1ull << 0), ==, 0);
	g_assert_cmpint(domain_victim(3, 1ull << 0), ==, 1);
	g_assert_cmpint(domain_victim(0, 1ull << 0), ==, 1);
	g_assert_cmpint(domain_victim(1ull << 1, 3), ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/oom/badness-formula", test_formula);
	g_test_add_func("/policy/oom/live-machine-oom-score", test_live_machine);
	g_test_add_func("/policy/oom/select-victim", test_select_victim);
	g_test_add_func("/policy/oom/select-adj-scaled", test_select_adj_scaled);
	g_test_add_func("/policy/oom/no-victim", test_no_victim);
	g_test_add_func("/policy/oom/constrained-totalpages", test_constrained);
	g_test_add_func("/policy/oom/mempolicy-domain", test_domain);
	return g_test_run();
}
