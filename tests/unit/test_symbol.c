/*
 * Unit tests of lib/symbol. Expected values never come from lib/symbol
 * itself: function offsets, source lines and build ids are reported by
 * the fixture program about itself (tests/fixtures/symbol), the vDSO's
 * addresses come from the dynamic loader, and kallsyms / perf-PID.map
 * inputs are written here with the answers perf's rules give for them.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sframetrace/symbol.h"

#ifndef SYMFX_DIR
#error "SYMFX_DIR must name the directory with the built fixtures"
#endif

/* What the fixture says about itself. */
struct fx_info {
	char names[16][64];
	uint64_t offs[16];
	int nr;
	int inl_first, inl_last, inl_call, outer_first, outer_last;
	uint8_t build_id[64];
	size_t build_id_len;
};

static uint64_t fx_off(const struct fx_info *fx, const char *name)
{
	int i;

	for (i = 0; i < fx->nr; i++)
		if (!strcmp(fx->names[i], name))
			return fx->offs[i];
	fail_msg("fixture did not report %s", name);
	return 0;
}

static void fx_load(struct fx_info *fx, const char *prog)
{
	char cmd[512], line[512];
	FILE *p;

	memset(fx, 0, sizeof(*fx));
	snprintf(cmd, sizeof(cmd), "%s/%s --print", SYMFX_DIR, prog);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char name[64], hex[160];
		unsigned long v;
		int n;

		if (sscanf(line, "fn %63s %lx", name, &v) == 2 && fx->nr < 16) {
			snprintf(fx->names[fx->nr], sizeof(fx->names[0]), "%s", name);
			fx->offs[fx->nr++] = v;
		} else if (sscanf(line, "line %63s %d", name, &n) == 2) {
			if (!strcmp(name, "inl_first"))
				fx->inl_first = n;
			else if (!strcmp(name, "inl_last"))
				fx->inl_last = n;
			else if (!strcmp(name, "inl_call"))
				fx->inl_call = n;
			else if (!strcmp(name, "outer_first"))
				fx->outer_first = n;
			else if (!strcmp(name, "outer_last"))
				fx->outer_last = n;
		} else if (sscanf(line, "buildid %159s", hex) == 1 && strcmp(hex, "none")) {
			size_t i;

			for (i = 0; hex[2 * i] && hex[2 * i + 1] && i < sizeof(fx->build_id); i++) {
				unsigned int b;

				sscanf(hex + 2 * i, "%2x", &b);
				fx->build_id[i] = (uint8_t)b;
			}
			fx->build_id_len = i;
		}
	}
	assert_int_equal(pclose(p), 0);
	assert_true(fx->nr >= 8);
}

struct tdir {
	char dir[128];
};

static void tdir_init(struct tdir *t)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(t->dir, sizeof(t->dir), "%s/sft-symbol-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(t->dir));
}

static void tdir_exit(struct tdir *t)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static struct symbol_cache *cache_new(const struct symbol_opts *o)
{
	struct symbol_opts def = { .quiet = true };
	struct symbol_cache *c = NULL;

	assert_int_equal(symbol_cache_new(&c, o ? o : &def), 0);
	assert_non_null(c);
	return c;
}

/* The name lookup gives for addr, and that its start is start. */
static void expect_sym(struct symbol_cache *c, struct symbol_dso *d, uint64_t addr,
		       const char *name, uint64_t start)
{
	struct symbol_frame f[8];

	assert_int_equal(symbol_lookup(c, d, addr, f, 8) >= 1, 1);
	if (!name) {
		assert_null(f[0].name);
		return;
	}
	if (!f[0].name)
		fail_msg("%s+%#lx: no symbol, expected %s", symbol_dso_name(d),
			 (unsigned long)addr, name);
	assert_string_equal(f[0].name, name);
	assert_int_equal(f[0].start, start);
}

static void check_basic_symbols(const char *prog)
{
	struct fx_info fx;
	struct symbol_cache *c = cache_new(NULL);
	char path[256];
	struct symbol_dso *d;
	uint64_t zs, al;

	fx_load(&fx, prog);
	snprintf(path, sizeof(path), "%s/%s", SYMFX_DIR, prog);
	d = symbol_cache_dso(c, path, 1);
	assert_non_null(d);
	assert_int_equal(symbol_dso_kind(d), SYMBOL_DSO_ELF);
	assert_false(symbol_dso_absolute(d));
	assert_string_equal(symbol_dso_name(d), path);
	assert_string_equal(symbol_dso_short_name(d), prog);
	/* The same name is the same DSO. */
	assert_ptr_equal(symbol_cache_dso(c, path, 2), d);

	expect_sym(c, d, fx_off(&fx, "fx_plain"), "fx_plain", fx_off(&fx, "fx_plain"));
	expect_sym(c, d, fx_off(&fx, "fx_plain") + 3, "fx_plain", fx_off(&fx, "fx_plain"));
	expect_sym(c, d, fx_off(&fx, "fx_local_only") + 1, "fx_local_only",
		   fx_off(&fx, "fx_local_only"));
	expect_sym(c, d, fx_off(&fx, "fx_inl_outer") + 2, "fx_inl_outer",
		   fx_off(&fx, "fx_inl_outer"));

	/* Aliases: perf's choose_best_symbol order. */
	al = fx_off(&fx, "fx_alias_target");
	assert_int_equal(fx_off(&fx, "fx_alias_local"), al);
	expect_sym(c, d, al + 1, "fx_alias_target_longer", al);
	expect_sym(c, d, fx_off(&fx, "fx_wl_local") + 1, "fx_wl_local", fx_off(&fx, "fx_wl_local"));

	/* A zero-size symbol reaches the next one. */
	zs = fx_off(&fx, "fx_zero_size");
	assert_int_equal(fx_off(&fx, "fx_zero_next"), zs + 16);
	expect_sym(c, d, zs, "fx_zero_size", zs);
	expect_sym(c, d, zs + 9, "fx_zero_size", zs);
	expect_sym(c, d, zs + 16, "fx_zero_next", zs + 16);

	/* Far outside the file: nothing. */
	expect_sym(c, d, 0x7fffffff0000ULL, NULL, 0);
	symbol_cache_free(c);
}

static void test_elf_pie(void **state)
{
	(void)state;
	check_basic_symbols("fx_pie");
}

static void test_elf_exec(void **state)
{
	(void)state;
	check_basic_symbols("fx_exec");
}

/* A stripped file finds its static functions only through the debug file. */
static void test_debuglink(void **state)
{
	struct fx_info fx;
	struct symbol_cache *c;
	struct tdir t;
	char path[512];
	struct symbol_dso *d;
	uint64_t lo;

	(void)state;
	fx_load(&fx, "fx_nobid");
	lo = fx_off(&fx, "fx_local_only");
	tdir_init(&t);

	/* Without the debug file next to it: only .dynsym, no static function. */
	assert_int_equal(run("cp '%s/fx_nobid.stripped' '%s/alone'", SYMFX_DIR, t.dir), 0);
	snprintf(path, sizeof(path), "%s/alone", t.dir);
	c = cache_new(NULL);
	d = symbol_cache_dso(c, path, 1);
	{
		struct symbol_frame f;

		symbol_lookup(c, d, lo + 1, &f, 1);
		assert_true(!f.name || strcmp(f.name, "fx_local_only"));
	}
	symbol_cache_free(c);

	/* With it, found through .gnu_debuglink. */
	snprintf(path, sizeof(path), "%s/fx_nobid.stripped", SYMFX_DIR);
	c = cache_new(NULL);
	d = symbol_cache_dso(c, path, 1);
	expect_sym(c, d, lo + 1, "fx_local_only", lo);
	expect_sym(c, d, fx_off(&fx, "fx_alias_target"), "fx_alias_target_longer",
		   fx_off(&fx, "fx_alias_target"));
	symbol_cache_free(c);

	/* Under --symfs: the recorded path names a file below the prefix. */
	{
		struct symbol_opts o = { .quiet = true };

		assert_int_equal(run("mkdir -p '%s/root/opt' && cp '%s/fx_nobid.stripped' "
				     "'%s/fx_nobid.debug' '%s/root/opt/'", t.dir, SYMFX_DIR,
				     SYMFX_DIR, t.dir), 0);
		snprintf(path, sizeof(path), "%s/root", t.dir);
		o.symfs = path;
		c = cache_new(&o);
		d = symbol_cache_dso(c, "/opt/fx_nobid.stripped", 1);
		assert_int_equal(symbol_dso_kind(d), SYMBOL_DSO_ELF);
		assert_string_equal(symbol_dso_name(d), "/opt/fx_nobid.stripped");
		expect_sym(c, d, lo + 1, "fx_local_only", lo);
		symbol_cache_free(c);
	}

	/* And in .debug/ next to the file. */
	assert_int_equal(run("mkdir '%s/.debug' && cp '%s/fx_nobid.debug' '%s/.debug/' && "
			     "cp '%s/fx_nobid.stripped' '%s/prog'", t.dir, SYMFX_DIR, t.dir,
			     SYMFX_DIR, t.dir), 0);
	snprintf(path, sizeof(path), "%s/prog", t.dir);
	c = cache_new(NULL);
	d = symbol_cache_dso(c, path, 1);
	expect_sym(c, d, lo + 1, "fx_local_only", lo);
	symbol_cache_free(c);
	tdir_exit(&t);
}

/* A stripped file with a build id: its debug file under DEBUG_DIR/.build-id/. */
static void test_build_id_debug_dir(void **state)
{
	struct symbol_opts o = { .quiet = true };
	struct fx_info fx;
	struct symbol_cache *c;
	struct tdir t;
	char path[512], hex[129], dbg[256];
	struct symbol_dso *d;
	size_t i;

	(void)state;
	fx_load(&fx, "fx_pie");
	assert_true(fx.build_id_len >= 2);
	for (i = 0; i < fx.build_id_len; i++)
		sprintf(hex + 2 * i, "%02x", fx.build_id[i]);
	tdir_init(&t);
	snprintf(dbg, sizeof(dbg), "%s/debug", t.dir);
	assert_int_equal(run("mkdir -p '%s/.build-id/%.2s' && cp '%s/fx_pie.debug' "
			     "'%s/.build-id/%.2s/%s.debug' && cp '%s/fx_pie.stripped' '%s/prog'",
			     dbg, hex, SYMFX_DIR, dbg, hex, hex + 2, SYMFX_DIR, t.dir), 0);
	snprintf(path, sizeof(path), "%s/prog", t.dir);

	o.debug_dir = dbg;
	c = cache_new(&o);
	d = symbol_cache_dso(c, path, 1);
	expect_sym(c, d, fx_off(&fx, "fx_local_only") + 1, "fx_local_only",
		   fx_off(&fx, "fx_local_only"));
	symbol_cache_free(c);

	/* The same file with an empty debug directory has no static symbols. */
	o.debug_dir = t.dir;
	c = cache_new(&o);
	d = symbol_cache_dso(c, path, 1);
	{
		struct symbol_frame f;

		symbol_lookup(c, d, fx_off(&fx, "fx_local_only") + 1, &f, 1);
		assert_true(!f.name || strcmp(f.name, "fx_local_only"));
	}
	symbol_cache_free(c);
	tdir_exit(&t);
}

static void capture_stderr_begin(int *saved, const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	fflush(stderr);
	*saved = dup(2);
	assert_true(*saved >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
}

static char *capture_stderr_end(int saved, const char *file)
{
	static char buf[4096];
	FILE *f;
	size_t n;

	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	f = fopen(file, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_build_id_mismatch(void **state)
{
	struct symbol_opts o = { .quiet = false };
	struct fx_info fx;
	struct symbol_cache *c;
	struct symbol_dso *d;
	struct tdir t;
	char path[256], err[256], expect[512], *out;
	uint8_t wrong[20];
	int saved;

	(void)state;
	fx_load(&fx, "fx_pie");
	assert_int_equal(fx.build_id_len, 20);
	snprintf(path, sizeof(path), "%s/fx_pie", SYMFX_DIR);
	tdir_init(&t);
	snprintf(err, sizeof(err), "%s/stderr", t.dir);

	/* The recorded id is the file's: symbols as usual. */
	c = cache_new(NULL);
	assert_int_equal(symbol_cache_set_build_id(c, path, fx.build_id, fx.build_id_len), 0);
	d = symbol_cache_dso(c, path, 1);
	expect_sym(c, d, fx_off(&fx, "fx_plain"), "fx_plain", fx_off(&fx, "fx_plain"));
	assert_false(symbol_dso_changed(d));
	symbol_cache_free(c);

	/* Another id: changed, no symbols, one warning however many lookups. */
	memcpy(wrong, fx.build_id, sizeof(wrong));
	wrong[7] ^= 0x5a;
	capture_stderr_begin(&saved, err);
	c = cache_new(&o);
	assert_int_equal(symbol_cache_set_build_id(c, path, wrong, sizeof(wrong)), 0);
	d = symbol_cache_dso(c, path, 1);
	expect_sym(c, d, fx_off(&fx, "fx_plain"), NULL, 0);
	expect_sym(c, d, fx_off(&fx, "fx_inl_outer"), NULL, 0);
	assert_true(symbol_dso_changed(d));
	symbol_cache_free(c);
	out = capture_stderr_end(saved, err);
	snprintf(expect, sizeof(expect), "sframetrace: warning: %s changed since recording "
		 "(build id differs); its samples are shown unresolved\n", path);
	assert_string_equal(out, expect);

	/* Told after the DSO was loaded: dropped from then on. */
	c = cache_new(NULL);
	d = symbol_cache_dso(c, path, 1);
	expect_sym(c, d, fx_off(&fx, "fx_plain"), "fx_plain", fx_off(&fx, "fx_plain"));
	assert_int_equal(symbol_cache_set_build_id(c, path, wrong, sizeof(wrong)), 0);
	assert_true(symbol_dso_changed(d));
	expect_sym(c, d, fx_off(&fx, "fx_plain"), NULL, 0);
	symbol_cache_free(c);

	/* A file without a build id cannot be the recorded one. */
	snprintf(path, sizeof(path), "%s/fx_nobid", SYMFX_DIR);
	c = cache_new(NULL);
	assert_int_equal(symbol_cache_set_build_id(c, path, wrong, sizeof(wrong)), 0);
	d = symbol_cache_dso(c, path, 1);
	expect_sym(c, d, 0x1000, NULL, 0);
	assert_true(symbol_dso_changed(d));
	assert_int_equal(symbol_cache_set_build_id(c, path, NULL, 0), 0);
	assert_int_equal(symbol_cache_set_build_id(c, NULL, wrong, 20), -EINVAL);
	symbol_cache_free(c);
	tdir_exit(&t);
}

static void test_missing_file(void **state)
{
	struct symbol_opts o = { .quiet = false };
	struct symbol_cache *c;
	struct symbol_dso *d;
	struct tdir t;
	char err[256], *out;
	int saved;

	(void)state;
	tdir_init(&t);
	snprintf(err, sizeof(err), "%s/stderr", t.dir);
	capture_stderr_begin(&saved, err);
	c = cache_new(&o);
	d = symbol_cache_dso(c, "/nonexistent/dir/libgone.so", 1);
	assert_non_null(d);
	assert_int_equal(symbol_dso_kind(d), SYMBOL_DSO_UNKNOWN);
	assert_string_equal(symbol_dso_short_name(d), "libgone.so");
	expect_sym(c, d, 0x1234, NULL, 0);
	expect_sym(c, d, 0x5678, NULL, 0);
	/* A deleted memfd is expected to be gone: no warning for it. */
	d = symbol_cache_dso(c, "/memfd:jit (deleted)", 1);
	assert_int_equal(symbol_dso_kind(d), SYMBOL_DSO_UNKNOWN);
	assert_string_equal(symbol_dso_short_name(d), "memfd:jit (deleted)");
	expect_sym(c, d, 0x10, NULL, 0);
	symbol_cache_free(c);
	out = capture_stderr_end(saved, err);
	assert_non_null(strstr(out, "/nonexistent/dir/libgone.so"));
	assert_null(strchr(strchr(out, '\n') + 1, '\n'));   /* exactly one line */
	tdir_exit(&t);
}

static void test_inline_srcline(void **state)
{
	struct symbol_opts o = { .quiet = true, .inline_frames = true, .srcline = true };
	struct fx_info fx;
	struct symbol_cache *c;
	struct symbol_dso *d;
	char path[256];
	uint64_t outer, a;
	int inlined_seen = 0, plain_seen = 0, body_seen = 0;

	(void)state;
	fx_load(&fx, "fx_pie");
	assert_true(fx.inl_call > fx.outer_first && fx.inl_call < fx.outer_last);
	snprintf(path, sizeof(path), "%s/fx_pie", SYMFX_DIR);
	outer = fx_off(&fx, "fx_inl_outer");
	c = cache_new(&o);
	d = symbol_cache_dso(c, path, 1);
	for (a = outer; a < outer + 512; a++) {
		struct symbol_frame f[8];
		int n = symbol_lookup(c, d, a, f, 8);

		if (!f[n - 1].name || strcmp(f[n - 1].name, "fx_inl_outer"))
			break;   /* past the function */
		assert_int_equal(f[n - 1].start, outer);
		assert_false(f[n - 1].inlined);
		if (n == 1) {
			/* Outside the inlined body: a line of fx_inl_outer itself. */
			if (f[0].file && strcmp(f[0].file, "??")) {
				assert_string_equal(f[0].file, "symbol_fixture.c");
				assert_true(f[0].line >= (unsigned)fx.outer_first &&
					    f[0].line <= (unsigned)fx.outer_last);
				plain_seen++;
			}
			continue;
		}
		assert_int_equal(n, 2);
		assert_string_equal(f[0].name, "fx_inl_body");
		assert_true(f[0].inlined);
		assert_int_equal(f[0].start, outer);
		assert_non_null(f[0].file);
		assert_string_equal(f[0].file, "symbol_fixture.c");
		/* Scheduling may mix in the caller's instructions (clang does). */
		assert_true(f[0].line >= (unsigned)fx.inl_first &&
			    f[0].line <= (unsigned)fx.outer_last);
		body_seen += f[0].line <= (unsigned)fx.inl_last;
		/* The caller's line is the call's. */
		assert_non_null(f[1].file);
		assert_string_equal(f[1].file, "symbol_fixture.c");
		assert_int_equal(f[1].line, fx.inl_call);
		/* The same answer again (from the cache), and cut to max. */
		{
			struct symbol_frame g[8];

			assert_int_equal(symbol_lookup(c, d, a, g, 8), 2);
			assert_memory_equal(f, g, 2 * sizeof(f[0]));
			assert_int_equal(symbol_lookup(c, d, a, g, 1), 1);
			assert_string_equal(g[0].name, "fx_inl_body");
		}
		inlined_seen++;
	}
	assert_true(inlined_seen > 0);
	assert_true(body_seen > 0);
	assert_true(plain_seen > 0);
	symbol_cache_free(c);

	/* srcline alone: one frame, the innermost line. */
	o.inline_frames = false;
	c = cache_new(&o);
	d = symbol_cache_dso(c, path, 1);
	for (a = outer; a < outer + 512; a++) {
		struct symbol_frame f[4];

		assert_int_equal(symbol_lookup(c, d, a, f, 4), 1);
		if (!f[0].name || strcmp(f[0].name, "fx_inl_outer"))
			break;
		assert_false(f[0].inlined);
		if (f[0].file && strcmp(f[0].file, "??"))
			assert_true(f[0].line >= (unsigned)fx.inl_first &&
				    f[0].line <= (unsigned)fx.outer_last);
	}
	symbol_cache_free(c);
}

static const char fake_kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T _text\n"
	"ffffffff81000100 t local_fn\n"
	"ffffffff81000200 W weak_fn\n"
	"ffffffff81000200 t strong_local\n"
	"ffffffff81000300 T SyS_foo\n"
	"ffffffff81000300 T sys_foo\n"
	"ffffffff81000400 A abs_sym\n"
	"ffffffff81000500 T last_kernel_fn\n"
	"ffffffff81000500 t $x\n"
	"ffffffff81001000 D some_data\n"
	"ffffffffc0001080 t mod_fn2\t[mymod]\n"
	"ffffffffc0001000 t mod_fn1\t[mymod]\n"
	"ffffffffc0002000 T other_fn\t[othermod]\n"
	"garbage line without fields\n"
	"ffffffff8100zzzz T bad_hex\n";

static void test_kallsyms(void **state)
{
	struct symbol_opts o = { .quiet = true };
	struct symbol_cache *c;
	struct symbol_dso *k, *m1, *m2;
	struct tdir t;
	char path[256];

	(void)state;
	tdir_init(&t);
	snprintf(path, sizeof(path), "%s/kallsyms", t.dir);
	write_file(path, fake_kallsyms, strlen(fake_kallsyms));
	o.kallsyms = path;
	c = cache_new(&o);

	k = symbol_cache_kernel_dso(c, 0xffffffff81000150ULL);
	assert_non_null(k);
	assert_int_equal(symbol_dso_kind(k), SYMBOL_DSO_KERNEL);
	assert_string_equal(symbol_dso_name(k), "[kernel.kallsyms]");
	assert_string_equal(symbol_dso_short_name(k), "[kernel.kallsyms]");
	assert_true(symbol_dso_absolute(k));
	/* Same address: all but the last have no size, so the last one wins. */
	expect_sym(c, k, 0xffffffff81000000ULL, "_text", 0xffffffff81000000ULL);
	expect_sym(c, k, 0xffffffff810000ffULL, "_text", 0xffffffff81000000ULL);
	expect_sym(c, k, 0xffffffff81000150ULL, "local_fn", 0xffffffff81000100ULL);
	expect_sym(c, k, 0xffffffff81000234ULL, "strong_local", 0xffffffff81000200ULL);
	/* 'A' symbols are not functions: sys_foo runs on to last_kernel_fn. */
	expect_sym(c, k, 0xffffffff81000450ULL, "sys_foo", 0xffffffff81000300ULL);
	expect_sym(c, k, 0xffffffff81000fffULL, "last_kernel_fn", 0xffffffff81000500ULL);
	/* Data symbols count (perf keeps D and B); the last one before the modules gets a page. */
	expect_sym(c, k, 0xffffffff81001800ULL, "some_data", 0xffffffff81001000ULL);
	expect_sym(c, k, 0xffffffff81002000ULL, NULL, 0);

	m1 = symbol_cache_kernel_dso(c, 0xffffffffc0001010ULL);
	assert_non_null(m1);
	assert_int_equal(symbol_dso_kind(m1), SYMBOL_DSO_MODULE);
	assert_string_equal(symbol_dso_name(m1), "[mymod]");
	assert_string_equal(symbol_dso_short_name(m1), "[mymod]");
	assert_true(symbol_dso_absolute(m1));
	expect_sym(c, m1, 0xffffffffc0001010ULL, "mod_fn1", 0xffffffffc0001000ULL);
	expect_sym(c, m1, 0xffffffffc0001fffULL, "mod_fn2", 0xffffffffc0001080ULL);
	assert_ptr_equal(symbol_cache_kernel_dso(c, 0xffffffffc0001fffULL), m1);
	m2 = symbol_cache_kernel_dso(c, 0xffffffffc0002010ULL);
	assert_string_equal(symbol_dso_name(m2), "[othermod]");
	expect_sym(c, m2, 0xffffffffc0002010ULL, "other_fn", 0xffffffffc0002000ULL);
	/* A module resolves only its own symbols. */
	expect_sym(c, m1, 0xffffffffc0002010ULL, NULL, 0);
	expect_sym(c, k, 0xffffffffc0001010ULL, NULL, 0);
	/* Unknown kernel addresses belong to the kernel. */
	assert_ptr_equal(symbol_cache_kernel_dso(c, 0xffffffff90000000ULL), k);
	assert_ptr_equal(symbol_cache_kernel_dso(c, 0xffffffffc0500000ULL), k);
	symbol_cache_free(c);

	/* kptr_restrict: every address zero, nothing resolves. */
	{
		static const char zeros[] = "0000000000000000 T a_fn\n0000000000000000 t b_fn\n";

		write_file(path, zeros, strlen(zeros));
	}
	c = cache_new(&o);
	k = symbol_cache_kernel_dso(c, 0);
	assert_non_null(k);
	expect_sym(c, k, 0, NULL, 0);
	expect_sym(c, k, 0x10, NULL, 0);
	symbol_cache_free(c);

	/* No kallsyms at all. */
	snprintf(path, sizeof(path), "%s/none", t.dir);
	c = cache_new(&o);
	k = symbol_cache_kernel_dso(c, 0xffffffff81000000ULL);
	assert_non_null(k);
	expect_sym(c, k, 0xffffffff81000000ULL, NULL, 0);
	symbol_cache_free(c);
	tdir_exit(&t);
}

static const char fake_perfmap[] =
	"1000 10 jit_a\n"
	"1010 20 jit_b with spaces\n"
	"2000 0 zero_entry\n"
	"3000 10 ab\n"
	"4000 100 outer\n"
	"4010 10 inner\n"
	"nonsense\n"
	"5000 10 no_newline_at_end";

static void test_perfmap(void **state)
{
	struct symbol_opts o = { .quiet = true };
	struct symbol_cache *c;
	struct symbol_dso *d, *h, *n;
	struct tdir t;
	char path[256];

	(void)state;
	tdir_init(&t);
	snprintf(path, sizeof(path), "%s/perf-4242.map", t.dir);
	write_file(path, fake_perfmap, strlen(fake_perfmap));
	o.tmp_dir = t.dir;
	c = cache_new(&o);

	d = symbol_cache_dso(c, "//anon", 4242);
	assert_non_null(d);
	assert_int_equal(symbol_dso_kind(d), SYMBOL_DSO_PERFMAP);
	assert_string_equal(symbol_dso_name(d), path);
	assert_string_equal(symbol_dso_short_name(d), "[JIT] tid 4242");
	assert_true(symbol_dso_absolute(d));
	/* perf gives every executable anonymous map of the process the same DSO. */
	h = symbol_cache_dso(c, "[heap]", 4242);
	assert_ptr_equal(h, d);
	assert_ptr_equal(symbol_cache_dso_mmap(c, "/dev/zero (deleted)", 4242, PROT_EXEC, 0), d);
	assert_ptr_equal(symbol_cache_dso_mmap(c, "", 4242, PROT_EXEC | PROT_READ, 0), d);

	expect_sym(c, d, 0x1000, "jit_a", 0x1000);
	expect_sym(c, d, 0x100f, "jit_a", 0x1000);
	expect_sym(c, d, 0x1015, "jit_b with spaces", 0x1010);
	expect_sym(c, d, 0x2000, "zero_entry", 0x2000);
	expect_sym(c, d, 0x2001, NULL, 0);
	/* perf skips names shorter than three characters. */
	expect_sym(c, d, 0x3005, NULL, 0);
	/* Overlaps: what perf's rb-tree walk finds (outer is above inner). */
	expect_sym(c, d, 0x4015, "outer", 0x4000);
	expect_sym(c, d, 0x4050, "outer", 0x4000);
	expect_sym(c, d, 0x5008, "no_newline_at_end", 0x5000);
	expect_sym(c, d, 0x6000, NULL, 0);

	/* Not executable: the map keeps its own name and has no symbols. */
	n = symbol_cache_dso_mmap(c, "//anon", 4242, PROT_READ | PROT_WRITE, 0);
	assert_int_equal(symbol_dso_kind(n), SYMBOL_DSO_ANON);
	assert_string_equal(symbol_dso_name(n), "//anon");
	assert_string_equal(symbol_dso_short_name(n), "anon");
	assert_true(symbol_dso_absolute(n));
	expect_sym(c, n, 0x1000, NULL, 0);
	n = symbol_cache_dso_mmap(c, "[stack]", 4242, PROT_READ | PROT_WRITE, 0);
	assert_int_equal(symbol_dso_kind(n), SYMBOL_DSO_ANON);
	assert_string_equal(symbol_dso_short_name(n), "[stack]");
	n = symbol_cache_dso(c, "[vsyscall]", 4242);
	assert_int_equal(symbol_dso_kind(n), SYMBOL_DSO_ANON);
	assert_string_equal(symbol_dso_short_name(n), "[vsyscall]");
	assert_false(symbol_dso_absolute(n));
	expect_sym(c, n, 0, NULL, 0);

	/* Another process without a map: the same naming, no symbols. */
	d = symbol_cache_dso(c, "//anon", 77);
	assert_int_equal(symbol_dso_kind(d), SYMBOL_DSO_PERFMAP);
	assert_string_equal(symbol_dso_short_name(d), "[JIT] tid 77");
	expect_sym(c, d, 0x1000, NULL, 0);
	symbol_cache_free(c);
	tdir_exit(&t);
}

/* A JIT that ran for long: a big map loads quickly and stays correct. */
static void test_perfmap_huge(void **state)
{
	struct symbol_opts o = { .quiet = true };
	struct symbol_cache *c;
	struct symbol_dso *d;
	struct tdir t;
	char path[256], name[32];
	struct timeval t0, t1;
	const long n = 300000;
	FILE *f;
	long i;

	(void)state;
	tdir_init(&t);
	snprintf(path, sizeof(path), "%s/perf-99.map", t.dir);
	f = fopen(path, "w");
	assert_non_null(f);
	/* Written out of order, as JITs do. */
	for (i = n - 1; i >= 0; i--)
		fprintf(f, "%lx %x jit_fn_%ld\n", 0x10000000L + i * 0x40, 0x30, i);
	fclose(f);
	o.tmp_dir = t.dir;
	c = cache_new(&o);
	d = symbol_cache_dso(c, "//anon", 99);
	gettimeofday(&t0, NULL);
	for (i = 0; i < n; i += 997) {
		snprintf(name, sizeof(name), "jit_fn_%ld", i);
		expect_sym(c, d, 0x10000000ULL + (uint64_t)i * 0x40 + 0x2f, name,
			   0x10000000ULL + (uint64_t)i * 0x40);
		expect_sym(c, d, 0x10000000ULL + (uint64_t)i * 0x40 + 0x30, NULL, 0);
	}
	gettimeofday(&t1, NULL);
	/* Generous: seconds even under sanitizers. */
	assert_true(t1.tv_sec - t0.tv_sec < 30);
	symbol_cache_free(c);
	tdir_exit(&t);
}

static void test_vdso(void **state)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	struct symbol_cache *c;
	struct symbol_dso *d;
	void *h, *fn;

	(void)state;
	if (!base)
		skip();
	/* The loader's own view of the vDSO gives the expected offset. */
	h = dlopen("linux-vdso.so.1", RTLD_NOW | RTLD_NOLOAD);
	if (!h)
		skip();
	fn = dlsym(h, "__vdso_clock_gettime");
	if (!fn)
		skip();
	c = cache_new(NULL);
	d = symbol_cache_dso(c, "[vdso]", 1);
	assert_int_equal(symbol_dso_kind(d), SYMBOL_DSO_VDSO);
	assert_string_equal(symbol_dso_name(d), "[vdso]");
	assert_string_equal(symbol_dso_short_name(d), "[vdso]");
	assert_false(symbol_dso_absolute(d));
	/* clock_gettime is a weak alias: perf shows the global name. */
	expect_sym(c, d, (uintptr_t)fn - base + 1, "__vdso_clock_gettime", (uintptr_t)fn - base);
	assert_false(symbol_dso_changed(d));
	symbol_cache_free(c);

	/* Recorded on another kernel: another vDSO, so none of ours applies. */
	{
		uint8_t other[20] = { 0xde, 0xad, 0xbe, 0xef };

		c = cache_new(NULL);
		assert_int_equal(symbol_cache_set_build_id(c, "[vdso]", other, sizeof(other)), 0);
		d = symbol_cache_dso(c, "[vdso]", 1);
		expect_sym(c, d, (uintptr_t)fn - base + 1, NULL, 0);
		assert_true(symbol_dso_changed(d));
		symbol_cache_free(c);
	}
	dlclose(h);
}

/* Damaged files must not crash or hang anything, with every option on. */
static void lookup_all_options(const char *path)
{
	struct symbol_opts o = { .quiet = true, .inline_frames = true, .srcline = true };
	struct symbol_cache *c = cache_new(&o);
	struct symbol_dso *d = symbol_cache_dso(c, path, 1);
	uint64_t a;

	assert_non_null(d);
	for (a = 0; a < 0x4000; a += 0x1f3) {
		struct symbol_frame f[16];
		int n = symbol_lookup(c, d, a, f, 16), i;

		assert_true(n >= 1 && n <= 16);
		for (i = 0; i < n; i++)
			if (f[i].name)
				assert_true(strlen(f[i].name) < 1 << 20);
	}
	symbol_cache_free(c);
}

static void test_corrupt_elf(void **state)
{
	struct tdir t;
	char path[256], src[256];
	unsigned char *img;
	size_t size;
	long i;
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	FILE *f;
	struct stat st;

	(void)state;
	tdir_init(&t);
	snprintf(path, sizeof(path), "%s/empty", t.dir);
	write_file(path, "", 0);
	lookup_all_options(path);
	snprintf(path, sizeof(path), "%s/magic", t.dir);
	write_file(path, "\177ELF\2\1\1\0garbagegarbagegarbagegarbagegarbagegarbage", 48);
	lookup_all_options(path);
	lookup_all_options(t.dir);   /* a directory */

	snprintf(src, sizeof(src), "%s/fx_pie", SYMFX_DIR);
	assert_int_equal(stat(src, &st), 0);
	size = (size_t)st.st_size;
	img = malloc(size);
	assert_non_null(img);
	f = fopen(src, "rb");
	assert_non_null(f);
	assert_int_equal(fread(img, 1, size, f), size);
	fclose(f);

	/* Truncated copies. */
	for (i = 0; i < 6; i++) {
		size_t cut[] = { 16, 64, 100, 4096, size / 2, size - 1 };

		snprintf(path, sizeof(path), "%s/cut%ld", t.dir, i);
		write_file(path, (const char *)img, cut[i] < size ? cut[i] : size);
		lookup_all_options(path);
	}
	/* Headers pointing far outside the file. */
	{
		unsigned char *bad = malloc(size);

		assert_non_null(bad);
		memcpy(bad, img, size);
		memset(bad + 0x20, 0xff, 8);   /* e_phoff */
		memset(bad + 0x28, 0xff, 8);   /* e_shoff */
		memset(bad + 0x38, 0xff, 2);   /* e_phnum */
		memset(bad + 0x3c, 0xff, 4);   /* e_shnum, e_shstrndx */
		snprintf(path, sizeof(path), "%s/badhdr", t.dir);
		write_file(path, (const char *)bad, size);
		lookup_all_options(path);
		free(bad);
	}
	/* Random bytes flipped, deterministic so a failure can be replayed. */
	for (i = 0; i < 150; i++) {
		unsigned char *m = malloc(size);
		int k;

		assert_non_null(m);
		memcpy(m, img, size);
		for (k = 0; k < 12; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			m[x % size] ^= (unsigned char)(x >> 32) | 1;
		}
		snprintf(path, sizeof(path), "%s/mut%ld", t.dir, i);
		write_file(path, (const char *)m, size);
		lookup_all_options(path);
		unlink(path);
		free(m);
	}
	free(img);
	tdir_exit(&t);
}

static void test_args(void **state)
{
	struct symbol_cache *c = NULL;
	struct symbol_frame f[2];

	(void)state;
	assert_int_equal(symbol_cache_new(NULL, NULL), -EINVAL);
	assert_int_equal(symbol_cache_new(&c, NULL), 0);
	assert_int_equal(symbol_lookup(c, NULL, 0, f, 2), 1);
	assert_null(f[0].name);
	assert_int_equal(symbol_lookup(c, NULL, 0, f, 0), 0);
	assert_int_equal(symbol_lookup(c, NULL, 0, NULL, 2), 0);
	assert_string_equal(symbol_dso_name(NULL), "[unknown]");
	symbol_cache_free(c);
	symbol_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_pie),
		cmocka_unit_test(test_elf_exec),
		cmocka_unit_test(test_debuglink),
		cmocka_unit_test(test_build_id_debug_dir),
		cmocka_unit_test(test_build_id_mismatch),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_inline_srcline),
		cmocka_unit_test(test_kallsyms),
		cmocka_unit_test(test_perfmap),
		cmocka_unit_test(test_perfmap_huge),
		cmocka_unit_test(test_vdso),
		cmocka_unit_test(test_corrupt_elf),
		cmocka_unit_test(test_args),
	};

	/* No network lookups for debug info from a unit test. */
	unsetenv("DEBUGINFOD_URLS");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
