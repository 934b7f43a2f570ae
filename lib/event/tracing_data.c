/*
 * The TRACING_DATA feature of perf.data: tracefs format files that let a
 * reader (perf, libtraceevent) decode PERF_SAMPLE_RAW tracepoint payloads.
 * Layout (perf's trace-event-info, version 0.6): magic, version, byte
 * order, sizeof(long), page size, header_page, header_event, ftrace event
 * formats, event formats per system, kallsyms, printk formats, saved
 * cmdlines. Only the recorded tracepoints' formats are included.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sframetrace/event.h>

struct buf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *q;

		while (cap < b->len + n)
			cap *= 2;
		q = realloc(b->p, cap);
		if (!q) {
			b->err = -ENOMEM;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* tracefs files report no size: read to the end. */
static int read_file(const char *path, struct buf *out)
{
	char chunk[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		put(out, chunk, n);
	fclose(f);
	return out->err;
}

/* size-prefixed (u64) copy of a file */
static int put_file(struct buf *b, const char *path)
{
	struct buf f = { 0 };
	uint64_t size;
	int ret = read_file(path, &f);

	if (!ret) {
		size = f.len;
		put(b, &size, 8);
		put(b, f.p, f.len);
	}
	free(f.p);
	return ret ? ret : b->err;
}

struct tp {
	char sys[128];
	char name[128];
};

/* Map each id to its subsystem/name by reading events/<sys>/<name>/id. */
static int resolve_ids(const char *dir, const uint64_t *ids, size_t nr, struct tp *tps)
{
	size_t found = 0, i;
	struct dirent *s, *e;
	DIR *ds = opendir(dir);

	if (!ds)
		return -errno;
	while (found < nr && (s = readdir(ds))) {
		char path[1024];
		DIR *de;

		if (s->d_name[0] == '.' || strlen(s->d_name) >= sizeof(tps->sys))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, s->d_name);
		de = opendir(path);
		if (!de)
			continue;
		while ((e = readdir(de))) {
			char idp[1400];
			unsigned long long id;
			FILE *f;

			if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(tps->name))
				continue;
			snprintf(idp, sizeof(idp), "%s/%s/id", path, e->d_name);
			f = fopen(idp, "r");
			if (!f)
				continue;
			if (fscanf(f, "%llu", &id) == 1) {
				for (i = 0; i < nr; i++) {
					if (ids[i] == id && !tps[i].sys[0]) {
						snprintf(tps[i].sys, sizeof(tps[i].sys), "%s", s->d_name);
						snprintf(tps[i].name, sizeof(tps[i].name), "%s", e->d_name);
						found++;
					}
				}
			}
			fclose(f);
		}
		closedir(de);
	}
	closedir(ds);
	return found == nr ? 0 : -ENOENT;
}

int event_tracing_data(const uint64_t *ids, size_t nr, uint8_t **out, size_t *len)
{
	static const uint8_t magic[10] = { 23, 8, 68, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	struct buf b = { 0 };
	struct tp *tps = calloc(nr ? nr : 1, sizeof(*tps));
	char dir[256], path[1024];
	uint32_t u32, nsys = 0;
	uint64_t zero64 = 0;
	uint8_t byte;
	size_t i, j;
	int ret;

	if (!tps)
		return -ENOMEM;
	ret = event_tracefs_events_dir(dir, sizeof(dir));
	if (!ret)
		ret = resolve_ids(dir, ids, nr, tps);
	if (ret)
		goto out;

	put(&b, magic, sizeof(magic));
	put(&b, "0.6", 4);
	byte = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__; /* 1 = big endian */
	put(&b, &byte, 1);
	byte = (uint8_t)sizeof(long);
	put(&b, &byte, 1);
	u32 = (uint32_t)sysconf(_SC_PAGESIZE);
	put(&b, &u32, 4);

	put(&b, "header_page", 12);
	snprintf(path, sizeof(path), "%s/header_page", dir);
	ret = put_file(&b, path);
	if (ret)
		goto out;
	put(&b, "header_event", 13);
	snprintf(path, sizeof(path), "%s/header_event", dir);
	ret = put_file(&b, path);
	if (ret)
		goto out;

	u32 = 0; /* no ftrace-internal events */
	put(&b, &u32, 4);

	/* Systems in first-seen order, each with its events. */
	for (i = 0; i < nr; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(tps[j].sys, tps[i].sys))
				break;
		if (j == i)
			nsys++;
	}
	put(&b, &nsys, 4);
	for (i = 0; i < nr; i++) {
		uint32_t count = 0;
		size_t k;

		for (j = 0; j < i; j++)
			if (!strcmp(tps[j].sys, tps[i].sys))
				break;
		if (j < i)
			continue;
		put(&b, tps[i].sys, strlen(tps[i].sys) + 1);
		for (k = i; k < nr; k++) {
			for (j = i; j < k; j++)
				if (!strcmp(tps[j].sys, tps[k].sys) && !strcmp(tps[j].name, tps[k].name))
					break;
			if (!strcmp(tps[k].sys, tps[i].sys) && j == k)
				count++;
		}
		put(&b, &count, 4);
		for (k = i; k < nr; k++) {
			for (j = i; j < k; j++)
				if (!strcmp(tps[j].sys, tps[k].sys) && !strcmp(tps[j].name, tps[k].name))
					break;
			if (strcmp(tps[k].sys, tps[i].sys) || j != k)
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s/format", dir, tps[k].sys, tps[k].name);
			ret = put_file(&b, path);
			if (ret)
				goto out;
		}
	}
	u32 = 0;
	put(&b, &u32, 4);       /* kallsyms: none (perf reads /proc/kallsyms) */
	put(&b, &u32, 4);       /* printk formats: none */
	put(&b, &zero64, 8);    /* saved cmdlines: none */
	ret = b.err;
out:
	free(tps);
	if (ret) {
		free(b.p);
		return ret;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}
