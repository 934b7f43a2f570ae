/*
 * Unwind workload with threads: three pthreads each run worker, which
 * alternates work_a and work_b (both spinning) for about MILLISECONDS
 * (default 500); the main thread joins them. A sample in work_a or work_b
 * unwinds work_x <- worker <- start_thread <- clone3 (glibc's thread start,
 * the outermost frame of a thread).
 * usage: uw_threads [MILLISECONDS]
 * Built by the tests with -O2 -g -fomit-frame-pointer -Wa,--gsframe -pthread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINL __attribute__((noinline, noclone))
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))
#define NTHREADS 3

static volatile unsigned long sink;
static double end_ms;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

NOINL unsigned long work_a(unsigned long seed)
{
	unsigned long x = seed;
	int i;

	for (i = 0; i < 200000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	sink = x;
	return x;
}

NOINL unsigned long work_b(unsigned long seed)
{
	unsigned long x = seed;
	int i;

	for (i = 0; i < 200000; i++)
		x = x * 2862933555777941757UL + 3037000493UL;
	sink = x;
	return x;
}

NOINL void *worker(void *arg)
{
	unsigned long r = (unsigned long)arg;

	do {
		r += work_a(r);
		OPAQUE(r);
		r ^= work_b(r);
		OPAQUE(r);
	} while (now_ms() < end_ms);
	sink += r;
	return NULL;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
	pthread_t t[NTHREADS];
	int i;

	end_ms = now_ms() + (double)ms;
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(unsigned long)(i + 1)) != 0)
			return 1;
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("uw_threads: %d threads\n", NTHREADS);
	return 0;
}
