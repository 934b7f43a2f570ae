/*
 * ELF helpers over libelf: open a file, find its SFrame section and the
 * executable text it describes, look up symbols for tests and dumps.
 */
#ifndef SFRAMETRACE_ELF_H
#define SFRAMETRACE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gelf.h>
#include <libelf.h>

#ifndef PT_GNU_SFRAME
#define PT_GNU_SFRAME 0x6474e554
#endif
#ifndef SHT_GNU_SFRAME
#define SHT_GNU_SFRAME 0x6ffffff4
#endif

struct elf_file {
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	uint8_t *relocated;   /* relocated copy of .sframe (ET_REL), owned */
};

/* 0, or -ENOENT / -EACCES / ... from open(), or -ENOEXEC (not an ELF file). */
int elf_file_open(struct elf_file *f, const char *path);
void elf_file_close(struct elf_file *f);

struct elf_sframe {
	const uint8_t *data;   /* section contents (owned by the Elf handle) */
	size_t size;
	uint64_t addr;         /* sh_addr (or PT_GNU_SFRAME p_vaddr) */
	bool by_name;          /* found as a section named .sframe */
	bool by_type;          /* section type SHT_GNU_SFRAME */
	bool has_segment;      /* a PT_GNU_SFRAME segment exists */
	uint64_t seg_vaddr;
	uint64_t seg_memsz;
	bool relocatable;      /* ET_REL: section addresses are all 0 */
	bool relocated;        /* ET_REL: .rela.sframe was applied to a copy */
	uint64_t text_start;   /* span of executable PT_LOAD segments */
	uint64_t text_end;
	uint64_t exec_bytes;   /* total size of SHF_EXECINSTR sections */
};

/*
 * Find the SFrame data of an ELF image: the .sframe / SHT_GNU_SFRAME
 * section, else the PT_GNU_SFRAME segment. -ENOENT when it has none,
 * -EINVAL when the section or segment lies outside the file. In an object
 * file (ET_REL) the PC-relative relocations of the section are applied to
 * a copy, as readelf does, so function starts are section offsets.
 */
int elf_find_sframe(struct elf_file *f, struct elf_sframe *out);

/*
 * The function symbol containing addr (link-time address), from .symtab or
 * .dynsym. Returns the name (owned by the Elf handle) or NULL.
 */
const char *elf_symbol_at(struct elf_file *f, uint64_t addr, uint64_t *sym_start);

/* Link-time address of a named function symbol: 0 or -ENOENT. */
int elf_symbol_addr(struct elf_file *f, const char *name, uint64_t *addr);

/*
 * The GNU build-id note of an ELF file (or of a kernel notes blob such as
 * /sys/kernel/notes with elf_build_id_from_notes). Returns its length (up
 * to max) or -ENOENT / -errno.
 */
int elf_file_build_id(const char *path, uint8_t *out, size_t max);
int elf_build_id_from_notes(const void *notes, size_t len, uint8_t *out, size_t max);

#endif
