/*
 * perf.data writing and reading. The file layout is perf's PERFILE2
 * format, so Linux perf reads what we write and we read what perf writes
 * (files and the pipe format of `perf record -o -`).
 */
#ifndef SFRAMETRACE_DATA_H
#define SFRAMETRACE_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/perf_event.h>

/* Record types perf's tools add to the kernel's (perf.data-file-format). */
enum {
	PERF_RECORD_USER_TYPE_START = 64,
	PERF_RECORD_HEADER_ATTR = 64,
	PERF_RECORD_HEADER_EVENT_TYPE = 65,
	PERF_RECORD_HEADER_TRACING_DATA = 66,
	PERF_RECORD_HEADER_BUILD_ID = 67,
	PERF_RECORD_FINISHED_ROUND = 68,
	PERF_RECORD_ID_INDEX = 69,
	PERF_RECORD_THREAD_MAP = 73,
	PERF_RECORD_CPU_MAP = 74,
	PERF_RECORD_EVENT_UPDATE = 78,
	PERF_RECORD_TIME_CONV = 79,
	PERF_RECORD_HEADER_FEATURE = 80,
	PERF_RECORD_COMPRESSED = 81,
	PERF_RECORD_FINISHED_INIT = 82,
	PERF_RECORD_AUXTRACE = 71,
};

/* Kernel record type of deferred user callchains (kernel-abi.md). */
#define PERF_RECORD_CALLCHAIN_DEFERRED_TYPE 22
#define PERF_CONTEXT_USER_DEFERRED_MARK ((uint64_t)-640)

/* Feature bits of the header's feature bitmap (perf's HEADER_*). */
enum data_feature {
	DATA_FEAT_TRACING_DATA = 1,
	DATA_FEAT_BUILD_ID = 2,
	DATA_FEAT_HOSTNAME = 3,
	DATA_FEAT_OSRELEASE = 4,
	DATA_FEAT_VERSION = 5,
	DATA_FEAT_ARCH = 6,
	DATA_FEAT_NRCPUS = 7,
	DATA_FEAT_CPUDESC = 8,
	DATA_FEAT_CPUID = 9,
	DATA_FEAT_TOTAL_MEM = 10,
	DATA_FEAT_CMDLINE = 11,
	DATA_FEAT_EVENT_DESC = 12,
	DATA_FEAT_CPU_TOPOLOGY = 13,
	DATA_FEAT_NUMA_TOPOLOGY = 14,
	DATA_FEAT_BRANCH_STACK = 15,
	DATA_FEAT_PMU_MAPPINGS = 16,
	DATA_FEAT_GROUP_DESC = 17,
	DATA_FEAT_AUXTRACE = 18,
	DATA_FEAT_STAT = 19,
	DATA_FEAT_CACHE = 20,
	DATA_FEAT_SAMPLE_TIME = 21,
	DATA_FEAT_MEM_TOPOLOGY = 22,
	DATA_FEAT_CLOCKID = 23,
	DATA_FEAT_DIR_FORMAT = 24,
	DATA_FEAT_BPF_PROG_INFO = 25,
	DATA_FEAT_BPF_BTF = 26,
	DATA_FEAT_COMPRESSED = 27,
	DATA_FEAT_CPU_PMU_CAPS = 28,
	DATA_FEAT_CLOCK_DATA = 29,
	DATA_FEAT_HYBRID_TOPOLOGY = 30,
	DATA_FEAT_PMU_CAPS = 31,
	DATA_FEAT_MAX = 256,
};

struct data_writer;

/*
 * Start writing perf.data to path. The bytes go to "<path>.partial" until
 * data_writer_close(w, true) renames it over path (an existing path becomes
 * "<path>.old", as perf does); so a failed or killed recording never leaves
 * a file at path that looks complete. path "-" is not supported (yet).
 * 0 or negative errno.
 */
int data_writer_open(struct data_writer **w, const char *path);

/*
 * Declare one event (before the first data_writer_write): its attr as
 * passed to perf_event_open, a name ("cpu-clock"), and the sample ids the
 * kernel gave its file descriptors (PERF_EVENT_IOC_ID).
 */
int data_writer_add_attr(struct data_writer *w, const struct perf_event_attr *attr,
			 const char *name, const uint64_t *ids, size_t nr_ids);

/* Append records (each starting with struct perf_event_header). */
int data_writer_write(struct data_writer *w, const void *buf, size_t len);

/* Bytes of record data written so far. */
uint64_t data_writer_data_size(const struct data_writer *w);

/* Metadata for the feature sections, any time before close. */
void data_writer_set_cmdline(struct data_writer *w, int argc, char *const *argv);
void data_writer_set_sample_time(struct data_writer *w, uint64_t first, uint64_t last);
/*
 * The TRACING_DATA feature (tracepoint formats perf needs to read tracepoint
 * samples), built by event_tracing_data(); copied.
 */
int data_writer_set_tracing_data(struct data_writer *w, const void *blob, size_t len);
/* misc: PERF_RECORD_MISC_USER or _KERNEL; build_id up to 20 bytes. */
int data_writer_add_build_id(struct data_writer *w, pid_t pid, uint16_t misc,
			     const uint8_t *build_id, size_t len,
			     const char *filename);

/*
 * Finish: with commit, write the feature sections and the final header,
 * fsync and rename into place; without, remove the partial file.
 * Frees w either way. 0 or negative errno (the partial file is removed on
 * error).
 */
int data_writer_close(struct data_writer *w, bool commit);

/* ---- reading ---- */

struct data_reader;

struct data_reader_attr {
	struct perf_event_attr attr;  /* zero-extended to our struct size */
	const char *name;             /* EVENT_DESC / EVENT_UPDATE name or NULL */
	const uint64_t *ids;
	size_t nr_ids;
};

struct data_reader_build_id {
	pid_t pid;
	uint16_t misc;                /* PERF_RECORD_MISC_KERNEL / _USER / ... */
	uint8_t id[20];
	size_t len;
	const char *filename;
};

/* What the header's feature sections said (NULL / 0 when absent). */
struct data_reader_info {
	const char *hostname, *osrelease, *version, *arch, *cpudesc, *cpuid;
	uint32_t nr_cpus_avail, nr_cpus_online;
	uint64_t total_mem;           /* kB */
	const char *const *cmdline;
	size_t nr_cmdline;
	bool has_sample_time;
	uint64_t sample_first, sample_last;
	uint64_t features[4];         /* the header's feature bitmap */
	size_t nr_unknown_features;   /* set bits we do not read */
};

/*
 * Open a perf.data file, or standard input for "-". Reads the header, the
 * attrs and the feature sections; data records come from data_reader_next.
 * On failure returns a negative errno and writes a one-line reason (naming
 * the file offset where it applies) to err.
 */
int data_reader_open(struct data_reader **out, const char *path, char *err, size_t errlen);
void data_reader_close(struct data_reader *r);

bool data_reader_is_pipe(const struct data_reader *r);
/* In pipe mode attrs arrive with the data: the count can grow. */
size_t data_reader_nr_attrs(const struct data_reader *r);
const struct data_reader_attr *data_reader_attr(const struct data_reader *r, size_t i);
const struct data_reader_info *data_reader_info(const struct data_reader *r);
size_t data_reader_nr_build_ids(const struct data_reader *r);
const struct data_reader_build_id *data_reader_build_id(const struct data_reader *r, size_t i);

/*
 * The next record of the data section. Returns 1 with *ev pointing at it
 * (for a file, valid until data_reader_close; for a pipe, only until the
 * next call) and *offset its position in the file or stream; 0 at the end;
 * negative errno with data_reader_error() saying what and where.
 * Header records of the pipe format (attrs, names, build ids, features,
 * tracing data) are consumed here and not returned.
 */
int data_reader_next(struct data_reader *r, const struct perf_event_header **ev,
		     uint64_t *offset);
const char *data_reader_error(const struct data_reader *r);
/*
 * After data_reader_next returned 0: a warning (a truncated data section
 * read up to its last whole record), or NULL.
 */
const char *data_reader_warning(const struct data_reader *r);
/* Where the data section is (0, 0 for a pipe). */
void data_reader_data_section(const struct data_reader *r, uint64_t *offset, uint64_t *size);
/* Data bytes consumed so far and in all (0 when unknown, for a pipe). */
void data_reader_progress(const struct data_reader *r, uint64_t *done, uint64_t *total);

#endif
