/*
 * ELF helpers over libelf: open an ELF file, find its SFrame section (by
 * name, by type, or through PT_GNU_SFRAME when section headers are gone),
 * the executable text it should describe, and function symbols.
 */
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sframetrace/elf.h>

int elf_file_open(struct elf_file *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF ||
	    !gelf_getehdr(f->elf, &f->ehdr)) {
		elf_file_close(f);
		return -ENOEXEC;
	}
	return 0;
}

void elf_file_close(struct elf_file *f)
{
	free(f->relocated);
	f->relocated = NULL;
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	f->elf = NULL;
	f->fd = -1;
}

static void scan_segments(struct elf_file *f, struct elf_sframe *out)
{
	size_t n = 0, i;
	GElf_Phdr ph;

	out->text_start = UINT64_MAX;
	out->text_end = 0;
	if (elf_getphdrnum(f->elf, &n))
		n = 0;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(f->elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_GNU_SFRAME) {
			out->has_segment = true;
			out->seg_vaddr = ph.p_vaddr;
			out->seg_memsz = ph.p_memsz;
		} else if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
			if (ph.p_vaddr < out->text_start)
				out->text_start = ph.p_vaddr;
			if (ph.p_vaddr + ph.p_memsz > out->text_end)
				out->text_end = ph.p_vaddr + ph.p_memsz;
		}
	}
	if (out->text_start > out->text_end)
		out->text_start = out->text_end = 0;
}

/* The PT_GNU_SFRAME segment's bytes, for files without section headers. */
static int sframe_from_segment(struct elf_file *f, struct elf_sframe *out)
{
	size_t n = 0, i, fsize = 0;
	const char *raw = elf_rawfile(f->elf, &fsize);
	GElf_Phdr ph;

	if (!raw || elf_getphdrnum(f->elf, &n))
		return -ENOENT;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_GNU_SFRAME)
			continue;
		if (ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset)
			return -EINVAL;
		out->data = (const uint8_t *)raw + ph.p_offset;
		out->size = ph.p_filesz;
		out->addr = ph.p_vaddr;
		return 0;
	}
	return -ENOENT;
}

/* PC-relative relocation types whose value is S + A - P, with their width. */
static int pcrel_width(const struct elf_file *f, uint32_t type)
{
	switch (f->ehdr.e_machine) {
	case EM_X86_64:
		return type == R_X86_64_PC64 ? 8 : type == R_X86_64_PC32 ? 4 : 0;
	case EM_AARCH64:
		return type == R_AARCH64_PREL64 ? 8 : type == R_AARCH64_PREL32 ? 4 : 0;
	default:
		return 0;
	}
}

/*
 * Apply .rela.sframe to a copy of the section. Every section sits at 0 in
 * an object file, so S is the symbol's offset in its section and P the
 * field's offset in .sframe: start = P + (S + A - P) = S + A.
 */
static int relocate_sframe(struct elf_file *f, size_t sframe_idx,
			   struct elf_sframe *out)
{
	Elf_Scn *scn = NULL, *symscn;
	GElf_Shdr sh;
	bool applied = false;

	/*
	 * Only sections whose starts are PC-relative (flag 0x4, V2 erratum 1
	 * and V3) say what the relocation means; readelf leaves V1 alone too.
	 */
	if (out->size < 4 || !(out->data[3] & 0x4))
		return 0;
	while ((scn = elf_nextscn(f->elf, scn))) {
		Elf_Data *rd, *sd;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    sh.sh_info != sframe_idx || !sh.sh_entsize)
			continue;
		symscn = elf_getscn(f->elf, sh.sh_link);
		rd = elf_getdata(scn, NULL);
		sd = symscn ? elf_getdata(symscn, NULL) : NULL;
		if (!rd || !sd)
			return -EINVAL;
		if (!f->relocated) {
			f->relocated = malloc(out->size ? out->size : 1);
			if (!f->relocated)
				return -ENOMEM;
			memcpy(f->relocated, out->data, out->size);
		}
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			GElf_Rela rela;
			GElf_Sym sym;
			int width;
			int64_t v;

			if (!gelf_getrela(rd, (int)i, &rela) ||
			    !gelf_getsym(sd, (int)GELF_R_SYM(rela.r_info), &sym))
				return -EINVAL;
			width = pcrel_width(f, (uint32_t)GELF_R_TYPE(rela.r_info));
			if (!width)
				continue;
			if (rela.r_offset > out->size || out->size - rela.r_offset < (uint64_t)width)
				return -EINVAL;
			v = (int64_t)(sym.st_value + (uint64_t)rela.r_addend - rela.r_offset);
			if (width == 8) {
				memcpy(f->relocated + rela.r_offset, &v, 8);
			} else {
				int32_t v32 = (int32_t)v;

				memcpy(f->relocated + rela.r_offset, &v32, 4);
			}
			applied = true;
		}
	}
	if (applied) {
		out->data = f->relocated;
		out->relocated = true;
	}
	return 0;
}

int elf_find_sframe(struct elf_file *f, struct elf_sframe *out)
{
	size_t shstrndx = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool found = false;
	size_t sframe_idx = 0;

	memset(out, 0, sizeof(*out));
	out->relocatable = f->ehdr.e_type == ET_REL;
	scan_segments(f, out);

	if (elf_getshdrstrndx(f->elf, &shstrndx))
		shstrndx = 0;
	while ((scn = elf_nextscn(f->elf, scn))) {
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if ((sh.sh_flags & SHF_EXECINSTR) && sh.sh_type == SHT_PROGBITS)
			out->exec_bytes += sh.sh_size;
		if (found)
			continue;
		name = shstrndx ? elf_strptr(f->elf, shstrndx, sh.sh_name) : NULL;
		out->by_name = name && !strcmp(name, ".sframe");
		out->by_type = sh.sh_type == SHT_GNU_SFRAME;
		if (!out->by_name && !out->by_type)
			continue;
		if (sh.sh_type == SHT_NOBITS)
			return -EINVAL;
		d = elf_rawdata(scn, NULL);
		if (!d || (sh.sh_size && !d->d_buf))
			return -EINVAL;
		out->data = d->d_buf;
		out->size = d->d_size;
		out->addr = sh.sh_addr;
		found = true;
		sframe_idx = elf_ndxscn(scn);
	}
	/* Byte order: relocation only makes sense for files of our own. */
	if (found && out->relocatable &&
	    f->ehdr.e_ident[EI_DATA] == (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB))
		return relocate_sframe(f, sframe_idx, out);
	if (found)
		return 0;
	out->by_name = out->by_type = false;
	return sframe_from_segment(f, out);
}

/* A function symbol of .symtab (else .dynsym): by name, or containing addr. */
static const char *find_symbol(struct elf_file *f, const char *want,
			       uint64_t addr, uint64_t *value)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		Elf64_Word type = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;

		scn = NULL;
		while ((scn = elf_nextscn(f->elf, scn))) {
			Elf_Data *d;
			size_t i, n;

			if (!gelf_getshdr(scn, &sh) || sh.sh_type != type ||
			    !sh.sh_entsize)
				continue;
			d = elf_getdata(scn, NULL);
			if (!d)
				continue;
			n = sh.sh_size / sh.sh_entsize;
			for (i = 0; i < n; i++) {
				GElf_Sym sym;
				const char *name;
				int st;

				if (!gelf_getsym(d, (int)i, &sym))
					continue;
				st = GELF_ST_TYPE(sym.st_info);
				if ((st != STT_FUNC && st != STT_GNU_IFUNC) ||
				    sym.st_shndx == SHN_UNDEF)
					continue;
				name = elf_strptr(f->elf, sh.sh_link, sym.st_name);
				if (!name)
					continue;
				if (want ? !strcmp(name, want)
					 : (addr >= sym.st_value &&
					    (addr < sym.st_value + sym.st_size ||
					     addr == sym.st_value))) {
					*value = sym.st_value;
					return name;
				}
			}
		}
	}
	return NULL;
}

const char *elf_symbol_at(struct elf_file *f, uint64_t addr, uint64_t *sym_start)
{
	uint64_t v = 0;
	const char *name = find_symbol(f, NULL, addr, &v);

	if (name && sym_start)
		*sym_start = v;
	return name;
}

int elf_symbol_addr(struct elf_file *f, const char *name, uint64_t *addr)
{
	return find_symbol(f, name, 0, addr) ? 0 : -ENOENT;
}

/* Walk ELF notes (4-byte aligned) for NT_GNU_BUILD_ID owned by "GNU". */
int elf_build_id_from_notes(const void *notes, size_t len, uint8_t *out, size_t max)
{
	const uint8_t *p = notes;
	size_t off = 0;

	while (len - off >= 12) {
		uint32_t namesz, descsz, type;
		size_t name_off, desc_off, next;

		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		name_off = off + 12;
		desc_off = name_off + (((size_t)namesz + 3) & ~(size_t)3);
		next = desc_off + (((size_t)descsz + 3) & ~(size_t)3);
		if (desc_off > len || descsz > len - desc_off)
			break;
		if (type == NT_GNU_BUILD_ID && namesz == 4 &&
		    !memcmp(p + name_off, "GNU", 4)) {
			size_t n = descsz < max ? descsz : max;

			memcpy(out, p + desc_off, n);
			return (int)n;
		}
		if (next <= off || next > len)
			break;
		off = next;
	}
	return -ENOENT;
}

int elf_file_build_id(const char *path, uint8_t *out, size_t max)
{
	struct elf_file f;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int ret = elf_file_open(&f, path);

	if (ret)
		return ret;
	ret = -ENOENT;
	while (ret < 0 && (scn = elf_nextscn(f.elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_rawdata(scn, NULL);
		if (d && d->d_buf)
			ret = elf_build_id_from_notes(d->d_buf, d->d_size, out, max);
	}
	elf_file_close(&f);
	return ret;
}
