/*
 * Unit tests of the perf.data writer (lib/data/data_writer.c and
 * data_features.c): a file is written and read back with an independent
 * parser written here from the PERFILE2 layout, so a mistake in the writer
 * is not mirrored by the check; and the failure paths (no directory, full
 * filesystem, abort) must leave no file behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmocka.h>

#include "sframetrace/data.h"

struct tdir {
	char dir[64];
	char path[128];
	char partial[160];
	char old[160];
};

static void tdir_init(struct tdir *t)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(t->dir, sizeof(t->dir), "%s/sft-data-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/perf.data", t->dir);
	snprintf(t->partial, sizeof(t->partial), "%s.partial", t->path);
	snprintf(t->old, sizeof(t->old), "%s.old", t->path);
}

static void tdir_exit(struct tdir *t)
{
	unlink(t->path);
	unlink(t->partial);
	unlink(t->old);
	rmdir(t->dir);
}

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* ---- the test-side reader: every access bounds-checked against the file */

struct rd {
	const unsigned char *p;
	size_t len;
	size_t off;
};

static uint32_t rd_u32(struct rd *r)
{
	uint32_t v;

	assert_true(r->off + 4 <= r->len);
	memcpy(&v, r->p + r->off, 4);
	r->off += 4;
	return v;
}

static uint64_t rd_u64(struct rd *r)
{
	uint64_t v;

	assert_true(r->off + 8 <= r->len);
	memcpy(&v, r->p + r->off, 8);
	r->off += 8;
	return v;
}

/* perf_header_string: padded to 64, NUL inside, zeros after it. */
static const char *rd_string(struct rd *r)
{
	uint32_t n = rd_u32(r);
	const char *s;
	size_t sl;

	assert_true(n > 0);
	assert_int_equal(n % 64, 0);
	assert_true(r->off + n <= r->len);
	s = (const char *)r->p + r->off;
	sl = strnlen(s, n);
	assert_true(sl < n);
	for (size_t i = sl; i < n; i++)
		assert_int_equal(s[i], 0);
	r->off += n;
	return s;
}

struct section {
	uint64_t offset, size;
};

struct parsed {
	unsigned char *file;
	size_t len;
	uint64_t attr_size;
	struct section attrs, data, event_types;
	uint64_t flags[4];
	struct section feat[256];
};

static bool has_feat(const struct parsed *ps, int bit)
{
	return (ps->flags[bit / 64] >> (bit % 64)) & 1;
}

static void parse_file(const char *path, struct parsed *ps)
{
	struct rd r;
	uint64_t off, prev_end;

	memset(ps, 0, sizeof(*ps));
	ps->file = slurp(path, &ps->len);
	r = (struct rd){ ps->file, ps->len, 0 };
	assert_true(ps->len >= 104);
	assert_memory_equal(ps->file, "PERFILE2", 8);
	r.off = 8;
	assert_int_equal(rd_u64(&r), 104);
	ps->attr_size = rd_u64(&r);
	ps->attrs.offset = rd_u64(&r);
	ps->attrs.size = rd_u64(&r);
	ps->data.offset = rd_u64(&r);
	ps->data.size = rd_u64(&r);
	ps->event_types.offset = rd_u64(&r);
	ps->event_types.size = rd_u64(&r);
	for (int i = 0; i < 4; i++)
		ps->flags[i] = rd_u64(&r);
	assert_int_equal(r.off, 104);
	assert_true(ps->data.offset + ps->data.size <= ps->len);

	/* The index follows the data, one section per set bit, in bit order. */
	off = ps->data.offset + ps->data.size;
	prev_end = 0;
	r.off = off;
	for (int bit = 0; bit < 256; bit++) {
		if (!has_feat(ps, bit))
			continue;
		ps->feat[bit].offset = rd_u64(&r);
		ps->feat[bit].size = rd_u64(&r);
		assert_true(ps->feat[bit].offset >= prev_end);
		assert_true(ps->feat[bit].offset + ps->feat[bit].size <= ps->len);
		prev_end = ps->feat[bit].offset + ps->feat[bit].size;
	}
	assert_true(prev_end == 0 || prev_end == ps->len);
}

static struct rd feat_rd(const struct parsed *ps, int bit)
{
	assert_true(has_feat(ps, bit));
	return (struct rd){ ps->file + ps->feat[bit].offset, ps->feat[bit].size, 0 };
}

static void check_string_feat(const struct parsed *ps, int bit, const char *want)
{
	struct rd r = feat_rd(ps, bit);

	assert_string_equal(rd_string(&r), want);
	assert_int_equal(r.off, r.len);
}

/* ---- helpers writing files */

static void make_attr(struct perf_event_attr *a, uint64_t config, uint64_t freq)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = config;
	a->sample_freq = freq;
	a->freq = 1;
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			 PERF_SAMPLE_PERIOD | PERF_SAMPLE_IDENTIFIER;
	a->sample_id_all = 1;
	a->mmap2 = 1;
	a->comm = 1;
}

/* A record of len bytes (multiple of 8) whose payload is a pattern of seed. */
static void make_record(unsigned char *buf, size_t len, uint32_t type, unsigned seed)
{
	struct perf_event_header h = { .type = type, .misc = PERF_RECORD_MISC_USER,
				       .size = (uint16_t)len };

	memcpy(buf, &h, sizeof(h));
	for (size_t i = sizeof(h); i < len; i++)
		buf[i] = (unsigned char)(seed * 31 + i * 7);
}

static uint64_t meminfo_total_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long v = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* ---- tests */

static void test_roundtrip(void **state)
{
	struct tdir t;
	struct data_writer *w;
	struct perf_event_attr a1, a2;
	const uint64_t ids1[] = { 11, 12 }, ids2[] = { 21 };
	unsigned char recs[3][64];
	const size_t rec_len[3] = { 40, 64, 16 };
	char *const argv[] = { "prog", "-x", "arg with space" };
	const uint8_t bid1[20] = { 0x2b, 0xce, 0x1f, 0x30, 1, 2, 3, 4, 5, 6,
				   7, 8, 9, 10, 11, 12, 13, 14, 15, 0xff };
	const uint8_t bid2[16] = { 0xaa, 0xbb, 0xcc, 0xdd };
	struct parsed ps;
	struct utsname uts;
	struct rd r;
	char exe[4096];
	ssize_t n;
	uint64_t expect_data = 0;
	uint32_t avail, online;

	(void)state;
	tdir_init(&t);
	make_attr(&a1, PERF_COUNT_SW_CPU_CLOCK, 4000);
	make_attr(&a2, PERF_COUNT_SW_TASK_CLOCK, 1000);
	assert_int_equal(data_writer_open(&w, t.path), 0);
	/* While writing, only the partial file exists. */
	assert_true(exists(t.partial));
	assert_false(exists(t.path));
	assert_int_equal(data_writer_add_attr(w, &a1, "cpu-clock", ids1, 2), 0);
	assert_int_equal(data_writer_add_attr(w, &a2, "task-clock", ids2, 1), 0);
	for (int i = 0; i < 3; i++) {
		make_record(recs[i], rec_len[i], i == 1 ? PERF_RECORD_COMM : PERF_RECORD_SAMPLE,
			    (unsigned)i);
		assert_int_equal(data_writer_write(w, recs[i], rec_len[i]), 0);
		expect_data += rec_len[i];
	}
	assert_int_equal(data_writer_data_size(w), expect_data);
	/* attrs are fixed once data is written */
	assert_int_equal(data_writer_add_attr(w, &a1, "late", ids1, 1), -EINVAL);
	assert_int_equal(data_writer_add_build_id(w, -1, PERF_RECORD_MISC_USER, bid1, 21,
						  "/x"),
			 -EINVAL);
	data_writer_set_cmdline(w, 3, argv);
	data_writer_set_sample_time(w, 1000000123, 2000000456);
	assert_int_equal(data_writer_add_build_id(w, -1, PERF_RECORD_MISC_USER, bid1, 20,
						  "/usr/bin/foo"),
			 0);
	assert_int_equal(data_writer_add_build_id(w, -1, PERF_RECORD_MISC_KERNEL, bid2, 16,
						  "[kernel.kallsyms]"),
			 0);
	assert_int_equal(data_writer_close(w, true), 0);
	assert_false(exists(t.partial));
	assert_false(exists(t.old));

	parse_file(t.path, &ps);

	/* header, attrs and their id arrays */
	assert_int_equal(ps.attr_size, PERF_ATTR_SIZE_VER7 + 16);
	assert_int_equal(ps.attrs.size, 2 * ps.attr_size);
	assert_int_equal(ps.event_types.offset, 0);
	assert_int_equal(ps.event_types.size, 0);
	assert_int_equal(ps.data.offset, ps.attrs.offset + ps.attrs.size);
	assert_int_equal(ps.data.size, expect_data);
	for (int i = 0; i < 2; i++) {
		const struct perf_event_attr *want = i ? &a2 : &a1;
		const uint64_t *want_ids = i ? ids2 : ids1;
		size_t want_nr = i ? 1 : 2;
		const unsigned char *at = ps.file + ps.attrs.offset + (size_t)i * ps.attr_size;
		struct perf_event_attr got;
		struct section ids;

		memset(&got, 0, sizeof(got));
		memcpy(&got, at, PERF_ATTR_SIZE_VER7 < sizeof(got) ? PERF_ATTR_SIZE_VER7
								  : sizeof(got));
		assert_int_equal(got.size, PERF_ATTR_SIZE_VER7);
		got.size = want->size;
		assert_memory_equal(&got, want, sizeof(got));
		memcpy(&ids, at + PERF_ATTR_SIZE_VER7, sizeof(ids));
		assert_int_equal(ids.size, want_nr * 8);
		assert_true(ids.offset >= 104);
		assert_true(ids.offset + ids.size <= ps.attrs.offset);
		assert_memory_equal(ps.file + ids.offset, want_ids, ids.size);
	}

	/* data: the records, byte for byte */
	{
		size_t off = ps.data.offset;

		for (int i = 0; i < 3; i++) {
			assert_memory_equal(ps.file + off, recs[i], rec_len[i]);
			off += rec_len[i];
		}
	}

	/* feature bitmap: what must be there, and nothing we do not write */
	{
		const int must[] = { 2, 3, 4, 5, 6, 7, 10, 11, 12, 21 };
		const int may[] = { 8, 9, 13 };

		for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
			assert_true(has_feat(&ps, must[i]));
		for (int bit = 0; bit < 256; bit++) {
			bool known = false;

			for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
				known |= must[i] == bit;
			for (size_t i = 0; i < sizeof(may) / sizeof(may[0]); i++)
				known |= may[i] == bit;
			if (!known)
				assert_false(has_feat(&ps, bit));
		}
#if defined(__x86_64__) || defined(__i386__)
		assert_true(has_feat(&ps, 9));
#endif
	}

	/* string features */
	assert_int_equal(uname(&uts), 0);
	check_string_feat(&ps, DATA_FEAT_HOSTNAME, uts.nodename);
	check_string_feat(&ps, DATA_FEAT_OSRELEASE, uts.release);
	check_string_feat(&ps, DATA_FEAT_ARCH, uts.machine);
	r = feat_rd(&ps, DATA_FEAT_VERSION);
	assert_int_equal(strncmp(rd_string(&r), "sframetrace ", 12), 0);
	if (has_feat(&ps, DATA_FEAT_CPUDESC)) {
		r = feat_rd(&ps, DATA_FEAT_CPUDESC);
		assert_true(strlen(rd_string(&r)) > 0);
		assert_int_equal(r.off, r.len);
	}
	if (has_feat(&ps, DATA_FEAT_CPUID)) {
		const char *s;
		int commas = 0;

		r = feat_rd(&ps, DATA_FEAT_CPUID);
		s = rd_string(&r);
		for (; *s; s++)
			commas += *s == ',';
		assert_int_equal(commas, 3); /* vendor,family,model,stepping */
	}

	/* nrcpus: available first, then online, as perf reads them */
	r = feat_rd(&ps, DATA_FEAT_NRCPUS);
	assert_int_equal(r.len, 8);
	avail = rd_u32(&r);
	online = rd_u32(&r);
	assert_int_equal(online, (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(avail >= online);

	r = feat_rd(&ps, DATA_FEAT_TOTAL_MEM);
	assert_int_equal(r.len, 8);
	assert_int_equal(rd_u64(&r), meminfo_total_kb());

	/* cmdline: our absolute path in place of argv[0] */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	r = feat_rd(&ps, DATA_FEAT_CMDLINE);
	assert_int_equal(rd_u32(&r), 3);
	assert_string_equal(rd_string(&r), exe);
	assert_string_equal(rd_string(&r), "-x");
	assert_string_equal(rd_string(&r), "arg with space");
	assert_int_equal(r.off, r.len);

	/* event_desc: attrs, names and ids */
	r = feat_rd(&ps, DATA_FEAT_EVENT_DESC);
	assert_int_equal(rd_u32(&r), 2);
	assert_int_equal(rd_u32(&r), PERF_ATTR_SIZE_VER7);
	for (int i = 0; i < 2; i++) {
		const unsigned char *at = ps.file + ps.attrs.offset + (size_t)i * ps.attr_size;

		assert_true(r.off + PERF_ATTR_SIZE_VER7 <= r.len);
		assert_memory_equal(r.p + r.off, at, PERF_ATTR_SIZE_VER7);
		r.off += PERF_ATTR_SIZE_VER7;
		assert_int_equal(rd_u32(&r), i ? 1 : 2);
		assert_string_equal(rd_string(&r), i ? "task-clock" : "cpu-clock");
		if (i) {
			assert_int_equal(rd_u64(&r), 21);
		} else {
			assert_int_equal(rd_u64(&r), 11);
			assert_int_equal(rd_u64(&r), 12);
		}
	}
	assert_int_equal(r.off, r.len);

	/* sample_time */
	r = feat_rd(&ps, DATA_FEAT_SAMPLE_TIME);
	assert_int_equal(r.len, 16);
	assert_int_equal(rd_u64(&r), 1000000123);
	assert_int_equal(rd_u64(&r), 2000000456);

	/* build ids: perf's build_id_event with the size in byte 20 */
	r = feat_rd(&ps, DATA_FEAT_BUILD_ID);
	for (int i = 0; i < 2; i++) {
		struct perf_event_header h;
		int32_t pid;
		const char *name = i ? "[kernel.kallsyms]" : "/usr/bin/foo";
		size_t name_len = (strlen(name) + 1 + 63) / 64 * 64;

		assert_true(r.off + sizeof(h) + 4 + 24 <= r.len);
		memcpy(&h, r.p + r.off, sizeof(h));
		assert_int_equal(h.type, PERF_RECORD_HEADER_BUILD_ID);
		assert_int_equal(h.misc, (i ? PERF_RECORD_MISC_KERNEL : PERF_RECORD_MISC_USER) |
						 (1u << 15));
		assert_int_equal(h.size, 8 + 4 + 24 + name_len);
		assert_true(r.off + h.size <= r.len);
		memcpy(&pid, r.p + r.off + 8, 4);
		assert_int_equal(pid, -1);
		assert_memory_equal(r.p + r.off + 12, i ? bid2 : bid1, i ? 16 : 20);
		assert_int_equal(r.p[r.off + 12 + 20], i ? 16 : 20);
		assert_string_equal((const char *)r.p + r.off + 36, name);
		for (size_t k = strlen(name); k < name_len; k++)
			assert_int_equal(r.p[r.off + 36 + k], 0);
		r.off += h.size;
	}
	assert_int_equal(r.off, r.len);

	/* cpu topology: two string lists, then {core, socket} per CPU, dies */
	if (has_feat(&ps, DATA_FEAT_CPU_TOPOLOGY)) {
		uint32_t nr;

		r = feat_rd(&ps, DATA_FEAT_CPU_TOPOLOGY);
		for (int list = 0; list < 2; list++) {
			nr = rd_u32(&r);
			assert_true(nr >= 1 && nr <= avail);
			while (nr--)
				assert_true(strlen(rd_string(&r)) > 0);
		}
		assert_true(r.off + (size_t)avail * 8 <= r.len);
		r.off += (size_t)avail * 8;
		if (r.off < r.len) {
			nr = rd_u32(&r);
			assert_true(nr >= 1 && nr <= avail);
			while (nr--)
				assert_true(strlen(rd_string(&r)) > 0);
			assert_int_equal(r.len - r.off, (size_t)avail * 4);
		}
	}

	free(ps.file);
	tdir_exit(&t);
}

/* Records in odd sizes around the 256 KiB buffer, and one larger than it. */
static void test_large_data(void **state)
{
	struct tdir t;
	struct data_writer *w;
	struct perf_event_attr a;
	const uint64_t id = 7;
	const size_t sizes[] = { 8, 65528, 200000, 300000, 24, 262144, 40 };
	unsigned char *buf = malloc(300000);
	struct parsed ps;
	size_t off;
	uint64_t total = 0;

	(void)state;
	assert_non_null(buf);
	tdir_init(&t);
	make_attr(&a, PERF_COUNT_SW_CPU_CLOCK, 4000);
	assert_int_equal(data_writer_open(&w, t.path), 0);
	assert_int_equal(data_writer_add_attr(w, &a, "cpu-clock", &id, 1), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* Not real records (size > u16), but the writer must not care. */
		make_record(buf, sizes[i], PERF_RECORD_SAMPLE, (unsigned)i);
		assert_int_equal(data_writer_write(w, buf, sizes[i]), 0);
		total += sizes[i];
	}
	assert_int_equal(data_writer_close(w, true), 0);
	parse_file(t.path, &ps);
	assert_int_equal(ps.data.size, total);
	off = ps.data.offset;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		make_record(buf, sizes[i], PERF_RECORD_SAMPLE, (unsigned)i);
		assert_memory_equal(ps.file + off, buf, sizes[i]);
		off += sizes[i];
	}
	free(ps.file);
	free(buf);
	tdir_exit(&t);
}

/* A file with no records and no attrs is still a valid, empty perf.data. */
static void test_empty(void **state)
{
	struct tdir t;
	struct data_writer *w;
	struct parsed ps;

	(void)state;
	tdir_init(&t);
	assert_int_equal(data_writer_open(&w, t.path), 0);
	assert_int_equal(data_writer_close(w, true), 0);
	parse_file(t.path, &ps);
	assert_int_equal(ps.attrs.size, 0);
	assert_int_equal(ps.data.size, 0);
	assert_int_equal(ps.data.offset, 104);
	assert_false(has_feat(&ps, DATA_FEAT_EVENT_DESC));
	assert_false(has_feat(&ps, DATA_FEAT_SAMPLE_TIME));
	assert_true(has_feat(&ps, DATA_FEAT_HOSTNAME));
	free(ps.file);
	tdir_exit(&t);
}

static void test_no_directory(void **state)
{
	struct tdir t;
	struct data_writer *w = (struct data_writer *)&t;
	char bad[256];

	(void)state;
	tdir_init(&t);
	snprintf(bad, sizeof(bad), "%s/missing/perf.data", t.dir);
	assert_int_equal(data_writer_open(&w, bad), -ENOENT);
	assert_null(w);
	assert_false(exists(bad));
	snprintf(bad, sizeof(bad), "%s/missing/perf.data.partial", t.dir);
	assert_false(exists(bad));
	assert_int_equal(data_writer_open(&w, "-"), -ENOTSUP);
	tdir_exit(&t);
}

static void test_abort(void **state)
{
	struct tdir t;
	struct data_writer *w;
	unsigned char rec[32];

	(void)state;
	tdir_init(&t);
	assert_int_equal(data_writer_open(&w, t.path), 0);
	make_record(rec, sizeof(rec), PERF_RECORD_SAMPLE, 1);
	assert_int_equal(data_writer_write(w, rec, sizeof(rec)), 0);
	assert_int_equal(data_writer_close(w, false), 0);
	assert_false(exists(t.path));
	assert_false(exists(t.partial));
	assert_false(exists(t.old));
	tdir_exit(&t);
}

static void test_keeps_old(void **state)
{
	struct tdir t;
	struct data_writer *w;
	FILE *f;
	char buf[16] = { 0 };
	struct parsed ps;

	(void)state;
	tdir_init(&t);
	f = fopen(t.path, "w");
	assert_non_null(f);
	fputs("previous", f);
	fclose(f);
	assert_int_equal(data_writer_open(&w, t.path), 0);
	/* An aborted recording must not touch the existing file. */
	assert_int_equal(data_writer_close(w, false), 0);
	assert_true(exists(t.path));
	assert_false(exists(t.old));

	assert_int_equal(data_writer_open(&w, t.path), 0);
	assert_int_equal(data_writer_close(w, true), 0);
	f = fopen(t.old, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "previous");
	parse_file(t.path, &ps);
	free(ps.file);
	assert_false(exists(t.partial));
	tdir_exit(&t);
}

/*
 * A full filesystem: a 64 KiB tmpfs in a private mount namespace (so
 * nothing leaks into the rest of the system). Needs root; skipped with the
 * reason otherwise.
 */
static void test_enospc(void **state)
{
	struct tdir t;
	struct data_writer *w;
	struct perf_event_attr a;
	const uint64_t id = 1;
	unsigned char *rec = malloc(4096);
	int ret = 0, err = 0;

	(void)state;
	assert_non_null(rec);
	tdir_init(&t);
	if (unshare(CLONE_NEWNS) != 0) {
		print_message("skip: unshare(CLONE_NEWNS): %s (needs root)\n", strerror(errno));
		free(rec);
		tdir_exit(&t);
		skip();
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", t.dir, "tmpfs", 0, "size=64k") != 0) {
		print_message("skip: cannot mount a small tmpfs: %s\n", strerror(errno));
		free(rec);
		tdir_exit(&t);
		skip();
	}
	make_attr(&a, PERF_COUNT_SW_CPU_CLOCK, 4000);
	assert_int_equal(data_writer_open(&w, t.path), 0);
	assert_int_equal(data_writer_add_attr(w, &a, "cpu-clock", &id, 1), 0);
	make_record(rec, 4096, PERF_RECORD_SAMPLE, 3);
	/* 1 MiB into 64 KiB: some write, or at the latest the commit, fails. */
	for (int i = 0; i < 256 && !ret; i++)
		ret = data_writer_write(w, rec, 4096);
	if (ret) {
		err = ret;
		/* sticky: later calls report the same error */
		assert_int_equal(data_writer_write(w, rec, 8), err);
		assert_false(exists(t.partial));
		ret = data_writer_close(w, true);
		assert_int_equal(ret, err);
	} else {
		ret = data_writer_close(w, true);
	}
	assert_int_equal(ret, -ENOSPC);
	assert_false(exists(t.path));
	assert_false(exists(t.partial));

	/*
	 * Small enough to stay in the write buffer: the failure comes from the
	 * commit's flush, which must clean up just the same.
	 */
	{
		char filler[160];
		int fd;

		snprintf(filler, sizeof(filler), "%s/filler", t.dir);
		/* 15 of the 16 pages: the open fits, 32 KiB of data does not. */
		fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		memset(rec, 0, 4096);
		for (int i = 0; i < 15; i++)
			assert_int_equal(write(fd, rec, 4096), 4096);
		close(fd);
		assert_int_equal(data_writer_open(&w, t.path), 0);
		make_record(rec, 4096, PERF_RECORD_SAMPLE, 4);
		for (int i = 0; i < 8; i++)
			assert_int_equal(data_writer_write(w, rec, 4096), 0);
		assert_int_equal(data_writer_close(w, true), -ENOSPC);
		assert_false(exists(t.path));
		assert_false(exists(t.partial));
		unlink(filler);
	}
	assert_int_equal(umount(t.dir), 0);
	free(rec);
	tdir_exit(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),   cmocka_unit_test(test_large_data),
		cmocka_unit_test(test_empty),	    cmocka_unit_test(test_no_directory),
		cmocka_unit_test(test_abort),	    cmocka_unit_test(test_keeps_old),
		cmocka_unit_test(test_enospc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
