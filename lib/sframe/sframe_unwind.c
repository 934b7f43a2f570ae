/*
 * One SFrame unwind step for AMD64, AArch64 and s390x: from a frame's
 * pc/sp/fp (and RA register in the top frame) to its caller's. This is the
 * hot path of report-time unwinding: no allocation, no syscalls; all target
 * memory is read through the caller's hook.
 */
#include <errno.h>

#include "sframe_internal.h"

/* Registers the step knows itself; anything else only in the top frame. */
static int get_reg(const struct sframe_section *sec,
		   const struct sframe_unwind_ops *ops,
		   const struct sframe_frame *cur, int reg, uint64_t *val)
{
	switch (sec->abi) {
	case SFRAME_ABI_AMD64_ENDIAN_LITTLE:
		if (reg == SFRAME_AMD64_REG_SP) { *val = cur->sp; return 0; }
		if (reg == SFRAME_AMD64_REG_FP) { *val = cur->fp; return 0; }
		break;
	case SFRAME_ABI_S390X_ENDIAN_BIG:
		if (reg == SFRAME_S390X_REG_SP) { *val = cur->sp; return 0; }
		if (reg == SFRAME_S390X_REG_FP) { *val = cur->fp; return 0; }
		if (reg == SFRAME_S390X_REG_RA && cur->top) { *val = cur->ra; return 0; }
		break;
	default:
		if (reg == SFRAME_AARCH64_REG_SP) { *val = cur->sp; return 0; }
		if (reg == SFRAME_AARCH64_REG_FP) { *val = cur->fp; return 0; }
		if (reg == SFRAME_AARCH64_REG_LR && cur->top) { *val = cur->ra; return 0; }
		break;
	}
	/* Other registers are clobbered below the top frame: unsafe there. */
	if (!cur->top || !ops->read_reg)
		return -EINVAL;
	return ops->read_reg(ops->ctx, (unsigned int)reg, val) ? -EINVAL : 0;
}

static int apply(const struct sframe_section *sec,
		 const struct sframe_unwind_ops *ops,
		 const struct sframe_frame *cur, const struct sframe_rule_loc *loc,
		 uint64_t cfa, uint64_t *val)
{
	uint64_t base, addr;
	int ret;

	if (loc->reg >= 0) {
		ret = get_reg(sec, ops, cur, loc->reg, &base);
		if (ret)
			return ret;
	} else {
		base = cfa;
	}
	addr = base + (uint64_t)(int64_t)loc->offset;
	if (!loc->deref) {
		*val = addr;
		return 0;
	}
	return ops->read_mem(ops->ctx, addr, val) ? -EFAULT : 0;
}

int sframe_unwind_step(const struct sframe_section *sec,
		       const struct sframe_unwind_ops *ops,
		       const struct sframe_frame *cur,
		       struct sframe_frame *next)
{
	uint64_t pc = cur->pc, cfa, ra, fp;
	struct sframe_rules r;
	struct sframe_fde fde;
	struct sframe_fre fre;
	int ret;

	if (cur->flags & SFRAME_FRAME_RETADDR)
		pc -= 1; /* a call may be the last instruction of a function */
	ret = sframe_find_fde(sec, pc, &fde);
	if (ret)
		return ret;
	if (sec->version == SFRAME_VERSION_3 && fde.num_fres == 0 &&
	    fde.fde_type == SFRAME_FDE_TYPE_DEFAULT)
		return SFRAME_UNWIND_OUTERMOST;
	ret = sframe_find_fre(sec, &fde, pc, &fre);
	if (ret)
		return ret;
	if (sframe_fre_rules(sec, &fde, &fre, &r))
		return -EINVAL;
	if (r.ra_undefined)
		return SFRAME_UNWIND_OUTERMOST;

	/* The CFA base is a register (SP/FP, or any in a flexible FDE). */
	ret = apply(sec, ops, cur, &r.cfa, 0, &cfa);
	if (ret)
		return ret;

	if (r.ra_fixed) {
		if (ops->read_mem(ops->ctx, cfa + (uint64_t)(int64_t)sec->cfa_fixed_ra_offset, &ra))
			return -EFAULT;
	} else if (r.ra.present) {
		ret = apply(sec, ops, cur, &r.ra, cfa, &ra);
		if (ret)
			return ret;
	} else {
		/* RA still in its register: only true in the top frame. */
		if (!cur->top)
			return -EINVAL;
		ra = cur->ra;
	}
	if (fre.mangled_ra)
		ra &= ~ops->pac_mask;

	if (r.fp.present) {
		ret = apply(sec, ops, cur, &r.fp, cfa, &fp);
		if (ret)
			return ret;
	} else {
		fp = cur->fp;
	}

	next->pc = ra;
	next->sp = cfa;
	if (sec->abi == SFRAME_ABI_S390X_ENDIAN_BIG)
		next->sp = cfa + (uint64_t)(int64_t)SFRAME_S390X_SP_VAL_OFFSET;
	next->fp = fp;
	next->ra = 0;
	next->top = false;
	/* The frame below a signal trampoline was interrupted, not calling. */
	next->flags = fde.signal ? 0 : SFRAME_FRAME_RETADDR;
	return 0;
}
