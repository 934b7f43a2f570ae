/*
 * One unwind step from DWARF CFI (.eh_frame through libdw): the CFA and
 * each register's rule are DWARF expressions, evaluated here over the
 * frame's known registers and the stack copy. Only the operations CFI
 * uses are supported; anything else makes the step fail as bad data.
 */
#include <dwarf.h>
#include <errno.h>
#include <string.h>

#include "unwind/unwind_internal.h"

#define EXPR_STACK 16

struct expr_ctx {
	const struct unwind_regs *regs;
	uint64_t cfa;
	bool have_cfa;
	int (*read_mem)(void *ctx, uint64_t addr, uint64_t *val);
	void *mem_ctx;
};

/*
 * Evaluate ops. *is_value: the result is a value (DW_OP_stack_value), not
 * the address where the value is. 0, -EFAULT (memory), -EINVAL.
 */
static int eval(const struct expr_ctx *x, const Dwarf_Op *ops, size_t nops, uint64_t *out,
		bool *is_value)
{
	uint64_t st[EXPR_STACK];
	size_t sp = 0;

	*is_value = false;
	for (size_t i = 0; i < nops; i++) {
		uint8_t op = ops[i].atom;
		uint64_t a, b;

#define PUSH(v) do { if (sp == EXPR_STACK) return -EINVAL; st[sp++] = (v); } while (0)
#define POP(v) do { if (!sp) return -EINVAL; (v) = st[--sp]; } while (0)
		if (op >= DW_OP_lit0 && op <= DW_OP_lit31) {
			PUSH((uint64_t)(op - DW_OP_lit0));
		} else if (op >= DW_OP_breg0 && op <= DW_OP_breg31) {
			unsigned int reg = op - DW_OP_breg0;

			if (reg >= UNWIND_NR_REGS || !(x->regs->valid & (1u << reg)))
				return -EINVAL;
			PUSH(x->regs->r[reg] + (uint64_t)(int64_t)ops[i].number);
		} else if (op >= DW_OP_reg0 && op <= DW_OP_reg31) {
			unsigned int reg = op - DW_OP_reg0;

			if (reg >= UNWIND_NR_REGS || !(x->regs->valid & (1u << reg)))
				return -EINVAL;
			PUSH(x->regs->r[reg]);
			*is_value = true;
		} else {
			switch (op) {
			case DW_OP_bregx:
				if (ops[i].number >= UNWIND_NR_REGS ||
				    !(x->regs->valid & (1u << ops[i].number)))
					return -EINVAL;
				PUSH(x->regs->r[ops[i].number] + (uint64_t)(int64_t)ops[i].number2);
				break;
			case DW_OP_regx:
				if (ops[i].number >= UNWIND_NR_REGS ||
				    !(x->regs->valid & (1u << ops[i].number)))
					return -EINVAL;
				PUSH(x->regs->r[ops[i].number]);
				*is_value = true;
				break;
			case DW_OP_call_frame_cfa:
				if (!x->have_cfa)
					return -EINVAL;
				PUSH(x->cfa);
				break;
			case DW_OP_plus_uconst:
				POP(a);
				PUSH(a + ops[i].number);
				break;
			case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u:
			case DW_OP_const8u: case DW_OP_constu:
				PUSH(ops[i].number);
				break;
			case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s:
			case DW_OP_const8s: case DW_OP_consts:
				PUSH((uint64_t)(int64_t)ops[i].number);
				break;
			case DW_OP_deref:
				POP(a);
				if (x->read_mem(x->mem_ctx, a, &b))
					return -EFAULT;
				PUSH(b);
				break;
			case DW_OP_plus: POP(b); POP(a); PUSH(a + b); break;
			case DW_OP_minus: POP(b); POP(a); PUSH(a - b); break;
			case DW_OP_and: POP(b); POP(a); PUSH(a & b); break;
			case DW_OP_or: POP(b); POP(a); PUSH(a | b); break;
			case DW_OP_mul: POP(b); POP(a); PUSH(a * b); break;
			case DW_OP_shl: POP(b); POP(a); PUSH(b < 64 ? a << b : 0); break;
			case DW_OP_shr: POP(b); POP(a); PUSH(b < 64 ? a >> b : 0); break;
			/* comparisons are signed (libc's PLT CFA uses DW_OP_ge) */
			case DW_OP_ge: POP(b); POP(a); PUSH((int64_t)a >= (int64_t)b); break;
			case DW_OP_gt: POP(b); POP(a); PUSH((int64_t)a > (int64_t)b); break;
			case DW_OP_le: POP(b); POP(a); PUSH((int64_t)a <= (int64_t)b); break;
			case DW_OP_lt: POP(b); POP(a); PUSH((int64_t)a < (int64_t)b); break;
			case DW_OP_eq: POP(b); POP(a); PUSH(a == b); break;
			case DW_OP_ne: POP(b); POP(a); PUSH(a != b); break;
			case DW_OP_dup: POP(a); PUSH(a); PUSH(a); break;
			case DW_OP_drop: POP(a); break;
			case DW_OP_stack_value:
				*is_value = true;
				break;
			default:
				return -EINVAL;
			}
		}
#undef PUSH
#undef POP
	}
	if (!sp)
		return -EINVAL;
	*out = st[sp - 1];
	return 0;
}

enum step_result unwind_step_cfi(struct unwind_regs *regs, bool *exact_pc, Dwarf_CFI *cfi,
				 uint64_t vaddr,
				 int (*read_mem)(void *ctx, uint64_t addr, uint64_t *val),
				 void *ctx)
{
	struct expr_ctx x = { .regs = regs, .read_mem = read_mem, .mem_ctx = ctx };
	struct unwind_regs next = { 0 };
	Dwarf_Frame *frame = NULL;
	Dwarf_Op *ops, ops_mem[3];
	size_t nops;
	bool signal = false, is_value;
	int ra_reg, ret;
	enum step_result result = STEP_BAD;

	if (dwarf_cfi_addrframe(cfi, vaddr, &frame) != 0)
		return STEP_NO_INFO;
	ra_reg = dwarf_frame_info(frame, NULL, NULL, &signal);
	if (ra_reg < 0 || ra_reg >= UNWIND_NR_REGS)
		goto out;
	if (dwarf_frame_cfa(frame, &ops, &nops) != 0 || nops == 0)
		goto out;
	ret = eval(&x, ops, nops, &x.cfa, &is_value);
	if (ret == -EFAULT) {
		result = STEP_FAULT;
		goto out;
	}
	if (ret)
		goto out;
	x.have_cfa = true;

	for (int reg = 0; reg < UNWIND_NR_REGS; reg++) {
		uint64_t v;

		if (dwarf_frame_register(frame, reg, ops_mem, &ops, &nops) != 0)
			continue;
		if (nops == 0) {
			if (ops == NULL && (regs->valid & (1u << reg))) {
				/* same value */
				next.r[reg] = regs->r[reg];
				next.valid |= 1u << reg;
			} else if (ops != NULL && reg == ra_reg) {
				/* an undefined return address: the outermost frame */
				result = STEP_OUTERMOST;
				goto out;
			}
			continue;
		}
		ret = eval(&x, ops, nops, &v, &is_value);
		if (ret == -EFAULT) {
			if (reg == ra_reg) {
				result = STEP_FAULT;
				goto out;
			}
			continue;
		}
		if (ret)
			continue;
		if (!is_value && read_mem(ctx, v, &v)) {
			if (reg == ra_reg) {
				result = STEP_FAULT;
				goto out;
			}
			continue;
		}
		next.r[reg] = v;
		next.valid |= 1u << reg;
	}
	if (!(next.valid & (1u << ra_reg)))
		goto out;
	/* The caller's sp is the CFA on x86_64 unless a rule says otherwise. */
	if (!(next.valid & (1u << UNWIND_REG_SP))) {
		next.r[UNWIND_REG_SP] = x.cfa;
		next.valid |= 1u << UNWIND_REG_SP;
	}
	next.r[UNWIND_REG_IP] = next.r[ra_reg];
	next.valid |= 1u << UNWIND_REG_IP;
	*regs = next;
	/* Below a signal frame the pc was interrupted, not a return address. */
	*exact_pc = signal;
	result = STEP_OK;
out:
	free(frame);
	return result;
}
