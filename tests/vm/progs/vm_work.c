/*
 * Workload of the VM tests (tests/vm/): each thread runs
 * main/worker -> run -> {user_phase -> user_leaf, sys_phase -> sys_leaf}
 * for about MILLISECONDS. user_leaf spins in user space (timer samples that
 * interrupt user code: one deferred record each); sys_leaf makes read()s of
 * 16 MiB from /dev/zero through its own `syscall` instruction, so a sample
 * taken in the kernel has sys_leaf as its first user frame and several
 * samples of one long read share one cookie.
 * usage: vm_work [-t THREADS] [-u|-s] [-n ROUNDS] [-v] [MILLISECONDS]
 *   -t N  N worker threads besides main (default 0)
 *   -u    user phase only; -s syscall phase only (default both)
 *   -n N  N rounds per thread instead of a time: a fixed amount of work,
 *         so what a recorder costs shows up as a longer run (the bench)
 *   -v    at exit print "vm_work: elapsed_ms E user_ms U sys_ms S" (all
 *         threads' CPU time, from getrusage)
 * Built by tests/vm/CMakeLists.txt twice: with frame pointers (vm_work_fp)
 * and without (vm_work_nofp, with SFrame when the assembler can).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifdef __clang__
#define NOINL __attribute__((noinline))
#else
#define NOINL __attribute__((noinline, noclone))
#endif
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))
#define READ_SIZE (16 << 20)
#define MAX_THREADS 8

static volatile unsigned long sink;

/* gcc 12 ignores -mno-omit-leaf-frame-pointer in a leaf without a stack
 * frame: calling note() through a pointer at the end makes user_leaf and
 * sys_leaf non-leaf, so they set up rbp and FP walks see their callers. */
NOINL void note(unsigned long x)
{
	sink = x;
}

static void (*volatile note_fn)(unsigned long) = note;
static double end_ms;
static int fd_zero = -1;
static int do_user = 1, do_sys = 1;
static long rounds; /* 0: run for a time */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

NOINL unsigned long user_leaf(unsigned long seed)
{
	unsigned long x = seed;
	int i;

	for (i = 0; i < 400000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	note_fn(x);
	return x;
}

/* Our own syscall instruction: glibc's read() keeps no frame, which would
 * hide this function from a frame-pointer walk. */
NOINL long sys_leaf(char *buf)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_read), "D"((long)fd_zero), "S"(buf), "d"((long)READ_SIZE)
			 : "rcx", "r11", "memory");
	note_fn((unsigned long)ret);
	return ret;
}

NOINL unsigned long user_phase(unsigned long r)
{
	r += user_leaf(r);
	OPAQUE(r);
	return r;
}

NOINL unsigned long sys_phase(char *buf, unsigned long r)
{
	r += (unsigned long)sys_leaf(buf);
	OPAQUE(r);
	return r;
}

NOINL unsigned long run(char *buf, unsigned long r)
{
	long left = rounds;

	do {
		if (do_user)
			r = user_phase(r);
		if (do_sys)
			r = sys_phase(buf, r);
		OPAQUE(r);
	} while (rounds ? --left > 0 : now_ms() < end_ms);
	return r;
}

NOINL void *worker(void *arg)
{
	char *buf = malloc(READ_SIZE);

	if (!buf)
		return NULL;
	sink += run(buf, (unsigned long)arg);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	int nthreads = 0, verbose = 0, i, c;
	double ms = 1000, start;
	struct rusage ru;
	char *buf;

	while ((c = getopt(argc, argv, "t:usn:v")) != -1) {
		switch (c) {
		case 't':
			nthreads = atoi(optarg);
			if (nthreads < 0 || nthreads > MAX_THREADS)
				nthreads = MAX_THREADS;
			break;
		case 'u':
			do_sys = 0;
			break;
		case 's':
			do_user = 0;
			break;
		case 'n':
			rounds = atol(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: vm_work [-t THREADS] [-u|-s] [-n ROUNDS] [-v] [MILLISECONDS]\n");
			return 2;
		}
	}
	if (optind < argc)
		ms = atof(argv[optind]);
	fd_zero = open("/dev/zero", O_RDONLY);
	buf = malloc(READ_SIZE);
	if (fd_zero < 0 || !buf) {
		perror("vm_work");
		return 1;
	}
	start = now_ms();
	end_ms = start + ms;
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)(unsigned long)(i + 1)))
			return 1;
	sink += run(buf, 7);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	free(buf);
	if (verbose && !getrusage(RUSAGE_SELF, &ru))
		printf("vm_work: elapsed_ms %.0f user_ms %ld sys_ms %ld\n", now_ms() - start,
		       ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000,
		       ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000);
	return 0;
}
