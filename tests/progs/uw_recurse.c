/*
 * Unwind workload: main -> level(30) -> level(29) -> ... -> level(1) -> leaf,
 * with leaf spinning (CPU-bound) for about MILLISECONDS (default 500).
 * usage: uw_recurse [MILLISECONDS]
 * Built by the tests with -O2 -g -fomit-frame-pointer -Wa,--gsframe: no
 * frame pointers, so only the unwinder (SFrame, DWARF CFI) finds the 30
 * level frames. noinline/noclone, a use of each callee's result after the
 * call through an asm the optimiser cannot see through (no tail calls, no
 * recursion turned into a loop) and a volatile pad (a stack frame of some
 * size in every level: a 512-byte stack copy cannot hold them all) keep
 * each frame real.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINL __attribute__((noinline, noclone))
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))
#define DEPTH 30

static volatile unsigned long sink;
static double end_ms;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

NOINL unsigned long leaf(unsigned long seed)
{
	unsigned long x = seed;
	int i;

	do {
		for (i = 0; i < 100000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
		sink = x;
	} while (now_ms() < end_ms);
	return x;
}

NOINL unsigned long level(int depth)
{
	volatile unsigned char pad[64];
	unsigned long r;

	pad[0] = (unsigned char)depth;
	pad[63] = pad[0];
	if (depth <= 1)
		r = leaf((unsigned long)depth);
	else
		r = level(depth - 1);
	OPAQUE(r);
	return r + pad[63];
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
	unsigned long r;

	end_ms = now_ms() + (double)ms;
	r = level(DEPTH);
	OPAQUE(r);
	printf("uw_recurse: %lx\n", r & 0xff);
	return 0;
}
