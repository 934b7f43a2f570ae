/*
 * The unwinder's per-DSO cache: each file a stack passes through is opened
 * once; its PT_LOAD headers map run-time pcs to link-time addresses, its
 * .sframe section is decoded and validated once (an invalid one is not
 * used), and libdw gives its .eh_frame CFI. The vDSO is read from our own
 * process: it is the same kernel's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

#include "unwind/unwind_internal.h"
#include "sframetrace/strhash.h"

/* A copy of our own vDSO image, sized by its program headers. */
static int open_vdso(struct unwind_dso *d)
{
	const uint8_t *base = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	size_t size = 0;

	if (!base || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return -ENOENT;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff) + i;

		if (ph->p_type == PT_LOAD && ph->p_offset + ph->p_filesz > size)
			size = ph->p_offset + ph->p_filesz;
	}
	if (eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize > size)
		size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	if (!size || size > (1 << 20))
		return -EINVAL;
	d->image = malloc(size);
	if (!d->image)
		return -ENOMEM;
	memcpy(d->image, base, size);
	memset(&d->elf, 0, sizeof(d->elf));
	d->elf.fd = -1;
	elf_version(EV_CURRENT);
	d->elf.elf = elf_memory((char *)d->image, size);
	if (!d->elf.elf || !gelf_getehdr(d->elf.elf, &d->elf.ehdr)) {
		if (d->elf.elf)
			elf_end(d->elf.elf);
		d->elf.elf = NULL;
		return -ENOEXEC;
	}
	return 0;
}

static void load(struct unwinder *u, struct unwind_dso *d)
{
	struct elf_sframe es;
	struct sframe_error err;
	size_t nr = 0;
	int ret;

	if (strcmp(d->path, "[vdso]") == 0) {
		ret = open_vdso(d);
	} else if (d->path[0] == '[' || strncmp(d->path, "//", 2) == 0) {
		return;   /* [heap], [stack], //anon: no file */
	} else {
		char full[4096];

		snprintf(full, sizeof(full), "%s%s", u->opts.symfs ? u->opts.symfs : "", d->path);
		ret = elf_file_open(&d->elf, full);
	}
	if (ret < 0)
		return;
	d->opened = true;
	if (elf_getphdrnum(d->elf.elf, &nr) != 0 || nr > 4096)
		return;
	d->loads = calloc(nr ? nr : 1, sizeof(*d->loads));
	if (!d->loads)
		return;
	for (size_t i = 0; i < nr; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(d->elf.elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			d->loads[d->nr_loads++] = ph;
	}
	if (u->opts.mode == UNWIND_SFRAME && elf_find_sframe(&d->elf, &es) == 0 &&
	    sframe_section_init(&d->sframe, es.data, es.size, es.addr, &err) == 0) {
		/* A section that breaks a rule could send the walk anywhere. */
		if (sframe_section_validate(&d->sframe, 0, UINT64_MAX, NULL, NULL) == 0)
			d->have_sframe = true;
		else
			sframe_section_exit(&d->sframe);
	}
	d->cfi = dwarf_getcfi_elf(d->elf.elf);
}

static struct unwind_dso *dso_get(struct unwinder *u, const char *path);

struct unwind_dso *unwind_dso_get(struct unwinder *u, const char *path)
{
	size_t slot = ((uintptr_t)path >> 4) & (UNWIND_PATH_CACHE - 1);
	struct unwind_dso *d;

	if (u->recent[slot].path == path)
		return u->recent[slot].dso;
	d = dso_get(u, path);
	if (d) {
		u->recent[slot].path = path;
		u->recent[slot].dso = d;
	}
	return d;
}

static struct unwind_dso *dso_get(struct unwinder *u, const char *path)
{
	struct unwind_dso *d;
	size_t i;

	if ((u->nr_dsos + 1) * 2 > u->cap_dsos) {
		size_t cap = u->cap_dsos ? u->cap_dsos * 2 : 64;
		struct unwind_dso **t = calloc(cap, sizeof(*t));

		if (!t)
			return NULL;
		for (size_t k = 0; k < u->cap_dsos; k++) {
			if (!u->dsos[k])
				continue;
			i = strhash(u->dsos[k]->path) & (cap - 1);
			while (t[i])
				i = (i + 1) & (cap - 1);
			t[i] = u->dsos[k];
		}
		free(u->dsos);
		u->dsos = t;
		u->cap_dsos = cap;
	}
	i = strhash(path) & (u->cap_dsos - 1);
	while ((d = u->dsos[i])) {
		if (strcmp(d->path, path) == 0)
			return d;
		i = (i + 1) & (u->cap_dsos - 1);
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->elf.fd = -1;
	d->path = strdup(path);
	if (!d->path) {
		free(d);
		return NULL;
	}
	u->dsos[i] = d;
	u->nr_dsos++;
	load(u, d);
	return d;
}

bool unwind_dso_vaddr(const struct unwind_dso *d, const struct unwind_map *map, uint64_t pc,
		      uint64_t *vaddr)
{
	uint64_t off = pc - map->start + map->pgoff;

	for (size_t i = 0; i < d->nr_loads; i++) {
		const GElf_Phdr *ph = &d->loads[i];

		if (off >= ph->p_offset && off - ph->p_offset < ph->p_filesz) {
			*vaddr = off - ph->p_offset + ph->p_vaddr;
			return true;
		}
	}
	return false;
}

void unwind_dsos_free(struct unwinder *u)
{
	for (size_t i = 0; i < u->cap_dsos; i++) {
		struct unwind_dso *d = u->dsos[i];

		if (!d)
			continue;
		if (d->have_sframe)
			sframe_section_exit(&d->sframe);
		if (d->cfi)
			dwarf_cfi_end(d->cfi);
		if (d->opened)
			elf_file_close(&d->elf);
		free(d->image);
		free(d->loads);
		free(d->path);
		free(d);
	}
	free(u->dsos);
	u->dsos = NULL;
	u->cap_dsos = u->nr_dsos = 0;
}
