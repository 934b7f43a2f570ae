/*
 * Whole-section validation, rule by rule, in the spirit of the kernel's
 * CONFIG_SFRAME_VALIDATION: bounds, order, counts, types, reserved bits.
 * Header rules are checked by sframe_section_init(); this walks every FDE
 * and FRE and reports each failure with its FDE/FRE index.
 */
#include <errno.h>

#include "sframe_internal.h"

struct vstate {
	sframe_report_fn report;
	void *arg;
	unsigned int failures;
};

/* Returns true when validation should stop (first failure, no callback). */
static bool fail(struct vstate *st, enum sframe_rule rule, uint32_t fde,
		 uint32_t fre)
{
	struct sframe_error e = { rule, fde, fre };

	st->failures++;
	if (!st->report)
		return true;
	st->report(st->arg, &e);
	return false;
}

static bool fde_reserved_bits(const struct sframe_section *sec,
			      const struct sframe_fde *fde)
{
	bool aarch64 = sec->abi == SFRAME_ABI_AARCH64_ENDIAN_BIG ||
		       sec->abi == SFRAME_ABI_AARCH64_ENDIAN_LITTLE;

	if (!aarch64 && fde->pauth_key)
		return true;
	if (sec->version == SFRAME_VERSION_3)
		return (fde->info & 0x40) || (fde->info2 & 0xe0);
	return fde->info & 0xc0;
}

/* FDE-level rules that do not need the FREs. */
static bool check_fde(const struct sframe_section *sec,
		      const struct sframe_fde *fde, uint64_t text_start,
		      uint64_t text_end, struct vstate *st, bool *skip_fres)
{
	uint32_t i = fde->index;

	*skip_fres = false;
	if (fde_reserved_bits(sec, fde) && fail(st, SFRAME_E_FDE_RESERVED, i, UINT32_MAX))
		return true;
	if (fde->fre_type > SFRAME_FRE_TYPE_ADDR4) {
		*skip_fres = true;
		if (fail(st, SFRAME_E_FDE_FRE_TYPE, i, UINT32_MAX))
			return true;
	}
	if (fde->fde_type > SFRAME_FDE_TYPE_FLEX) {
		*skip_fres = true;
		if (fail(st, SFRAME_E_FDE_TYPE, i, UINT32_MAX))
			return true;
	}
	if (fde->pctype == SFRAME_PCTYPE_MASK && sf_rep_size(sec, fde) == 0) {
		*skip_fres = true;
		if (fail(st, SFRAME_E_FDE_REP_SIZE, i, UINT32_MAX))
			return true;
	}
	if (fde->num_fres > fde->size &&
	    fail(st, SFRAME_E_FDE_NUM_FRES, i, UINT32_MAX))
		return true;
	if (fde->start + fde->size < fde->start) {
		if (fail(st, SFRAME_E_FDE_ADDR_WRAP, i, UINT32_MAX))
			return true;
	} else if (text_start < text_end &&
		   (fde->start < text_start || fde->start + fde->size > text_end)) {
		if (fail(st, SFRAME_E_FDE_TEXT_RANGE, i, UINT32_MAX))
			return true;
	}
	if (fde->num_fres == 0 && sec->version != SFRAME_VERSION_3 &&
	    fail(st, SFRAME_E_FDE_OUTERMOST, i, UINT32_MAX))
		return true;
	return false;
}

/* Walk the FREs of one FDE; *end gets the offset just past the last one. */
static bool check_fres(const struct sframe_section *sec,
		       const struct sframe_fde *fde, struct vstate *st,
		       uint64_t *end)
{
	bool aarch64 = sec->abi == SFRAME_ABI_AARCH64_ENDIAN_BIG ||
		       sec->abi == SFRAME_ABI_AARCH64_ENDIAN_LITTLE;
	uint32_t limit = fde->pctype == SFRAME_PCTYPE_MASK ? sf_rep_size(sec, fde)
							   : fde->size;
	struct sframe_error err;
	struct sframe_fre fre;
	uint32_t off = fde->fre_off, j, prev = 0;
	enum sframe_rule rule;

	*end = off;
	for (j = 0; j < fde->num_fres; j++) {
		if (sframe_fre_decode(sec, fde, off, &fre, &err))
			return fail(st, err.rule, fde->index, j);
		off += fre.len;
		*end = off;
		if (fre.start >= limit &&
		    fail(st, SFRAME_E_FRE_START, fde->index, j))
			return true;
		if (j > 0 && fre.start <= prev &&
		    fail(st, SFRAME_E_FRE_ORDER, fde->index, j))
			return true;
		prev = fre.start;
		if (fre.mangled_ra && !aarch64 &&
		    fail(st, SFRAME_E_FRE_MANGLED_RA, fde->index, j))
			return true;
		rule = sframe_fre_check_words(sec, fde, &fre);
		if (rule != SFRAME_OK && fail(st, rule, fde->index, j))
			return true;
	}
	return false;
}

unsigned int sframe_section_validate(const struct sframe_section *sec,
				     uint64_t text_start, uint64_t text_end,
				     sframe_report_fn report, void *arg)
{
	struct vstate st = { report, arg, 0 };
	struct sframe_fde fde;
	struct sframe_error err;
	uint64_t total_fres = 0, fre_end = 0, end, prev_start = 0, prev_end = 0;
	uint32_t i, k;
	bool skip, have_prev = false, all_read = true;

	for (i = 0; i < sec->num_fdes; i++) {
		if (sframe_fde_get(sec, i, &fde, &err)) {
			all_read = false;
			if (fail(&st, err.rule, i, UINT32_MAX))
				return st.failures;
			continue;
		}
		total_fres += fde.num_fres;
		if (check_fde(sec, &fde, text_start, text_end, &st, &skip))
			return st.failures;
		if ((sec->flags & SFRAME_F_FDE_SORTED) && i > 0 &&
		    fde.start < sframe_fde_start_pc(sec, i - 1) &&
		    fail(&st, SFRAME_E_FDE_UNSORTED, i, UINT32_MAX))
			return st.failures;
		if (skip)
			continue;
		if (check_fres(sec, &fde, &st, &end))
			return st.failures;
		if (end > fre_end)
			fre_end = end;
	}

	/* Overlap is judged in PC order, whatever order the section uses. */
	for (k = 0; k < sec->num_fdes; k++) {
		uint32_t idx = sec->order ? sec->order[k] : k;
		uint64_t start = sframe_fde_start_pc(sec, idx);
		uint64_t size = sec->version == SFRAME_VERSION_3
			? sf_rd32(sec, sec->fde_start + (size_t)idx * sec->fde_size + 8)
			: sf_rd32(sec, sec->fde_start + (size_t)idx * sec->fde_size + 4);

		if (have_prev && start >= prev_start && start < prev_end &&
		    fail(&st, SFRAME_E_FDE_OVERLAP, idx, UINT32_MAX))
			return st.failures;
		have_prev = true;
		prev_start = start;
		prev_end = start + size < start ? UINT64_MAX : start + size;
	}

	/* The totals only mean something when every FDE could be read. */
	if (all_read && total_fres != sec->num_fres &&
	    fail(&st, SFRAME_E_NUM_FRES, UINT32_MAX, UINT32_MAX))
		return st.failures;
	if (st.failures == 0 && fre_end != sec->fre_len)
		fail(&st, SFRAME_E_FRE_LEN, UINT32_MAX, UINT32_MAX);
	return st.failures;
}
