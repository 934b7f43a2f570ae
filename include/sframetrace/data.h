/*
 * perf.data writing (and, later, reading). The file layout is perf's
 * PERFILE2 format, so Linux perf reads what we write.
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
	PERF_RECORD_HEADER_ATTR = 64,
	PERF_RECORD_HEADER_BUILD_ID = 67,
	PERF_RECORD_FINISHED_ROUND = 68,
	PERF_RECORD_ID_INDEX = 69,
	PERF_RECORD_THREAD_MAP = 73,
	PERF_RECORD_CPU_MAP = 74,
	PERF_RECORD_TIME_CONV = 79,
	PERF_RECORD_HEADER_FEATURE = 80,
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
	DATA_FEAT_SAMPLE_TIME = 21,
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

#endif
