/*
 * Workload for bench/unwind-speed: one process that spends SECONDS of its
 * own CPU time (not wall time, so the sample count does not depend on the
 * load) in deep call chains through the program and libc, built by run.sh
 * with -O2 -g -fomit-frame-pointer -Wa,--gsframe: no frame pointers, so
 * every user stack has to be unwound from the stack copy, by SFrame in the
 * program and by DWARF CFI in libc.
 *
 * Each round recurses 6 to 37 frames deep through two mutually recursive
 * functions with different frame shapes (one with a variable-length array,
 * which makes its CFA frame-pointer based), then at the bottom either
 * sorts with libc qsort whose comparator calls back into the program two
 * frames deeper, searches with bsearch, formats with snprintf (libc's
 * printf internals), or hashes in a leaf.
 *
 * usage: work [SECONDS]   (default 4)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))
/* Opaque to the optimiser: keeps calls from becoming tail calls. */
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))

static volatile unsigned long sink;

NOINLINE static unsigned long mix(unsigned long x, int rounds)
{
	for (int i = 0; i < rounds; i++)
		x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9UL + (unsigned long)i;
	return x;
}

NOINLINE static unsigned long key_of(const unsigned int *p)
{
	unsigned long k = mix(*p, 24);

	OPAQUE(k);
	return k;
}

NOINLINE static int cmp_keys(const void *a, const void *b)
{
	unsigned long x = key_of(a), y = key_of(b);

	return (x > y) - (x < y);
}

NOINLINE static unsigned long sort_some(unsigned long seed)
{
	unsigned int v[96];
	unsigned int *hit;
	size_t n = 32 + seed % 64;

	for (size_t i = 0; i < n; i++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		v[i] = (unsigned int)(seed >> 33);
	}
	qsort(v, n, sizeof(v[0]), cmp_keys);
	hit = bsearch(&v[seed % n], v, n, sizeof(v[0]), cmp_keys);
	return hit ? *hit : 0;
}

NOINLINE static unsigned long format_some(unsigned long seed)
{
	char buf[256];
	unsigned long r = 0;

	for (int i = 0; i < 24; i++) {
		int len = snprintf(buf, sizeof(buf), "%lu:%08lx:%.3f:%s", seed + (unsigned long)i,
				   seed ^ (unsigned long)i, (double)(seed % 1000) / 7.0, "frame");

		r += (unsigned long)len + (unsigned char)buf[len / 2];
	}
	return r;
}

NOINLINE static unsigned long leaf(unsigned long seed)
{
	return mix(seed, 3000);
}

NOINLINE static unsigned long bottom(unsigned long seed)
{
	unsigned long r;

	switch (seed & 3) {
	case 0: r = sort_some(seed); break;
	case 1: r = format_some(seed); break;
	case 2: r = leaf(seed); break;
	default: r = sort_some(seed) + leaf(seed >> 7); break;
	}
	OPAQUE(r);
	return r;
}

NOINLINE static unsigned long down_b(int depth, unsigned long x);

/* A variable-length array: the compiler needs a frame-pointer-based CFA. */
NOINLINE static unsigned long down_a(int depth, unsigned long x)
{
	size_t n = 16 + (x & 31);
	unsigned char pad[n];
	unsigned long r;

	memset(pad, (int)depth, n);
	if (depth <= 0)
		r = bottom(x + pad[n - 1]);
	else
		r = down_b(depth - 1, x * 3 + pad[0]);
	OPAQUE(r);
	return r + pad[depth & 15];
}

NOINLINE static unsigned long down_b(int depth, unsigned long x)
{
	unsigned long r;

	if (depth <= 0)
		r = bottom(x);
	else
		r = down_a(depth - 1, x + 7);
	OPAQUE(r);
	return r ^ x;
}

NOINLINE static unsigned long round_once(unsigned long seed)
{
	return down_a(6 + (int)(seed % 32), seed);
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 4.0;
	unsigned long seed = 88172645463325252UL, rounds = 0;

	while (cpu_seconds() < seconds) {
		for (int i = 0; i < 64; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			sink += round_once(seed);
		}
		rounds += 64;
	}
	printf("%lu rounds\n", rounds);
	return 0;
}
