// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-oom.c - oom_badness and /proc/PID/oom_score (policy/oom.c): the kernel-facts §13.15
 * figures, the adj scaling and the never-chosen cases, and — where /proc is readable — every
 * process of the machine this test runs on, compared with what its kernel prints.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "policy/policy.h"

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

/* The machine's own OOM scores from the same formula (fs/proc/base.c proc_oom_score). */
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
		g_autofree char *sp = NULL, *op = NULL, *ap = NULL;
		g_autofree char *s1 = NULL, *s2 = NULL, *score = NULL, *adj = NULL;
		uint64_t anon = 0, file = 0, shmem = 0, swap = 0, pte = 0;
		PsOomTask t = {0};

		if (!g_ascii_isdigit(name[0]))
			continue;
		sp = g_strdup_printf("/proc/%s/status", name);
		op = g_strdup_printf("/proc/%s/oom_score", name);
		ap = g_strdup_printf("/proc/%s/oom_score_adj", name);
		if (!g_file_get_contents(sp, &s1, NULL, NULL) ||
		    !g_file_get_contents(op, &score, NULL, NULL) ||
		    !g_file_get_contents(ap, &adj, NULL, NULL) ||
		    !g_file_get_contents(sp, &s2, NULL, NULL))
			continue;
		/* Only a task whose memory did not move between the reads is a fair comparison. */
		if (strcmp(s1, s2))
			continue;
		stable++;
		if (!status_field(s1, "RssAnon:", &anon))
			continue; /* kernel thread: no mm, score 0 */
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
		g_assert_cmpint(ps_oom_score(&t, total), ==, g_ascii_strtoll(score, NULL, 10));
		checked++;
	}
	g_test_message("%d processes with an mm checked, %d stable reads", checked, stable);
	g_assert_cmpint(checked, >, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/oom/badness-formula", test_formula);
	g_test_add_func("/policy/oom/live-machine-oom-score", test_live_machine);
	return g_test_run();
}
