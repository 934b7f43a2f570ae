/*
 * The thin perf_event layer, shaped like libperf: cpu and thread maps, evsel
 * (one event configuration opened on cpus x threads), evlist (the events of
 * a session and their ring buffers), mmap (a ring buffer reader), and the
 * kernel feature probes (deferred callchains, sframe_register).
 */
#ifndef SFRAMETRACE_EVENT_H
#define SFRAMETRACE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/perf_event.h>

/*
 * perf_event_attr flag bits newer than the installed headers
 * (kernel-abi.md): the 64-bit word at byte offset 40.
 */
#define EVENT_ATTR_FLAGS_OFFSET 40
#define EVENT_ATTR_BIT_DEFER_CALLCHAIN 38
#define EVENT_ATTR_BIT_DEFER_OUTPUT 39

void event_attr_set_flag_bit(struct perf_event_attr *attr, unsigned int bit, bool on);
bool event_attr_flag_bit(const struct perf_event_attr *attr, unsigned int bit);

struct cpu_map {
	int nr;
	int cpu[];
};

/* Online CPUs; a map of {-1} ("any cpu", per-thread mode); or parse "0-1,3". */
struct cpu_map *cpu_map_new_online(void);
struct cpu_map *cpu_map_new_any(void);
int cpu_map_parse(const char *list, struct cpu_map **out);
void cpu_map_free(struct cpu_map *map);

struct thread_map {
	int nr;
	pid_t pid[];
};

struct thread_map *thread_map_new(const pid_t *pids, int nr);
/* All tasks of a process, from /proc/PID/task. */
int thread_map_new_process(pid_t pid, struct thread_map **out);
void thread_map_free(struct thread_map *map);

struct evsel {
	struct perf_event_attr attr;
	char name[64];
	int ncpus, nthreads;
	int *fd;        /* [cpu index * nthreads + thread index], -1 if closed */
	uint64_t *id;   /* PERF_EVENT_IOC_ID of each fd */
};

struct evsel *evsel_new(const struct perf_event_attr *attr, const char *name);
void evsel_free(struct evsel *evsel);
/*
 * Open on every cpu x thread. On failure closes what it opened and returns
 * -errno; *failed_cpu / *failed_pid (may be NULL) say where.
 */
int evsel_open(struct evsel *evsel, const struct cpu_map *cpus,
	       const struct thread_map *threads, int *failed_cpu, pid_t *failed_pid);
void evsel_close(struct evsel *evsel);
int evsel_fd(const struct evsel *evsel, int cpu_idx, int thread_idx);

/* Parse an event name as perf does ("cpu-clock", "task-clock", "cycles",
 * "page-faults", "sched:sched_switch", ...) into attr.type/config.
 * -ENOENT for an unknown name; tracepoints need tracefs (mounted on demand).
 */
int event_parse_name(const char *name, struct perf_event_attr *attr);

struct perf_mmap {
	void *base;          /* control page, then 2^n data pages */
	size_t data_size;
	uint64_t prev;       /* our read position (data_tail) */
	int fd;
	char *copy;          /* a record that wraps is copied here */
	size_t copy_size;
	uint64_t start, end; /* window of the current read pass */
};

int perf_mmap_init(struct perf_mmap *map, int fd, size_t data_pages);
void perf_mmap_exit(struct perf_mmap *map);
/* Begin a pass: snapshot data_head (with the barrier the ABI requires). */
int perf_mmap_read_init(struct perf_mmap *map);
/* Next record of the pass, or NULL at its end. Valid until the next call. */
const struct perf_event_header *perf_mmap_read_event(struct perf_mmap *map);
/* Release what the pass read to the kernel (data_tail, with a barrier). */
void perf_mmap_read_done(struct perf_mmap *map);

struct evlist {
	struct evsel **entries;
	int nr;
	struct cpu_map *cpus;        /* owned */
	struct thread_map *threads;  /* owned */
	struct perf_mmap *mmaps;
	int nr_mmaps;
	struct pollfd *pollfd;
};

struct evlist *evlist_new(struct cpu_map *cpus, struct thread_map *threads);
void evlist_free(struct evlist *evlist);
int evlist_add(struct evlist *evlist, struct evsel *evsel);
int evlist_open(struct evlist *evlist, int *failed_idx, int *failed_cpu, pid_t *failed_pid);
/* One ring buffer per cpu (per thread in per-thread mode); the other fds
 * redirect their output into it (PERF_EVENT_IOC_SET_OUTPUT). */
int evlist_mmap(struct evlist *evlist, size_t data_pages);
int evlist_enable(struct evlist *evlist);
int evlist_disable(struct evlist *evlist);
/* poll() the ring buffers; returns poll's result or -errno. */
int evlist_poll(struct evlist *evlist, int timeout_ms);

/* The tracefs events directory (tracefs is mounted when it is not). */
int event_tracefs_events_dir(char *out, size_t len);

/*
 * perf's TRACING_DATA blob (version 0.6) for the tracepoints with these
 * ids: header_page, header_event and each event's format file, so readers
 * can decode the raw tracepoint data. *out is malloc'ed.
 */
int event_tracing_data(const uint64_t *ids, size_t nr, uint8_t **out, size_t *len);

/* Kernel feature probes. */
/* 0 when a sampling event with defer_callchain opens, else -errno. */
int event_probe_defer_callchain(void);
/*
 * 0 when an event like base (type/config) can be opened on this task
 * (disabled, user only): e.g. whether a hardware PMU exists for cycles.
 */
int event_probe_event(const struct perf_event_attr *base);
/* An integer from a /proc/sys or sysfs file, or def. */
int event_read_int(const char *path, int def);
/* 0 when MMAP2 records can carry build ids (attr.build_id, Linux 5.12+). */
int event_probe_mmap_build_id(void);
/* 0 when the syscall exists (EINVAL for a bad size), -ENOSYS when absent. */
int event_probe_sframe_register(long nr);
/* The syscall number to use: $SFRAMETRACE_SFRAME_REGISTER_NR or the default. */
long event_sframe_register_nr(void);
long event_sframe_unregister_nr(void);

long event_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu,
			   int group_fd, unsigned long flags);

/*
 * Synthesized records, as perf writes them for what existed before
 * recording started. Each record is handed to emit(); sample_type decides
 * the sample_id trailer (sample_id_all is assumed), id fills its ID fields.
 */
typedef int (*event_emit_fn)(void *arg, const void *rec, size_t len);

struct event_synth {
	uint64_t sample_type;
	uint64_t id;
	event_emit_fn emit;
	void *arg;
};

/* PERF_RECORD_MMAP of "[kernel.kallsyms]_text" from /proc/kallsyms. */
int event_synth_kernel_mmap(const struct event_synth *s);
/* COMM for each thread and MMAP2 for each executable mapping of pid. */
int event_synth_process(const struct event_synth *s, pid_t pid);
/* Every process in /proc (system-wide mode). */
int event_synth_all(const struct event_synth *s);

/* Bytes of the sample_id trailer for sample_type. */
size_t event_sample_id_size(uint64_t sample_type);

#endif
