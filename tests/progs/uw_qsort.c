/*
 * Unwind workload through libc: main -> sort_many -> qsort (libc) -> ... ->
 * cmp_slow, a comparator that burns CPU, for about MILLISECONDS (default
 * 500). usage: uw_qsort [MILLISECONDS]
 * libc has no .sframe here: a sample in cmp_slow unwinds through libc's
 * qsort frames by DWARF CFI (.eh_frame) and back into the program by
 * SFrame. Built by the tests with -O2 -g -fomit-frame-pointer -Wa,--gsframe.
 * 1000 ints (4000 bytes) make glibc's merge sort take its buffer from
 * malloc, not from the stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINL __attribute__((noinline, noclone))
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))
#define N 1000

static volatile unsigned long sink;
static int arr[N];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

NOINL int cmp_slow(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	unsigned long h = (unsigned long)x;
	int i;

	for (i = 0; i < 300; i++)
		h = h * 6364136223846793005UL + 1442695040888963407UL;
	sink = h;
	return (x > y) - (x < y);
}

NOINL unsigned long sort_many(long ms)
{
	double end = now_ms() + (double)ms;
	unsigned long seed = 12345, rounds = 0;
	int i;

	do {
		for (i = 0; i < N; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			arr[i] = (int)(seed >> 33);
		}
		qsort(arr, N, sizeof(arr[0]), cmp_slow);
		rounds++;
	} while (now_ms() < end);
	OPAQUE(rounds);
	return rounds + (unsigned long)arr[0];
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
	unsigned long r = sort_many(ms);

	OPAQUE(r);
	printf("uw_qsort: %lx\n", r & 0xff);
	return 0;
}
