// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-hist.c - report/hist.c: bucket edges within 1/16 of every value, quantiles of known
 * distributions within that bound of the exact nearest-rank quantile, exact count, sum and max,
 * merging, and runs of one value (ps_hist_add's short way for a repeat).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

/* The reported value for v lies in [v, v + v/16]. */
static void assert_bucket_bound(uint64_t v)
{
	unsigned i = ps_hist_bucket(v);
	uint64_t up = ps_hist_bucket_upper(i);

	g_assert_cmpuint(i, <, PS_HIST_BUCKETS);
	g_assert_cmpuint(up, >=, v);
	g_assert_cmpuint(up - v, <=, v / 16);
	/* The bucket below ends below v. */
	if (i > 0)
		g_assert_cmpuint(ps_hist_bucket_upper(i - 1), <, v);
}

static void test_buckets(void)
{
	uint64_t state = 0x9e3779b97f4a7c15ull;

	for (uint64_t v = 0; v < 100000; v++)
		assert_bucket_bound(v);
	for (unsigned e = 0; e < 64; e++) {
		uint64_t p = 1ull << e;

		assert_bucket_bound(p);
		assert_bucket_bound(p - 1);
		assert_bucket_bound(p + 1);
		assert_bucket_bound(p | (p >> 1) | (p >> 5));
	}
	assert_bucket_bound(UINT64_MAX);
	g_assert_cmpuint(ps_hist_bucket_upper(ps_hist_bucket(UINT64_MAX)), ==, UINT64_MAX);
	for (int k = 0; k < 100000; k++) {
		/* xorshift64 */
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		assert_bucket_bound(state >> (k % 64));
	}
	/* Values below 32 are exact. */
	for (uint64_t v = 0; v < 32; v++)
		g_assert_cmpuint(ps_hist_bucket_upper(ps_hist_bucket(v)), ==, v);
	/* Monotone. */
	for (uint64_t v = 1; v < 70000; v++)
		g_assert_cmpuint(ps_hist_bucket(v), >=, ps_hist_bucket(v - 1));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Exact nearest-rank quantile of sorted v[n]. */
static uint64_t exact_quantile(const uint64_t *v, size_t n, double q)
{
	double x = q * (double)n;
	size_t rank = (size_t)(x - (double)(size_t)x > 1e-9 ? (size_t)x + 1 : (size_t)x);

	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

static void check_quantiles(const PsHist *h, uint64_t *v, size_t n)
{
	static const double qs[] = {0.0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0};

	qsort(v, n, sizeof(*v), cmp_u64);
	g_assert_cmpuint(h->count, ==, n);
	g_assert_cmpuint(h->max, ==, v[n - 1]);
	for (size_t k = 0; k < G_N_ELEMENTS(qs); k++) {
		uint64_t want = exact_quantile(v, n, qs[k]);
		uint64_t got = ps_hist_quantile(h, qs[k]);

		g_assert_cmpuint(got, >=, want);
		g_assert_cmpuint(got - want, <=, want / 16);
	}
	g_assert_cmpuint(ps_hist_quantile(h, 1.0), ==, v[n - 1]);
}

static void test_uniform(void)
{
	const size_t n = 100000;
	g_autofree uint64_t *v = g_new(uint64_t, n);
	PsHist h;
	uint64_t sum = 0;

	ps_hist_reset(&h);
	g_assert_cmpuint(ps_hist_quantile(&h, 0.5), ==, 0);
	for (size_t i = 0; i < n; i++) {
		v[i] = 1 + i;
		sum += v[i];
		ps_hist_add(&h, v[i]);
	}
	g_assert_cmpuint(h.sum, ==, sum);
	check_quantiles(&h, v, n);
	/* Nearest rank: p50 of 1..100000 is 50000, in the bucket [49152, 51199]. */
	g_assert_cmpuint(ps_hist_quantile(&h, 0.5), ==, 51199);
	/* p99.9 is 99900, in [98304, 102399]: capped at the maximum. */
	g_assert_cmpuint(ps_hist_quantile(&h, 0.999), ==, 100000);
}

/* Latency-like: a body around 200 ns and an exponential tail to milliseconds. */
static void test_heavy_tail(void)
{
	const size_t n = 200000;
	g_autofree uint64_t *v = g_new(uint64_t, n);
	g_autoptr(GRand) r = g_rand_new_with_seed(42);
	PsHist h;

	ps_hist_reset(&h);
	for (size_t i = 0; i < n; i++) {
		double u = g_rand_double(r);

		v[i] = g_rand_int_range(r, 0, 100) < 95
			   ? 150 + (uint64_t)g_rand_int_range(r, 0, 100)
			   : (uint64_t)(-20000.0 * log1p(-u)) + 1000;
		ps_hist_add(&h, v[i]);
	}
	check_quantiles(&h, v, n);
}

static void test_max_cap_and_small(void)
{
	PsHist h;

	ps_hist_reset(&h);
	ps_hist_add(&h, 1000);
	/* 1000 lies in [992, 1023]; the quantile never exceeds the exact maximum. */
	g_assert_cmpuint(ps_hist_quantile(&h, 0.5), ==, 1000);
	g_assert_cmpuint(ps_hist_quantile(&h, 0.0), ==, 1000);
	ps_hist_reset(&h);
	for (uint64_t x = 0; x < 10; x++)
		ps_hist_add(&h, x);
	g_assert_cmpuint(ps_hist_quantile(&h, 0.0), ==, 0);
	g_assert_cmpuint(ps_hist_quantile(&h, 0.1), ==, 0);
	g_assert_cmpuint(ps_hist_quantile(&h, 0.5), ==, 4);
	g_assert_cmpuint(ps_hist_quantile(&h, 0.51), ==, 5);
	g_assert_cmpuint(ps_hist_quantile(&h, 0.9), ==, 8);
	g_assert_cmpuint(ps_hist_quantile(&h, 1.0), ==, 9);
	ps_hist_add(&h, UINT64_MAX);
	g_assert_cmpuint(h.max, ==, UINT64_MAX);
	g_assert_cmpuint(ps_hist_quantile(&h, 1.0), ==, UINT64_MAX);
}

static void test_merge(void)
{
	PsHist a, b, all;
	g_autoptr(GRand) r = g_rand_new_with_seed(7);

	ps_hist_reset(&a);
	ps_hist_reset(&b);
	ps_hist_reset(&all);
	for (int i = 0; i < 50000; i++) {
		uint64_t x = (uint64_t)g_rand_int_range(r, 0, 1 << 30);

		ps_hist_add(i % 3 ? &a : &b, x);
		ps_hist_add(&all, x);
	}
	ps_hist_add(&b, 5000000000ull);
	ps_hist_add(&all, 5000000000ull);
	ps_hist_merge(&a, &b);
	g_assert_cmpuint(a.count, ==, all.count);
	g_assert_cmpuint(a.sum, ==, all.sum);
	g_assert_cmpuint(a.max, ==, 5000000000ull);
	g_assert_cmpmem(a.b, sizeof(a.b), all.b, sizeof(all.b));
	g_assert_cmpuint(ps_hist_quantile(&a, 0.99), ==, ps_hist_quantile(&all, 0.99));
	/* Merging an empty histogram changes nothing. */
	ps_hist_reset(&b);
	ps_hist_merge(&a, &b);
	g_assert_cmpuint(a.count, ==, all.count);
	g_assert_cmpuint(a.sum, ==, all.sum);
	g_assert_cmpuint(a.max, ==, all.max);
	g_assert_cmpmem(a.b, sizeof(a.b), all.b, sizeof(all.b));
}

/*
 * Runs of one value (a repeat takes ps_hist_add's short way, through last_v and last_i), the
 * first value 0 (the zeroed histogram's last_v), a run after a reset and after a larger value:
 * every bucket holds what ps_hist_bucket of each value says, and count, sum and max are exact.
 */
static void test_repeats(void)
{
	static const uint64_t runs[][2] = {
	    {0, 3},    {1215, 1000}, {0, 1},  {1215, 2},	  {99999, 1},
	    {1215, 5}, {31, 4},	     {32, 4}, {5000000000ull, 2}, {7, 1},
	};
	g_autofree uint32_t *want = g_new0(uint32_t, PS_HIST_BUCKETS);
	PsHist h;
	uint64_t count = 0, sum = 0, max = 0;

	ps_hist_reset(&h);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < G_N_ELEMENTS(runs); k++) {
			for (uint64_t j = 0; j < runs[k][1]; j++) {
				ps_hist_add(&h, runs[k][0]);
				want[ps_hist_bucket(runs[k][0])]++;
				count++;
				sum += runs[k][0];
				max = MAX(max, runs[k][0]);
			}
		}
		g_assert_cmpmem(h.b, sizeof(h.b), want, PS_HIST_BUCKETS * sizeof(*want));
		g_assert_cmpuint(h.count, ==, count);
		g_assert_cmpuint(h.sum, ==, sum);
		g_assert_cmpuint(h.max, ==, max);
		g_assert_cmpuint(ps_hist_quantile(&h, 0.5), ==, 1215);
		/* the second pass starts from a reset after a value other than 0 */
		ps_hist_reset(&h);
		memset(want, 0, PS_HIST_BUCKETS * sizeof(*want));
		count = sum = max = 0;
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report/hist/buckets", test_buckets);
	g_test_add_func("/report/hist/uniform", test_uniform);
	g_test_add_func("/report/hist/heavy-tail", test_heavy_tail);
	g_test_add_func("/report/hist/max-cap-and-small", test_max_cap_and_small);
	g_test_add_func("/report/hist/merge", test_merge);
	g_test_add_func("/report/hist/repeats", test_repeats);
	return g_test_run();
}
