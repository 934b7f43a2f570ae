/*
 * SFrame (.sframe) decoding, validation, lookup and the unwind step.
 *
 * Reads SFrame versions 1, 2 (with both errata) and 3 in either byte order,
 * for the AMD64, AArch64 (LE and BE) and s390x ABIs. Nothing here allocates
 * except sframe_section_init() on a section whose FDEs are not sorted, and
 * nothing here knows about perf, files or ELF: the caller hands in bytes.
 */
#ifndef SFRAMETRACE_SFRAME_H
#define SFRAMETRACE_SFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SFRAME_MAGIC 0xdee2

enum sframe_version {
	SFRAME_VERSION_1 = 1,
	SFRAME_VERSION_2 = 2,
	SFRAME_VERSION_3 = 3,
};

/* Section flags (sfp_flags). */
#define SFRAME_F_FDE_SORTED           0x1
#define SFRAME_F_FRAME_POINTER        0x2 /* V1 and V2 only */
#define SFRAME_F_FDE_FUNC_START_PCREL 0x4 /* V2 erratum 1, and V3 */

enum sframe_abi {
	SFRAME_ABI_AARCH64_ENDIAN_BIG = 1,
	SFRAME_ABI_AARCH64_ENDIAN_LITTLE = 2,
	SFRAME_ABI_AMD64_ENDIAN_LITTLE = 3,
	SFRAME_ABI_S390X_ENDIAN_BIG = 4,
};

enum sframe_fre_type {
	SFRAME_FRE_TYPE_ADDR1 = 0,
	SFRAME_FRE_TYPE_ADDR2 = 1,
	SFRAME_FRE_TYPE_ADDR4 = 2,
};

enum sframe_pctype {
	SFRAME_PCTYPE_INC = 0,
	SFRAME_PCTYPE_MASK = 1,
};

enum sframe_fde_type {
	SFRAME_FDE_TYPE_DEFAULT = 0,
	SFRAME_FDE_TYPE_FLEX = 1, /* V3 only */
};

/* fre_cfa_base_reg_id */
#define SFRAME_BASE_REG_FP 0
#define SFRAME_BASE_REG_SP 1

/* V1 has no repetition size field; binutils 2.40 used 16-byte PLT entries. */
#define SFRAME_V1_MASK_REP_SIZE 16

/* s390x CFA offset encoding (V2 and V3). */
#define SFRAME_S390X_SP_VAL_OFFSET (-160)
#define SFRAME_S390X_CFA_OFFSET_ADJUSTMENT 160
#define SFRAME_S390X_CFA_OFFSET_ALIGNMENT_FACTOR 8

/* Flexible FDE control word bits. */
#define SFRAME_FLEX_REG_P      0x1u
#define SFRAME_FLEX_DEREF_P    0x2u
#define SFRAME_FLEX_RESERVED_P 0x4u
#define SFRAME_FLEX_REGNUM(w)  ((w) >> 3)

/* DWARF register numbers the step understands without a read_reg hook. */
#define SFRAME_AMD64_REG_FP 6
#define SFRAME_AMD64_REG_SP 7
#define SFRAME_AARCH64_REG_FP 29
#define SFRAME_AARCH64_REG_LR 30
#define SFRAME_AARCH64_REG_SP 31
#define SFRAME_S390X_REG_FP 11
#define SFRAME_S390X_REG_RA 14
#define SFRAME_S390X_REG_SP 15

#define SFRAME_MAX_DATAWORDS 15

/*
 * One code per validation rule, so a failure names exactly what was wrong.
 * Keep sframe_rule_name() and sframe_rule_desc() in step.
 */
enum sframe_rule {
	SFRAME_OK = 0,
	SFRAME_E_HDR_TRUNCATED,   /* section shorter than its header */
	SFRAME_E_MAGIC,           /* bad magic number */
	SFRAME_E_VERSION,         /* unknown version */
	SFRAME_E_FLAGS,           /* flag bits undefined for this version */
	SFRAME_E_ABI,             /* unknown ABI/arch identifier */
	SFRAME_E_ENDIAN,          /* byte order of magic disagrees with ABI */
	SFRAME_E_AUXHDR,          /* auxiliary header runs past the section */
	SFRAME_E_FDE_SUBSEC,      /* FDE sub-section outside the section */
	SFRAME_E_FRE_SUBSEC,      /* FRE sub-section outside the section */
	SFRAME_E_SUBSEC_OVERLAP,  /* FDE and FRE sub-sections overlap */
	SFRAME_E_FDE_FRE_OFF,     /* FDE's FRE data starts outside FRE sub-section */
	SFRAME_E_FDE_RESERVED,    /* reserved FDE info bits set */
	SFRAME_E_FDE_FRE_TYPE,    /* unknown FRE type in FDE info */
	SFRAME_E_FDE_TYPE,        /* unknown FDE type (V3 info2) */
	SFRAME_E_FDE_REP_SIZE,    /* PCTYPE_MASK FDE with repetition size 0 */
	SFRAME_E_FDE_NUM_FRES,    /* more FREs than bytes in the function */
	SFRAME_E_FDE_TEXT_RANGE,  /* function not inside the text range */
	SFRAME_E_FDE_ADDR_WRAP,   /* function start + size overflows */
	SFRAME_E_FDE_UNSORTED,    /* FDEs out of order although flagged sorted */
	SFRAME_E_FDE_OVERLAP,     /* two functions' PC ranges overlap */
	SFRAME_E_FDE_OUTERMOST,   /* V1/V2 FDE with no FREs */
	SFRAME_E_FRE_BOUNDS,      /* FRE runs past the FRE sub-section */
	SFRAME_E_FRE_START,       /* FRE start not inside function/rep block */
	SFRAME_E_FRE_ORDER,       /* FRE start addresses not increasing */
	SFRAME_E_FRE_DW_SIZE,     /* data word size encoding 3 */
	SFRAME_E_FRE_DW_COUNT,    /* data word count impossible for the ABI */
	SFRAME_E_FRE_MANGLED_RA,  /* mangled-RA bit outside AArch64 */
	SFRAME_E_FRE_FLEX_RESERVED, /* flex control word reserved bit set */
	SFRAME_E_FRE_FLEX_CFA,    /* flex CFA rule without a base register */
	SFRAME_E_NUM_FRES,        /* header FRE count != sum of FDE FRE counts */
	SFRAME_E_FRE_LEN,         /* FRE data does not end at sfh_fre_len */
	SFRAME_E_NO_FDE,          /* lookup: no FDE covers the PC */
	SFRAME_E_NO_FRE,          /* lookup: FDE found, no FRE covers the PC */
	SFRAME_RULE_COUNT
};

/* Where a rule failed: index of the FDE and FRE, or UINT32_MAX if none. */
struct sframe_error {
	enum sframe_rule rule;
	uint32_t fde;
	uint32_t fre;
};

struct sframe_section {
	const uint8_t *data;
	size_t size;
	uint64_t addr;       /* run-time (or link-time) address of data[0] */
	bool swap;           /* section byte order differs from the host's */
	uint8_t version;
	uint8_t flags;
	uint8_t abi;
	int8_t cfa_fixed_fp_offset;
	int8_t cfa_fixed_ra_offset;
	uint8_t auxhdr_len;
	uint32_t num_fdes;
	uint32_t num_fres;
	uint32_t fre_len;
	uint32_t fdeoff;
	uint32_t freoff;
	size_t fde_start;    /* absolute offset of the FDE sub-section */
	size_t fde_size;     /* 17 (V1), 20 (V2), 16 (V3) */
	size_t fre_start;    /* absolute offset of the FRE sub-section */
	uint32_t *order;     /* FDE indexes sorted by PC, when not flagged sorted */
};

struct sframe_fde {
	uint32_t index;
	uint64_t start;      /* absolute start PC */
	uint32_t size;
	uint32_t fre_off;    /* offset of the first FRE in the FRE sub-section */
	uint32_t num_fres;
	uint8_t info;
	uint8_t info2;       /* V3 only */
	uint8_t fre_type;    /* enum sframe_fre_type */
	uint8_t pctype;      /* enum sframe_pctype */
	uint8_t fde_type;    /* enum sframe_fde_type */
	uint8_t rep_size;    /* V1 MASK FDEs: SFRAME_V1_MASK_REP_SIZE */
	bool signal;         /* V3 signal-frame bit */
	uint8_t pauth_key;   /* AArch64: 0 = A, 1 = B */
};

struct sframe_fre {
	uint32_t start;      /* offset from function start (or within block) */
	uint32_t off;        /* offset of this FRE in the FRE sub-section */
	uint32_t len;        /* encoded length in bytes */
	uint8_t info;
	uint8_t base_reg;    /* SFRAME_BASE_REG_FP or _SP */
	uint8_t dw_count;
	uint8_t dw_size;     /* bytes: 1, 2 or 4 */
	bool mangled_ra;
	uint32_t raw[SFRAME_MAX_DATAWORDS]; /* data words, zero-extended */
};

/* Sign-extend data word i of an FRE. */
int32_t sframe_fre_sdata(const struct sframe_fre *fre, unsigned int i);

/*
 * A decoded recovery rule: value = (deref ? *(base + offset) : base + offset),
 * base being the CFA (reg < 0) or DWARF register reg.
 */
struct sframe_rule_loc {
	bool present;
	bool deref;
	int reg;             /* DWARF register number, or -1 for the CFA */
	int64_t offset;      /* 64-bit: s390x scales 32-bit words by 8 */
};

struct sframe_rules {
	struct sframe_rule_loc cfa;
	struct sframe_rule_loc ra;  /* !present: fixed offset or RA register */
	struct sframe_rule_loc fp;  /* !present: FP unchanged */
	bool ra_undefined;          /* outermost frame */
	bool ra_fixed;              /* RA = *(CFA + cfa_fixed_ra_offset) */
	bool ra_in_reg_unchanged;   /* s390x: RA offset padding */
};

/* Turn an FRE of an FDE into recovery rules. */
int sframe_fre_rules(const struct sframe_section *sec,
		     const struct sframe_fde *fde,
		     const struct sframe_fre *fre,
		     struct sframe_rules *rules);

/*
 * Parse the header of data[0..size) (at address addr) and check every
 * header-level rule. Sorts an index of FDEs when the section does not say
 * it is sorted (the only allocation). 0 or -EINVAL (err says why) or -ENOMEM.
 */
int sframe_section_init(struct sframe_section *sec, const void *data,
			size_t size, uint64_t addr, struct sframe_error *err);
void sframe_section_exit(struct sframe_section *sec);

/* FDE number idx in section order. */
int sframe_fde_get(const struct sframe_section *sec, uint32_t idx,
		   struct sframe_fde *fde, struct sframe_error *err);

/*
 * Decode the FRE at byte offset off of the FRE sub-section belonging to fde.
 * Use fde->fre_off for the first; fre->off + fre->len for the next.
 */
int sframe_fre_decode(const struct sframe_section *sec,
		      const struct sframe_fde *fde, uint32_t off,
		      struct sframe_fre *fre, struct sframe_error *err);

/*
 * Validate the whole section. With text_start < text_end, functions must lie
 * in [text_start, text_end). Calls report() for every failed rule (when not
 * NULL) and returns the number of failures, or stops at the first one when
 * report is NULL.
 */
typedef void (*sframe_report_fn)(void *arg, const struct sframe_error *err);
unsigned int sframe_section_validate(const struct sframe_section *sec,
				     uint64_t text_start, uint64_t text_end,
				     sframe_report_fn report, void *arg);

/* Lookup: the FDE covering pc, then the FRE within it covering pc. */
int sframe_find_fde(const struct sframe_section *sec, uint64_t pc,
		    struct sframe_fde *fde);
int sframe_find_fre(const struct sframe_section *sec,
		    const struct sframe_fde *fde, uint64_t pc,
		    struct sframe_fre *fre);

/* One frame of a stack walk. */
#define SFRAME_FRAME_RETADDR 0x1 /* pc is a return address: look up pc - 1 */

struct sframe_frame {
	uint64_t pc;
	uint64_t sp;
	uint64_t fp;
	uint64_t ra;        /* AArch64 LR / s390x r14, valid in the top frame */
	uint32_t flags;
	bool top;           /* registers other than pc/sp/fp are still live */
};

struct sframe_unwind_ops {
	/* Read 8 bytes of target memory at addr; 0 or negative errno. */
	int (*read_mem)(void *ctx, uint64_t addr, uint64_t *val);
	/* Read a DWARF register of the top frame; may be NULL. */
	int (*read_reg)(void *ctx, unsigned int regno, uint64_t *val);
	void *ctx;
	/* AArch64: bits to clear from a mangled (signed) return address. */
	uint64_t pac_mask;
};

#define SFRAME_UNWIND_OUTERMOST 1

/*
 * One unwind step: from frame *cur, compute the caller into *next.
 * Returns 0 (next filled), SFRAME_UNWIND_OUTERMOST (cur is the outermost
 * frame), -ENOENT (no SFrame data for cur->pc), -EFAULT (memory read failed),
 * -EINVAL (data cannot be used here). No allocation, no syscalls.
 */
int sframe_unwind_step(const struct sframe_section *sec,
		       const struct sframe_unwind_ops *ops,
		       const struct sframe_frame *cur,
		       struct sframe_frame *next);

/*
 * Print the section the way binutils 2.46 `readelf --sframe` does (without
 * its "Contents of the SFrame section" line). Stops at the first record
 * that cannot be decoded: -EINVAL with err saying which.
 */
int sframe_dump(const struct sframe_section *sec, FILE *out,
		struct sframe_error *err);

const char *sframe_rule_name(enum sframe_rule rule);
const char *sframe_rule_desc(enum sframe_rule rule);
const char *sframe_abi_name(uint8_t abi);

#endif
