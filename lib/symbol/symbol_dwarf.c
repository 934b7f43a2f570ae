/*
 * Source lines and inlined frames from DWARF, shaped like the records
 * perf 6.1 reads back from `addr2line -i -f` (perf here is built without
 * libbfd): the innermost function with the line of the address, then each
 * caller with the line of its inlined call. Answers are cached per
 * address, since a profile hits the same few thousand addresses over and
 * over.
 */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdw.h>

#include "symbol/symbol_internal.h"

#define SYMBOL_MAX_INLINE 64

static void cu_funcs_exit(struct symbol_dso *d);

void symbol_dwarf_exit(struct symbol_dso *d)
{
	symbol_lineprog_exit(d);
	cu_funcs_exit(d);
	free(d->cu_ranges);
	d->cu_ranges = NULL;
	d->nr_cu_ranges = 0;
	d->cu_index_built = false;
	free(d->slots);
	free(d->frames);
	d->slots = NULL;
	d->frames = NULL;
	d->nr_slots = d->used_slots = 0;
	d->nr_frames = d->alloc_frames = 0;
}

static const char *base_name(const char *path)
{
	const char *s;

	if (!path)
		return NULL;
	s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* binutils names a function by its linkage name when DWARF has one. */
static const char *function_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));

	if (!n)
		n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
	if (!n)
		n = dwarf_diename(die);
	return n;
}

static const char *call_file(Dwarf_Die *cu, Dwarf_Die *inl)
{
	Dwarf_Attribute a;
	Dwarf_Word idx;
	Dwarf_Files *files;
	size_t nfiles;

	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &a), &idx) ||
	    dwarf_getsrcfiles(cu, &files, &nfiles) || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

static unsigned int call_line(Dwarf_Die *inl)
{
	Dwarf_Attribute a;
	Dwarf_Word line;

	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &a), &line) || line > UINT32_MAX)
		return 0;
	return (unsigned int)line;
}

static bool is_function(int tag)
{
	return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram ||
	       tag == DW_TAG_entry_point;
}

/* DIEs whose ranges hold code, and so may hold pc. */
static bool is_code_scope(int tag)
{
	return is_function(tag) || tag == DW_TAG_lexical_block || tag == DW_TAG_try_block ||
	       tag == DW_TAG_catch_block || tag == DW_TAG_with_stmt;
}

/* DIEs without code of their own that may contain functions (C++, Fortran). */
static bool is_container(int tag)
{
	return tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
	       tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
	       tag == DW_TAG_module || tag == DW_TAG_interface_type;
}

#define SYMBOL_MAX_DEPTH 128

struct scope_walk {
	Dwarf_Addr pc;
	Dwarf_Die path[SYMBOL_MAX_DEPTH];   /* outermost first */
	int depth;
	long budget;                        /* DIEs we may still visit */
};

/*
 * Find the chain of scopes around pc below parent. dwarf_getscopes() does
 * this too, but in libdw 0.188 it leaks memory whenever the innermost
 * scope is an inlined call, and it also wanders into abstract origins we
 * do not need. The budget and the forward-only sibling check keep damaged
 * DWARF from making this slow or endless.
 */
static bool walk_scopes(struct scope_walk *w, Dwarf_Die *parent, int level)
{
	Dwarf_Die child;
	Dwarf_Off prev = 0;

	if (level > SYMBOL_MAX_DEPTH || dwarf_child(parent, &child) != 0)
		return false;
	do {
		Dwarf_Off off = dwarf_dieoffset(&child);
		int tag;

		if (--w->budget < 0 || (prev && off <= prev))
			return false;
		prev = off;
		tag = dwarf_tag(&child);
		if (is_code_scope(tag) && dwarf_haspc(&child, w->pc) > 0) {
			if (w->depth < SYMBOL_MAX_DEPTH)
				w->path[w->depth++] = child;
			walk_scopes(w, &w->path[w->depth - 1], level + 1);
			return true;
		}
		if (is_container(tag) && walk_scopes(w, &child, level + 1))
			return true;
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* The code-holding DIEs of one CU by address, built on its first query. */
struct symbol_cu_funcs {
	struct symbol_cu_funcs *next;
	Dwarf *dw;
	Dwarf_Off cu;
	struct symbol_cu_func {
		Dwarf_Addr lo, hi;      /* CU-relative addresses */
		Dwarf_Die die;
	} *r;
	size_t nr, alloc;
};

static int func_cmp(const void *pa, const void *pb)
{
	const struct symbol_cu_func *a = pa, *b = pb;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static void index_funcs(struct symbol_cu_funcs *cf, Dwarf_Die *parent, int level, long *budget)
{
	Dwarf_Die child;
	Dwarf_Off prev = 0;

	if (level > 16 || dwarf_child(parent, &child) != 0)
		return;
	do {
		Dwarf_Off off = dwarf_dieoffset(&child);
		int tag;

		if (--*budget < 0 || (prev && off <= prev))
			return;
		prev = off;
		tag = dwarf_tag(&child);
		if (is_code_scope(tag)) {
			Dwarf_Addr base, start, end;
			ptrdiff_t roff = 0;

			while ((roff = dwarf_ranges(&child, roff, &base, &start, &end)) > 0) {
				if (start >= end)
					continue;
				if (cf->nr == cf->alloc) {
					size_t n = cf->alloc ? cf->alloc * 2 : 64;
					struct symbol_cu_func *r;

					if (n > SIZE_MAX / sizeof(*r))
						return;
					r = realloc(cf->r, n * sizeof(*r));
					if (!r)
						return;
					cf->r = r;
					cf->alloc = n;
				}
				cf->r[cf->nr].lo = start;
				cf->r[cf->nr].hi = end;
				cf->r[cf->nr].die = child;
				cf->nr++;
			}
		} else if (is_container(tag)) {
			index_funcs(cf, &child, level + 1, budget);
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

static struct symbol_cu_funcs *cu_funcs_get(struct symbol_dso *d, Dwarf_Die *cu)
{
	Dwarf *dw = dwarf_cu_getdwarf(cu->cu);
	Dwarf_Off off = dwarf_dieoffset(cu);
	size_t b;
	struct symbol_cu_funcs *cf;
	long budget = 16L << 20;

	if (d->nr_cu_funcs >= d->nr_cu_buckets) {
		size_t n = d->nr_cu_buckets ? d->nr_cu_buckets * 2 : 64, i;
		struct symbol_cu_funcs **nb = calloc(n, sizeof(*nb));

		if (nb) {
			for (i = 0; i < d->nr_cu_buckets; i++) {
				while (d->cu_buckets[i]) {
					struct symbol_cu_funcs *x = d->cu_buckets[i];

					d->cu_buckets[i] = x->next;
					b = (size_t)((x->cu * 0x9E3779B97F4A7C15ULL) >> 32) & (n - 1);
					x->next = nb[b];
					nb[b] = x;
				}
			}
			free(d->cu_buckets);
			d->cu_buckets = nb;
			d->nr_cu_buckets = n;
		}
	}
	if (!d->nr_cu_buckets)
		return NULL;
	b = (size_t)((off * 0x9E3779B97F4A7C15ULL) >> 32) & (d->nr_cu_buckets - 1);
	for (cf = d->cu_buckets[b]; cf; cf = cf->next)
		if (cf->cu == off && cf->dw == dw)
			return cf;
	cf = calloc(1, sizeof(*cf));
	if (!cf)
		return NULL;
	cf->dw = dw;
	cf->cu = off;
	index_funcs(cf, cu, 0, &budget);
	if (cf->nr > 1)
		qsort(cf->r, cf->nr, sizeof(*cf->r), func_cmp);
	cf->next = d->cu_buckets[b];
	d->cu_buckets[b] = cf;
	d->nr_cu_funcs++;
	return cf;
}

static void cu_funcs_exit(struct symbol_dso *d)
{
	size_t i;

	for (i = 0; i < d->nr_cu_buckets; i++) {
		while (d->cu_buckets[i]) {
			struct symbol_cu_funcs *x = d->cu_buckets[i];

			d->cu_buckets[i] = x->next;
			free(x->r);
			free(x);
		}
	}
	free(d->cu_buckets);
	d->cu_buckets = NULL;
	d->nr_cu_buckets = d->nr_cu_funcs = 0;
}

/*
 * The function DIEs around pc, innermost first, up to the real function:
 * the CU's function holding pc by binary search, then down through its
 * lexical blocks and inlined calls.
 */
static int function_scopes(struct symbol_dso *d, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *fn)
{
	struct symbol_cu_funcs *cf = cu_funcs_get(d, cu);
	struct scope_walk *w;
	size_t lo = 0, hi, k;
	int i, nf = 0;

	if (!cf || !cf->nr)
		return 0;
	hi = cf->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cf->r[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* A few steps back in case ranges nest (hot/cold parts of one function). */
	for (k = lo; k > 0 && lo - k < 4; k--)
		if (pc < cf->r[k - 1].hi)
			break;
	if (k == 0 || lo - k >= 4 || pc >= cf->r[k - 1].hi)
		return 0;
	w = malloc(sizeof(*w));
	if (!w)
		return 0;
	w->pc = pc;
	w->path[0] = cf->r[k - 1].die;
	w->depth = 1;
	w->budget = 4L << 20;
	walk_scopes(w, &w->path[0], 1);
	for (i = w->depth - 1; i >= 0 && nf < SYMBOL_MAX_INLINE; i--) {
		int tag = dwarf_tag(&w->path[i]);

		if (!is_function(tag))
			continue;
		fn[nf++] = w->path[i];
		if (tag != DW_TAG_inlined_subroutine)
			break;
	}
	free(w);
	return nf;
}

struct symbol_cu_range {
	Dwarf_Addr lo, hi;        /* module addresses */
	Dwarf_Addr bias;
	Dwarf_Die die;
};

static int cu_range_cmp(const void *pa, const void *pb)
{
	const struct symbol_cu_range *a = pa, *b = pb;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/*
 * libdw 0.188 finds a CU by address only through .debug_aranges, which
 * clang does not emit by default: then index the CUs' own ranges, once.
 */
static void build_cu_index(struct symbol_dso *d)
{
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;
	size_t alloc = 0;

	d->cu_index_built = true;
	while ((cu = dwfl_module_nextcu(d->mod, cu, &bias))) {
		Dwarf_Addr base, start, end;
		ptrdiff_t off = 0;

		while ((off = dwarf_ranges(cu, off, &base, &start, &end)) > 0) {
			struct symbol_cu_range *r;

			if (start >= end)
				continue;
			if (d->nr_cu_ranges == alloc) {
				size_t n = alloc ? alloc * 2 : 64;

				if (n > SIZE_MAX / sizeof(*r))
					return;
				r = realloc(d->cu_ranges, n * sizeof(*r));
				if (!r)
					return;
				d->cu_ranges = r;
				alloc = n;
			}
			r = &d->cu_ranges[d->nr_cu_ranges++];
			r->lo = start + bias;
			r->hi = end + bias;
			r->bias = bias;
			r->die = *cu;
		}
	}
	if (d->nr_cu_ranges > 1)
		qsort(d->cu_ranges, d->nr_cu_ranges, sizeof(*d->cu_ranges), cu_range_cmp);
}

static Dwarf_Die *find_cu(struct symbol_dso *d, Dwarf_Addr a, Dwarf_Addr *bias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(d->mod, a, bias);
	size_t lo = 0, hi;

	if (cu)
		return cu;
	if (!d->cu_index_built)
		build_cu_index(d);
	hi = d->nr_cu_ranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->cu_ranges[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || a >= d->cu_ranges[lo - 1].hi)
		return NULL;
	*bias = d->cu_ranges[lo - 1].bias;
	return &d->cu_ranges[lo - 1].die;
}

struct a2l_record {
	const char *name;
	const char *file;
	unsigned int line;
};

static int compute(struct symbol_dso *d, uint64_t addr, const struct symbol_sym *sym,
		   struct symbol_frame *out)
{
	const struct symbol_opts *o = &d->cache->opts;
	struct a2l_record rec[SYMBOL_MAX_INLINE];
	Dwarf_Die fn[SYMBOL_MAX_INLINE];
	Dwarf_Die *cu;
	Dwarf_Addr a, cubias = 0;
	Dwarf_Line *ln = NULL;
	const char *file = NULL;
	int line = 0, n = 0, nf = 0, i;

	memset(out, 0, sizeof(*out));
	if (sym) {
		out->name = sym->name;
		out->start = sym->start;
	}
	if (!symbol_elf_dwfl_addr(d, addr, &a))
		return 1;
	cu = find_cu(d, a, &cubias);
	if (cu)
		ln = dwarf_getsrc_die(cu, a - cubias);
	if (ln && !dwarf_lineno(ln, &line)) {
		file = dwarf_linesrc(ln, NULL, NULL);
		file = symbol_lineprog_bfd_file(d, cu, ln, file);
	}
	if (line < 0)
		line = 0;
	if (!o->inline_frames || !sym || !file) {
		/* perf only expands inlines under a symbol, and only with a line. */
		if (o->srcline && file) {
			out->file = base_name(file);
			out->line = (unsigned int)line;
		} else if (o->srcline && sym && !sym->synthetic) {
			/* addr2line names the symbol but has no line: "??:0". */
			out->file = "??";
		}
		return 1;
	}

	nf = function_scopes(d, cu, a - cubias, fn);
	if (!nf) {
		/* No DWARF function (assembly): addr2line names it from the symtab. */
		rec[n].name = sym->a2l_name;
		rec[n].file = file;
		rec[n].line = (unsigned int)line;
		n++;
	} else {
		rec[n].name = function_name(&fn[0]);
		rec[n].file = file;
		rec[n].line = (unsigned int)line;
		n++;
		for (i = 1; i < nf; i++) {
			rec[n].name = function_name(&fn[i]);
			rec[n].file = call_file(cu, &fn[i - 1]);
			rec[n].line = call_line(&fn[i - 1]);
			n++;
		}
	}

	for (i = 0; i < n; i++) {
		const char *name = rec[i].name ? rec[i].name : "??";

		memset(&out[i], 0, sizeof(out[i]));
		out[i].name = name;
		out[i].start = sym->start;
		out[i].inlined = strcmp(name, sym->name) != 0;
		if (o->srcline) {
			out[i].file = base_name(rec[i].file);
			out[i].line = rec[i].line;
		}
	}
	return n;
}

static struct symbol_addr_slot *slot_find(struct symbol_dso *d, uint64_t addr)
{
	size_t mask, i;

	if (!d->nr_slots)
		return NULL;
	mask = d->nr_slots - 1;
	for (i = (size_t)((addr * 0x9E3779B97F4A7C15ULL) >> 20) & mask;; i = (i + 1) & mask) {
		struct symbol_addr_slot *s = &d->slots[i];

		if (!s->used)
			return s;
		if (s->addr == addr)
			return s;
	}
}

static int slot_grow(struct symbol_dso *d)
{
	struct symbol_addr_slot *old = d->slots;
	size_t n = d->nr_slots, i;

	d->nr_slots = n ? n * 2 : 1024;
	d->slots = calloc(d->nr_slots, sizeof(*d->slots));
	if (!d->slots) {
		d->slots = old;
		d->nr_slots = n;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (old[i].used)
			*slot_find(d, old[i].addr) = old[i];
	free(old);
	return 0;
}

/* Remember frames for addr; failure only costs a recomputation later. */
static void remember(struct symbol_dso *d, uint64_t addr, const struct symbol_frame *f, int n)
{
	struct symbol_addr_slot *s;

	if ((d->used_slots + 1) * 2 > d->nr_slots && slot_grow(d))
		return;
	if (d->nr_frames + (size_t)n > d->alloc_frames) {
		size_t alloc = d->alloc_frames ? d->alloc_frames * 2 : 1024;
		struct symbol_frame *nf;

		while (alloc < d->nr_frames + (size_t)n)
			alloc *= 2;
		if (alloc > UINT32_MAX)
			return;
		nf = realloc(d->frames, alloc * sizeof(*nf));
		if (!nf)
			return;
		d->frames = nf;
		d->alloc_frames = alloc;
	}
	s = slot_find(d, addr);
	s->addr = addr;
	s->first = (uint32_t)d->nr_frames;
	s->count = (uint16_t)n;
	s->used = 1;
	memcpy(d->frames + d->nr_frames, f, (size_t)n * sizeof(*f));
	d->nr_frames += (size_t)n;
	d->used_slots++;
}

int symbol_dwarf_cached(struct symbol_dso *d, uint64_t addr, struct symbol_frame *frames, int max)
{
	struct symbol_addr_slot *s = slot_find(d, addr);
	int n;

	if (!s || !s->used)
		return 0;
	n = s->count < max ? s->count : max;
	memcpy(frames, d->frames + s->first, (size_t)n * sizeof(*frames));
	return n;
}

int symbol_dwarf_lookup(struct symbol_dso *d, uint64_t addr, const struct symbol_sym *sym,
			struct symbol_frame *frames, int max)
{
	struct symbol_frame tmp[SYMBOL_MAX_INLINE];
	int n = symbol_dwarf_cached(d, addr, frames, max);

	if (n)
		return n;
	n = compute(d, addr, sym, tmp);
	remember(d, addr, tmp, n);
	if (n > max)
		n = max;
	memcpy(frames, tmp, (size_t)n * sizeof(*frames));
	return n;
}
