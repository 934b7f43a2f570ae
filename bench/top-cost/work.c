/*
 * Workload of bench/top-cost: one busy process per CPU, each spinning
 * through a few functions (a call chain three deep, a libc call) so that
 * top has several symbols, and call graphs, to keep up with.
 * usage: work SECONDS [PROCS]   (PROCS default: the online CPUs)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline, noclone)) void tc_store(unsigned long x)
{
	sink = x;
}

__attribute__((noinline, noclone)) unsigned long tc_mix(unsigned long x)
{
	for (int i = 0; i < 20000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	tc_store(x);
	return x;
}

__attribute__((noinline, noclone)) unsigned long tc_copy(unsigned long x)
{
	char a[4096], b[4096];

	memset(a, (int)x, sizeof(a));
	for (int i = 0; i < 8; i++)
		memcpy(b, a, sizeof(b)), a[i] = b[4095 - i];
	tc_store((unsigned long)b[17]);
	return x + (unsigned long)b[100];
}

__attribute__((noinline, noclone)) unsigned long tc_step(unsigned long x)
{
	return tc_mix(x) ^ tc_copy(x);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 10;
	long procs = argc > 2 ? strtol(argv[2], NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);

	for (long p = 0; p < procs; p++) {
		if (fork() == 0) {
			double end = now_s() + secs;
			unsigned long x = (unsigned long)p;

			while (now_s() < end)
				x = tc_step(x);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	return 0;
}
