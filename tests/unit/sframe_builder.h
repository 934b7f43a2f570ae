/*
 * Test-only SFrame encoder: builds a .sframe section byte by byte from a
 * plain description, so the unit tests know exactly which byte means what
 * and can corrupt one field at a known offset. It encodes what it is told,
 * bad values included; it does not validate. Also holds the small helpers
 * the sframe unit tests share (fake target memory, failure collector).
 *
 * Layout produced: header | auxiliary header | FDE sub-section (fdeoff 0) |
 * FRE sub-section (freoff = num_fdes * fde_size). FDEs and their FRE data
 * appear in description order. V3 puts the 5-byte FDE attribute in front of
 * each function's FREs.
 */
#ifndef SFRAME_BUILDER_H
#define SFRAME_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sframetrace/sframe.h>

#define SFB_MAX_FUNCS 8
#define SFB_MAX_FRES 8

/* Header field offsets (all versions). */
#define SFB_HDR_MAGIC 0
#define SFB_HDR_VERSION 2
#define SFB_HDR_FLAGS 3
#define SFB_HDR_ABI 4
#define SFB_HDR_FIXED_FP 5
#define SFB_HDR_FIXED_RA 6
#define SFB_HDR_AUXHDR_LEN 7
#define SFB_HDR_NUM_FDES 8
#define SFB_HDR_NUM_FRES 12
#define SFB_HDR_FRE_LEN 16
#define SFB_HDR_FDEOFF 20
#define SFB_HDR_FREOFF 24
#define SFB_HDR_SIZE 28

struct sfb_fre {
	uint32_t start;      /* offset from function start (or in rep block) */
	uint8_t base_reg;    /* SFRAME_BASE_REG_FP / _SP */
	uint8_t dw_size;     /* 1, 2 or 4 bytes */
	uint8_t dw_count;
	bool mangled_ra;
	int32_t words[SFRAME_MAX_DATAWORDS];
};

struct sfb_func {
	uint64_t start;      /* absolute start PC */
	uint32_t size;
	uint8_t fre_type;    /* enum sframe_fre_type */
	uint8_t pctype;      /* enum sframe_pctype */
	uint8_t rep_size;    /* V2/V3 only */
	uint8_t fde_type;    /* V3 only (info2) */
	bool signal;         /* V3 info bit 7 */
	uint8_t pauth_key;   /* info bit 5 */
	uint32_t num_fres;
	struct sfb_fre fres[SFB_MAX_FRES];
};

struct sfb_desc {
	uint8_t version;
	bool big_endian;
	uint8_t abi;
	uint8_t flags;
	int8_t fixed_fp;
	int8_t fixed_ra;
	uint8_t auxhdr_len;  /* auxiliary header bytes are 0xa0, 0xa1, ... */
	uint64_t addr;       /* address of the section's first byte */
	uint32_t num_funcs;
	struct sfb_func funcs[SFB_MAX_FUNCS];
};

/* Where the builder put one FRE. */
struct sfb_fre_loc {
	uint32_t off;        /* offset in the FRE sub-section */
	uint32_t len;        /* encoded length */
	size_t info_pos;     /* absolute offset of the FRE info byte */
	size_t words_pos;    /* absolute offset of data word 0 */
	uint8_t dw_size;
};

struct sfb_section {
	uint8_t *data;       /* exactly size bytes, malloc'ed */
	size_t size;
	bool big_endian;
	uint8_t version;
	size_t hdr_end;      /* 28 + auxhdr_len */
	size_t fde_size;     /* 17, 20, 16 */
	size_t fde_start;    /* absolute */
	size_t fre_start;    /* absolute */
	uint32_t num_fres;
	uint32_t fre_len;
	size_t fde_pos[SFB_MAX_FUNCS];    /* absolute offset of FDE index entry */
	uint32_t attr_off[SFB_MAX_FUNCS]; /* V3: attribute, FRE-subsection rel. */
	uint32_t fre_off[SFB_MAX_FUNCS];  /* first FRE, FRE-subsection relative */
	struct sfb_fre_loc fre[SFB_MAX_FUNCS][SFB_MAX_FRES];
};

/*
 * Defaults for an ABI: byte order from the ABI, fixed offsets as binutils
 * emits them (AMD64: FP none, RA -8), flags SORTED (+ PCREL for V3),
 * section at 0x400000.
 */
void sfb_desc_init(struct sfb_desc *d, uint8_t version, uint8_t abi);

/* Append a function (INC, default FDE type); returns it for tweaking. */
struct sfb_func *sfb_add_func(struct sfb_desc *d, uint64_t start,
			      uint32_t size, uint8_t fre_type);

/* Append an FRE with count data words given as int arguments. */
struct sfb_fre *sfb_add_fre(struct sfb_func *f, uint32_t start,
			    uint8_t base_reg, uint8_t dw_size,
			    unsigned int count, ...);

/* Encode d; 0, or -1 if d cannot be encoded (too many words, ...). */
int sfb_build(const struct sfb_desc *d, struct sfb_section *s);
void sfb_free(struct sfb_section *s);

/* Endian-aware field access at absolute offsets, for corrupting. */
void sfb_put8(struct sfb_section *s, size_t pos, uint8_t v);
void sfb_put16(struct sfb_section *s, size_t pos, uint16_t v);
void sfb_put32(struct sfb_section *s, size_t pos, uint32_t v);
void sfb_put64(struct sfb_section *s, size_t pos, uint64_t v);
uint16_t sfb_get16(const struct sfb_section *s, size_t pos);
uint32_t sfb_get32(const struct sfb_section *s, size_t pos);
uint64_t sfb_get64(const struct sfb_section *s, size_t pos);

/* Absolute offsets of FDE fields of function i (per version). */
size_t sfb_fde_func_start_pos(const struct sfb_section *s, unsigned int i);
size_t sfb_fde_size_pos(const struct sfb_section *s, unsigned int i);
size_t sfb_fde_fre_off_pos(const struct sfb_section *s, unsigned int i);
size_t sfb_fde_num_fres_pos(const struct sfb_section *s, unsigned int i); /* u32 V1/V2, u16 V3 */
size_t sfb_fde_info_pos(const struct sfb_section *s, unsigned int i);
size_t sfb_fde_info2_pos(const struct sfb_section *s, unsigned int i);  /* V3 */
size_t sfb_fde_rep_size_pos(const struct sfb_section *s, unsigned int i); /* V2/V3 */

/* Grow the section by extra zero bytes at the end (keeps the header). */
int sfb_append(struct sfb_section *s, size_t extra);

/* Copy [p, p+n) into a fresh exactly-sized allocation (ASan sees overreads). */
uint8_t *sfb_copy_exact(const void *p, size_t n);
/* Free what sfb_copy_exact() returned. */
void sfb_release(void *p);

/*
 * cmocka group teardown: frees every builder allocation still live, i.e.
 * those of tests that failed (cmocka longjmps out of them), so LeakSanitizer
 * only ever reports leaks of the library itself.
 */
int sfb_release_all(void **state);

/* ---- shared test helpers ---- */

/* Fake target memory: 8-byte slots from base; anything else faults. */
#define SFB_MEM_SLOTS 128
struct sfb_mem {
	uint64_t base;
	uint64_t slot[SFB_MEM_SLOTS];
	unsigned int reads;
	uint64_t reg[64];    /* values read_reg hands out */
	uint64_t reg_ok;     /* bit n set: register n readable */
	unsigned int reg_reads;
};

void sfb_mem_init(struct sfb_mem *m, uint64_t base);
/* Store v at address addr (must be a slot). */
void sfb_mem_set(struct sfb_mem *m, uint64_t addr, uint64_t v);
int sfb_read_mem(void *ctx, uint64_t addr, uint64_t *val);
int sfb_read_reg(void *ctx, unsigned int regno, uint64_t *val);

/* Collects every failure sframe_section_validate() reports. */
#define SFB_MAX_FAILURES 64
struct sfb_failures {
	unsigned int n;
	struct sframe_error e[SFB_MAX_FAILURES];
};
void sfb_collect(void *arg, const struct sframe_error *err);

#endif
