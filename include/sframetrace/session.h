/*
 * A perf.data session: events from a data_reader delivered in time order
 * (perf's FINISHED_ROUND rule), threads, comms and memory maps kept from
 * COMM/FORK/EXIT/MMAP/MMAP2 so that every sample resolves against the maps
 * live when it was taken, and each sample's stack turned into frames:
 * kernel part and user part from the callchain, or the user part from an
 * unwinder plugged in through struct session_unwinder.
 */
#ifndef SFRAMETRACE_SESSION_H
#define SFRAMETRACE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/perf_event.h>

struct data_reader;
struct symbol_cache;
struct symbol_dso;
struct session;
struct session_proc;

struct session_evsel {
	struct perf_event_attr attr;
	const char *name;        /* "cpu-clock", "sched:sched_switch", ... */
	size_t idx;
	uint64_t nr_samples;
	uint64_t total_period;
};

struct session_map {
	uint64_t start, end, pgoff;
	const char *filename;
	struct symbol_dso *dso;
	uint32_t prot;
};

struct session_thread {
	pid_t pid, tid;
	const char *comm;        /* interned: equal comms are equal pointers */
	bool exited;
	struct session_proc *proc;
};

/* One resolved stack frame. */
struct session_frame {
	uint64_t ip;
	uint8_t cpumode;         /* PERF_RECORD_MISC_KERNEL / _USER / ... */
	struct symbol_dso *dso;  /* NULL: no map covers ip ([unknown]) */
	uint64_t addr;           /* perf's map-relative address (absolute for the kernel) */
	bool unwound;            /* from the report-time unwinder (a stack copy) */
};

struct session_sample {
	const struct perf_event_header *header;
	uint64_t file_offset;
	struct session_evsel *evsel;
	uint8_t cpumode;
	uint64_t ip, time, addr, id, stream_id, period;
	uint32_t pid, tid, cpu;
	const uint64_t *callchain;   /* raw, with PERF_CONTEXT_* markers */
	uint64_t nr_callchain;
	const void *raw;
	uint32_t raw_size;
	uint64_t regs_abi, regs_mask;
	const uint64_t *regs;        /* user regs in mask order */
	const uint8_t *stack;        /* user stack copy */
	uint64_t stack_size;         /* valid bytes (dyn_size) */
	struct session_thread *thread;
	/* The stack, innermost first (sample ip first). */
	struct session_frame *frames;
	size_t nr_frames;
	/*
	 * The callchain ends in PERF_CONTEXT_USER_DEFERRED and a cookie: its
	 * user part comes in a PERF_RECORD_CALLCHAIN_DEFERRED record. With
	 * stitching on (the default) frames already hold that record's user
	 * stack when one came (deferred_stitched); with it off they hold the
	 * kernel part only.
	 */
	bool deferred;
	bool deferred_stitched;
	uint64_t cookie;
};

/*
 * A PERF_RECORD_CALLCHAIN_DEFERRED record, parsed: the user stack the
 * kernel walked on the way back to user space, for every sample of
 * pid/tid whose callchain ended with the same cookie.
 */
struct session_deferred {
	struct session_evsel *evsel;
	uint32_t pid, tid, cpu;      /* cpu (uint32_t)-1 when not sampled */
	uint64_t time;
	bool has_tid, has_time;
	uint64_t cookie;
	/* As written: raw user addresses, or (patch versions) after a PERF_CONTEXT_USER. */
	const uint64_t *ips;
	uint64_t nr;
};

/*
 * The one place report-time unwinding plugs in: given a sample with user
 * regs and a stack copy, write its user frames (innermost first, the
 * sample's user ip first) to frames; return how many, or negative errno.
 */
struct session_unwinder {
	int (*unwind)(void *ctx, struct session *s, const struct session_sample *sample,
		      uint64_t *ips, size_t max);
	void *ctx;
};

struct session_ops {
	/* Each sample, in time order, with frames resolved. Non-zero stops. */
	int (*sample)(void *ctx, struct session *s, struct session_sample *sample);
	/* Every record, in time order, before it is applied (optional). */
	int (*record)(void *ctx, struct session *s, const struct perf_event_header *ev,
		      uint64_t time);
	/* Progress: bytes done of total (total 0 for a pipe). Optional. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
	void *progress_ctx;
};

struct session_stats {
	uint64_t nr_records;
	uint64_t nr_samples;
	uint64_t nr_lost;           /* events lost (PERF_RECORD_LOST) */
	uint64_t nr_lost_samples;   /* PERF_RECORD_LOST_SAMPLES */
	uint64_t nr_unknown;        /* records of types we do not know */
	uint64_t nr_out_of_order;   /* records older than an already flushed round */
	uint64_t nr_bad_samples;    /* samples that did not parse */
	/* Deferred user callchains (PERF_RECORD_CALLCHAIN_DEFERRED) */
	uint64_t nr_deferred_records;   /* records read */
	uint64_t nr_deferred_samples;   /* samples whose callchain has the marker */
	uint64_t nr_deferred_stitched;  /* delivered with a record's user stack */
	uint64_t nr_deferred_unmatched; /* delivered without: their record never came */
	uint64_t nr_deferred_exited;    /* ... of those, whose thread exited or was still
	                                 * in the kernel when the input ended */
	uint64_t nr_deferred_orphans;   /* records no sample matched */
	uint64_t nr_by_type[128];
};

int session_new(struct session **out, struct data_reader *r, struct symbol_cache *syms);
void session_free(struct session *s);
void session_set_unwinder(struct session *s, const struct session_unwinder *u);
/*
 * Stitch deferred user callchains (default true): a sample whose callchain
 * ends with PERF_CONTEXT_USER_DEFERRED is held until the thread's
 * PERF_RECORD_CALLCHAIN_DEFERRED with the same cookie, then delivered with
 * that record's user stack after its kernel part; one whose record never
 * comes is delivered with its kernel part when its thread exits or at the
 * end. With false samples go out at once with their kernel part and the
 * cookie (sample->deferred), and the records are only passed to ops->record.
 * Call before session_process.
 */
void session_set_merge_deferred(struct session *s, bool merge);

/*
 * Read every record and deliver samples through ops. 0, or negative errno
 * with session_error() saying what and where.
 */
int session_process(struct session *s, const struct session_ops *ops);
const char *session_error(const struct session *s);
const struct session_stats *session_stats(const struct session *s);

size_t session_nr_evsels(const struct session *s);
struct session_evsel *session_evsel(struct session *s, size_t i);
bool session_has_callchains(const struct session *s);

/* Threads for tools that walk them (top, script's comm lookups). */
struct session_thread *session_find_thread(struct session *s, pid_t tid);
/* The map of ip in thread's process at the current time, or NULL. */
const struct session_map *session_thread_find_map(const struct session_thread *t, uint64_t ip);
/* Resolve one ip into a frame (dso and perf's map-relative address). */
void session_resolve_frame(struct session *s, const struct session_thread *t, uint8_t cpumode,
			   uint64_t ip, struct session_frame *out);

/* A copy of str owned by the session; equal strings give equal pointers. */
const char *session_intern(struct session *s, const char *str);

/*
 * Parse a PERF_RECORD_CALLCHAIN_DEFERRED record (for ops->record callers
 * that print it). 0, or -EINVAL when it is cut short.
 */
int session_parse_deferred(struct session *s, const struct perf_event_header *ev,
			   struct session_deferred *out);

/* Parse a sample record for an attr (exposed for tests and fuzzing). */
int session_parse_sample(const struct perf_event_attr *attr, const struct perf_event_header *ev,
			 struct session_sample *out);

#endif
