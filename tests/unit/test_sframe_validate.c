/*
 * Unit tests for SFrame validation: one test per rule that validation can
 * report (every SFRAME_E_* except the lookup results NO_FDE/NO_FRE). Each
 * builds a valid section, corrupts exactly the thing the rule is about and
 * checks that sframe_section_init() (header rules) or
 * sframe_section_validate() reports exactly that rule at the right FDE/FRE
 * index. Then: valid sections pass, the callback sees every failure, and
 * every truncated prefix of a valid section fails cleanly (exact-size
 * copies, so ASan catches overreads).
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

#define NONE UINT32_MAX

/* The base sections: index of each function. */
enum { F_MAIN, F_SECOND, F_PLT, F_OUTER };

/*
 * A valid AMD64 section: F_MAIN (3 FREs, push rbp / mov rbp,rsp),
 * F_SECOND (2 FREs; flexible in V3), F_PLT (MASK, 16-byte blocks) and, in
 * V3 only, F_OUTER (no FREs: outermost frame).
 */
static void base_desc(struct sfb_desc *d, uint8_t version)
{
	struct sfb_func *f;

	sfb_desc_init(d, version, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
	f = sfb_add_func(d, 0x401000, 0x40, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
	sfb_add_fre(f, 1, SFRAME_BASE_REG_SP, 1, 2, 16, -16);
	sfb_add_fre(f, 4, SFRAME_BASE_REG_FP, 1, 2, 16, -16);
	f = sfb_add_func(d, 0x401040, 0x30, SFRAME_FRE_TYPE_ADDR2);
	if (version == SFRAME_VERSION_3) {
		f->fde_type = SFRAME_FDE_TYPE_FLEX;
		/* CFA = *(rbp - 8), RA default, FP = *(CFA - 16) */
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 5, (6 << 3) | 3, -8, 0, 2, -16);
		/* CFA = rsp + 16 */
		sfb_add_fre(f, 0x10, SFRAME_BASE_REG_SP, 2, 2, (7 << 3) | 1, 16);
	} else {
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 2, 1, 8);
		sfb_add_fre(f, 0x10, SFRAME_BASE_REG_SP, 4, 2, 16, -16);
	}
	f = sfb_add_func(d, 0x401100, 0x40, SFRAME_FRE_TYPE_ADDR1);
	f->pctype = SFRAME_PCTYPE_MASK;
	f->rep_size = 16;
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
	sfb_add_fre(f, 11, SFRAME_BASE_REG_SP, 1, 1, 16);
	if (version == SFRAME_VERSION_3)
		sfb_add_func(d, 0x401200, 0x20, SFRAME_FRE_TYPE_ADDR1);
}

static void build(const struct sfb_desc *d, struct sfb_section *b)
{
	assert_int_equal(sfb_build(d, b), 0);
}

static void build_base(struct sfb_section *b, uint8_t version)
{
	struct sfb_desc d;

	base_desc(&d, version);
	build(&d, b);
}

/* sframe_section_init() must refuse b with exactly this header rule. */
static void expect_init_fails(const struct sfb_section *b, size_t size,
			      enum sframe_rule rule)
{
	struct sframe_section sec;
	struct sframe_error err;
	uint8_t *copy = sfb_copy_exact(b->data, size);

	memset(&err, 0x55, sizeof(err));
	assert_int_equal(sframe_section_init(&sec, copy, size, 0x400000, &err), -EINVAL);
	if (err.rule != rule)
		fail_msg("init: got rule %s, want %s", sframe_rule_name(err.rule),
			 sframe_rule_name(rule));
	assert_int_equal(err.fde, NONE);
	assert_int_equal(err.fre, NONE);
	sframe_section_exit(&sec);
	sfb_release(copy);
}

static void print_failures(const struct sfb_failures *f)
{
	unsigned int k;

	for (k = 0; k < f->n && k < SFB_MAX_FAILURES; k++)
		print_message("  failure %u: %s fde %d fre %d\n", k,
			      sframe_rule_name(f->e[k].rule), (int)f->e[k].fde,
			      (int)f->e[k].fre);
}

/*
 * Init must succeed and validation (text range [ts, te)) must report
 * exactly one failure: rule at (fde, fre). With report NULL it must stop
 * at that one failure too.
 */
static void expect_only(const struct sfb_section *b, uint64_t addr,
			uint64_t ts, uint64_t te, enum sframe_rule rule,
			uint32_t fde, uint32_t fre)
{
	struct sframe_section sec;
	struct sframe_error err;
	struct sfb_failures f;
	uint8_t *copy = sfb_copy_exact(b->data, b->size);
	unsigned int n;

	if (sframe_section_init(&sec, copy, b->size, addr, &err))
		fail_msg("init failed: %s", sframe_rule_name(err.rule));
	memset(&f, 0, sizeof(f));
	n = sframe_section_validate(&sec, ts, te, sfb_collect, &f);
	if (n != 1 || f.n != 1 || f.e[0].rule != rule || f.e[0].fde != fde ||
	    f.e[0].fre != fre) {
		print_failures(&f);
		fail_msg("validate returned %u; want exactly %s fde %d fre %d", n,
			 sframe_rule_name(rule), (int)fde, (int)fre);
	}
	assert_int_equal(sframe_section_validate(&sec, ts, te, NULL, NULL), 1);
	sframe_section_exit(&sec);
	sfb_release(copy);
}

static void expect_valid(const struct sfb_section *b, uint64_t addr,
			 uint64_t ts, uint64_t te)
{
	struct sframe_section sec;
	struct sframe_error err;
	struct sfb_failures f;
	uint8_t *copy = sfb_copy_exact(b->data, b->size);

	if (sframe_section_init(&sec, copy, b->size, addr, &err))
		fail_msg("init failed: %s", sframe_rule_name(err.rule));
	memset(&f, 0, sizeof(f));
	if (sframe_section_validate(&sec, ts, te, sfb_collect, &f) != 0 || f.n) {
		print_failures(&f);
		fail_msg("valid section reported failures");
	}
	assert_int_equal(sframe_section_validate(&sec, ts, te, NULL, NULL), 0);
	sframe_section_exit(&sec);
	sfb_release(copy);
}

/* ---- valid sections ---- */

static void test_valid_sections(void **state)
{
	struct sfb_section b;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		build_base(&b, (uint8_t)v);
		expect_valid(&b, 0x400000, 0, 0);
		/* Text range exactly covering the functions (end exclusive). */
		expect_valid(&b, 0x400000, 0x401000,
			     v == SFRAME_VERSION_3 ? 0x401220 : 0x401140);
		sfb_free(&b);
	}
}

/* ---- header rules (sframe_section_init) ---- */

static void test_rule_hdr_truncated(void **state)
{
	struct sfb_section b;
	size_t n;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	for (n = 0; n < 28; n++)
		expect_init_fails(&b, n, SFRAME_E_HDR_TRUNCATED);
	sfb_free(&b);
}

static void test_rule_magic(void **state)
{
	struct sfb_section b;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	sfb_put16(&b, SFB_HDR_MAGIC, 0xdee3);
	expect_init_fails(&b, b.size, SFRAME_E_MAGIC);
	sfb_put16(&b, SFB_HDR_MAGIC, 0x0000);
	expect_init_fails(&b, b.size, SFRAME_E_MAGIC);
	sfb_free(&b);
}

static void test_rule_version(void **state)
{
	struct sfb_section b;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	sfb_put8(&b, SFB_HDR_VERSION, 0);
	expect_init_fails(&b, b.size, SFRAME_E_VERSION);
	sfb_put8(&b, SFB_HDR_VERSION, 4);
	expect_init_fails(&b, b.size, SFRAME_E_VERSION);
	sfb_put8(&b, SFB_HDR_VERSION, 0xff);
	expect_init_fails(&b, b.size, SFRAME_E_VERSION);
	sfb_free(&b);
}

static void test_rule_flags(void **state)
{
	struct sfb_section b;

	(void)state;
	/* V1 has no PCREL flag. */
	build_base(&b, SFRAME_VERSION_1);
	sfb_put8(&b, SFB_HDR_FLAGS, SFRAME_F_FDE_SORTED | SFRAME_F_FDE_FUNC_START_PCREL);
	expect_init_fails(&b, b.size, SFRAME_E_FLAGS);
	sfb_free(&b);
	/* V2: undefined bit. */
	build_base(&b, SFRAME_VERSION_2);
	sfb_put8(&b, SFB_HDR_FLAGS, SFRAME_F_FDE_SORTED | 0x8);
	expect_init_fails(&b, b.size, SFRAME_E_FLAGS);
	sfb_free(&b);
	/* V3 dropped FRAME_POINTER. */
	build_base(&b, SFRAME_VERSION_3);
	sfb_put8(&b, SFB_HDR_FLAGS, b.data[SFB_HDR_FLAGS] | SFRAME_F_FRAME_POINTER);
	expect_init_fails(&b, b.size, SFRAME_E_FLAGS);
	sfb_put8(&b, SFB_HDR_FLAGS, SFRAME_F_FDE_SORTED | SFRAME_F_FDE_FUNC_START_PCREL | 0x80);
	expect_init_fails(&b, b.size, SFRAME_E_FLAGS);
	sfb_free(&b);
}

static void test_rule_abi(void **state)
{
	struct sfb_section b;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	sfb_put8(&b, SFB_HDR_ABI, 0);
	expect_init_fails(&b, b.size, SFRAME_E_ABI);
	sfb_put8(&b, SFB_HDR_ABI, 5);
	expect_init_fails(&b, b.size, SFRAME_E_ABI);
	sfb_free(&b);
}

static void test_rule_endian(void **state)
{
	struct sfb_desc d;
	struct sfb_section b;

	(void)state;
	/* AMD64 is little-endian: a big-endian AMD64 section is wrong. */
	base_desc(&d, SFRAME_VERSION_3);
	d.big_endian = true;
	build(&d, &b);
	expect_init_fails(&b, b.size, SFRAME_E_ENDIAN);
	sfb_free(&b);
	/* AArch64 big-endian ABI in a little-endian section. */
	base_desc(&d, SFRAME_VERSION_2);
	d.abi = SFRAME_ABI_AARCH64_ENDIAN_BIG;
	build(&d, &b);
	expect_init_fails(&b, b.size, SFRAME_E_ENDIAN);
	sfb_free(&b);
	/* s390x is big-endian too. */
	base_desc(&d, SFRAME_VERSION_3);
	d.abi = SFRAME_ABI_S390X_ENDIAN_BIG;
	build(&d, &b);
	expect_init_fails(&b, b.size, SFRAME_E_ENDIAN);
	sfb_free(&b);
}

static void test_rule_auxhdr(void **state)
{
	struct sfb_section b;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	assert_true(b.size < 28 + 255);
	sfb_put8(&b, SFB_HDR_AUXHDR_LEN, 255);
	expect_init_fails(&b, b.size, SFRAME_E_AUXHDR);
	/* One byte too many. */
	sfb_put8(&b, SFB_HDR_AUXHDR_LEN, (uint8_t)(b.size - 28 + 1));
	expect_init_fails(&b, b.size, SFRAME_E_AUXHDR);
	sfb_free(&b);
}

static void test_rule_fde_subsec(void **state)
{
	struct sfb_section b;
	uint32_t n;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	n = sfb_get32(&b, SFB_HDR_NUM_FDES);
	sfb_put32(&b, SFB_HDR_NUM_FDES, 1000);
	expect_init_fails(&b, b.size, SFRAME_E_FDE_SUBSEC);
	/* Huge count: 32-bit multiplication must not wrap. */
	sfb_put32(&b, SFB_HDR_NUM_FDES, 0x10000000);
	expect_init_fails(&b, b.size, SFRAME_E_FDE_SUBSEC);
	sfb_put32(&b, SFB_HDR_NUM_FDES, n);
	sfb_put32(&b, SFB_HDR_FDEOFF, 0xfffffff0);
	expect_init_fails(&b, b.size, SFRAME_E_FDE_SUBSEC);
	/* FDE array would end just past the section. */
	sfb_put32(&b, SFB_HDR_FDEOFF, (uint32_t)(b.size - b.hdr_end - n * 16 + 1));
	expect_init_fails(&b, b.size, SFRAME_E_FDE_SUBSEC);
	sfb_free(&b);
}

static void test_rule_fre_subsec(void **state)
{
	struct sfb_section b;
	uint32_t len;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	len = sfb_get32(&b, SFB_HDR_FRE_LEN);
	sfb_put32(&b, SFB_HDR_FRE_LEN, len + 1);
	expect_init_fails(&b, b.size, SFRAME_E_FRE_SUBSEC);
	sfb_put32(&b, SFB_HDR_FRE_LEN, 0xffffffff);
	expect_init_fails(&b, b.size, SFRAME_E_FRE_SUBSEC);
	sfb_put32(&b, SFB_HDR_FRE_LEN, len);
	sfb_put32(&b, SFB_HDR_FREOFF, 0xffffff00);
	expect_init_fails(&b, b.size, SFRAME_E_FRE_SUBSEC);
	sfb_free(&b);
}

static void test_rule_subsec_overlap(void **state)
{
	struct sfb_section b;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	/* FRE sub-section moved onto the FDE array (still inside the section). */
	sfb_put32(&b, SFB_HDR_FREOFF, 0);
	expect_init_fails(&b, b.size, SFRAME_E_SUBSEC_OVERLAP);
	/* Starting in the last FDE entry. */
	sfb_put32(&b, SFB_HDR_FREOFF, (uint32_t)(b.fre_start - b.hdr_end - 1));
	expect_init_fails(&b, b.size, SFRAME_E_SUBSEC_OVERLAP);
	sfb_free(&b);
}

/* ---- FDE rules (sframe_section_validate) ---- */

static void test_rule_fde_fre_off(void **state)
{
	struct sfb_section b;

	(void)state;
	/* V3: attribute of F_SECOND placed at the very end of the FREs. */
	build_base(&b, SFRAME_VERSION_3);
	sfb_put32(&b, sfb_fde_fre_off_pos(&b, F_SECOND), b.fre_len);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_FRE_OFF, F_SECOND, NONE);
	sfb_put32(&b, sfb_fde_fre_off_pos(&b, F_SECOND), 0xfffffffe);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_FRE_OFF, F_SECOND, NONE);
	sfb_free(&b);
	/* V2: first FRE beyond fre_len. */
	build_base(&b, SFRAME_VERSION_2);
	sfb_put32(&b, sfb_fde_fre_off_pos(&b, F_SECOND), b.fre_len + 10);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_FRE_OFF, F_SECOND, NONE);
	sfb_free(&b);
}

static void test_rule_fde_reserved(void **state)
{
	struct sfb_section b;
	size_t pos;

	(void)state;
	/* V3 info bit 6 (unused). */
	build_base(&b, SFRAME_VERSION_3);
	pos = sfb_fde_info_pos(&b, F_MAIN);
	sfb_put8(&b, pos, b.data[pos] | 0x40);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_RESERVED, F_MAIN, NONE);
	sfb_free(&b);
	/* V3 info2 unused bits 5-7. */
	build_base(&b, SFRAME_VERSION_3);
	pos = sfb_fde_info2_pos(&b, F_SECOND);
	sfb_put8(&b, pos, b.data[pos] | 0x20);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_RESERVED, F_SECOND, NONE);
	sfb_put8(&b, pos, (b.data[pos] & 0x1f) | 0x80);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_RESERVED, F_SECOND, NONE);
	sfb_free(&b);
	/* The AArch64 pointer-auth key bit is unused (reserved) on AMD64. */
	build_base(&b, SFRAME_VERSION_3);
	pos = sfb_fde_info_pos(&b, F_PLT);
	sfb_put8(&b, pos, b.data[pos] | 0x20);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_RESERVED, F_PLT, NONE);
	sfb_free(&b);
	/* V2: bit 6 and bit 7 (the signal bit exists only from V3 on). */
	build_base(&b, SFRAME_VERSION_2);
	pos = sfb_fde_info_pos(&b, F_PLT);
	sfb_put8(&b, pos, b.data[pos] | 0x40);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_RESERVED, F_PLT, NONE);
	sfb_put8(&b, pos, (b.data[pos] & 0x3f) | 0x80);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_RESERVED, F_PLT, NONE);
	sfb_free(&b);
}

static void test_rule_fde_fre_type(void **state)
{
	struct sfb_section b;
	size_t pos;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		build_base(&b, (uint8_t)v);
		pos = sfb_fde_info_pos(&b, F_SECOND);
		sfb_put8(&b, pos, (b.data[pos] & 0xf0) | 3);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_FRE_TYPE, F_SECOND, NONE);
		sfb_put8(&b, pos, (b.data[pos] & 0xf0) | 0xf);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_FRE_TYPE, F_SECOND, NONE);
		sfb_free(&b);
	}
}

static void test_rule_fde_type(void **state)
{
	struct sfb_section b;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	sfb_put8(&b, sfb_fde_info2_pos(&b, F_MAIN), 2);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_TYPE, F_MAIN, NONE);
	sfb_put8(&b, sfb_fde_info2_pos(&b, F_MAIN), 0x1f);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_TYPE, F_MAIN, NONE);
	/* Highest bit of the 5-bit field alone. */
	sfb_put8(&b, sfb_fde_info2_pos(&b, F_MAIN), 0x10);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_TYPE, F_MAIN, NONE);
	sfb_free(&b);
}

static void test_rule_fde_rep_size(void **state)
{
	struct sfb_section b;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_2; v <= SFRAME_VERSION_3; v++) {
		build_base(&b, (uint8_t)v);
		sfb_put8(&b, sfb_fde_rep_size_pos(&b, F_PLT), 0);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_REP_SIZE, F_PLT, NONE);
		sfb_free(&b);
	}
}

static void test_rule_fde_num_fres(void **state)
{
	struct sfb_desc d;
	struct sfb_section b;
	struct sfb_func *f;
	unsigned int v;

	(void)state;
	/*
	 * Three FREs for a 2-byte function. A MASK FDE keeps every FRE start
	 * inside its 16-byte block, so only the count is wrong.
	 */
	for (v = SFRAME_VERSION_2; v <= SFRAME_VERSION_3; v++) {
		base_desc(&d, (uint8_t)v);
		f = &d.funcs[F_PLT];
		f->size = 2;
		sfb_add_fre(f, 13, SFRAME_BASE_REG_SP, 1, 1, 24);
		build(&d, &b);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_NUM_FRES, F_PLT, NONE);
		sfb_free(&b);
	}
}

static void test_rule_fde_text_range(void **state)
{
	struct sfb_section b;

	(void)state;
	build_base(&b, SFRAME_VERSION_2);
	/* Text ends one byte before F_PLT ends. */
	expect_only(&b, 0x400000, 0x401000, 0x40113f, SFRAME_E_FDE_TEXT_RANGE,
		    F_PLT, NONE);
	/* Text starts one byte after F_MAIN starts. */
	expect_only(&b, 0x400000, 0x401001, 0x402000, SFRAME_E_FDE_TEXT_RANGE,
		    F_MAIN, NONE);
	/* The same section mapped elsewhere: every function outside. */
	{
		struct sframe_section sec;
		struct sfb_failures f;

		assert_int_equal(sframe_section_init(&sec, b.data, b.size,
						     0x500000, NULL), 0);
		memset(&f, 0, sizeof(f));
		assert_int_equal(sframe_section_validate(&sec, 0x401000, 0x402000,
							 sfb_collect, &f), 3);
		assert_int_equal(f.n, 3);
		assert_int_equal(f.e[0].rule, SFRAME_E_FDE_TEXT_RANGE);
		assert_int_equal(f.e[1].rule, SFRAME_E_FDE_TEXT_RANGE);
		assert_int_equal(f.e[2].rule, SFRAME_E_FDE_TEXT_RANGE);
		sframe_section_exit(&sec);
	}
	sfb_free(&b);
}

static void test_rule_fde_addr_wrap(void **state)
{
	struct sfb_desc d;
	struct sfb_section b;
	struct sfb_func *f;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_2; v <= SFRAME_VERSION_3; v++) {
		sfb_desc_init(&d, (uint8_t)v, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
		d.addr = 0x10000;
		f = sfb_add_func(&d, 0x1000, 0x20, SFRAME_FRE_TYPE_ADDR1);
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
		/* Last function: starts 16 bytes below 2^64, 32 bytes long. */
		f = sfb_add_func(&d, 0xfffffffffffffff0ull, 0x20, SFRAME_FRE_TYPE_ADDR1);
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
		build(&d, &b);
		expect_only(&b, d.addr, 0, 0, SFRAME_E_FDE_ADDR_WRAP, 1, NONE);
		sfb_free(&b);
	}
}

static void test_rule_fde_unsorted(void **state)
{
	struct sfb_desc d;
	struct sfb_section b;
	struct sfb_func tmp;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		base_desc(&d, (uint8_t)v);
		/* Swap F_SECOND and F_PLT; the SORTED flag stays set. */
		tmp = d.funcs[F_SECOND];
		d.funcs[F_SECOND] = d.funcs[F_PLT];
		d.funcs[F_PLT] = tmp;
		build(&d, &b);
		assert_true(b.data[SFB_HDR_FLAGS] & SFRAME_F_FDE_SORTED);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_UNSORTED, 2, NONE);
		sfb_free(&b);
	}
}

static void test_rule_fde_overlap(void **state)
{
	/* F_SECOND starts inside F_MAIN [0x401000, 0x401040). */
	static const uint64_t starts[] = { 0x401030, 0x40103f, 0x401000 };
	struct sfb_desc d;
	struct sfb_section b;
	unsigned int v, sorted, k;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		for (sorted = 0; sorted < 2; sorted++) {
			for (k = 0; k < 3; k++) {
				base_desc(&d, (uint8_t)v);
				if (!sorted)
					d.flags &= (uint8_t)~SFRAME_F_FDE_SORTED;
				d.funcs[F_SECOND].start = starts[k];
				build(&d, &b);
				expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_OVERLAP,
					    F_SECOND, NONE);
				sfb_free(&b);
			}
		}
		/* Adjacent is not overlapping. */
		base_desc(&d, (uint8_t)v);
		d.funcs[F_SECOND].start = 0x401040;
		build(&d, &b);
		expect_valid(&b, 0x400000, 0, 0);
		sfb_free(&b);
	}
}

static void test_rule_fde_outermost(void **state)
{
	struct sfb_desc d;
	struct sfb_section b;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_2; v++) {
		base_desc(&d, (uint8_t)v);
		d.funcs[F_SECOND].num_fres = 0;
		build(&d, &b);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FDE_OUTERMOST, F_SECOND, NONE);
		sfb_free(&b);
	}
	/* ... while V3 allows it (F_OUTER in the base section). */
	build_base(&b, SFRAME_VERSION_3);
	expect_valid(&b, 0x400000, 0, 0);
	sfb_free(&b);
}

/* ---- FRE rules ---- */

static void test_rule_fre_bounds(void **state)
{
	struct sfb_section b;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_2; v++) {
		/* FRE sub-section declared one byte short: last FRE runs past. */
		build_base(&b, (uint8_t)v);
		sfb_put32(&b, SFB_HDR_FRE_LEN, b.fre_len - 1);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_BOUNDS, F_PLT, 1);
		sfb_free(&b);
	}
	/* V3: the last FRE of F_SECOND claims 15 words of 4 bytes. */
	build_base(&b, SFRAME_VERSION_3);
	sfb_put8(&b, b.fre[F_SECOND][1].info_pos, 0x40 | (15 << 1) | 1);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_BOUNDS, F_SECOND, 1);
	sfb_free(&b);
}

static void test_rule_fre_start(void **state)
{
	struct sfb_section b;
	size_t pos;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		build_base(&b, (uint8_t)v);
		/* INC: last FRE of F_MAIN starts at the function's end. */
		pos = b.fre_start + b.fre[F_MAIN][2].off;
		sfb_put8(&b, pos, 0x40);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_START, F_MAIN, 2);
		sfb_put8(&b, pos, 4);
		/* MASK: FRE start at the repetition block size. */
		pos = b.fre_start + b.fre[F_PLT][1].off;
		sfb_put8(&b, pos, 16);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_START, F_PLT, 1);
		sfb_free(&b);
	}
}

static void test_rule_fre_order(void **state)
{
	struct sfb_section b;
	size_t pos;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		build_base(&b, (uint8_t)v);
		pos = b.fre_start + b.fre[F_MAIN][2].off;
		/* Equal to the previous start. */
		sfb_put8(&b, pos, 1);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_ORDER, F_MAIN, 2);
		/* Below the previous start. */
		sfb_put8(&b, pos, 0);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_ORDER, F_MAIN, 2);
		sfb_free(&b);
	}
}

static void test_rule_fre_dw_size(void **state)
{
	struct sfb_section b;
	size_t pos;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		build_base(&b, (uint8_t)v);
		pos = b.fre[F_MAIN][1].info_pos;
		sfb_put8(&b, pos, b.data[pos] | 0x60);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_DW_SIZE, F_MAIN, 1);
		sfb_free(&b);
	}
}

static void test_rule_fre_dw_count(void **state)
{
	struct sfb_desc d;
	struct sfb_section b;
	struct sfb_func *f;

	(void)state;
	/* AMD64 default FDE: at most CFA and FP. */
	base_desc(&d, SFRAME_VERSION_3);
	f = &d.funcs[F_MAIN];
	f->fres[2].dw_count = 3;
	f->fres[2].words[2] = -24;
	build(&d, &b);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_DW_COUNT, F_MAIN, 2);
	sfb_free(&b);
	/* V1 has no "RA undefined" erratum: zero words is impossible. */
	base_desc(&d, SFRAME_VERSION_1);
	d.funcs[F_MAIN].fres[0].dw_count = 0;
	build(&d, &b);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_DW_COUNT, F_MAIN, 0);
	sfb_free(&b);
	/* Flexible FDE: a CFA control word without its offset. */
	base_desc(&d, SFRAME_VERSION_3);
	d.funcs[F_SECOND].fres[1].dw_count = 1;
	build(&d, &b);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_DW_COUNT, F_SECOND, 1);
	sfb_free(&b);
	/* Flexible FDE: RA control word (not padding) without its offset. */
	base_desc(&d, SFRAME_VERSION_3);
	f = &d.funcs[F_SECOND];
	f->fres[1].dw_count = 3;
	f->fres[1].words[2] = 2;
	build(&d, &b);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_DW_COUNT, F_SECOND, 1);
	sfb_free(&b);
	/* s390x default FDE: at most CFA, RA and FP. */
	base_desc(&d, SFRAME_VERSION_3);
	d.abi = SFRAME_ABI_S390X_ENDIAN_BIG;
	d.big_endian = true;
	d.fixed_ra = 0;
	d.funcs[F_SECOND].fde_type = SFRAME_FDE_TYPE_DEFAULT;
	f = &d.funcs[F_SECOND];
	f->num_fres = 0;
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 4, 0, -48, -72, -80);
	build(&d, &b);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_DW_COUNT, F_SECOND, 0);
	sfb_free(&b);
}

/*
 * Separate because it is the less obvious reading: the spec says AArch64
 * FREs carry 1 or 3 data words, so 2 (RA without FP) is impossible there.
 */
static void test_rule_fre_dw_count_aarch64_two(void **state)
{
	struct sfb_desc d;
	struct sfb_section b;
	struct sfb_func *f;

	(void)state;
	sfb_desc_init(&d, SFRAME_VERSION_3, SFRAME_ABI_AARCH64_ENDIAN_LITTLE);
	f = sfb_add_func(&d, 0x410000, 0x40, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 0);
	sfb_add_fre(f, 4, SFRAME_BASE_REG_SP, 1, 3, 32, -24, -32);
	build(&d, &b);
	expect_valid(&b, d.addr, 0, 0);
	sfb_free(&b);
	f->fres[1].dw_count = 2;
	build(&d, &b);
	expect_only(&b, d.addr, 0, 0, SFRAME_E_FRE_DW_COUNT, 0, 1);
	sfb_free(&b);
}

static void test_rule_fre_mangled_ra(void **state)
{
	struct sfb_desc d;
	struct sfb_section b;
	size_t pos;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		build_base(&b, (uint8_t)v);
		pos = b.fre[F_PLT][1].info_pos;
		sfb_put8(&b, pos, b.data[pos] | 0x80);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_MANGLED_RA, F_PLT, 1);
		sfb_free(&b);
	}
	/* Fine on AArch64 (both byte orders). */
	sfb_desc_init(&d, SFRAME_VERSION_3, SFRAME_ABI_AARCH64_ENDIAN_BIG);
	sfb_add_fre(sfb_add_func(&d, 0x410000, 0x40, SFRAME_FRE_TYPE_ADDR1),
		    4, SFRAME_BASE_REG_SP, 1, 3, 32, -24, -32)->mangled_ra = true;
	build(&d, &b);
	expect_valid(&b, d.addr, 0, 0);
	sfb_free(&b);
}

static void test_rule_fre_flex_reserved(void **state)
{
	struct sfb_section b;
	size_t pos;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	/* CFA control word of F_SECOND FRE 0. */
	pos = b.fre[F_SECOND][0].words_pos;
	sfb_put8(&b, pos, b.data[pos] | SFRAME_FLEX_RESERVED_P);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_FLEX_RESERVED, F_SECOND, 0);
	sfb_free(&b);
	/* FP control word (word 3, after the RA padding word). */
	build_base(&b, SFRAME_VERSION_3);
	pos = b.fre[F_SECOND][0].words_pos + 3;
	sfb_put8(&b, pos, b.data[pos] | SFRAME_FLEX_RESERVED_P);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_FLEX_RESERVED, F_SECOND, 0);
	sfb_free(&b);
}

static void test_rule_fre_flex_cfa(void **state)
{
	struct sfb_section b;
	size_t pos;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	/* CFA = *(CFA - 8): deref without reg_p has no base. */
	pos = b.fre[F_SECOND][0].words_pos;
	sfb_put8(&b, pos, SFRAME_FLEX_DEREF_P);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_FLEX_CFA, F_SECOND, 0);
	/* Regnum without reg_p: still no base register. */
	sfb_put8(&b, pos, 7 << 3);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_FLEX_CFA, F_SECOND, 0);
	sfb_free(&b);
	/* Second FRE (2-byte words): CFA control word 0 (padding). */
	build_base(&b, SFRAME_VERSION_3);
	sfb_put16(&b, b.fre[F_SECOND][1].words_pos, 0);
	expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_FLEX_CFA, F_SECOND, 1);
	sfb_free(&b);
}

/* ---- section-wide rules ---- */

static void test_rule_num_fres(void **state)
{
	struct sfb_section b;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		build_base(&b, (uint8_t)v);
		sfb_put32(&b, SFB_HDR_NUM_FRES, b.num_fres + 1);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_NUM_FRES, NONE, NONE);
		sfb_put32(&b, SFB_HDR_NUM_FRES, b.num_fres - 1);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_NUM_FRES, NONE, NONE);
		sfb_free(&b);
	}
}

static void test_rule_fre_len(void **state)
{
	struct sfb_section b;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		/* One stray byte after the last FRE, counted in fre_len. */
		build_base(&b, (uint8_t)v);
		assert_int_equal(sfb_append(&b, 1), 0);
		sfb_put32(&b, SFB_HDR_FRE_LEN, b.fre_len + 1);
		expect_only(&b, 0x400000, 0, 0, SFRAME_E_FRE_LEN, NONE, NONE);
		sfb_free(&b);
	}
}

/* ---- reporting ---- */

static void test_report_all_failures(void **state)
{
	struct sframe_section sec;
	struct sfb_failures f;
	struct sfb_section b;
	bool seen[3] = { false, false, false };
	unsigned int k, n;
	size_t pos;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	pos = sfb_fde_info_pos(&b, F_MAIN);
	sfb_put8(&b, pos, b.data[pos] | 0x40);              /* FDE_RESERVED */
	pos = b.fre[F_PLT][1].info_pos;
	sfb_put8(&b, pos, b.data[pos] | 0x80);              /* FRE_MANGLED_RA */
	sfb_put32(&b, SFB_HDR_NUM_FRES, b.num_fres + 5);    /* NUM_FRES */
	assert_int_equal(sframe_section_init(&sec, b.data, b.size, 0x400000, NULL), 0);

	memset(&f, 0, sizeof(f));
	n = sframe_section_validate(&sec, 0, 0, sfb_collect, &f);
	if (n != 3 || f.n != 3)
		print_failures(&f);
	assert_int_equal(n, 3);
	assert_int_equal(f.n, 3);
	for (k = 0; k < 3; k++) {
		const struct sframe_error *e = &f.e[k];

		if (e->rule == SFRAME_E_FDE_RESERVED && e->fde == F_MAIN && e->fre == NONE)
			seen[0] = true;
		else if (e->rule == SFRAME_E_FRE_MANGLED_RA && e->fde == F_PLT && e->fre == 1)
			seen[1] = true;
		else if (e->rule == SFRAME_E_NUM_FRES && e->fde == NONE && e->fre == NONE)
			seen[2] = true;
	}
	assert_true(seen[0] && seen[1] && seen[2]);
	/* Without a callback validation stops at the first failure. */
	assert_int_equal(sframe_section_validate(&sec, 0, 0, NULL, NULL), 1);
	sframe_section_exit(&sec);
	sfb_free(&b);
}

/* ---- truncation ---- */

/* Lookups and steps on a section that passed init; must not crash. */
static void poke(const struct sframe_section *sec)
{
	static const uint64_t pcs[] = {
		0x401000, 0x401003, 0x401030, 0x401041, 0x401058,
		0x401100, 0x40112c, 0x401205, 0x401300,
	};
	struct sframe_unwind_ops ops;
	struct sframe_frame cur, next;
	struct sfb_failures f;
	struct sframe_fde fde;
	struct sframe_fre fre;
	struct sframe_rules r;
	struct sfb_mem mem;
	unsigned int k, n;
	uint32_t i;
	int ret;

	memset(&f, 0, sizeof(f));
	n = sframe_section_validate(sec, 0x401000, 0x402000, sfb_collect, &f);
	assert_int_equal(n, f.n);
	sframe_section_validate(sec, 0, 0, NULL, NULL);
	for (i = 0; i < sec->num_fdes; i++) {
		struct sframe_error err;
		uint32_t off, j;

		if (sframe_fde_get(sec, i, &fde, &err))
			continue;
		off = fde.fre_off;
		for (j = 0; j < fde.num_fres && j < 64; j++) {
			if (sframe_fre_decode(sec, &fde, off, &fre, &err))
				break;
			sframe_fre_rules(sec, &fde, &fre, &r);
			off = fre.off + fre.len;
		}
	}

	sfb_mem_init(&mem, 0x7fff0000);
	for (k = 0; k < SFB_MEM_SLOTS; k++)
		mem.slot[k] = 0x401000 + k;
	mem.reg_ok = ~0ull;
	ops.read_mem = sfb_read_mem;
	ops.read_reg = sfb_read_reg;
	ops.ctx = &mem;
	ops.pac_mask = 0;
	for (k = 0; k < sizeof(pcs) / sizeof(pcs[0]); k++) {
		ret = sframe_find_fde(sec, pcs[k], &fde);
		assert_true(ret == 0 || ret == -ENOENT || ret == -EINVAL);
		if (ret == 0) {
			ret = sframe_find_fre(sec, &fde, pcs[k], &fre);
			assert_true(ret == 0 || ret == -ENOENT || ret == -EINVAL);
		}
		memset(&cur, 0, sizeof(cur));
		cur.pc = pcs[k];
		cur.sp = 0x7fff0100;
		cur.fp = 0x7fff0200;
		cur.top = true;
		ret = sframe_unwind_step(sec, &ops, &cur, &next);
		assert_true(ret == 0 || ret == SFRAME_UNWIND_OUTERMOST ||
			    ret == -ENOENT || ret == -EINVAL || ret == -EFAULT);
	}
}

static void truncate_one(const struct sfb_section *b, size_t len)
{
	struct sframe_section sec;
	struct sframe_error err;
	uint8_t *copy = sfb_copy_exact(b->data, len);
	int ret;

	ret = sframe_section_init(&sec, copy, len, 0x400000, &err);
	assert_true(ret == 0 || ret == -EINVAL);
	if (len < 28) {
		assert_int_equal(ret, -EINVAL);
		assert_int_equal(err.rule, SFRAME_E_HDR_TRUNCATED);
	}
	/* The FRE sub-section runs to the end: every proper prefix is short. */
	if (len < b->size)
		assert_int_equal(ret, -EINVAL);
	if (ret == 0) {
		poke(&sec);
		sframe_section_exit(&sec);
	}
	sfb_release(copy);
}

/*
 * Same prefix, but with the header shrunk to what is left (fewer FDEs,
 * shorter FRE sub-section), so init accepts it and validation, lookup and
 * the step walk data that ends mid-record.
 */
static void truncate_one_fitted(const struct sfb_section *b, size_t len)
{
	struct sfb_section t = *b;
	struct sframe_section sec;
	struct sframe_error err;
	int ret;

	/* The whole FDE array precedes fre_start, so only FRE data is cut. */
	if (len < b->fre_start)
		return;
	t.data = sfb_copy_exact(b->data, len);
	t.size = len;
	sfb_put32(&t, SFB_HDR_FRE_LEN, (uint32_t)(len - b->fre_start));
	ret = sframe_section_init(&sec, t.data, len, 0x400000, &err);
	if (ret)
		fail_msg("fitted prefix %zu: init failed: %s", len,
			 sframe_rule_name(err.rule));
	poke(&sec);
	sframe_section_exit(&sec);
	sfb_release(t.data);
}

static void truncate_all(const struct sfb_desc *d)
{
	struct sfb_section b;
	size_t len;

	build(d, &b);
	for (len = 0; len < b.size; len++) {
		truncate_one(&b, len);
		truncate_one_fitted(&b, len);
	}
	truncate_one(&b, b.size);
	sfb_free(&b);
}

static void test_truncation_v1(void **state)
{
	struct sfb_desc d;

	(void)state;
	base_desc(&d, SFRAME_VERSION_1);
	truncate_all(&d);
	d.flags &= (uint8_t)~SFRAME_F_FDE_SORTED;
	truncate_all(&d);
}

static void test_truncation_v2(void **state)
{
	struct sfb_desc d;

	(void)state;
	base_desc(&d, SFRAME_VERSION_2);
	d.flags |= SFRAME_F_FDE_FUNC_START_PCREL;
	d.auxhdr_len = 3;
	truncate_all(&d);
}

static void test_truncation_v3(void **state)
{
	struct sfb_desc d;

	(void)state;
	base_desc(&d, SFRAME_VERSION_3);
	truncate_all(&d);
	/* 4-byte words and addresses, big-endian. */
	sfb_desc_init(&d, SFRAME_VERSION_3, SFRAME_ABI_AARCH64_ENDIAN_BIG);
	sfb_add_fre(sfb_add_func(&d, 0x401000, 0x100000, SFRAME_FRE_TYPE_ADDR4),
		    0, SFRAME_BASE_REG_SP, 4, 3, 32, -24, -32);
	sfb_add_func(&d, 0x501000, 0x10, SFRAME_FRE_TYPE_ADDR2);
	truncate_all(&d);
}

/* Every single byte set to 0xff / 0x00 in turn: no crash, no overread. */
static void test_byte_corruption_v3(void **state)
{
	struct sframe_section sec;
	struct sfb_section b;
	size_t pos;
	unsigned int k;

	(void)state;
	build_base(&b, SFRAME_VERSION_3);
	for (pos = 0; pos < b.size; pos++) {
		for (k = 0; k < 3; k++) {
			static const uint8_t vals[3] = { 0xff, 0x00, 0x80 };
			uint8_t *copy = sfb_copy_exact(b.data, b.size);

			copy[pos] = vals[k];
			if (sframe_section_init(&sec, copy, b.size, 0x400000, NULL) == 0) {
				poke(&sec);
				sframe_section_exit(&sec);
			}
			sfb_release(copy);
		}
	}
	sfb_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_sections),
		cmocka_unit_test(test_rule_hdr_truncated),
		cmocka_unit_test(test_rule_magic),
		cmocka_unit_test(test_rule_version),
		cmocka_unit_test(test_rule_flags),
		cmocka_unit_test(test_rule_abi),
		cmocka_unit_test(test_rule_endian),
		cmocka_unit_test(test_rule_auxhdr),
		cmocka_unit_test(test_rule_fde_subsec),
		cmocka_unit_test(test_rule_fre_subsec),
		cmocka_unit_test(test_rule_subsec_overlap),
		cmocka_unit_test(test_rule_fde_fre_off),
		cmocka_unit_test(test_rule_fde_reserved),
		cmocka_unit_test(test_rule_fde_fre_type),
		cmocka_unit_test(test_rule_fde_type),
		cmocka_unit_test(test_rule_fde_rep_size),
		cmocka_unit_test(test_rule_fde_num_fres),
		cmocka_unit_test(test_rule_fde_text_range),
		cmocka_unit_test(test_rule_fde_addr_wrap),
		cmocka_unit_test(test_rule_fde_unsorted),
		cmocka_unit_test(test_rule_fde_overlap),
		cmocka_unit_test(test_rule_fde_outermost),
		cmocka_unit_test(test_rule_fre_bounds),
		cmocka_unit_test(test_rule_fre_start),
		cmocka_unit_test(test_rule_fre_order),
		cmocka_unit_test(test_rule_fre_dw_size),
		cmocka_unit_test(test_rule_fre_dw_count),
		cmocka_unit_test(test_rule_fre_dw_count_aarch64_two),
		cmocka_unit_test(test_rule_fre_mangled_ra),
		cmocka_unit_test(test_rule_fre_flex_reserved),
		cmocka_unit_test(test_rule_fre_flex_cfa),
		cmocka_unit_test(test_rule_num_fres),
		cmocka_unit_test(test_rule_fre_len),
		cmocka_unit_test(test_report_all_failures),
		cmocka_unit_test(test_truncation_v1),
		cmocka_unit_test(test_truncation_v2),
		cmocka_unit_test(test_truncation_v3),
		cmocka_unit_test(test_byte_corruption_v3),
	};

	return cmocka_run_group_tests(tests, NULL, sfb_release_all);
}
