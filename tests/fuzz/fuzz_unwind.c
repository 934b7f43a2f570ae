/*
 * libFuzzer target for lib/unwind (and the lib/sframe and DWARF CFI steps
 * under it): hostile registers and stack copies walked against REAL files
 * with unwind data, mapped at fixed fake addresses: nested.v3 (SFrame V3),
 * nested-v1 (the same source built with binutils 2.40, SFrame V1), libc
 * (.eh_frame CFI, no .sframe) and our own vDSO, plus an anonymous map, a map
 * of a file that does not exist and a [stack] map. Each input is walked in
 * both modes (sframe, dwarf), then again with a smaller frame limit, and the
 * results are checked: the walk returns, stays in bounds, stops for a
 * reason, counts its steps consistently, repeats itself exactly, and in
 * walks made of SFrame and frame-pointer steps only (where every return
 * address is read from the copy at the new sp - 8) the return addresses sit
 * at strictly increasing offsets of the copy: the sp-growth rule, seen from
 * outside.
 *
 * Input layout (little endian; missing header bytes read as zero):
 *   0      flags (FL_*)
 *   1      frame buffer size: 0..127 as is, 128..255 FUZZ_MAX_IPS
 *   2..3   ip table index            4..5   ip delta
 *   6..7   with FL_EXTRA_REGS, the registers go through
 *          unwind_regs_from_perf: perf mask bits AX..DI from bits 0-5,
 *          R8..R15 from bits 8-15 (values: the first stack words), BP SP IP
 *          always; bit 6: one value short
 *   8..15  ip word (with FL_IP_WORD)  16..23 sp word   24..31 bp word
 *   32..   the stack copy, at most 16 KiB (libFuzzer: -max_len=16416)
 * Words are tagged so that mutations easily point into the mapped files or
 * the stack: top 16 bits 0x5f00 + k: link-time address (low 32 bits) in
 * file k (or an offset into the anonymous / missing map); 0x5f10: sp + the
 * signed low 32 bits; for sp only, 0x5f20: FUZZ_SP_BASE + the low 20 bits.
 * Anything else is a raw value. make-corpus-unwind.sh writes seeds in this
 * layout from real samples.
 *
 * Built as a plain replay executable (replay_main.c) without libFuzzer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include <gelf.h>
#include <libelf.h>

#include <sframetrace/elf.h>
#include <sframetrace/unwind.h>

#ifndef FUZZ_UNWIND_NESTED_V3
#define FUZZ_UNWIND_NESTED_V3 "tests/fixtures/sframe/nested.v3"
#endif
#ifndef FUZZ_UNWIND_NESTED_V1
#define FUZZ_UNWIND_NESTED_V1 "nested-v1"
#endif
#ifndef FUZZ_UNWIND_LIBC
#define FUZZ_UNWIND_LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#endif

#define FUZZ_HDR 32u
#define FUZZ_STACK_MAX (16u * 1024u)
#define FUZZ_MAX_IPS 600u          /* above the unwinder's default 512 */
#define FUZZ_SP_BASE 0x7ffd12340000ull
#define FUZZ_REGION 0x100000ull    /* size of the anonymous and missing maps */

#define FL_IP_WORD 0x01      /* ip from the ip word, not the table */
#define FL_NO_SP 0x06        /* both bits: sp not valid (the call must fail) */
#define FL_NULL_STACK 0x08   /* pass no stack bytes at all */
#define FL_EXTRA_REGS 0x10   /* registers from bytes 6..7 are valid */
#define FL_DELTA_SIGNED 0x20 /* the delta may leave the function */
#define FL_NO_BP 0x40        /* bp not valid */
#define FL_RAW_STACK 0x80    /* stack words are not untagged */

#define TAG_DSO 0x5f00u
#define TAG_STACK 0x5f10u
#define TAG_SP_BASE 0x5f20u

enum { DSO_V3, DSO_V1, DSO_LIBC, DSO_VDSO, DSO_ANON, DSO_MISSING, NR_DSOS };

struct fuzz_dso {
	const char *path;    /* as find_map reports it; NULL: anonymous */
	uint64_t base;       /* run-time address of link-time address 0 */
	bool file;           /* an ELF image whose PT_LOADs give the maps */
};

static struct fuzz_dso fuzz_dsos[NR_DSOS] = {
	[DSO_V3] = { FUZZ_UNWIND_NESTED_V3, 0x555500000000ull, true },
	[DSO_V1] = { FUZZ_UNWIND_NESTED_V1, 0x555600000000ull, true },
	[DSO_LIBC] = { FUZZ_UNWIND_LIBC, 0x7f3a00000000ull, true },
	[DSO_VDSO] = { "[vdso]", 0x7ffd7fff0000ull, true },
	[DSO_ANON] = { NULL, 0x10000000ull, false },
	[DSO_MISSING] = { "/nonexistent/sframetrace-fuzz/libgone.so", 0x20000000ull, false },
};

struct fuzz_func {
	uint64_t addr, size;  /* run-time (fake) address */
};

static struct unwind_map fuzz_maps[64];
static size_t fuzz_nr_maps;
static struct fuzz_func *fuzz_funcs;
static size_t fuzz_nr_funcs, fuzz_cap_funcs;
static struct unwinder *fuzz_uw[2];   /* sframe, dwarf: kept for the process */
static bool fuzz_ready;
static bool fuzz_verbose;   /* FUZZ_UNWIND_VERBOSE=1: one line per walk */
/* Over all inputs: its per-DSO list only grows with distinct DSOs. */
static struct unwind_stats fuzz_stats;

static void fuzz_add_map(uint64_t start, uint64_t end, uint64_t pgoff, const char *path)
{
	if (fuzz_nr_maps == sizeof(fuzz_maps) / sizeof(fuzz_maps[0]))
		abort();
	fuzz_maps[fuzz_nr_maps].start = start;
	fuzz_maps[fuzz_nr_maps].end = end;
	fuzz_maps[fuzz_nr_maps].pgoff = pgoff;
	fuzz_maps[fuzz_nr_maps].path = path;
	fuzz_nr_maps++;
}

static void fuzz_add_func(uint64_t addr, uint64_t size)
{
	if (fuzz_nr_funcs == fuzz_cap_funcs) {
		size_t cap = fuzz_cap_funcs ? fuzz_cap_funcs * 2 : 256;
		struct fuzz_func *f = realloc(fuzz_funcs, cap * sizeof(*f));

		if (!f)
			abort();
		fuzz_funcs = f;
		fuzz_cap_funcs = cap;
	}
	fuzz_funcs[fuzz_nr_funcs].addr = addr;
	fuzz_funcs[fuzz_nr_funcs].size = size ? size : 1;
	fuzz_nr_funcs++;
}

/* Maps like the kernel's for each PT_LOAD, and a table entry per function symbol. */
static void fuzz_scan_elf(Elf *elf, const struct fuzz_dso *d)
{
	Elf_Scn *scn = NULL;
	size_t nr = 0;

	if (elf_getphdrnum(elf, &nr) == 0) {
		for (size_t i = 0; i < nr; i++) {
			GElf_Phdr ph;
			uint64_t lo, hi;

			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_memsz)
				continue;
			lo = ph.p_vaddr & ~0xfffull;
			hi = (ph.p_vaddr + ph.p_memsz + 0xfff) & ~0xfffull;
			fuzz_add_map(d->base + lo, d->base + hi, ph.p_offset & ~0xfffull, d->path);
		}
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;

			if (gelf_getsym(data, (int)i, &sym) && GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
			    sym.st_value && sym.st_shndx != SHN_UNDEF)
				fuzz_add_func(d->base + sym.st_value, sym.st_size);
		}
	}
}

static void fuzz_scan_file(const struct fuzz_dso *d)
{
	struct elf_file f;

	if (elf_file_open(&f, d->path) < 0) {
		/* Still mapped: the unwinder must cope with a file it cannot open. */
		fprintf(stderr, "fuzz_unwind: %s: cannot open; mapped anyway, no table entries\n",
			d->path);
		fuzz_add_map(d->base, d->base + FUZZ_REGION, 0, d->path);
		return;
	}
	fuzz_scan_elf(f.elf, d);
	elf_file_close(&f);
}

/* Our own vDSO: the unwinder reads the same image from this process. */
static void fuzz_scan_vdso(const struct fuzz_dso *d)
{
	const uint8_t *img = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	size_t size = 0;
	uint8_t *copy;
	Elf *elf;

	if (!img || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff) + i;

		if (ph->p_type == PT_LOAD && ph->p_offset + ph->p_filesz > size)
			size = ph->p_offset + ph->p_filesz;
	}
	if (eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize > size)
		size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	if (!size || size > (1u << 20) || !(copy = malloc(size)))
		return;
	memcpy(copy, img, size);
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)copy, size);
	if (elf) {
		fuzz_scan_elf(elf, d);
		elf_end(elf);
	}
	free(copy);
}

static void fuzz_exit(void)
{
	unwinder_free(fuzz_uw[0]);
	unwinder_free(fuzz_uw[1]);
	unwind_stats_exit(&fuzz_stats);
	free(fuzz_funcs);
}

static void fuzz_init(void)
{
	struct unwind_opts o = { .mode = UNWIND_SFRAME };

	elf_version(EV_CURRENT);
	fuzz_scan_file(&fuzz_dsos[DSO_V3]);
	fuzz_scan_file(&fuzz_dsos[DSO_V1]);
	fuzz_scan_file(&fuzz_dsos[DSO_LIBC]);
	fuzz_scan_vdso(&fuzz_dsos[DSO_VDSO]);
	fuzz_add_map(fuzz_dsos[DSO_ANON].base, fuzz_dsos[DSO_ANON].base + FUZZ_REGION, 0, NULL);
	fuzz_add_map(fuzz_dsos[DSO_MISSING].base, fuzz_dsos[DSO_MISSING].base + FUZZ_REGION, 0,
		     fuzz_dsos[DSO_MISSING].path);
	fuzz_add_map(FUZZ_SP_BASE - FUZZ_REGION, FUZZ_SP_BASE + FUZZ_REGION, 0, "[stack]");
	if (!fuzz_nr_funcs)
		fuzz_add_func(fuzz_dsos[DSO_ANON].base, 64);
	if (unwinder_new(&fuzz_uw[0], &o))
		abort();
	o.mode = UNWIND_DWARF;
	if (unwinder_new(&fuzz_uw[1], &o))
		abort();
	atexit(fuzz_exit);
	fuzz_verbose = getenv("FUZZ_UNWIND_VERBOSE") != NULL;
	fuzz_ready = true;
}

static int fuzz_find_map(void *ctx, uint64_t pc, struct unwind_map *map)
{
	(void)ctx;
	for (size_t i = 0; i < fuzz_nr_maps; i++) {
		if (pc >= fuzz_maps[i].start && pc < fuzz_maps[i].end) {
			*map = fuzz_maps[i];
			return 0;
		}
	}
	return -ENOENT;
}

static uint64_t fuzz_rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint64_t fuzz_untag(uint64_t w, uint64_t sp)
{
	unsigned int tag = (unsigned int)(w >> 48);
	uint64_t lo = w & 0xffffffffull;

	if (tag >= TAG_DSO && tag < TAG_DSO + NR_DSOS) {
		const struct fuzz_dso *d = &fuzz_dsos[tag - TAG_DSO];

		return d->file ? d->base + lo : d->base + lo % FUZZ_REGION;
	}
	if (tag == TAG_STACK)
		return sp + (uint64_t)(int64_t)(int32_t)(uint32_t)lo;
	return w;
}

/* Is the sp-growth rule visible in the copy: ips[1..n) at rising offsets? */
static bool fuzz_ras_rise(const uint64_t *ips, size_t n, const uint8_t *stack, uint64_t len)
{
	uint64_t off = 0;

	for (size_t i = 1; i < n; i++) {
		for (;; off++) {
			uint64_t v;

			if (len < 8 || off > len - 8)
				return false;
			v = fuzz_rd64(stack + off);
			if (v == ips[i] + 1 || v == ips[i])
				break;
		}
		off++;
	}
	return true;
}

#define IP_SP (1u << UNWIND_REG_IP | 1u << UNWIND_REG_SP)

static void fuzz_check(int mode, int ret, const struct unwind_regs *regs, const uint64_t *ips,
		       size_t max, const struct unwind_result *res, const uint8_t *stack,
		       uint64_t len)
{
	unsigned int steps = res->nr_sframe + res->nr_cfi + res->nr_fp;
	struct unwind_map map;

	if ((regs->valid & IP_SP) != IP_SP) {
		if (ret != -EINVAL || res->nr_ips)
			abort();
		return;
	}
	if (ret != 0 || res->nr_ips > max || res->nr_ips > 512 || res->stop >= UNWIND_STOP_MAX)
		abort();
	if (!unwind_stop_name(res->stop))
		abort();
	if (res->nr_ips == 0) {
		/* Only a zero-sized buffer gives nothing at all. */
		if (max != 0 || res->stop != UNWIND_STOP_LIMIT || steps)
			abort();
		return;
	}
	if (ips[0] != regs->r[UNWIND_REG_IP])
		abort();
	/* Every ip after the first came from a step that succeeded. */
	if (res->stop == UNWIND_STOP_LIMIT ? steps != res->nr_ips
					   : steps + 1 < res->nr_ips || steps > res->nr_ips)
		abort();
	if (mode == UNWIND_DWARF && (res->nr_sframe || res->nr_fp))
		abort();
	/* The DSO is named for a stop for lack of unwind info or on bad data only. */
	if (res->stop_path && res->stop != UNWIND_STOP_NO_INFO && res->stop != UNWIND_STOP_BAD_DATA)
		abort();
	if (res->stop == UNWIND_STOP_NO_MAP && fuzz_find_map(NULL, ips[res->nr_ips - 1], &map) == 0)
		abort();
	if (res->stop == UNWIND_STOP_NO_INFO && fuzz_find_map(NULL, ips[res->nr_ips - 1], &map) != 0)
		abort();
	/*
	 * SFrame (x86_64: RA at CFA - 8, new sp = CFA) and frame-pointer
	 * (RA at fp + 8, new sp = fp + 16) steps both read the return
	 * address at the new sp - 8; sp must rise, so these slots rise. No
	 * mapped file has a V3 flexible FDE, the only way to take a return
	 * address from a register. CFI rules may read anywhere: not checked.
	 */
	if (mode == UNWIND_SFRAME && !res->nr_cfi &&
	    !fuzz_ras_rise(ips, res->nr_ips, stack, stack ? len : 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[FUZZ_HDR] = { 0 };
	struct unwind_regs regs;
	uint64_t *ips, sp, len;
	uint8_t *stack;
	size_t max;
	uint8_t flags;

	if (!fuzz_ready)
		fuzz_init();
	memcpy(hdr, data, size < FUZZ_HDR ? size : FUZZ_HDR);
	flags = hdr[0];
	max = hdr[1] < 128 ? hdr[1] : FUZZ_MAX_IPS;

	sp = fuzz_rd64(hdr + 16);
	if (sp >> 48 == TAG_SP_BASE)
		sp = FUZZ_SP_BASE + (sp & 0xfffffull);

	memset(&regs, 0, sizeof(regs));
	if (flags & FL_IP_WORD) {
		regs.r[UNWIND_REG_IP] = fuzz_untag(fuzz_rd64(hdr + 8), sp);
	} else {
		const struct fuzz_func *f;
		uint16_t idx, delta;

		memcpy(&idx, hdr + 2, 2);
		memcpy(&delta, hdr + 4, 2);
		f = &fuzz_funcs[idx % fuzz_nr_funcs];
		regs.r[UNWIND_REG_IP] = flags & FL_DELTA_SIGNED
			? f->addr + (uint64_t)(int64_t)(int16_t)delta
			: f->addr + delta % f->size;
	}
	regs.r[UNWIND_REG_SP] = sp;
	regs.r[UNWIND_REG_BP] = fuzz_untag(fuzz_rd64(hdr + 24), sp);
	regs.valid = 1u << UNWIND_REG_IP | 1u << UNWIND_REG_SP;
	if ((flags & FL_NO_SP) == FL_NO_SP)
		regs.valid &= ~(1u << UNWIND_REG_SP);
	if (!(flags & FL_NO_BP))
		regs.valid |= 1u << UNWIND_REG_BP;

	/* Exactly sized: one byte of overread is an ASan report. */
	len = size > FUZZ_HDR ? size - FUZZ_HDR : 0;
	if (len > FUZZ_STACK_MAX)
		len = FUZZ_STACK_MAX;
	stack = malloc(len ? len : 1);
	if (!stack)
		return 0;
	if (len)
		memcpy(stack, data + FUZZ_HDR, len);
	if (!(flags & FL_RAW_STACK)) {
		for (uint64_t off = 0; off + 8 <= len; off += 8) {
			uint64_t w = fuzz_untag(fuzz_rd64(stack + off), sp);

			memcpy(stack + off, &w, 8);
		}
	}
	if (flags & FL_EXTRA_REGS) {
		/*
		 * The registers as a sample carries them: perf's mask (AX..DI
		 * from mask bits 0-5, R8..R15 from bits 8-15, BP SP IP always)
		 * and values in bit order, one fewer with mask bit 6.
		 */
		uint64_t values[24], pmask;
		uint16_t mask;
		size_t nr = 0;

		memcpy(&mask, hdr + 6, 2);
		pmask = (mask & 0x3full) | (uint64_t)(mask >> 8) << 16 | 7ull << 6;
		for (unsigned int bit = 0; bit < 24; bit++) {
			if (!(pmask >> bit & 1))
				continue;
			if (bit >= 6 && bit <= 8)
				values[nr] = regs.r[bit == 6 ? UNWIND_REG_BP
						    : bit == 7 ? UNWIND_REG_SP : UNWIND_REG_IP];
			else
				values[nr] = (nr + 1) * 8 <= len ? fuzz_rd64(stack + nr * 8) : sp + bit * 8;
			nr++;
		}
		unwind_regs_from_perf(&regs, pmask, values, mask & 0x40 ? nr - 1 : nr);
		if ((flags & FL_NO_SP) == FL_NO_SP)
			regs.valid &= ~(1u << UNWIND_REG_SP);
		if (flags & FL_NO_BP)
			regs.valid &= ~(1u << UNWIND_REG_BP);
	}

	ips = malloc((max ? max : 1) * sizeof(*ips));
	if (!ips) {
		free(stack);
		return 0;
	}
	for (int m = 0; m < 2; m++) {
		const uint8_t *st = flags & FL_NULL_STACK ? NULL : stack;
		struct unwind_result res, again;
		size_t n;
		int ret;

		ret = unwind_stack(fuzz_uw[m], &regs, st, len, fuzz_find_map, NULL, ips, max, &res);
		fuzz_check(m ? UNWIND_DWARF : UNWIND_SFRAME, ret, &regs, ips, max, &res, st, len);
		if (fuzz_verbose)
			fprintf(stderr, "fuzz_unwind: %s: ret %d, %zu ips (sframe %u, cfi %u, fp %u), %s\n",
				m ? "dwarf" : "sframe", ret, res.nr_ips, res.nr_sframe, res.nr_cfi,
				res.nr_fp, unwind_stop_name(res.stop));
		if (ret)
			continue;
		unwind_stats_add(&fuzz_stats, &res);
		if (res.nr_ips < 2)
			continue;
		/* The same walk with a smaller buffer: the same frames, cut at the limit. */
		n = 1 + (size_t)hdr[5] % (res.nr_ips - 1);
		{
			uint64_t *prefix = malloc(n * sizeof(*prefix));

			if (!prefix)
				break;
			ret = unwind_stack(fuzz_uw[m], &regs, st, len, fuzz_find_map, NULL, prefix, n,
					   &again);
			if (ret || again.nr_ips != n || again.stop != UNWIND_STOP_LIMIT ||
			    memcmp(prefix, ips, n * sizeof(*prefix)) != 0)
				abort();
			free(prefix);
		}
	}
	/* One line per (unwinder's DSO, stop): two unwinders, two kinds of stop. */
	if (fuzz_stats.nr_dsos > 4 * NR_DSOS)
		abort();
	free(ips);
	free(stack);
	return 0;
}
