/*
 * Unit tests of the perf.data reader (lib/data/data_reader.c). What the
 * reader returns is compared with what the test itself put in: files made
 * with lib/data's writer (whose header the test parses on its own from the
 * PERFILE2 layout), copies of them damaged at known offsets, and pipe
 * streams built here byte by byte and fed through real pipes. Real `perf
 * record` output is checked against `perf report -D`, which dumps every
 * record with its offset, size and type (see perf_dump()).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "sframetrace/data.h"

/* PERFILE2 header fields (perf_file_header), by file offset. */
#define H_MAGIC 0
#define H_SIZE 8
#define H_ATTR_SIZE 16
#define H_ATTRS_OFF 24
#define H_ATTRS_SIZE 32
#define H_DATA_OFF 40
#define H_DATA_SIZE 48
#define H_FEATURES 72
#define H_LEN 104

#define NR_RECS 10
#define MAX_REC 256

static const char *tmp_base(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp && *tmp ? tmp : "/tmp";
}

static uint64_t get_u64(const unsigned char *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static void put_u64(unsigned char *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, 8);
}

static void put_u16(unsigned char *p, size_t off, uint16_t v)
{
	memcpy(p + off, &v, 2);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
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

static void spit(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A private directory; everything in it (flat) is removed at the end. */
struct tdir {
	char dir[128];
	char path[256];
};

static void tdir_init(struct tdir *t)
{
	snprintf(t->dir, sizeof(t->dir), "%s/sft-reader-XXXXXX", tmp_base());
	assert_non_null(mkdtemp(t->dir));
}

static const char *tdir_path(struct tdir *t, const char *name)
{
	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, name);
	return t->path;
}

static void tdir_exit(struct tdir *t)
{
	DIR *d = opendir(t->dir);
	struct dirent *de;
	char p[512];

	if (d) {
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(p, sizeof(p), "%s/%s", t->dir, de->d_name);
			if (unlink(p) < 0)
				rmdir(p);
		}
		closedir(d);
	}
	rmdir(t->dir);
}

/* ---- a file made with the writer, and what went into it */

struct fixture {
	struct tdir t;
	char path[256];
	unsigned char *file;
	size_t len;
	/* from the test's own reading of the header */
	uint64_t attr_size, attrs_off, attrs_size, data_off, data_size;
	uint64_t features[4];
	/* the records, and each one's offset inside the data section */
	unsigned char rec[NR_RECS][MAX_REC];
	size_t rec_len[NR_RECS];
	uint64_t rec_off[NR_RECS];
	struct perf_event_attr a1, a2;
};

static const uint64_t fx_ids1[] = { 0x1111, 0x1112 }, fx_ids2[] = { 0x2221 };
static const uint8_t fx_bid1[20] = { 0x2b, 0xce, 0x1f, 0x30, 1, 2, 3, 4, 5, 6,
				     7, 8, 9, 10, 11, 12, 13, 14, 15, 0xfe };
static const uint8_t fx_bid2[16] = { 0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0x42,
				     9, 8, 7, 6, 5, 4, 3, 2 };
static char *const fx_argv[] = { "prog", "-x", "arg with space" };

static void make_attr(struct perf_event_attr *a, uint64_t config, uint64_t extra_type)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = config;
	a->sample_period = 100000;
	a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			 PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD | extra_type;
	a->sample_id_all = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->disabled = 1;
}

/* A record of len bytes whose payload is a pattern of seed. */
static void make_record(unsigned char *buf, size_t len, uint32_t type, unsigned seed)
{
	struct perf_event_header h = { .type = type, .misc = PERF_RECORD_MISC_USER,
				       .size = (uint16_t)len };

	memcpy(buf, &h, sizeof(h));
	for (size_t i = sizeof(h); i < len; i++)
		buf[i] = (unsigned char)(seed * 31 + i * 7 + 1);
}

static int fixture_setup(void **state)
{
	static const struct {
		uint32_t type;
		size_t len;
	} shape[NR_RECS] = {
		{ PERF_RECORD_COMM, 32 },    { PERF_RECORD_MMAP2, 120 },
		{ PERF_RECORD_SAMPLE, 48 },  { PERF_RECORD_FINISHED_ROUND, 8 },
		{ PERF_RECORD_SAMPLE, 56 },  { PERF_RECORD_SAMPLE, 248 },
		{ PERF_RECORD_TIME_CONV, 24 },
		{ PERF_RECORD_EXIT, 40 },    { PERF_RECORD_SAMPLE, 48 },
		{ PERF_RECORD_LOST, 40 },
	};
	struct fixture *f = calloc(1, sizeof(*f));
	struct data_writer *w;
	unsigned char batch[3 * MAX_REC];
	size_t batch_len = 0;
	uint64_t off = 0;

	assert_non_null(f);
	tdir_init(&f->t);
	snprintf(f->path, sizeof(f->path), "%s", tdir_path(&f->t, "w.data"));
	for (int i = 0; i < NR_RECS; i++) {
		make_record(f->rec[i], shape[i].len, shape[i].type, (unsigned)i);
		f->rec_len[i] = shape[i].len;
		f->rec_off[i] = off;
		off += shape[i].len;
	}
	make_attr(&f->a1, PERF_COUNT_SW_CPU_CLOCK, 0);
	make_attr(&f->a2, PERF_COUNT_SW_TASK_CLOCK, PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_CPU);

	assert_int_equal(data_writer_open(&w, f->path), 0);
	assert_int_equal(data_writer_add_attr(w, &f->a1, "cpu-clock", fx_ids1, 2), 0);
	assert_int_equal(data_writer_add_attr(w, &f->a2, "task-clock", fx_ids2, 1), 0);
	/* The first three in one write, the rest one by one. */
	for (int i = 0; i < 3; i++) {
		memcpy(batch + batch_len, f->rec[i], f->rec_len[i]);
		batch_len += f->rec_len[i];
	}
	assert_int_equal(data_writer_write(w, batch, batch_len), 0);
	for (int i = 3; i < NR_RECS; i++)
		assert_int_equal(data_writer_write(w, f->rec[i], f->rec_len[i]), 0);
	data_writer_set_cmdline(w, 3, fx_argv);
	data_writer_set_sample_time(w, 1000000123, 2000000456);
	assert_int_equal(data_writer_add_build_id(w, -1, PERF_RECORD_MISC_USER, fx_bid1, 20,
						  "/usr/lib/libfirst.so"), 0);
	assert_int_equal(data_writer_add_build_id(w, 4242, PERF_RECORD_MISC_KERNEL, fx_bid2, 16,
						  "[kernel.kallsyms]"), 0);
	assert_int_equal(data_writer_close(w, true), 0);

	f->file = slurp(f->path, &f->len);
	assert_true(f->len > H_LEN);
	assert_memory_equal(f->file, "PERFILE2", 8);
	f->attr_size = get_u64(f->file, H_ATTR_SIZE);
	f->attrs_off = get_u64(f->file, H_ATTRS_OFF);
	f->attrs_size = get_u64(f->file, H_ATTRS_SIZE);
	f->data_off = get_u64(f->file, H_DATA_OFF);
	f->data_size = get_u64(f->file, H_DATA_SIZE);
	for (int i = 0; i < 4; i++)
		f->features[i] = get_u64(f->file, H_FEATURES + 8 * i);
	assert_int_equal(f->data_size, off);
	assert_true(f->data_off + f->data_size < f->len);
	/* The writer's layout must be what the test assumes: data bytes as written. */
	for (int i = 0; i < NR_RECS; i++)
		assert_memory_equal(f->file + f->data_off + f->rec_off[i], f->rec[i], f->rec_len[i]);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	if (f) {
		tdir_exit(&f->t);
		free(f->file);
		free(f);
	}
	return 0;
}

/* A modifiable copy of the fixture's file. */
static unsigned char *fx_copy(const struct fixture *f)
{
	unsigned char *p = malloc(f->len + 8192);

	assert_non_null(p);
	memcpy(p, f->file, f->len);
	return p;
}

/* File offset of feature bit's entry in the index that follows the data. */
static uint64_t feature_entry(const struct fixture *f, int bit)
{
	uint64_t k = 0;

	assert_true((f->features[bit / 64] >> (bit % 64)) & 1);
	for (int b = 0; b < bit; b++)
		k += (f->features[b / 64] >> (b % 64)) & 1;
	return f->data_off + f->data_size + k * 16;
}

/*
 * Reads records from r and checks they are the fixture's records
 * [0, n) with their offsets.
 */
static void expect_records(struct data_reader *r, const struct fixture *f, int n)
{
	const struct perf_event_header *ev;
	uint64_t off;

	for (int i = 0; i < n; i++) {
		assert_int_equal(data_reader_next(r, &ev, &off), 1);
		assert_int_equal(off, f->data_off + f->rec_off[i]);
		assert_int_equal(ev->size, f->rec_len[i]);
		assert_memory_equal(ev, f->rec[i], f->rec_len[i]);
	}
}

static void expect_contains(const char *s, const char *want)
{
	assert_non_null(s);
	if (!strstr(s, want))
		fail_msg("\"%s\" does not contain \"%s\"", s, want);
}

/* ---- round trip */

static void check_attr(const struct data_reader_attr *ra, const struct perf_event_attr *a,
		       const char *name, const uint64_t *ids, size_t nr_ids)
{
	assert_non_null(ra);
	assert_int_equal(ra->attr.type, a->type);
	assert_int_equal(ra->attr.config, a->config);
	assert_int_equal(ra->attr.sample_period, a->sample_period);
	assert_int_equal(ra->attr.sample_type, a->sample_type);
	assert_int_equal(ra->attr.sample_id_all, 1);
	assert_int_equal(ra->attr.mmap2, 1);
	assert_int_equal(ra->attr.comm, 1);
	assert_int_equal(ra->attr.disabled, 1);
	assert_int_equal(ra->attr.freq, 0);
	assert_non_null(ra->name);
	assert_string_equal(ra->name, name);
	assert_int_equal(ra->nr_ids, nr_ids);
	assert_memory_equal(ra->ids, ids, nr_ids * sizeof(*ids));
}

static void test_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct data_reader *r;
	const struct data_reader_info *in;
	const struct data_reader_build_id *b;
	const struct perf_event_header *ev;
	struct utsname uts;
	char err[256] = "untouched", exe[4096];
	uint64_t off, done, total;
	ssize_t n;

	assert_int_equal(data_reader_open(&r, f->path, err, sizeof(err)), 0);
	assert_non_null(r);
	assert_false(data_reader_is_pipe(r));

	assert_int_equal(data_reader_nr_attrs(r), 2);
	check_attr(data_reader_attr(r, 0), &f->a1, "cpu-clock", fx_ids1, 2);
	check_attr(data_reader_attr(r, 1), &f->a2, "task-clock", fx_ids2, 1);
	assert_null(data_reader_attr(r, 2));

	assert_int_equal(data_reader_nr_build_ids(r), 2);
	b = data_reader_build_id(r, 0);
	assert_non_null(b);
	assert_int_equal(b->pid, -1);
	assert_int_equal(b->misc, PERF_RECORD_MISC_USER);
	assert_int_equal(b->len, 20);
	assert_memory_equal(b->id, fx_bid1, 20);
	assert_string_equal(b->filename, "/usr/lib/libfirst.so");
	b = data_reader_build_id(r, 1);
	assert_non_null(b);
	assert_int_equal(b->pid, 4242);
	assert_int_equal(b->misc, PERF_RECORD_MISC_KERNEL);
	assert_int_equal(b->len, 16);
	assert_memory_equal(b->id, fx_bid2, 16);
	assert_string_equal(b->filename, "[kernel.kallsyms]");
	assert_null(data_reader_build_id(r, 2));

	in = data_reader_info(r);
	/* as perf does, the writer puts the recorder's own path first */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_int_equal(in->nr_cmdline, 3);
	assert_string_equal(in->cmdline[0], exe);
	for (int i = 1; i < 3; i++)
		assert_string_equal(in->cmdline[i], fx_argv[i]);
	assert_true(in->has_sample_time);
	assert_int_equal(in->sample_first, 1000000123);
	assert_int_equal(in->sample_last, 2000000456);
	assert_memory_equal(in->features, f->features, sizeof(in->features));
	assert_int_equal(uname(&uts), 0);
	assert_string_equal(in->hostname, uts.nodename);
	assert_string_equal(in->osrelease, uts.release);
	assert_string_equal(in->arch, uts.machine);

	expect_records(r, f, NR_RECS);
	assert_int_equal(data_reader_next(r, &ev, &off), 0);
	assert_int_equal(data_reader_next(r, &ev, &off), 0);
	assert_null(data_reader_warning(r));
	data_reader_progress(r, &done, &total);
	assert_int_equal(done, f->data_size);
	assert_int_equal(total, f->data_size);
	data_reader_close(r);
}

/* ---- damaged files: open fails, naming the offset and what is wrong */

/* Open must fail with err (0: any negative) and a message holding each want. */
static void expect_open_fails(const char *path, int want_err, const char *want1, const char *want2,
			      const char *want3)
{
	struct data_reader *r = (void *)1;
	char err[256] = "";
	int ret = data_reader_open(&r, path, err, sizeof(err));

	if (ret >= 0)
		fail_msg("%s: open returned %d, expected an error (%s)", path, ret, want1);
	if (want_err)
		assert_int_equal(ret, want_err);
	assert_null(r);
	if (want1)
		expect_contains(err, want1);
	if (want2)
		expect_contains(err, want2);
	if (want3)
		expect_contains(err, want3);
}

/* Writes a patched copy and expects open to fail with the phrases. */
static void expect_damage(struct fixture *f, unsigned char *copy, size_t len, const char *offset,
			  const char *phrase1, const char *phrase2)
{
	const char *path = tdir_path(&f->t, "bad.data");

	spit(path, copy, len);
	expect_open_fails(path, -EINVAL, offset, phrase1, phrase2);
	unlink(path);
}

static void test_bad_header(void **state)
{
	struct fixture *f = *state;
	unsigned char *c = fx_copy(f);
	char where[64];

	memcpy(c, "PERFILX2", 8);
	expect_damage(f, c, f->len, "offset 0x0", "bad magic", NULL);
	memcpy(c, f->file, f->len);

	put_u64(c, H_SIZE, 100);
	expect_damage(f, c, f->len, "offset 0x8", "header size 100", NULL);
	put_u64(c, H_SIZE, 0);
	expect_damage(f, c, f->len, "offset 0x8", "header size 0", NULL);
	memcpy(c, f->file, f->len);

	/* attr size: smaller than any perf_event_attr plus its id section */
	put_u64(c, H_ATTR_SIZE, 8);
	expect_damage(f, c, f->len, "offset 0x10", "attr size 8", "not a perf_event_attr");
	put_u64(c, H_ATTR_SIZE, PERF_ATTR_SIZE_VER0 + 8);
	expect_damage(f, c, f->len, "offset 0x10", "not a perf_event_attr", NULL);
	put_u64(c, H_ATTR_SIZE, UINT64_MAX);
	expect_damage(f, c, f->len, "offset 0x10", "not a perf_event_attr", NULL);
	memcpy(c, f->file, f->len);

	/* the attrs section is not a whole number of attrs */
	put_u64(c, H_ATTRS_SIZE, f->attrs_size - 8);
	expect_damage(f, c, f->len, "offset 0x20", "not a multiple of the attr size", NULL);
	memcpy(c, f->file, f->len);

	/* attrs section out of bounds: past the end, and size overflowing off+size */
	put_u64(c, H_ATTRS_OFF, f->len - 8);
	expect_damage(f, c, f->len, "offset 0x18", "attrs section", "outside the file");
	put_u64(c, H_ATTRS_OFF, 8);
	put_u64(c, H_ATTRS_SIZE, UINT64_MAX - (UINT64_MAX % f->attr_size));
	expect_damage(f, c, f->len, "offset 0x18", "attrs section", "outside the file");
	put_u64(c, H_ATTRS_OFF, UINT64_MAX - 7);
	put_u64(c, H_ATTRS_SIZE, f->attrs_size);
	expect_damage(f, c, f->len, "offset 0x18", "attrs section", "outside the file");
	memcpy(c, f->file, f->len);

	/* no attrs at all */
	put_u64(c, H_ATTRS_SIZE, 0);
	expect_damage(f, c, f->len, "offset 0x18", "no events", NULL);
	memcpy(c, f->file, f->len);

	/* attr id arrays: the second attr's id section lies at its entry's last 16 bytes */
	{
		uint64_t ent = f->attrs_off + 2 * f->attr_size - 16;

		snprintf(where, sizeof(where), "offset %#llx", (unsigned long long)ent);
		put_u64(c, ent, f->len);
		put_u64(c, ent + 8, 8);
		expect_damage(f, c, f->len, where, "id array", "outside the file");
		put_u64(c, ent, f->data_off);
		put_u64(c, ent + 8, UINT64_MAX & ~7ULL);
		expect_damage(f, c, f->len, where, "id array", "outside the file");
		put_u64(c, ent, UINT64_MAX - 7);
		put_u64(c, ent + 8, 16);
		expect_damage(f, c, f->len, where, "id array", "outside the file");
		memcpy(c, f->file, f->len);
	}

	/* data section offset */
	put_u64(c, H_DATA_OFF, f->len + 1);
	expect_damage(f, c, f->len, "offset 0x28", "data section", "outside the file");
	put_u64(c, H_DATA_OFF, UINT64_MAX);
	expect_damage(f, c, f->len, "offset 0x28", "data section", "outside the file");
	put_u64(c, H_DATA_OFF, 8);   /* inside the header */
	expect_damage(f, c, f->len, "offset 0x28", "data section", NULL);
	memcpy(c, f->file, f->len);
	free(c);
}

static void test_bad_features(void **state)
{
	struct fixture *f = *state;
	unsigned char *c = fx_copy(f);
	uint64_t ent = feature_entry(f, DATA_FEAT_CMDLINE), sec = get_u64(f->file, ent);
	char where[64];

	/* a feature section past the end of the file */
	snprintf(where, sizeof(where), "offset %#llx", (unsigned long long)ent);
	put_u64(c, ent, f->len);
	put_u64(c, ent + 8, 16);
	expect_damage(f, c, f->len, where, "cmdline feature section", "outside the file");
	put_u64(c, ent, 200);
	put_u64(c, ent + 8, UINT64_MAX - 100);
	expect_damage(f, c, f->len, where, "cmdline feature section", "outside the file");
	memcpy(c, f->file, f->len);

	/* a feature's contents: more strings than its section could hold */
	snprintf(where, sizeof(where), "offset %#llx", (unsigned long long)sec);
	c[sec] = c[sec + 1] = c[sec + 2] = c[sec + 3] = 0xff;
	expect_damage(f, c, f->len, where, "cmdline feature section is malformed", NULL);
	memcpy(c, f->file, f->len);

	/* the feature index itself: the file ends where the data does */
	snprintf(where, sizeof(where), "offset %#llx",
		 (unsigned long long)(f->data_off + f->data_size));
	expect_damage(f, c, f->data_off + f->data_size, where, "feature index", "past the end");
	free(c);
}

static void test_bad_record(void **state)
{
	struct fixture *f = *state;
	unsigned char *c = fx_copy(f);
	const char *path = tdir_path(&f->t, "rec.data");
	const struct perf_event_header *ev;
	struct data_reader *r;
	char err[256], where[64];
	uint64_t off;
	const int k = 4;
	int ret;

	/* record k of a complete file says size 0 */
	snprintf(where, sizeof(where), "offset %#llx",
		 (unsigned long long)(f->data_off + f->rec_off[k]));
	put_u16(c, f->data_off + f->rec_off[k] + 6, 0);
	spit(path, c, f->len);
	assert_int_equal(data_reader_open(&r, path, err, sizeof(err)), 0);
	expect_records(r, f, k);
	ret = data_reader_next(r, &ev, &off);
	assert_int_equal(ret, -EINVAL);
	expect_contains(data_reader_error(r), where);
	expect_contains(data_reader_error(r), "record size 0 is smaller than its header");
	data_reader_close(r);

	/* ... or 4 */
	put_u16(c, f->data_off + f->rec_off[k] + 6, 4);
	spit(path, c, f->len);
	assert_int_equal(data_reader_open(&r, path, err, sizeof(err)), 0);
	expect_records(r, f, k);
	assert_true(data_reader_next(r, &ev, &off) < 0);
	expect_contains(data_reader_error(r), where);
	expect_contains(data_reader_error(r), "record size 4 is smaller than its header");
	data_reader_close(r);
	memcpy(c, f->file, f->len);

	/* the last record runs past the data section's end (into the index) */
	snprintf(where, sizeof(where), "offset %#llx",
		 (unsigned long long)(f->data_off + f->rec_off[NR_RECS - 1]));
	put_u16(c, f->data_off + f->rec_off[NR_RECS - 1] + 6,
		(uint16_t)(f->rec_len[NR_RECS - 1] + 8));
	spit(path, c, f->len);
	assert_int_equal(data_reader_open(&r, path, err, sizeof(err)), 0);
	expect_records(r, f, NR_RECS - 1);
	assert_true(data_reader_next(r, &ev, &off) < 0);
	expect_contains(data_reader_error(r), where);
	expect_contains(data_reader_error(r), "runs past the end of the data section");
	data_reader_close(r);
	memcpy(c, f->file, f->len);

	/*
	 * A data size 4 bytes longer than the records: with the feature bits
	 * cleared the 4 bytes exist in the file but hold no whole header.
	 */
	snprintf(where, sizeof(where), "offset %#llx",
		 (unsigned long long)(f->data_off + f->data_size));
	put_u64(c, H_DATA_SIZE, f->data_size + 4);
	for (int i = 0; i < 4; i++)
		put_u64(c, H_FEATURES + 8 * i, 0);
	spit(path, c, f->len);
	assert_int_equal(data_reader_open(&r, path, err, sizeof(err)), 0);
	expect_records(r, f, NR_RECS);
	assert_true(data_reader_next(r, &ev, &off) < 0);
	expect_contains(data_reader_error(r), where);
	expect_contains(data_reader_error(r), "stray bytes");
	data_reader_close(r);
	unlink(path);
	free(c);
}

static void test_bad_file_kinds(void **state)
{
	struct fixture *f = *state;
	unsigned char *c = fx_copy(f);
	const char *path;
	char err[8];
	struct data_reader *r;

	/* a big-endian machine's file */
	memcpy(c, "2ELIFREP", 8);
	path = tdir_path(&f->t, "be.data");
	spit(path, c, f->len);
	expect_open_fails(path, -ENOTSUP, "offset 0x0", "opposite-endian", NULL);
	/* a short message still fits the caller's buffer, NUL-terminated */
	assert_true(data_reader_open(&r, path, err, sizeof(err)) < 0);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, "offset ", 7);
	unlink(path);

	memcpy(c, "PERFFILE", 8);
	path = tdir_path(&f->t, "v1.data");
	spit(path, c, f->len);
	expect_open_fails(path, -ENOTSUP, "offset 0x0", "version 1", NULL);
	unlink(path);

	path = tdir_path(&f->t, "empty.data");
	spit(path, "", 0);
	expect_open_fails(path, -EINVAL, "too small", NULL, NULL);
	unlink(path);

	/* shorter than a header, with a good magic */
	path = tdir_path(&f->t, "short.data");
	spit(path, f->file, 60);
	expect_open_fails(path, -EINVAL, "too small", NULL, NULL);
	spit(path, f->file, 4);
	expect_open_fails(path, -EINVAL, "too small", NULL, NULL);
	unlink(path);

	path = tdir_path(&f->t, "adir");
	assert_int_equal(mkdir(path, 0700), 0);
	expect_open_fails(path, -EINVAL, "not a regular file", NULL, NULL);
	rmdir(path);

	path = tdir_path(&f->t, "missing.data");
	expect_open_fails(path, -ENOENT, "No such file", NULL, NULL);
	free(c);
}

/* ---- truncation */

/* Opens bytes [0, len) of c, expects records [0, n), then 0 with a warning. */
static void expect_truncated(struct fixture *f, const unsigned char *c, size_t len, int n)
{
	const char *path = tdir_path(&f->t, "cut.data");
	const struct perf_event_header *ev;
	struct data_reader *r;
	char err[256] = "", warning[256] = "";
	uint64_t off;
	int ret, again;

	spit(path, c, len);
	if (data_reader_open(&r, path, err, sizeof(err)) != 0)
		fail_msg("file cut at %zu: open failed: %s", len, err);
	expect_records(r, f, n);
	ret = data_reader_next(r, &ev, &off);
	if (data_reader_warning(r))
		snprintf(warning, sizeof(warning), "%s", data_reader_warning(r));
	/* and it stays at the end */
	again = data_reader_next(r, &ev, &off);
	data_reader_close(r);
	unlink(path);
	assert_int_equal(ret, 0);
	assert_int_equal(again, 0);
	if (!warning[0])
		fail_msg("file cut at %#zx after %d whole records: no warning", len, n);
	expect_contains(warning, "truncated");
}

static void test_truncated(void **state)
{
	struct fixture *f = *state;
	unsigned char *c = fx_copy(f);
	const int k = 5;   /* 248 bytes: cut inside its header and its body */
	uint64_t at = f->data_off + f->rec_off[k];

	expect_truncated(f, c, at + 5, k);
	expect_truncated(f, c, at + 8, k);
	expect_truncated(f, c, at + 100, k);
	expect_truncated(f, c, f->data_off + f->rec_off[NR_RECS - 1] + 39, NR_RECS - 1);
	expect_truncated(f, c, f->data_off + 3, 0);
	/* cut on a record boundary: still less data than the header says */
	expect_truncated(f, c, at, k);
	free(c);
}

static void test_data_size_zero(void **state)
{
	struct fixture *f = *state;
	unsigned char *c = fx_copy(f);
	size_t end = f->data_off + f->data_size;

	/* The header never got its data size; nothing follows the records. */
	put_u64(c, H_DATA_SIZE, 0);
	/* ... followed by zeroes, as a dead machine's file system may leave */
	memset(c + end, 0, 4096);
	expect_truncated(f, c, end + 4096, NR_RECS);
	/* ... followed by half a record */
	memcpy(c + end, f->rec[1], 60);
	expect_truncated(f, c, end + 60, NR_RECS);
	/* ... followed by nothing */
	expect_truncated(f, c, end, NR_RECS);
	free(c);
}

/* ---- the pipe format */

struct sbuf {
	unsigned char *p;
	size_t len, cap;
};

static void sb_put(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (p)
		memcpy(b->p + b->len, p, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

static void sb_u32(struct sbuf *b, uint32_t v)
{
	sb_put(b, &v, 4);
}

static void sb_u64(struct sbuf *b, uint64_t v)
{
	sb_put(b, &v, 8);
}

/* Starts a record; returns its offset. sb_end() fills in the size. */
static size_t sb_begin(struct sbuf *b, uint32_t type, uint16_t misc)
{
	struct perf_event_header h = { .type = type, .misc = misc };
	size_t at = b->len;

	sb_put(b, &h, sizeof(h));
	return at;
}

static void sb_end(struct sbuf *b, size_t at)
{
	size_t size = b->len - at;

	assert_true(size <= 0xffff);
	put_u16(b->p, at + 6, (uint16_t)size);
}

/* perf_header_string: u32 padded length, the string, NUL padding to 8. */
static void sb_string(struct sbuf *b, const char *s)
{
	size_t n = (strlen(s) + 1 + 7) & ~(size_t)7;

	sb_u32(b, (uint32_t)n);
	sb_put(b, s, strlen(s));
	sb_put(b, NULL, n - strlen(s));
}

#define PIPE_SAMPLE_TYPE (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | \
			  PERF_SAMPLE_ID | PERF_SAMPLE_PERIOD)
#define TRACING_PAYLOAD 70000   /* more than a pipe buffer holds */

struct pstream {
	struct sbuf b;
	/* the records the reader must return: offset and length in b */
	size_t exp_off[8], exp_len[8];
	int nr_exp;
	struct perf_event_attr a, b2;
	uint8_t bid[20];
};

static void ps_sample(struct pstream *ps, uint64_t ip, uint64_t id, uint64_t time)
{
	size_t at = sb_begin(&ps->b, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);

	sb_u64(&ps->b, ip);
	sb_u64(&ps->b, (uint64_t)4321 << 32 | 1234);
	sb_u64(&ps->b, time);
	sb_u64(&ps->b, id);
	sb_u64(&ps->b, 100000);
	sb_end(&ps->b, at);
	ps->exp_off[ps->nr_exp] = at;
	ps->exp_len[ps->nr_exp++] = ps->b.len - at;
}

static void ps_attr(struct pstream *ps, const struct perf_event_attr *a, const uint64_t *ids,
		    size_t nr)
{
	size_t at = sb_begin(&ps->b, PERF_RECORD_HEADER_ATTR, 0);

	sb_put(&ps->b, a, a->size);
	for (size_t i = 0; i < nr; i++)
		sb_u64(&ps->b, ids[i]);
	sb_end(&ps->b, at);
}

static void ps_name(struct pstream *ps, uint64_t type, uint64_t id, const char *name)
{
	size_t at = sb_begin(&ps->b, PERF_RECORD_EVENT_UPDATE, 0);
	size_t n = (strlen(name) + 1 + 7) & ~(size_t)7;

	sb_u64(&ps->b, type);
	sb_u64(&ps->b, id);
	sb_put(&ps->b, name, strlen(name));
	sb_put(&ps->b, NULL, n - strlen(name));
	sb_end(&ps->b, at);
}

/*
 * The stream: header; two attrs (one of PERF_ATTR_SIZE_VER5 bytes, so
 * anything the reader took past it would come from the ids); names by
 * EVENT_UPDATE (and a unit, which must not become the name); tracing data
 * whose payload looks like sample records; a build id and a hostname
 * feature; then samples, a FINISHED_ROUND and a COMM, which come back.
 */
static void build_pipe_stream(struct pstream *ps)
{
	static const uint64_t ids_a[] = { 101, 102 }, ids_b[] = { 201 };
	struct perf_event_header fake = { .type = PERF_RECORD_SAMPLE, .size = 8 };
	size_t at;

	memset(ps, 0, sizeof(*ps));
	sb_put(&ps->b, "PERFILE2", 8);
	sb_u64(&ps->b, 16);

	memset(&ps->a, 0, sizeof(ps->a));
	ps->a.type = PERF_TYPE_SOFTWARE;
	ps->a.size = PERF_ATTR_SIZE_VER5;
	ps->a.config = PERF_COUNT_SW_CPU_CLOCK;
	ps->a.sample_period = 100000;
	ps->a.sample_type = PIPE_SAMPLE_TYPE;
	ps->a.sample_id_all = 1;
	ps->a.comm = 1;
	ps->b2 = ps->a;
	ps->b2.size = PERF_ATTR_SIZE_VER7;
	ps->b2.config = PERF_COUNT_SW_TASK_CLOCK;
	ps->b2.sample_type = PIPE_SAMPLE_TYPE | PERF_SAMPLE_CPU;
	ps_attr(ps, &ps->a, ids_a, 2);
	ps_attr(ps, &ps->b2, ids_b, 1);
	ps_name(ps, 2, 102, "cpu-clock-a");
	ps_name(ps, 2, 201, "task-clock-b");
	ps_name(ps, 1, 101, "msec");   /* EVENT_UPDATE type 1 is a unit */

	at = sb_begin(&ps->b, PERF_RECORD_HEADER_TRACING_DATA, 0);
	sb_u32(&ps->b, TRACING_PAYLOAD);
	sb_u32(&ps->b, 0);
	sb_end(&ps->b, at);
	for (size_t i = 0; i < TRACING_PAYLOAD; i += 8)
		sb_put(&ps->b, &fake, 8);

	for (int i = 0; i < 20; i++)
		ps->bid[i] = (uint8_t)(0xa0 + i);
	at = sb_begin(&ps->b, PERF_RECORD_HEADER_BUILD_ID,
		      PERF_RECORD_MISC_USER | (1u << 15) /* size in byte 20 */);
	sb_u32(&ps->b, (uint32_t)-1);
	sb_put(&ps->b, ps->bid, 20);
	sb_put(&ps->b, (uint8_t[4]){ 20, 0, 0, 0 }, 4);
	sb_put(&ps->b, "/bin/piped\0\0\0\0\0\0", 16);
	sb_end(&ps->b, at);

	at = sb_begin(&ps->b, PERF_RECORD_HEADER_FEATURE, 0);
	sb_u64(&ps->b, DATA_FEAT_HOSTNAME);
	sb_string(&ps->b, "pipe-host");
	sb_end(&ps->b, at);

	ps_sample(ps, 0x401000, 101, 1000);
	ps_sample(ps, 0x402000, 201, 1001);
	at = sb_begin(&ps->b, PERF_RECORD_FINISHED_ROUND, 0);
	sb_end(&ps->b, at);
	ps->exp_off[ps->nr_exp] = at;
	ps->exp_len[ps->nr_exp++] = 8;
	at = sb_begin(&ps->b, PERF_RECORD_COMM, 0);
	sb_u32(&ps->b, 1234);
	sb_u32(&ps->b, 4321);
	sb_put(&ps->b, "worker\0\0", 8);
	sb_end(&ps->b, at);
	ps->exp_off[ps->nr_exp] = at;
	ps->exp_len[ps->nr_exp++] = ps->b.len - at;
	ps_sample(ps, 0x403000, 102, 1002);
}

static void check_pipe_stream(struct data_reader *r, const struct pstream *ps)
{
	const struct data_reader_attr *ra;
	const struct data_reader_build_id *bi;
	const struct perf_event_header *ev;
	uint64_t off;

	assert_true(data_reader_is_pipe(r));
	for (int i = 0; i < ps->nr_exp; i++) {
		assert_int_equal(data_reader_next(r, &ev, &off), 1);
		assert_int_equal(off, ps->exp_off[i]);
		assert_int_equal(ev->size, ps->exp_len[i]);
		assert_memory_equal(ev, ps->b.p + ps->exp_off[i], ps->exp_len[i]);
		/* the attrs came first, so they are all known by now */
		assert_int_equal(data_reader_nr_attrs(r), 2);
	}
	assert_int_equal(data_reader_next(r, &ev, &off), 0);
	assert_null(data_reader_warning(r));

	ra = data_reader_attr(r, 0);
	assert_non_null(ra);
	assert_int_equal(ra->attr.config, PERF_COUNT_SW_CPU_CLOCK);
	assert_int_equal(ra->attr.sample_type, PIPE_SAMPLE_TYPE);
	assert_int_equal(ra->attr.sample_period, 100000);
	assert_int_equal(ra->nr_ids, 2);
	assert_int_equal(ra->ids[0], 101);
	assert_int_equal(ra->ids[1], 102);
	assert_non_null(ra->name);
	assert_string_equal(ra->name, "cpu-clock-a");
	/* nothing past the attr's own 112 bytes (the ids follow them) */
	for (size_t i = PERF_ATTR_SIZE_VER5; i < sizeof(ra->attr); i++)
		assert_int_equal(((const uint8_t *)&ra->attr)[i], 0);
	ra = data_reader_attr(r, 1);
	assert_non_null(ra);
	assert_int_equal(ra->attr.config, PERF_COUNT_SW_TASK_CLOCK);
	assert_int_equal(ra->attr.sample_type, PIPE_SAMPLE_TYPE | PERF_SAMPLE_CPU);
	assert_int_equal(ra->nr_ids, 1);
	assert_int_equal(ra->ids[0], 201);
	assert_non_null(ra->name);
	assert_string_equal(ra->name, "task-clock-b");

	assert_int_equal(data_reader_nr_build_ids(r), 1);
	bi = data_reader_build_id(r, 0);
	assert_int_equal(bi->len, 20);
	assert_memory_equal(bi->id, ps->bid, 20);
	assert_int_equal(bi->misc, PERF_RECORD_MISC_USER);
	assert_string_equal(bi->filename, "/bin/piped");
	assert_non_null(data_reader_info(r)->hostname);
	assert_string_equal(data_reader_info(r)->hostname, "pipe-host");
}

/* A child process writing bytes into a pipe or FIFO, in uneven pieces. */
struct feeder {
	pid_t pid;
	int saved_stdin;
};

static void feed_child(int fd, const unsigned char *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		size_t n = done < 256 ? 7 : 4093;
		ssize_t k;

		if (n > len - done)
			n = len - done;
		k = write(fd, p + done, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			_exit(1);
		done += (size_t)k;
		if (done < 256)
			usleep(100);
	}
	_exit(0);
}

/* Makes standard input a pipe that a child fills with p. */
static void feed_stdin(struct feeder *fe, const unsigned char *p, size_t len)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	fe->pid = fork();
	assert_true(fe->pid >= 0);
	if (fe->pid == 0) {
		close(fds[0]);
		feed_child(fds[1], p, len);
	}
	close(fds[1]);
	fe->saved_stdin = dup(STDIN_FILENO);
	assert_true(fe->saved_stdin >= 0);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
}

/* A child that opens FIFO path for writing and fills it with p. */
static void feed_fifo(struct feeder *fe, const char *path, const unsigned char *p, size_t len)
{
	assert_int_equal(mkfifo(path, 0600), 0);
	fe->saved_stdin = -1;
	fe->pid = fork();
	assert_true(fe->pid >= 0);
	if (fe->pid == 0) {
		int fd = open(path, O_WRONLY);

		if (fd < 0)
			_exit(1);
		feed_child(fd, p, len);
	}
}

/* After the reader is closed: stdin back, the child reaped (SIGPIPE is fine). */
static void feed_finish(struct feeder *fe)
{
	int st;

	if (fe->saved_stdin >= 0) {
		assert_int_equal(dup2(fe->saved_stdin, STDIN_FILENO), STDIN_FILENO);
		close(fe->saved_stdin);
	}
	assert_int_equal(waitpid(fe->pid, &st, 0), fe->pid);
}

static void test_pipe_stdin(void **state)
{
	struct pstream ps;
	struct feeder fe;
	struct data_reader *r;
	char err[256] = "";

	(void)state;
	build_pipe_stream(&ps);
	feed_stdin(&fe, ps.b.p, ps.b.len);
	if (data_reader_open(&r, "-", err, sizeof(err)) != 0)
		fail_msg("open -: %s", err);
	check_pipe_stream(r, &ps);
	data_reader_close(r);
	feed_finish(&fe);
	free(ps.b.p);
}

static void test_pipe_fifo(void **state)
{
	struct pstream ps;
	struct feeder fe;
	struct data_reader *r;
	struct tdir t;
	char err[256] = "";

	(void)state;
	tdir_init(&t);
	build_pipe_stream(&ps);
	feed_fifo(&fe, tdir_path(&t, "fifo"), ps.b.p, ps.b.len);
	if (data_reader_open(&r, tdir_path(&t, "fifo"), err, sizeof(err)) != 0)
		fail_msg("open fifo: %s", err);
	check_pipe_stream(r, &ps);
	data_reader_close(r);
	feed_finish(&fe);
	tdir_exit(&t);
	free(ps.b.p);
}

/* `perf record -o - > file`: the stream saved in a regular file. */
static void test_pipe_saved(void **state)
{
	struct pstream ps;
	struct data_reader *r;
	struct tdir t;
	char err[256] = "";

	(void)state;
	tdir_init(&t);
	build_pipe_stream(&ps);
	spit(tdir_path(&t, "pipe.data"), ps.b.p, ps.b.len);
	if (data_reader_open(&r, tdir_path(&t, "pipe.data"), err, sizeof(err)) != 0)
		fail_msg("open: %s", err);
	check_pipe_stream(r, &ps);
	data_reader_close(r);
	tdir_exit(&t);
	free(ps.b.p);
}

/* Opens bytes through a real pipe on stdin; open's result and error. */
static int open_piped(const unsigned char *p, size_t len, struct feeder *fe,
		      struct data_reader **r, char *err, size_t errlen)
{
	feed_stdin(fe, p, len);
	return data_reader_open(r, "-", err, errlen);
}

static void test_pipe_damage(void **state)
{
	struct pstream ps;
	struct feeder fe;
	struct data_reader *r;
	const struct perf_event_header *ev;
	unsigned char *c;
	char err[256];
	uint64_t off;
	size_t last;

	(void)state;
	build_pipe_stream(&ps);
	c = malloc(ps.b.len);
	assert_non_null(c);
	last = ps.exp_off[ps.nr_exp - 1];

	/* cut inside the last record: the ones before it, then a warning */
	assert_int_equal(open_piped(ps.b.p, last + 20, &fe, &r, err, sizeof(err)), 0);
	for (int i = 0; i < ps.nr_exp - 1; i++) {
		assert_int_equal(data_reader_next(r, &ev, &off), 1);
		assert_int_equal(off, ps.exp_off[i]);
	}
	assert_int_equal(data_reader_next(r, &ev, &off), 0);
	expect_contains(data_reader_warning(r), "stream ends inside a record");
	data_reader_close(r);
	feed_finish(&fe);

	/* a record of size 0 right after the header */
	memcpy(c, ps.b.p, ps.b.len);
	put_u16(c, 16 + 6, 0);
	assert_int_equal(open_piped(c, ps.b.len, &fe, &r, err, sizeof(err)), 0);
	assert_true(data_reader_next(r, &ev, &off) < 0);
	expect_contains(data_reader_error(r), "offset 0x10");
	expect_contains(data_reader_error(r), "record size 0 is smaller than its header");
	data_reader_close(r);
	feed_finish(&fe);

	/* an attr claiming more bytes than its record holds */
	memcpy(c, ps.b.p, ps.b.len);
	c[16 + 8 + 4] = 0xff;   /* attr.size, low byte: 0xff > 112 + 16 */
	assert_int_equal(open_piped(c, ps.b.len, &fe, &r, err, sizeof(err)), 0);
	assert_true(data_reader_next(r, &ev, &off) < 0);
	expect_contains(data_reader_error(r), "offset 0x10");
	expect_contains(data_reader_error(r), "does not fit its record");
	data_reader_close(r);
	feed_finish(&fe);

	/* a file's header (size 104) is not a stream's */
	memcpy(c, ps.b.p, ps.b.len);
	put_u64(c, 8, H_LEN);
	r = (void *)1;
	assert_true(open_piped(c, ps.b.len, &fe, &r, err, sizeof(err)) < 0);
	assert_null(r);
	expect_contains(err, "offset 0x8");
	expect_contains(err, "stream header size");
	feed_finish(&fe);

	memcpy(c, "NOTPERF!", 8);
	assert_true(open_piped(c, ps.b.len, &fe, &r, err, sizeof(err)) < 0);
	expect_contains(err, "offset 0x0");
	expect_contains(err, "bad magic");
	feed_finish(&fe);

	assert_true(open_piped(c, 0, &fe, &r, err, sizeof(err)) < 0);
	expect_contains(err, "empty");
	feed_finish(&fe);
	free(c);
	free(ps.b.p);
}

/* ---- real perf files */

struct perf_rec {
	uint64_t off;
	uint32_t size, type;
};

static bool perf_usable(char *why, size_t len)
{
	int st = system("perf --version >/dev/null 2>&1");

	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(why, len, "perf is not installed");
		return false;
	}
	return true;
}

/* A workload of some tens of milliseconds, for samples every 100 us. */
#define PERF_WORKLOAD "sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'"

/*
 * `perf report -D` prints every record as it reads it, before any
 * sorting, as "<offset>@<path> [<size>]: event: <type>" (perf 6.1, both
 * for files and for "pipe" input, where the offset counts from the end of
 * the 16-byte stream header), and each sample again, as it is delivered,
 * on a line with " PERF_RECORD_SAMPLE(". Both are counted here.
 */
static size_t perf_dump(const char *path, struct perf_rec **out, size_t *nr_samples)
{
	char cmd[512], line[4096];
	struct perf_rec *recs = NULL;
	size_t n = 0, cap = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "perf report -D -i '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	*nr_samples = 0;
	while (fgets(line, sizeof(line), p)) {
		uint64_t off;
		unsigned size, type;

		if (strstr(line, " PERF_RECORD_SAMPLE("))
			(*nr_samples)++;
		if (sscanf(line, "%" SCNx64 "@%*s [%x]: event: %u", &off, &size, &type) != 3)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			recs = realloc(recs, cap * sizeof(*recs));
			assert_non_null(recs);
		}
		recs[n++] = (struct perf_rec){ off, size, type };
	}
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s failed (status %#x)", cmd, st);
	*out = recs;
	return n;
}

static int perf_rec_cmp(const void *a, const void *b)
{
	const struct perf_rec *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* Reads r to its end without error; the records' offsets, sizes, types. */
static size_t read_all(struct data_reader *r, struct perf_rec **out)
{
	const struct perf_event_header *ev;
	struct perf_rec *recs = NULL;
	size_t n = 0, cap = 0;
	uint64_t off;
	int ret;

	while ((ret = data_reader_next(r, &ev, &off)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			recs = realloc(recs, cap * sizeof(*recs));
			assert_non_null(recs);
		}
		recs[n++] = (struct perf_rec){ off, ev->size, ev->type };
	}
	if (ret < 0)
		fail_msg("record %zu: %s", n, data_reader_error(r));
	assert_null(data_reader_warning(r));
	*out = recs;
	return n;
}

static size_t count_type(const struct perf_rec *recs, size_t n, uint32_t type)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += recs[i].type == type;
	return k;
}

static void test_perf_file(void **state)
{
	struct tdir t;
	struct data_reader *r;
	struct perf_rec *mine, *theirs;
	const struct data_reader_info *in;
	unsigned char *file;
	char cmd[768], why[128], err[256] = "";
	const char *path;
	size_t n_mine, n_theirs, n_samples, len;
	bool found = false;
	int st;

	(void)state;
	if (!perf_usable(why, sizeof(why))) {
		print_message("skipped: %s\n", why);
		skip();
	}
	tdir_init(&t);
	path = tdir_path(&t, "perf.data");
	snprintf(cmd, sizeof(cmd),
		 "perf record -q -N -e cpu-clock -c 100000 -g -o '%s' -- " PERF_WORKLOAD
		 " >/dev/null 2>&1", path);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		print_message("skipped: perf record failed (status %#x; perf_event_paranoid?)\n", st);
		tdir_exit(&t);
		skip();
	}

	if (data_reader_open(&r, path, err, sizeof(err)) != 0)
		fail_msg("open %s: %s", path, err);
	assert_false(data_reader_is_pipe(r));
	assert_true(data_reader_nr_attrs(r) >= 1);
	assert_int_equal(data_reader_attr(r, 0)->attr.type, PERF_TYPE_SOFTWARE);
	assert_int_equal(data_reader_attr(r, 0)->attr.config, PERF_COUNT_SW_CPU_CLOCK);
	assert_int_equal(data_reader_attr(r, 0)->attr.sample_period, 100000);
	assert_true(data_reader_attr(r, 0)->attr.sample_type & PERF_SAMPLE_CALLCHAIN);
	assert_true(data_reader_attr(r, 0)->nr_ids >= 1);
	assert_non_null(data_reader_attr(r, 0)->name);
	assert_string_equal(data_reader_attr(r, 0)->name, "cpu-clock");
	in = data_reader_info(r);
	for (size_t i = 0; i < in->nr_cmdline; i++)
		found |= strcmp(in->cmdline[i], "cpu-clock") == 0;
	assert_true(found);
	n_mine = read_all(r, &mine);
	data_reader_close(r);

	/* the records tile the data section the header (read here) declares */
	file = slurp(path, &len);
	assert_true(n_mine > 0);
	assert_int_equal(mine[0].off, get_u64(file, H_DATA_OFF));
	for (size_t i = 0; i + 1 < n_mine; i++)
		assert_int_equal(mine[i].off + mine[i].size, mine[i + 1].off);
	assert_int_equal(mine[n_mine - 1].off + mine[n_mine - 1].size,
			 get_u64(file, H_DATA_OFF) + get_u64(file, H_DATA_SIZE));
	free(file);

	n_theirs = perf_dump(path, &theirs, &n_samples);
	qsort(theirs, n_theirs, sizeof(*theirs), perf_rec_cmp);
	print_message("perf file: %zu records, %zu samples (perf report -D: %zu, %zu)\n", n_mine,
		      count_type(mine, n_mine, PERF_RECORD_SAMPLE), n_theirs, n_samples);
	assert_true(n_samples > 0);
	assert_int_equal(count_type(mine, n_mine, PERF_RECORD_SAMPLE), n_samples);
	assert_int_equal(n_mine, n_theirs);
	for (size_t i = 0; i < n_mine; i++) {
		assert_int_equal(mine[i].off, theirs[i].off);
		assert_int_equal(mine[i].size, theirs[i].size);
		assert_int_equal(mine[i].type, theirs[i].type);
	}
	free(mine);
	free(theirs);
	tdir_exit(&t);
}

/* The pipe header records the reader consumes instead of returning. */
static bool pipe_header_type(uint32_t type)
{
	switch (type) {
	case PERF_RECORD_HEADER_ATTR:
	case PERF_RECORD_HEADER_EVENT_TYPE:
	case PERF_RECORD_HEADER_TRACING_DATA:
	case PERF_RECORD_HEADER_BUILD_ID:
	case PERF_RECORD_EVENT_UPDATE:
	case PERF_RECORD_HEADER_FEATURE:
		return true;
	default:
		return false;
	}
}

static void test_perf_pipe(void **state)
{
	struct tdir t;
	struct data_reader *r;
	struct feeder fe;
	struct perf_rec *mine, *piped, *theirs;
	unsigned char *file;
	char cmd[768], why[128], err[256] = "";
	const char *path;
	size_t n_mine, n_piped, n_theirs, n_samples, len, k = 0;
	int st;

	(void)state;
	if (!perf_usable(why, sizeof(why))) {
		print_message("skipped: %s\n", why);
		skip();
	}
	tdir_init(&t);
	path = tdir_path(&t, "pipe.data");
	snprintf(cmd, sizeof(cmd),
		 "perf record -q -N -e cpu-clock -c 100000 -g -o - -- " PERF_WORKLOAD
		 " 2>/dev/null >'%s'", path);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		print_message("skipped: perf record -o - failed (status %#x)\n", st);
		tdir_exit(&t);
		skip();
	}

	/* saved in a file */
	if (data_reader_open(&r, path, err, sizeof(err)) != 0)
		fail_msg("open %s: %s", path, err);
	assert_true(data_reader_is_pipe(r));
	n_mine = read_all(r, &mine);
	assert_true(data_reader_nr_attrs(r) >= 1);
	assert_int_equal(data_reader_attr(r, 0)->attr.config, PERF_COUNT_SW_CPU_CLOCK);
	assert_non_null(data_reader_attr(r, 0)->name);
	assert_string_equal(data_reader_attr(r, 0)->name, "cpu-clock");
	assert_non_null(data_reader_info(r)->hostname);
	data_reader_close(r);

	/* the same bytes through a real pipe give the same records */
	file = slurp(path, &len);
	assert_int_equal(open_piped(file, len, &fe, &r, err, sizeof(err)), 0);
	n_piped = read_all(r, &piped);
	assert_true(data_reader_nr_attrs(r) >= 1);
	data_reader_close(r);
	feed_finish(&fe);
	free(file);
	assert_int_equal(n_piped, n_mine);
	assert_memory_equal(piped, mine, n_mine * sizeof(*mine));

	/* perf's own dump, less the header records, offsets from after the 16-byte header */
	n_theirs = perf_dump(path, &theirs, &n_samples);
	print_message("perf pipe: %zu records, %zu samples (perf report -D: %zu, %zu)\n", n_mine,
		      count_type(mine, n_mine, PERF_RECORD_SAMPLE), n_theirs, n_samples);
	qsort(theirs, n_theirs, sizeof(*theirs), perf_rec_cmp);
	assert_true(n_samples > 0);
	assert_int_equal(count_type(mine, n_mine, PERF_RECORD_SAMPLE), n_samples);
	for (size_t i = 0; i < n_theirs; i++) {
		if (pipe_header_type(theirs[i].type))
			continue;
		assert_true(k < n_mine);
		assert_int_equal(mine[k].off, theirs[i].off + 16);
		assert_int_equal(mine[k].size, theirs[i].size);
		assert_int_equal(mine[k].type, theirs[i].type);
		k++;
	}
	assert_int_equal(k, n_mine);
	free(mine);
	free(piped);
	free(theirs);
	tdir_exit(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bad_header, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bad_features, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bad_record, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bad_file_kinds, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_truncated, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_data_size_zero, fixture_setup,
						fixture_teardown),
		cmocka_unit_test(test_pipe_stdin),
		cmocka_unit_test(test_pipe_fifo),
		cmocka_unit_test(test_pipe_saved),
		cmocka_unit_test(test_pipe_damage),
		cmocka_unit_test(test_perf_file),
		cmocka_unit_test(test_perf_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
