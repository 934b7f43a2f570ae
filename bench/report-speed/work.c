/*
 * Multi-process workload for bench/report-speed: a parent forks one child
 * per "flavour", each child names itself (so `-s comm` has several rows) and
 * spins in its own call chains, five to sixteen frames deep, for SECONDS of
 * its own CPU time (not wall time: the number of cpu-clock samples then
 * does not depend on what else the machine runs). Some of the time is in
 * libc (qsort, snprintf, memcpy/memset) and some in the kernel (small
 * writes to /dev/null), so the report has to resolve the binary, libc and
 * kallsyms. Built -O2 -fno-omit-frame-pointer by run.sh so the kernel's
 * frame-pointer walk gives whole user chains (up to where libc code, built
 * without frame pointers, breaks them).
 * usage: work [SECONDS [CHILDREN]]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static volatile unsigned long sink;

/* --- flavour 0: hashing, recursion at a varying depth ------------------- */

NOINLINE static unsigned long hash_leaf(unsigned long x)
{
	int i;

	for (i = 0; i < 400; i++)
		x = (x ^ (x >> 13)) * 0x9e3779b97f4a7c15UL + (unsigned long)i;
	return x;
}

NOINLINE static unsigned long hash_level(unsigned long x, int depth)
{
	unsigned long r;

	if (depth == 0)
		return hash_leaf(x);
	r = hash_level(x + (unsigned long)depth, depth - 1);
	sink += r; /* not a tail call */
	return r ^ x;
}

NOINLINE static unsigned long hash_round(unsigned long seed)
{
	/* depth 2..5, so the same functions appear in several chains */
	return hash_level(seed, 2 + (int)(seed & 3)) + hash_leaf(seed * 3);
}

/* --- flavour 1: sorting, a recursive merge sort and some libc qsort ---- */

NOINLINE static int sort_cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

NOINLINE static void sort_fill(unsigned int *v, size_t n, unsigned long seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		v[i] = (unsigned int)(seed >> 33);
	}
}

NOINLINE static void sort_merge(unsigned int *v, unsigned int *tmp, size_t mid, size_t n)
{
	size_t i = 0, j = mid, k = 0;

	while (i < mid && j < n)
		tmp[k++] = sort_cmp(&v[i], &v[j]) <= 0 ? v[i++] : v[j++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

/* recursion about 11 frames deep for 2048 elements */
NOINLINE static void sort_split(unsigned int *v, unsigned int *tmp, size_t n)
{
	if (n < 2)
		return;
	sort_split(v, tmp, n / 2);
	sort_split(v + n / 2, tmp, n - n / 2);
	sort_merge(v, tmp, n / 2, n);
}

NOINLINE static unsigned long sort_round(unsigned long seed)
{
	static unsigned int v[2048], tmp[2048];

	sort_fill(v, 2048, seed);
	sort_split(v, tmp, 2048);
	/* libc's qsort: its own frames have no frame pointer, so chains
	 * sampled in there are short */
	sort_fill(v, 128, seed + 1);
	qsort(v, 128, sizeof(*v), sort_cmp);
	return v[0] + v[1024];
}

/* --- flavour 2: formatting (libc) and parsing (our own) text ----------- */

NOINLINE static unsigned long text_digit(int c)
{
	return c <= '9' ? (unsigned long)(c - '0') : (unsigned long)(c - 'a' + 10);
}

NOINLINE static const char *text_number(const char *s, unsigned long *value)
{
	unsigned long v = 0;

	while ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))
		v = v * 16 + text_digit(*s++);
	*value = v;
	return s;
}

NOINLINE static unsigned long text_parse(const char *s)
{
	unsigned long sum = 0, v;

	while (*s) {
		s = text_number(s, &v);
		sum += v;
		while (*s == ' ')
			s++;
	}
	return sum;
}

NOINLINE static size_t text_format(char *buf, size_t size, unsigned long seed)
{
	size_t off = 0;
	int i;

	for (i = 0; i < 64 && off + 24 < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%lx ", seed * (unsigned long)(i + 1));
	return off;
}

NOINLINE static unsigned long text_round(unsigned long seed)
{
	static char buf[2048];
	unsigned long sum = 0;
	int i;

	/* format once, parse many times: most time in our own frames */
	text_format(buf, sizeof(buf), seed);
	for (i = 0; i < 8; i++)
		sum += text_parse(buf);
	return sum + strtoul(buf, NULL, 16);
}

/* --- flavour 3: copying buffers, with some time in the kernel ----------- */

NOINLINE static unsigned long copy_mix(unsigned char *dst, const unsigned char *src, size_t n)
{
	unsigned long h = 0;
	size_t i;

	memcpy(dst, src, n);
	for (i = 0; i < n; i += 64)
		h = h * 31 + dst[i];
	return h;
}

NOINLINE static unsigned long copy_spill(int fd, const unsigned char *buf, size_t n)
{
	/* a syscall: samples in the kernel, below this user chain */
	return (unsigned long)write(fd, buf, n);
}

NOINLINE static unsigned long copy_round(unsigned long seed)
{
	static unsigned char a[65536], b[65536];
	static int fd = -1;
	unsigned long h;

	if (fd < 0)
		fd = open("/dev/null", O_WRONLY);
	memset(a, (int)seed, sizeof(a));
	h = copy_mix(b, a, sizeof(a));
	h += copy_mix(a, b, sizeof(a) / 2);
	if ((seed & 3) == 0)
		h += copy_spill(fd, b, 4096);
	return h;
}

/* --- driver ------------------------------------------------------------- */

static const struct flavour {
	const char *name;
	unsigned long (*round)(unsigned long);
} flavours[] = {
	{ "rs-hash", hash_round },
	{ "rs-sort", sort_round },
	{ "rs-text", text_round },
	{ "rs-copy", copy_round },
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

NOINLINE static unsigned long run_batch(unsigned long (*round)(unsigned long), unsigned long seed)
{
	unsigned long acc = 0;
	int i;

	for (i = 0; i < 64; i++)
		acc += round(seed + (unsigned long)i);
	return acc;
}

NOINLINE static void run_flavour(const struct flavour *f, double seconds)
{
	double end = cpu_now() + seconds;
	unsigned long seed = 1, acc = 0;

	prctl(PR_SET_NAME, f->name);
	while (cpu_now() < end) {
		acc += run_batch(f->round, seed);
		seed += 64;
	}
	sink += acc;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 4.0;
	int children = argc > 2 ? atoi(argv[2]) : 4;
	int i, status, failed = 0;

	for (i = 0; i < children; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			run_flavour(&flavours[i % 4], seconds);
			_exit(0);
		}
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	return failed;
}
