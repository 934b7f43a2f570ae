/*
 * Shared library for the maps-over-time test: one CPU-bound function whose
 * name comes from -DSPIN_NAME, so that one source builds libspin1.so
 * (spin_one) and libspin2.so (spin_two) with the same code and layout; the
 * dynamic loader then likely maps the second where the first was.
 * SPIN_NAME(ms) burns the CPU for about ms milliseconds.
 */
#include <time.h>

#ifndef SPIN_NAME
#error "build with -DSPIN_NAME=<function name>"
#endif

static volatile unsigned long spin_sink;

static double spin_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

__attribute__((noinline, visibility("default"))) unsigned long SPIN_NAME(long ms)
{
	double end = spin_now_ms() + (double)ms;
	unsigned long x = (unsigned long)ms;
	int i;

	do {
		/* Most samples land in this loop, inside SPIN_NAME itself. */
		for (i = 0; i < 200000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
		spin_sink = x;
	} while (spin_now_ms() < end);
	return x;
}
