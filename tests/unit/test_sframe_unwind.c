/*
 * Unit tests for sframe_unwind_step() over synthetic memory: a fake stack
 * (struct sfb_mem) read through the read_mem hook. AMD64 SP- and FP-based
 * CFAs, FP restored or kept, return-address lookups at pc - 1, signal
 * frames, both kinds of outermost frame, missing data and faulting reads,
 * flexible (DRAP / register-based) rules, AArch64 with the RA in LR or on
 * the stack and signed return addresses, and s390x.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sframe_builder.h"

#define STACK 0x7ffd0000ull
#define GARBAGE 0x5a5a5a5a5a5a5a5aull

struct fixture {
	struct sfb_desc d;
	struct sfb_section b;
	struct sframe_section sec;
	struct sfb_mem mem;
	struct sframe_unwind_ops ops;
};

static void fixture_init(struct fixture *fx)
{
	struct sframe_error err;

	assert_int_equal(sfb_build(&fx->d, &fx->b), 0);
	if (sframe_section_init(&fx->sec, fx->b.data, fx->b.size, fx->d.addr, &err))
		fail_msg("init: %s", sframe_rule_name(err.rule));
	assert_int_equal(sframe_section_validate(&fx->sec, 0, 0, NULL, NULL), 0);
	sfb_mem_init(&fx->mem, STACK);
	fx->ops.read_mem = sfb_read_mem;
	fx->ops.read_reg = sfb_read_reg;
	fx->ops.ctx = &fx->mem;
	fx->ops.pac_mask = 0;
}

static void fixture_exit(struct fixture *fx)
{
	sframe_section_exit(&fx->sec);
	sfb_free(&fx->b);
}

static struct sframe_frame frame(uint64_t pc, uint64_t sp, uint64_t fp,
				 bool top, uint32_t flags)
{
	struct sframe_frame f;

	memset(&f, 0, sizeof(f));
	f.pc = pc;
	f.sp = sp;
	f.fp = fp;
	f.top = top;
	f.flags = flags;
	return f;
}

static int step(struct fixture *fx, const struct sframe_frame *cur,
		struct sframe_frame *next)
{
	memset(next, 0xa5, sizeof(*next));
	return sframe_unwind_step(&fx->sec, &fx->ops, cur, next);
}

static void check_next(const struct sframe_frame *n, uint64_t pc, uint64_t sp,
		       uint64_t fp, uint32_t flags)
{
	assert_int_equal(n->pc, pc);
	assert_int_equal(n->sp, sp);
	assert_int_equal(n->fp, fp);
	assert_int_equal(n->flags, flags);
	assert_false(n->top);
}

/* ---- AMD64 ---- */

enum {
	A_MAIN,      /* 0x401000: push rbp; mov rbp,rsp; ... */
	A_CALLEND,   /* 0x401040: ends with a call */
	A_AFTER,     /* 0x401050: right behind it */
	A_SIGNAL,    /* 0x401060: signal trampoline */
	A_OUTER_FRE, /* 0x401080: _start-like, zero-word FRE */
	A_OUTER_FDE, /* 0x4010a0: V3 FDE without FREs */
	A_FLEX,      /* 0x4010c0: DRAP and register-based rules */
};

static void amd64_desc(struct sfb_desc *d)
{
	struct sfb_func *f;

	sfb_desc_init(d, SFRAME_VERSION_3, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
	f = sfb_add_func(d, 0x401000, 0x40, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
	sfb_add_fre(f, 1, SFRAME_BASE_REG_SP, 1, 2, 16, -16);
	sfb_add_fre(f, 4, SFRAME_BASE_REG_FP, 1, 2, 16, -16);
	f = sfb_add_func(d, 0x401040, 0x10, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 24);
	f = sfb_add_func(d, 0x401050, 0x10, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
	f = sfb_add_func(d, 0x401060, 0x10, SFRAME_FRE_TYPE_ADDR1);
	f->signal = true;
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 2, 2, 0x100, -0x30);
	f = sfb_add_func(d, 0x401080, 0x20, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 0);
	sfb_add_func(d, 0x4010a0, 0x20, SFRAME_FRE_TYPE_ADDR1);
	f = sfb_add_func(d, 0x4010c0, 0x40, SFRAME_FRE_TYPE_ADDR1);
	f->fde_type = SFRAME_FDE_TYPE_FLEX;
	/* CFA = *(rbp - 8); RA default (padding); FP = *(CFA - 16) */
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 5, (6 << 3) | 3, -8, 0, 2, -16);
	/* CFA = r10 + 16 (DRAP register, only safe in the top frame) */
	sfb_add_fre(f, 0x10, SFRAME_BASE_REG_SP, 1, 2, (10 << 3) | 1, 16);
	/* CFA = rsp + 24; RA = *(CFA - 8) explicitly; FP = rbp + 0 (kept) */
	sfb_add_fre(f, 0x20, SFRAME_BASE_REG_SP, 1, 6, (7 << 3) | 1, 24,
		    2, -8, (6 << 3) | 1, 0);
	/* CFA = *(rsp + 8) (deref with the SP as base) */
	sfb_add_fre(f, 0x30, SFRAME_BASE_REG_SP, 1, 2, (7 << 3) | 3, 8);
}

static void test_amd64_sp_based(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;

	(void)state;
	amd64_desc(&fx.d);
	fixture_init(&fx);
	/* At function entry: CFA = rsp + 8, RA at rsp, FP untouched. */
	sfb_mem_set(&fx.mem, STACK + 0x100, 0x402345);
	cur = frame(0x401000, STACK + 0x100, 0x1111, true, 0);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x402345, STACK + 0x108, 0x1111, SFRAME_FRAME_RETADDR);
	assert_int_equal(fx.mem.reads, 1);

	/* After push rbp: CFA = rsp + 16, FP saved at CFA - 16. */
	sfb_mem_set(&fx.mem, STACK + 0x100, 0x7777);
	sfb_mem_set(&fx.mem, STACK + 0x108, 0x402345);
	cur = frame(0x401001, STACK + 0x100, 0x1111, true, 0);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x402345, STACK + 0x110, 0x7777, SFRAME_FRAME_RETADDR);
	fixture_exit(&fx);
}

static void test_amd64_fp_based(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;

	(void)state;
	amd64_desc(&fx.d);
	fixture_init(&fx);
	/* rbp = STACK + 0x200; CFA = rbp + 16; RA at rbp + 8; old rbp at rbp. */
	sfb_mem_set(&fx.mem, STACK + 0x200, STACK + 0x300);
	sfb_mem_set(&fx.mem, STACK + 0x208, 0x402999);
	/* SP somewhere below (alloca): must not matter. */
	cur = frame(0x401020, STACK + 0x80, STACK + 0x200, false,
		    SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x402999, STACK + 0x210, STACK + 0x300,
		   SFRAME_FRAME_RETADDR);
	fixture_exit(&fx);
}

static void test_amd64_retaddr_at_function_end(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;

	(void)state;
	amd64_desc(&fx.d);
	fixture_init(&fx);
	sfb_mem_set(&fx.mem, STACK + 0x100, 0x403000); /* RA if CFA = sp + 8 */
	sfb_mem_set(&fx.mem, STACK + 0x110, 0x404000); /* RA if CFA = sp + 24 */
	/*
	 * A caller frame whose return address is one past A_CALLEND's last
	 * byte (the call was its last instruction): look up pc - 1.
	 */
	cur = frame(0x401050, STACK + 0x100, 0, false, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x404000, STACK + 0x118, 0, SFRAME_FRAME_RETADDR);
	/* The same pc as an exact (interrupted) pc belongs to A_AFTER. */
	cur = frame(0x401050, STACK + 0x100, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x403000, STACK + 0x108, 0, SFRAME_FRAME_RETADDR);
	/* RETADDR one past the first function start: still inside it. */
	sfb_mem_set(&fx.mem, STACK + 0x100, 0x405000);
	cur = frame(0x401001, STACK + 0x100, 0, false, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x405000, STACK + 0x108, 0, SFRAME_FRAME_RETADDR);
	fixture_exit(&fx);
}

static void test_amd64_signal_frame(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;

	(void)state;
	amd64_desc(&fx.d);
	fixture_init(&fx);
	/* CFA = rsp + 0x100; RA at CFA - 8; FP at CFA - 0x30. */
	sfb_mem_set(&fx.mem, STACK + 0x1f8, 0x40abcd);
	sfb_mem_set(&fx.mem, STACK + 0x1d0, STACK + 0x280);
	cur = frame(0x401061, STACK + 0x100, 0x2222, false, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), 0);
	/* The interrupted frame's pc is exact: no RETADDR. */
	check_next(&next, 0x40abcd, STACK + 0x200, STACK + 0x280, 0);
	fixture_exit(&fx);
}

static void test_amd64_outermost(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;

	(void)state;
	amd64_desc(&fx.d);
	fixture_init(&fx);
	cur = frame(0x401085, STACK + 0x100, 0, false, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), SFRAME_UNWIND_OUTERMOST);
	cur = frame(0x4010a0, STACK + 0x100, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), SFRAME_UNWIND_OUTERMOST);
	cur = frame(0x4010bf, STACK + 0x100, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), SFRAME_UNWIND_OUTERMOST);
	assert_int_equal(fx.mem.reads, 0);
	fixture_exit(&fx);
}

static void test_amd64_no_data(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;

	(void)state;
	amd64_desc(&fx.d);
	fixture_init(&fx);
	cur = frame(0x400fff, STACK + 0x100, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), -ENOENT);
	cur = frame(0x401100, STACK + 0x100, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), -ENOENT);
	/* RETADDR at a function's first byte looks up the byte before it. */
	cur = frame(0x401000, STACK + 0x100, 0, false, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), -ENOENT);
	cur = frame(0, STACK + 0x100, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), -ENOENT);
	assert_int_equal(fx.mem.reads, 0);
	fixture_exit(&fx);
}

static void test_amd64_read_fault(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;

	(void)state;
	amd64_desc(&fx.d);
	fixture_init(&fx);
	/* RA slot below the fake stack. */
	cur = frame(0x401000, STACK - 0x100, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), -EFAULT);
	/* RA readable, saved FP not: FP slot at CFA - 16 is outside. */
	sfb_mem_set(&fx.mem, STACK, 0x402000);
	cur = frame(0x401001, STACK - 8, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), -EFAULT);
	fixture_exit(&fx);
}

static void test_amd64_flex_drap(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;

	(void)state;
	amd64_desc(&fx.d);
	fixture_init(&fx);
	/* rbp = STACK + 0x300; *(rbp - 8) = CFA = STACK + 0x180. */
	sfb_mem_set(&fx.mem, STACK + 0x2f8, STACK + 0x180);
	sfb_mem_set(&fx.mem, STACK + 0x178, 0x40c0de);      /* RA at CFA - 8 */
	sfb_mem_set(&fx.mem, STACK + 0x170, STACK + 0x400); /* FP at CFA - 16 */
	/* rbp is the frame pointer: fine below the top frame as well. */
	cur = frame(0x4010c4, STACK + 0x100, STACK + 0x300, false,
		    SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x40c0de, STACK + 0x180, STACK + 0x400,
		   SFRAME_FRAME_RETADDR);
	assert_int_equal(fx.mem.reg_reads, 0);
	fixture_exit(&fx);
}

static void test_amd64_flex_register_base(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;

	(void)state;
	amd64_desc(&fx.d);
	fixture_init(&fx);
	/* r10 = STACK + 0x40; CFA = r10 + 16; RA at CFA - 8. */
	fx.mem.reg[10] = STACK + 0x40;
	fx.mem.reg_ok = 1ull << 10;
	sfb_mem_set(&fx.mem, STACK + 0x48, 0x40beef);
	cur = frame(0x4010d0, STACK + 0x10, 0x3333, true, 0);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x40beef, STACK + 0x50, 0x3333, SFRAME_FRAME_RETADDR);
	assert_true(fx.mem.reg_reads >= 1);

	/* Below the top frame r10 is clobbered: refuse. */
	fx.mem.reg_reads = 0;
	cur = frame(0x4010d1, STACK + 0x10, 0x3333, false, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), -EINVAL);
	assert_int_equal(fx.mem.reg_reads, 0);

	/* Top frame but no way to read registers. */
	fx.ops.read_reg = NULL;
	cur = frame(0x4010d0, STACK + 0x10, 0x3333, true, 0);
	assert_int_equal(step(&fx, &cur, &next), -EINVAL);
	fixture_exit(&fx);
}

static void test_amd64_flex_explicit_rules(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;

	(void)state;
	amd64_desc(&fx.d);
	fixture_init(&fx);
	/* CFA = rsp + 24; RA = *(CFA - 8); FP = rbp + 0 (no deref). */
	sfb_mem_set(&fx.mem, STACK + 0x110, 0x40f00d);
	cur = frame(0x4010e1, STACK + 0x100, 0x4444, false, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x40f00d, STACK + 0x118, 0x4444, SFRAME_FRAME_RETADDR);

	/* CFA = *(rsp + 8). */
	sfb_mem_set(&fx.mem, STACK + 0x108, STACK + 0x200);
	sfb_mem_set(&fx.mem, STACK + 0x1f8, 0x40cafe);
	cur = frame(0x4010f1, STACK + 0x100, 0x4444, false, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x40cafe, STACK + 0x200, 0x4444, SFRAME_FRAME_RETADDR);
	fixture_exit(&fx);
}

/* A short walk through three frames, then the outermost one. */
static void test_amd64_walk(void **state)
{
	struct fixture fx;
	struct sframe_frame f0, f1, f2, f3;

	(void)state;
	amd64_desc(&fx.d);
	fixture_init(&fx);
	/* f0: entry of A_AFTER; returns into A_MAIN's FP-based body. */
	sfb_mem_set(&fx.mem, STACK + 0x100, 0x401030);
	/* A_MAIN frame: rbp = STACK + 0x180. */
	sfb_mem_set(&fx.mem, STACK + 0x180, STACK + 0x1c0);
	sfb_mem_set(&fx.mem, STACK + 0x188, 0x401090); /* into _start */
	f0 = frame(0x401050, STACK + 0x100, STACK + 0x180, true, 0);
	assert_int_equal(step(&fx, &f0, &f1), 0);
	check_next(&f1, 0x401030, STACK + 0x108, STACK + 0x180, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &f1, &f2), 0);
	check_next(&f2, 0x401090, STACK + 0x190, STACK + 0x1c0, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &f2, &f3), SFRAME_UNWIND_OUTERMOST);
	fixture_exit(&fx);
}

static void test_v2_zero_word_outermost(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;
	struct sfb_func *f;

	(void)state;
	sfb_desc_init(&fx.d, SFRAME_VERSION_2, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
	fx.d.flags |= SFRAME_F_FDE_FUNC_START_PCREL;
	f = sfb_add_func(&fx.d, 0x401000, 0x20, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
	sfb_add_fre(f, 4, SFRAME_BASE_REG_SP, 1, 0);
	fixture_init(&fx);
	sfb_mem_set(&fx.mem, STACK + 0x100, 0x402000);
	cur = frame(0x401002, STACK + 0x100, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x402000, STACK + 0x108, 0, SFRAME_FRAME_RETADDR);
	cur = frame(0x401004, STACK + 0x100, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), SFRAME_UNWIND_OUTERMOST);
	fixture_exit(&fx);
}

/* Through a PLT (MASK FDE): the block offset picks the FRE. */
static void test_amd64_plt(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;
	struct sfb_func *f;

	(void)state;
	sfb_desc_init(&fx.d, SFRAME_VERSION_3, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
	f = sfb_add_func(&fx.d, 0x401000, 0x40, SFRAME_FRE_TYPE_ADDR1);
	f->pctype = SFRAME_PCTYPE_MASK;
	f->rep_size = 16;
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
	sfb_add_fre(f, 11, SFRAME_BASE_REG_SP, 1, 1, 16);
	fixture_init(&fx);
	sfb_mem_set(&fx.mem, STACK + 0x100, 0x1010);
	sfb_mem_set(&fx.mem, STACK + 0x108, 0x2020);
	cur = frame(0x401000 + 2 * 16 + 6, STACK + 0x100, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x1010, STACK + 0x108, 0, SFRAME_FRAME_RETADDR);
	cur = frame(0x401000 + 3 * 16 + 12, STACK + 0x100, 0, true, 0);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x2020, STACK + 0x110, 0, SFRAME_FRAME_RETADDR);
	fixture_exit(&fx);
}

/* ---- AArch64 ---- */

static void aarch64_desc(struct sfb_desc *d, uint8_t abi)
{
	struct sfb_func *f;
	struct sfb_fre *r;

	sfb_desc_init(d, SFRAME_VERSION_3, abi);
	/* Plain: RA in LR at entry, then stp x29, x30, [sp, -32]!. */
	f = sfb_add_func(d, 0x410000, 0x40, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 0);
	sfb_add_fre(f, 4, SFRAME_BASE_REG_SP, 1, 3, 32, -24, -32);
	sfb_add_fre(f, 8, SFRAME_BASE_REG_FP, 1, 3, 32, -24, -32);
	/* Signed: paciasp; stp ...: the saved RA is mangled. */
	f = sfb_add_func(d, 0x410040, 0x40, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 0);
	r = sfb_add_fre(f, 8, SFRAME_BASE_REG_SP, 1, 3, 16, -8, -16);
	r->mangled_ra = true;
}

static void test_aarch64_ra_in_lr(void **state)
{
	unsigned int e;

	(void)state;
	for (e = 0; e < 2; e++) {
		struct fixture fx;
		struct sframe_frame cur, next;

		aarch64_desc(&fx.d, e ? SFRAME_ABI_AARCH64_ENDIAN_BIG
				      : SFRAME_ABI_AARCH64_ENDIAN_LITTLE);
		fixture_init(&fx);
		cur = frame(0x410000, STACK + 0x100, 0x5555, true, 0);
		cur.ra = 0x420abc;
		assert_int_equal(step(&fx, &cur, &next), 0);
		check_next(&next, 0x420abc, STACK + 0x100, 0x5555,
			   SFRAME_FRAME_RETADDR);
		assert_int_equal(fx.mem.reads, 0);
		/* Below the top frame LR is gone. */
		cur.top = false;
		cur.flags = SFRAME_FRAME_RETADDR;
		cur.pc = 0x410004;
		assert_int_equal(step(&fx, &cur, &next), -EINVAL);
		fixture_exit(&fx);
	}
}

static void test_aarch64_ra_on_stack(void **state)
{
	unsigned int e;

	(void)state;
	for (e = 0; e < 2; e++) {
		struct fixture fx;
		struct sframe_frame cur, next;

		aarch64_desc(&fx.d, e ? SFRAME_ABI_AARCH64_ENDIAN_BIG
				      : SFRAME_ABI_AARCH64_ENDIAN_LITTLE);
		fixture_init(&fx);
		/* sp = STACK + 0x100: CFA = sp + 32; FP at sp; RA at sp + 8. */
		sfb_mem_set(&fx.mem, STACK + 0x100, STACK + 0x200);
		sfb_mem_set(&fx.mem, STACK + 0x108, 0x420def);
		cur = frame(0x410004, STACK + 0x100, 0x5555, true, 0);
		cur.ra = GARBAGE;
		assert_int_equal(step(&fx, &cur, &next), 0);
		check_next(&next, 0x420def, STACK + 0x120, STACK + 0x200,
			   SFRAME_FRAME_RETADDR);
		/* FP-based: x29 = STACK + 0x100, not top. */
		cur = frame(0x410020, STACK + 0x40, STACK + 0x100, false,
			    SFRAME_FRAME_RETADDR);
		assert_int_equal(step(&fx, &cur, &next), 0);
		check_next(&next, 0x420def, STACK + 0x120, STACK + 0x200,
			   SFRAME_FRAME_RETADDR);
		fixture_exit(&fx);
	}
}

static void test_aarch64_mangled_ra(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;

	(void)state;
	aarch64_desc(&fx.d, SFRAME_ABI_AARCH64_ENDIAN_LITTLE);
	fixture_init(&fx);
	fx.ops.pac_mask = 0xff7f000000000000ull;
	/* CFA = sp + 16; RA (signed) at CFA - 8; FP at CFA - 16. */
	sfb_mem_set(&fx.mem, STACK + 0x100, STACK + 0x180);
	sfb_mem_set(&fx.mem, STACK + 0x108, 0x0033000000420123ull);
	cur = frame(0x410048, STACK + 0x100, 0x6666, true, 0);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x420123, STACK + 0x110, STACK + 0x180,
		   SFRAME_FRAME_RETADDR);

	/* Unmangled FRE: the mask is not applied. */
	sfb_mem_set(&fx.mem, STACK + 0x108, 0x0033000000420123ull);
	cur = frame(0x410004, STACK + 0xf0, 0x6666, true, 0);
	sfb_mem_set(&fx.mem, STACK + 0xf0, STACK + 0x180);
	sfb_mem_set(&fx.mem, STACK + 0xf8, 0x0033000000420123ull);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x0033000000420123ull, STACK + 0x110, STACK + 0x180,
		   SFRAME_FRAME_RETADDR);
	fixture_exit(&fx);
}

/* Flexible AArch64 rule: RA = LR (a register, no dereference). */
static void test_aarch64_flex_ra_in_lr(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;
	struct sfb_func *f;

	(void)state;
	sfb_desc_init(&fx.d, SFRAME_VERSION_3, SFRAME_ABI_AARCH64_ENDIAN_LITTLE);
	f = sfb_add_func(&fx.d, 0x410000, 0x40, SFRAME_FRE_TYPE_ADDR1);
	f->fde_type = SFRAME_FDE_TYPE_FLEX;
	/* CFA = sp + 16; RA = x30 + 0 */
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 2, 4,
		    (SFRAME_AARCH64_REG_SP << 3) | 1, 16,
		    (SFRAME_AARCH64_REG_LR << 3) | 1, 0);
	fixture_init(&fx);
	cur = frame(0x410010, STACK + 0x100, 0x8888, true, 0);
	cur.ra = 0x420aaa;
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x420aaa, STACK + 0x110, 0x8888, SFRAME_FRAME_RETADDR);
	assert_int_equal(fx.mem.reads, 0);
	/* LR is not preserved across calls: unusable below the top frame. */
	fx.mem.reg[SFRAME_AARCH64_REG_LR] = 0x420bbb;
	fx.mem.reg_ok = ~0ull;
	cur = frame(0x410011, STACK + 0x100, 0x8888, false, SFRAME_FRAME_RETADDR);
	cur.ra = 0x420aaa;
	assert_int_equal(step(&fx, &cur, &next), -EINVAL);
	fixture_exit(&fx);
}

/* ---- s390x ---- */

static void test_s390x(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;
	struct sfb_func *f;

	(void)state;
	sfb_desc_init(&fx.d, SFRAME_VERSION_3, SFRAME_ABI_S390X_ENDIAN_BIG);
	f = sfb_add_func(&fx.d, 0x1000000, 0x80, SFRAME_FRE_TYPE_ADDR1);
	/* Entry: CFA = r15 + 160, RA still in r14. */
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 0);
	/* After stmg/aghi: CFA = r15 + 160 + 2*8, RA at CFA-48, FP at CFA-72. */
	sfb_add_fre(f, 6, SFRAME_BASE_REG_SP, 1, 3, 2, -48, -72);
	sfb_add_fre(f, 0x40, SFRAME_BASE_REG_SP, 1, 3, 2, 0, -72);
	fixture_init(&fx);

	cur = frame(0x1000002, STACK + 0x100, 0x7777, true, 0);
	cur.ra = 0x1000800;
	assert_int_equal(step(&fx, &cur, &next), 0);
	/* Caller's SP = CFA - 160 = the current SP. */
	check_next(&next, 0x1000800, STACK + 0x100, 0x7777, SFRAME_FRAME_RETADDR);

	sfb_mem_set(&fx.mem, STACK + 0x100 + 176 - 48, 0x1000900);
	sfb_mem_set(&fx.mem, STACK + 0x100 + 176 - 72, STACK + 0x300);
	cur = frame(0x1000010, STACK + 0x100, 0x7777, false, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x1000900, STACK + 0x100 + 176 - 160, STACK + 0x300,
		   SFRAME_FRAME_RETADDR);

	/* RA offset padding (0): RA still in r14, only in the top frame. */
	sfb_mem_set(&fx.mem, STACK + 0x100 + 176 - 72, STACK + 0x300);
	cur = frame(0x1000040, STACK + 0x100, 0x7777, true, 0);
	cur.ra = 0x1000a00;
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x1000a00, STACK + 0x110, STACK + 0x300,
		   SFRAME_FRAME_RETADDR);
	cur = frame(0x1000041, STACK + 0x100, 0x7777, false, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), -EINVAL);
	fixture_exit(&fx);
}

/* s390x V2: odd offsets name the register that holds RA / FP. */
static void test_s390x_v2_regnum(void **state)
{
	struct fixture fx;
	struct sframe_frame cur, next;
	struct sfb_func *f;

	(void)state;
	sfb_desc_init(&fx.d, SFRAME_VERSION_2, SFRAME_ABI_S390X_ENDIAN_BIG);
	f = sfb_add_func(&fx.d, 0x1000000, 0x80, SFRAME_FRE_TYPE_ADDR1);
	/* Leaf: CFA = r15 + 160, RA in r14, FP saved in f8 (DWARF 24). */
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 3, 0, (14 << 1) | 1, (24 << 1) | 1);
	fixture_init(&fx);
	fx.mem.reg[24] = 0xf8f8;
	fx.mem.reg_ok = 1ull << 24;
	cur = frame(0x1000010, STACK + 0x100, 0x7777, true, 0);
	cur.ra = 0x1000b00;
	assert_int_equal(step(&fx, &cur, &next), 0);
	check_next(&next, 0x1000b00, STACK + 0x100, 0xf8f8, SFRAME_FRAME_RETADDR);
	/* Neither register survives below the top frame. */
	cur = frame(0x1000011, STACK + 0x100, 0x7777, false, SFRAME_FRAME_RETADDR);
	assert_int_equal(step(&fx, &cur, &next), -EINVAL);
	fixture_exit(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amd64_sp_based),
		cmocka_unit_test(test_amd64_fp_based),
		cmocka_unit_test(test_amd64_retaddr_at_function_end),
		cmocka_unit_test(test_amd64_signal_frame),
		cmocka_unit_test(test_amd64_outermost),
		cmocka_unit_test(test_amd64_no_data),
		cmocka_unit_test(test_amd64_read_fault),
		cmocka_unit_test(test_amd64_flex_drap),
		cmocka_unit_test(test_amd64_flex_register_base),
		cmocka_unit_test(test_amd64_flex_explicit_rules),
		cmocka_unit_test(test_amd64_walk),
		cmocka_unit_test(test_v2_zero_word_outermost),
		cmocka_unit_test(test_amd64_plt),
		cmocka_unit_test(test_aarch64_ra_in_lr),
		cmocka_unit_test(test_aarch64_ra_on_stack),
		cmocka_unit_test(test_aarch64_mangled_ra),
		cmocka_unit_test(test_aarch64_flex_ra_in_lr),
		cmocka_unit_test(test_s390x),
		cmocka_unit_test(test_s390x_v2_regnum),
	};

	return cmocka_run_group_tests(tests, NULL, sfb_release_all);
}
