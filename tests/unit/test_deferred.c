/*
 * Unit tests of deferred user callchains in lib/session: perf.data byte
 * streams laid out as kernel-abi.md says a kernel with deferred callchains
 * writes them (samples ending in PERF_CONTEXT_USER_DEFERRED + cookie,
 * PERF_RECORD_CALLCHAIN_DEFERRED records with the user stack), read back
 * through a session with a real symbol cache; the frames each sample is
 * delivered with, the order of delivery and the stitching statistics are
 * checked against what the test wrote. User addresses fall in a map of the
 * system's libc, so they resolve to a DSO and to symbols.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "record_builder.h"

#include "sframetrace/data.h"
#include "sframetrace/session.h"
#include "sframetrace/symbol.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define ST (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | \
	    PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN)
#define MARK PERF_CONTEXT_USER_DEFERRED_MARK

#define KBASE 0xffffffff81000000ULL
#define K_SYSCALL (KBASE + 0x110)    /* in ksys_write */
#define K_ENTRY (KBASE + 0x220)      /* in entry_SYSCALL_64 */
#define K_TIMER (KBASE + 0x330)      /* in hrtimer_interrupt */

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define LIBC_BASE 0x7f0000000000ULL
#define LIBC_LEN 0x200000ULL

/* ---- the file under construction and the session reading it ---- */

#define MAX_GOT 64
#define MAX_GOT_FRAMES 16
#define MAX_LOG 256

struct got {
	uint64_t time, period, cookie;
	uint32_t tid, cpu;
	uint8_t cpumode;
	bool deferred, stitched;
	size_t nr_frames;
	struct session_frame frames[MAX_GOT_FRAMES];
	const char *sym[MAX_GOT_FRAMES];
};

/* What the callbacks saw, in order: a record type, or -1 for a sample. */
struct logged {
	int kind;
	uint64_t time;
	uint32_t tid;
};

struct fx {
	char dir[64], path[128], kallsyms[128];
	bool pipe;
	struct data_writer *w;
	uint8_t *pipe_buf;
	size_t pipe_len, pipe_cap;
	struct data_reader *r;
	struct symbol_cache *syms;
	struct session *s;
	struct got got[MAX_GOT];
	size_t nr_got;
	struct logged log[MAX_LOG];
	size_t nr_log;
};

static struct fx *current;

static void pipe_put(struct fx *f, const void *p, size_t n)
{
	if (f->pipe_len + n > f->pipe_cap) {
		f->pipe_cap = (f->pipe_len + n) * 2;
		f->pipe_buf = realloc(f->pipe_buf, f->pipe_cap);
		assert_non_null(f->pipe_buf);
	}
	memcpy(f->pipe_buf + f->pipe_len, p, n);
	f->pipe_len += n;
}

static struct fx *fx_new(bool pipe)
{
	const char *tmp = getenv("TMPDIR");
	struct perf_event_attr a;
	struct fx *f;
	uint64_t id = 1;
	FILE *k;

	if (access(LIBC, R_OK) != 0)
		skip();
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	current = f;
	f->pipe = pipe;
	snprintf(f->dir, sizeof(f->dir), "%s/sft-defer-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/perf.data", f->dir);
	snprintf(f->kallsyms, sizeof(f->kallsyms), "%s/kallsyms", f->dir);
	k = fopen(f->kallsyms, "w");
	assert_non_null(k);
	fprintf(k, "%llx T _stext\n%llx T ksys_write\n%llx T entry_SYSCALL_64\n"
		   "%llx T hrtimer_interrupt\n%llx T _etext\n",
		(unsigned long long)KBASE, (unsigned long long)(KBASE + 0x100),
		(unsigned long long)(KBASE + 0x200), (unsigned long long)(KBASE + 0x300),
		(unsigned long long)(KBASE + 0x1000));
	assert_int_equal(fclose(k), 0);

	/* cpu-clock with deferred callchains; the tracking bits on the same event. */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = 4000;
	a.freq = 1;
	a.sample_type = ST;
	a.sample_id_all = 1;
	a.mmap = a.comm = a.task = 1;
	if (pipe) {
		struct perf_event_header h = {
			.type = PERF_RECORD_HEADER_ATTR,
			.size = (uint16_t)(sizeof(h) + sizeof(a) + 8),
		};
		uint64_t size = 16;

		pipe_put(f, "PERFILE2", 8);
		pipe_put(f, &size, 8);
		pipe_put(f, &h, sizeof(h));
		pipe_put(f, &a, sizeof(a));
		pipe_put(f, &id, 8);
	} else {
		assert_int_equal(data_writer_open(&f->w, f->path), 0);
		assert_int_equal(data_writer_add_attr(f->w, &a, "cpu-clock", &id, 1), 0);
	}
	return f;
}

static void fx_write(struct fx *f, struct rec *r)
{
	rec_finish(r);
	if (f->pipe)
		pipe_put(f, r->b, r->n);
	else
		assert_int_equal(data_writer_write(f->w, r->b, r->n), 0);
}

/* sample_id for sample_type ST: TID, TIME, CPU. */
static void rb_id(struct rec *r, uint32_t pid, uint32_t tid, uint64_t time, uint32_t cpu)
{
	rec_u32(r, pid);
	rec_u32(r, tid);
	rec_u64(r, time);
	rec_u32(r, cpu);
	rec_u32(r, 0);
}

static void w_comm(struct fx *f, uint32_t pid, uint32_t tid, const char *comm, uint64_t time)
{
	struct rec r;

	rec_start(&r, PERF_RECORD_COMM, 0);
	rec_u32(&r, pid);
	rec_u32(&r, tid);
	rec_str(&r, comm);
	rb_id(&r, pid, tid, time, 0);
	fx_write(f, &r);
}

static void w_libc(struct fx *f, uint32_t pid, uint64_t time)
{
	struct rec r;

	rec_start(&r, PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER);
	rec_u32(&r, pid);
	rec_u32(&r, pid);
	rec_u64(&r, LIBC_BASE);
	rec_u64(&r, LIBC_LEN);
	rec_u64(&r, 0);
	rec_u32(&r, 8);
	rec_u32(&r, 1);
	rec_u64(&r, 4242);
	rec_u64(&r, 0);
	rec_u32(&r, PROT_READ | PROT_EXEC);
	rec_u32(&r, MAP_PRIVATE);
	rec_str(&r, LIBC);
	rb_id(&r, pid, pid, time, 0);
	fx_write(f, &r);
}

static void w_exit(struct fx *f, uint32_t pid, uint32_t tid, uint64_t time)
{
	struct rec r;

	rec_start(&r, PERF_RECORD_EXIT, 0);
	rec_u32(&r, pid);
	rec_u32(&r, pid);
	rec_u32(&r, tid);
	rec_u32(&r, tid);
	rec_u64(&r, time);
	rb_id(&r, pid, tid, time, 0);
	fx_write(f, &r);
}

static void w_sample(struct fx *f, uint16_t misc, uint64_t ip, uint32_t pid, uint32_t tid,
		     uint64_t time, uint32_t cpu, const uint64_t *chain, size_t nr)
{
	struct rec r;

	rec_start(&r, PERF_RECORD_SAMPLE, misc);
	rec_u64(&r, ip);
	rec_u32(&r, pid);
	rec_u32(&r, tid);
	rec_u64(&r, time);
	rec_u32(&r, cpu);
	rec_u32(&r, 0);
	rec_u64(&r, 1000 + time);   /* period: tells the samples apart */
	rec_u64(&r, nr);
	for (size_t i = 0; i < nr; i++)
		rec_u64(&r, chain[i]);
	fx_write(f, &r);
}

/* A kernel-mode sample: [KERNEL, K_SYSCALL, K_ENTRY, USER_DEFERRED, cookie]. */
static void w_ksample(struct fx *f, uint32_t pid, uint32_t tid, uint64_t time, uint32_t cpu,
		      uint64_t cookie)
{
	const uint64_t chain[] = { PERF_CONTEXT_KERNEL, K_SYSCALL, K_ENTRY, MARK, cookie };

	w_sample(f, PERF_RECORD_MISC_KERNEL, K_SYSCALL, pid, tid, time, cpu, chain, NELEM(chain));
}

/* A user-mode sample with exclude_callchain_kernel: [USER_DEFERRED, cookie]. */
static void w_usample(struct fx *f, uint64_t ip, uint32_t pid, uint32_t tid, uint64_t time,
		      uint32_t cpu, uint64_t cookie)
{
	const uint64_t chain[] = { MARK, cookie };

	w_sample(f, PERF_RECORD_MISC_USER, ip, pid, tid, time, cpu, chain, NELEM(chain));
}

/*
 * PERF_RECORD_CALLCHAIN_DEFERRED: cookie, nr, ips[nr], sample_id. With
 * lead_user the ips start with PERF_CONTEXT_USER (patch versions).
 */
static void w_deferred(struct fx *f, uint32_t pid, uint32_t tid, uint64_t time, uint32_t cpu,
		       uint64_t cookie, const uint64_t *ips, size_t nr, bool lead_user)
{
	struct rec r;

	rec_start(&r, PERF_RECORD_CALLCHAIN_DEFERRED_TYPE, PERF_RECORD_MISC_USER);
	rec_u64(&r, cookie);
	rec_u64(&r, nr + lead_user);
	if (lead_user)
		rec_u64(&r, PERF_CONTEXT_USER);
	for (size_t i = 0; i < nr; i++)
		rec_u64(&r, ips[i]);
	rb_id(&r, pid, tid, time, cpu);
	fx_write(f, &r);
}

static void w_round(struct fx *f)
{
	struct rec r;

	rec_start(&r, PERF_RECORD_FINISHED_ROUND, 0);
	fx_write(f, &r);
}

static int on_record(void *ctx, struct session *s, const struct perf_event_header *ev,
		     uint64_t time)
{
	struct fx *f = ctx;

	(void)s;
	assert_true(f->nr_log < MAX_LOG);
	f->log[f->nr_log++] = (struct logged){ .kind = ev->type, .time = time };
	return 0;
}

static int on_sample(void *ctx, struct session *s, struct session_sample *sm)
{
	struct fx *f = ctx;
	struct got *g;

	(void)s;
	assert_true(f->nr_got < MAX_GOT && f->nr_log < MAX_LOG);
	f->log[f->nr_log++] = (struct logged){ .kind = -1, .time = sm->time, .tid = sm->tid };
	g = &f->got[f->nr_got++];
	g->time = sm->time;
	g->period = sm->period;
	g->tid = sm->tid;
	g->cpu = sm->cpu;
	g->cpumode = sm->cpumode;
	g->deferred = sm->deferred;
	g->stitched = sm->deferred_stitched;
	g->cookie = sm->cookie;
	assert_non_null(sm->thread);
	assert_int_equal(sm->thread->tid, (pid_t)sm->tid);
	assert_true(sm->nr_frames >= 1 && sm->nr_frames <= MAX_GOT_FRAMES);
	g->nr_frames = sm->nr_frames;
	memcpy(g->frames, sm->frames, sm->nr_frames * sizeof(*sm->frames));
	for (size_t i = 0; i < sm->nr_frames; i++) {
		struct symbol_frame sf = { 0 };

		g->sym[i] = NULL;
		if (sm->frames[i].dso &&
		    symbol_lookup(f->syms, sm->frames[i].dso, sm->frames[i].addr, &sf, 1) >= 1)
			g->sym[i] = sf.name;
	}
	return 0;
}

static void fx_open(struct fx *f)
{
	struct symbol_opts so = { .kallsyms = f->kallsyms, .quiet = true };
	char err[256];

	if (f->pipe) {
		FILE *out = fopen(f->path, "wb");

		assert_non_null(out);
		assert_int_equal(fwrite(f->pipe_buf, 1, f->pipe_len, out), f->pipe_len);
		assert_int_equal(fclose(out), 0);
	} else {
		assert_int_equal(data_writer_close(f->w, true), 0);
		f->w = NULL;
	}
	if (data_reader_open(&f->r, f->path, err, sizeof(err)) != 0)
		fail_msg("%s: %s", f->path, err);
	assert_int_equal(data_reader_is_pipe(f->r), f->pipe);
	assert_int_equal(symbol_cache_new(&f->syms, &so), 0);
	assert_int_equal(session_new(&f->s, f->r, f->syms), 0);
}

static void fx_run(struct fx *f)
{
	struct session_ops ops = { .sample = on_sample, .record = on_record, .ctx = f };

	if (!f->s)
		fx_open(f);
	if (session_process(f->s, &ops) != 0)
		fail_msg("session_process: %s", session_error(f->s));
}

static void fx_free(struct fx *f)
{
	if (!f)
		return;
	current = NULL;
	if (f->w)
		data_writer_close(f->w, false);
	session_free(f->s);
	symbol_cache_free(f->syms);
	if (f->r)
		data_reader_close(f->r);
	free(f->pipe_buf);
	unlink(f->path);
	unlink(f->kallsyms);
	rmdir(f->dir);
	free(f);
}

static int teardown(void **state)
{
	(void)state;
	fx_free(current);
	return 0;
}

/* ---- user addresses inside the real libc ---- */

/* Offset of a libc function from the library's load base (= its file offset in text). */
static uint64_t libc_off(const char *fn)
{
	void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	void *p;
	Dl_info info;
	char a[PATH_MAX], b[PATH_MAX];

	if (!h)
		skip();
	p = dlsym(h, fn);
	dlclose(h);
	if (!p || !dladdr(p, &info) || !info.dli_fname || !realpath(info.dli_fname, a) ||
	    !realpath(LIBC, b) || strcmp(a, b))
		skip();   /* this process's libc is not the file the test maps */
	return (uint64_t)((uintptr_t)p - (uintptr_t)info.dli_fbase);
}

/* A return address a few bytes into fn, in the test's libc map. */
static uint64_t uip(const char *fn, unsigned int into)
{
	return LIBC_BASE + libc_off(fn) + into;
}

/* ---- checks ---- */

static void check_kernel_part(const struct got *g)
{
	assert_true(g->nr_frames >= 2);
	assert_int_equal(g->frames[0].cpumode, PERF_RECORD_MISC_KERNEL);
	assert_int_equal(g->frames[0].ip, K_SYSCALL);
	assert_string_equal(g->sym[0], "ksys_write");
	assert_int_equal(g->frames[1].cpumode, PERF_RECORD_MISC_KERNEL);
	assert_int_equal(g->frames[1].ip, K_ENTRY);
	assert_string_equal(g->sym[1], "entry_SYSCALL_64");
}

/* Frames [from, from + nr) are ips, each a user frame in the libc map. */
static void check_user(const struct got *g, size_t from, const uint64_t *ips, size_t nr)
{
	assert_int_equal(g->nr_frames, from + nr);
	for (size_t i = 0; i < nr; i++) {
		const struct session_frame *fr = &g->frames[from + i];

		assert_int_equal(fr->cpumode, PERF_RECORD_MISC_USER);
		assert_int_equal(fr->ip, ips[i]);
		assert_non_null(fr->dso);
		assert_string_equal(symbol_dso_name(fr->dso), LIBC);
		assert_int_equal(fr->addr, ips[i] - LIBC_BASE);
	}
}

/* A kernel-mode sample stitched with ips. */
static void check_stitched(const struct got *g, uint64_t time, uint32_t tid, uint64_t cookie,
			   const uint64_t *ips, size_t nr)
{
	assert_int_equal(g->time, time);
	assert_int_equal(g->period, 1000 + time);
	assert_int_equal(g->tid, tid);
	assert_true(g->deferred);
	assert_true(g->stitched);
	assert_int_equal(g->cookie, cookie);
	check_kernel_part(g);
	check_user(g, 2, ips, nr);
}

static void check_stats(const struct fx *f, uint64_t records, uint64_t samples,
			uint64_t stitched, uint64_t unmatched, uint64_t orphans)
{
	const struct session_stats *st = session_stats(f->s);

	assert_int_equal(st->nr_deferred_records, records);
	assert_int_equal(st->nr_deferred_samples, samples);
	assert_int_equal(st->nr_deferred_stitched, stitched);
	assert_int_equal(st->nr_deferred_unmatched, unmatched);
	assert_int_equal(st->nr_deferred_orphans, orphans);
	assert_int_equal(st->nr_bad_samples, 0);
	assert_int_equal(st->nr_unknown, 0);
	/* Every sample went out exactly once. */
	assert_int_equal(st->nr_samples, f->nr_got);
}

/* Index in the log of the first entry of kind (record type, or -1) at time. */
static size_t log_at(const struct fx *f, int kind, uint64_t time)
{
	for (size_t i = 0; i < f->nr_log; i++)
		if (f->log[i].kind == kind && f->log[i].time == time)
			return i;
	fail_msg("nothing of kind %d at time %llu in the log", kind, (unsigned long long)time);
	return 0;
}

/* ---- (a) one kernel entry, several samples, one record ---- */

static void test_one_cookie_many_samples(void **state)
{
	struct fx *f = fx_new(false);
	const uint64_t cookie = (7ULL << 32) | 1;
	const uint64_t ips[] = { uip("write", 0x14), uip("puts", 0x9a), uip("qsort", 0x33) };
	size_t rec;

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	w_libc(f, 100, 2);
	/* Three timer ticks inside one long write(2), then the return to user. */
	w_ksample(f, 100, 100, 10, 0, cookie);
	w_ksample(f, 100, 100, 20, 0, cookie);
	w_ksample(f, 100, 100, 30, 0, cookie);
	w_deferred(f, 100, 100, 40, 0, cookie, ips, NELEM(ips), false);
	fx_run(f);

	assert_int_equal(f->nr_got, 3);
	for (size_t i = 0; i < 3; i++) {
		check_stitched(&f->got[i], 10 * (i + 1), 100, cookie, ips, NELEM(ips));
		assert_int_equal(f->got[i].cpu, 0);
	}
	assert_non_null(f->got[0].sym[2]);
	assert_non_null(strstr(f->got[0].sym[2], "write"));
	assert_non_null(f->got[0].sym[3]);
	assert_non_null(strstr(f->got[0].sym[3], "puts"));
	/* Held until the record: all three go out right after it. */
	rec = log_at(f, PERF_RECORD_CALLCHAIN_DEFERRED_TYPE, 40);
	assert_int_equal(rec, f->nr_log - 4);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(f->log[rec + 1 + i].kind, -1);
	check_stats(f, 1, 3, 3, 0, 0);
	fx_free(f);
}

/* The same with pipe input: held samples must outlive the reader's buffer. */
static void test_one_cookie_pipe(void **state)
{
	struct fx *f = fx_new(true);
	const uint64_t cookie = 0x100000001ULL;
	const uint64_t ips[] = { uip("getpid", 0x5), uip("abort", 0x20) };

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	w_libc(f, 100, 2);
	for (uint64_t t = 10; t <= 50; t += 10) {
		w_ksample(f, 100, 100, t, 1, cookie);
		if (t == 30)
			w_round(f);
	}
	w_round(f);
	w_deferred(f, 100, 100, 60, 1, cookie, ips, NELEM(ips), false);
	fx_run(f);

	assert_int_equal(f->nr_got, 5);
	for (size_t i = 0; i < 5; i++)
		check_stitched(&f->got[i], 10 * (i + 1), 100, cookie, ips, NELEM(ips));
	check_stats(f, 1, 5, 5, 0, 0);
	fx_free(f);
}

/* ---- (b) two threads, the same cookie value ---- */

static void test_two_threads_same_cookie(void **state)
{
	struct fx *f = fx_new(false);
	const uint64_t cookie = 0x500000003ULL;
	const uint64_t ips_a[] = { uip("write", 0x10), uip("puts", 0x40) };
	const uint64_t ips_b[] = { uip("getpid", 0x7), uip("qsort", 0x80), uip("abort", 0x11) };

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	w_libc(f, 100, 2);
	w_comm(f, 100, 101, "worker", 3);
	w_ksample(f, 100, 100, 10, 0, cookie);
	w_ksample(f, 100, 101, 11, 1, cookie);
	w_ksample(f, 100, 100, 12, 0, cookie);
	w_ksample(f, 100, 101, 13, 1, cookie);
	w_deferred(f, 100, 101, 14, 1, cookie, ips_b, NELEM(ips_b), false);
	w_deferred(f, 100, 100, 15, 0, cookie, ips_a, NELEM(ips_a), false);
	fx_run(f);

	assert_int_equal(f->nr_got, 4);
	/* Thread 101's record comes first and takes only thread 101's samples. */
	check_stitched(&f->got[0], 11, 101, cookie, ips_b, NELEM(ips_b));
	check_stitched(&f->got[1], 13, 101, cookie, ips_b, NELEM(ips_b));
	check_stitched(&f->got[2], 10, 100, cookie, ips_a, NELEM(ips_a));
	check_stitched(&f->got[3], 12, 100, cookie, ips_a, NELEM(ips_a));
	assert_true(log_at(f, PERF_RECORD_CALLCHAIN_DEFERRED_TYPE, 14) <
		    log_at(f, -1, 11));
	assert_true(log_at(f, -1, 13) < log_at(f, PERF_RECORD_CALLCHAIN_DEFERRED_TYPE, 15));
	check_stats(f, 2, 4, 4, 0, 0);
	fx_free(f);
}

/* ---- (c) a lost record; a record nobody waits for ---- */

static void test_record_lost(void **state)
{
	struct fx *f = fx_new(false);
	const uint64_t lost = 0x200000001ULL, other = 0x300000001ULL;
	const uint64_t ips[] = { uip("write", 0x10) };
	const uint64_t uip0 = uip("qsort", 0x21);

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	w_libc(f, 100, 2);
	w_ksample(f, 100, 100, 10, 0, lost);
	w_ksample(f, 100, 100, 20, 0, lost);
	w_usample(f, uip0, 100, 100, 25, 0, lost);
	/* Some other entry's record, matching none of them: an orphan. */
	w_deferred(f, 100, 100, 30, 0, other, ips, NELEM(ips), false);
	fx_run(f);

	/* Flushed at the end, in time order, kernel part only. */
	assert_int_equal(f->nr_got, 3);
	for (size_t i = 0; i < 2; i++) {
		const struct got *g = &f->got[i];

		assert_int_equal(g->time, 10 * (i + 1));
		assert_true(g->deferred);
		assert_false(g->stitched);
		assert_int_equal(g->cookie, lost);
		check_kernel_part(g);
		assert_int_equal(g->nr_frames, 2);
	}
	/* The user-mode sample with no kernel part keeps its own ip. */
	assert_int_equal(f->got[2].time, 25);
	assert_false(f->got[2].stitched);
	check_user(&f->got[2], 0, &uip0, 1);
	assert_true(log_at(f, PERF_RECORD_CALLCHAIN_DEFERRED_TYPE, 30) < log_at(f, -1, 10));
	check_stats(f, 1, 3, 0, 3, 1);
	fx_free(f);
}

/* ---- (d) the thread exits before its record ---- */

static void test_exit_before_record(void **state)
{
	struct fx *f = fx_new(false);
	const uint64_t c1 = 0x400000002ULL, c2 = 0x400000001ULL;
	const uint64_t ips[] = { uip("puts", 0x30), uip("getpid", 0x2) };
	size_t ex;

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	w_libc(f, 100, 2);
	w_comm(f, 100, 101, "worker", 3);
	w_ksample(f, 100, 101, 10, 1, c1);
	w_ksample(f, 100, 101, 20, 1, c1);
	w_exit(f, 100, 101, 30);
	w_ksample(f, 100, 100, 35, 0, c2);
	w_deferred(f, 100, 100, 36, 0, c2, ips, NELEM(ips), false);
	/* A record after the exit finds nothing waiting: an orphan. */
	w_deferred(f, 100, 101, 40, 1, c1, ips, NELEM(ips), false);
	fx_run(f);

	assert_int_equal(f->nr_got, 3);
	ex = log_at(f, PERF_RECORD_EXIT, 30);
	/* Both of 101's samples go out with the EXIT, without user part. */
	assert_int_equal(f->log[ex + 1].kind, -1);
	assert_int_equal(f->log[ex + 1].tid, 101);
	assert_int_equal(f->log[ex + 2].kind, -1);
	assert_int_equal(f->log[ex + 2].tid, 101);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(f->got[i].tid, 101);
		assert_int_equal(f->got[i].time, 10 * (i + 1));
		assert_false(f->got[i].stitched);
		assert_int_equal(f->got[i].nr_frames, 2);
		check_kernel_part(&f->got[i]);
	}
	check_stitched(&f->got[2], 35, 100, c2, ips, NELEM(ips));
	check_stats(f, 2, 3, 1, 2, 1);
	/* Both waited when their thread exited: expected, report does not warn. */
	assert_int_equal(session_stats(f->s)->nr_deferred_exited, 2);
	fx_free(f);
}

/* ---- (e) a cookie seen again after its record ---- */

/*
 * Seen on Linux 7.1.5 in QEMU: a timer sample taken in the task work that
 * had just written the entry's record (perf_callchain_deferred_output <-
 * process_unwind_deferred <- task_work_run), 200 us after it, carries the
 * same cookie and gets no record of its own. Until the thread's next
 * record it belongs to that record, however late.
 */
static void test_sample_after_record(void **state)
{
	struct fx *f = fx_new(false);
	const uint64_t cookie = 0x500000001ULL, next = 0x700000001ULL;
	const uint64_t ips[] = { uip("write", 0x10), uip("puts", 0x10) };
	const uint64_t ips2[] = { uip("qsort", 0x44) };

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	w_libc(f, 100, 2);
	w_ksample(f, 100, 100, 10, 0, cookie);
	w_deferred(f, 100, 100, 20, 0, cookie, ips, NELEM(ips), false);
	w_ksample(f, 100, 100, 20 + 200000, 0, cookie);
	w_ksample(f, 100, 100, 20 + 1000000, 0, next);
	w_deferred(f, 100, 100, 20 + 1000010, 0, next, ips2, NELEM(ips2), false);
	fx_run(f);

	assert_int_equal(f->nr_got, 3);
	check_stitched(&f->got[0], 10, 100, cookie, ips, NELEM(ips));
	check_stitched(&f->got[1], 20 + 200000, 100, cookie, ips, NELEM(ips));
	check_stitched(&f->got[2], 20 + 1000000, 100, next, ips2, NELEM(ips2));
	/* Stitched when it came, not held for a record that never comes. */
	assert_true(log_at(f, -1, 20 + 200000) <
		    log_at(f, PERF_RECORD_CALLCHAIN_DEFERRED_TYPE, 20 + 1000010));
	check_stats(f, 2, 3, 3, 0, 0);
	fx_free(f);
}

/*
 * A cookie of an older record, used again well after a newer record of
 * the same thread: the thread went back to user space in between, so it
 * is a new entry (only a counter wrap could do that) and waits for its
 * own record.
 */
static void test_cookie_reused(void **state)
{
	struct fx *f = fx_new(false);
	const uint64_t cookie = 0x900000001ULL, mid = 0xb00000001ULL;
	const uint64_t old[] = { uip("write", 0x10), uip("puts", 0x10) };
	const uint64_t other[] = { uip("puts", 0x20) };
	const uint64_t new[] = { uip("qsort", 0x44), uip("abort", 0x8), uip("getpid", 0x1) };
	const uint64_t later = 20 + 1000000;   /* 1 ms on: a new kernel entry */

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	w_libc(f, 100, 2);
	w_ksample(f, 100, 100, 10, 0, cookie);
	w_deferred(f, 100, 100, 20, 0, cookie, old, NELEM(old), false);
	/* Same time as the record, read after it: the old entry's sample. */
	w_ksample(f, 100, 100, 20, 0, cookie);
	w_ksample(f, 100, 100, 30, 0, mid);
	w_deferred(f, 100, 100, 40, 0, mid, other, NELEM(other), false);
	w_ksample(f, 100, 100, later, 0, cookie);
	w_deferred(f, 100, 100, later + 10, 0, cookie, new, NELEM(new), false);
	fx_run(f);

	assert_int_equal(f->nr_got, 4);
	check_stitched(&f->got[0], 10, 100, cookie, old, NELEM(old));
	check_stitched(&f->got[1], 20, 100, cookie, old, NELEM(old));
	check_stitched(&f->got[2], 30, 100, mid, other, NELEM(other));
	check_stitched(&f->got[3], later, 100, cookie, new, NELEM(new));
	/* The reused cookie waited for its own record. */
	assert_true(log_at(f, PERF_RECORD_CALLCHAIN_DEFERRED_TYPE, later + 10) <
		    log_at(f, -1, later));
	check_stats(f, 3, 4, 4, 0, 0);
	fx_free(f);
}

/* ---- (f) two CPUs' buffers drained in turn, records and samples crossing ---- */

/*
 * Thread 100 (K*) and thread 200 (J*) on CPUs 0 and 1. Each round holds
 * CPU 0's buffer, then CPU 1's. Thread 100's second entry samples on CPU 0
 * and returns to user on CPU 1; its third samples on CPU 1 at t=240 and
 * returns on CPU 0, whose clock is behind: the record says t=238 and sorts
 * before its sample. Thread 200's J2 record (t=232, CPU 0) equals its
 * second sample's time and is read first; a J1 sample comes a round late
 * (t=128, older than what was already delivered).
 */
static void fill_two_cpus(struct fx *f, const uint64_t *const *u, const size_t *nu)
{
	const uint64_t k1 = 0x100000001ULL, k2 = 0x200000001ULL, k3 = 0x100000002ULL;
	const uint64_t j1 = 0x500000002ULL, j2 = 0x600000002ULL;

	w_comm(f, 100, 100, "app", 1);
	w_libc(f, 100, 2);
	w_comm(f, 200, 200, "other", 3);
	w_libc(f, 200, 4);
	/* round 1 */
	w_ksample(f, 100, 100, 100, 0, k1);
	w_ksample(f, 100, 100, 110, 0, k1);
	w_deferred(f, 100, 100, 120, 0, k1, u[0], nu[0], false);
	w_ksample(f, 100, 100, 200, 0, k2);
	w_ksample(f, 200, 200, 105, 1, j1);
	w_deferred(f, 200, 200, 130, 1, j1, u[1], nu[1], false);
	w_ksample(f, 200, 200, 190, 1, j2);
	w_round(f);
	/* round 2: CPU 0 had nothing */
	w_deferred(f, 100, 100, 215, 1, k2, u[2], nu[2], false);
	w_ksample(f, 100, 100, 240, 1, k3);
	w_round(f);
	/* round 3 */
	w_deferred(f, 100, 100, 238, 0, k3, u[3], nu[3], false);
	w_deferred(f, 200, 200, 232, 0, j2, u[4], nu[4], false);
	w_ksample(f, 200, 200, 128, 1, j1);
	w_ksample(f, 200, 200, 232, 1, j2);
	w_round(f);
}

static void two_cpus(bool pipe)
{
	struct fx *f = fx_new(pipe);
	const uint64_t a1[] = { uip("write", 1), uip("puts", 2) };
	const uint64_t b1[] = { uip("getpid", 3) };
	const uint64_t a2[] = { uip("qsort", 4), uip("abort", 5), uip("puts", 6) };
	const uint64_t a3[] = { uip("abort", 7) };
	const uint64_t b2[] = { uip("puts", 8), uip("write", 9) };
	const uint64_t *const u[] = { a1, b1, a2, a3, b2 };
	const size_t nu[] = { NELEM(a1), NELEM(b1), NELEM(a2), NELEM(a3), NELEM(b2) };
	static const struct {
		uint64_t time;
		uint32_t tid;
		size_t stack;
		uint64_t cookie;
	} want[] = {
		/* round 2's flush (t <= 200): K1's two, J1's first; J2 and K2 wait */
		{ 100, 100, 0, 0x100000001ULL }, { 110, 100, 0, 0x100000001ULL },
		{ 105, 200, 1, 0x500000002ULL },
		/* round 3's flush (t <= 240): the late J1 at once, then by record */
		{ 128, 200, 1, 0x500000002ULL }, { 200, 100, 2, 0x200000001ULL },
		{ 190, 200, 4, 0x600000002ULL }, { 232, 200, 4, 0x600000002ULL },
		{ 240, 100, 3, 0x100000002ULL },
	};

	fill_two_cpus(f, u, nu);
	fx_run(f);

	assert_int_equal(f->nr_got, NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++)
		check_stitched(&f->got[i], want[i].time, want[i].tid, want[i].cookie,
			       u[want[i].stack], nu[want[i].stack]);
	assert_int_equal(session_stats(f->s)->nr_out_of_order, 1);
	check_stats(f, 5, 8, 8, 0, 0);
	fx_free(f);
}

static void test_two_cpus(void **state)
{
	(void)state;
	two_cpus(false);
}

static void test_two_cpus_pipe(void **state)
{
	(void)state;
	two_cpus(true);
}

/* ---- (g) ips after a PERF_CONTEXT_USER ---- */

static void test_leading_context_user(void **state)
{
	struct fx *f = fx_new(false);
	const uint64_t cookie = 0xa00000001ULL;
	const uint64_t ips[] = { uip("puts", 0x12), uip("qsort", 0x24) };

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	w_libc(f, 100, 2);
	w_ksample(f, 100, 100, 10, 0, cookie);
	w_deferred(f, 100, 100, 20, 0, cookie, ips, NELEM(ips), true);
	fx_run(f);

	assert_int_equal(f->nr_got, 1);
	check_stitched(&f->got[0], 10, 100, cookie, ips, NELEM(ips));
	check_stats(f, 1, 1, 1, 0, 0);
	fx_free(f);
}

/* ---- (h) stitching off: the raw halves ---- */

static void test_no_merge(void **state)
{
	struct fx *f = fx_new(false);
	const uint64_t cookie = 0xb00000001ULL;
	const uint64_t ips[] = { uip("write", 0x12) };
	const uint64_t uip0 = uip("getpid", 0x3);

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	w_libc(f, 100, 2);
	w_ksample(f, 100, 100, 10, 0, cookie);
	w_usample(f, uip0, 100, 100, 15, 0, cookie);
	w_deferred(f, 100, 100, 20, 0, cookie, ips, NELEM(ips), false);
	fx_open(f);
	session_set_merge_deferred(f->s, false);
	fx_run(f);

	assert_int_equal(f->nr_got, 2);
	/* At once, in time order, before the record. */
	assert_true(log_at(f, -1, 15) < log_at(f, PERF_RECORD_CALLCHAIN_DEFERRED_TYPE, 20));
	assert_true(f->got[0].deferred);
	assert_false(f->got[0].stitched);
	assert_int_equal(f->got[0].cookie, cookie);
	assert_int_equal(f->got[0].nr_frames, 2);
	check_kernel_part(&f->got[0]);
	assert_true(f->got[1].deferred);
	assert_int_equal(f->got[1].cookie, cookie);
	check_user(&f->got[1], 0, &uip0, 1);
	check_stats(f, 1, 2, 0, 0, 0);
	fx_free(f);
}

/* ---- (i) exclude_callchain_kernel: marker and cookie only ---- */

static void test_user_only(void **state)
{
	struct fx *f = fx_new(false);
	const uint64_t cookie = 0xc00000001ULL;
	const uint64_t ips[] = { uip("qsort", 0x4), uip("puts", 0x70), uip("write", 0x80) };

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	w_libc(f, 100, 2);
	/* A tick in user code is its own entry: the record's first ip is the sample's. */
	w_usample(f, ips[0], 100, 100, 10, 0, cookie);
	w_deferred(f, 100, 100, 11, 0, cookie, ips, NELEM(ips), false);
	fx_run(f);

	assert_int_equal(f->nr_got, 1);
	assert_true(f->got[0].stitched);
	assert_int_equal(f->got[0].cpumode, PERF_RECORD_MISC_USER);
	check_user(&f->got[0], 0, ips, NELEM(ips));
	assert_non_null(f->got[0].sym[0]);
	assert_non_null(strstr(f->got[0].sym[0], "qsort"));
	check_stats(f, 1, 1, 1, 0, 0);
	fx_free(f);
}

/* ---- a thread whose records never come holds a bounded number ---- */

struct cap_count {
	uint64_t n, first_at;   /* samples seen; samples the session had read at the first */
	uint64_t last_time;
	bool ordered;
};

static int cap_sample(void *ctx, struct session *s, struct session_sample *sm)
{
	struct cap_count *c = ctx;

	if (!c->n++)
		c->first_at = session_stats(s)->nr_deferred_samples;
	if (sm->time < c->last_time || !sm->deferred || sm->deferred_stitched ||
	    sm->nr_frames != 2)
		c->ordered = false;
	c->last_time = sm->time;
	return 0;
}

static void test_held_cap(void **state)
{
	struct fx *f = fx_new(false);
	const uint64_t n = 65536 + 100;
	struct cap_count c = { .ordered = true };
	struct session_ops ops = { .sample = cap_sample, .ctx = &c };

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	for (uint64_t t = 10; t < 10 + n; t++)
		w_ksample(f, 100, 100, t, 0, 0x700000001ULL);
	fx_open(f);
	assert_int_equal(session_process(f->s, &ops), 0);

	assert_int_equal(c.n, n);
	assert_true(c.ordered);
	/* The older half went out when the cap was reached, long before the end. */
	assert_int_equal(c.first_at, 65536 + 1);
	assert_int_equal(session_stats(f->s)->nr_deferred_unmatched, n);
	/*
	 * The half the cap pushed out is warned of; the rest were still held
	 * at the end with no later record of their thread: recording ended
	 * before it went back to user space, which is expected.
	 */
	assert_int_equal(session_stats(f->s)->nr_deferred_exited, n - 65536 / 2);
	assert_int_equal(session_stats(f->s)->nr_samples, n);
	fx_free(f);
}

/* ---- the record parser: cut-short and hostile counts ---- */

static void test_parse_deferred(void **state)
{
	struct fx *f = fx_new(false);
	const uint64_t ips[] = { uip("puts", 1), uip("write", 2) };
	struct session_deferred d;
	struct rec r;
	uint16_t size;

	(void)state;
	w_comm(f, 100, 100, "app", 1);
	fx_open(f);
	rec_start(&r, PERF_RECORD_CALLCHAIN_DEFERRED_TYPE, PERF_RECORD_MISC_USER);
	rec_u64(&r, 0x1234);
	rec_u64(&r, 3);
	rec_u64(&r, PERF_CONTEXT_USER);
	rec_u64(&r, ips[0]);
	rec_u64(&r, ips[1]);
	rb_id(&r, 100, 101, 77, 2);
	size = (uint16_t)r.n;
	memcpy(r.b + offsetof(struct perf_event_header, size), &size, 2);
	assert_int_equal(session_parse_deferred(f->s, (void *)r.b, &d), 0);
	assert_int_equal(d.cookie, 0x1234);
	assert_int_equal(d.nr, 3);
	assert_int_equal(d.ips[1], ips[0]);
	assert_int_equal(d.pid, 100);
	assert_int_equal(d.tid, 101);
	assert_int_equal(d.time, 77);
	assert_int_equal(d.cpu, 2);
	assert_true(d.has_tid && d.has_time);
	/* Every shorter size fails, never reads past it. */
	for (uint16_t n = 0; n < size; n += 8) {
		uint8_t *copy = malloc(n < 8 ? 8 : n);

		assert_non_null(copy);
		memcpy(copy, r.b, n < 8 ? 8 : n);
		memcpy(copy + offsetof(struct perf_event_header, size), &n, 2);
		assert_int_equal(session_parse_deferred(f->s, (void *)copy, &d), -EINVAL);
		free(copy);
	}
	/* A count larger than the record. */
	{
		uint64_t huge = UINT64_MAX / 8;

		memcpy(r.b + 16, &huge, 8);
		assert_int_equal(session_parse_deferred(f->s, (void *)r.b, &d), -EINVAL);
	}
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_one_cookie_many_samples, teardown),
		cmocka_unit_test_teardown(test_one_cookie_pipe, teardown),
		cmocka_unit_test_teardown(test_two_threads_same_cookie, teardown),
		cmocka_unit_test_teardown(test_record_lost, teardown),
		cmocka_unit_test_teardown(test_exit_before_record, teardown),
		cmocka_unit_test_teardown(test_sample_after_record, teardown),
		cmocka_unit_test_teardown(test_cookie_reused, teardown),
		cmocka_unit_test_teardown(test_two_cpus, teardown),
		cmocka_unit_test_teardown(test_two_cpus_pipe, teardown),
		cmocka_unit_test_teardown(test_leading_context_user, teardown),
		cmocka_unit_test_teardown(test_no_merge, teardown),
		cmocka_unit_test_teardown(test_user_only, teardown),
		cmocka_unit_test_teardown(test_held_cap, teardown),
		cmocka_unit_test_teardown(test_parse_deferred, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
