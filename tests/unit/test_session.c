/*
 * Unit tests of lib/session. Each test writes a perf.data file with the
 * data_writer, record by record in the kernel's layouts (perf_event.h),
 * reads it back through a session with a real symbol cache, and checks
 * what the sample callback saw against what the test wrote: delivery
 * order under perf's FINISHED_ROUND rule, threads, comms and maps over
 * time, callchain frames, the statistics, and session_parse_sample on
 * hand-built samples cut short byte by byte (run under ASan).
 */
#include <errno.h>
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

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define ST_BASE (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | \
		 PERF_SAMPLE_PERIOD)
#define USER PERF_RECORD_MISC_USER
#define KERNEL PERF_RECORD_MISC_KERNEL

/* Kernel text of the test's own kallsyms file. */
#define KTEXT 0xffffffff81000000ULL
#define KFUNC_A (KTEXT + 0x100)
#define KFUNC_B (KTEXT + 0x200)

/* Map file names: they need not exist (the DSO just has no symbols). */
#define LIB(x) "/nonexistent-sft-test/lib" x ".so"

/* ---- a perf.data file under construction, then its session ---- */

struct tf {
	char dir[64], path[128], kallsyms[128];
	uint64_t sample_type;
	bool id_all;
	uint64_t id;            /* sample id written with the next records */
	uint64_t regs_mask;     /* sample_regs_user */
	uint64_t stack_size;    /* sample_stack_user */
	struct data_writer *w;
	/* Pipe format (perf record -o -) saved to a file: built here. */
	bool pipe;
	uint8_t *pb;
	size_t pb_len, pb_cap;
	struct data_reader *r;
	struct symbol_cache *syms;
	struct session *s;
};

/*
 * The file of the running test, cleaned up by the teardown when an assert
 * fails half-way (tests keep their struct tf static so it outlives them).
 */
static struct tf *live_tf;

static void pb_put(struct tf *f, const void *p, size_t n)
{
	if (f->pb_len + n > f->pb_cap) {
		f->pb_cap = (f->pb_len + n) * 2;
		f->pb = realloc(f->pb, f->pb_cap);
		assert_non_null(f->pb);
	}
	memcpy(f->pb + f->pb_len, p, n);
	f->pb_len += n;
}

static void tf_init_mode(struct tf *f, uint64_t sample_type, bool id_all, bool pipe)
{
	const char *tmp = getenv("TMPDIR");
	FILE *k;

	memset(f, 0, sizeof(*f));
	live_tf = f;
	snprintf(f->dir, sizeof(f->dir), "%s/sft-sess-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/perf.data", f->dir);
	snprintf(f->kallsyms, sizeof(f->kallsyms), "%s/kallsyms", f->dir);
	k = fopen(f->kallsyms, "w");
	assert_non_null(k);
	fprintf(k, "%llx T _stext\n%llx T kfunc_a\n%llx T kfunc_b\n%llx T _etext\n",
		(unsigned long long)KTEXT, (unsigned long long)KFUNC_A,
		(unsigned long long)KFUNC_B, (unsigned long long)(KTEXT + 0x1000));
	assert_int_equal(fclose(k), 0);
	f->sample_type = sample_type;
	f->id_all = id_all;
	f->id = 1;
	f->pipe = pipe;
	if (pipe) {
		uint64_t size = 16;

		pb_put(f, "PERFILE2", 8);
		pb_put(f, &size, 8);
	} else {
		assert_int_equal(data_writer_open(&f->w, f->path), 0);
	}
}

static void tf_init(struct tf *f, uint64_t sample_type, bool id_all)
{
	tf_init_mode(f, sample_type, id_all, false);
}

static void tf_attr(struct tf *f, const char *name, uint64_t id)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = 4000;
	a.freq = 1;
	a.sample_type = f->sample_type;
	a.sample_id_all = f->id_all;
	a.mmap = a.comm = a.task = 1;
	a.sample_regs_user = f->regs_mask;
	a.sample_stack_user = (uint32_t)f->stack_size;
	if (f->pipe) {
		/* PERF_RECORD_HEADER_ATTR: the attr, then its ids. */
		struct perf_event_header h = {
			.type = PERF_RECORD_HEADER_ATTR,
			.size = (uint16_t)(sizeof(h) + sizeof(a) + 8),
		};

		pb_put(f, &h, sizeof(h));
		pb_put(f, &a, sizeof(a));
		pb_put(f, &id, 8);
		return;
	}
	assert_int_equal(data_writer_add_attr(f->w, &a, name, &id, 1), 0);
}

/* One attr with the test's sample_type, the usual case. */
static void tf_open(struct tf *f, uint64_t sample_type, bool id_all)
{
	tf_init(f, sample_type, id_all);
	tf_attr(f, "cpu-clock", 1);
}

static void tf_write(struct tf *f, struct rec *r)
{
	rec_finish(r);
	if (f->pipe)
		pb_put(f, r->b, r->n);
	else
		assert_int_equal(data_writer_write(f->w, r->b, r->n), 0);
}

/* The sample_id trailer (sample_id_all) in the kernel's order. */
static void trailer(struct tf *f, struct rec *r, uint32_t pid, uint32_t tid, uint64_t time)
{
	uint64_t t = f->sample_type;

	if (!f->id_all)
		return;
	if (t & PERF_SAMPLE_TID) {
		rec_u32(r, pid);
		rec_u32(r, tid);
	}
	if (t & PERF_SAMPLE_TIME)
		rec_u64(r, time);
	if (t & PERF_SAMPLE_ID)
		rec_u64(r, f->id);
	if (t & PERF_SAMPLE_STREAM_ID)
		rec_u64(r, f->id);
	if (t & PERF_SAMPLE_CPU) {
		rec_u32(r, 0);
		rec_u32(r, 0);
	}
	if (t & PERF_SAMPLE_IDENTIFIER)
		rec_u64(r, f->id);
}

static void w_mmap(struct tf *f, uint32_t pid, uint32_t tid, uint64_t addr, uint64_t len,
		   uint64_t pgoff, const char *name, uint64_t time)
{
	struct rec r;

	rec_start(&r, PERF_RECORD_MMAP, USER);
	rec_u32(&r, pid);
	rec_u32(&r, tid);
	rec_u64(&r, addr);
	rec_u64(&r, len);
	rec_u64(&r, pgoff);
	rec_str(&r, name);
	trailer(f, &r, pid, tid, time);
	tf_write(f, &r);
}

static void w_mmap2(struct tf *f, uint32_t pid, uint32_t tid, uint64_t addr, uint64_t len,
		    uint64_t pgoff, const char *name, uint64_t time)
{
	struct rec r;

	rec_start(&r, PERF_RECORD_MMAP2, USER);
	rec_u32(&r, pid);
	rec_u32(&r, tid);
	rec_u64(&r, addr);
	rec_u64(&r, len);
	rec_u64(&r, pgoff);
	rec_u32(&r, 8);          /* maj */
	rec_u32(&r, 1);          /* min */
	rec_u64(&r, 123456);     /* ino */
	rec_u64(&r, 7);          /* ino_generation */
	rec_u32(&r, PROT_READ | PROT_EXEC);
	rec_u32(&r, MAP_PRIVATE);
	rec_str(&r, name);
	trailer(f, &r, pid, tid, time);
	tf_write(f, &r);
}

static void w_comm(struct tf *f, uint32_t pid, uint32_t tid, const char *comm, bool exec,
		   uint64_t time)
{
	struct rec r;

	rec_start(&r, PERF_RECORD_COMM, exec ? PERF_RECORD_MISC_COMM_EXEC : 0);
	rec_u32(&r, pid);
	rec_u32(&r, tid);
	rec_str(&r, comm);
	trailer(f, &r, pid, tid, time);
	tf_write(f, &r);
}

static void w_task(struct tf *f, uint32_t type, uint32_t pid, uint32_t ppid, uint32_t tid,
		   uint32_t ptid, uint64_t time)
{
	struct rec r;

	rec_start(&r, type, 0);
	rec_u32(&r, pid);
	rec_u32(&r, ppid);
	rec_u32(&r, tid);
	rec_u32(&r, ptid);
	rec_u64(&r, time);
	trailer(f, &r, pid, tid, time);
	tf_write(f, &r);
}

static void w_fork(struct tf *f, uint32_t pid, uint32_t ppid, uint32_t tid, uint32_t ptid,
		   uint64_t time)
{
	w_task(f, PERF_RECORD_FORK, pid, ppid, tid, ptid, time);
}

/* A sample in the file's sample_type; chain is written with CALLCHAIN. */
static void w_sample_cc(struct tf *f, uint16_t misc, uint64_t ip, uint32_t pid, uint32_t tid,
			uint64_t time, uint64_t period, const uint64_t *chain, size_t nr)
{
	uint64_t t = f->sample_type;
	struct rec r;

	rec_start(&r, PERF_RECORD_SAMPLE, misc);
	if (t & PERF_SAMPLE_IDENTIFIER)
		rec_u64(&r, f->id);
	if (t & PERF_SAMPLE_IP)
		rec_u64(&r, ip);
	if (t & PERF_SAMPLE_TID) {
		rec_u32(&r, pid);
		rec_u32(&r, tid);
	}
	if (t & PERF_SAMPLE_TIME)
		rec_u64(&r, time);
	if (t & PERF_SAMPLE_ID)
		rec_u64(&r, f->id);
	if (t & PERF_SAMPLE_CPU) {
		rec_u32(&r, 3);
		rec_u32(&r, 0);
	}
	if (t & PERF_SAMPLE_PERIOD)
		rec_u64(&r, period);
	if (t & PERF_SAMPLE_CALLCHAIN) {
		rec_u64(&r, nr);
		for (size_t i = 0; i < nr; i++)
			rec_u64(&r, chain[i]);
	}
	if (t & PERF_SAMPLE_REGS_USER) {
		rec_u64(&r, PERF_SAMPLE_REGS_ABI_64);
		for (int k = 0; k < __builtin_popcountll(f->regs_mask); k++)
			rec_u64(&r, 0x7000 + (uint64_t)k);
	}
	if (t & PERF_SAMPLE_STACK_USER) {
		rec_u64(&r, f->stack_size);
		for (uint64_t i = 0; i < f->stack_size / 8; i++)
			rec_u64(&r, 0x5a5a5a5a00000000ULL + i);
		if (f->stack_size)
			rec_u64(&r, f->stack_size);
	}
	tf_write(f, &r);
}

static void w_sample(struct tf *f, uint16_t misc, uint64_t ip, uint32_t pid, uint32_t tid,
		     uint64_t time)
{
	w_sample_cc(f, misc, ip, pid, tid, time, 1000 + time, NULL, 0);
}

static void w_round(struct tf *f)
{
	struct rec r;

	rec_start(&r, PERF_RECORD_FINISHED_ROUND, 0);
	tf_write(f, &r);
}

/* ---- what the sample callback saw ---- */

#define GOT_FRAMES 8

struct got {
	uint64_t time, ip, period, id, file_offset;
	uint32_t pid, tid, cpu;
	uint8_t cpumode;
	size_t evsel_idx;
	const char *comm;
	const char *map_file;     /* the map covering ip when delivered, or NULL */
	uint64_t nr_records;      /* records read when it was delivered */
	size_t nr_frames;
	struct session_frame frames[GOT_FRAMES];
};

struct collect {
	struct got s[64];
	size_t n;
};

static int collect_sample(void *ctx, struct session *s, struct session_sample *sm)
{
	struct collect *c = ctx;
	const struct session_map *m;
	struct got *g;

	assert_true(c->n < ARRAY_SIZE(c->s));
	g = &c->s[c->n++];
	g->time = sm->time;
	g->ip = sm->ip;
	g->period = sm->period;
	g->id = sm->id;
	g->file_offset = sm->file_offset;
	g->pid = sm->pid;
	g->tid = sm->tid;
	g->cpu = sm->cpu;
	g->cpumode = sm->cpumode;
	assert_non_null(sm->evsel);
	g->evsel_idx = sm->evsel->idx;
	assert_non_null(sm->thread);
	assert_int_equal(sm->thread->tid, (pid_t)sm->tid);
	g->comm = sm->thread->comm;
	m = session_thread_find_map(sm->thread, sm->ip);
	g->map_file = m ? m->filename : NULL;
	g->nr_records = session_stats(s)->nr_records;
	assert_true(sm->nr_frames >= 1 && sm->nr_frames <= GOT_FRAMES);
	assert_non_null(sm->frames);
	g->nr_frames = sm->nr_frames;
	memcpy(g->frames, sm->frames, sm->nr_frames * sizeof(*sm->frames));
	return 0;
}

/* Close the file, open it, and start a session over it. */
static void tf_session(struct tf *f)
{
	struct symbol_opts so = { .kallsyms = f->kallsyms, .quiet = true };
	char err[256];

	if (f->pipe) {
		FILE *out = fopen(f->path, "wb");

		assert_non_null(out);
		assert_int_equal(fwrite(f->pb, 1, f->pb_len, out), f->pb_len);
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

static int tf_process(struct tf *f, struct collect *c)
{
	struct session_ops ops = { .sample = collect_sample, .ctx = c };

	tf_session(f);
	return session_process(f->s, &ops);
}

static void tf_close(struct tf *f)
{
	live_tf = NULL;
	if (f->w)
		data_writer_close(f->w, false);
	session_free(f->s);
	symbol_cache_free(f->syms);
	if (f->r)
		data_reader_close(f->r);
	free(f->pb);
	unlink(f->path);
	unlink(f->kallsyms);
	rmdir(f->dir);
}

/* The DSO's long name, or NULL for no DSO. */
static const char *dso_name(const struct session_frame *fr)
{
	return fr->dso ? symbol_dso_name(fr->dso) : NULL;
}

static void check_str(const char *got, const char *want)
{
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void check_frame(const struct session_frame *fr, uint8_t mode, uint64_t ip,
			const char *dso, uint64_t addr)
{
	assert_int_equal(fr->cpumode, mode);
	assert_int_equal(fr->ip, ip);
	check_str(dso_name(fr), dso);
	assert_int_equal(fr->addr, addr);
}

/* A sample without a callchain has one frame: its own ip. */
static void check_one(const struct got *g, uint64_t time, const char *dso, uint64_t addr)
{
	assert_int_equal(g->time, time);
	assert_int_equal(g->nr_frames, 1);
	check_frame(&g->frames[0], g->cpumode, g->ip, dso, addr);
}

/* ---- (1) and (2): perf's FINISHED_ROUND order ---- */

/*
 * Per-CPU buffers drained in turn: each round is out of order inside,
 * and round 2 carries t=15 that is older than round 1's newest (30) but
 * newer than the limit of the first flush (0). Expected, by the rule:
 * round 1's FINISHED_ROUND flushes t <= 0 (nothing); round 2's flushes
 * t <= 30 (10 15 20 25 30, all after record 9 was read); round 3's
 * flushes t <= 40 (35 40, after record 12); the end flushes 50.
 */
static void test_order_rounds(void **state)
{
	static const uint64_t r1[] = { 10, 30, 20 }, r2[] = { 15, 40, 25 }, r3[] = { 50, 35 };
	static const struct {
		uint64_t time, nr_records;
	} want[] = {
		{ 10, 9 }, { 15, 9 }, { 20, 9 }, { 25, 9 }, { 30, 9 },
		{ 35, 12 }, { 40, 12 }, { 50, 12 },
	};
	struct collect c = { 0 };
	static struct tf f;

	(void)state;
	tf_open(&f, ST_BASE, true);
	w_comm(&f, 100, 100, "prog", false, 1);                     /* record 1 */
	for (size_t i = 0; i < ARRAY_SIZE(r1); i++)                  /* 2..4 */
		w_sample(&f, USER, 0x400000 + r1[i], 100, 100, r1[i]);
	w_round(&f);                                                 /* 5 */
	for (size_t i = 0; i < ARRAY_SIZE(r2); i++)                  /* 6..8 */
		w_sample(&f, USER, 0x400000 + r2[i], 100, 100, r2[i]);
	w_round(&f);                                                 /* 9 */
	for (size_t i = 0; i < ARRAY_SIZE(r3); i++)                  /* 10, 11 */
		w_sample(&f, USER, 0x400000 + r3[i], 100, 100, r3[i]);
	w_round(&f);                                                 /* 12 */
	assert_int_equal(tf_process(&f, &c), 0);

	assert_int_equal(c.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(c.s[i].time, want[i].time);
		assert_int_equal(c.s[i].ip, 0x400000 + want[i].time);
		assert_int_equal(c.s[i].period, 1000 + want[i].time);
		assert_int_equal(c.s[i].cpu, 3);
		assert_int_equal(c.s[i].nr_records, want[i].nr_records);
		/* The COMM at t=1 was applied before all of them. */
		assert_string_equal(c.s[i].comm, "prog");
	}
	assert_int_equal(session_stats(f.s)->nr_out_of_order, 0);
	assert_int_equal(session_stats(f.s)->nr_samples, 8);
	assert_int_equal(session_stats(f.s)->nr_records, 12);
	assert_int_equal(session_stats(f.s)->nr_by_type[PERF_RECORD_FINISHED_ROUND], 3);
	assert_int_equal(session_stats(f.s)->nr_by_type[PERF_RECORD_SAMPLE], 8);
	tf_close(&f);
}

/*
 * Round 2's FINISHED_ROUND delivers t <= 20 (A, B and D, which equals the
 * limit; equal times keep file order). Round 3 then brings E (t=5, older
 * than the delivered B: out of order, still delivered) and F (t=20, equal
 * to the last delivered time: not out of order).
 */
static void test_order_late_record(void **state)
{
	struct collect c = { 0 };
	static struct tf f;
	static const uint64_t want_ip[] = { 0xa, 0xb, 0xd, 0xe, 0xf, 0xc, 0x10 };
	static const uint64_t want_time[] = { 10, 20, 20, 5, 20, 30, 40 };

	(void)state;
	tf_open(&f, ST_BASE, true);
	w_sample(&f, USER, 0xa, 100, 100, 10);
	w_sample(&f, USER, 0xb, 100, 100, 20);
	w_round(&f);
	w_sample(&f, USER, 0xc, 100, 100, 30);
	w_sample(&f, USER, 0xd, 100, 100, 20);
	w_round(&f);
	w_sample(&f, USER, 0xe, 100, 100, 5);
	w_sample(&f, USER, 0xf, 100, 100, 20);
	w_sample(&f, USER, 0x10, 100, 100, 40);
	assert_int_equal(tf_process(&f, &c), 0);

	assert_int_equal(c.n, ARRAY_SIZE(want_ip));
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(c.s[i].ip, want_ip[i]);
		assert_int_equal(c.s[i].time, want_time[i]);
	}
	/* A, B, D went out at the second FINISHED_ROUND (record 6). */
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(c.s[i].nr_records, 6);
	for (size_t i = 3; i < c.n; i++)
		assert_int_equal(c.s[i].nr_records, 9);
	assert_int_equal(session_stats(f.s)->nr_out_of_order, 1);
	assert_int_equal(session_stats(f.s)->nr_samples, 7);
	tf_close(&f);
}

/*
 * Many rounds from four CPUs whose clocks run at their own pace, drained
 * in turn as a recorder would, so the queue holds several sorted runs at
 * each flush. Expected, from the rule alone: a sample read after FINISHED_
 * ROUND number k goes out at the first later FINISHED_ROUND whose limit
 * (the newest time read before the FINISHED_ROUND preceding it) reaches
 * its time, or at the end; within one flush by time, then file order.
 * A sample older than the last one delivered before it was read is out
 * of order.
 */
struct stress {
	uint64_t time, ip;
	size_t read_after;       /* FINISHED_ROUNDs read before it */
	size_t flush;            /* FINISHED_ROUND that delivers it, 1-based */
	uint64_t nr_records;     /* records read by then */
};

struct stress_got {
	struct stress s[4096];
	size_t n;
};

static int stress_sample(void *ctx, struct session *s, struct session_sample *sm)
{
	struct stress_got *g = ctx;

	assert_true(g->n < ARRAY_SIZE(g->s));
	g->s[g->n].time = sm->time;
	g->s[g->n].ip = sm->ip;
	g->s[g->n].nr_records = session_stats(s)->nr_records;
	g->n++;
	return 0;
}

static int stress_cmp(const void *pa, const void *pb)
{
	const struct stress *a = pa, *b = pb;

	if (a->flush != b->flush)
		return a->flush < b->flush ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->ip < b->ip ? -1 : a->ip > b->ip;     /* ip = file order */
}

static void order_many_rounds(bool pipe)
{
	enum { CPUS = 4, ROUNDS = 60, MAX_FR = ROUNDS + 1 };
	static struct stress want[4096];
	static struct stress_got got;
	uint64_t clock[CPUS] = { 0, 5, 11, 2 }, seen_max = 0, limit[MAX_FR + 1];
	uint64_t fr_record[MAX_FR + 1], nr_records = 0, rng = 12345;
	uint64_t last_delivered[MAX_FR + 1], nr_late = 0;
	size_t nr = 0, nr_fr = 0, at_end;
	struct session_ops ops = { .sample = stress_sample, .ctx = &got };
	static struct tf f;

	got.n = 0;
	tf_init_mode(&f, ST_BASE, true, pipe);
	tf_attr(&f, "cpu-clock", 1);
	limit[1] = 0;
	for (size_t r = 0; r < ROUNDS; r++) {
		for (size_t cpu = 0; cpu < CPUS; cpu++) {
			size_t k;

			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			k = (size_t)(rng >> 61);                /* 0..7 samples */
			for (size_t i = 0; i < k; i++) {
				rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
				clock[cpu] += 1 + (rng >> 59);     /* 1..32 */
				/* Now and then one CPU falls far behind. */
				if (cpu == 3 && r % 17 == 5 && i == 0 && clock[cpu] > 200)
					clock[cpu] -= 150;
				want[nr].time = clock[cpu];
				want[nr].ip = 0x1000 + nr;
				want[nr].read_after = nr_fr;
				w_sample(&f, USER, want[nr].ip, 100, 100, want[nr].time);
				nr_records++;
				if (want[nr].time > seen_max)
					seen_max = want[nr].time;
				nr++;
			}
		}
		w_round(&f);
		nr_records++;
		fr_record[++nr_fr] = nr_records;
		limit[nr_fr + 1] = seen_max;          /* the next one flushes up to here */
	}
	/* Which FINISHED_ROUND delivers each (nr_fr + 1: the end). */
	at_end = 0;
	for (size_t i = 0; i < nr; i++) {
		size_t j;

		for (j = want[i].read_after + 1; j <= nr_fr; j++)
			if (want[i].time <= limit[j])
				break;
		want[i].flush = j;
		want[i].nr_records = j <= nr_fr ? fr_record[j] : nr_records;
		if (j > nr_fr)
			at_end++;
	}
	qsort(want, nr, sizeof(*want), stress_cmp);
	assert_true(nr > 500);
	assert_true(at_end > 0);
	/* The time of the last sample out by each FINISHED_ROUND, then the late ones. */
	for (size_t j = 0, i = 0; j <= nr_fr; j++) {
		last_delivered[j] = j ? last_delivered[j - 1] : 0;
		while (i < nr && want[i].flush == j)
			last_delivered[j] = want[i++].time;
	}
	for (size_t i = 0; i < nr; i++)
		if (want[i].time < last_delivered[want[i].read_after])
			nr_late++;
	assert_true(nr_late > 0);

	tf_session(&f);
	assert_int_equal(session_process(f.s, &ops), 0);
	assert_int_equal(got.n, nr);
	for (size_t i = 0; i < nr; i++) {
		if (got.s[i].ip != want[i].ip || got.s[i].nr_records != want[i].nr_records)
			fail_msg("delivery %zu: got ip %#llx t=%llu after %llu records, want ip %#llx "
				 "t=%llu after %llu", i, (unsigned long long)got.s[i].ip,
				 (unsigned long long)got.s[i].time,
				 (unsigned long long)got.s[i].nr_records,
				 (unsigned long long)want[i].ip, (unsigned long long)want[i].time,
				 (unsigned long long)want[i].nr_records);
	}
	assert_int_equal(session_stats(f.s)->nr_out_of_order, nr_late);
	tf_close(&f);
}

static void test_order_many_rounds(void **state)
{
	(void)state;
	order_many_rounds(false);
}

/* The same through the pipe format, where queued records are copies. */
static void test_order_many_rounds_pipe(void **state)
{
	(void)state;
	order_many_rounds(true);
}

/* ---- (3) maps over time ---- */

/*
 * libA at 0x1000 (t=1), a sample in it (t=2), libB over the same range
 * (t=3), a sample (t=4). With shuffled, all four sit in one round in the
 * file order t=4, t=2, t=3, t=1: time order alone must put them right.
 */
static void maps_replace(bool shuffled, bool pipe)
{
	struct collect c = { 0 };
	static struct tf f;

	tf_init_mode(&f, ST_BASE, true, pipe);
	tf_attr(&f, "cpu-clock", 1);
	w_comm(&f, 100, 100, "prog", false, 0);
	if (!shuffled) {
		w_mmap(&f, 100, 100, 0x1000, 0x1000, 0, LIB("A"), 1);
		w_sample(&f, USER, 0x1100, 100, 100, 2);
		w_round(&f);
		w_mmap(&f, 100, 100, 0x1000, 0x1000, 0x3000, LIB("B"), 3);
		w_sample(&f, USER, 0x1100, 100, 100, 4);
		w_round(&f);
	} else {
		w_sample(&f, USER, 0x1100, 100, 100, 4);
		w_sample(&f, USER, 0x1100, 100, 100, 2);
		w_mmap(&f, 100, 100, 0x1000, 0x1000, 0x3000, LIB("B"), 3);
		w_mmap(&f, 100, 100, 0x1000, 0x1000, 0, LIB("A"), 1);
		w_round(&f);
	}
	assert_int_equal(tf_process(&f, &c), 0);

	assert_int_equal(c.n, 2);
	/* As delivered: the t=2 sample saw libA, and keeps it. */
	check_one(&c.s[0], 2, LIB("A"), 0x100);
	check_str(c.s[0].map_file, LIB("A"));
	check_one(&c.s[1], 4, LIB("B"), 0x3100);
	check_str(c.s[1].map_file, LIB("B"));
	assert_int_equal(c.s[0].cpumode, USER);
	tf_close(&f);
}

static void test_maps_replace(void **state)
{
	(void)state;
	maps_replace(false, false);
}

static void test_maps_replace_shuffled(void **state)
{
	(void)state;
	maps_replace(true, false);
}

static void test_maps_replace_pipe(void **state)
{
	(void)state;
	maps_replace(true, true);
}

static void check_map(struct session *s, pid_t tid, uint64_t ip, uint64_t start, uint64_t end,
		      uint64_t pgoff, const char *file)
{
	struct session_thread *t = session_find_thread(s, tid);
	const struct session_map *m;

	assert_non_null(t);
	m = session_thread_find_map(t, ip);
	if (!file) {
		assert_null(m);
		return;
	}
	assert_non_null(m);
	assert_int_equal(m->start, start);
	assert_int_equal(m->end, end);
	assert_int_equal(m->pgoff, pgoff);
	assert_string_equal(m->filename, file);
}

/*
 * New maps cutting old ones: libC cut in two by libD in its middle; libG
 * over the end of libE and the start of libF; libJ swallowing libH and
 * libI whole. What is left of an old map resolves as the old map did:
 * addr = ip - old start + old pgoff.
 */
static void test_maps_split(void **state)
{
	static const struct {
		uint64_t ip;
		const char *dso;
		uint64_t addr;
	} want[] = {
		{ 0x10010, LIB("C"), 0x10010 - 0x10000 + 0x100000 },
		{ 0x11010, LIB("D"), 0x10 },
		{ 0x12010, LIB("C"), 0x12010 - 0x10000 + 0x100000 },
		{ 0x12fff, LIB("C"), 0x12fff - 0x10000 + 0x100000 },
		{ 0x13000, NULL, 0x13000 },
		{ 0xfff0, NULL, 0xfff0 },
		{ 0x20100, LIB("E"), 0x100 },
		{ 0x207ff, LIB("E"), 0x7ff },
		{ 0x20800, LIB("G"), 0x7000 },
		{ 0x21700, LIB("G"), 0x7f00 },
		{ 0x21800, LIB("F"), 0x21800 - 0x21000 + 0x5000 },
		{ 0x21900, LIB("F"), 0x21900 - 0x21000 + 0x5000 },
		{ 0x2f000, LIB("J"), 0x9000 },
		{ 0x30100, LIB("J"), 0x30100 - 0x2f000 + 0x9000 },
		{ 0x31100, LIB("J"), 0x31100 - 0x2f000 + 0x9000 },
	};
	struct collect c = { 0 };
	static struct tf f;

	(void)state;
	tf_open(&f, ST_BASE, true);
	w_mmap(&f, 100, 100, 0x10000, 0x3000, 0x100000, LIB("C"), 1);
	w_mmap2(&f, 100, 100, 0x11000, 0x1000, 0, LIB("D"), 2);
	w_mmap(&f, 100, 100, 0x20000, 0x1000, 0, LIB("E"), 3);
	w_mmap(&f, 100, 100, 0x21000, 0x1000, 0x5000, LIB("F"), 4);
	w_mmap2(&f, 100, 100, 0x20800, 0x1000, 0x7000, LIB("G"), 5);
	w_mmap(&f, 100, 100, 0x30000, 0x1000, 0, LIB("H"), 6);
	w_mmap(&f, 100, 100, 0x31000, 0x1000, 0, LIB("I"), 7);
	w_mmap(&f, 100, 100, 0x2f000, 0x4000, 0x9000, LIB("J"), 8);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		w_sample(&f, USER, want[i].ip, 100, 100, 10 + i);
	assert_int_equal(tf_process(&f, &c), 0);

	assert_int_equal(c.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(c.s[i].ip, want[i].ip);
		check_one(&c.s[i], 10 + i, want[i].dso, want[i].addr);
	}
	/* The pieces themselves. */
	check_map(f.s, 100, 0x10000, 0x10000, 0x11000, 0x100000, LIB("C"));
	check_map(f.s, 100, 0x11fff, 0x11000, 0x12000, 0, LIB("D"));
	check_map(f.s, 100, 0x12000, 0x12000, 0x13000, 0x102000, LIB("C"));
	check_map(f.s, 100, 0x20000, 0x20000, 0x20800, 0, LIB("E"));
	check_map(f.s, 100, 0x21800, 0x21800, 0x22000, 0x5800, LIB("F"));
	check_map(f.s, 100, 0x32fff, 0x2f000, 0x33000, 0x9000, LIB("J"));
	check_map(f.s, 100, 0x33000, 0, 0, 0, NULL);
	tf_close(&f);
}

/* ---- (4) exec ---- */

/*
 * COMM with PERF_RECORD_MISC_COMM_EXEC changes the comm. The maps stay
 * until the new program's MMAPs cover them, as in perf (thread.c's
 * __thread__set_comm only flushes unwind state on exec): samples still
 * inside execve run on the old program's pages. A child forked before
 * the exec has its own copy of the maps, untouched by the parent's new
 * ones; a comm change without the flag (prctl) changes only the comm.
 */
static void test_exec(void **state)
{
	struct collect c = { 0 };
	static struct tf f;

	(void)state;
	tf_open(&f, ST_BASE, true);
	w_comm(&f, 100, 100, "sh", false, 1);
	w_mmap(&f, 100, 100, 0x1000, 0x1000, 0, LIB("A"), 2);
	w_fork(&f, 200, 100, 200, 100, 3);
	w_sample(&f, USER, 0x1800, 100, 100, 4);              /* 0: libA */
	w_comm(&f, 100, 100, "ls", true, 5);                 /* exec */
	w_sample(&f, USER, 0x1800, 100, 100, 6);              /* 1: libA still */
	w_mmap(&f, 100, 100, 0x1000, 0x1000, 0x2000, LIB("B"), 7);
	w_mmap(&f, 100, 100, 0x8000, 0x1000, 0, LIB("C"), 7);
	w_sample(&f, USER, 0x1800, 100, 100, 8);              /* 2: libB */
	w_sample(&f, USER, 0x1800, 200, 200, 9);              /* 3: child: libA */
	w_sample(&f, USER, 0x8010, 200, 200, 10);             /* 4: child: nothing */
	w_comm(&f, 100, 100, "ls-renamed", false, 11);       /* prctl: no exec */
	w_sample(&f, USER, 0x8010, 100, 100, 12);             /* 5: libC */
	assert_int_equal(tf_process(&f, &c), 0);

	assert_int_equal(c.n, 6);
	check_one(&c.s[0], 4, LIB("A"), 0x800);
	assert_string_equal(c.s[0].comm, "sh");
	check_one(&c.s[1], 6, LIB("A"), 0x800);
	assert_string_equal(c.s[1].comm, "ls");
	check_one(&c.s[2], 8, LIB("B"), 0x2800);
	assert_string_equal(c.s[2].comm, "ls");
	check_one(&c.s[3], 9, LIB("A"), 0x800);
	assert_string_equal(c.s[3].comm, "sh");
	check_one(&c.s[4], 10, NULL, 0x8010);
	check_one(&c.s[5], 12, LIB("C"), 0x10);
	assert_string_equal(c.s[5].comm, "ls-renamed");
	tf_close(&f);
}

/* ---- (5) fork, threads, comms ---- */

static void test_fork_threads(void **state)
{
	struct collect c = { 0 };
	struct session_thread *t;
	static struct tf f;

	(void)state;
	tf_open(&f, ST_BASE, true);
	w_comm(&f, 100, 100, "parent", false, 1);
	w_mmap(&f, 100, 100, 0x1000, 0x1000, 0, LIB("A"), 2);
	w_fork(&f, 200, 100, 200, 100, 3);                    /* new process */
	w_sample(&f, USER, 0x1800, 200, 200, 4);              /* 0 */
	w_mmap(&f, 100, 100, 0x5000, 0x1000, 0, LIB("B"), 5);  /* parent only */
	w_sample(&f, USER, 0x5800, 200, 200, 6);              /* 1 */
	w_mmap(&f, 200, 200, 0x8000, 0x1000, 0, LIB("C"), 7);  /* child only */
	w_sample(&f, USER, 0x8800, 100, 100, 8);              /* 2 */
	w_fork(&f, 100, 100, 101, 100, 9);                    /* a thread */
	w_mmap(&f, 100, 101, 0x9000, 0x1000, 0, LIB("D"), 10); /* by the thread */
	w_sample(&f, USER, 0x9800, 100, 100, 11);             /* 3: leader sees it */
	w_sample(&f, USER, 0x1800, 100, 101, 12);             /* 4: thread */
	w_sample(&f, USER, 0x1234, 300, 301, 13);             /* 5: never seen */
	w_sample(&f, KERNEL, KFUNC_A + 4, 0, 0, 14);          /* 6: idle */
	w_comm(&f, 100, 101, "worker", false, 15);
	w_comm(&f, 100, 100, "parent2", false, 16);
	w_sample(&f, USER, 0x1800, 100, 101, 17);             /* 7 */
	w_sample(&f, USER, 0x1800, 100, 100, 18);             /* 8 */
	w_sample(&f, USER, 0x8800, 200, 200, 19);             /* 9 */
	w_task(&f, PERF_RECORD_EXIT, 200, 100, 200, 100, 20);
	assert_int_equal(tf_process(&f, &c), 0);

	assert_int_equal(c.n, 10);
	check_one(&c.s[0], 4, LIB("A"), 0x800);
	assert_string_equal(c.s[0].comm, "parent");
	check_one(&c.s[1], 6, NULL, 0x5800);
	check_one(&c.s[2], 8, NULL, 0x8800);
	check_one(&c.s[3], 11, LIB("D"), 0x800);
	check_one(&c.s[4], 12, LIB("A"), 0x800);
	assert_string_equal(c.s[4].comm, "parent");
	assert_int_equal(c.s[5].tid, 301);
	assert_string_equal(c.s[5].comm, ":301");
	check_one(&c.s[5], 13, NULL, 0x1234);
	assert_string_equal(c.s[6].comm, "swapper");
	assert_int_equal(c.s[6].cpumode, KERNEL);
	assert_int_equal(c.s[6].frames[0].cpumode, KERNEL);
	assert_non_null(c.s[6].frames[0].dso);
	assert_int_equal(symbol_dso_kind(c.s[6].frames[0].dso), SYMBOL_DSO_KERNEL);
	assert_int_equal(c.s[6].frames[0].addr, KFUNC_A + 4);
	assert_string_equal(c.s[7].comm, "worker");
	assert_string_equal(c.s[8].comm, "parent2");
	/* The child's comm was copied at the fork, not tied to the parent's. */
	assert_string_equal(c.s[9].comm, "parent");
	check_one(&c.s[9], 19, LIB("C"), 0x800);
	/* Equal comms are one interned string. */
	assert_ptr_equal(c.s[0].comm, c.s[4].comm);

	t = session_find_thread(f.s, 200);
	assert_non_null(t);
	assert_true(t->exited);
	assert_int_equal(t->pid, 200);
	t = session_find_thread(f.s, 101);
	assert_non_null(t);
	assert_false(t->exited);
	assert_int_equal(t->pid, 100);
	assert_ptr_equal(t->proc, session_find_thread(f.s, 100)->proc);
	assert_ptr_not_equal(t->proc, session_find_thread(f.s, 200)->proc);
	assert_null(session_find_thread(f.s, 999));
	tf_close(&f);
}

/* ---- (6) callchain frames ---- */

static void test_callchain(void **state)
{
	const uint64_t chain[] = {
		PERF_CONTEXT_KERNEL, KFUNC_B + 8, KFUNC_A + 0x10,
		PERF_CONTEXT_USER, 0x1010, 0x1f00, 0x6040,
	};
	const uint64_t chain2[] = { PERF_CONTEXT_USER, 0x1020, 0x7777 };
	struct collect c = { 0 };
	static struct tf f;

	(void)state;
	tf_open(&f, ST_BASE | PERF_SAMPLE_CALLCHAIN, true);
	w_comm(&f, 100, 100, "prog", false, 1);
	w_mmap(&f, 100, 100, 0x1000, 0x1000, 0x4000, LIB("A"), 2);
	w_mmap2(&f, 100, 100, 0x6000, 0x1000, 0, LIB("B"), 3);
	w_sample_cc(&f, KERNEL, KFUNC_B + 8, 100, 100, 4, 77, chain, ARRAY_SIZE(chain));
	w_sample_cc(&f, USER, 0x1020, 100, 100, 5, 78, chain2, ARRAY_SIZE(chain2));
	assert_int_equal(tf_process(&f, &c), 0);

	assert_true(session_has_callchains(f.s));
	assert_int_equal(c.n, 2);
	assert_int_equal(c.s[0].nr_frames, 5);
	assert_int_equal(c.s[0].period, 77);
	for (size_t i = 0; i < 2; i++) {
		assert_non_null(c.s[0].frames[i].dso);
		assert_int_equal(symbol_dso_kind(c.s[0].frames[i].dso), SYMBOL_DSO_KERNEL);
	}
	assert_int_equal(c.s[0].frames[0].cpumode, KERNEL);
	assert_int_equal(c.s[0].frames[0].ip, KFUNC_B + 8);
	assert_int_equal(c.s[0].frames[0].addr, KFUNC_B + 8);
	assert_int_equal(c.s[0].frames[1].cpumode, KERNEL);
	assert_int_equal(c.s[0].frames[1].ip, KFUNC_A + 0x10);
	assert_int_equal(c.s[0].frames[1].addr, KFUNC_A + 0x10);
	check_frame(&c.s[0].frames[2], USER, 0x1010, LIB("A"), 0x4010);
	check_frame(&c.s[0].frames[3], USER, 0x1f00, LIB("A"), 0x4f00);
	check_frame(&c.s[0].frames[4], USER, 0x6040, LIB("B"), 0x40);

	assert_int_equal(c.s[1].nr_frames, 2);
	check_frame(&c.s[1].frames[0], USER, 0x1020, LIB("A"), 0x4020);
	check_frame(&c.s[1].frames[1], USER, 0x7777, NULL, 0x7777);
	tf_close(&f);
}

/*
 * The unwinder plug-in (sframe/dwarf modes: kernel callchain only, user
 * stack from regs and a stack copy). It is asked for the user part of
 * every sample whose callchain has none, and its ips become USER frames
 * after the kernel ones; for a user-mode sample its first ip is the
 * sample's own (session.h).
 */
struct fake_unwinder {
	size_t calls;
	uint64_t ips[4];
	size_t nr;
	uint64_t want_regs0, want_stack_size;
};

static int fake_unwind(void *ctx, struct session *s, const struct session_sample *sample,
		       uint64_t *ips, size_t max)
{
	struct fake_unwinder *u = ctx;

	(void)s;
	u->calls++;
	assert_non_null(sample->regs);
	assert_int_equal(sample->regs[0], u->want_regs0);
	assert_non_null(sample->stack);
	assert_int_equal(sample->stack_size, u->want_stack_size);
	assert_true(max >= u->nr);
	memcpy(ips, u->ips, u->nr * sizeof(*ips));
	return (int)u->nr;
}

static void unwinder_case(bool kernel_mode)
{
	const uint64_t kchain[] = { PERF_CONTEXT_KERNEL, KFUNC_B + 8, KFUNC_A + 0x10 };
	struct fake_unwinder u = { .ips = { 0x1010, 0x1f00, 0x6040 }, .nr = 3,
				   .want_regs0 = 0x7000, .want_stack_size = 64 };
	struct session_unwinder su = { .unwind = fake_unwind, .ctx = &u };
	struct session_ops ops;
	struct collect c = { 0 };
	const struct got *g;
	size_t k;
	static struct tf f;

	tf_init(&f, ST_BASE | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_REGS_USER |
			    PERF_SAMPLE_STACK_USER, true);
	f.regs_mask = (1ULL << 6) | (1ULL << 7) | (1ULL << 8);   /* bp, sp, ip */
	f.stack_size = 64;
	tf_attr(&f, "cpu-clock", 1);
	w_comm(&f, 100, 100, "prog", false, 1);
	w_mmap(&f, 100, 100, 0x1000, 0x1000, 0x4000, LIB("A"), 2);
	w_mmap(&f, 100, 100, 0x6000, 0x1000, 0, LIB("B"), 3);
	if (kernel_mode)
		w_sample_cc(&f, KERNEL, KFUNC_B + 8, 100, 100, 4, 1, kchain, ARRAY_SIZE(kchain));
	else    /* exclude_callchain_user: a user-mode sample has an empty chain */
		w_sample_cc(&f, USER, 0x1010, 100, 100, 4, 1, NULL, 0);
	tf_session(&f);
	session_set_unwinder(f.s, &su);
	memset(&ops, 0, sizeof(ops));
	ops.sample = collect_sample;
	ops.ctx = &c;
	assert_int_equal(session_process(f.s, &ops), 0);

	assert_int_equal(c.n, 1);
	assert_int_equal(u.calls, 1);
	g = &c.s[0];
	k = kernel_mode ? 2 : 0;
	assert_int_equal(g->nr_frames, k + 3);
	if (kernel_mode) {
		assert_int_equal(g->frames[0].cpumode, KERNEL);
		assert_int_equal(g->frames[0].ip, KFUNC_B + 8);
		assert_int_equal(g->frames[1].cpumode, KERNEL);
		assert_int_equal(g->frames[1].ip, KFUNC_A + 0x10);
	}
	check_frame(&g->frames[k], USER, 0x1010, LIB("A"), 0x4010);
	check_frame(&g->frames[k + 1], USER, 0x1f00, LIB("A"), 0x4f00);
	check_frame(&g->frames[k + 2], USER, 0x6040, LIB("B"), 0x40);
	tf_close(&f);
}

static void test_unwinder_kernel_sample(void **state)
{
	(void)state;
	unwinder_case(true);
}

static void test_unwinder_user_sample(void **state)
{
	(void)state;
	unwinder_case(false);
}

/* ---- (7) no timestamps: file order ---- */

static void test_no_timestamps(void **state)
{
	static const uint64_t times[] = { 30, 10, 20, 5 };
	struct collect c = { 0 };
	static struct tf f;

	(void)state;
	tf_open(&f, ST_BASE, false);
	w_comm(&f, 100, 100, "prog", false, 0);
	w_mmap(&f, 100, 100, 0x1000, 0x1000, 0, LIB("A"), 0);
	w_sample(&f, USER, 0x1100, 100, 100, times[0]);
	w_sample(&f, USER, 0x1200, 100, 100, times[1]);
	w_round(&f);
	w_mmap(&f, 100, 100, 0x1000, 0x1000, 0, LIB("B"), 0);
	w_sample(&f, USER, 0x1300, 100, 100, times[2]);
	w_round(&f);
	w_sample(&f, USER, 0x1400, 100, 100, times[3]);
	assert_int_equal(tf_process(&f, &c), 0);

	assert_int_equal(c.n, 4);
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(c.s[i].time, times[i]);
		assert_int_equal(c.s[i].ip, 0x1100 + 0x100 * i);
		check_one(&c.s[i], times[i], i < 2 ? LIB("A") : LIB("B"), 0x100 + 0x100 * i);
		assert_string_equal(c.s[i].comm, "prog");
	}
	/* Delivered as read: the third after the MMAP before it. */
	assert_true(c.s[0].file_offset < c.s[1].file_offset);
	assert_true(c.s[2].file_offset < c.s[3].file_offset);
	assert_int_equal(session_stats(f.s)->nr_out_of_order, 0);
	tf_close(&f);
}

/* ---- (8) statistics ---- */

static void test_stats(void **state)
{
	struct collect c = { 0 };
	struct rec r;
	static struct tf f;

	(void)state;
	tf_open(&f, ST_BASE, true);
	w_sample(&f, USER, 0x1, 100, 100, 1);

	rec_start(&r, PERF_RECORD_LOST, 0);
	rec_u64(&r, 1);          /* id */
	rec_u64(&r, 3);          /* lost */
	trailer(&f, &r, 100, 100, 2);
	tf_write(&f, &r);
	rec_start(&r, PERF_RECORD_LOST, 0);
	rec_u64(&r, 1);
	rec_u64(&r, 40);
	trailer(&f, &r, 100, 100, 3);
	tf_write(&f, &r);
	rec_start(&r, PERF_RECORD_LOST_SAMPLES, 0);
	rec_u64(&r, 5);
	trailer(&f, &r, 100, 100, 4);
	tf_write(&f, &r);
	rec_start(&r, PERF_RECORD_LOST_SAMPLES, 0);
	rec_u64(&r, 600);
	trailer(&f, &r, 100, 100, 5);
	tf_write(&f, &r);

	/* A tool record type nobody knows, with some payload. */
	rec_start(&r, 120, 0);
	rec_u64(&r, 0x1122334455667788ULL);
	rec_u64(&r, 0);
	tf_write(&f, &r);
	/* A kernel record type beyond the ones we know. */
	rec_start(&r, 60, 0);
	rec_u64(&r, 0);
	trailer(&f, &r, 100, 100, 6);
	tf_write(&f, &r);

	/* A sample with ip, tid and time only: cpu and period are missing. */
	rec_start(&r, PERF_RECORD_SAMPLE, USER);
	rec_u64(&r, 0x2);
	rec_u32(&r, 100);
	rec_u32(&r, 100);
	rec_u64(&r, 7);
	tf_write(&f, &r);
	/* And one with ip only (no timestamp at all). */
	rec_start(&r, PERF_RECORD_SAMPLE, USER);
	rec_u64(&r, 0x3);
	tf_write(&f, &r);

	w_round(&f);
	w_sample(&f, USER, 0x4, 100, 100, 8);
	assert_int_equal(tf_process(&f, &c), 0);

	assert_int_equal(c.n, 2);
	assert_int_equal(c.s[0].ip, 0x1);
	assert_int_equal(c.s[1].ip, 0x4);
	assert_int_equal(session_stats(f.s)->nr_lost, 43);
	assert_int_equal(session_stats(f.s)->nr_lost_samples, 605);
	assert_int_equal(session_stats(f.s)->nr_unknown, 2);
	assert_int_equal(session_stats(f.s)->nr_bad_samples, 2);
	assert_int_equal(session_stats(f.s)->nr_samples, 2);
	assert_int_equal(session_stats(f.s)->nr_records, 11);
	assert_int_equal(session_stats(f.s)->nr_by_type[PERF_RECORD_SAMPLE], 4);
	assert_int_equal(session_stats(f.s)->nr_by_type[PERF_RECORD_LOST], 2);
	assert_int_equal(session_stats(f.s)->nr_by_type[PERF_RECORD_LOST_SAMPLES], 2);
	assert_int_equal(session_stats(f.s)->nr_by_type[120], 1);
	assert_int_equal(session_evsel(f.s, 0)->nr_samples, 2);
	assert_int_equal(session_evsel(f.s, 0)->total_period, 1001 + 1008);
	tf_close(&f);
}

/* perf record -z output: a clear error, not garbage. */
static void test_compressed(void **state)
{
	struct collect c = { 0 };
	struct rec r;
	static struct tf f;

	(void)state;
	tf_open(&f, ST_BASE, true);
	w_sample(&f, USER, 0x1, 100, 100, 1);
	rec_start(&r, PERF_RECORD_COMPRESSED, 0);
	rec_u64(&r, 0);
	tf_write(&f, &r);
	w_sample(&f, USER, 0x2, 100, 100, 2);
	assert_int_equal(tf_process(&f, &c), -ENOTSUP);
	assert_non_null(strstr(session_error(f.s), "compressed"));
	tf_close(&f);
}

/* Two events told apart by PERF_SAMPLE_IDENTIFIER. */
static void test_evsels_by_id(void **state)
{
	struct collect c = { 0 };
	static struct tf f;

	(void)state;
	tf_init(&f, ST_BASE | PERF_SAMPLE_IDENTIFIER, true);
	tf_attr(&f, "cycles", 11);
	tf_attr(&f, "instructions", 22);
	f.id = 22;
	w_comm(&f, 100, 100, "prog", false, 1);
	w_sample_cc(&f, USER, 0x10, 100, 100, 3, 5, NULL, 0);
	f.id = 11;
	w_sample_cc(&f, USER, 0x20, 100, 100, 2, 100, NULL, 0);
	f.id = 22;
	w_sample_cc(&f, USER, 0x30, 100, 100, 4, 7, NULL, 0);
	f.id = 99;                                   /* no such event */
	w_sample_cc(&f, USER, 0x40, 100, 100, 5, 1, NULL, 0);
	assert_int_equal(tf_process(&f, &c), 0);

	assert_int_equal(session_nr_evsels(f.s), 2);
	assert_null(session_evsel(f.s, 2));
	assert_int_equal(c.n, 3);
	assert_int_equal(c.s[0].ip, 0x20);
	assert_int_equal(c.s[0].evsel_idx, 0);
	assert_int_equal(c.s[0].id, 11);
	assert_int_equal(c.s[1].ip, 0x10);
	assert_int_equal(c.s[1].evsel_idx, 1);
	assert_int_equal(c.s[2].ip, 0x30);
	assert_int_equal(c.s[2].evsel_idx, 1);
	assert_string_equal(c.s[0].comm, "prog");
	assert_int_equal(session_evsel(f.s, 0)->nr_samples, 1);
	assert_int_equal(session_evsel(f.s, 0)->total_period, 100);
	assert_int_equal(session_evsel(f.s, 1)->nr_samples, 2);
	assert_int_equal(session_evsel(f.s, 1)->total_period, 12);
	assert_int_equal(session_stats(f.s)->nr_bad_samples, 1);
	tf_close(&f);
}

/* ---- (9) session_parse_sample ---- */

/* What a hand-built sample holds; the builder writes what attr selects. */
struct ps {
	uint64_t identifier, ip, time, addr, id, stream_id, period;
	uint32_t pid, tid, cpu, cpu_res;
	uint64_t time_enabled, time_running;
	size_t read_nr;                  /* counters (1 without GROUP) */
	uint64_t read_value[4], read_id[4], read_lost[4];
	const uint64_t *chain;
	uint64_t nr_chain;
	const uint8_t *raw;
	uint32_t raw_size;               /* 4 + raw_size is a multiple of 8 */
	uint64_t nr_branch, hw_idx;
	uint64_t regs_abi;
	const uint64_t *regs;            /* popcount(sample_regs_user) of them */
	uint64_t stack_size, stack_dyn;
	const uint8_t *stack;
	uint64_t weight, data_src, txn, intr_abi;
	const uint64_t *intr_regs;
};

struct sbuf {
	uint8_t b[4096];
	size_t n;
};

static void sb_put(struct sbuf *s, const void *p, size_t n)
{
	assert_true(s->n + n <= sizeof(s->b));
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void sb_u64(struct sbuf *s, uint64_t v)
{
	sb_put(s, &v, 8);
}

static void sb_u32(struct sbuf *s, uint32_t v)
{
	sb_put(s, &v, 4);
}

/* The sample body in the order of perf_event.h's PERF_RECORD_SAMPLE comment. */
static void build_sample(const struct perf_event_attr *a, const struct ps *v, struct sbuf *s)
{
	uint64_t t = a->sample_type, fmt = a->read_format;
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE, .misc = USER };
	uint16_t size;

	s->n = 0;
	sb_put(s, &h, sizeof(h));
	if (t & PERF_SAMPLE_IDENTIFIER)
		sb_u64(s, v->identifier);
	if (t & PERF_SAMPLE_IP)
		sb_u64(s, v->ip);
	if (t & PERF_SAMPLE_TID) {
		sb_u32(s, v->pid);
		sb_u32(s, v->tid);
	}
	if (t & PERF_SAMPLE_TIME)
		sb_u64(s, v->time);
	if (t & PERF_SAMPLE_ADDR)
		sb_u64(s, v->addr);
	if (t & PERF_SAMPLE_ID)
		sb_u64(s, v->id);
	if (t & PERF_SAMPLE_STREAM_ID)
		sb_u64(s, v->stream_id);
	if (t & PERF_SAMPLE_CPU) {
		sb_u32(s, v->cpu);
		sb_u32(s, v->cpu_res);
	}
	if (t & PERF_SAMPLE_PERIOD)
		sb_u64(s, v->period);
	if (t & PERF_SAMPLE_READ) {
		if (fmt & PERF_FORMAT_GROUP)
			sb_u64(s, v->read_nr);
		else
			sb_u64(s, v->read_value[0]);
		if (fmt & PERF_FORMAT_TOTAL_TIME_ENABLED)
			sb_u64(s, v->time_enabled);
		if (fmt & PERF_FORMAT_TOTAL_TIME_RUNNING)
			sb_u64(s, v->time_running);
		for (size_t i = 0; i < v->read_nr; i++) {
			if (fmt & PERF_FORMAT_GROUP)
				sb_u64(s, v->read_value[i]);
			if (fmt & PERF_FORMAT_ID)
				sb_u64(s, v->read_id[i]);
			if (fmt & PERF_FORMAT_LOST)
				sb_u64(s, v->read_lost[i]);
		}
	}
	if (t & PERF_SAMPLE_CALLCHAIN) {
		sb_u64(s, v->nr_chain);
		sb_put(s, v->chain, v->nr_chain * 8);
	}
	if (t & PERF_SAMPLE_RAW) {
		sb_u32(s, v->raw_size);
		sb_put(s, v->raw, v->raw_size);
	}
	if (t & PERF_SAMPLE_BRANCH_STACK) {
		sb_u64(s, v->nr_branch);
		if (a->branch_sample_type & PERF_SAMPLE_BRANCH_HW_INDEX)
			sb_u64(s, v->hw_idx);
		for (uint64_t i = 0; i < v->nr_branch; i++) {
			sb_u64(s, 0x1000 + i);           /* from */
			sb_u64(s, 0x2000 + i);           /* to */
			sb_u64(s, 0x5);                  /* flags */
		}
	}
	if (t & PERF_SAMPLE_REGS_USER) {
		sb_u64(s, v->regs_abi);
		if (v->regs_abi)
			sb_put(s, v->regs, 8 * (size_t)__builtin_popcountll(a->sample_regs_user));
	}
	if (t & PERF_SAMPLE_STACK_USER) {
		sb_u64(s, v->stack_size);
		if (v->stack_size) {
			sb_put(s, v->stack, v->stack_size);
			sb_u64(s, v->stack_dyn);
		}
	}
	if (t & PERF_SAMPLE_WEIGHT_TYPE)
		sb_u64(s, v->weight);
	if (t & PERF_SAMPLE_DATA_SRC)
		sb_u64(s, v->data_src);
	if (t & PERF_SAMPLE_TRANSACTION)
		sb_u64(s, v->txn);
	if (t & PERF_SAMPLE_REGS_INTR) {
		sb_u64(s, v->intr_abi);
		if (v->intr_abi)
			sb_put(s, v->intr_regs, 8 * (size_t)__builtin_popcountll(a->sample_regs_intr));
	}
	size = (uint16_t)s->n;
	memcpy(s->b + offsetof(struct perf_event_header, size), &size, 2);
}

/* Parse a copy of exactly n bytes (so ASan sees any read past it). */
static int parse_copy(const struct perf_event_attr *a, const struct sbuf *s, size_t n,
		      struct session_sample *out, uint8_t **keep)
{
	uint8_t *p = malloc(n);
	uint16_t size = (uint16_t)n;
	int ret;

	assert_non_null(p);
	memcpy(p, s->b, n);
	memcpy(p + offsetof(struct perf_event_header, size), &size, 2);
	ret = session_parse_sample(a, (const struct perf_event_header *)p, out);
	if (keep)
		*keep = p;
	else
		free(p);
	return ret;
}

/* Every field the attr selects comes back; every cut-short copy fails. */
static void check_parse(const struct perf_event_attr *a, const struct ps *v)
{
	uint64_t t = a->sample_type;
	struct session_sample out;
	struct sbuf s;
	uint8_t *p;

	build_sample(a, v, &s);
	assert_int_equal(parse_copy(a, &s, s.n, &out, &p), 0);
	assert_ptr_equal(out.header, p);
	assert_int_equal(out.cpumode, USER);
	if (t & PERF_SAMPLE_IP)
		assert_int_equal(out.ip, v->ip);
	if (t & PERF_SAMPLE_TID) {
		assert_int_equal(out.pid, v->pid);
		assert_int_equal(out.tid, v->tid);
	}
	if (t & PERF_SAMPLE_TIME)
		assert_int_equal(out.time, v->time);
	if (t & PERF_SAMPLE_ADDR)
		assert_int_equal(out.addr, v->addr);
	if (t & PERF_SAMPLE_ID)
		assert_int_equal(out.id, v->id);
	else if (t & PERF_SAMPLE_IDENTIFIER)
		assert_int_equal(out.id, v->identifier);
	if (t & PERF_SAMPLE_STREAM_ID)
		assert_int_equal(out.stream_id, v->stream_id);
	if (t & PERF_SAMPLE_CPU)
		assert_int_equal(out.cpu, v->cpu);
	if (t & PERF_SAMPLE_PERIOD)
		assert_int_equal(out.period, v->period);
	if (t & PERF_SAMPLE_CALLCHAIN) {
		assert_int_equal(out.nr_callchain, v->nr_chain);
		if (v->nr_chain) {
			assert_non_null(out.callchain);
			assert_memory_equal(out.callchain, v->chain, v->nr_chain * 8);
		}
	} else {
		assert_null(out.callchain);
	}
	if (t & PERF_SAMPLE_RAW) {
		assert_int_equal(out.raw_size, v->raw_size);
		assert_non_null(out.raw);
		assert_memory_equal(out.raw, v->raw, v->raw_size);
	} else {
		assert_null(out.raw);
	}
	if (t & PERF_SAMPLE_REGS_USER) {
		assert_int_equal(out.regs_abi, v->regs_abi);
		if (v->regs_abi) {
			size_t n = (size_t)__builtin_popcountll(a->sample_regs_user);

			assert_int_equal(out.regs_mask, a->sample_regs_user);
			assert_non_null(out.regs);
			assert_memory_equal(out.regs, v->regs, n * 8);
		} else {
			assert_null(out.regs);
		}
	} else {
		assert_null(out.regs);
	}
	if ((t & PERF_SAMPLE_STACK_USER) && v->stack_size) {
		uint64_t valid = v->stack_dyn < v->stack_size ? v->stack_dyn : v->stack_size;

		assert_non_null(out.stack);
		assert_int_equal(out.stack_size, valid);
		assert_memory_equal(out.stack, v->stack, valid);
	} else {
		assert_null(out.stack);
		assert_int_equal(out.stack_size, 0);
	}
	free(p);

	/* Extra bytes after the last field are not an error. */
	{
		struct sbuf longer = s;
		uint16_t size;

		sb_u64(&longer, 0xfeedfacecafebeefULL);
		size = (uint16_t)longer.n;
		memcpy(longer.b + offsetof(struct perf_event_header, size), &size, 2);
		assert_int_equal(parse_copy(a, &longer, longer.n, &out, NULL), 0);
	}

	for (size_t cut = 1; cut <= s.n - sizeof(struct perf_event_header); cut++) {
		int ret = parse_copy(a, &s, s.n - cut, &out, NULL);

		if (ret != -EINVAL)
			fail_msg("sample_type %#llx read_format %#llx: %zu of %zu bytes parsed "
				 "(%d), want -EINVAL", (unsigned long long)t,
				 (unsigned long long)a->read_format, s.n - cut, s.n, ret);
	}
}

static void attr_init(struct perf_event_attr *a, uint64_t sample_type)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->sample_type = sample_type;
}

static const uint64_t p_chain[] = { PERF_CONTEXT_KERNEL, 0xffffffff81000123ULL,
				    PERF_CONTEXT_USER, 0x401000, 0x402000 };
static const uint8_t p_raw[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static const uint64_t p_regs[3] = { 0x1111, 0x2222, 0x3333 };
static uint8_t p_stack[64];

static void ps_init(struct ps *v)
{
	memset(v, 0, sizeof(*v));
	v->identifier = v->id = 0x77;
	v->ip = 0x401234;
	v->pid = 4242;
	v->tid = 4243;
	v->time = 123456789;
	v->addr = 0xdeadbeef;
	v->stream_id = 0x88;
	v->cpu = 5;
	v->cpu_res = 0xdead;      /* reserved half: must not leak into cpu */
	v->period = 250000;
	v->read_nr = 1;
	for (size_t i = 0; i < 4; i++) {
		v->read_value[i] = 1000 + i;
		v->read_id[i] = 2000 + i;
		v->read_lost[i] = 3000 + i;
	}
	v->time_enabled = 50;
	v->time_running = 40;
	v->chain = p_chain;
	v->nr_chain = ARRAY_SIZE(p_chain);
	v->raw = p_raw;
	v->raw_size = sizeof(p_raw);
	v->nr_branch = 2;
	v->hw_idx = 9;
	v->regs_abi = PERF_SAMPLE_REGS_ABI_64;
	v->regs = p_regs;
	for (size_t i = 0; i < sizeof(p_stack); i++)
		p_stack[i] = (uint8_t)(0xa0 + i);
	v->stack = p_stack;
	v->stack_size = sizeof(p_stack);
	v->stack_dyn = 40;
	v->weight = 3;
	v->data_src = 4;
	v->txn = 5;
	v->intr_abi = PERF_SAMPLE_REGS_ABI_64;
	v->intr_regs = p_regs;
}

/* One sample written out by hand, u64 by u64, to check the builder too. */
static void test_parse_literal(void **state)
{
	const uint64_t body[] = {
		0x77,                             /* IDENTIFIER */
		0x401234,                         /* IP */
		4242 | (uint64_t)4243 << 32,      /* pid, tid */
		123456789,                        /* TIME */
		0xdeadbeef,                       /* ADDR */
		0x77,                             /* ID */
		0x88,                             /* STREAM_ID */
		5 | (uint64_t)0xdead << 32,       /* cpu, res */
		250000,                           /* PERIOD */
	};
	struct perf_event_attr a;
	struct ps v;
	struct sbuf s;

	(void)state;
	attr_init(&a, PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			      PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID |
			      PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD);
	ps_init(&v);
	build_sample(&a, &v, &s);
	assert_int_equal(s.n, 8 + sizeof(body));
	assert_memory_equal(s.b + 8, body, sizeof(body));
	check_parse(&a, &v);
}

static void test_parse_read(void **state)
{
	struct perf_event_attr a;
	struct ps v;

	(void)state;
	/* One counter with every read_format field, then a callchain. */
	attr_init(&a, PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_READ |
			      PERF_SAMPLE_CALLCHAIN);
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING |
			PERF_FORMAT_ID | PERF_FORMAT_LOST;
	ps_init(&v);
	check_parse(&a, &v);

	/* Only the value. */
	a.read_format = 0;
	check_parse(&a, &v);

	/* A group of three with ids and time enabled, then callchain and raw. */
	attr_init(&a, PERF_SAMPLE_TID | PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ |
			      PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW);
	a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_ID;
	v.read_nr = 3;
	check_parse(&a, &v);

	/* A group of four with everything, then user regs. */
	attr_init(&a, PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ | PERF_SAMPLE_REGS_USER);
	a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
			PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID | PERF_FORMAT_LOST;
	a.sample_regs_user = (1ULL << 6) | (1ULL << 7) | (1ULL << 8);
	v.read_nr = 4;
	check_parse(&a, &v);

	/* A group of two values only. */
	a.read_format = PERF_FORMAT_GROUP;
	v.read_nr = 2;
	check_parse(&a, &v);

	/* An empty group: just nr. */
	v.read_nr = 0;
	check_parse(&a, &v);
}

static void test_parse_branch_regs_stack(void **state)
{
	struct perf_event_attr a;
	struct ps v;

	(void)state;
	attr_init(&a, PERF_SAMPLE_IP | PERF_SAMPLE_BRANCH_STACK | PERF_SAMPLE_REGS_USER |
			      PERF_SAMPLE_STACK_USER);
	a.sample_regs_user = (1ULL << 6) | (1ULL << 7) | (1ULL << 8);
	a.sample_stack_user = sizeof(p_stack);
	ps_init(&v);
	check_parse(&a, &v);

	/* hw_idx before the entries; regs with abi NONE; empty stack copy. */
	a.branch_sample_type = PERF_SAMPLE_BRANCH_ANY | PERF_SAMPLE_BRANCH_HW_INDEX;
	v.nr_branch = 1;
	v.regs_abi = PERF_SAMPLE_REGS_ABI_NONE;
	v.stack_size = 0;
	check_parse(&a, &v);

	/* No branches at all, a stack copy with all bytes valid. */
	v.nr_branch = 0;
	v.regs_abi = PERF_SAMPLE_REGS_ABI_64;
	v.stack_size = 32;
	v.stack_dyn = 32;
	check_parse(&a, &v);

	/* dyn_size larger than the copy: only the copy is valid. */
	v.stack_dyn = 1000;
	check_parse(&a, &v);
	{
		struct session_sample out;
		struct sbuf s;

		build_sample(&a, &v, &s);
		assert_int_equal(parse_copy(&a, &s, s.n, &out, NULL), 0);
		assert_int_equal(out.stack_size, 32);
	}
	/* dyn_size 0: nothing valid. */
	v.stack_dyn = 0;
	check_parse(&a, &v);
}

static void test_parse_everything(void **state)
{
	static const uint64_t intr[2] = { 0xabc, 0xdef };
	struct perf_event_attr a;
	struct ps v;

	(void)state;
	attr_init(&a, PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			      PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID |
			      PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
			      PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW |
			      PERF_SAMPLE_BRANCH_STACK | PERF_SAMPLE_REGS_USER |
			      PERF_SAMPLE_STACK_USER | PERF_SAMPLE_WEIGHT | PERF_SAMPLE_DATA_SRC |
			      PERF_SAMPLE_TRANSACTION | PERF_SAMPLE_REGS_INTR);
	a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_RUNNING;
	a.branch_sample_type = PERF_SAMPLE_BRANCH_ANY | PERF_SAMPLE_BRANCH_HW_INDEX;
	a.sample_regs_user = (1ULL << 0) | (1ULL << 6) | (1ULL << 16);
	a.sample_regs_intr = (1ULL << 2) | (1ULL << 3);
	a.sample_stack_user = sizeof(p_stack);
	ps_init(&v);
	v.read_nr = 2;
	v.nr_branch = 3;
	v.intr_regs = intr;
	check_parse(&a, &v);

	/* WEIGHT_STRUCT takes the same u64. */
	a.sample_type = (a.sample_type & ~(uint64_t)PERF_SAMPLE_WEIGHT) | PERF_SAMPLE_WEIGHT_STRUCT;
	check_parse(&a, &v);

	/* No fields at all: an empty body parses; cpu is perf's -1. */
	{
		struct session_sample out;
		struct sbuf s;

		attr_init(&a, 0);
		build_sample(&a, &v, &s);
		assert_int_equal(parse_copy(&a, &s, s.n, &out, NULL), 0);
		assert_int_equal(out.cpu, (uint32_t)-1);
		assert_null(out.callchain);
	}
}

/*
 * Without PERF_SAMPLE_PERIOD (perf record -c N) every sample stands for
 * the attr's fixed period, as perf's evsel__parse_sample assumes.
 */
static void test_parse_default_period(void **state)
{
	struct perf_event_attr a;
	struct session_sample out;
	struct sbuf s;
	struct ps v;

	(void)state;
	attr_init(&a, PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME);
	a.sample_period = 100003;
	ps_init(&v);
	build_sample(&a, &v, &s);
	assert_int_equal(parse_copy(&a, &s, s.n, &out, NULL), 0);
	assert_int_equal(out.ip, v.ip);
	assert_int_equal(out.period, 100003);
}

/* Counts from the input that would reach far past the record. */
static void test_parse_hostile_counts(void **state)
{
	static const uint64_t huge[] = { UINT64_MAX, UINT64_MAX / 8 + 1, 1ULL << 61, 1ULL << 32,
					 0x10000, 0x1000 };
	struct perf_event_attr a;
	struct session_sample out;
	struct sbuf s;
	struct ps v;

	(void)state;
	ps_init(&v);
	for (size_t i = 0; i < ARRAY_SIZE(huge); i++) {
		size_t at;

		/* callchain nr */
		attr_init(&a, PERF_SAMPLE_IP | PERF_SAMPLE_CALLCHAIN);
		build_sample(&a, &v, &s);
		at = 8 + 8;
		memcpy(s.b + at, &huge[i], 8);
		assert_int_equal(parse_copy(&a, &s, s.n, &out, NULL), -EINVAL);

		/* branch nr */
		attr_init(&a, PERF_SAMPLE_IP | PERF_SAMPLE_BRANCH_STACK);
		build_sample(&a, &v, &s);
		memcpy(s.b + at, &huge[i], 8);
		assert_int_equal(parse_copy(&a, &s, s.n, &out, NULL), -EINVAL);

		/* read group nr */
		attr_init(&a, PERF_SAMPLE_IP | PERF_SAMPLE_READ);
		a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID;
		build_sample(&a, &v, &s);
		memcpy(s.b + at, &huge[i], 8);
		assert_int_equal(parse_copy(&a, &s, s.n, &out, NULL), -EINVAL);

		/* stack size */
		attr_init(&a, PERF_SAMPLE_IP | PERF_SAMPLE_STACK_USER);
		build_sample(&a, &v, &s);
		memcpy(s.b + at, &huge[i], 8);
		assert_int_equal(parse_copy(&a, &s, s.n, &out, NULL), -EINVAL);

		/* raw size */
		{
			uint32_t size = (uint32_t)huge[i] | 0x100;

			attr_init(&a, PERF_SAMPLE_IP | PERF_SAMPLE_RAW);
			build_sample(&a, &v, &s);
			memcpy(s.b + at, &size, 4);
			assert_int_equal(parse_copy(&a, &s, s.n, &out, NULL), -EINVAL);
		}
	}
	/* More user registers in the mask than in the record. */
	attr_init(&a, PERF_SAMPLE_IP | PERF_SAMPLE_REGS_USER);
	a.sample_regs_user = 0x7;
	build_sample(&a, &v, &s);
	a.sample_regs_user = UINT64_MAX;
	assert_int_equal(parse_copy(&a, &s, s.n, &out, NULL), -EINVAL);
	/* The same for interrupt registers. */
	attr_init(&a, PERF_SAMPLE_IP | PERF_SAMPLE_REGS_INTR);
	a.sample_regs_intr = 0x3;
	build_sample(&a, &v, &s);
	a.sample_regs_intr = UINT64_MAX;
	assert_int_equal(parse_copy(&a, &s, s.n, &out, NULL), -EINVAL);
}

static int cleanup(void **state)
{
	(void)state;
	if (live_tf)
		tf_close(live_tf);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_order_rounds, cleanup),
		cmocka_unit_test_teardown(test_order_late_record, cleanup),
		cmocka_unit_test_teardown(test_order_many_rounds, cleanup),
		cmocka_unit_test_teardown(test_order_many_rounds_pipe, cleanup),
		cmocka_unit_test_teardown(test_maps_replace, cleanup),
		cmocka_unit_test_teardown(test_maps_replace_shuffled, cleanup),
		cmocka_unit_test_teardown(test_maps_replace_pipe, cleanup),
		cmocka_unit_test_teardown(test_maps_split, cleanup),
		cmocka_unit_test_teardown(test_exec, cleanup),
		cmocka_unit_test_teardown(test_fork_threads, cleanup),
		cmocka_unit_test_teardown(test_callchain, cleanup),
		cmocka_unit_test_teardown(test_unwinder_kernel_sample, cleanup),
		cmocka_unit_test_teardown(test_unwinder_user_sample, cleanup),
		cmocka_unit_test_teardown(test_no_timestamps, cleanup),
		cmocka_unit_test_teardown(test_stats, cleanup),
		cmocka_unit_test_teardown(test_compressed, cleanup),
		cmocka_unit_test_teardown(test_evsels_by_id, cleanup),
		cmocka_unit_test_teardown(test_parse_literal, cleanup),
		cmocka_unit_test_teardown(test_parse_read, cleanup),
		cmocka_unit_test_teardown(test_parse_branch_regs_stack, cleanup),
		cmocka_unit_test_teardown(test_parse_everything, cleanup),
		cmocka_unit_test_teardown(test_parse_hostile_counts, cleanup),
		cmocka_unit_test_teardown(test_parse_default_period, cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
