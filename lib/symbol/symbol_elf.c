/*
 * User-space DSOs (files and the vDSO) through libdw: one Dwfl per DSO,
 * separate debug files found by build id or .gnu_debuglink, and the symbol
 * table read once into a sorted array in perf's file-offset space (the
 * symbol's link-time address moved through the PT_LOAD that holds it, as
 * perf 6.1 adjusts user symbols), with PLT entries named "sym@plt".
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sframetrace/elf.h>

#include "symbol/symbol_internal.h"

void symbol_elf_unload(struct symbol_dso *d)
{
	if (d->dwfl)
		dwfl_end(d->dwfl);
	d->dwfl = NULL;
	d->mod = NULL;
	free(d->loads);
	d->loads = NULL;
	d->nr_loads = 0;
}

static bool vaddr_to_offset(const struct symbol_dso *d, uint64_t vaddr, uint64_t *off)
{
	size_t i;

	for (i = 0; i < d->nr_loads; i++) {
		const struct symbol_load *l = &d->loads[i];
		uint64_t sz = l->memsz > l->filesz ? l->memsz : l->filesz;

		if (sz && vaddr >= l->vaddr && vaddr - l->vaddr < sz) {
			*off = vaddr - l->vaddr + l->offset;
			return true;
		}
	}
	return false;
}

bool symbol_elf_dwfl_addr(const struct symbol_dso *d, uint64_t off, Dwarf_Addr *out)
{
	size_t i;

	for (i = 0; i < d->nr_loads; i++) {
		const struct symbol_load *l = &d->loads[i];

		if (l->filesz && off >= l->offset && off - l->offset < l->filesz) {
			*out = off - l->offset + l->vaddr + d->bias;
			return true;
		}
	}
	/* Outside every segment's file bytes: perf's .text delta still applies. */
	if (d->has_text_delta) {
		*out = off + d->text_delta + d->bias;
		return true;
	}
	return false;
}

static int read_layout(struct symbol_dso *d, Elf *elf)
{
	size_t n = 0, i, shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getphdrnum(elf, &n))
		n = 0;
	d->loads = calloc(n ? n : 1, sizeof(*d->loads));
	if (!d->loads)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		d->loads[d->nr_loads].offset = ph.p_offset;
		d->loads[d->nr_loads].vaddr = ph.p_vaddr;
		d->loads[d->nr_loads].filesz = ph.p_filesz;
		d->loads[d->nr_loads].memsz = ph.p_memsz;
		d->nr_loads++;
	}
	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".text")) {
			d->text_delta = sh.sh_addr - sh.sh_offset;
			d->has_text_delta = true;
			break;
		}
	}
	return 0;
}

/*
 * The symbols perf 6.1's dso__load_sym() keeps: named functions and
 * objects in allocated sections, and untyped labels of default
 * visibility in sections whose name says text or data.
 */
static int read_symbols(struct symbol_dso *d)
{
	int n = dwfl_module_getsymtab(d->mod), i, ret;
	Elf *last_elf = NULL;
	size_t shstrndx = 0;
	bool have_shstrndx = false;

	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx = SHN_UNDEF;
		Elf *selp = NULL;
		Dwarf_Addr sbias;
		const char *name = dwfl_module_getsym_info(d->mod, i, &sym, &addr, &shndx,
							   &selp, &sbias);
		int type, vis;
		bool label;
		Elf_Scn *scn;
		GElf_Shdr sh;
		uint64_t off;

		if (!name || !*name || !selp)
			continue;
		if (shndx == SHN_UNDEF || shndx == SHN_ABS || shndx == (GElf_Word)-1)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		vis = GELF_ST_VISIBILITY(sym.st_other);
		label = type == STT_NOTYPE && vis != STV_HIDDEN && vis != STV_INTERNAL;
		if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT && !label)
			continue;
		scn = elf_getscn(selp, shndx);
		if (!scn || !gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
			continue;
		if (label) {
			const char *sec;

			if (selp != last_elf) {
				last_elf = selp;
				have_shstrndx = !elf_getshdrstrndx(selp, &shstrndx);
			}
			sec = have_shstrndx ? elf_strptr(selp, shstrndx, sh.sh_name) : NULL;
			if (!sec || (!strstr(sec, "text") && !strstr(sec, "data")))
				continue;
		}
		if (!vaddr_to_offset(d, sym.st_value, &off))
			continue;
		ret = symbol_table_add(&d->table, off, sym.st_size, GELF_ST_BIND(sym.st_info),
				       (uint8_t)type, symbol_demangle(d->cache, name), 0);
		if (ret)
			return ret;
		/* addr2line (perf's inline names) keeps the raw name */
		d->table.syms[d->table.nr - 1].a2l_name = name;
	}
	ret = symbol_table_sort(&d->table);
	if (ret)
		return ret;
	symbol_table_build_tree(&d->table);
	symbol_table_fixup_end(&d->table, false);
	symbol_table_fixup_duplicate(&d->table);
	return 0;
}

static Elf_Scn *section_by_name(Elf *elf, size_t shstrndx, const char *want, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh->sh_name);
		if (name && !strcmp(name, want))
			return scn;
	}
	return NULL;
}

/*
 * perf 6.1's dso__synthesize_plt_symbols(): one "name@plt" per .rela.plt
 * entry, in order, after a header entry, added to the tree after the
 * other symbols were sized. Where a stretched symbol (typically _init)
 * covers .plt, the tree's shape decides which one perf finds.
 */
static int synth_plt(struct symbol_dso *d, Elf *elf)
{
	struct symbol_cache *c = d->cache;
	GElf_Ehdr eh;
	GElf_Shdr relsh, pltsh, dynsh;
	Elf_Scn *relscn, *dynscn;
	Elf_Data *rel, *syms;
	size_t shstrndx, nr, k;
	uint64_t header, entry, off;
	int ret = 0;

	if (!gelf_getehdr(elf, &eh) || elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	relscn = section_by_name(elf, shstrndx, ".rela.plt", &relsh);
	if (!relscn)
		relscn = section_by_name(elf, shstrndx, ".rel.plt", &relsh);
	if (!relscn || !section_by_name(elf, shstrndx, ".plt", &pltsh))
		return 0;
	if ((relsh.sh_type != SHT_RELA && relsh.sh_type != SHT_REL) || !relsh.sh_entsize)
		return 0;
	dynscn = elf_getscn(elf, relsh.sh_link);
	if (!dynscn || !gelf_getshdr(dynscn, &dynsh) || dynsh.sh_type != SHT_DYNSYM)
		return 0;
	switch (eh.e_machine) {
	case EM_ARM:
		header = 20, entry = 12;
		break;
	case EM_AARCH64:
		header = 32, entry = 16;
		break;
	case EM_SPARC:
		header = 48, entry = 12;
		break;
	case EM_SPARCV9:
		header = 128, entry = 32;
		break;
	default:
		header = entry = pltsh.sh_entsize;
		break;
	}
	if (!entry)
		return 0;
	rel = elf_getdata(relscn, NULL);
	syms = elf_getdata(dynscn, NULL);
	if (!rel || !syms || pltsh.sh_type == SHT_NOBITS)
		return 0;
	nr = relsh.sh_size / relsh.sh_entsize;
	off = pltsh.sh_offset + header;
	for (k = 0; k < nr && off >= pltsh.sh_offset; k++, off += entry) {
		size_t symidx;
		GElf_Sym sym;
		const char *name = NULL, *s;
		char *full;

		if (relsh.sh_type == SHT_RELA) {
			GElf_Rela r;

			if (!gelf_getrela(rel, (int)k, &r))
				break;
			symidx = GELF_R_SYM(r.r_info);
		} else {
			GElf_Rel r;

			if (!gelf_getrel(rel, (int)k, &r))
				break;
			symidx = GELF_R_SYM(r.r_info);
		}
		if (gelf_getsym(syms, (int)symidx, &sym))
			name = elf_strptr(elf, dynsh.sh_link, sym.st_name);
		if (asprintf(&full, "%s@plt", name ? symbol_demangle(c, name) : "") < 0) {
			ret = -ENOMEM;
			break;
		}
		s = symbol_strings_add(&c->strings, full, strlen(full));
		free(full);
		if (!s || symbol_table_add(&d->table, off, entry, STB_GLOBAL, STT_FUNC, s, 0)) {
			ret = -ENOMEM;
			break;
		}
		d->table.syms[d->table.nr - 1].synthetic = 1;
	}
	return ret;
}

/* After a module was reported: layout, build id, symbols. */
static int elf_read(struct symbol_dso *d)
{
	const unsigned char *bits = NULL;
	GElf_Addr bias = 0, bid_vaddr;
	void **ud = NULL;
	Elf *elf;
	int len, ret;

	dwfl_module_info(d->mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
	if (ud)
		*ud = d;
	elf = dwfl_module_getelf(d->mod, &bias);
	if (!elf)
		return -ENOEXEC;
	d->bias = bias;
	{
		GElf_Ehdr eh;

		if (gelf_getehdr(elf, &eh))
			d->machine = eh.e_machine;
	}
	len = dwfl_module_build_id(d->mod, &bits, &bid_vaddr);
	if (len > 0 && bits) {
		d->build_id_len = (size_t)len < sizeof(d->build_id) ? (size_t)len
								   : sizeof(d->build_id);
		memcpy(d->build_id, bits, d->build_id_len);
	}
	/* Before reading anything big: a changed file is not used at all. */
	if (!symbol_dso_check_build_id(d))
		return 0;
	ret = read_layout(d, elf);
	if (!ret)
		ret = read_symbols(d);
	if (!ret)
		ret = synth_plt(d, elf);
	return ret;
}

static int report(struct symbol_dso *d, const char *name, const char *file, int fd)
{
	d->dwfl = dwfl_begin(&d->cache->dwfl_cb);
	if (!d->dwfl)
		return -ENOMEM;
	dwfl_report_begin(d->dwfl);
	/* base 0 relative to p_vaddr: libdw addresses are link-time ones. */
	d->mod = dwfl_report_elf(d->dwfl, name, file, fd, 0, true);
	dwfl_report_end(d->dwfl, NULL, NULL);
	if (!d->mod) {
		symbol_elf_unload(d);
		return -ENOEXEC;
	}
	return 0;
}

int symbol_elf_load(struct symbol_dso *d)
{
	int ret;

	if (access(d->path, R_OK)) {
		ret = -errno;
		symbol_warn(d->cache, "cannot open %s (%s); its samples are shown unresolved",
			    d->name, strerror(-ret));
		return ret;
	}
	ret = report(d, d->name, d->path, -1);
	if (ret) {
		symbol_warn(d->cache, "%s: not a readable ELF file (%s); its samples are "
			    "shown unresolved", d->name, dwfl_errmsg(-1));
		return ret;
	}
	ret = elf_read(d);
	if (ret == -ENOEXEC)
		symbol_warn(d->cache, "%s: not a readable ELF file; its samples are shown "
			    "unresolved", d->name);
	return ret;
}

/* The running kernel's vDSO image: its mapping in /proc/self/maps. */
static size_t vdso_size(unsigned long base)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char *line = NULL;
	size_t n = 0, size = 0;

	if (f) {
		while (getline(&line, &n, f) > 0) {
			unsigned long s, e;

			if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &s, &e) == 2 &&
			    s == base && e > s) {
				size = e - s;
				break;
			}
		}
		free(line);
		fclose(f);
	}
	if (!size) {
		/* No /proc: the kernel's image ends with its section headers. */
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;

		if (!memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_ident[EI_CLASS] == ELFCLASS64)
			size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
		if (size > (1u << 20))
			size = 0;
	}
	return size;
}

int symbol_vdso_load(struct symbol_dso *d)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	const char *p;
	size_t size, done = 0;
	int fd, ret;

	if (!base)
		return -ENOENT;
	size = vdso_size(base);
	if (!size)
		return -ENOENT;
	/* libdw wants a file: give it a private copy of the image. */
	fd = memfd_create("sframetrace-vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	p = (const char *)base;
	while (done < size) {
		ssize_t w = write(fd, p + done, size - done);

		if (w <= 0) {
			ret = w < 0 ? -errno : -EIO;
			close(fd);
			return ret;
		}
		done += (size_t)w;
	}
	ret = report(d, "[vdso]", "[vdso]", fd);
	if (ret) {
		close(fd);
		return ret;
	}
	return elf_read(d);
}

/*
 * Whether a candidate debug file belongs to d: the same machine, headers
 * libdw can read (it leaks what it set up for a file it then rejects), and
 * the same build id when the file has one.
 */
static bool debug_file_ok(const struct symbol_dso *d, const char *path)
{
	struct elf_file f;
	Elf_Scn *scn = NULL;
	size_t n = 0, i;
	uint8_t id[sizeof(d->build_id)];
	int len = -ENOENT;
	bool ok;

	if (elf_file_open(&f, path))
		return false;
	ok = f.ehdr.e_machine == d->machine && !elf_getphdrnum(f.elf, &n);
	for (i = 0; ok && i < n; i++) {
		GElf_Phdr ph;

		ok = gelf_getphdr(f.elf, (int)i, &ph) != NULL;
	}
	while (ok && len < 0 && (scn = elf_nextscn(f.elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_rawdata(scn, NULL);
		if (data && data->d_buf)
			len = elf_build_id_from_notes(data->d_buf, data->d_size, id, sizeof(id));
	}
	elf_file_close(&f);
	if (!ok)
		return false;
	if (!d->build_id_len)
		return true;
	return len == (int)d->build_id_len && !memcmp(id, d->build_id, d->build_id_len);
}

/*
 * Dwfl find_debuginfo: the build-id tree under the debug directory, then
 * the .gnu_debuglink name where perf looks for it (as given, next to the
 * file, in .debug/ there, under the debug directory). Unlike the standard
 * callback it never asks a debuginfod server, as perf 6.1 here does not.
 */
int symbol_elf_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			      Dwarf_Addr base, const char *file_name,
			      const char *debuglink_file, GElf_Word debuglink_crc,
			      char **debuginfo_file_name)
{
	struct symbol_dso *d = userdata ? *userdata : NULL;
	const char *symfs, *slash;
	char *cand[4] = { 0 };
	size_t symfs_len, i;
	int fd;

	if (!d || d->kind == SYMBOL_DSO_VDSO)
		return -1;
	fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name,
					  debuglink_file, debuglink_crc, debuginfo_file_name);
	if (fd >= 0 || !debuglink_file || !*debuglink_file || !file_name)
		return fd >= 0 ? fd : -1;
	symfs = d->cache->symfs;
	symfs_len = strlen(symfs);
	if (debuglink_file[0] == '/') {
		if (asprintf(&cand[0], "%s%s", symfs, debuglink_file) < 0)
			cand[0] = NULL;
	} else {
		int dl = 0;

		slash = strrchr(file_name, '/');
		if (slash)
			dl = (int)(slash - file_name);
		cand[0] = strdup(debuglink_file);
		if (asprintf(&cand[1], "%.*s/%s", dl, file_name, debuglink_file) < 0)
			cand[1] = NULL;
		if (asprintf(&cand[2], "%.*s/.debug/%s", dl, file_name, debuglink_file) < 0)
			cand[2] = NULL;
		if ((size_t)dl >= symfs_len && !strncmp(file_name, symfs, symfs_len) &&
		    asprintf(&cand[3], "%s%.*s/%s", d->cache->debug_dir, dl - (int)symfs_len,
			     file_name + symfs_len, debuglink_file) < 0)
			cand[3] = NULL;
	}
	fd = -1;
	for (i = 0; i < 4; i++) {
		if (!cand[i] || fd >= 0 || !strcmp(cand[i], file_name) ||
		    access(cand[i], R_OK) || !debug_file_ok(d, cand[i]))
			continue;
		fd = open(cand[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*debuginfo_file_name = cand[i];
			cand[i] = NULL;
		}
	}
	for (i = 0; i < 4; i++)
		free(cand[i]);
	return fd;
}
