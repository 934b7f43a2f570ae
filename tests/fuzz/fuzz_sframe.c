/*
 * libFuzzer target for lib/sframe: the input is a raw .sframe section. Every
 * entry point that reads section bytes runs on it: init, validate (both
 * reporting modes), FDE/FRE decoding, rules, lookup, and a bounded stack walk
 * over a fake stack made of the input's tail, and the readelf-style dump. Built as a plain replay
 * executable (replay_main.c) when libFuzzer is not available.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sframetrace/sframe.h>

/* Bounds so that one input always finishes quickly, whatever it claims. */
#define FUZZ_MAX_FRE_DECODES 200000u
#define FUZZ_MAX_STEPS 64u
#define FUZZ_MAX_LOOKUP_FDES 64u
#define FUZZ_STACK_MAX 4096u

#define FUZZ_SEC_ADDR 0x1000u
#define FUZZ_STACK_BASE 0x7ffff0000000ull

struct fuzz_stack {
	const uint8_t *bytes;
	size_t len;
	uint64_t base;
};

/* Keeps results observable so the compiler cannot drop the calls. */
static volatile uint64_t fuzz_sink;
/* Where sframe_dump() writes; opened once, kept for the process's life. */
static FILE *fuzz_null;

static int fuzz_read_mem(void *ctx, uint64_t addr, uint64_t *val)
{
	const struct fuzz_stack *st = ctx;
	uint64_t off;

	if (addr < st->base)
		return -EFAULT;
	off = addr - st->base;
	if (off >= st->len || st->len - off < sizeof(*val))
		return -EFAULT;
	memcpy(val, st->bytes + off, sizeof(*val));
	return 0;
}

static int fuzz_read_reg(void *ctx, unsigned int regno, uint64_t *val)
{
	const struct fuzz_stack *st = ctx;

	/* Any register is readable: point it somewhere inside the stack. */
	*val = st->base + ((uint64_t)regno * 8u) % (st->len ? st->len : 1u);
	return 0;
}

static void fuzz_count_report(void *arg, const struct sframe_error *err)
{
	unsigned int *count = arg;

	(*count)++;
	/* Every rule a validator reports must have a name and a description. */
	if (!sframe_rule_name(err->rule) || !sframe_rule_desc(err->rule))
		abort();
	if (err->rule <= SFRAME_OK || err->rule >= SFRAME_RULE_COUNT)
		abort();
}

static uint64_t fuzz_rd64(const uint8_t *p, size_t size, size_t off)
{
	uint64_t v = 0;

	if (size >= 8 && off <= size - 8)
		memcpy(&v, p + off, 8);
	return v;
}

static void fuzz_check_fre(const struct sframe_fre *fre)
{
	unsigned int i;

	if (fre->dw_count > SFRAME_MAX_DATAWORDS)
		abort();
	for (i = 0; i < fre->dw_count; i++)
		fuzz_sink += (uint64_t)(int64_t)sframe_fre_sdata(fre, i);
}

static void fuzz_walk_fres(const struct sframe_section *sec,
			   const struct sframe_fde *fde, uint32_t *budget)
{
	struct sframe_rules rules;
	struct sframe_fre fre;
	uint32_t off = fde->fre_off, j;

	for (j = 0; j < fde->num_fres && *budget; j++, (*budget)--) {
		if (sframe_fre_decode(sec, fde, off, &fre, NULL))
			break;
		/* A decoded FRE has a length; anything else would loop. */
		if (fre.len == 0 || fre.off != off)
			abort();
		fuzz_check_fre(&fre);
		if (!sframe_fre_rules(sec, fde, &fre, &rules))
			fuzz_sink += (uint64_t)rules.cfa.offset + rules.ra_fixed;
		if (fre.len > UINT32_MAX - off)
			break;
		off += fre.len;
	}
}

static void fuzz_lookup(const struct sframe_section *sec, uint64_t pc)
{
	struct sframe_rules rules;
	struct sframe_fde fde;
	struct sframe_fre fre;

	if (sframe_find_fde(sec, pc, &fde))
		return;
	/* The FDE found must cover the PC. */
	if (pc < fde.start || pc - fde.start >= fde.size)
		abort();
	if (sframe_find_fre(sec, &fde, pc, &fre))
		return;
	fuzz_check_fre(&fre);
	if (!sframe_fre_rules(sec, &fde, &fre, &rules))
		fuzz_sink += (uint64_t)rules.cfa.offset;
}

/* Walk from pc until the step says stop; returns steps used. */
static unsigned int fuzz_walk_stack(const struct sframe_section *sec,
				    const struct sframe_unwind_ops *ops,
				    const struct fuzz_stack *st, uint64_t pc,
				    uint64_t sp_off, unsigned int budget)
{
	struct sframe_frame cur, next;
	unsigned int n = 0;

	memset(&cur, 0, sizeof(cur));
	cur.pc = pc;
	cur.sp = st->base + (st->len ? sp_off % st->len : 0);
	cur.fp = st->base + (st->len ? (sp_off / 3) % st->len : 0);
	cur.ra = fuzz_rd64(st->bytes, st->len, 0);
	cur.top = true;
	while (n < budget) {
		int ret;

		memset(&next, 0, sizeof(next));
		ret = sframe_unwind_step(sec, ops, &cur, &next);
		n++;
		if (ret)
			break;
		fuzz_sink += next.pc ^ next.sp ^ next.fp;
		cur = next;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sframe_section sec;
	struct sframe_error err;
	struct sframe_unwind_ops ops;
	struct fuzz_stack st;
	struct sframe_fde fde;
	uint32_t budget = FUZZ_MAX_FRE_DECODES, i, nlook;
	unsigned int count = 0, steps = 0, nfail, nfail_all;
	uint64_t lo = UINT64_MAX, hi = 0, seed;
	uint8_t *buf;
	int ret;

	/* Exactly sized copy: one byte of overread is an ASan report. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);

	memset(&err, 0, sizeof(err));
	ret = sframe_section_init(&sec, buf, size, FUZZ_SEC_ADDR, &err);
	if (ret) {
		if (ret != -EINVAL && ret != -ENOMEM)
			abort();
		if (ret == -EINVAL && (!sframe_rule_name(err.rule) ||
				       !sframe_rule_desc(err.rule)))
			abort();
		free(buf);
		return 0;
	}
	fuzz_sink += (uintptr_t)sframe_abi_name(sec.abi);

	/* The dump decodes everything once more, the way the CLI prints it. */
	if (!fuzz_null)
		fuzz_null = fopen("/dev/null", "w");
	if (fuzz_null)
		(void)sframe_dump(&sec, fuzz_null, &err);

	/* Stopping at the first failure and counting all must agree on
	 * whether there is one, and the count must match the reports. */
	nfail = sframe_section_validate(&sec, 0, 0, NULL, NULL);
	nfail_all = sframe_section_validate(&sec, 0, 0, fuzz_count_report, &count);
	if (!nfail != !nfail_all || count > nfail_all)
		abort();

	/* Every FDE and its FRE chain; also gather the covered PC span. */
	for (i = 0; i < sec.num_fdes; i++) {
		if (sframe_fde_get(&sec, i, &fde, &err))
			continue;
		if (fde.start < lo)
			lo = fde.start;
		if (fde.start + fde.size > hi && fde.start + fde.size >= fde.start)
			hi = fde.start + fde.size;
		fuzz_walk_fres(&sec, &fde, &budget);
	}
	if (lo < hi) {
		count = 0;
		(void)sframe_section_validate(&sec, lo, hi, fuzz_count_report,
					      &count);
		/* A range that excludes the first byte of text. */
		(void)sframe_section_validate(&sec, lo + 1, hi,
					      fuzz_count_report, &count);
	}

	/* Lookups at the edges of FDEs, then at PCs taken from the input. */
	nlook = sec.num_fdes < FUZZ_MAX_LOOKUP_FDES ? sec.num_fdes
						    : FUZZ_MAX_LOOKUP_FDES;
	for (i = 0; i < nlook; i++) {
		uint32_t idx = (uint32_t)((uint64_t)i * sec.num_fdes / nlook);

		if (sframe_fde_get(&sec, idx, &fde, NULL))
			continue;
		fuzz_lookup(&sec, fde.start);
		/* In a valid section FDEs do not overlap: the lookup of a
		 * function's first byte must find that function. */
		if (!nfail && fde.size) {
			struct sframe_fde got;

			if (sframe_find_fde(&sec, fde.start, &got) ||
			    got.start != fde.start || got.size != fde.size)
				abort();
		}
		fuzz_lookup(&sec, fde.start + fde.size - 1);
		fuzz_lookup(&sec, fde.start + fde.size);
		fuzz_lookup(&sec, fde.start - 1);
	}
	seed = fuzz_rd64(buf, size, size >= 8 ? size - 8 : 0);
	for (i = 0; i < 8; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		if (lo < hi)
			fuzz_lookup(&sec, lo + (seed >> 11) % (hi - lo));
		fuzz_lookup(&sec, seed);
	}
	fuzz_lookup(&sec, 0);
	fuzz_lookup(&sec, UINT64_MAX);

	/* Bounded stack walks over the tail of the input. */
	st.len = size < FUZZ_STACK_MAX ? size : FUZZ_STACK_MAX;
	st.bytes = buf + (size - st.len);
	st.base = FUZZ_STACK_BASE;
	memset(&ops, 0, sizeof(ops));
	ops.read_mem = fuzz_read_mem;
	ops.read_reg = fuzz_read_reg;
	ops.ctx = &st;
	ops.pac_mask = 0xffff800000000000ull;
	for (i = 0; i < sec.num_fdes && steps < FUZZ_MAX_STEPS; i++) {
		uint64_t pc;

		if (sframe_fde_get(&sec, i, &fde, NULL) || !fde.size)
			continue;
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		pc = fde.start + (seed >> 17) % fde.size;
		steps += fuzz_walk_stack(&sec, &ops, &st, pc, seed >> 33,
					 FUZZ_MAX_STEPS - steps);
		/* Without a read_reg hook too: non-SP/FP bases must fail cleanly. */
		if (steps < FUZZ_MAX_STEPS && (i & 1)) {
			ops.read_reg = NULL;
			steps += fuzz_walk_stack(&sec, &ops, &st, pc, seed >> 40,
						 FUZZ_MAX_STEPS - steps);
			ops.read_reg = fuzz_read_reg;
		}
	}

	sframe_section_exit(&sec);
	free(buf);
	return 0;
}
