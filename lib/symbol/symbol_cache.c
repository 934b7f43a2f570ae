/*
 * The symbol cache: options, the table of DSOs by name, the build ids the
 * recording saw, and symbol_lookup(), which loads a DSO on first use and
 * dispatches to the ELF, kernel or perf-map tables. DSO naming follows
 * perf 6.1's map__new()/dso__set_basename() so the Shared Object column
 * and script's "(...)" read the same.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbol/symbol_internal.h"
#include "sframetrace/strhash.h"

void symbol_warn(const struct symbol_cache *c, const char *fmt, ...)
{
	va_list ap;

	if (c->opts.quiet)
		return;
	fputs("sframetrace: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static char *join(const char *a, const char *b)
{
	char *s;

	if (asprintf(&s, "%s%s", a, b) < 0)
		return NULL;
	return s;
}

static int dup_opt(char **dst, const char *src, const char *def)
{
	*dst = strdup(src && *src ? src : def);
	return *dst ? 0 : -ENOMEM;
}

int symbol_cache_new(struct symbol_cache **out, const struct symbol_opts *opts)
{
	struct symbol_cache *c;
	int ret = -ENOMEM;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (opts)
		c->opts = *opts;
	if (dup_opt(&c->kallsyms_path, c->opts.kallsyms, "/proc/kallsyms") ||
	    dup_opt(&c->symfs, c->opts.symfs, "") ||
	    dup_opt(&c->tmp_dir, c->opts.tmp_dir, "/tmp"))
		goto fail;
	if (c->opts.debug_dir && *c->opts.debug_dir) {
		ret = dup_opt(&c->debug_dir, c->opts.debug_dir, "");
	} else {
		c->debug_dir = join(c->symfs, "/usr/lib/debug");
		ret = c->debug_dir ? 0 : -ENOMEM;
	}
	if (ret)
		goto fail;
	ret = -ENOMEM;
	/* libdw searches .build-id/ only under absolute directories. */
	if (c->debug_dir[0] != '/') {
		char *cwd = getcwd(NULL, 0);

		if (!cwd)
			goto fail;
		if (asprintf(&c->debuginfo_path, "%s/%s", cwd, c->debug_dir) < 0)
			c->debuginfo_path = NULL;
		free(cwd);
	} else {
		c->debuginfo_path = strdup(c->debug_dir);
	}
	if (!c->debuginfo_path)
		goto fail;
	/* "/tmp/" and "/tmp" must name the same perf-PID.map. */
	{
		size_t n = strlen(c->tmp_dir);

		while (n > 1 && c->tmp_dir[n - 1] == '/')
			c->tmp_dir[--n] = '\0';
	}
	c->opts.kallsyms = c->kallsyms_path;
	c->opts.symfs = c->symfs;
	c->opts.debug_dir = c->debug_dir;
	c->opts.tmp_dir = c->tmp_dir;

	c->dwfl_cb.find_elf = dwfl_build_id_find_elf;
	c->dwfl_cb.find_debuginfo = symbol_elf_find_debuginfo;
	c->dwfl_cb.section_address = dwfl_offline_section_address;
	c->dwfl_cb.debuginfo_path = &c->debuginfo_path;

	c->nr_buckets = 64;
	c->buckets = calloc(c->nr_buckets, sizeof(*c->buckets));
	if (!c->buckets)
		goto fail;
	*out = c;
	return 0;
fail:
	symbol_cache_free(c);
	return ret;
}

static void dso_free(struct symbol_dso *d)
{
	symbol_dwarf_exit(d);
	symbol_elf_unload(d);
	symbol_table_exit(&d->table);
	free(d->name);
	free(d->short_name);
	free(d->path);
	free(d);
}

void symbol_cache_free(struct symbol_cache *c)
{
	if (!c)
		return;
	while (c->all) {
		struct symbol_dso *next = c->all->all_next;

		dso_free(c->all);
		c->all = next;
	}
	while (c->build_ids) {
		struct symbol_build_id *next = c->build_ids->next;

		free(c->build_ids->path);
		free(c->build_ids);
		c->build_ids = next;
	}
	free(c->buckets);
	free(c->modules);
	symbol_table_exit(&c->ksyms);
	symbol_strings_free(&c->strings);
	free(c->kallsyms_path);
	free(c->symfs);
	free(c->debug_dir);
	free(c->tmp_dir);
	free(c->debuginfo_path);
	if (c->demangle_lib)
		dlclose(c->demangle_lib);
	free(c);
}

static struct symbol_dso *dso_find(struct symbol_cache *c, const char *name)
{
	struct symbol_dso *d = c->buckets[strhash(name) & (c->nr_buckets - 1)];

	while (d && strcmp(d->name, name))
		d = d->next;
	return d;
}

static void dso_insert(struct symbol_cache *c, struct symbol_dso *d)
{
	size_t b;

	/* Keep chains short: grow at one DSO per bucket. */
	if (c->nr_dsos >= c->nr_buckets) {
		size_t n = c->nr_buckets * 2, i;
		struct symbol_dso **nb = calloc(n, sizeof(*nb));

		if (nb) {
			for (i = 0; i < c->nr_buckets; i++) {
				while (c->buckets[i]) {
					struct symbol_dso *x = c->buckets[i];

					c->buckets[i] = x->next;
					b = strhash(x->name) & (n - 1);
					x->next = nb[b];
					nb[b] = x;
				}
			}
			free(c->buckets);
			c->buckets = nb;
			c->nr_buckets = n;
		}
	}
	b = strhash(d->name) & (c->nr_buckets - 1);
	d->next = c->buckets[b];
	c->buckets[b] = d;
	c->nr_dsos++;
}

/* A DSO not in the name table (kernel, modules) or one about to be added. */
static struct symbol_dso *dso_new(struct symbol_cache *c, enum symbol_dso_kind kind,
				  const char *name, const char *short_name)
{
	struct symbol_dso *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->cache = c;
	d->kind = kind;
	d->name = strdup(name);
	d->short_name = strdup(short_name);
	if (!d->name || !d->short_name) {
		free(d->name);
		free(d->short_name);
		free(d);
		return NULL;
	}
	d->absolute = kind == SYMBOL_DSO_KERNEL || kind == SYMBOL_DSO_MODULE ||
		      kind == SYMBOL_DSO_PERFMAP || kind == SYMBOL_DSO_ANON;
	d->all_next = c->all;
	c->all = d;
	return d;
}

struct symbol_dso *symbol_cache_new_module(struct symbol_cache *c, const char *name)
{
	return dso_new(c, SYMBOL_DSO_MODULE, name, name);
}

struct symbol_dso *symbol_cache_new_kernel(struct symbol_cache *c)
{
	return dso_new(c, SYMBOL_DSO_KERNEL, "[kernel.kallsyms]", "[kernel.kallsyms]");
}

/* perf's is_anon_memory() and is_no_dso_memory() (util/map.c). */
static bool is_anon_memory(const char *f)
{
	return !strcmp(f, "//anon") || !strncmp(f, "/dev/zero", 9) ||
	       !strncmp(f, "/anon_hugepage", 14);
}

static bool is_no_dso_memory(const char *f)
{
	return !strncmp(f, "[stack", 6) || !strncmp(f, "/SYSV", 5) || !strcmp(f, "[heap]");
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

struct symbol_dso *symbol_cache_dso_mmap(struct symbol_cache *c, const char *filename,
					 pid_t pid, uint32_t prot, uint32_t flags)
{
	enum symbol_dso_kind kind;
	char *jit = NULL, *short_name = NULL, *path = NULL;
	struct symbol_dso *d;
	bool anon, no_dso;
	int err = 0;

	if (!c)
		return NULL;
	if (!filename)
		filename = "";
	/* An empty name has no file behind it: treat it as anonymous. */
	anon = !*filename || is_anon_memory(filename) || (flags & MAP_HUGETLB);
	no_dso = is_no_dso_memory(filename);
	if ((anon || no_dso) && (prot & PROT_EXEC)) {
		/*
		 * perf names executable anonymous memory after the JIT map
		 * whether the file exists or not ("[JIT] tid PID" for short).
		 */
		if (asprintf(&jit, "%s/perf-%d.map", c->tmp_dir, (int)pid) < 0)
			return NULL;
		filename = jit;
		kind = SYMBOL_DSO_PERFMAP;
	} else if (anon || no_dso) {
		kind = SYMBOL_DSO_ANON;
	} else if (!strcmp(filename, "[vdso]")) {
		kind = SYMBOL_DSO_VDSO;
	} else if (filename[0] == '[') {
		/* [vsyscall], [anon:...], [uprobes]: perf finds no file for them. */
		kind = SYMBOL_DSO_ANON;
	} else {
		kind = SYMBOL_DSO_ELF;
	}

	/* Called for every map: look up before touching the file system. */
	d = dso_find(c, filename);
	if (d)
		goto out;

	if (kind == SYMBOL_DSO_PERFMAP) {
		if (asprintf(&short_name, "[JIT] tid %d", (int)pid) < 0)
			short_name = NULL;
		path = strdup(filename);
		if (!short_name || !path)
			goto out;
	} else if (kind == SYMBOL_DSO_ELF) {
		struct stat st;

		path = join(c->symfs, filename);
		if (!path)
			goto out;
		if (stat(path, &st))
			err = errno;
		else if (!S_ISREG(st.st_mode))
			err = EISDIR;
		if (err)
			kind = SYMBOL_DSO_UNKNOWN;
	}
	d = dso_new(c, kind, filename, short_name ? short_name : base_name(filename));
	if (!d)
		goto out;
	d->path = path;
	path = NULL;
	/* perf's map_ip is the identity only for anonymous and no-DSO memory. */
	if (kind == SYMBOL_DSO_ANON)
		d->absolute = anon || no_dso;
	/* Pseudo files and memfd/deleted mappings are expected to be missing. */
	d->warn = kind == SYMBOL_DSO_UNKNOWN && filename[0] == '/' &&
		  strncmp(filename, "/memfd:", 7) && !strstr(filename, " (deleted)");
	d->open_errno = err;
	dso_insert(c, d);
out:
	free(jit);
	free(short_name);
	free(path);
	return d;
}

struct symbol_dso *symbol_cache_dso(struct symbol_cache *c, const char *filename, pid_t pid)
{
	/* Without data mmaps (perf's default) every recorded map is executable. */
	return symbol_cache_dso_mmap(c, filename, pid, PROT_EXEC, 0);
}

enum symbol_dso_kind symbol_dso_kind(const struct symbol_dso *d)
{
	return d ? d->kind : SYMBOL_DSO_UNKNOWN;
}

const char *symbol_dso_name(const struct symbol_dso *d)
{
	return d ? d->name : "[unknown]";
}

const char *symbol_dso_short_name(const struct symbol_dso *d)
{
	return d ? d->short_name : "[unknown]";
}

bool symbol_dso_absolute(const struct symbol_dso *d)
{
	return d ? d->absolute : false;
}

bool symbol_dso_changed(const struct symbol_dso *d)
{
	return d ? d->changed : false;
}

const struct symbol_build_id *symbol_cache_find_build_id(const struct symbol_cache *c,
							  const char *name)
{
	const struct symbol_build_id *b;

	for (b = c->build_ids; b; b = b->next)
		if (!strcmp(b->path, name))
			return b;
	return NULL;
}

bool symbol_build_id_matches(const struct symbol_build_id *rec, const uint8_t *id, size_t len)
{
	size_t i;

	/* perf.data pads build ids to 20 bytes with zeros. */
	if (!len || len > rec->len || memcmp(rec->id, id, len))
		return false;
	for (i = len; i < rec->len; i++)
		if (rec->id[i])
			return false;
	return true;
}

static bool build_id_is_zero(const uint8_t *id, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (id[i])
			return false;
	return true;
}

/*
 * Once the file's build id is known: false (and the DSO dropped) when it
 * is not the one the recording saw.
 */
bool symbol_dso_check_build_id(struct symbol_dso *d)
{
	const struct symbol_build_id *rec;

	if (d->changed)
		return false;
	if ((d->kind != SYMBOL_DSO_ELF && d->kind != SYMBOL_DSO_VDSO) || !d->loaded || !d->dwfl)
		return true;
	rec = symbol_cache_find_build_id(d->cache, d->name);
	if (!rec || symbol_build_id_matches(rec, d->build_id, d->build_id_len))
		return true;
	d->changed = true;
	symbol_warn(d->cache, "%s changed since recording (build id differs); "
		    "its samples are shown unresolved", d->name);
	/* Wrong symbols are worse than none: drop everything now. */
	symbol_dwarf_exit(d);
	symbol_elf_unload(d);
	symbol_table_exit(&d->table);
	return false;
}

int symbol_cache_set_build_id(struct symbol_cache *c, const char *path,
			      const uint8_t *build_id, size_t len)
{
	struct symbol_build_id *b;
	struct symbol_dso *d;

	if (!c || !path || (!build_id && len))
		return -EINVAL;
	if (len > sizeof(b->id))
		return -EINVAL;
	/* Nothing recorded is no claim about the file. */
	if (!len || build_id_is_zero(build_id, len))
		return 0;
	for (b = c->build_ids; b; b = b->next)
		if (!strcmp(b->path, path))
			break;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return -ENOMEM;
		b->path = strdup(path);
		if (!b->path) {
			free(b);
			return -ENOMEM;
		}
		b->next = c->build_ids;
		c->build_ids = b;
	}
	memcpy(b->id, build_id, len);
	b->len = len;
	d = dso_find(c, path);
	if (d)
		symbol_dso_check_build_id(d);
	return 0;
}

static void dso_load(struct symbol_cache *c, struct symbol_dso *d)
{
	d->loaded = true;
	switch (d->kind) {
	case SYMBOL_DSO_ELF:
		symbol_elf_load(d);
		break;
	case SYMBOL_DSO_VDSO:
		symbol_vdso_load(d);
		break;
	case SYMBOL_DSO_PERFMAP:
		symbol_perfmap_load(d);
		break;
	case SYMBOL_DSO_KERNEL:
	case SYMBOL_DSO_MODULE:
		if (!c->kernel_loaded)
			symbol_kallsyms_load(c);
		break;
	case SYMBOL_DSO_UNKNOWN:
		if (d->warn)
			symbol_warn(c, "cannot open %s (%s); its samples are shown unresolved",
				    d->name, strerror(d->open_errno ? d->open_errno : ENOENT));
		break;
	case SYMBOL_DSO_ANON:
		break;
	}
}

struct symbol_dso *symbol_cache_kernel_dso(struct symbol_cache *c, uint64_t ip)
{
	const struct symbol_sym *s;
	size_t i;

	if (!c)
		return NULL;
	if (!c->kernel_loaded)
		symbol_kallsyms_load(c);
	if (!c->kernel)
		return NULL;
	s = symbol_table_find(&c->ksyms, ip);
	if (s)
		return s->owner && s->owner <= c->nr_modules ? c->modules[s->owner - 1] : c->kernel;
	for (i = 0; i < c->nr_modules; i++)
		if (ip >= c->modules[i]->kmin && ip < c->modules[i]->kmax)
			return c->modules[i];
	return c->kernel;
}

/* The symbol-table entry at addr in d (kallsyms for the kernel and modules). */
static const struct symbol_sym *table_find(struct symbol_cache *c, struct symbol_dso *d,
					   uint64_t addr)
{
	const struct symbol_sym *s;

	if (d->kind != SYMBOL_DSO_KERNEL && d->kind != SYMBOL_DSO_MODULE)
		return symbol_table_find(&d->table, addr);
	s = symbol_table_find(&c->ksyms, addr);
	return s && s->owner == d->module ? s : NULL;
}

int symbol_lookup_plain(struct symbol_cache *c, struct symbol_dso *d, uint64_t addr,
			struct symbol_frame *frame)
{
	const struct symbol_sym *s;

	memset(frame, 0, sizeof(*frame));
	if (!c || !d)
		return 1;
	if (!d->loaded)
		dso_load(c, d);
	if (d->changed)
		return 1;
	s = table_find(c, d, addr);
	if (s) {
		frame->name = s->name;
		frame->start = s->start;
	}
	return 1;
}

int symbol_lookup(struct symbol_cache *c, struct symbol_dso *d, uint64_t addr,
		  struct symbol_frame *frames, int max)
{
	const struct symbol_sym *s;

	if (!frames || max < 1)
		return 0;
	memset(frames, 0, sizeof(*frames));
	if (!c || !d)
		return 1;
	if (!d->loaded)
		dso_load(c, d);
	if (d->changed)
		return 1;
	if (d->mod && (c->opts.inline_frames || c->opts.srcline)) {
		int n = symbol_dwarf_cached(d, addr, frames, max);

		if (n)
			return n;
	}
	s = table_find(c, d, addr);
	if (s) {
		frames[0].name = s->name;
		frames[0].start = s->start;
	}
	if (d->mod && (c->opts.inline_frames || c->opts.srcline))
		return symbol_dwarf_lookup(d, addr, s, frames, max);
	return 1;
}
