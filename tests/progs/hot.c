/*
 * CPU-bound workload for the record tests: main -> hot_outer -> hot_inner,
 * with a call chain distinctive enough to find in perf's call graphs.
 * usage: hot [MILLISECONDS]   (default 500; runs about that long)
 * Built by the tests with -O2 -fomit-frame-pointer -Wa,--gsframe, so the
 * noinline/noclone attributes and the volatile sink keep each frame real.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

__attribute__((noinline, noclone)) unsigned long hot_inner(unsigned long seed)
{
	unsigned long x = seed;
	int i;

	for (i = 0; i < 200000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	sink = x;
	return x;
}

__attribute__((noinline, noclone)) unsigned long hot_outer(unsigned long seed)
{
	/* Work after the call keeps this from being a tail call. */
	unsigned long r = hot_inner(seed) ^ seed;

	sink += r;
	return r;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
	double end = now_ms() + (double)ms;
	unsigned long acc = 0, n = 0;

	do {
		acc += hot_outer(n++);
	} while (now_ms() < end);
	printf("hot: %lu rounds (%lx)\n", n, acc & 0xff);
	return 0;
}
