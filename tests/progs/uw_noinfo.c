/*
 * Unwind workload with no unwind information at all: the tests build it
 * with -O2 -fomit-frame-pointer -fno-asynchronous-unwind-tables
 * -fno-unwind-tables, without --gsframe and without -g (which would emit
 * .debug_frame), so nounwind_hot has no .sframe, .eh_frame or .debug_frame
 * entry, and it keeps %rbp at 0 while it spins (no frame pointer to fall
 * back on either). A sample in nounwind_hot must stop for
 * lack of unwind info in this program (report --unwind-stats names it).
 * usage: uw_noinfo [MILLISECONDS]   (default 300)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINL __attribute__((noinline, noclone))
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))

static volatile unsigned long sink;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

NOINL unsigned long nounwind_hot(long ms)
{
	double end = now_ms() + (double)ms;
	unsigned long x = (unsigned long)ms;
	int i;

	do {
		/* %rbp = 0 for the loop: the compiler saves and restores it. */
		__asm__ volatile("xorl %%ebp, %%ebp" ::: "rbp");
		for (i = 0; i < 100000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
		sink = x;
	} while (now_ms() < end);
	return x;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
	unsigned long r = nounwind_hot(ms);

	OPAQUE(r);
	printf("uw_noinfo: %lx\n", r & 0xff);
	return 0;
}
