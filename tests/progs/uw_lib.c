/*
 * Unwind workload across a shared library: main -> app_call -> lib_outer
 * (libuwfn.so) -> lib_inner (libuwfn.so) -> app_hot (a function pointer
 * back into the program), which spins for about MILLISECONDS (default 500).
 * usage: uw_lib [MILLISECONDS]
 * Built by the tests with -O2 -g -fomit-frame-pointer -Wa,--gsframe and
 * linked with -L. -luwfn -Wl,-rpath,'$ORIGIN' (see uw_libfn.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINL __attribute__((noinline, noclone))
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))

unsigned long lib_outer(unsigned long (*fn)(unsigned long), unsigned long arg);

static volatile unsigned long sink;
static double end_ms;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

NOINL unsigned long app_hot(unsigned long seed)
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

NOINL unsigned long app_call(unsigned long seed)
{
	unsigned long r = lib_outer(app_hot, seed);

	OPAQUE(r);
	sink += r;
	return r - 1;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
	unsigned long r;

	end_ms = now_ms() + (double)ms;
	r = app_call((unsigned long)argc);
	OPAQUE(r);
	printf("uw_lib: %lx\n", r & 0xff);
	return 0;
}
