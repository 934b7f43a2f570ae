/*
 * Unit tests of `sframetrace record`'s event setup (cmd/record_events.c,
 * compiled into this test with cmd/record_track.c and cmd/cmd_record.c):
 * the perf_event_attr built for each call-graph mode, the raw flag word
 * that carries defer_callchain/defer_output (kernel-abi.md), the
 * --call-graph parser, and the defer -> sframe fallback on kernels
 * without deferred callchains.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "builtin.h"
#include "record.h"

/* cmd_record.c links against main.c's help helper; not exercised here. */
int cmd_show_help(const char *cmd, const char *usage)
{
	(void)cmd;
	(void)usage;
	return 0;
}

#define ST_BASE (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | \
		 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD)
#define ST_STACK (PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER)

/* x86_64 perf register numbers, written out here rather than shared. */
#define REG_BP 6
#define REG_SP 7
#define REG_IP 8

static uint64_t flag_word(const struct perf_event_attr *a)
{
	uint64_t w;

	memcpy(&w, (const char *)a + 40, sizeof(w));
	return w;
}

/* A record as cmd_record() leaves it after option parsing: one workload. */
static void fill_record(struct record *r, enum record_cg cg, int nr_attrs)
{
	static char *argv[] = { "./hot", NULL };

	memset(r, 0, sizeof(*r));
	r->opts.freq = RECORD_DEFAULT_FREQ;
	r->opts.stack_size = RECORD_DEFAULT_STACK;
	r->opts.argv = argv;
	r->opts.argc = 1;
	r->opts.output = "perf.data";
	r->cg = cg;
	r->nr_attrs = nr_attrs;
}

static void build_attr(const struct record *r, struct perf_event_attr *a, bool tracking)
{
	memset(a, 0, sizeof(*a));
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	record_init_attr(r, a, tracking);
}

/* What every mode shares for a launched workload sampled at -F 4000. */
static void check_common(const struct perf_event_attr *a, bool tracking)
{
	assert_int_equal(a->size, sizeof(*a));
	assert_int_equal(a->type, PERF_TYPE_SOFTWARE);
	assert_int_equal(a->config, PERF_COUNT_SW_CPU_CLOCK);
	assert_int_equal(a->disabled, 1);
	assert_int_equal(a->inherit, 1);
	assert_int_equal(a->enable_on_exec, 1);
	assert_int_equal(a->sample_id_all, 1);
	assert_int_equal(a->freq, 1);
	assert_int_equal(a->sample_freq, RECORD_DEFAULT_FREQ);
	assert_int_equal(a->mmap, tracking);
	assert_int_equal(a->mmap2, tracking);
	assert_int_equal(a->comm, tracking);
	assert_int_equal(a->comm_exec, tracking);
	assert_int_equal(a->task, tracking);
	assert_int_equal(a->exclude_kernel, 0);
	assert_int_equal(a->exclude_user, 0);
}

static void test_attr_none(void **state)
{
	struct record r;
	struct perf_event_attr a;

	(void)state;
	fill_record(&r, RECORD_CG_NONE, 1);
	build_attr(&r, &a, true);
	check_common(&a, true);
	assert_int_equal(a.sample_type, ST_BASE);
	assert_int_equal(a.sample_regs_user, 0);
	assert_int_equal(a.sample_stack_user, 0);
	assert_int_equal(a.exclude_callchain_user, 0);
	assert_int_equal(a.mmap_data, 0);
	assert_false(event_attr_flag_bit(&a, EVENT_ATTR_BIT_DEFER_CALLCHAIN));
	assert_false(event_attr_flag_bit(&a, EVENT_ATTR_BIT_DEFER_OUTPUT));
}

static void test_attr_fp(void **state)
{
	struct record r;
	struct perf_event_attr a;

	(void)state;
	fill_record(&r, RECORD_CG_FP, 1);
	build_attr(&r, &a, true);
	check_common(&a, true);
	assert_int_equal(a.sample_type, ST_BASE | PERF_SAMPLE_CALLCHAIN);
	assert_int_equal(a.sample_regs_user, 0);
	assert_int_equal(a.sample_stack_user, 0);
	assert_int_equal(a.exclude_callchain_user, 0);
	assert_int_equal(a.exclude_callchain_kernel, 0);
	assert_false(event_attr_flag_bit(&a, EVENT_ATTR_BIT_DEFER_CALLCHAIN));
	assert_false(event_attr_flag_bit(&a, EVENT_ATTR_BIT_DEFER_OUTPUT));
}

static void test_attr_sframe(void **state)
{
	struct record r;
	struct perf_event_attr a;

	(void)state;
	fill_record(&r, RECORD_CG_SFRAME, 1);
	r.opts.stack_size = 4096;
	build_attr(&r, &a, true);
	check_common(&a, true);
	assert_int_equal(a.sample_type, ST_BASE | ST_STACK);
	assert_int_equal(a.sample_regs_user,
			 (1ULL << REG_BP) | (1ULL << REG_SP) | (1ULL << REG_IP));
	assert_int_equal(a.sample_regs_user, 0x1c0);
	assert_int_equal(a.sample_stack_user, 4096);
	/* The kernel's FP walk of FP-less code is noise: the copy replaces it. */
	assert_int_equal(a.exclude_callchain_user, 1);
	assert_int_equal(a.exclude_callchain_kernel, 0);
	assert_int_equal(a.mmap_data, 1);
	assert_false(event_attr_flag_bit(&a, EVENT_ATTR_BIT_DEFER_CALLCHAIN));

	/* A non-tracking event asks for no sideband, data mappings included. */
	build_attr(&r, &a, false);
	check_common(&a, false);
	assert_int_equal(a.sample_type, ST_BASE | ST_STACK);
	assert_int_equal(a.mmap_data, 0);
	assert_int_equal(a.sample_stack_user, 4096);
}

static void test_attr_dwarf(void **state)
{
	struct record r;
	struct perf_event_attr a;

	(void)state;
	fill_record(&r, RECORD_CG_DWARF, 1);
	r.opts.stack_size = RECORD_MAX_STACK;
	build_attr(&r, &a, true);
	check_common(&a, true);
	assert_int_equal(a.sample_type, ST_BASE | ST_STACK);
	/* perf's x86_64 mask: every GPR but ds/es/fs/gs (bits 12-15). */
	assert_int_equal(a.sample_regs_user, 0xff0fffULL);
	assert_int_equal(a.sample_stack_user, 65528);
	assert_int_equal(a.exclude_callchain_user, 1);
	assert_int_equal(a.mmap_data, 1);
}

static void test_attr_options(void **state)
{
	struct record r;
	struct perf_event_attr a;

	(void)state;
	/* -c N: a fixed period, no frequency. */
	fill_record(&r, RECORD_CG_NONE, 1);
	r.opts.freq = 0;
	r.opts.period = 100003;
	build_attr(&r, &a, true);
	assert_int_equal(a.freq, 0);
	assert_int_equal(a.sample_period, 100003);

	/* -F 999 */
	fill_record(&r, RECORD_CG_NONE, 1);
	r.opts.freq = 999;
	build_attr(&r, &a, true);
	assert_int_equal(a.freq, 1);
	assert_int_equal(a.sample_freq, 999);

	/* -i: no inheritance. */
	fill_record(&r, RECORD_CG_NONE, 1);
	r.opts.no_inherit = true;
	build_attr(&r, &a, true);
	assert_int_equal(a.inherit, 0);
	assert_int_equal(a.enable_on_exec, 1);

	/* -a with a command: enabled by record, not by the exec. */
	fill_record(&r, RECORD_CG_NONE, 1);
	r.opts.system_wide = true;
	build_attr(&r, &a, true);
	assert_int_equal(a.enable_on_exec, 0);
	assert_int_equal(a.disabled, 1);

	/* -p: no command, nothing to exec. */
	fill_record(&r, RECORD_CG_NONE, 1);
	r.opts.argc = 0;
	r.opts.argv = NULL;
	build_attr(&r, &a, true);
	assert_int_equal(a.enable_on_exec, 0);

	/* Several events: samples say which one they belong to. */
	fill_record(&r, RECORD_CG_FP, 2);
	build_attr(&r, &a, true);
	assert_int_equal(a.sample_type, ST_BASE | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_IDENTIFIER);
	build_attr(&r, &a, false);
	assert_int_equal(a.sample_type, ST_BASE | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_IDENTIFIER);
	assert_int_equal(a.mmap, 0);
}

static void test_attr_defer(void **state)
{
	struct record rfp, rdef;
	struct perf_event_attr fp_track, fp_other, def_track, def_other, want;
	uint64_t w;

	(void)state;
	fill_record(&rfp, RECORD_CG_FP, 2);
	fill_record(&rdef, RECORD_CG_DEFER, 2);
	build_attr(&rfp, &fp_track, true);
	build_attr(&rfp, &fp_other, false);
	build_attr(&rdef, &def_track, true);
	build_attr(&rdef, &def_other, false);

	/* Bit 38 defer_callchain on every event, bit 39 defer_output on the
	 * tracking one only: computed by hand from the fp attr's word. */
	w = flag_word(&fp_track);
	assert_int_equal(w & ((1ULL << 38) | (1ULL << 39)), 0);
	assert_int_equal(flag_word(&def_track), w | (1ULL << 38) | (1ULL << 39));
	w = flag_word(&fp_other);
	assert_int_equal(flag_word(&def_other), w | (1ULL << 38));
	assert_int_equal(flag_word(&def_other) & (1ULL << 39), 0);

	/* And nothing else in the attr differs from the fp one. */
	want = fp_track;
	w = flag_word(&fp_track) | (1ULL << 38) | (1ULL << 39);
	memcpy((char *)&want + 40, &w, sizeof(w));
	assert_memory_equal(&want, &def_track, sizeof(want));
	want = fp_other;
	w = flag_word(&fp_other) | (1ULL << 38);
	memcpy((char *)&want + 40, &w, sizeof(w));
	assert_memory_equal(&want, &def_other, sizeof(want));

	assert_true(event_attr_flag_bit(&def_track, EVENT_ATTR_BIT_DEFER_CALLCHAIN));
	assert_true(event_attr_flag_bit(&def_track, EVENT_ATTR_BIT_DEFER_OUTPUT));
	assert_true(event_attr_flag_bit(&def_other, EVENT_ATTR_BIT_DEFER_CALLCHAIN));
	assert_false(event_attr_flag_bit(&def_other, EVENT_ATTR_BIT_DEFER_OUTPUT));
	/* The user callchain is what deferral delivers: it must be wanted. */
	assert_int_equal(def_track.exclude_callchain_user, 0);
	assert_int_equal(def_track.sample_type, ST_BASE | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_IDENTIFIER);
}

static void test_flag_bits(void **state)
{
	struct perf_event_attr a, b;
	unsigned int bit;

	(void)state;
	assert_int_equal(EVENT_ATTR_FLAGS_OFFSET, 40);
	assert_int_equal(EVENT_ATTR_BIT_DEFER_CALLCHAIN, 38);
	assert_int_equal(EVENT_ATTR_BIT_DEFER_OUTPUT, 39);

	/* The word at offset 40 is the one of the named bitfields. */
	memset(&a, 0, sizeof(a));
	event_attr_set_flag_bit(&a, 0, true);
	assert_int_equal(a.disabled, 1);
	event_attr_set_flag_bit(&a, 1, true);
	assert_int_equal(a.inherit, 1);
	event_attr_set_flag_bit(&a, 37, true);
	assert_int_equal(a.sigtrap, 1);
	assert_int_equal(flag_word(&a), (1ULL << 0) | (1ULL << 1) | (1ULL << 37));

	/* Each bit alone, set then cleared, touching nothing else. */
	for (bit = 0; bit < 64; bit++) {
		memset(&a, 0xa5, sizeof(a));
		b = a;
		event_attr_set_flag_bit(&a, bit, true);
		assert_true(event_attr_flag_bit(&a, bit));
		assert_int_equal(flag_word(&a), flag_word(&b) | (1ULL << bit));
		event_attr_set_flag_bit(&a, bit, false);
		assert_false(event_attr_flag_bit(&a, bit));
		assert_int_equal(flag_word(&a), flag_word(&b) & ~(1ULL << bit));
		/* Bytes outside the word never change. */
		assert_memory_equal(&a, &b, 40);
		assert_memory_equal((char *)&a + 48, (char *)&b + 48, sizeof(a) - 48);
	}
}

static int parse(const char *arg, struct record_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cg = RECORD_CG_NONE;
	return record_parse_call_graph(arg, o);
}

static void test_parse_call_graph(void **state)
{
	struct record_opts o;

	(void)state;
	assert_int_equal(parse("fp", &o), 0);
	assert_int_equal(o.cg, RECORD_CG_FP);
	assert_int_equal(parse("defer", &o), 0);
	assert_int_equal(o.cg, RECORD_CG_DEFER);
	assert_int_equal(parse("fp,defer", &o), 0);
	assert_int_equal(o.cg, RECORD_CG_DEFER);
	assert_int_equal(parse("auto", &o), 0);
	assert_int_equal(o.cg, RECORD_CG_AUTO);

	assert_int_equal(parse("sframe", &o), 0);
	assert_int_equal(o.cg, RECORD_CG_SFRAME);
	assert_int_equal(o.stack_size, RECORD_DEFAULT_STACK);
	assert_int_equal(o.stack_size, 8192);
	assert_int_equal(parse("sframe,4096", &o), 0);
	assert_int_equal(o.cg, RECORD_CG_SFRAME);
	assert_int_equal(o.stack_size, 4096);
	assert_int_equal(parse("dwarf", &o), 0);
	assert_int_equal(o.cg, RECORD_CG_DWARF);
	assert_int_equal(o.stack_size, 8192);
	assert_int_equal(parse("dwarf,65528", &o), 0);
	assert_int_equal(o.cg, RECORD_CG_DWARF);
	assert_int_equal(o.stack_size, 65528);

	/* Sizes round up to 8. */
	assert_int_equal(parse("sframe,4097", &o), 0);
	assert_int_equal(o.stack_size, 4104);
	assert_int_equal(parse("dwarf,1", &o), 0);
	assert_int_equal(o.stack_size, 8);
	assert_int_equal(parse("dwarf,65521", &o), 0);
	assert_int_equal(o.stack_size, 65528);

	/* Too big, also after rounding. */
	assert_int_equal(parse("dwarf,70000", &o), -ERANGE);
	assert_int_equal(parse("dwarf,65529", &o), -ERANGE);
	assert_int_equal(parse("sframe,65536", &o), -ERANGE);

	assert_int_equal(parse("bogus", &o), -EINVAL);
	assert_int_equal(parse("", &o), -EINVAL);
	assert_int_equal(parse("FP", &o), -EINVAL);
	assert_int_equal(parse("sframe,", &o), -EINVAL);
	assert_int_equal(parse("sframe,0", &o), -EINVAL);
	assert_int_equal(parse("sframe,12k", &o), -EINVAL);
	assert_int_equal(parse("dwarf,8192,1", &o), -EINVAL);
	assert_int_equal(parse("lbr", &o), -EINVAL);
}

/* A size that is no size must not turn into a tiny or zero stack copy. */
static void test_parse_call_graph_negative(void **state)
{
	struct record_opts o;
	int ret;

	(void)state;
	ret = parse("dwarf,-4", &o);
	if (ret == 0)
		fail_msg("dwarf,-4 accepted with stack size %u", o.stack_size);
	ret = parse("sframe,-8", &o);
	if (ret == 0)
		fail_msg("sframe,-8 accepted with stack size %u", o.stack_size);
	ret = parse("dwarf,18446744073709551615", &o);
	if (ret == 0)
		fail_msg("dwarf,2^64-1 accepted with stack size %u", o.stack_size);
}

static void test_cg_names(void **state)
{
	(void)state;
	assert_string_equal(record_cg_name(RECORD_CG_NONE), "none");
	assert_string_equal(record_cg_name(RECORD_CG_FP), "fp");
	assert_string_equal(record_cg_name(RECORD_CG_DEFER), "fp,defer");
	assert_string_equal(record_cg_name(RECORD_CG_SFRAME), "sframe");
	assert_string_equal(record_cg_name(RECORD_CG_DWARF), "dwarf");
	assert_string_equal(record_cg_name(RECORD_CG_AUTO), "auto");
}

/*
 * The fallback path: this test's machine (Linux 6.18) has no deferred
 * callchains, so the probe fails with EINVAL, -g resolves to sframe and an
 * explicit defer is refused. On a kernel with the feature, -g must pick
 * fp,defer instead.
 */
static int probe_defer(void)
{
	return event_probe_defer_callchain();
}

static void test_probe_defer(void **state)
{
	int ret = probe_defer();

	(void)state;
	if (ret == -EACCES || ret == -EPERM) {
		print_message("skip: perf_event_open not permitted (%s)\n", strerror(-ret));
		skip();
	}
	if (ret == 0) {
		print_message("skip: this kernel has defer_callchain; the EINVAL path is not reachable\n");
		skip();
	}
	assert_int_equal(ret, -EINVAL);
}

static void setup_opts(struct record *r, enum record_cg cg)
{
	static const char *ev = "cpu-clock";
	static char *argv[] = { "./hot", NULL };

	memset(r, 0, sizeof(*r));
	r->opts.events[0] = ev;
	r->opts.nr_events = 1;
	r->opts.freq = RECORD_DEFAULT_FREQ;
	r->opts.stack_size = RECORD_DEFAULT_STACK;
	r->opts.cg = cg;
	r->opts.cg_explicit = cg != RECORD_CG_AUTO;
	r->opts.quiet = true;
	r->opts.argv = argv;
	r->opts.argc = 1;
}

static void test_fallback(void **state)
{
	struct record r;
	int defer = probe_defer();

	(void)state;
	if (defer == -EACCES || defer == -EPERM) {
		print_message("skip: perf_event_open not permitted (%s)\n", strerror(-defer));
		skip();
	}

	setup_opts(&r, RECORD_CG_AUTO);
	assert_int_equal(record_setup_events(&r), 0);
	assert_int_equal(r.nr_attrs, 1);
	assert_string_equal(r.names[0], "cpu-clock");
	if (defer == 0) {
		assert_int_equal(r.cg, RECORD_CG_DEFER);
		assert_int_equal(r.opts.mmap_pages, RECORD_DEFAULT_PAGES);
	} else {
		assert_int_equal(r.cg, RECORD_CG_SFRAME);
		/* stack copies get the deeper buffer */
		assert_int_equal(r.opts.mmap_pages, 2 * RECORD_DEFAULT_PAGES);
		assert_int_equal(r.opts.stack_size, RECORD_DEFAULT_STACK);
	}

	setup_opts(&r, RECORD_CG_DEFER);
	if (defer == 0)
		assert_int_equal(record_setup_events(&r), 0);
	else
		assert_int_equal(record_setup_events(&r), -ECANCELED);

	/* Explicit modes are taken as given, whatever the kernel has. */
	setup_opts(&r, RECORD_CG_FP);
	assert_int_equal(record_setup_events(&r), 0);
	assert_int_equal(r.cg, RECORD_CG_FP);
	setup_opts(&r, RECORD_CG_DWARF);
	assert_int_equal(record_setup_events(&r), 0);
	assert_int_equal(r.cg, RECORD_CG_DWARF);
	setup_opts(&r, RECORD_CG_NONE);
	assert_int_equal(record_setup_events(&r), 0);
	assert_int_equal(r.cg, RECORD_CG_NONE);

	/* -t implies no inheritance. */
	setup_opts(&r, RECORD_CG_NONE);
	r.opts.per_tid = true;
	assert_int_equal(record_setup_events(&r), 0);
	assert_true(r.opts.no_inherit);
}

/*
 * record_track's deferred counters, which drive record's warnings: a
 * sample is counted when its callchain ends with the marker and a cookie;
 * a deferred record is short when it has at most RECORD_DEFER_SHORT_FRAMES
 * user frames, a leading PERF_CONTEXT_USER (patch versions) not counted.
 */
static void put_u64(uint8_t *b, size_t *n, uint64_t v)
{
	memcpy(b + *n, &v, 8);
	*n += 8;
}

static void feed(struct record_track *t, uint8_t *b, size_t n, uint32_t type)
{
	struct perf_event_header h = { .type = type, .misc = PERF_RECORD_MISC_USER,
				       .size = (uint16_t)n };

	memcpy(b, &h, sizeof(h));
	record_track_event(t, (const struct perf_event_header *)b);
}

static void sample(struct record_track *t, const uint64_t *chain, uint64_t nr,
		   uint64_t nr_claimed)
{
	uint64_t b64[32];
	uint8_t *b = (uint8_t *)b64;
	size_t n = 8;

	put_u64(b, &n, 0x401000);                 /* ip */
	put_u64(b, &n, 100 | (100ULL << 32));     /* pid, tid */
	put_u64(b, &n, 5000);                     /* time */
	put_u64(b, &n, 1);                        /* cpu, res */
	put_u64(b, &n, 1000000);                  /* period */
	put_u64(b, &n, nr_claimed);
	for (uint64_t i = 0; i < nr; i++)
		put_u64(b, &n, chain[i]);
	feed(t, b, n, PERF_RECORD_SAMPLE);
}

static void deferred(struct record_track *t, const uint64_t *ips, uint64_t nr)
{
	uint64_t b64[32];
	uint8_t *b = (uint8_t *)b64;
	size_t n = 8;

	put_u64(b, &n, 0x500000001ULL);           /* cookie */
	put_u64(b, &n, nr);
	for (uint64_t i = 0; i < nr; i++)
		put_u64(b, &n, ips[i]);
	put_u64(b, &n, 100 | (100ULL << 32));     /* sample_id: tid, time */
	put_u64(b, &n, 5100);
	feed(t, b, n, PERF_RECORD_CALLCHAIN_DEFERRED_TYPE);
}

static void test_track_deferred(void **state)
{
	const uint64_t marked[] = { PERF_CONTEXT_KERNEL, 0xffffffff81000000ULL,
				    PERF_CONTEXT_USER_DEFERRED_MARK, 0x500000001ULL };
	const uint64_t inline_user[] = { PERF_CONTEXT_USER, 0x401000, 0x401100 };
	const uint64_t two[] = { 0x401000, 0x401100 };
	const uint64_t two_ctx[] = { PERF_CONTEXT_USER, 0x401000, 0x401100 };
	const uint64_t four[] = { 0x401000, 0x401100, 0x401200, 0x401300 };
	struct record_track t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.sample_type = ST_BASE | PERF_SAMPLE_CALLCHAIN;
	sample(&t, marked, 4, 4);
	sample(&t, marked, 4, 4);
	sample(&t, inline_user, 3, 3);
	/* A callchain whose nr runs past the record is not looked into. */
	sample(&t, marked, 4, 6);
	deferred(&t, two, 2);
	deferred(&t, two_ctx, 3);
	deferred(&t, four, 4);
	assert_int_equal(t.samples, 4);
	assert_int_equal(t.deferred_samples, 2);
	assert_int_equal(t.deferred, 3);
	assert_int_equal(t.deferred_short, 2);
	record_track_exit(&t);
}

static int count_emit(void *arg, const void *rec, size_t len)
{
	(void)rec;
	(void)len;
	++*(int *)arg;
	return 0;
}

/*
 * A process that exits between record's readdir of /proc and its look at
 * /proc/PID/task is skipped, not an error: record -a used to fail whenever
 * a short-lived process came and went during startup.
 */
static void test_synth_vanished_process(void **state)
{
	struct event_synth s = { .sample_type = 0, .emit = count_emit };
	int n = 0;
	pid_t pid;
	int status;

	(void)state;
	s.arg = &n;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(event_synth_process(&s, pid), 0);
	assert_int_equal(n, 0);
	/* This process itself is described: a COMM and its executable maps. */
	assert_int_equal(event_synth_process(&s, getpid()), 0);
	assert_true(n >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attr_none),
		cmocka_unit_test(test_attr_fp),
		cmocka_unit_test(test_attr_sframe),
		cmocka_unit_test(test_attr_dwarf),
		cmocka_unit_test(test_attr_options),
		cmocka_unit_test(test_attr_defer),
		cmocka_unit_test(test_flag_bits),
		cmocka_unit_test(test_parse_call_graph),
		cmocka_unit_test(test_parse_call_graph_negative),
		cmocka_unit_test(test_cg_names),
		cmocka_unit_test(test_probe_defer),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_track_deferred),
		cmocka_unit_test(test_synth_vanished_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
