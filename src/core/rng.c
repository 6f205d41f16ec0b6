// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rng.c - seeded pseudo-random numbers with named streams.
 *
 * Nothing in the kernel is random in the way a workload is, so this mirrors no kernel function;
 * it exists so that every random choice of a run (workload generation, tie-breaking a model
 * wants to randomise) is a pure function of (seed, stream name, draws so far in that stream).
 *
 * Generator: xoshiro256** (Blackman and Vigna), 256 bits of state, period 2^256 - 1, passes
 * BigCrush; far more than a simulator needs, at a few cycles a draw. Its state is filled by
 * splitmix64, as its authors recommend, from a starting word that combines the run seed with a
 * 64-bit FNV-1a hash of the stream name. A stream therefore depends only on (seed, name): adding
 * draws in one stream never shifts another, and two streams of one run are unrelated.
 *
 * Rejected: the GLib generator (g_rand is Mersenne Twister - fine, but its state is 2.5 KiB a
 * stream and its seeding from a name would be ours anyway) and rand() (global state, libc
 * dependent sequence, so not reproducible across machines).
 *
 * Portability: every operation is on uint64_t with defined wrap-around; ps_rng_below uses a
 * single code path (no 128-bit multiply fast path) so the same seed gives the same numbers on
 * every platform.
 */
#include "core/core.h"

#define PS_FNV1A64_OFFSET 0xcbf29ce484222325ull
#define PS_FNV1A64_PRIME  0x00000100000001b3ull

static uint64_t ps_fnv1a64(const char *s)
{
	uint64_t h = PS_FNV1A64_OFFSET;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= PS_FNV1A64_PRIME;
	}
	return h;
}

/* One splitmix64 step: advances *x by the golden-ratio increment and returns the mixed value. */
static uint64_t ps_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t ps_rotl64(uint64_t x, unsigned k)
{
	return (x << k) | (x >> (64 - k));
}

void ps_rng_init(PsRng *r, uint64_t seed, const char *stream_name)
{
	uint64_t x = seed;
	uint64_t start;
	int i;

	/*
	 * Mix the seed once before combining it with the name hash, so that nearby seeds (1, 2,
	 * 3 ...) do not combine with a hash by a plain xor into nearby starting words.
	 */
	start = ps_splitmix64(&x) ^ ps_fnv1a64(stream_name ? stream_name : "");
	/*
	 * splitmix64 is a bijection of its counter, so four consecutive outputs hold at most one
	 * zero: the all-zero state xoshiro must never have is impossible here.
	 */
	for (i = 0; i < 4; i++)
		r->s[i] = ps_splitmix64(&start);
}

uint64_t ps_rng_next(PsRng *r)
{
	uint64_t *s = r->s;
	uint64_t result = ps_rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = ps_rotl64(s[3], 45);
	return result;
}

uint64_t ps_rng_below(PsRng *r, uint64_t bound)
{
	/*
	 * Rejection sampling: 2^64 mod bound (computed as (2^64 - bound) mod bound in unsigned
	 * arithmetic) raw values at the bottom of the range are discarded, leaving a multiple of
	 * bound values, each residue equally often. At most half the draws are rejected (when
	 * bound is just above 2^63), usually almost none.
	 */
	uint64_t threshold;
	uint64_t x;

	g_assert_cmpuint(bound, >, 0);
	threshold = (0 - bound) % bound;
	do {
		x = ps_rng_next(r);
	} while (x < threshold);
	return x % bound;
}

double ps_rng_double(PsRng *r)
{
	/* The top 53 bits fill a double's mantissa exactly: multiples of 2^-53 in [0, 1). */
	return (double)(ps_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}
