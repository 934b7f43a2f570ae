/*
 * Report-time unwinding of user stacks from a sample's registers and its
 * copy of the user stack (perf's REGS_USER + STACK_USER), for x86_64:
 * SFrame first (the DSO's .sframe), then DWARF CFI (.eh_frame or
 * .debug_frame through libdw), then the frame pointer when it is sane; or
 * DWARF CFI only, as perf's --call-graph dwarf does.
 *
 * Knows nothing of perf.data: the caller says where a pc is mapped
 * (unwind_find_map) and hands in the registers and the stack bytes. Per
 * DSO data (the .sframe section, validated once; the CFI) is cached for the
 * life of the unwinder.
 */
#ifndef SFRAMETRACE_UNWIND_H
#define SFRAMETRACE_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum unwind_mode {
	UNWIND_SFRAME,   /* SFrame, then DWARF CFI, then frame pointer, per frame */
	UNWIND_DWARF,    /* DWARF CFI only */
};

/* Why a walk ended. */
enum unwind_stop {
	UNWIND_STOP_OUTERMOST,   /* reached the outermost frame (_start, thread start) */
	UNWIND_STOP_TRUNCATED,   /* needed stack beyond the copy */
	UNWIND_STOP_NO_INFO,     /* a DSO had no usable unwind data for the pc */
	UNWIND_STOP_NO_MAP,      /* a pc outside every map */
	UNWIND_STOP_BAD_DATA,    /* data led nowhere: sp not growing, bad rule, loop */
	UNWIND_STOP_LIMIT,       /* the frame limit */
	UNWIND_STOP_MAX
};

/* Registers by DWARF number (x86_64: 6 rbp, 7 rsp, 16 return address = ip). */
#define UNWIND_NR_REGS 17
#define UNWIND_REG_BP 6
#define UNWIND_REG_SP 7
#define UNWIND_REG_IP 16

struct unwind_regs {
	uint64_t r[UNWIND_NR_REGS];
	uint32_t valid;          /* bit n: r[n] is known */
};

/* Fill regs from perf's x86_64 sample_regs_user mask and values. */
void unwind_regs_from_perf(struct unwind_regs *regs, uint64_t mask, const uint64_t *values,
			   size_t nr_values);

/* Where a pc is mapped: the file (or NULL for anonymous memory) and how. */
struct unwind_map {
	uint64_t start, end, pgoff;
	const char *path;        /* the file as recorded; NULL: no file */
};

/*
 * 0 and *map filled, or -ENOENT when no map covers pc. The path strings
 * must not change or be freed while the unwinder lives: they are cached
 * by pointer.
 */
typedef int (*unwind_find_map)(void *ctx, uint64_t pc, struct unwind_map *map);

struct unwind_result {
	size_t nr_ips;
	enum unwind_stop stop;
	const char *stop_path;   /* the DSO it stopped in (NO_INFO, BAD_DATA), or NULL */
	unsigned int nr_sframe, nr_cfi, nr_fp;   /* frames found by each method */
};

struct unwinder;

struct unwind_opts {
	enum unwind_mode mode;
	const char *symfs;       /* prefix for DSO paths */
	unsigned int max_frames; /* default 512 */
};

int unwinder_new(struct unwinder **out, const struct unwind_opts *opts);
void unwinder_free(struct unwinder *u);

/*
 * Walk one stack. stack holds stack_size bytes copied from address
 * regs->r[UNWIND_REG_SP] upwards. ips[0] is the sampled ip, then each
 * caller's return address - 1 (perf's convention: the address inside the
 * call; a frame interrupted by a signal keeps its exact pc). Returns 0 (the result says how far it got and
 * why it stopped) or a negative errno for an unusable call (no ip or sp).
 */
int unwind_stack(struct unwinder *u, const struct unwind_regs *regs, const uint8_t *stack,
		 uint64_t stack_size, unwind_find_map find_map, void *ctx, uint64_t *ips,
		 size_t max, struct unwind_result *res);

/* Accounting over many walks, for report --unwind-stats. */
struct unwind_stats {
	uint64_t nr_samples;
	uint64_t nr_by_stop[UNWIND_STOP_MAX];
	uint64_t nr_frames, nr_sframe, nr_cfi, nr_fp;
	/* DSOs that stopped walks for lack of unwind info or on bad data */
	struct unwind_stats_dso {
		const char *path;
		enum unwind_stop stop;
		uint64_t nr;
	} *dsos;
	size_t nr_dsos;
};

void unwind_stats_add(struct unwind_stats *st, const struct unwind_result *res);
void unwind_stats_exit(struct unwind_stats *st);
const char *unwind_stop_name(enum unwind_stop stop);

#endif
