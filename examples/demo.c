/*
 * The README's demo workload: a small program with a real call tree, built
 * without frame pointers, so its profile shows what SFrame unwinding gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long checksum;

__attribute__((noinline)) static unsigned long hash_block(const unsigned char *p, size_t n)
{
	unsigned long h = 1469598103934665603UL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211UL;
	return h;
}

static int compare(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

__attribute__((noinline)) static void sort_table(unsigned long *t, size_t n)
{
	qsort(t, n, sizeof(*t), compare);
}

__attribute__((noinline)) static void fill_table(unsigned long *t, size_t n, unsigned long seed)
{
	unsigned char buf[256];

	for (size_t i = 0; i < n; i++) {
		memset(buf, (int)(seed + i), sizeof(buf));
		t[i] = hash_block(buf, sizeof(buf));
	}
}

__attribute__((noinline)) static void round_of_work(unsigned long seed)
{
	static unsigned long table[20000];

	fill_table(table, 20000, seed);
	sort_table(table, 20000);
	checksum += table[0];
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 60;

	for (int r = 0; r < rounds; r++)
		round_of_work((unsigned long)r);
	printf("demo: checksum %lx\n", checksum);
	return 0;
}
