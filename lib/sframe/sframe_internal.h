/*
 * Private helpers of lib/sframe: byte-order aware readers. Callers have
 * already checked that [off, off + width) lies inside the section.
 */
#ifndef SFRAME_INTERNAL_H
#define SFRAME_INTERNAL_H

#include <string.h>

#include <sframetrace/sframe.h>

#define SFRAME_HDR_SIZE 28
#define SFRAME_V1_FDE_SIZE 17
#define SFRAME_V2_FDE_SIZE 20
#define SFRAME_V3_FDE_SIZE 16
#define SFRAME_V3_ATTR_SIZE 5

static inline uint16_t sf_rd16(const struct sframe_section *s, size_t off)
{
	uint16_t v;

	memcpy(&v, s->data + off, sizeof(v));
	return s->swap ? __builtin_bswap16(v) : v;
}

static inline uint32_t sf_rd32(const struct sframe_section *s, size_t off)
{
	uint32_t v;

	memcpy(&v, s->data + off, sizeof(v));
	return s->swap ? __builtin_bswap32(v) : v;
}

static inline uint64_t sf_rd64(const struct sframe_section *s, size_t off)
{
	uint64_t v;

	memcpy(&v, s->data + off, sizeof(v));
	return s->swap ? __builtin_bswap64(v) : v;
}

static inline void sf_set_err(struct sframe_error *err, enum sframe_rule rule,
			      uint32_t fde, uint32_t fre)
{
	if (err) {
		err->rule = rule;
		err->fde = fde;
		err->fre = fre;
	}
}

/*
 * Absolute start PC of FDE idx (idx < num_fdes, checked by the caller).
 * Inline: it is the inner step of every binary search.
 */
static inline uint64_t sframe_fde_start_pc(const struct sframe_section *sec,
					   uint32_t idx)
{
	size_t off = sec->fde_start + (size_t)idx * sec->fde_size;
	uint64_t base = sec->addr;
	int64_t rel;

	if (sec->version == SFRAME_VERSION_3)
		rel = (int64_t)sf_rd64(sec, off);
	else
		rel = (int32_t)sf_rd32(sec, off);
	if (sec->flags & SFRAME_F_FDE_FUNC_START_PCREL)
		base += off;
	/* Unsigned arithmetic: hostile offsets wrap instead of overflowing. */
	return base + (uint64_t)rel;
}

/* Repetition block size of a MASK FDE (set for V1 by sframe_fde_get). */
static inline uint32_t sf_rep_size(const struct sframe_section *s,
				   const struct sframe_fde *fde)
{
	(void)s;
	return fde->rep_size;
}

/* Start offset and encoded length of the FRE at off, without its words. */
int sframe_fre_peek(const struct sframe_section *sec,
		    const struct sframe_fde *fde, uint32_t off,
		    uint32_t *start, uint32_t *len);

/* Which rule (if any) an FRE's data words break, for this FDE type/ABI. */
enum sframe_rule sframe_fre_check_words(const struct sframe_section *sec,
					const struct sframe_fde *fde,
					const struct sframe_fre *fre);

#endif
