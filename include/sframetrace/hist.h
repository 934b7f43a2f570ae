/*
 * Histograms: samples with resolved stacks become entries keyed by the
 * sort keys (comm, dso, sym, pid, tid, cpu, srcline), with self and
 * children (cumulative) periods and call-graph trees, then sorted the way
 * perf report sorts them. Knows nothing of files: callers hand it frames
 * whose symbols they already looked up.
 */
#ifndef SFRAMETRACE_HIST_H
#define SFRAMETRACE_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hist_key {
	HIST_KEY_COMM,
	HIST_KEY_DSO,
	HIST_KEY_SYM,
	HIST_KEY_PID,
	HIST_KEY_TID,
	HIST_KEY_CPU,
	HIST_KEY_SRCLINE,
	HIST_KEY_MAX
};

#define HIST_MAX_KEYS 8

/* One frame of a sample, symbolized. */
struct hist_frame {
	const char *dso;          /* short name; NULL = [unknown] */
	const char *dso_long;     /* long name (path); NULL = [unknown] */
	const void *dso_id;       /* identity of the DSO (pointer equality) */
	const char *sym;          /* NULL = unresolved */
	uint64_t sym_start;       /* identity of the symbol within its DSO */
	uint64_t addr;            /* perf's address (shown for unresolved) */
	uint64_t ip;              /* the raw ip (call graphs show it unresolved) */
	const char *srcline;      /* "file.c:12" (interned by caller) or NULL */
	char level;               /* '.', 'k', 'H', 'g', 'u' */
	bool inlined;
};

struct hist_sample {
	const char *comm;         /* interned (equal comms are equal pointers) */
	int pid, tid, cpu;
	const void *thread;       /* identity of the thread */
	const char *const *thread_comm;   /* the thread's latest comm, as it changes */
	uint64_t period;
	const struct hist_frame *frames;   /* innermost first */
	size_t nr_frames;
	/* the sample's own entry, when it differs from frames[0] (an inline chain there) */
	const struct hist_frame *self;
};

/* A call-graph tree node; children sorted by hits when output. */
struct hist_node {
	struct hist_frame frame;
	uint64_t hits;                    /* period through this node */
	uint64_t self;                    /* period ending here */
	struct hist_node **children;
	size_t nr_children, cap_children;
	size_t seq;                       /* creation order among siblings */
};

struct hist_entry {
	const char *comm;
	int pid, tid, cpu;
	const void *thread;
	const char *const *thread_comm;
	struct hist_frame frame;
	uint64_t period_self, period_children;
	uint64_t nr_samples;
	unsigned int max_depth;
	struct hist_node root;            /* the call graph (when kept) */
	size_t seq;                       /* creation order */
	uint64_t stamp;                   /* last sample that counted here */
};

enum hist_order { HIST_ORDER_CALLEE, HIST_ORDER_CALLER };

struct hist_opts {
	enum hist_key keys[HIST_MAX_KEYS];
	size_t nr_keys;
	bool children;            /* cumulate periods through callers */
	bool graph;               /* keep call-graph trees */
	enum hist_order order;
};

struct hists;

int hists_new(struct hists **out, const struct hist_opts *opts);
void hists_free(struct hists *h);
/* Add a sample: its own entry, and with children one per distinct caller. */
int hists_add_sample(struct hists *h, const struct hist_sample *s);
/*
 * Drop the entries keep() rejects (report's --comm/--dso/--symbols). They
 * stay counted in the total period, as perf's percentages are absolute.
 */
void hists_filter(struct hists *h, bool (*keep)(void *ctx, const struct hist_entry *e), void *ctx);
/* Sum of the self periods of the entries left (for relative percentages). */
uint64_t hists_shown_period(const struct hists *h);
/* Sort the entries for output (perf report's order). */
void hists_sort(struct hists *h);
size_t hists_nr_entries(const struct hists *h);
struct hist_entry *hists_entry(struct hists *h, size_t i);
uint64_t hists_total_period(const struct hists *h);
uint64_t hists_nr_samples(const struct hists *h);

/* Parse "comm,dso,sym" (perf's names; "overhead" accepted and ignored). */
int hist_parse_keys(const char *spec, struct hist_opts *opts, char *err, size_t errlen);
const char *hist_key_name(enum hist_key k);

#endif
