/*
 * Fixed-work CPU-bound workload for bench/record-overhead: a fixed number
 * of rounds (not a fixed time), so a recorder's overhead shows up as a
 * longer run. Each round goes a few frames deep (work_round -> mix_level
 * recursing DEPTH times -> mix_leaf) so stack copies and unwinds have real
 * frames to walk. Built -O2 -fomit-frame-pointer -Wa,--gsframe by run.sh.
 * usage: work [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>

#define DEPTH 6

static volatile unsigned long sink;

__attribute__((noinline, noclone)) unsigned long mix_leaf(unsigned long x)
{
	int i;

	for (i = 0; i < 2000; i++)
		x = (x ^ (x >> 13)) * 0x9e3779b97f4a7c15UL + (unsigned long)i;
	return x;
}

__attribute__((noinline, noclone)) unsigned long mix_level(unsigned long x, int depth)
{
	unsigned long r;

	if (depth == 0)
		return mix_leaf(x);
	r = mix_level(x + (unsigned long)depth, depth - 1);
	sink += r; /* not a tail call */
	return r ^ x;
}

__attribute__((noinline, noclone)) unsigned long work_round(unsigned long seed)
{
	return mix_level(seed, DEPTH) + mix_leaf(seed * 3);
}

int main(int argc, char **argv)
{
	unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	unsigned long i, acc = 0;

	for (i = 0; i < rounds; i++)
		acc += work_round(i);
	printf("%lx\n", acc & 0xffff);
	return 0;
}
