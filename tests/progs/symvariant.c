/*
 * Workload for the symbol tests: main -> hot_outer -> hot_inner, as in
 * hot.c, in two variants (-DVARIANT=1, the default, or -DVARIANT=2) that
 * differ only in an immediate operand in main: the build id changes while
 * every function keeps its size and address, so a reader that looked up
 * symbols in a rebuilt binary without checking its build id would still
 * find hot_inner there, by luck.
 * usage: symvariant [MILLISECONDS]   (default 500)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef VARIANT
#define VARIANT 1
#endif

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
	printf("symvariant %d: %lu rounds (%lx)\n", VARIANT, n, acc & 0xff);
	return 0;
}
