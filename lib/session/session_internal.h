/*
 * Private to lib/session: the session's state, threads and processes with
 * their map tables, the time-ordered queue, and the string pool that makes
 * equal comms equal pointers.
 */
#ifndef SFRAMETRACE_SESSION_INTERNAL_H
#define SFRAMETRACE_SESSION_INTERNAL_H

#include "sframetrace/session.h"

/* The sample_id trailer of a non-sample record. */
struct session_id {
	uint32_t pid, tid, cpu;
	uint64_t time, id;
	bool has_time;
};

int session_parse_id_trailer(const struct perf_event_attr *attr, const struct perf_event_header *ev,
			     struct session_id *out);

/* A process: the maps its threads share, sorted by start, not overlapping. */
struct session_proc {
	pid_t pid;
	struct session_map **maps;
	size_t nr_maps, cap_maps;
};

/*
 * Deferred user callchains (session_deferred.c). Samples wait per thread
 * for their PERF_RECORD_CALLCHAIN_DEFERRED; each thread also remembers its
 * last SESSION_DEFER_RECENT records, so that a sample delivered after its
 * own record (equal timestamps, CPUs whose clocks disagree, a record that
 * sorted first across rounds, a sample taken in the same kernel entry after
 * the record was written) is stitched at once. Such a sample has the cookie
 * of the thread's newest record, or of an older one with a time at most
 * SESSION_DEFER_SKEW_NS after that record's: a later one with an older
 * cookie belongs to a new kernel entry that reused it, and waits for the
 * next record.
 */
#define SESSION_DEFER_RECENT 4
#define SESSION_DEFER_SKEW_NS 100000ULL
/*
 * A thread holding this many samples (a recording whose records never
 * come) hands the older half on without user part, so that memory stays
 * bounded; one kernel entry rarely has a fraction of this many samples.
 */
#define SESSION_DEFER_MAX_HELD 65536

struct session_defer_held {
	const struct perf_event_header *ev;
	uint64_t offset, time, seq, cookie;
	bool owned;      /* a copy (pipe input) */
};

struct session_defer_recent {
	uint64_t cookie, time;
	uint64_t *ips;   /* the user stack, context markers dropped */
	size_t nr, cap;
	bool valid;
	bool used;       /* stitched a sample: not an orphan */
};

struct session_defer_thread {
	struct session_defer_held *held;
	size_t nr_held, cap_held;
	struct session_defer_recent recent[SESSION_DEFER_RECENT];
	unsigned int next_recent;
};

/* A thread as allocated: the public part first, then what only we see. */
struct session_thread_priv {
	struct session_thread pub;
	struct session_defer_thread defer;
};

static inline struct session_thread_priv *session_thread_priv(struct session_thread *t)
{
	return (struct session_thread_priv *)t;
}

struct session_queued {
	uint64_t time;
	uint64_t seq;
	uint64_t offset;
	const struct perf_event_header *ev;
	size_t evsel;    /* index of the record's evsel, found when queued */
	bool owned;      /* a copy (pipe input): freed after delivery */
};

struct session_strings {
	char **slots;    /* open addressing */
	size_t cap, nr;
};

struct session {
	struct data_reader *reader;
	struct symbol_cache *syms;
	struct session_unwinder unwinder;
	struct session_stats stats;
	char error[320];

	struct session_evsel *evsels;
	size_t nr_evsels;
	size_t reader_attrs;     /* attrs seen from the reader (pipe input grows) */
	bool has_callchains;
	bool ordered;            /* every event has sample_id_all + TIME */

	/* threads by tid: open addressing over pointers */
	struct session_thread **threads;
	size_t threads_cap, nr_threads;
	/* everything ever allocated, freed at the end */
	struct session_thread **all_threads;
	size_t nr_all_threads, cap_all_threads;
	struct session_proc **procs;
	size_t nr_procs, cap_procs;
	struct session_map **all_maps;
	size_t nr_all_maps, cap_all_maps;
	struct session_strings strings;

	struct session_queued *queue;
	size_t nr_queue, cap_queue;
	uint64_t seq;
	uint64_t next_flush, max_time, last_flush;

	struct session_frame *frames;
	size_t cap_frames;
	uint64_t *uw_ips;

	bool merge_deferred;
	uint64_t defer_seq;
};

/* session.c */
struct session_evsel *session_evsel_of(struct session *s, const struct perf_event_header *ev);
/*
 * Count sample, build its frames and hand it to ops->sample. user: the
 * user stack of its deferred record (in place of the marker), or NULL.
 */
int session_emit_sample(struct session *s, struct session_sample *sm, const uint64_t *user,
			size_t nr_user, const struct session_ops *ops);

/* session_thread.c */
struct session_thread *session_findnew_thread(struct session *s, pid_t pid, pid_t tid);
/* prot/flags from MMAP2; has_prot false for MMAP (perf assumes executable). */
int session_add_map(struct session *s, struct session_thread *t, uint64_t start, uint64_t len,
		    uint64_t pgoff, bool has_prot, uint32_t prot, uint32_t flags,
		    const char *filename);
int session_fork_thread(struct session *s, pid_t pid, pid_t tid, pid_t ppid, pid_t ptid);
void session_threads_free(struct session *s);

/* session_deferred.c */
/* Does the callchain end in PERF_CONTEXT_USER_DEFERRED? Sets deferred and cookie. */
bool session_defer_mark(struct session_sample *sm);
/* A parsed sample with the marker: stitch it now or hold it. */
int session_defer_sample(struct session *s, struct session_sample *sm,
			 const struct session_ops *ops);
int session_defer_record(struct session *s, const struct perf_event_header *ev,
			 const struct session_ops *ops);
/* The thread exits: its waiting samples go out without user part. */
int session_defer_thread_exit(struct session *s, struct session_thread *t,
			      const struct session_ops *ops);
/* End of input: every waiting sample goes out, in time order. */
int session_defer_flush_all(struct session *s, const struct session_ops *ops);
void session_defer_thread_free(struct session_thread_priv *t);

#endif
