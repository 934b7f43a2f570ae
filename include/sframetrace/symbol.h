/*
 * Symbol resolution for report, script and top: user DSOs through libdw
 * (symbol tables, separate debug files, inlined frames, source lines), the
 * kernel through kallsyms, JIT code through /tmp/perf-PID.map. Everything
 * is loaded on first use and cached for the life of the symbol_cache;
 * strings and pointers it returns stay valid until symbol_cache_free().
 *
 * Addresses follow perf's convention so our output matches perf's:
 * for ELF DSOs (and the vDSO) an address is map-relative, ip - map start +
 * map pgoff, which is a file offset; for the kernel, kernel modules,
 * anonymous/JIT maps and perf-PID.map it is the absolute ip
 * (symbol_dso_absolute() says which).
 */
#ifndef SFRAMETRACE_SYMBOL_H
#define SFRAMETRACE_SYMBOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct symbol_cache;
struct symbol_dso;

enum symbol_dso_kind {
	SYMBOL_DSO_ELF,      /* a file on disk */
	SYMBOL_DSO_KERNEL,   /* [kernel.kallsyms] */
	SYMBOL_DSO_MODULE,   /* a kernel module, "[name]" */
	SYMBOL_DSO_VDSO,     /* [vdso], read from our own process */
	SYMBOL_DSO_PERFMAP,  /* anonymous code described by /tmp/perf-PID.map */
	SYMBOL_DSO_ANON,     /* anonymous or special map without symbols */
	SYMBOL_DSO_UNKNOWN,  /* a path that cannot be opened */
};

struct symbol_opts {
	const char *kallsyms;    /* default "/proc/kallsyms" */
	const char *symfs;       /* prefix for every DSO path, default none */
	const char *debug_dir;   /* default "/usr/lib/debug" */
	const char *tmp_dir;     /* where perf-PID.map files are, default "/tmp" */
	bool inline_frames;      /* symbol_lookup also returns inlined frames */
	bool srcline;            /* symbol_lookup fills file and line */
	bool quiet;              /* no warnings on stderr */
};

int symbol_cache_new(struct symbol_cache **out, const struct symbol_opts *opts);
void symbol_cache_free(struct symbol_cache *c);

/*
 * The build id the recording saw for path (BUILD_ID feature or MMAP2).
 * When the file on disk has another build id the DSO is marked changed,
 * a one-line warning is printed once, and it resolves no symbols rather
 * than wrong ones.
 */
int symbol_cache_set_build_id(struct symbol_cache *c, const char *path,
			      const uint8_t *build_id, size_t len);

/*
 * The DSO for a user-space map's filename as recorded in MMAP/MMAP2
 * ("/usr/lib/x86_64-linux-gnu/libc.so.6", "[vdso]", "[heap]", "//anon",
 * ...). pid selects /tmp/perf-PID.map for anonymous maps. NULL only on
 * ENOMEM; a file that cannot be opened gives a DSO without symbols.
 */
struct symbol_dso *symbol_cache_dso(struct symbol_cache *c, const char *filename, pid_t pid);

/*
 * As symbol_cache_dso(), for a map whose MMAP2 prot/flags are known. perf
 * names executable anonymous memory ("//anon", "[heap]", "[stack]",
 * "/dev/zero", MAP_HUGETLB) "/tmp/perf-PID.map" (short "[JIT] tid PID")
 * whether or not that file exists; without PROT_EXEC it keeps its own
 * name. symbol_cache_dso() assumes PROT_EXEC, which is what a recording
 * without data mmaps contains.
 */
struct symbol_dso *symbol_cache_dso_mmap(struct symbol_cache *c, const char *filename,
					 pid_t pid, uint32_t prot, uint32_t flags);

/* The DSO of a kernel address: [kernel.kallsyms] or the module holding it. */
struct symbol_dso *symbol_cache_kernel_dso(struct symbol_cache *c, uint64_t ip);

enum symbol_dso_kind symbol_dso_kind(const struct symbol_dso *d);
/* Long name (script's "(...)"): the path, "[kernel.kallsyms]", "[vdso]". */
const char *symbol_dso_name(const struct symbol_dso *d);
/* Short name (report's Shared Object column): basename or "[...]". */
const char *symbol_dso_short_name(const struct symbol_dso *d);
bool symbol_dso_absolute(const struct symbol_dso *d);
bool symbol_dso_changed(const struct symbol_dso *d);

struct symbol_frame {
	const char *name;    /* NULL when no symbol covers the address */
	uint64_t start;      /* symbol start, in the same address space as addr */
	const char *file;    /* source file (basename); "??" (line 0) when addr2line
				would name the function but not the line, NULL when
				it would find nothing (perf then prints dso[addr]) */
	unsigned int line;
	bool inlined;        /* an inlined call, not a real frame */
};

/*
 * Resolve addr in d into frames[0..max). Without inline_frames this is
 * always one frame. With it, inlined callees come first (innermost first)
 * and the function that contains them last. Returns the number of frames
 * written (at least 1 when max >= 1).
 *
 * The inline chain is the one perf 6.1 builds from `addr2line -i -f`:
 * names come from DWARF (so a "foo.constprop.0" body is called "foo"),
 * every frame has the start of the ELF symbol at addr, and a frame is
 * marked inlined when its name differs from that symbol's, which can
 * include the outermost one. With srcline the innermost frame has the
 * line of addr and each outer frame the line of the call it inlined.
 * When DWARF has nothing for addr the result is the plain symbol.
 */
/*
 * The symbol table's answer alone, whatever the options: one frame, no
 * inline chain, no source line (perf's view of frame-pointer callchains).
 */
int symbol_lookup_plain(struct symbol_cache *c, struct symbol_dso *d, uint64_t addr,
			struct symbol_frame *frame);

int symbol_lookup(struct symbol_cache *c, struct symbol_dso *d, uint64_t addr,
		  struct symbol_frame *frames, int max);

#endif
