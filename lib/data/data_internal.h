/*
 * Private to lib/data: the writer's state and the in-memory byte buffer the
 * feature sections are built in, shared by data_writer.c (file layout,
 * buffered I/O, commit/rename) and data_features.c (feature payloads).
 */
#ifndef SFRAMETRACE_DATA_INTERNAL_H
#define SFRAMETRACE_DATA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/perf_event.h>

#include "sframetrace/data.h"

/*
 * perf 6.1 knows attrs up to PERF_ATTR_SIZE_VER7; writing exactly that size
 * keeps it from rejecting a file because newer headers grew the struct.
 */
#define DATA_ATTR_SIZE PERF_ATTR_SIZE_VER7
#define DATA_HEADER_SIZE 104
/* perf pads header strings and build-id filenames to this. */
#define DATA_NAME_ALIGN 64
#define DATA_BUILD_ID_MAX 20
/* The build_id array of perf's build_id_event is 20 bytes padded to 24. */
#define DATA_BUILD_ID_FIELD 24
/* perf's PERF_RECORD_MISC_BUILD_ID_SIZE: byte 20 of build_id holds the size. */
#define DATA_MISC_BUILD_ID_SIZE (1u << 15)

struct data_attr {
	unsigned char attr[DATA_ATTR_SIZE];
	char *name;
	uint64_t *ids;
	size_t nr_ids;
	uint64_t ids_offset; /* file offset of the id array */
};

struct data_build_id {
	pid_t pid;
	uint16_t misc;
	uint8_t build_id[DATA_BUILD_ID_MAX];
	size_t len;
	char *filename;
};

struct data_writer {
	int fd;
	char *path;
	char *partial;
	int error; /* first I/O error; sticky, since the file is then useless */

	unsigned char *buf; /* write-behind buffer */
	size_t buf_len;
	uint64_t file_off; /* bytes handed to write(2) so far */

	struct data_attr *attrs;
	size_t nr_attrs;
	bool data_started;
	uint64_t attrs_offset;
	uint64_t data_offset;
	uint64_t data_size;

	char **cmdline;
	size_t nr_cmdline;
	bool have_sample_time;
	uint64_t sample_first;
	uint64_t sample_last;
	struct data_build_id *build_ids;
	size_t nr_build_ids;
	unsigned char *tracing_data;
	size_t tracing_data_len;
};

/* A growing byte buffer; err is sticky so callers check once at the end. */
struct data_blob {
	unsigned char *p;
	size_t len;
	size_t cap;
	int err;
};

void data_blob_put(struct data_blob *b, const void *p, size_t len);
void data_blob_put_u32(struct data_blob *b, uint32_t v);
void data_blob_put_u64(struct data_blob *b, uint64_t v);
void data_blob_put_zero(struct data_blob *b, size_t len);
/* perf_header_string: u32 len, bytes, NUL, zero padding to DATA_NAME_ALIGN. */
void data_blob_put_string(struct data_blob *b, const char *s);
void data_blob_free(struct data_blob *b);

/*
 * Append feature feat's payload for w to b. 0, -ENOENT when the feature
 * does not apply here (leave its bit clear), or negative errno.
 */
int data_feature_build(const struct data_writer *w, enum data_feature feat,
		       struct data_blob *b);

#endif
