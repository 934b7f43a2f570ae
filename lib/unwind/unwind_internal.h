/*
 * Private to lib/unwind: the unwinder's per-DSO cache (ELF file, load
 * segments, .sframe section, DWARF CFI) and the DWARF CFI step.
 */
#ifndef SFRAMETRACE_UNWIND_INTERNAL_H
#define SFRAMETRACE_UNWIND_INTERNAL_H

#include <stdlib.h>

#include <elfutils/libdw.h>

#include "sframetrace/elf.h"
#include "sframetrace/sframe.h"
#include "sframetrace/unwind.h"

enum step_result { STEP_OK, STEP_OUTERMOST, STEP_NO_INFO, STEP_FAULT, STEP_BAD };

struct unwind_dso {
	char *path;
	bool opened;                /* the ELF file (or vDSO image) is open */
	struct elf_file elf;
	uint8_t *image;             /* the vDSO copy elf.elf reads, owned */
	GElf_Phdr *loads;           /* PT_LOAD headers */
	size_t nr_loads;
	bool have_sframe;
	struct sframe_section sframe;
	Dwarf_CFI *cfi;             /* .eh_frame, or NULL */
};

#define UNWIND_PATH_CACHE 64

struct unwinder {
	struct unwind_opts opts;
	/*
	 * Callers usually pass the same path pointers (interned strings):
	 * a pointer-keyed cache in front of the by-name table.
	 */
	struct {
		const char *path;
		struct unwind_dso *dso;
	} recent[UNWIND_PATH_CACHE];
	struct unwind_dso **dsos;   /* open addressing by path */
	size_t cap_dsos, nr_dsos;
};

/* The cached DSO for path, loaded on first use; NULL only on ENOMEM. */
struct unwind_dso *unwind_dso_get(struct unwinder *u, const char *path);
/* pc's link-time address in d through map; false when no PT_LOAD holds it. */
bool unwind_dso_vaddr(const struct unwind_dso *d, const struct unwind_map *map, uint64_t pc,
		      uint64_t *vaddr);
void unwind_dsos_free(struct unwinder *u);

int unwind_walk_read_mem(void *ctx, uint64_t addr, uint64_t *val);

/*
 * One DWARF CFI step at link-time address vaddr; the registers and the
 * memory it reads are run-time values. Updates regs and *exact_pc for the
 * caller's frame.
 */
enum step_result unwind_step_cfi(struct unwind_regs *regs, bool *exact_pc, Dwarf_CFI *cfi,
				 uint64_t vaddr,
				 int (*read_mem)(void *ctx, uint64_t addr, uint64_t *val),
				 void *ctx);

#endif
