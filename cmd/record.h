/*
 * Shared state of `sframetrace record`, split over cmd_record.c (options,
 * workload, main loop), record_events.c (event setup, output) and
 * record_track.c (which DSOs samples hit, for the build-id table).
 */
#ifndef SFRAMETRACE_RECORD_H
#define SFRAMETRACE_RECORD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sframetrace/data.h>
#include <sframetrace/event.h>

#define RECORD_DEFAULT_FREQ 4000
#define RECORD_DEFAULT_STACK 8192
#define RECORD_MAX_STACK 65528
#define RECORD_MAX_EVENTS 16
#define RECORD_DEFAULT_PAGES 128
/*
 * A deferred user stack this short is what a frame-pointer walk gives in
 * code built without frame pointers (the leaf, then one stray frame). In
 * the VM tests, FP-built programs had 3% of their stacks this short (the
 * dynamic linker's start), FP-less ones 99%: record warns above
 * RECORD_DEFER_SHORT_PERCENT, once it has RECORD_DEFER_SHORT_MIN stacks.
 */
#define RECORD_DEFER_SHORT_FRAMES 2
#define RECORD_DEFER_SHORT_PERCENT 50
#define RECORD_DEFER_SHORT_MIN 20

enum record_cg {
	RECORD_CG_NONE,
	RECORD_CG_FP,
	RECORD_CG_DEFER,
	RECORD_CG_SFRAME,
	RECORD_CG_DWARF,
	RECORD_CG_AUTO,
};

/* --register-sframe: inject the LD_AUDIT library into the workload? */
enum record_reg {
	RECORD_REG_AUTO,        /* when the kernel has sframe_register */
	RECORD_REG_ALWAYS,
	RECORD_REG_NEVER,
};

struct record_opts {
	const char *events[RECORD_MAX_EVENTS];
	int nr_events;
	unsigned long freq;
	unsigned long long period;
	enum record_cg cg;
	bool cg_explicit;
	uint32_t stack_size;
	const char *output;
	bool system_wide;
	const char *cpu_list;
	pid_t *pids;
	int nr_pids;
	bool per_tid;
	bool no_inherit;
	size_t mmap_pages;
	bool quiet;
	int verbose;
	enum record_reg register_sframe;
	char **argv;
	int argc;
};

struct record_dso {
	char *name;
	bool hit;
	bool kernel;
	uint8_t build_id[20];
	int build_id_len;
};

struct record_map {
	pid_t pid;
	uint64_t start, end;
	int dso;
};

struct record_track {
	uint64_t sample_type;
	uint64_t samples;
	uint64_t lost;
	uint64_t lost_samples;
	uint64_t deferred;          /* PERF_RECORD_CALLCHAIN_DEFERRED records */
	uint64_t deferred_short;    /* ... with at most RECORD_DEFER_SHORT_FRAMES user frames */
	uint64_t deferred_samples;  /* samples whose callchain waits for one */
	uint64_t first_time, last_time;
	struct record_dso *dsos;
	int nr_dsos;
	struct record_map *maps;
	int nr_maps, cap_maps;
	pid_t *fork_child, *fork_parent;
	int nr_forks;
	bool kernel_hit;
};

struct record_audit {
	bool on;                 /* the workload gets LD_AUDIT */
	bool own_log;            /* log is our temporary file (removed at exit) */
	bool kernel_registers;   /* the kernel has sframe_register */
	char lib[PATH_MAX];      /* realpath of the library */
	char log[4096];
	long long log_offset;    /* where this run's lines start in a user's log */
};

struct record {
	struct record_opts opts;
	struct evlist *evlist;
	struct data_writer *writer;
	struct record_track track;
	struct perf_event_attr attrs[RECORD_MAX_EVENTS];
	char names[RECORD_MAX_EVENTS][64];
	int nr_attrs;
	enum record_cg cg;       /* resolved mode */
	bool mmap_build_id;      /* the kernel puts build ids in MMAP2 */
	pid_t child;
	int go_fd, err_fd;
	int child_status;
	bool child_reaped;
	uint64_t bytes_written;
	struct record_audit audit;
};

int record_parse_call_graph(const char *arg, struct record_opts *o);
/* "1,2,3" into a malloc'ed array; -EINVAL for anything but positive ids. */
int record_parse_pid_list(const char *s, pid_t **out, int *nr);
/* One line on why evlist_open failed, prefixed with who ("sframetrace top"). */
void record_print_open_error(const char *who, const struct record *r, int err, int idx,
			     int cpu, pid_t pid);
const char *record_cg_name(enum record_cg cg);

/* Decide events and the call-graph mode, with fallbacks and messages. */
int record_setup_events(struct record *r);
int record_build_evlist(struct record *r);
int record_write_attrs(struct record *r);
/* Tracepoint formats for perf, when any event is a tracepoint. */
int record_write_tracing_data(struct record *r);
int record_synthesize(struct record *r, event_emit_fn emit);
/* Build ids, sample times, close the file. */
int record_finish(struct record *r);
void record_print_summary(const struct record *r);

/* Build the attr for event i in the resolved mode (unit-tested). */
void record_init_attr(const struct record *r, struct perf_event_attr *attr,
		      bool tracking);

/* .sframe registration through libsframetrace-audit.so (record_audit.c). */
int record_parse_register_sframe(const char *arg, enum record_reg *out);
int record_audit_setup(struct record *r);
void record_audit_child_env(const struct record *r);
void record_audit_summary(const struct record *r);
void record_audit_exit(struct record *r);

void record_track_event(struct record_track *t, const struct perf_event_header *h);
void record_track_exit(struct record_track *t);

#endif
