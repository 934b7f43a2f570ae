/*
 * Writes a perf.data file shaped like a recording with deferred user
 * callchains (kernel-abi.md, "Deferred user callchains") for the
 * end-to-end test tests/cli/deferred-script.sh: a cpu-clock event with
 * defer_callchain and defer_output set, the executable mappings of this
 * process, and two threads whose samples end in PERF_CONTEXT_USER_DEFERRED
 * + cookie, followed by PERF_RECORD_CALLCHAIN_DEFERRED records holding user
 * stacks through this program's own functions (so symbols resolve):
 *
 *   thread 1 (pid):     3 kernel samples in one syscall, cookie A  -> record A
 *                       1 user-mode tick,                cookie B  -> record B
 *   thread 2 (pid + 1): 1 kernel sample, cookie A too (same value) -> record A'
 *                       1 kernel sample, cookie C, whose record is lost
 *
 * Kernel addresses are those of the kallsyms file written next to it.
 *
 * usage: deferred-gen OUTPUT KALLSYMS [--no-records]
 *   --no-records: leave out every deferred record (as a recording without
 *   defer_output on the tracking event gets).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sframetrace/data.h"

#define KBASE 0xffffffff81000000ULL
#define ST (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | \
	    PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN)
#define T0 5000000000ULL   /* 5 s: script prints 5.000xxx */

/* The user stacks: volatile keeps them real, noinline keeps them frames. */
__attribute__((noinline)) long defer_leaf(long n)
{
	volatile long s = 0;

	for (long i = 0; i < n; i++)
		s += i;
	return s;
}

__attribute__((noinline)) long defer_middle(long n)
{
	volatile long s = defer_leaf(n);

	return s + 1;
}

__attribute__((noinline)) long defer_worker(long n)
{
	volatile long s = defer_middle(n) * 2;

	return s;
}

struct rec {
	uint8_t b[8192];
	size_t n;
};

static void put(struct rec *r, const void *p, size_t n)
{
	if (r->n + n > sizeof(r->b)) {
		fprintf(stderr, "deferred-gen: record too large\n");
		exit(1);
	}
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

static void put32(struct rec *r, uint32_t v)
{
	put(r, &v, 4);
}

static void put64(struct rec *r, uint64_t v)
{
	put(r, &v, 8);
}

static void begin(struct rec *r, uint32_t type, uint16_t misc)
{
	struct perf_event_header h = { .type = type, .misc = misc };

	r->n = 0;
	put(r, &h, sizeof(h));
}

static void put_str(struct rec *r, const char *s)
{
	static const uint8_t zero[8];
	size_t n = strlen(s) + 1;

	put(r, s, n);
	put(r, zero, (8 - n % 8) % 8);
}

/* The sample_id trailer for ST: TID, TIME, CPU. */
static void put_id(struct rec *r, uint32_t pid, uint32_t tid, uint64_t time, uint32_t cpu)
{
	put32(r, pid);
	put32(r, tid);
	put64(r, time);
	put32(r, cpu);
	put32(r, 0);
}

static int emit(struct data_writer *w, struct rec *r)
{
	uint16_t size = (uint16_t)r->n;

	memcpy(r->b + offsetof(struct perf_event_header, size), &size, 2);
	return data_writer_write(w, r->b, r->n);
}

static int w_comm(struct data_writer *w, uint32_t pid, uint32_t tid, const char *comm)
{
	struct rec r;

	begin(&r, PERF_RECORD_COMM, 0);
	put32(&r, pid);
	put32(&r, tid);
	put_str(&r, comm);
	put_id(&r, pid, tid, T0, 0);
	return emit(w, &r);
}

/* An MMAP2 for each executable file mapping of this process. */
static int w_maps(struct data_writer *w, uint32_t pid)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[4352], perms[8], path[4096];
	int ret = 0;

	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		unsigned long start, end, pgoff, ino;
		unsigned int maj, min;
		struct rec r;

		path[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %4095s", &start, &end, perms, &pgoff,
			   &maj, &min, &ino, path) < 8 ||
		    perms[2] != 'x' || path[0] != '/')
			continue;
		begin(&r, PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER);
		put32(&r, pid);
		put32(&r, pid);
		put64(&r, start);
		put64(&r, end - start);
		put64(&r, pgoff);
		put32(&r, maj);
		put32(&r, min);
		put64(&r, ino);
		put64(&r, 0);
		put32(&r, PROT_READ | PROT_EXEC);
		put32(&r, MAP_PRIVATE);
		put_str(&r, path);
		put_id(&r, pid, pid, T0, 0);
		ret = emit(w, &r);
	}
	fclose(f);
	return ret;
}

static int w_sample(struct data_writer *w, uint16_t misc, uint64_t ip, uint32_t pid,
		    uint32_t tid, uint64_t time, uint32_t cpu, const uint64_t *chain, size_t nr)
{
	struct rec r;

	begin(&r, PERF_RECORD_SAMPLE, misc);
	put64(&r, ip);
	put32(&r, pid);
	put32(&r, tid);
	put64(&r, time);
	put32(&r, cpu);
	put32(&r, 0);
	put64(&r, 250000);
	put64(&r, nr);
	for (size_t i = 0; i < nr; i++)
		put64(&r, chain[i]);
	return emit(w, &r);
}

/* A sample inside write(2): [KERNEL, ksys_write, entry_SYSCALL_64, USER_DEFERRED, cookie]. */
static int w_ksample(struct data_writer *w, uint32_t pid, uint32_t tid, uint64_t time,
		     uint32_t cpu, uint64_t cookie)
{
	const uint64_t chain[] = { PERF_CONTEXT_KERNEL, KBASE + 0x118, KBASE + 0x230,
				   PERF_CONTEXT_USER_DEFERRED_MARK, cookie };

	return w_sample(w, PERF_RECORD_MISC_KERNEL, chain[1], pid, tid, time, cpu, chain, 5);
}

static int w_deferred(struct data_writer *w, uint32_t pid, uint32_t tid, uint64_t time,
		      uint32_t cpu, uint64_t cookie, const uint64_t *ips, size_t nr)
{
	struct rec r;

	begin(&r, PERF_RECORD_CALLCHAIN_DEFERRED_TYPE, PERF_RECORD_MISC_USER);
	put64(&r, cookie);
	put64(&r, nr);
	for (size_t i = 0; i < nr; i++)
		put64(&r, ips[i]);
	put_id(&r, pid, tid, time, cpu);
	return emit(w, &r);
}

static int w_round(struct data_writer *w)
{
	struct rec r;

	begin(&r, PERF_RECORD_FINISHED_ROUND, 0);
	return emit(w, &r);
}

static int write_kallsyms(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "%llx T _stext\n%llx T ksys_write\n%llx T entry_SYSCALL_64\n%llx T _etext\n",
		KBASE, KBASE + 0x100, KBASE + 0x200, KBASE + 0x1000);
	return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
	struct perf_event_attr a;
	struct data_writer *w;
	uint64_t flags, id = 1;
	uint32_t pid = (uint32_t)getpid(), tid2 = pid + 1;
	bool records = !(argc > 3 && !strcmp(argv[3], "--no-records"));
	/* Cookies as 7.1.5 makes them: counter << 32 | (cpu + 1). */
	const uint64_t ca = (17ULL << 32) | 1, cb = (18ULL << 32) | 1, cc = (9ULL << 32) | 2;
	const uint64_t cd = (11ULL << 32) | 2;
	const uint64_t leaf = (uint64_t)(uintptr_t)defer_leaf + 4;
	const uint64_t mid = (uint64_t)(uintptr_t)defer_middle + 8;
	const uint64_t work = (uint64_t)(uintptr_t)defer_worker + 8;
	const uint64_t stack1[] = { leaf, mid, work };
	const uint64_t stack_b[] = { mid + 1, work };
	const uint64_t stack2[] = { work + 2 };
	const uint64_t uchain[] = { PERF_CONTEXT_USER_DEFERRED_MARK, cb };
	int ret = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: deferred-gen OUTPUT KALLSYMS [--no-records]\n");
		return 2;
	}
	if (defer_worker(3) < 0)
		return 1;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_freq = 4000;
	a.freq = 1;
	a.sample_type = ST;
	a.sample_id_all = 1;
	a.mmap = a.comm = a.task = 1;
	a.mmap2 = 1;
	/* defer_callchain (bit 38) and defer_output (bit 39): not in this uapi header. */
	memcpy(&flags, (uint8_t *)&a + 40, 8);
	flags |= (1ULL << 38) | (1ULL << 39);
	memcpy((uint8_t *)&a + 40, &flags, 8);

	ret = write_kallsyms(argv[2]);
	if (ret == 0)
		ret = data_writer_open(&w, argv[1]);
	if (ret < 0) {
		fprintf(stderr, "deferred-gen: %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	ret = data_writer_add_attr(w, &a, "cpu-clock", &id, 1);
	if (!ret)
		ret = w_comm(w, pid, pid, "deferred-gen");
	if (!ret)
		ret = w_comm(w, pid, tid2, "deferred-wrk");
	if (!ret)
		ret = w_maps(w, pid);
	/* CPU 0: thread 1's syscall, three ticks in it, then its return to user. */
	for (uint64_t k = 1; !ret && k <= 3; k++)
		ret = w_ksample(w, pid, pid, T0 + k * 250000, 0, ca);
	/* CPU 1: thread 2, the same cookie value, then one whose record is lost. */
	if (!ret)
		ret = w_ksample(w, pid, tid2, T0 + 300000, 1, ca);
	if (!ret)
		ret = w_ksample(w, pid, tid2, T0 + 900000, 1, cc);
	if (!ret)
		ret = w_round(w);
	if (!ret && records)
		ret = w_deferred(w, pid, pid, T0 + 800000, 0, ca, stack1, 3);
	if (!ret && records)
		ret = w_deferred(w, pid, tid2, T0 + 350000, 1, ca, stack2, 1);
	/* A tick in user code: its own kernel entry, its own record. */
	if (!ret)
		ret = w_sample(w, PERF_RECORD_MISC_USER, stack_b[0], pid, pid, T0 + 1000000, 0,
			       uchain, 2);
	if (!ret && records)
		ret = w_deferred(w, pid, pid, T0 + 1000100, 0, cb, stack_b, 2);
	/*
	 * Thread 2 went back to user space again later (a record of a newer
	 * entry, no sample in it): so its sample at T0 + 900000 did return,
	 * and its record was lost, not still to come when recording ended.
	 */
	if (!ret && records)
		ret = w_deferred(w, pid, tid2, T0 + 1000200, 1, cd, stack2, 1);
	if (!ret)
		ret = w_round(w);
	data_writer_set_sample_time(w, T0 + 250000, T0 + 1000200);
	if (ret < 0) {
		fprintf(stderr, "deferred-gen: %s: %s\n", argv[1], strerror(-ret));
		data_writer_close(w, false);
		return 1;
	}
	ret = data_writer_close(w, true);
	if (ret < 0) {
		fprintf(stderr, "deferred-gen: %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	return 0;
}
