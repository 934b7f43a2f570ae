/*
 * Decoding of SFrame headers, FDEs and FREs (V1, V2 with errata, V3) and
 * the translation of an FRE into recovery rules. Every length, offset and
 * count read from the section is checked against the section before use.
 */
#include <errno.h>
#include <stdlib.h>

#include "sframe_internal.h"

static uint8_t allowed_flags(uint8_t version)
{
	switch (version) {
	case SFRAME_VERSION_1:
		return SFRAME_F_FDE_SORTED | SFRAME_F_FRAME_POINTER;
	case SFRAME_VERSION_2:
		return SFRAME_F_FDE_SORTED | SFRAME_F_FRAME_POINTER |
		       SFRAME_F_FDE_FUNC_START_PCREL;
	default:
		return SFRAME_F_FDE_SORTED | SFRAME_F_FDE_FUNC_START_PCREL;
	}
}

static bool abi_is_big_endian(uint8_t abi)
{
	return abi == SFRAME_ABI_AARCH64_ENDIAN_BIG ||
	       abi == SFRAME_ABI_S390X_ENDIAN_BIG;
}

static int cmp_fde_order(const void *a, const void *b, void *arg)
{
	const struct sframe_section *sec = arg;
	uint64_t pa = sframe_fde_start_pc(sec, *(const uint32_t *)a);
	uint64_t pb = sframe_fde_start_pc(sec, *(const uint32_t *)b);

	if (pa != pb)
		return pa < pb ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/*
 * Sections not flagged sorted get an index sorted by start PC, so lookup
 * stays a binary search.
 */
static int build_order(struct sframe_section *sec)
{
	uint32_t i;

	sec->order = malloc(sizeof(*sec->order) * (size_t)sec->num_fdes);
	if (!sec->order)
		return -ENOMEM;
	for (i = 0; i < sec->num_fdes; i++)
		sec->order[i] = i;
	qsort_r(sec->order, sec->num_fdes, sizeof(*sec->order), cmp_fde_order, sec);
	return 0;
}

int sframe_section_init(struct sframe_section *sec, const void *data,
			size_t size, uint64_t addr, struct sframe_error *err)
{
	const uint8_t *p = data;
	uint16_t magic;
	size_t hdr_end;
	uint64_t fde_end, fre_end;
	bool data_little;

	memset(sec, 0, sizeof(*sec));
	sec->data = p;
	sec->size = size;
	sec->addr = addr;
	sf_set_err(err, SFRAME_OK, UINT32_MAX, UINT32_MAX);

	if (size < SFRAME_HDR_SIZE || !p) {
		sf_set_err(err, SFRAME_E_HDR_TRUNCATED, UINT32_MAX, UINT32_MAX);
		return -EINVAL;
	}
	memcpy(&magic, p, sizeof(magic));
	if (magic == SFRAME_MAGIC) {
		sec->swap = false;
	} else if (magic == __builtin_bswap16(SFRAME_MAGIC)) {
		sec->swap = true;
	} else {
		sf_set_err(err, SFRAME_E_MAGIC, UINT32_MAX, UINT32_MAX);
		return -EINVAL;
	}
	sec->version = p[2];
	sec->flags = p[3];
	sec->abi = p[4];
	sec->cfa_fixed_fp_offset = (int8_t)p[5];
	sec->cfa_fixed_ra_offset = (int8_t)p[6];
	sec->auxhdr_len = p[7];

	if (sec->version < SFRAME_VERSION_1 || sec->version > SFRAME_VERSION_3) {
		sf_set_err(err, SFRAME_E_VERSION, UINT32_MAX, UINT32_MAX);
		return -EINVAL;
	}
	if (sec->flags & ~allowed_flags(sec->version)) {
		sf_set_err(err, SFRAME_E_FLAGS, UINT32_MAX, UINT32_MAX);
		return -EINVAL;
	}
	if (sec->abi < SFRAME_ABI_AARCH64_ENDIAN_BIG ||
	    sec->abi > SFRAME_ABI_S390X_ENDIAN_BIG) {
		sf_set_err(err, SFRAME_E_ABI, UINT32_MAX, UINT32_MAX);
		return -EINVAL;
	}
	data_little = (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) != sec->swap;
	if (data_little == abi_is_big_endian(sec->abi)) {
		sf_set_err(err, SFRAME_E_ENDIAN, UINT32_MAX, UINT32_MAX);
		return -EINVAL;
	}

	sec->num_fdes = sf_rd32(sec, 8);
	sec->num_fres = sf_rd32(sec, 12);
	sec->fre_len = sf_rd32(sec, 16);
	sec->fdeoff = sf_rd32(sec, 20);
	sec->freoff = sf_rd32(sec, 24);

	hdr_end = SFRAME_HDR_SIZE + (size_t)sec->auxhdr_len;
	if (hdr_end > size) {
		sf_set_err(err, SFRAME_E_AUXHDR, UINT32_MAX, UINT32_MAX);
		return -EINVAL;
	}
	switch (sec->version) {
	case SFRAME_VERSION_1:
		sec->fde_size = SFRAME_V1_FDE_SIZE;
		break;
	case SFRAME_VERSION_2:
		sec->fde_size = SFRAME_V2_FDE_SIZE;
		break;
	default:
		sec->fde_size = SFRAME_V3_FDE_SIZE;
		break;
	}
	/* 64-bit sums: 32-bit fields cannot overflow them. */
	sec->fde_start = hdr_end + (uint64_t)sec->fdeoff;
	fde_end = (uint64_t)sec->fde_start + (uint64_t)sec->num_fdes * sec->fde_size;
	if (sec->fde_start > size || fde_end > size) {
		sf_set_err(err, SFRAME_E_FDE_SUBSEC, UINT32_MAX, UINT32_MAX);
		return -EINVAL;
	}
	sec->fre_start = hdr_end + (uint64_t)sec->freoff;
	fre_end = (uint64_t)sec->fre_start + sec->fre_len;
	if (sec->fre_start > size || fre_end > size) {
		sf_set_err(err, SFRAME_E_FRE_SUBSEC, UINT32_MAX, UINT32_MAX);
		return -EINVAL;
	}
	if (sec->num_fdes && sec->fre_len && sec->fde_start < fre_end &&
	    sec->fre_start < fde_end) {
		sf_set_err(err, SFRAME_E_SUBSEC_OVERLAP, UINT32_MAX, UINT32_MAX);
		return -EINVAL;
	}
	if (!(sec->flags & SFRAME_F_FDE_SORTED) && sec->num_fdes > 1)
		return build_order(sec);
	return 0;
}

void sframe_section_exit(struct sframe_section *sec)
{
	free(sec->order);
	sec->order = NULL;
}

int sframe_fde_get(const struct sframe_section *sec, uint32_t idx,
		   struct sframe_fde *fde, struct sframe_error *err)
{
	size_t off;
	uint32_t attr_off;

	if (idx >= sec->num_fdes) {
		sf_set_err(err, SFRAME_E_FDE_SUBSEC, idx, UINT32_MAX);
		return -EINVAL;
	}
	off = sec->fde_start + (size_t)idx * sec->fde_size;
	memset(fde, 0, sizeof(*fde));
	fde->index = idx;
	fde->start = sframe_fde_start_pc(sec, idx);

	if (sec->version == SFRAME_VERSION_3) {
		fde->size = sf_rd32(sec, off + 8);
		attr_off = sf_rd32(sec, off + 12);
		if ((uint64_t)attr_off + SFRAME_V3_ATTR_SIZE > sec->fre_len) {
			sf_set_err(err, SFRAME_E_FDE_FRE_OFF, idx, UINT32_MAX);
			return -EINVAL;
		}
		off = sec->fre_start + attr_off;
		fde->num_fres = sf_rd16(sec, off);
		fde->info = sec->data[off + 2];
		fde->info2 = sec->data[off + 3];
		fde->rep_size = sec->data[off + 4];
		fde->fre_off = attr_off + SFRAME_V3_ATTR_SIZE;
		fde->signal = (fde->info >> 7) & 1;
		fde->fde_type = fde->info2 & 0x1f;
	} else {
		fde->size = sf_rd32(sec, off + 4);
		fde->fre_off = sf_rd32(sec, off + 8);
		fde->num_fres = sf_rd32(sec, off + 12);
		fde->info = sec->data[off + 16];
		if (sec->version == SFRAME_VERSION_2)
			fde->rep_size = sec->data[off + 17];
		fde->fde_type = SFRAME_FDE_TYPE_DEFAULT;
		if (fde->fre_off > sec->fre_len) {
			sf_set_err(err, SFRAME_E_FDE_FRE_OFF, idx, UINT32_MAX);
			return -EINVAL;
		}
	}
	fde->fre_type = fde->info & 0xf;
	fde->pctype = (fde->info >> 4) & 1;
	/* V1 has no field: binutils 2.40 used 16-byte PLT blocks. */
	if (sec->version == SFRAME_VERSION_1 && fde->pctype == SFRAME_PCTYPE_MASK)
		fde->rep_size = SFRAME_V1_MASK_REP_SIZE;
	fde->pauth_key = (fde->info >> 5) & 1;
	return 0;
}

static unsigned int fre_addr_size(uint8_t fre_type)
{
	switch (fre_type) {
	case SFRAME_FRE_TYPE_ADDR1:
		return 1;
	case SFRAME_FRE_TYPE_ADDR2:
		return 2;
	case SFRAME_FRE_TYPE_ADDR4:
		return 4;
	default:
		return 0;
	}
}

/* Shared by peek and decode: start, info byte and total length. */
static int fre_head(const struct sframe_section *sec,
		    const struct sframe_fde *fde, uint32_t off,
		    uint32_t *start, uint8_t *info, uint32_t *len,
		    enum sframe_rule *rule)
{
	unsigned int asz = fre_addr_size(fde->fre_type);
	size_t at = sec->fre_start + off;
	unsigned int code, count;
	uint64_t end;

	if (!asz) {
		*rule = SFRAME_E_FDE_FRE_TYPE;
		return -EINVAL;
	}
	if ((uint64_t)off + asz + 1 > sec->fre_len) {
		*rule = SFRAME_E_FRE_BOUNDS;
		return -EINVAL;
	}
	if (asz == 1)
		*start = sec->data[at];
	else if (asz == 2)
		*start = sf_rd16(sec, at);
	else
		*start = sf_rd32(sec, at);
	*info = sec->data[at + asz];
	code = (*info >> 5) & 3;
	count = (*info >> 1) & 0xf;
	if (code == 3) {
		*rule = SFRAME_E_FRE_DW_SIZE;
		return -EINVAL;
	}
	end = (uint64_t)off + asz + 1 + (uint64_t)count * (1u << code);
	if (end > sec->fre_len) {
		*rule = SFRAME_E_FRE_BOUNDS;
		return -EINVAL;
	}
	*len = (uint32_t)(end - off);
	return 0;
}

int sframe_fre_peek(const struct sframe_section *sec,
		    const struct sframe_fde *fde, uint32_t off,
		    uint32_t *start, uint32_t *len)
{
	enum sframe_rule rule;
	uint8_t info;

	return fre_head(sec, fde, off, start, &info, len, &rule);
}

int sframe_fre_decode(const struct sframe_section *sec,
		      const struct sframe_fde *fde, uint32_t off,
		      struct sframe_fre *fre, struct sframe_error *err)
{
	enum sframe_rule rule = SFRAME_OK;
	unsigned int i;
	size_t at;
	int ret;

	memset(fre, 0, sizeof(*fre));
	ret = fre_head(sec, fde, off, &fre->start, &fre->info, &fre->len, &rule);
	if (ret) {
		sf_set_err(err, rule, fde->index, UINT32_MAX);
		return ret;
	}
	fre->off = off;
	fre->base_reg = fre->info & 1;
	fre->dw_count = (fre->info >> 1) & 0xf;
	fre->dw_size = 1u << ((fre->info >> 5) & 3);
	fre->mangled_ra = (fre->info >> 7) & 1;
	at = sec->fre_start + off + fre_addr_size(fde->fre_type) + 1;
	for (i = 0; i < fre->dw_count; i++, at += fre->dw_size) {
		if (fre->dw_size == 1)
			fre->raw[i] = sec->data[at];
		else if (fre->dw_size == 2)
			fre->raw[i] = sf_rd16(sec, at);
		else
			fre->raw[i] = sf_rd32(sec, at);
	}
	return 0;
}

int32_t sframe_fre_sdata(const struct sframe_fre *fre, unsigned int i)
{
	if (i >= fre->dw_count)
		return 0;
	switch (fre->dw_size) {
	case 1:
		return (int8_t)fre->raw[i];
	case 2:
		return (int16_t)fre->raw[i];
	default:
		return (int32_t)fre->raw[i];
	}
}

static int abi_sp(uint8_t abi)
{
	switch (abi) {
	case SFRAME_ABI_AMD64_ENDIAN_LITTLE:
		return SFRAME_AMD64_REG_SP;
	case SFRAME_ABI_S390X_ENDIAN_BIG:
		return SFRAME_S390X_REG_SP;
	default:
		return SFRAME_AARCH64_REG_SP;
	}
}

static int abi_fp(uint8_t abi)
{
	switch (abi) {
	case SFRAME_ABI_AMD64_ENDIAN_LITTLE:
		return SFRAME_AMD64_REG_FP;
	case SFRAME_ABI_S390X_ENDIAN_BIG:
		return SFRAME_S390X_REG_FP;
	default:
		return SFRAME_AARCH64_REG_FP;
	}
}

/* Control word + offset pair of a flexible FDE; false if the word is bad. */
static bool flex_loc(uint32_t ctrl, int64_t offset, struct sframe_rule_loc *loc)
{
	if (ctrl & SFRAME_FLEX_RESERVED_P)
		return false;
	loc->present = true;
	loc->deref = ctrl & SFRAME_FLEX_DEREF_P;
	loc->reg = (ctrl & SFRAME_FLEX_REG_P) ? (int)SFRAME_FLEX_REGNUM(ctrl) : -1;
	loc->offset = offset;
	return true;
}

static enum sframe_rule flex_rules(const struct sframe_fre *fre,
				   struct sframe_rules *r)
{
	unsigned int n = fre->dw_count, i;

	if (n == 1 || n > 6)
		return SFRAME_E_FRE_DW_COUNT;
	if (!flex_loc(fre->raw[0], sframe_fre_sdata(fre, 1), &r->cfa))
		return SFRAME_E_FRE_FLEX_RESERVED;
	if (r->cfa.reg < 0)
		return SFRAME_E_FRE_FLEX_CFA;
	i = 2;
	if (n > i) {
		if (fre->raw[i] == 0) {
			i += 1; /* RA padding: default RA rule, FP pair follows */
		} else {
			if (n < i + 2)
				return SFRAME_E_FRE_DW_COUNT;
			if (!flex_loc(fre->raw[i], sframe_fre_sdata(fre, i + 1),
				      &r->ra))
				return SFRAME_E_FRE_FLEX_RESERVED;
			i += 2;
		}
	}
	if (n > i) {
		if (n != i + 2 || fre->raw[i] == 0)
			return SFRAME_E_FRE_DW_COUNT;
		if (!flex_loc(fre->raw[i], sframe_fre_sdata(fre, i + 1), &r->fp))
			return SFRAME_E_FRE_FLEX_RESERVED;
	}
	return SFRAME_OK;
}

/* V2 s390x: an odd FP/RA "offset" names the register holding the value. */
static void s390x_v2_loc(int32_t w, struct sframe_rule_loc *loc)
{
	loc->present = true;
	if (w & 1) {
		loc->deref = false;
		loc->reg = w >> 1;
		loc->offset = 0;
	} else {
		loc->deref = true;
		loc->reg = -1;
		loc->offset = w;
	}
}

static enum sframe_rule default_rules(const struct sframe_section *sec,
				      const struct sframe_fre *fre,
				      struct sframe_rules *r)
{
	unsigned int n = fre->dw_count;
	int32_t w0 = sframe_fre_sdata(fre, 0);

	r->cfa.present = true;
	r->cfa.reg = fre->base_reg == SFRAME_BASE_REG_SP ? abi_sp(sec->abi)
							  : abi_fp(sec->abi);
	r->cfa.offset = w0;
	switch (sec->abi) {
	case SFRAME_ABI_AMD64_ENDIAN_LITTLE:
		if (n > 2)
			return SFRAME_E_FRE_DW_COUNT;
		if (n == 2) {
			r->fp.present = r->fp.deref = true;
			r->fp.reg = -1;
			r->fp.offset = sframe_fre_sdata(fre, 1);
		}
		break;
	case SFRAME_ABI_S390X_ENDIAN_BIG:
		if (n > 3)
			return SFRAME_E_FRE_DW_COUNT;
		r->cfa.offset = (int64_t)w0 * SFRAME_S390X_CFA_OFFSET_ALIGNMENT_FACTOR +
				SFRAME_S390X_CFA_OFFSET_ADJUSTMENT;
		if (n >= 2) {
			int32_t w1 = sframe_fre_sdata(fre, 1);

			if (w1 == 0)
				r->ra_in_reg_unchanged = true;
			else if (sec->version == SFRAME_VERSION_2)
				s390x_v2_loc(w1, &r->ra);
			else
				r->ra = (struct sframe_rule_loc){ true, true, -1, w1 };
		}
		if (n == 3) {
			int32_t w2 = sframe_fre_sdata(fre, 2);

			if (sec->version == SFRAME_VERSION_2)
				s390x_v2_loc(w2, &r->fp);
			else
				r->fp = (struct sframe_rule_loc){ true, true, -1, w2 };
		}
		break;
	default: /* AArch64: CFA alone (RA in LR), or CFA, RA and FP */
		if (n != 1 && n != 3)
			return SFRAME_E_FRE_DW_COUNT;
		if (n == 3) {
			r->ra = (struct sframe_rule_loc){ true, true, -1,
							  sframe_fre_sdata(fre, 1) };
			r->fp = (struct sframe_rule_loc){ true, true, -1,
							  sframe_fre_sdata(fre, 2) };
		}
		break;
	}
	return SFRAME_OK;
}

static enum sframe_rule fre_rules(const struct sframe_section *sec,
				  const struct sframe_fde *fde,
				  const struct sframe_fre *fre,
				  struct sframe_rules *r)
{
	enum sframe_rule rule;

	memset(r, 0, sizeof(*r));
	r->cfa.reg = r->ra.reg = r->fp.reg = -1;
	if (fre->dw_count == 0) {
		/* V2 erratum 2 and V3: no data words = RA undefined. */
		if (sec->version == SFRAME_VERSION_1)
			return SFRAME_E_FRE_DW_COUNT;
		r->ra_undefined = true;
		return SFRAME_OK;
	}
	if (fde->fde_type == SFRAME_FDE_TYPE_FLEX)
		rule = flex_rules(fre, r);
	else if (fde->fde_type == SFRAME_FDE_TYPE_DEFAULT)
		rule = default_rules(sec, fre, r);
	else
		rule = SFRAME_E_FDE_TYPE;
	if (rule != SFRAME_OK)
		return rule;
	if (!r->ra.present && !r->ra_in_reg_unchanged &&
	    sec->cfa_fixed_ra_offset != 0)
		r->ra_fixed = true;
	if (!r->fp.present && sec->cfa_fixed_fp_offset != 0)
		r->fp = (struct sframe_rule_loc){ true, true, -1,
						  sec->cfa_fixed_fp_offset };
	return SFRAME_OK;
}

enum sframe_rule sframe_fre_check_words(const struct sframe_section *sec,
					const struct sframe_fde *fde,
					const struct sframe_fre *fre)
{
	struct sframe_rules r;

	return fre_rules(sec, fde, fre, &r);
}

int sframe_fre_rules(const struct sframe_section *sec,
		     const struct sframe_fde *fde,
		     const struct sframe_fre *fre,
		     struct sframe_rules *rules)
{
	return fre_rules(sec, fde, fre, rules) == SFRAME_OK ? 0 : -EINVAL;
}
