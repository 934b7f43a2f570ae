/*
 * Private to lib/symbol: the DSO record, the symbol tables every
 * kind of DSO is resolved through, the string arena their names live in,
 * and the loaders (ELF through libdw, kallsyms, perf-PID.map) that fill
 * them.
 */
#ifndef SFRAMETRACE_SYMBOL_INTERNAL_H
#define SFRAMETRACE_SYMBOL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <elfutils/libdwfl.h>

#include <sframetrace/symbol.h>

/* Names that must outlive their source (kallsyms lines, perf maps, PLT). */
struct symbol_strings {
	struct symbol_str_chunk *head;
};

const char *symbol_strings_add(struct symbol_strings *s, const char *str, size_t len);
void symbol_strings_free(struct symbol_strings *s);

struct symbol_sym {
	uint64_t start;
	uint64_t end;          /* exclusive; == start for a zero-size symbol */
	const char *name;
	/*
	 * What binutils addr2line calls the function when DWARF does not:
	 * the first alias at this address in symbol-table order. perf 6.1
	 * takes inline names from addr2line, so it shows this name.
	 */
	const char *a2l_name;
	int32_t left, right, parent;   /* tree tables: links, -1 for none */
	uint32_t owner;        /* kallsyms: module index + 1, 0 for the kernel */
	uint8_t binding;
	uint8_t type;
	uint8_t red;
	uint8_t synthetic;     /* made up here (name@plt), in no symbol table */
};

/*
 * Symbols in the order they were added. order[] lists them sorted by
 * start (stable) for the clean-up passes and for array lookups. A tree
 * table also links them into a red-black tree built exactly as perf's
 * rb-tree is (same insertion order, same balancing), because where
 * symbols overlap, which one perf finds depends on the tree's shape.
 */
struct symbol_table {
	struct symbol_sym *syms;
	size_t nr;
	size_t alloc;
	uint32_t *order;
	size_t nr_order;
	int32_t root;
	bool tree;
};

/* Append; on a tree table the symbol is also inserted into the tree. */
int symbol_table_add(struct symbol_table *t, uint64_t start, uint64_t size,
		     uint8_t binding, uint8_t type, const char *name, uint32_t owner);
/* Sort order[] by start, symbols at the same address keeping their input order. */
int symbol_table_sort(struct symbol_table *t);
/* Insert every symbol added so far into the tree, in input order. */
void symbol_table_build_tree(struct symbol_table *t);
/* perf's symbols__fixup_end over order[]: zero-size symbols reach the next one. */
void symbol_table_fixup_end(struct symbol_table *t, bool kallsyms);
/* perf's symbols__fixup_duplicate: one symbol per address (erased from the tree too). */
void symbol_table_fixup_duplicate(struct symbol_table *t);
/* perf's symbols__find: the tree walk, or a binary search of order[]. */
const struct symbol_sym *symbol_table_find(const struct symbol_table *t, uint64_t addr);
void symbol_table_exit(struct symbol_table *t);
/* perf's choose_best_symbol: true when a is kept over b. */
bool symbol_choose_first(const struct symbol_sym *a, const struct symbol_sym *b);

/* One PT_LOAD: converts between file offsets and link-time addresses. */
struct symbol_load {
	uint64_t offset;
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t memsz;
};

/* Cached result of a DWARF query (srcline / inline chain) at one address. */
struct symbol_addr_slot {
	uint64_t addr;
	uint32_t first;        /* index into symbol_dso.frames */
	uint16_t count;
	uint16_t used;
};

struct symbol_dso {
	struct symbol_dso *next;        /* cache hash chain */
	struct symbol_dso *all_next;    /* every DSO, for freeing */
	struct symbol_cache *cache;
	enum symbol_dso_kind kind;
	char *name;
	char *short_name;
	char *path;                     /* file to open (symfs applied) */
	bool absolute;
	bool changed;
	bool loaded;
	bool warn;                      /* warn when loading finds nothing */
	int open_errno;                 /* why the file cannot be opened */
	uint32_t module;                /* kernel modules: index + 1 */
	uint64_t kmin, kmax;            /* kernel modules: span of symbols */

	struct symbol_table table;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	GElf_Addr bias;                 /* dwfl address - link-time address */
	struct symbol_load *loads;
	size_t nr_loads;
	uint64_t text_delta;            /* .text sh_addr - sh_offset, fallback */
	uint16_t machine;               /* e_machine, to vet debug files */
	bool has_text_delta;
	uint8_t build_id[64];
	size_t build_id_len;            /* of the file, 0 when none */

	/* DWARF answers by address */
	struct symbol_addr_slot *slots;
	size_t nr_slots;                /* power of two */
	size_t used_slots;
	struct symbol_frame *frames;
	size_t nr_frames;
	size_t alloc_frames;
	struct symbol_lineprog *lineprogs;
	struct symbol_cu_funcs **cu_buckets; /* per CU: its functions by address */
	size_t nr_cu_buckets, nr_cu_funcs;
	struct symbol_cu_range *cu_ranges;  /* when .debug_aranges is missing */
	size_t nr_cu_ranges;
	bool cu_index_built;
};

struct symbol_cache {
	struct symbol_opts opts;        /* strings owned, defaults applied */
	char *kallsyms_path;
	char *symfs;
	char *debug_dir;
	char *tmp_dir;
	char *debuginfo_path;           /* for Dwfl_Callbacks */
	Dwfl_Callbacks dwfl_cb;

	struct symbol_dso **buckets;
	size_t nr_buckets;              /* power of two */
	size_t nr_dsos;
	struct symbol_dso *all;

	struct symbol_build_id *build_ids;

	struct symbol_strings strings;

	/* kernel */
	bool kernel_loaded;
	struct symbol_dso *kernel;
	struct symbol_dso **modules;
	size_t nr_modules;
	struct symbol_table ksyms;      /* kernel and modules, absolute */

	/* C++ demangling through libstdc++, looked up on first need */
	bool demangle_tried;
	void *demangle_lib;
	void *demangle;
};

/* symbol_demangle.c: perf's default view of a C++ name (others unchanged). */
const char *symbol_demangle(struct symbol_cache *c, const char *name);

struct symbol_build_id {
	struct symbol_build_id *next;
	char *path;
	uint8_t id[64];
	size_t len;
};

/* symbol_cache.c */
struct symbol_dso *symbol_cache_new_kernel(struct symbol_cache *c);
struct symbol_dso *symbol_cache_new_module(struct symbol_cache *c, const char *name);
void symbol_warn(const struct symbol_cache *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const struct symbol_build_id *symbol_cache_find_build_id(const struct symbol_cache *c,
							  const char *name);
bool symbol_dso_check_build_id(struct symbol_dso *d);
bool symbol_build_id_matches(const struct symbol_build_id *rec,
			     const uint8_t *id, size_t len);

/* symbol_elf.c */
int symbol_elf_load(struct symbol_dso *d);
int symbol_vdso_load(struct symbol_dso *d);
void symbol_elf_unload(struct symbol_dso *d);
/* Map-relative address (file offset) to the address libdw uses. */
bool symbol_elf_dwfl_addr(const struct symbol_dso *d, uint64_t off, Dwarf_Addr *out);
int symbol_elf_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			      Dwarf_Addr base, const char *file_name,
			      const char *debuglink_file, GElf_Word debuglink_crc,
			      char **debuginfo_file_name);

/* symbol_dwarf.c */
int symbol_dwarf_lookup(struct symbol_dso *d, uint64_t addr, const struct symbol_sym *sym,
			struct symbol_frame *frames, int max);
/* The remembered answer for addr, 0 when there is none yet. */
int symbol_dwarf_cached(struct symbol_dso *d, uint64_t addr, struct symbol_frame *frames, int max);
void symbol_dwarf_exit(struct symbol_dso *d);

/* symbol_lineprog.c: the file binutils 2.40 names for a line-table row */
const char *symbol_lineprog_bfd_file(struct symbol_dso *d, Dwarf_Die *cu, Dwarf_Line *ln,
				     const char *file);
void symbol_lineprog_exit(struct symbol_dso *d);

/* symbol_kallsyms.c */
int symbol_kallsyms_load(struct symbol_cache *c);

/* symbol_perfmap.c */
int symbol_perfmap_load(struct symbol_dso *d);

#endif
