/*
 * perf.data (PERFILE2) writer. Layout, as Linux perf writes it:
 *
 *   header (104 bytes) | id arrays | attrs | data (records) |
 *   feature index (one perf_file_section per set bit) | feature payloads
 *
 * The header is written last, once the data and feature sizes are known.
 * Bytes go to "<path>.partial" through a write-behind buffer; the file is
 * renamed into place only by a successful commit, so a reader never sees a
 * half-written file under the real name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/data_internal.h"

#define DATA_BUF_SIZE (256 * 1024)

/* Features in increasing bit order, as the index must list them. */
static const enum data_feature data_features[] = {
	DATA_FEAT_TRACING_DATA,
	DATA_FEAT_BUILD_ID,   DATA_FEAT_HOSTNAME,   DATA_FEAT_OSRELEASE,
	DATA_FEAT_VERSION,    DATA_FEAT_ARCH,	    DATA_FEAT_NRCPUS,
	DATA_FEAT_CPUDESC,    DATA_FEAT_CPUID,	    DATA_FEAT_TOTAL_MEM,
	DATA_FEAT_CMDLINE,    DATA_FEAT_EVENT_DESC, DATA_FEAT_CPU_TOPOLOGY,
	DATA_FEAT_SAMPLE_TIME,
};
#define DATA_NR_FEATURES (sizeof(data_features) / sizeof(data_features[0]))

struct data_file_section {
	uint64_t offset;
	uint64_t size;
};

struct data_file_header {
	char magic[8];
	uint64_t size;
	uint64_t attr_size;
	struct data_file_section attrs;
	struct data_file_section data;
	struct data_file_section event_types;
	uint64_t flags[4];
};
_Static_assert(sizeof(struct data_file_header) == DATA_HEADER_SIZE,
	       "perf_file_header is 104 bytes");

/*
 * Once anything fails the file cannot be trusted: remember the error,
 * drop the partial file now (a caller that never closes leaves nothing
 * behind) and fail every later call with the same error.
 */
static int fail(struct data_writer *w, int err)
{
	if (!w->error) {
		w->error = err;
		if (w->fd >= 0) {
			close(w->fd);
			w->fd = -1;
		}
		unlink(w->partial);
	}
	return w->error;
}

/* path + suffix in a new string, or NULL. */
static char *path_with_suffix(const char *path, const char *suffix)
{
	size_t n = strlen(path) + strlen(suffix) + 1;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s%s", path, suffix);
	return s;
}

/* Write everything, at off, or at the file position when off < 0. */
static int write_all_at(int fd, const void *p, size_t len, off_t off)
{
	const unsigned char *c = p;

	while (len) {
		ssize_t n = off < 0 ? write(fd, c, len) : pwrite(fd, c, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* write(2) returning 0 for a regular file means it is full. */
		if (n == 0)
			return -ENOSPC;
		c += n;
		len -= (size_t)n;
		if (off >= 0)
			off += n;
	}
	return 0;
}

static int write_all(int fd, const void *p, size_t len)
{
	return write_all_at(fd, p, len, -1);
}

static int flush(struct data_writer *w)
{
	int ret;

	if (w->error)
		return w->error;
	if (w->buf_len == 0)
		return 0;
	ret = write_all(w->fd, w->buf, w->buf_len);
	if (ret)
		return fail(w, ret);
	w->file_off += w->buf_len;
	w->buf_len = 0;
	return 0;
}

/* Offset in the file of the next byte put. */
static uint64_t cur_off(const struct data_writer *w)
{
	return w->file_off + w->buf_len;
}

static int put(struct data_writer *w, const void *p, size_t len)
{
	int ret;

	if (w->error)
		return w->error;
	if (len == 0)
		return 0;
	if (w->buf_len + len <= DATA_BUF_SIZE) {
		memcpy(w->buf + w->buf_len, p, len);
		w->buf_len += len;
		return 0;
	}
	ret = flush(w);
	if (ret)
		return ret;
	if (len >= DATA_BUF_SIZE) {
		/* Large blocks go straight out: copying them buys nothing. */
		ret = write_all(w->fd, p, len);
		if (ret)
			return fail(w, ret);
		w->file_off += len;
		return 0;
	}
	memcpy(w->buf, p, len);
	w->buf_len = len;
	return 0;
}

int data_writer_open(struct data_writer **wp, const char *path)
{
	struct data_writer *w;
	static const unsigned char zero_header[DATA_HEADER_SIZE];
	int ret;

	*wp = NULL;
	if (!path || !*path)
		return -EINVAL;
	if (strcmp(path, "-") == 0)
		return -ENOTSUP;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->path = strdup(path);
	w->buf = malloc(DATA_BUF_SIZE);
	w->partial = path_with_suffix(path, ".partial");
	if (!w->path || !w->buf || !w->partial) {
		ret = -ENOMEM;
		goto err;
	}
	/* 0600 like perf: samples and command lines can be private. */
	w->fd = open(w->partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		ret = -errno;
		goto err;
	}
	/* Placeholder; the real header is written by the commit. */
	ret = put(w, zero_header, sizeof(zero_header));
	if (ret)
		goto err;
	*wp = w;
	return 0;
err:
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->partial);
	}
	free(w->buf);
	free(w->partial);
	free(w->path);
	free(w);
	return ret;
}

int data_writer_add_attr(struct data_writer *w, const struct perf_event_attr *attr,
			 const char *name, const uint64_t *ids, size_t nr_ids)
{
	struct data_attr *na, *a;
	struct perf_event_attr *pa;
	size_t n = sizeof(*attr) < DATA_ATTR_SIZE ? sizeof(*attr) : DATA_ATTR_SIZE;

	if (w->error)
		return w->error;
	if (w->data_started || !attr || !name || (nr_ids && !ids))
		return -EINVAL;
	na = realloc(w->attrs, (w->nr_attrs + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM;
	w->attrs = na;
	a = &na[w->nr_attrs];
	memset(a, 0, sizeof(*a));
	memcpy(a->attr, attr, n);
	/* The size field must describe the bytes actually in the file. */
	pa = (struct perf_event_attr *)a->attr;
	pa->size = DATA_ATTR_SIZE;
	a->name = strdup(name);
	a->ids = malloc(nr_ids ? nr_ids * sizeof(*ids) : 1);
	if (!a->name || !a->ids) {
		free(a->name);
		free(a->ids);
		return -ENOMEM;
	}
	if (nr_ids)
		memcpy(a->ids, ids, nr_ids * sizeof(*ids));
	a->nr_ids = nr_ids;
	w->nr_attrs++;
	return 0;
}

/*
 * The id arrays and attrs precede the data, so they are fixed by the first
 * record (or the commit of a file without records).
 */
static int start_data(struct data_writer *w)
{
	int ret = 0;

	for (size_t i = 0; i < w->nr_attrs && !ret; i++) {
		w->attrs[i].ids_offset = cur_off(w);
		ret = put(w, w->attrs[i].ids, w->attrs[i].nr_ids * sizeof(uint64_t));
	}
	w->attrs_offset = cur_off(w);
	for (size_t i = 0; i < w->nr_attrs && !ret; i++) {
		struct data_file_section ids = {
			.offset = w->attrs[i].nr_ids ? w->attrs[i].ids_offset : 0,
			.size = w->attrs[i].nr_ids * sizeof(uint64_t),
		};

		ret = put(w, w->attrs[i].attr, DATA_ATTR_SIZE);
		if (!ret)
			ret = put(w, &ids, sizeof(ids));
	}
	w->data_offset = cur_off(w);
	w->data_started = true;
	return ret;
}

int data_writer_write(struct data_writer *w, const void *buf, size_t len)
{
	int ret;

	if (w->error)
		return w->error;
	if (len && !buf)
		return -EINVAL;
	if (!w->data_started) {
		ret = start_data(w);
		if (ret)
			return ret;
	}
	ret = put(w, buf, len);
	if (ret)
		return ret;
	w->data_size += len;
	return 0;
}

uint64_t data_writer_data_size(const struct data_writer *w)
{
	return w->data_size;
}

void data_writer_set_cmdline(struct data_writer *w, int argc, char *const *argv)
{
	char **copy;

	for (size_t i = 0; i < w->nr_cmdline; i++)
		free(w->cmdline[i]);
	free(w->cmdline);
	w->cmdline = NULL;
	w->nr_cmdline = 0;
	if (argc <= 0)
		return;
	copy = calloc((size_t)argc, sizeof(*copy));
	if (!copy)
		return; /* the feature then just lacks the arguments */
	for (int i = 0; i < argc; i++) {
		copy[i] = strdup(argv[i] ? argv[i] : "");
		if (!copy[i]) {
			while (i--)
				free(copy[i]);
			free(copy);
			return;
		}
	}
	w->cmdline = copy;
	w->nr_cmdline = (size_t)argc;
}

void data_writer_set_sample_time(struct data_writer *w, uint64_t first, uint64_t last)
{
	w->have_sample_time = true;
	w->sample_first = first;
	w->sample_last = last;
}

int data_writer_set_tracing_data(struct data_writer *w, const void *blob, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, blob, len);
	free(w->tracing_data);
	w->tracing_data = copy;
	w->tracing_data_len = len;
	return 0;
}

int data_writer_add_build_id(struct data_writer *w, pid_t pid, uint16_t misc,
			     const uint8_t *build_id, size_t len, const char *filename)
{
	struct data_build_id *nb, *b;

	if (w->error)
		return w->error;
	if (!build_id || !filename || len == 0 || len > DATA_BUILD_ID_MAX)
		return -EINVAL;
	nb = realloc(w->build_ids, (w->nr_build_ids + 1) * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	w->build_ids = nb;
	b = &nb[w->nr_build_ids];
	memset(b, 0, sizeof(*b));
	b->filename = strdup(filename);
	if (!b->filename)
		return -ENOMEM;
	b->pid = pid;
	b->misc = misc;
	memcpy(b->build_id, build_id, len);
	b->len = len;
	w->nr_build_ids++;
	return 0;
}

/*
 * Index then payloads. The payloads are built in memory first because the
 * index in front of them needs their sizes; they are small (strings, ids).
 */
static int write_features(struct data_writer *w, uint64_t flags[4])
{
	struct data_blob blobs[DATA_NR_FEATURES];
	struct data_file_section idx[DATA_NR_FEATURES];
	size_t nr = 0;
	uint64_t off;
	int ret = 0;

	memset(blobs, 0, sizeof(blobs));
	for (size_t i = 0; i < DATA_NR_FEATURES && !ret; i++) {
		enum data_feature f = data_features[i];
		struct data_blob *b = &blobs[nr];

		ret = data_feature_build(w, f, b);
		if (ret == -ENOENT) {
			/* Not known on this machine: leave the bit clear. */
			data_blob_free(b);
			memset(b, 0, sizeof(*b));
			ret = 0;
			continue;
		}
		if (ret)
			break;
		flags[f / 64] |= 1ull << (f % 64);
		nr++;
	}
	if (!ret) {
		off = cur_off(w) + nr * sizeof(idx[0]);
		for (size_t i = 0; i < nr; i++) {
			idx[i].offset = off;
			idx[i].size = blobs[i].len;
			off += blobs[i].len;
		}
		ret = put(w, idx, nr * sizeof(idx[0]));
		for (size_t i = 0; i < nr && !ret; i++)
			ret = put(w, blobs[i].p, blobs[i].len);
	}
	for (size_t i = 0; i < DATA_NR_FEATURES; i++)
		data_blob_free(&blobs[i]);
	return ret;
}

/* So the renames survive a crash, not just the file's bytes. */
static void sync_dir_of(const char *path)
{
	char *dir = strdup(path);
	char *slash;
	int fd;

	if (!dir)
		return;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static int commit(struct data_writer *w)
{
	struct data_file_header h;
	struct stat st;
	char *old = NULL;
	int ret;

	if (!w->data_started) {
		ret = start_data(w);
		if (ret)
			return ret;
	}
	memset(&h, 0, sizeof(h));
	ret = write_features(w, h.flags);
	if (!ret)
		ret = flush(w);
	if (ret)
		return ret;

	memcpy(h.magic, "PERFILE2", 8);
	h.size = sizeof(h);
	h.attr_size = DATA_ATTR_SIZE + sizeof(struct data_file_section);
	h.attrs.offset = w->attrs_offset;
	h.attrs.size = w->nr_attrs * h.attr_size;
	h.data.offset = w->data_offset;
	h.data.size = w->data_size;
	ret = write_all_at(w->fd, &h, sizeof(h), 0);
	if (!ret && fsync(w->fd) != 0)
		ret = -errno;
	if (!ret) {
		int fd = w->fd;

		w->fd = -1;
		/* close(2) can report a deferred write error (NFS). */
		if (close(fd) != 0)
			ret = -errno;
	}
	if (ret)
		return fail(w, ret);

	/* Keep what was there, as perf does, rather than overwrite it. */
	if (lstat(w->path, &st) == 0) {
		old = path_with_suffix(w->path, ".old");
		if (!old)
			return fail(w, -ENOMEM);
		if (rename(w->path, old) != 0) {
			ret = -errno;
			free(old);
			return fail(w, ret);
		}
	}
	if (rename(w->partial, w->path) != 0) {
		ret = -errno;
		if (old)
			rename(old, w->path); /* put the old file back */
		free(old);
		return fail(w, ret);
	}
	free(old);
	sync_dir_of(w->path);
	return 0;
}

int data_writer_close(struct data_writer *w, bool do_commit)
{
	int ret;

	if (!w)
		return 0;
	if (w->error)
		ret = w->error;
	else if (do_commit)
		ret = commit(w);
	else
		ret = 0;
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	if (ret || !do_commit)
		unlink(w->partial);

	for (size_t i = 0; i < w->nr_attrs; i++) {
		free(w->attrs[i].name);
		free(w->attrs[i].ids);
	}
	free(w->attrs);
	for (size_t i = 0; i < w->nr_cmdline; i++)
		free(w->cmdline[i]);
	free(w->cmdline);
	for (size_t i = 0; i < w->nr_build_ids; i++)
		free(w->build_ids[i].filename);
	free(w->build_ids);
	free(w->tracing_data);
	free(w->buf);
	free(w->partial);
	free(w->path);
	free(w);
	return ret;
}
