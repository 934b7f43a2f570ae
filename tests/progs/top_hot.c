/*
 * Busy workload for the top and browser tests: main -> sft_top_hot_caller
 * -> sft_top_hot_spin, where nearly all the time goes. The names are
 * distinctive so that a test can tell the hot function from anything else
 * on the machine. usage: top_hot [SECONDS]   (default 30; runs about that long)
 * The noinline/noclone attributes and the volatile sink keep each frame real.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline, noclone)) void sft_top_hot_store(unsigned long x)
{
	sink = x;
}

/*
 * Not a leaf (it calls sft_top_hot_store): gcc before 14 leaves the frame
 * pointer out of leaf functions even with -fno-omit-frame-pointer, and a
 * frame-pointer walk from such a leaf skips its caller.
 */
__attribute__((noinline, noclone)) unsigned long sft_top_hot_spin(unsigned long seed)
{
	unsigned long x = seed;

	for (int i = 0; i < 200000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	sft_top_hot_store(x);
	return x;
}

__attribute__((noinline, noclone)) unsigned long sft_top_hot_caller(unsigned long seed)
{
	/* Work after the call keeps this from being a tail call. */
	unsigned long r = sft_top_hot_spin(seed) ^ seed;

	sink += r;
	return r;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 30, end = now_s() + secs;
	unsigned long acc = 0, n = 0;

	do {
		acc += sft_top_hot_caller(n++);
	} while (now_s() < end);
	printf("top_hot: %lu rounds (%lx)\n", n, acc & 0xff);
	return 0;
}
