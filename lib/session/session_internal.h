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

struct session_queued {
	uint64_t time;
	uint64_t seq;
	uint64_t offset;
	const struct perf_event_header *ev;
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
};

/* session_thread.c */
struct session_thread *session_findnew_thread(struct session *s, pid_t pid, pid_t tid);
/* prot/flags from MMAP2; has_prot false for MMAP (perf assumes executable). */
int session_add_map(struct session *s, struct session_thread *t, uint64_t start, uint64_t len,
		    uint64_t pgoff, bool has_prot, uint32_t prot, uint32_t flags,
		    const char *filename);
int session_fork_thread(struct session *s, pid_t pid, pid_t tid, pid_t ppid, pid_t ptid);
void session_threads_free(struct session *s);

#endif
