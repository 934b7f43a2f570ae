/*
 * Unit tests for SFrame decoding and lookup: every version (V1, V2 with both
 * errata, V3 default/flex/signal/outermost), every FRE type and data word
 * size, auxiliary headers, AArch64 in both byte orders and s390x; then
 * sframe_find_fde / sframe_find_fre on sorted and unsorted sections, INC and
 * MASK FDEs. Sections come from the test-only encoder in sframe_builder.c,
 * whose output is itself pinned by hand-written golden bytes below.
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

static bool host_little(void)
{
	const uint16_t one = 1;

	return *(const uint8_t *)&one == 1;
}

/* Build d and init a section over it; both must succeed. */
static void build_init(const struct sfb_desc *d, struct sfb_section *b,
		       struct sframe_section *sec)
{
	struct sframe_error err;

	assert_int_equal(sfb_build(d, b), 0);
	memset(&err, 0x55, sizeof(err));
	assert_int_equal(sframe_section_init(sec, b->data, b->size, d->addr, &err), 0);
	assert_int_equal(err.rule, SFRAME_OK);
}

static uint8_t info_of(const struct sfb_func *f)
{
	return (uint8_t)(f->fre_type | f->pctype << 4 | f->pauth_key << 5 |
			 (f->signal ? 0x80 : 0));
}

/* Every field of struct sframe_fde against what the builder encoded. */
static void check_fde(const struct sframe_section *sec,
		      const struct sfb_section *b, const struct sfb_desc *d,
		      uint32_t i)
{
	const struct sfb_func *f = &d->funcs[i];
	struct sframe_error err;
	struct sframe_fde fde;

	memset(&fde, 0xa5, sizeof(fde));
	assert_int_equal(sframe_fde_get(sec, i, &fde, &err), 0);
	assert_int_equal(fde.index, i);
	assert_int_equal(fde.start, f->start);
	assert_int_equal(fde.size, f->size);
	assert_int_equal(fde.fre_off, b->fre_off[i]);
	assert_int_equal(fde.num_fres, f->num_fres);
	assert_int_equal(fde.info, info_of(f));
	assert_int_equal(fde.fre_type, f->fre_type);
	assert_int_equal(fde.pctype, f->pctype);
	assert_int_equal(fde.pauth_key, f->pauth_key);
	if (d->version == SFRAME_VERSION_3) {
		assert_int_equal(fde.info2, f->fde_type);
		assert_int_equal(fde.fde_type, f->fde_type);
		assert_int_equal(fde.signal, f->signal);
		assert_int_equal(fde.rep_size, f->rep_size);
	} else {
		assert_int_equal(fde.info2, 0);
		assert_int_equal(fde.fde_type, SFRAME_FDE_TYPE_DEFAULT);
		assert_false(fde.signal);
		if (d->version == SFRAME_VERSION_2)
			assert_int_equal(fde.rep_size, f->rep_size);
	}
}

static uint32_t zext(int32_t w, uint8_t size)
{
	switch (size) {
	case 1:
		return (uint8_t)w;
	case 2:
		return (uint16_t)w;
	default:
		return (uint32_t)w;
	}
}

/* Every field of struct sframe_fre against what the builder encoded. */
static void check_fre(const struct sframe_fre *fre, const struct sfb_section *b,
		      const struct sfb_desc *d, uint32_t i, uint32_t j)
{
	const struct sfb_fre *r = &d->funcs[i].fres[j];
	unsigned int k;
	uint8_t code = r->dw_size == 1 ? 0 : r->dw_size == 2 ? 1 : 2;

	assert_int_equal(fre->start, r->start);
	assert_int_equal(fre->off, b->fre[i][j].off);
	assert_int_equal(fre->len, b->fre[i][j].len);
	assert_int_equal(fre->info, (r->base_reg | r->dw_count << 1 | code << 5 |
				     (r->mangled_ra ? 0x80 : 0)));
	assert_int_equal(fre->base_reg, r->base_reg);
	assert_int_equal(fre->dw_count, r->dw_count);
	assert_int_equal(fre->dw_size, r->dw_size);
	assert_int_equal(fre->mangled_ra, r->mangled_ra);
	for (k = 0; k < r->dw_count; k++) {
		assert_int_equal(fre->raw[k], zext(r->words[k], r->dw_size));
		assert_int_equal(sframe_fre_sdata(fre, k), r->words[k]);
	}
}

/* Decode all FREs of FDE i by chaining off = off + len; check each. */
static void check_all_fres(const struct sframe_section *sec,
			   const struct sfb_section *b,
			   const struct sfb_desc *d, uint32_t i)
{
	struct sframe_error err;
	struct sframe_fde fde;
	struct sframe_fre fre;
	uint32_t off, j;

	assert_int_equal(sframe_fde_get(sec, i, &fde, &err), 0);
	off = fde.fre_off;
	for (j = 0; j < fde.num_fres; j++) {
		memset(&fre, 0xa5, sizeof(fre));
		assert_int_equal(sframe_fre_decode(sec, &fde, off, &fre, &err), 0);
		check_fre(&fre, b, d, i, j);
		off = fre.off + fre.len;
	}
}

static void get_fre(const struct sframe_section *sec, uint32_t i, uint32_t j,
		    struct sframe_fde *fde, struct sframe_fre *fre)
{
	struct sframe_error err;
	uint32_t off, k;

	assert_int_equal(sframe_fde_get(sec, i, fde, &err), 0);
	off = fde->fre_off;
	for (k = 0; k <= j; k++) {
		assert_int_equal(sframe_fre_decode(sec, fde, off, fre, &err), 0);
		off = fre->off + fre->len;
	}
}

static void get_rules(const struct sframe_section *sec, uint32_t i, uint32_t j,
		      struct sframe_rules *r)
{
	struct sframe_fde fde;
	struct sframe_fre fre;

	get_fre(sec, i, j, &fde, &fre);
	memset(r, 0xa5, sizeof(*r));
	assert_int_equal(sframe_fre_rules(sec, &fde, &fre, r), 0);
}

static void check_loc(const struct sframe_rule_loc *l, bool deref, int reg,
		      int32_t offset)
{
	assert_true(l->present);
	assert_int_equal(l->deref, deref);
	assert_int_equal(l->reg, reg);
	assert_int_equal(l->offset, offset);
}

static void check_all(const struct sframe_section *sec,
		      const struct sfb_section *b, const struct sfb_desc *d)
{
	uint32_t i;

	assert_int_equal(sec->num_fdes, d->num_funcs);
	for (i = 0; i < d->num_funcs; i++) {
		check_fde(sec, b, d, i);
		check_all_fres(sec, b, d, i);
	}
	assert_int_equal(sframe_section_validate(sec, 0, 0, NULL, NULL), 0);
}

/* ---- the builder itself, against bytes written by hand from the spec ---- */

static void test_builder_golden_v2(void **state)
{
	static const uint8_t want[] = {
		/* header */
		0xe2, 0xde, 0x02, 0x01, 0x03, 0x00, 0xf8, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00,
		/* FDE: start 0x1000, size 0x20, fre_off 0, 2 FREs, info, rep, pad */
		0x00, 0x10, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		/* FREs */
		0x00, 0x03, 0x08,
		0x01, 0x05, 0x10, 0xf0,
	};
	struct sfb_desc d;
	struct sfb_section b;
	struct sfb_func *f;

	(void)state;
	sfb_desc_init(&d, SFRAME_VERSION_2, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
	d.flags = SFRAME_F_FDE_SORTED;
	d.addr = 0x400000;
	f = sfb_add_func(&d, 0x401000, 0x20, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
	sfb_add_fre(f, 1, SFRAME_BASE_REG_SP, 1, 2, 16, -16);
	assert_int_equal(sfb_build(&d, &b), 0);
	assert_int_equal(b.size, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	sfb_free(&b);
}

static void test_builder_golden_v3_be(void **state)
{
	static const uint8_t want[] = {
		/* header, big-endian */
		0xde, 0xe2, 0x03, 0x05, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x10,
		/* FDE index: PC-relative start, size, attr offset */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xe4,
		0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* attribute: 1 FRE, info (ADDR2, key B), info2, rep */
		0x00, 0x01, 0x21, 0x00, 0x00,
		/* FRE: start 4, FP base, 3 words of 2 bytes, mangled */
		0x00, 0x04, 0xa6, 0x00, 0x10, 0xff, 0xf8, 0xff, 0xf0,
	};
	struct sfb_desc d;
	struct sfb_section b;
	struct sfb_func *f;
	struct sfb_fre *r;

	(void)state;
	sfb_desc_init(&d, SFRAME_VERSION_3, SFRAME_ABI_AARCH64_ENDIAN_BIG);
	d.addr = 0x10000;
	f = sfb_add_func(&d, 0x20000, 0x100, SFRAME_FRE_TYPE_ADDR2);
	f->pauth_key = 1;
	r = sfb_add_fre(f, 4, SFRAME_BASE_REG_FP, 2, 3, 16, -8, -16);
	r->mangled_ra = true;
	assert_int_equal(sfb_build(&d, &b), 0);
	assert_int_equal(b.size, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	sfb_free(&b);
}

/* ---- decoding ---- */

static void amd64_frame_fres(struct sfb_func *f)
{
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
	sfb_add_fre(f, 1, SFRAME_BASE_REG_SP, 1, 2, 16, -16);
	sfb_add_fre(f, 4, SFRAME_BASE_REG_FP, 1, 2, 16, -16);
}

static void test_decode_v1(void **state)
{
	struct sframe_section sec;
	struct sframe_rules r;
	struct sfb_section b;
	struct sframe_fde fde;
	struct sframe_fre fre;
	struct sfb_desc d;
	struct sfb_func *f;

	(void)state;
	sfb_desc_init(&d, SFRAME_VERSION_1, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
	d.flags = SFRAME_F_FDE_SORTED | SFRAME_F_FRAME_POINTER;
	f = sfb_add_func(&d, 0x401000, 0x40, SFRAME_FRE_TYPE_ADDR1);
	amd64_frame_fres(f);
	f = sfb_add_func(&d, 0x401100, 0x30, SFRAME_FRE_TYPE_ADDR1);
	f->pctype = SFRAME_PCTYPE_MASK;
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
	sfb_add_fre(f, 11, SFRAME_BASE_REG_SP, 1, 1, 16);
	build_init(&d, &b, &sec);

	/* Header as parsed. */
	assert_int_equal(sec.version, 1);
	assert_int_equal(sec.flags, SFRAME_F_FDE_SORTED | SFRAME_F_FRAME_POINTER);
	assert_int_equal(sec.abi, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
	assert_int_equal(sec.cfa_fixed_fp_offset, 0);
	assert_int_equal(sec.cfa_fixed_ra_offset, -8);
	assert_int_equal(sec.auxhdr_len, 0);
	assert_int_equal(sec.num_fdes, 2);
	assert_int_equal(sec.num_fres, 5);
	assert_int_equal(sec.fre_len, 3 + 4 + 4 + 3 + 3);
	assert_int_equal(sec.fdeoff, 0);
	assert_int_equal(sec.freoff, 2 * 17);
	assert_int_equal(sec.fde_start, 28);
	assert_int_equal(sec.fde_size, 17);
	assert_int_equal(sec.fre_start, 28 + 2 * 17);
	assert_false(sec.swap);
	assert_int_equal(sec.addr, 0x400000);
	assert_ptr_equal(sec.data, b.data);
	assert_int_equal(sec.size, b.size);

	check_all(&sec, &b, &d);

	/* Literal values, independent of the builder's description. */
	assert_int_equal(sframe_fde_get(&sec, 1, &fde, NULL), 0);
	assert_int_equal(fde.start, 0x401100);
	assert_int_equal(fde.fre_off, 11);
	assert_int_equal(fde.info, 0x10);
	assert_int_equal(fde.pctype, SFRAME_PCTYPE_MASK);

	get_rules(&sec, 0, 0, &r);
	check_loc(&r.cfa, false, SFRAME_AMD64_REG_SP, 8);
	assert_false(r.ra.present);
	assert_true(r.ra_fixed);
	assert_false(r.fp.present);
	assert_false(r.ra_undefined);
	assert_false(r.ra_in_reg_unchanged);
	get_rules(&sec, 0, 1, &r);
	check_loc(&r.cfa, false, SFRAME_AMD64_REG_SP, 16);
	check_loc(&r.fp, true, -1, -16);
	assert_true(r.ra_fixed);
	get_rules(&sec, 0, 2, &r);
	check_loc(&r.cfa, false, SFRAME_AMD64_REG_FP, 16);
	check_loc(&r.fp, true, -1, -16);

	/* V1 MASK: implicit 16-byte repetition blocks. */
	assert_int_equal(sframe_find_fde(&sec, 0x401100 + 2 * 16 + 12, &fde), 0);
	assert_int_equal(fde.index, 1);
	assert_int_equal(sframe_find_fre(&sec, &fde, 0x401100 + 2 * 16 + 12, &fre), 0);
	assert_int_equal(fre.start, 11);
	assert_int_equal(sframe_find_fre(&sec, &fde, 0x401100 + 16 + 10, &fre), 0);
	assert_int_equal(fre.start, 0);
	assert_int_equal(sframe_find_fre(&sec, &fde, 0x401100 + 11, &fre), 0);
	assert_int_equal(fre.start, 11);

	sframe_section_exit(&sec);
	sfb_free(&b);
}

static void v2_errata_desc(struct sfb_desc *d, uint8_t flags, uint64_t addr)
{
	struct sfb_func *f;

	sfb_desc_init(d, SFRAME_VERSION_2, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
	d->flags = flags;
	d->addr = addr;
	f = sfb_add_func(d, 0x7f1234561000, 0x40, SFRAME_FRE_TYPE_ADDR1);
	amd64_frame_fres(f);
	/* Erratum 2: a zero-word FRE (e.g. _start) marks the outermost frame. */
	f = sfb_add_func(d, 0x7f1234561040, 0x20, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 0);
	f = sfb_add_func(d, 0x7f1234562000, 0x10, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
}

static void test_decode_v2_errata(void **state)
{
	/* Section before and after the text: positive and negative offsets. */
	static const uint64_t addrs[] = { 0x7f1234550000, 0x7f1234570000 };
	struct sframe_section sec[2];
	struct sfb_section b[2];
	struct sfb_desc d[2];
	struct sframe_fde fde;
	struct sframe_fre fre;
	struct sframe_rules r;
	struct sframe_frame cur, next;
	struct sfb_mem mem;
	struct sframe_unwind_ops ops = { sfb_read_mem, sfb_read_reg, &mem, 0 };
	unsigned int a, k, i;

	(void)state;
	for (a = 0; a < 2; a++) {
		for (k = 0; k < 2; k++) {
			uint8_t flags = SFRAME_F_FDE_SORTED |
					(k ? SFRAME_F_FDE_FUNC_START_PCREL : 0);

			v2_errata_desc(&d[k], flags, addrs[a]);
			build_init(&d[k], &b[k], &sec[k]);
			check_all(&sec[k], &b[k], &d[k]);
		}
		/* The raw fields differ exactly by the FDE's own offset ... */
		for (i = 0; i < 3; i++) {
			int32_t secrel = (int32_t)sfb_get32(&b[0], b[0].fde_pos[i]);
			int32_t pcrel = (int32_t)sfb_get32(&b[1], b[1].fde_pos[i]);

			assert_int_equal(secrel, (int64_t)(d[0].funcs[i].start - addrs[a]));
			assert_int_equal((int64_t)secrel - pcrel, (int64_t)b[1].fde_pos[i]);
		}
		/* ... and both decode to the same absolute PCs. */
		for (k = 0; k < 2; k++) {
			assert_int_equal(sframe_fde_get(&sec[k], 0, &fde, NULL), 0);
			assert_int_equal(fde.start, 0x7f1234561000);
			assert_int_equal(sframe_fde_get(&sec[k], 2, &fde, NULL), 0);
			assert_int_equal(fde.start, 0x7f1234562000);
			assert_int_equal(sframe_find_fde(&sec[k], 0x7f1234561041, &fde), 0);
			assert_int_equal(fde.index, 1);
			assert_int_equal(sframe_find_fde(&sec[k], 0x7f123456103f, &fde), 0);
			assert_int_equal(fde.index, 0);

			/* Zero-word FRE: decodes, RA undefined, step stops. */
			get_fre(&sec[k], 1, 0, &fde, &fre);
			assert_int_equal(fre.dw_count, 0);
			assert_int_equal(fre.len, 2);
			memset(&r, 0xa5, sizeof(r));
			assert_int_equal(sframe_fre_rules(&sec[k], &fde, &fre, &r), 0);
			assert_true(r.ra_undefined);

			sfb_mem_init(&mem, 0x7ffff000);
			memset(&cur, 0, sizeof(cur));
			cur.pc = 0x7f1234561048;
			cur.sp = 0x7ffff100;
			cur.top = true;
			assert_int_equal(sframe_unwind_step(&sec[k], &ops, &cur, &next),
					 SFRAME_UNWIND_OUTERMOST);
			assert_int_equal(mem.reads, 0);
		}
		for (k = 0; k < 2; k++) {
			sframe_section_exit(&sec[k]);
			sfb_free(&b[k]);
		}
	}
}

static void test_decode_v3_kinds(void **state)
{
	struct sframe_section sec;
	struct sframe_rules r;
	struct sfb_section b;
	struct sframe_fde fde;
	struct sfb_desc d;
	struct sfb_func *f;
	unsigned int pcrel;

	(void)state;
	for (pcrel = 0; pcrel < 2; pcrel++) {
		sfb_desc_init(&d, SFRAME_VERSION_3, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
		d.flags = SFRAME_F_FDE_SORTED |
			  (pcrel ? SFRAME_F_FDE_FUNC_START_PCREL : 0);
		f = sfb_add_func(&d, 0x401000, 0x40, SFRAME_FRE_TYPE_ADDR1);
		amd64_frame_fres(f);
		/* Flexible: DRAP CFA = *(rbp - 8), RA padding, FP = *(CFA - 16). */
		f = sfb_add_func(&d, 0x401040, 0x40, SFRAME_FRE_TYPE_ADDR1);
		f->fde_type = SFRAME_FDE_TYPE_FLEX;
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 5,
			    (6 << 3) | 3, -8, 0, 2, -16);
		/* RA given explicitly: RA = *(CFA - 8). */
		sfb_add_fre(f, 8, SFRAME_BASE_REG_SP, 1, 6,
			    (6 << 3) | 3, -8, 2, -8, 2, -16);
		/* Only the CFA: r10 + 16, no deref. */
		sfb_add_fre(f, 16, SFRAME_BASE_REG_SP, 2, 2, (10 << 3) | 1, 16);
		/* Signal frame (__restore_rt-like). */
		f = sfb_add_func(&d, 0x401080, 0x10, SFRAME_FRE_TYPE_ADDR1);
		f->signal = true;
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 2, 1, 0x1a0);
		/* Outermost: default type, no FREs at all. */
		sfb_add_func(&d, 0x4010a0, 0x20, SFRAME_FRE_TYPE_ADDR1);
		build_init(&d, &b, &sec);

		assert_int_equal(sec.version, 3);
		assert_int_equal(sec.fde_size, 16);
		assert_int_equal(sec.fre_start, 28 + 4 * 16);
		check_all(&sec, &b, &d);

		assert_int_equal(sframe_fde_get(&sec, 1, &fde, NULL), 0);
		assert_int_equal(fde.info2, 1);
		assert_int_equal(fde.fde_type, SFRAME_FDE_TYPE_FLEX);
		assert_false(fde.signal);
		assert_int_equal(fde.fre_off, b.attr_off[1] + 5);
		assert_int_equal(sframe_fde_get(&sec, 2, &fde, NULL), 0);
		assert_int_equal(fde.info, 0x80);
		assert_true(fde.signal);
		assert_int_equal(fde.start, 0x401080);
		assert_int_equal(sframe_fde_get(&sec, 3, &fde, NULL), 0);
		assert_int_equal(fde.num_fres, 0);
		assert_int_equal(fde.fde_type, SFRAME_FDE_TYPE_DEFAULT);
		assert_int_equal(fde.fre_off, b.fre_len);

		get_rules(&sec, 1, 0, &r);
		check_loc(&r.cfa, true, SFRAME_AMD64_REG_FP, -8);
		assert_false(r.ra.present);
		assert_true(r.ra_fixed);
		check_loc(&r.fp, true, -1, -16);
		assert_false(r.ra_undefined);

		get_rules(&sec, 1, 1, &r);
		check_loc(&r.cfa, true, SFRAME_AMD64_REG_FP, -8);
		check_loc(&r.ra, true, -1, -8);
		assert_false(r.ra_fixed);
		check_loc(&r.fp, true, -1, -16);

		get_rules(&sec, 1, 2, &r);
		check_loc(&r.cfa, false, 10, 16);
		assert_false(r.ra.present);
		assert_true(r.ra_fixed);
		assert_false(r.fp.present);

		get_rules(&sec, 2, 0, &r);
		check_loc(&r.cfa, false, SFRAME_AMD64_REG_SP, 0x1a0);
		assert_true(r.ra_fixed);

		sframe_section_exit(&sec);
		sfb_free(&b);
	}
}

static void test_decode_fre_types_word_sizes(void **state)
{
	struct sframe_section sec;
	struct sfb_section b;
	struct sframe_fde fde;
	struct sframe_fre fre;
	struct sfb_desc d;
	struct sfb_func *f;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		sfb_desc_init(&d, (uint8_t)v, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
		f = sfb_add_func(&d, 0x401000, 0xff, SFRAME_FRE_TYPE_ADDR1);
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
		sfb_add_fre(f, 0xfe, SFRAME_BASE_REG_FP, 1, 2, 127, -128);
		f = sfb_add_func(&d, 0x402000, 0x10000, SFRAME_FRE_TYPE_ADDR2);
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 2, 1, 8);
		sfb_add_fre(f, 0x1234, SFRAME_BASE_REG_FP, 2, 2, 300, -300);
		sfb_add_fre(f, 0xfffe, SFRAME_BASE_REG_SP, 2, 2, 32767, -32768);
		f = sfb_add_func(&d, 0x420000, 0x200000, SFRAME_FRE_TYPE_ADDR4);
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 4, 1, 8);
		sfb_add_fre(f, 0x123456, SFRAME_BASE_REG_SP, 4, 2, 0x12345, -70000);
		sfb_add_fre(f, 0x1ffff0, SFRAME_BASE_REG_FP, 4, 2,
			    INT32_MAX, INT32_MIN);
		build_init(&d, &b, &sec);
		check_all(&sec, &b, &d);

		/* Spot checks with literal values. */
		get_fre(&sec, 0, 1, &fde, &fre);
		assert_int_equal(fre.len, 1 + 1 + 2);
		assert_int_equal(fre.raw[1], 0x80);
		assert_int_equal(sframe_fre_sdata(&fre, 1), -128);
		get_fre(&sec, 1, 1, &fde, &fre);
		assert_int_equal(fre.start, 0x1234);
		assert_int_equal(fre.len, 2 + 1 + 4);
		assert_int_equal(fre.raw[1], 0xfed4);
		assert_int_equal(sframe_fre_sdata(&fre, 1), -300);
		get_fre(&sec, 2, 1, &fde, &fre);
		assert_int_equal(fre.start, 0x123456);
		assert_int_equal(fre.len, 4 + 1 + 8);
		assert_int_equal(fre.raw[0], 0x12345);
		assert_int_equal(fre.raw[1], 0xfffeee90);
		assert_int_equal(sframe_fre_sdata(&fre, 1), -70000);

		/* Lookups that need every byte of the start address. */
		assert_int_equal(sframe_find_fde(&sec, 0x402000 + 0x1234, &fde), 0);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x402000 + 0x1233, &fre), 0);
		assert_int_equal(fre.start, 0);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x402000 + 0x1234, &fre), 0);
		assert_int_equal(fre.start, 0x1234);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x402000 + 0xffff, &fre), 0);
		assert_int_equal(fre.start, 0xfffe);
		assert_int_equal(sframe_find_fde(&sec, 0x420000 + 0x123456, &fde), 0);
		assert_int_equal(fde.index, 2);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x420000 + 0x123455, &fre), 0);
		assert_int_equal(fre.start, 0);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x420000 + 0x123456, &fre), 0);
		assert_int_equal(fre.start, 0x123456);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x420000 + 0x1fffff, &fre), 0);
		assert_int_equal(fre.start, 0x1ffff0);

		sframe_section_exit(&sec);
		sfb_free(&b);
	}
}

static void test_decode_auxhdr(void **state)
{
	struct sframe_section sec;
	struct sfb_section b;
	struct sframe_fde fde;
	struct sfb_desc d;
	struct sfb_func *f;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		sfb_desc_init(&d, (uint8_t)v, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
		d.auxhdr_len = 7;
		f = sfb_add_func(&d, 0x401000, 0x40, SFRAME_FRE_TYPE_ADDR1);
		amd64_frame_fres(f);
		f = sfb_add_func(&d, 0x401040, 0x10, SFRAME_FRE_TYPE_ADDR1);
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
		build_init(&d, &b, &sec);
		assert_int_equal(b.data[28], 0xa0);
		assert_int_equal(sec.auxhdr_len, 7);
		assert_int_equal(sec.fde_start, 35);
		assert_int_equal(sec.fre_start, 35 + 2 * sec.fde_size);
		check_all(&sec, &b, &d);
		assert_int_equal(sframe_find_fde(&sec, 0x401045, &fde), 0);
		assert_int_equal(fde.index, 1);
		sframe_section_exit(&sec);
		sfb_free(&b);
	}
}

static void aarch64_desc(struct sfb_desc *d, uint8_t version, uint8_t abi)
{
	struct sfb_func *f;
	struct sfb_fre *r;

	sfb_desc_init(d, version, abi);
	f = sfb_add_func(d, 0x410000, 0x400, SFRAME_FRE_TYPE_ADDR2);
	f->pauth_key = 1;
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 0);
	r = sfb_add_fre(f, 4, SFRAME_BASE_REG_SP, 2, 3, 32, -24, -32);
	r->mangled_ra = true;
	r = sfb_add_fre(f, 0x108, SFRAME_BASE_REG_FP, 4, 3, 16, -8, -16);
	r->mangled_ra = true;
	f = sfb_add_func(d, 0x410400, 0x20, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 0);
}

static void test_decode_aarch64_both_endians(void **state)
{
	struct sframe_section sec;
	struct sframe_rules r;
	struct sfb_section b;
	struct sframe_fde fde;
	struct sframe_fre fre;
	struct sfb_desc d;
	unsigned int v, e;

	(void)state;
	for (v = SFRAME_VERSION_2; v <= SFRAME_VERSION_3; v++) {
		for (e = 0; e < 2; e++) {
			uint8_t abi = e ? SFRAME_ABI_AARCH64_ENDIAN_BIG
					: SFRAME_ABI_AARCH64_ENDIAN_LITTLE;

			aarch64_desc(&d, (uint8_t)v, abi);
			build_init(&d, &b, &sec);
			/* Big-endian magic reads as 0xe2de here. */
			assert_int_equal(b.data[0], e ? 0xde : 0xe2);
			assert_int_equal(sec.swap, e ? host_little() : !host_little());
			assert_int_equal(sec.abi, abi);
			assert_int_equal(sec.num_fres, 4);
			assert_int_equal(sec.fre_len, b.fre_len);
			check_all(&sec, &b, &d);

			assert_int_equal(sframe_fde_get(&sec, 0, &fde, NULL), 0);
			assert_int_equal(fde.start, 0x410000);
			assert_int_equal(fde.size, 0x400);
			assert_int_equal(fde.pauth_key, 1);
			assert_int_equal(fde.fre_type, SFRAME_FRE_TYPE_ADDR2);

			get_rules(&sec, 0, 0, &r);
			check_loc(&r.cfa, false, SFRAME_AARCH64_REG_SP, 0);
			assert_false(r.ra.present);
			assert_false(r.ra_fixed);
			assert_false(r.fp.present);
			assert_false(r.ra_undefined);
			get_rules(&sec, 0, 1, &r);
			check_loc(&r.cfa, false, SFRAME_AARCH64_REG_SP, 32);
			check_loc(&r.ra, true, -1, -24);
			check_loc(&r.fp, true, -1, -32);
			assert_false(r.ra_fixed);
			get_rules(&sec, 0, 2, &r);
			check_loc(&r.cfa, false, SFRAME_AARCH64_REG_FP, 16);
			check_loc(&r.ra, true, -1, -8);
			check_loc(&r.fp, true, -1, -16);

			assert_int_equal(sframe_find_fde(&sec, 0x410000 + 0x200, &fde), 0);
			assert_int_equal(sframe_find_fre(&sec, &fde, 0x410000 + 0x200, &fre), 0);
			assert_int_equal(fre.start, 0x108);
			assert_true(fre.mangled_ra);
			assert_int_equal(sframe_find_fre(&sec, &fde, 0x410000 + 0x107, &fre), 0);
			assert_int_equal(fre.start, 4);
			assert_int_equal(fre.raw[1], 0xffe8);

			sframe_section_exit(&sec);
			sfb_free(&b);
		}
	}
}

static void test_decode_s390x(void **state)
{
	struct sframe_section sec;
	struct sframe_rules r;
	struct sfb_section b;
	struct sfb_desc d;
	struct sfb_func *f;

	(void)state;
	/* V3: plain stack offsets; CFA offset scaled by 8 and biased by 160. */
	sfb_desc_init(&d, SFRAME_VERSION_3, SFRAME_ABI_S390X_ENDIAN_BIG);
	f = sfb_add_func(&d, 0x1000400, 0x80, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 0);
	sfb_add_fre(f, 6, SFRAME_BASE_REG_SP, 1, 3, 2, -48, -72);
	sfb_add_fre(f, 10, SFRAME_BASE_REG_SP, 1, 3, 2, 0, -72);
	sfb_add_fre(f, 14, SFRAME_BASE_REG_FP, 1, 2, 4, -48);
	build_init(&d, &b, &sec);
	assert_int_equal(sec.swap, host_little());
	check_all(&sec, &b, &d);

	get_rules(&sec, 0, 0, &r);
	check_loc(&r.cfa, false, SFRAME_S390X_REG_SP, 160);
	assert_false(r.ra.present);
	assert_false(r.fp.present);
	assert_false(r.ra_fixed);
	get_rules(&sec, 0, 1, &r);
	check_loc(&r.cfa, false, SFRAME_S390X_REG_SP, 176);
	check_loc(&r.ra, true, -1, -48);
	check_loc(&r.fp, true, -1, -72);
	assert_false(r.ra_in_reg_unchanged);
	get_rules(&sec, 0, 2, &r);
	assert_false(r.ra.present);
	assert_true(r.ra_in_reg_unchanged);
	assert_false(r.ra_fixed);
	check_loc(&r.fp, true, -1, -72);
	get_rules(&sec, 0, 3, &r);
	check_loc(&r.cfa, false, SFRAME_S390X_REG_FP, 192);
	check_loc(&r.ra, true, -1, -48);
	assert_false(r.fp.present);
	sframe_section_exit(&sec);
	sfb_free(&b);

	/* V2 (erratum 1 helpers): odd FP/RA offsets encode a DWARF regnum. */
	sfb_desc_init(&d, SFRAME_VERSION_2, SFRAME_ABI_S390X_ENDIAN_BIG);
	d.flags |= SFRAME_F_FDE_FUNC_START_PCREL;
	f = sfb_add_func(&d, 0x1000400, 0x80, SFRAME_FRE_TYPE_ADDR1);
	sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 3, 0, (14 << 1) | 1, (24 << 1) | 1);
	sfb_add_fre(f, 8, SFRAME_BASE_REG_SP, 1, 3, 2, -48, -72);
	build_init(&d, &b, &sec);
	check_all(&sec, &b, &d);
	get_rules(&sec, 0, 0, &r);
	check_loc(&r.cfa, false, SFRAME_S390X_REG_SP, 160);
	check_loc(&r.ra, false, SFRAME_S390X_REG_RA, 0);
	check_loc(&r.fp, false, 24, 0);
	get_rules(&sec, 0, 1, &r);
	check_loc(&r.cfa, false, SFRAME_S390X_REG_SP, 176);
	check_loc(&r.ra, true, -1, -48);
	check_loc(&r.fp, true, -1, -72);
	sframe_section_exit(&sec);
	sfb_free(&b);
}

static void test_fde_get_bad_index(void **state)
{
	struct sframe_section sec;
	struct sframe_error err;
	struct sfb_section b;
	struct sframe_fde fde;
	struct sfb_desc d;
	struct sfb_func *f;

	(void)state;
	sfb_desc_init(&d, SFRAME_VERSION_3, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
	f = sfb_add_func(&d, 0x401000, 0x40, SFRAME_FRE_TYPE_ADDR1);
	amd64_frame_fres(f);
	build_init(&d, &b, &sec);
	assert_int_equal(sframe_fde_get(&sec, 1, &fde, &err), -EINVAL);
	assert_int_equal(sframe_fde_get(&sec, UINT32_MAX, &fde, &err), -EINVAL);
	sframe_section_exit(&sec);
	sfb_free(&b);
}

static void test_rule_and_abi_names(void **state)
{
	unsigned int i, j;

	(void)state;
	for (i = 0; i < SFRAME_RULE_COUNT; i++) {
		const char *n = sframe_rule_name((enum sframe_rule)i);
		const char *s = sframe_rule_desc((enum sframe_rule)i);

		assert_non_null(n);
		assert_non_null(s);
		assert_true(n[0] != '\0');
		assert_true(s[0] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(n, sframe_rule_name((enum sframe_rule)j));
	}
	for (i = 1; i <= 4; i++) {
		assert_non_null(sframe_abi_name((uint8_t)i));
		for (j = 1; j < i; j++)
			assert_string_not_equal(sframe_abi_name((uint8_t)i),
						sframe_abi_name((uint8_t)j));
	}
}

/* ---- lookup ---- */

static void three_funcs(struct sfb_desc *d, const unsigned int *order)
{
	static const struct { uint64_t start; uint32_t size; } fn[3] = {
		{ 0x401000, 0x100 },
		{ 0x401100, 0x80 },  /* adjacent to the first */
		{ 0x402000, 0x10 },  /* after a gap */
	};
	unsigned int k;

	for (k = 0; k < 3; k++) {
		struct sfb_func *f = sfb_add_func(d, fn[order[k]].start,
						  fn[order[k]].size,
						  SFRAME_FRE_TYPE_ADDR1);

		/* A distinct CFA offset tells the functions apart. */
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8 * (int)(order[k] + 1));
	}
}

/* Check find_fde over the three functions; pos[] maps function -> FDE idx. */
static void check_three_lookups(const struct sframe_section *sec,
				const unsigned int *pos)
{
	static const struct { uint64_t pc; int fn; } cases[] = {
		{ 0, -1 }, { 0x400fff, -1 },
		{ 0x401000, 0 }, { 0x401001, 0 }, { 0x4010ff, 0 },
		{ 0x401100, 1 }, { 0x40117f, 1 },
		{ 0x401180, -1 }, { 0x401fff, -1 },
		{ 0x402000, 2 }, { 0x40200f, 2 },
		{ 0x402010, -1 }, { UINT64_MAX, -1 },
	};
	struct sframe_fde fde;
	struct sframe_fre fre;
	unsigned int k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		int ret = sframe_find_fde(sec, cases[k].pc, &fde);

		if (cases[k].fn < 0) {
			assert_int_equal(ret, -ENOENT);
			continue;
		}
		assert_int_equal(ret, 0);
		assert_int_equal(fde.index, pos[cases[k].fn]);
		assert_true(cases[k].pc >= fde.start);
		assert_true(cases[k].pc < fde.start + fde.size);
		assert_int_equal(sframe_find_fre(sec, &fde, cases[k].pc, &fre), 0);
		assert_int_equal(sframe_fre_sdata(&fre, 0), 8 * (cases[k].fn + 1));
	}
}

static void test_find_fde_sorted(void **state)
{
	static const unsigned int order[3] = { 0, 1, 2 };
	struct sframe_section sec;
	struct sfb_section b;
	struct sfb_desc d;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		sfb_desc_init(&d, (uint8_t)v, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
		three_funcs(&d, order);
		build_init(&d, &b, &sec);
		assert_null(sec.order);
		check_three_lookups(&sec, order);
		sframe_section_exit(&sec);
		sfb_free(&b);
	}
}

static void test_find_fde_unsorted(void **state)
{
	/* FDE k describes function order[k]; pos is the inverse. */
	static const unsigned int order[3] = { 2, 0, 1 };
	static const unsigned int pos[3] = { 1, 2, 0 };
	struct sframe_section sec;
	struct sfb_section b;
	struct sfb_desc d;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		sfb_desc_init(&d, (uint8_t)v, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
		d.flags &= (uint8_t)~SFRAME_F_FDE_SORTED;
		three_funcs(&d, order);
		build_init(&d, &b, &sec);
		assert_non_null(sec.order);
		check_three_lookups(&sec, pos);
		/* Unsorted without the flag is legal. */
		assert_int_equal(sframe_section_validate(&sec, 0, 0, NULL, NULL), 0);
		sframe_section_exit(&sec);
		assert_null(sec.order);
		sfb_free(&b);
	}
}

static void test_find_fre_inc(void **state)
{
	struct sframe_section sec;
	struct sfb_section b;
	struct sframe_fde fde;
	struct sframe_fre fre;
	struct sfb_desc d;
	struct sfb_func *f;
	unsigned int v;

	(void)state;
	for (v = SFRAME_VERSION_1; v <= SFRAME_VERSION_3; v++) {
		sfb_desc_init(&d, (uint8_t)v, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
		f = sfb_add_func(&d, 0x401000, 0x40, SFRAME_FRE_TYPE_ADDR1);
		/* First FRE does not start at the function start. */
		sfb_add_fre(f, 4, SFRAME_BASE_REG_SP, 1, 1, 8);
		sfb_add_fre(f, 8, SFRAME_BASE_REG_SP, 1, 1, 16);
		sfb_add_fre(f, 0x20, SFRAME_BASE_REG_SP, 1, 1, 24);
		build_init(&d, &b, &sec);
		assert_int_equal(sframe_find_fde(&sec, 0x401000, &fde), 0);

		assert_int_equal(sframe_find_fre(&sec, &fde, 0x401000, &fre), -ENOENT);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x401003, &fre), -ENOENT);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x401004, &fre), 0);
		assert_int_equal(fre.start, 4);
		assert_int_equal(fre.off, b.fre[0][0].off);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x401007, &fre), 0);
		assert_int_equal(fre.start, 4);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x401008, &fre), 0);
		assert_int_equal(fre.start, 8);
		assert_int_equal(sframe_fre_sdata(&fre, 0), 16);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x40101f, &fre), 0);
		assert_int_equal(fre.start, 8);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x401020, &fre), 0);
		assert_int_equal(fre.start, 0x20);
		assert_int_equal(fre.off, b.fre[0][2].off);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x40103f, &fre), 0);
		assert_int_equal(fre.start, 0x20);
		/* Outside the function. */
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x401040, &fre), -ENOENT);
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x400fff, &fre), -ENOENT);
		sframe_section_exit(&sec);
		sfb_free(&b);
	}
}

static void test_find_fre_mask(void **state)
{
	/* PLT-like: 4 blocks of 16 bytes (V2/V3) or 32 bytes (V3 only). */
	static const struct { uint8_t version, rep; } kinds[] = {
		{ SFRAME_VERSION_1, 16 }, /* implicit SFRAME_V1_MASK_REP_SIZE */
		{ SFRAME_VERSION_2, 16 },
		{ SFRAME_VERSION_3, 16 },
		{ SFRAME_VERSION_3, 32 },
	};
	struct sframe_section sec;
	struct sfb_section b;
	struct sframe_fde fde;
	struct sframe_fre fre;
	struct sfb_desc d;
	struct sfb_func *f;
	unsigned int k, blk, o;

	(void)state;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		uint32_t rep = kinds[k].rep;

		sfb_desc_init(&d, kinds[k].version, SFRAME_ABI_AMD64_ENDIAN_LITTLE);
		f = sfb_add_func(&d, 0x401000, 0x10, SFRAME_FRE_TYPE_ADDR1);
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
		f = sfb_add_func(&d, 0x401020, 4 * rep, SFRAME_FRE_TYPE_ADDR1);
		f->pctype = SFRAME_PCTYPE_MASK;
		f->rep_size = (uint8_t)rep;
		sfb_add_fre(f, 0, SFRAME_BASE_REG_SP, 1, 1, 8);
		sfb_add_fre(f, 6, SFRAME_BASE_REG_SP, 1, 1, 16);
		sfb_add_fre(f, 11, SFRAME_BASE_REG_SP, 1, 1, 24);
		build_init(&d, &b, &sec);
		assert_int_equal(sframe_section_validate(&sec, 0, 0, NULL, NULL), 0);
		assert_int_equal(sframe_find_fde(&sec, 0x401020, &fde), 0);
		assert_int_equal(fde.index, 1);
		assert_int_equal(fde.pctype, SFRAME_PCTYPE_MASK);
		for (blk = 0; blk < 4; blk++) {
			for (o = 0; o < rep; o++) {
				uint64_t pc = 0x401020 + blk * rep + o;
				uint32_t want = o < 6 ? 0 : o < 11 ? 6 : 11;

				assert_int_equal(sframe_find_fre(&sec, &fde, pc, &fre), 0);
				assert_int_equal(fre.start, want);
			}
		}
		assert_int_equal(sframe_find_fre(&sec, &fde, 0x401020 + 4 * rep, &fre),
				 -ENOENT);
		sframe_section_exit(&sec);
		sfb_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder_golden_v2),
		cmocka_unit_test(test_builder_golden_v3_be),
		cmocka_unit_test(test_decode_v1),
		cmocka_unit_test(test_decode_v2_errata),
		cmocka_unit_test(test_decode_v3_kinds),
		cmocka_unit_test(test_decode_fre_types_word_sizes),
		cmocka_unit_test(test_decode_auxhdr),
		cmocka_unit_test(test_decode_aarch64_both_endians),
		cmocka_unit_test(test_decode_s390x),
		cmocka_unit_test(test_fde_get_bad_index),
		cmocka_unit_test(test_rule_and_abi_names),
		cmocka_unit_test(test_find_fde_sorted),
		cmocka_unit_test(test_find_fde_unsorted),
		cmocka_unit_test(test_find_fre_inc),
		cmocka_unit_test(test_find_fre_mask),
	};

	return cmocka_run_group_tests(tests, NULL, sfb_release_all);
}
