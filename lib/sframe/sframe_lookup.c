/*
 * PC lookup: binary search over the FDE index (the section's own order when
 * flagged sorted, else the index sorted at init), then a scan of the
 * function's FREs that decodes only the one it returns. No allocation.
 */
#include <errno.h>

#include "sframe_internal.h"

static uint32_t nth(const struct sframe_section *sec, uint32_t k)
{
	return sec->order ? sec->order[k] : k;
}

int sframe_find_fde(const struct sframe_section *sec, uint64_t pc,
		    struct sframe_fde *fde)
{
	uint32_t lo = 0, hi = sec->num_fdes, mid;

	if (!sec->num_fdes)
		return -ENOENT;
	/* Find the last FDE whose start is <= pc. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (sframe_fde_start_pc(sec, nth(sec, mid)) <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if (sframe_fde_start_pc(sec, nth(sec, lo)) > pc)
		return -ENOENT;
	if (sframe_fde_get(sec, nth(sec, lo), fde, NULL))
		return -EINVAL;
	if (pc - fde->start >= fde->size)
		return -ENOENT;
	return 0;
}

int sframe_find_fre(const struct sframe_section *sec,
		    const struct sframe_fde *fde, uint64_t pc,
		    struct sframe_fre *fre)
{
	uint32_t off = fde->fre_off, best = UINT32_MAX, start, len, j;
	uint64_t target;

	if (pc < fde->start || pc - fde->start >= fde->size)
		return -ENOENT;
	target = pc - fde->start;
	if (fde->pctype == SFRAME_PCTYPE_MASK) {
		uint32_t rep = sf_rep_size(sec, fde);

		if (!rep)
			return -EINVAL;
		target %= rep;
	}
	for (j = 0; j < fde->num_fres; j++) {
		if (sframe_fre_peek(sec, fde, off, &start, &len))
			return -EINVAL;
		if (start > target)
			break;
		best = off;
		off += len;
	}
	if (best == UINT32_MAX)
		return -ENOENT;
	return sframe_fre_decode(sec, fde, best, fre, NULL);
}
