/*
 * One quirk of the addr2line perf 6.1 runs (binutils 2.40), reproduced so
 * that srclines read the same: in a DWARF 5 line program, rows emitted
 * before a sequence's first DW_LNS_set_file are attributed to file entry
 * 0 instead of entry 1 (the DWARF default). It shows where the two
 * differ, e.g. glibc's __libc_start_call_main, which binutils places in
 * libc-start.c:58 rather than libc_start_call_main.h:58.
 *
 * libdw does not say whether a row's file was set explicitly, so the
 * CU's line program is scanned here (only the opcodes that move the
 * address or set the file) once, and only for CUs where it matters.
 */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdw.h>

#include "symbol/symbol_internal.h"

struct symbol_lineprog {
	struct symbol_lineprog *next;
	Dwarf *dw;
	uint64_t offset;               /* DW_AT_stmt_list */
	struct symbol_lineprog_range {
		uint64_t lo, hi;       /* rows here still use the default file */
	} *ranges;
	size_t nr;
};

void symbol_lineprog_exit(struct symbol_dso *d)
{
	while (d->lineprogs) {
		struct symbol_lineprog *next = d->lineprogs->next;

		free(d->lineprogs->ranges);
		free(d->lineprogs);
		d->lineprogs = next;
	}
}

struct reader {
	const uint8_t *p, *end;
	bool big_endian;
	bool bad;
};

static uint64_t read_n(struct reader *r, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	if (n > 8 || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		r->p = r->end;
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned int shift = r->big_endian ? 8 * (n - 1 - i) : 8 * i;

		v |= (uint64_t)r->p[i] << shift;
	}
	r->p += n;
	return v;
}

static uint64_t read_uleb(struct reader *r)
{
	uint64_t v = 0;
	unsigned int shift = 0;

	while (r->p < r->end) {
		uint8_t b = *r->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return v;
}

static int add_range(struct symbol_lineprog *lp, size_t *alloc, uint64_t lo, uint64_t hi)
{
	if (lo >= hi)
		return 0;
	if (lp->nr == *alloc) {
		size_t n = *alloc ? *alloc * 2 : 16;
		struct symbol_lineprog_range *r;

		if (n > SIZE_MAX / sizeof(*r))
			return -ENOMEM;
		r = realloc(lp->ranges, n * sizeof(*r));
		if (!r)
			return -ENOMEM;
		lp->ranges = r;
		*alloc = n;
	}
	lp->ranges[lp->nr].lo = lo;
	lp->ranges[lp->nr].hi = hi;
	lp->nr++;
	return 0;
}

static int range_cmp(const void *pa, const void *pb)
{
	const struct symbol_lineprog_range *a = pa, *b = pb;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Scan one line program; nothing is recorded for versions before 5. */
static int scan(struct symbol_lineprog *lp, const uint8_t *sec, size_t size, bool big_endian)
{
	struct reader r = { sec + lp->offset, sec + size, big_endian, false };
	const uint8_t *unit_end, *std_lengths;
	uint64_t len, hdr_len, addr = 0, lo = 0, hi = 0;
	unsigned int offsize = 4, version, addr_size, min_inst, line_range, opcode_base;
	bool started = false, file_set = false, pending = false;
	size_t alloc = 0;
	int ret = 0;

	if (lp->offset >= size)
		return -EINVAL;
	len = read_n(&r, 4);
	if (len == 0xffffffff) {
		offsize = 8;
		len = read_n(&r, 8);
	}
	if (r.bad || len > (size_t)(r.end - r.p))
		return -EINVAL;
	unit_end = r.p + len;
	r.end = unit_end;
	version = (unsigned int)read_n(&r, 2);
	if (version != 5)
		return 0;
	addr_size = (unsigned int)read_n(&r, 1);
	read_n(&r, 1);   /* segment selector size */
	hdr_len = read_n(&r, offsize);
	if (r.bad || hdr_len > (size_t)(unit_end - r.p))
		return -EINVAL;
	{
		const uint8_t *prog = r.p + hdr_len;

		min_inst = (unsigned int)read_n(&r, 1);
		read_n(&r, 1);   /* maximum operations per instruction */
		read_n(&r, 1);   /* default_is_stmt */
		read_n(&r, 1);   /* line_base */
		line_range = (unsigned int)read_n(&r, 1);
		opcode_base = (unsigned int)read_n(&r, 1);
		std_lengths = r.p;
		if (r.bad || !line_range || !opcode_base || prog < std_lengths ||
		    (size_t)(prog - std_lengths) < opcode_base - 1)
			return -EINVAL;
		r.p = prog;
	}

	while (r.p < unit_end && !r.bad && !ret) {
		unsigned int op = (unsigned int)read_n(&r, 1);
		bool row = false;

		if (op >= opcode_base) {
			addr += (uint64_t)((op - opcode_base) / line_range) * min_inst;
			row = true;
		} else if (op == 0) {
			uint64_t elen = read_uleb(&r);
			const uint8_t *next;
			unsigned int sub;

			if (r.bad || !elen || elen > (size_t)(unit_end - r.p))
				break;
			next = r.p + elen;
			sub = (unsigned int)read_n(&r, 1);
			if (sub == DW_LNE_end_sequence) {
				if (started)
					ret = add_range(lp, &alloc, lo,
							file_set && !pending ? hi : addr);
				addr = 0;
				started = file_set = pending = false;
			} else if (sub == DW_LNE_set_address) {
				addr = read_n(&r, addr_size);
			}
			r.p = next;
		} else {
			switch (op) {
			case DW_LNS_copy:
				row = true;
				break;
			case DW_LNS_advance_pc:
				addr += read_uleb(&r) * min_inst;
				break;
			case DW_LNS_set_file:
				read_uleb(&r);
				if (!file_set)
					file_set = pending = true;
				break;
			case DW_LNS_const_add_pc:
				addr += (uint64_t)((255 - opcode_base) / line_range) * min_inst;
				break;
			case DW_LNS_fixed_advance_pc:
				addr += read_n(&r, 2);
				break;
			default: {
				/* Standard opcodes take as many LEB128 operands as the header says. */
				unsigned int i, n = std_lengths[op - 1];

				for (i = 0; i < n; i++)
					read_uleb(&r);
				break;
			}
			}
		}
		if (row) {
			if (!started) {
				started = true;
				lo = addr;
			}
			if (pending) {
				hi = addr;
				pending = false;
			}
		}
	}
	if (lp->nr > 1)
		qsort(lp->ranges, lp->nr, sizeof(*lp->ranges), range_cmp);
	return ret;
}

static struct symbol_lineprog *lineprog_get(struct symbol_dso *d, Dwarf_Die *cu)
{
	struct symbol_lineprog *lp;
	Dwarf_Attribute a;
	Dwarf_Word off;
	Dwarf *dw = dwarf_cu_getdwarf(cu->cu);
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Ehdr eh;

	if (!dw || dwarf_formudata(dwarf_attr(cu, DW_AT_stmt_list, &a), &off))
		return NULL;
	for (lp = d->lineprogs; lp; lp = lp->next)
		if (lp->dw == dw && lp->offset == off)
			return lp;
	lp = calloc(1, sizeof(*lp));
	if (!lp)
		return NULL;
	lp->dw = dw;
	lp->offset = off;
	lp->next = d->lineprogs;
	d->lineprogs = lp;

	elf = dwarf_getelf(dw);
	if (!elf || !gelf_getehdr(elf, &eh) || elf_getshdrstrndx(elf, &shstrndx))
		return lp;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".debug_line"))
			continue;
		/* libdw normally inflated it already; this is a no-op then. */
		if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
			break;
		data = elf_getdata(scn, NULL);
		if (data && data->d_buf &&
		    scan(lp, data->d_buf, data->d_size, eh.e_ident[EI_DATA] == ELFDATA2MSB)) {
			free(lp->ranges);
			lp->ranges = NULL;
			lp->nr = 0;
		}
		break;
	}
	return lp;
}

static bool in_ranges(const struct symbol_lineprog *lp, uint64_t addr)
{
	size_t lo = 0, hi = lp->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lp->ranges[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && addr < lp->ranges[lo - 1].hi;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

const char *symbol_lineprog_bfd_file(struct symbol_dso *d, Dwarf_Die *cu, Dwarf_Line *ln,
				     const char *file)
{
	Dwarf_Addr raw;
	Dwarf_Files *files;
	size_t idx;
	const char *f0;
	struct symbol_lineprog *lp;

	if (!ln || !cu || !file || dwarf_line_file(ln, &files, &idx) || idx != 1)
		return file;
	f0 = dwarf_filesrc(files, 0, NULL, NULL);
	/* Only where the names differ is there anything to reproduce. */
	if (!f0 || !strcmp(base(f0), base(file)) || dwarf_lineaddr(ln, &raw))
		return file;
	lp = lineprog_get(d, cu);
	return lp && in_ranges(lp, raw) ? f0 : file;
}
