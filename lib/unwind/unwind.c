/*
 * The stack walk: per frame, find the pc's DSO and its link-time address,
 * then step with SFrame, else DWARF CFI, else the frame pointer (SFrame
 * mode), or with DWARF CFI only (DWARF mode). Memory reads come from the
 * sample's stack copy only; anything outside it ends the walk as
 * truncated. Every step must move sp up (the stack grows down), and the
 * walk has a frame limit, so hostile data cannot loop.
 */
#include <errno.h>
#include <string.h>

#include "unwind/unwind_internal.h"

#define DEFAULT_MAX_FRAMES 512

void unwind_regs_from_perf(struct unwind_regs *regs, uint64_t mask, const uint64_t *values,
			   size_t nr_values)
{
	/* perf's x86 register bits (AX BX CX DX SI DI BP SP IP ... R8-R15) to DWARF. */
	static const int dwarf_of_perf[24] = {
		0, 3, 2, 1, 4, 5, 6, 7, 16, -1, -1, -1, -1, -1, -1, -1,
		8, 9, 10, 11, 12, 13, 14, 15,
	};
	size_t k = 0;

	memset(regs, 0, sizeof(*regs));
	for (int bit = 0; bit < 64 && k < nr_values; bit++) {
		if (!(mask >> bit & 1))
			continue;
		if (bit < 24 && dwarf_of_perf[bit] >= 0) {
			regs->r[dwarf_of_perf[bit]] = values[k];
			regs->valid |= 1u << dwarf_of_perf[bit];
		}
		k++;
	}
}

int unwinder_new(struct unwinder **out, const struct unwind_opts *opts)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	u->opts = *opts;
	if (!u->opts.max_frames)
		u->opts.max_frames = DEFAULT_MAX_FRAMES;
	*out = u;
	return 0;
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	unwind_dsos_free(u);
	free(u);
}

/* The stack copy as the memory the rules read. */
struct stack_mem {
	uint64_t base;
	const uint8_t *data;
	uint64_t size;
	bool truncated;   /* a read fell outside the copy */
};

static int stack_read(void *ctx, uint64_t addr, uint64_t *val)
{
	struct stack_mem *m = ctx;

	if (addr < m->base || m->size < 8 || addr - m->base > m->size - 8) {
		m->truncated = true;
		return -EFAULT;
	}
	memcpy(val, m->data + (addr - m->base), 8);
	return 0;
}

struct walk {
	struct unwinder *u;
	struct stack_mem mem;
	struct unwind_regs regs;   /* the current frame's registers */
	bool top;                  /* the sampled frame: all registers live */
	bool exact_pc;             /* pc is not a return address (top, or below a signal frame) */
};

static int read_reg(void *ctx, unsigned int regno, uint64_t *val)
{
	struct walk *w = ctx;

	if (regno >= UNWIND_NR_REGS || !(w->regs.valid & (1u << regno)))
		return -ENOENT;
	*val = w->regs.r[regno];
	return 0;
}

int unwind_walk_read_mem(void *ctx, uint64_t addr, uint64_t *val)
{
	struct walk *w = ctx;

	return stack_read(&w->mem, addr, val);
}


static enum step_result step_sframe(struct walk *w, struct unwind_dso *d, uint64_t vaddr)
{
	/* One ctx serves both hooks: the walk has the registers and the stack. */
	struct sframe_unwind_ops ops = { .read_mem = unwind_walk_read_mem, .read_reg = read_reg,
					 .ctx = w };
	/* SFrame looks up pc - 1 itself for a return address. */
	struct sframe_frame cur = {
		.pc = vaddr + (w->exact_pc ? 0 : 1),
		.sp = w->regs.r[UNWIND_REG_SP],
		.fp = w->regs.r[UNWIND_REG_BP],
		.flags = w->exact_pc ? 0 : SFRAME_FRAME_RETADDR,
		.top = w->top,
	}, next;
	int ret;

	ret = sframe_unwind_step(&d->sframe, &ops, &cur, &next);
	if (ret == SFRAME_UNWIND_OUTERMOST)
		return STEP_OUTERMOST;
	if (ret == -ENOENT)
		return STEP_NO_INFO;
	if (ret == -EFAULT)
		return STEP_FAULT;
	if (ret < 0)
		return STEP_BAD;
	w->regs.r[UNWIND_REG_IP] = next.pc;
	w->regs.r[UNWIND_REG_SP] = next.sp;
	w->regs.r[UNWIND_REG_BP] = next.fp;
	/* Only pc, sp and fp are known in a caller's frame. */
	w->regs.valid = (1u << UNWIND_REG_IP) | (1u << UNWIND_REG_SP) | (1u << UNWIND_REG_BP);
	w->exact_pc = !(next.flags & SFRAME_FRAME_RETADDR);
	return STEP_OK;
}

/* The frame-pointer step, when the frame pointer looks like one. */
static enum step_result step_fp(struct walk *w)
{
	uint64_t fp = w->regs.r[UNWIND_REG_BP], sp = w->regs.r[UNWIND_REG_SP];
	uint64_t ra, prev_fp;

	if (!(w->regs.valid & (1u << UNWIND_REG_BP)) || fp < sp || (fp & 7) ||
	    fp - w->mem.base >= w->mem.size)
		return STEP_NO_INFO;
	if (stack_read(&w->mem, fp, &prev_fp) || stack_read(&w->mem, fp + 8, &ra))
		return STEP_FAULT;
	if (!ra)
		return STEP_OUTERMOST;
	w->regs.r[UNWIND_REG_IP] = ra;
	w->regs.r[UNWIND_REG_SP] = fp + 16;
	w->regs.r[UNWIND_REG_BP] = prev_fp;
	w->regs.valid = (1u << UNWIND_REG_IP) | (1u << UNWIND_REG_SP) | (1u << UNWIND_REG_BP);
	w->exact_pc = false;
	return STEP_OK;
}

int unwind_stack(struct unwinder *u, const struct unwind_regs *regs, const uint8_t *stack,
		 uint64_t stack_size, unwind_find_map find_map, void *ctx, uint64_t *ips,
		 size_t max, struct unwind_result *res)
{
	struct walk w = { .u = u, .regs = *regs, .top = true, .exact_pc = true };
	size_t limit = max < u->opts.max_frames ? max : u->opts.max_frames;

	memset(res, 0, sizeof(*res));
	if (!(regs->valid & (1u << UNWIND_REG_IP)) || !(regs->valid & (1u << UNWIND_REG_SP)))
		return -EINVAL;
	w.mem.base = regs->r[UNWIND_REG_SP];
	w.mem.data = stack;
	w.mem.size = stack ? stack_size : 0;

	for (;;) {
		uint64_t pc = w.regs.r[UNWIND_REG_IP], sp = w.regs.r[UNWIND_REG_SP];
		uint64_t lookup = w.exact_pc ? pc : pc - 1;
		struct unwind_map map = { 0 };
		struct unwind_dso *d = NULL;
		enum step_result r = STEP_NO_INFO;
		uint64_t vaddr = 0;
		bool have_vaddr = false, mapped;

		if (res->nr_ips >= limit) {
			res->stop = UNWIND_STOP_LIMIT;
			return 0;
		}
		/*
		 * perf's convention for unwound stacks: a caller's entry is its
		 * return address - 1 (inside the call), the sampled and
		 * signal-interrupted frames their exact pc.
		 */
		ips[res->nr_ips++] = lookup;
		mapped = find_map(ctx, lookup, &map) == 0;
		if (mapped) {
			d = map.path ? unwind_dso_get(u, map.path) : NULL;
			have_vaddr = d && unwind_dso_vaddr(d, &map, lookup, &vaddr);
		} else if (u->opts.mode == UNWIND_DWARF) {
			res->stop = UNWIND_STOP_NO_MAP;
			return 0;
		}

		if (have_vaddr && u->opts.mode == UNWIND_SFRAME && d->have_sframe) {
			r = step_sframe(&w, d, vaddr);
			if (r == STEP_OK)
				res->nr_sframe++;
		}
		if (r == STEP_NO_INFO && have_vaddr && d->cfi) {
			r = unwind_step_cfi(&w.regs, &w.exact_pc, d->cfi, vaddr,
					    unwind_walk_read_mem, &w);
			if (r == STEP_OK)
				res->nr_cfi++;
		}
		if (r == STEP_NO_INFO && u->opts.mode == UNWIND_SFRAME) {
			r = step_fp(&w);
			if (r == STEP_OK)
				res->nr_fp++;
		}
		switch (r) {
		case STEP_OK:
			break;
		case STEP_OUTERMOST:
			res->stop = UNWIND_STOP_OUTERMOST;
			return 0;
		case STEP_FAULT:
			res->stop = UNWIND_STOP_TRUNCATED;
			return 0;
		case STEP_NO_INFO:
			/* (a file map without a DSO entry: out of memory) */
			res->stop = mapped && (d || !map.path) ? UNWIND_STOP_NO_INFO
							       : UNWIND_STOP_NO_MAP;
			res->stop_path = d ? d->path : NULL;
			return 0;
		default:
			res->stop = UNWIND_STOP_BAD_DATA;
			res->stop_path = d ? d->path : NULL;
			return 0;
		}
		w.top = false;
		/* The stack grows down: a caller's frame is above ours. */
		if (w.regs.r[UNWIND_REG_SP] <= sp) {
			res->stop = UNWIND_STOP_BAD_DATA;
			res->stop_path = d ? d->path : NULL;
			return 0;
		}
		if (w.regs.r[UNWIND_REG_IP] == 0) {
			res->stop = UNWIND_STOP_OUTERMOST;
			return 0;
		}
	}
}

const char *unwind_stop_name(enum unwind_stop stop)
{
	static const char *const names[UNWIND_STOP_MAX] = {
		[UNWIND_STOP_OUTERMOST] = "reached the outermost frame",
		[UNWIND_STOP_TRUNCATED] = "truncated by the stack copy size",
		[UNWIND_STOP_NO_INFO] = "stopped for lack of unwind info",
		[UNWIND_STOP_NO_MAP] = "stopped at an address outside every map",
		[UNWIND_STOP_BAD_DATA] = "stopped on bad data",
		[UNWIND_STOP_LIMIT] = "stopped at the frame limit",
	};

	return stop < UNWIND_STOP_MAX ? names[stop] : "?";
}

void unwind_stats_add(struct unwind_stats *st, const struct unwind_result *res)
{
	st->nr_samples++;
	if (res->stop < UNWIND_STOP_MAX)
		st->nr_by_stop[res->stop]++;
	st->nr_frames += res->nr_ips;
	st->nr_sframe += res->nr_sframe;
	st->nr_cfi += res->nr_cfi;
	st->nr_fp += res->nr_fp;
	if ((res->stop == UNWIND_STOP_NO_INFO || res->stop == UNWIND_STOP_BAD_DATA) &&
	    res->stop_path) {
		struct unwind_stats_dso *grown;

		for (size_t i = 0; i < st->nr_dsos; i++) {
			if (st->dsos[i].path == res->stop_path && st->dsos[i].stop == res->stop) {
				st->dsos[i].nr++;
				return;
			}
		}
		grown = realloc(st->dsos, (st->nr_dsos + 1) * sizeof(*grown));
		if (!grown)
			return;
		st->dsos = grown;
		st->dsos[st->nr_dsos].path = res->stop_path;
		st->dsos[st->nr_dsos].stop = res->stop;
		st->dsos[st->nr_dsos].nr = 1;
		st->nr_dsos++;
	}
}

void unwind_stats_exit(struct unwind_stats *st)
{
	free(st->dsos);
	memset(st, 0, sizeof(*st));
}
