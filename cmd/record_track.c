/*
 * While recording, follow MMAP/MMAP2/FORK records and sample IPs to learn
 * which DSOs samples landed in (perf writes build ids only for those), and
 * count samples, lost records and the time span for the summary and the
 * sample_time feature; in deferred mode also count the samples waiting for
 * a user callchain and how deep the kernel's deferred user stacks are, for
 * record's warnings at the end.
 */
#include <stdlib.h>
#include <string.h>

#include <sframetrace/data.h>

#include "record.h"

#define MISC_MMAP_BUILD_ID (1 << 14)

static int dso_index(struct record_track *t, const char *name, bool kernel)
{
	struct record_dso *n;
	int i;

	for (i = t->nr_dsos - 1; i >= 0; i--)
		if (!strcmp(t->dsos[i].name, name))
			return i;
	n = realloc(t->dsos, sizeof(*n) * (size_t)(t->nr_dsos + 1));
	if (!n)
		return -1;
	t->dsos = n;
	memset(&t->dsos[t->nr_dsos], 0, sizeof(*n));
	t->dsos[t->nr_dsos].name = strdup(name);
	if (!t->dsos[t->nr_dsos].name)
		return -1;
	t->dsos[t->nr_dsos].kernel = kernel;
	return t->nr_dsos++;
}

static void add_map(struct record_track *t, pid_t pid, uint64_t start,
		    uint64_t len, const char *name, const uint8_t *bid, int bid_len)
{
	int d = dso_index(t, name, false);

	if (d < 0)
		return;
	if (bid_len > 0 && !t->dsos[d].build_id_len) {
		memcpy(t->dsos[d].build_id, bid, (size_t)bid_len);
		t->dsos[d].build_id_len = bid_len;
	}
	if (t->nr_maps == t->cap_maps) {
		int cap = t->cap_maps ? t->cap_maps * 2 : 64;
		struct record_map *m = realloc(t->maps, sizeof(*m) * (size_t)cap);

		if (!m)
			return;
		t->maps = m;
		t->cap_maps = cap;
	}
	t->maps[t->nr_maps++] = (struct record_map){ pid, start, start + len, d };
}

static pid_t parent_of(const struct record_track *t, pid_t pid)
{
	int i;

	for (i = t->nr_forks - 1; i >= 0; i--)
		if (t->fork_child[i] == pid)
			return t->fork_parent[i];
	return -1;
}

/* Newest map of pid (or of its ancestors, for forks without exec). */
static void mark_hit(struct record_track *t, pid_t pid, uint64_t ip)
{
	int depth, i;

	for (depth = 0; depth < 8 && pid > 0; depth++) {
		for (i = t->nr_maps - 1; i >= 0; i--) {
			const struct record_map *m = &t->maps[i];

			if (m->pid == pid && ip >= m->start && ip < m->end) {
				t->dsos[m->dso].hit = true;
				return;
			}
		}
		pid = parent_of(t, pid);
	}
}

/*
 * Does the sample's callchain end with the deferred marker and its cookie?
 * p points just after PERF_SAMPLE_TIME. Only the fields record asks for
 * can come before the callchain; PERF_SAMPLE_READ has a variable layout
 * and record never sets it, so such a sample is not looked at.
 */
static bool callchain_deferred(uint64_t type, const char *p, const char *end)
{
	static const uint64_t fixed[] = { PERF_SAMPLE_ADDR, PERF_SAMPLE_ID,
					  PERF_SAMPLE_STREAM_ID, PERF_SAMPLE_CPU,
					  PERF_SAMPLE_PERIOD };
	uint64_t nr, mark;
	size_t i;

	if (!(type & PERF_SAMPLE_CALLCHAIN) || (type & PERF_SAMPLE_READ))
		return false;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (type & fixed[i])
			p += 8;
	if (p + 8 > end)
		return false;
	memcpy(&nr, p, 8);
	p += 8;
	if (nr < 2 || nr > (uint64_t)(end - p) / 8)
		return false;
	memcpy(&mark, p + (nr - 2) * 8, 8);
	return mark == PERF_CONTEXT_USER_DEFERRED_MARK;
}

/* A PERF_RECORD_CALLCHAIN_DEFERRED: count it and its user frames. */
static void on_deferred(struct record_track *t, const struct perf_event_header *h)
{
	const char *p = (const char *)(h + 1);
	uint64_t nr, ip, frames = 0, i;

	t->deferred++;
	if (h->size < sizeof(*h) + 16)
		return;
	memcpy(&nr, p + 8, 8);
	if (nr > (h->size - sizeof(*h) - 16) / 8)
		return;
	/* Patch versions put PERF_CONTEXT_USER first; 7.1.5 writes raw ips. */
	for (i = 0; i < nr; i++) {
		memcpy(&ip, p + 16 + i * 8, 8);
		if (ip < PERF_CONTEXT_MAX)
			frames++;
	}
	if (frames <= RECORD_DEFER_SHORT_FRAMES)
		t->deferred_short++;
}

static void on_sample(struct record_track *t, const struct perf_event_header *h)
{
	const char *p = (const char *)(h + 1);
	const char *end = (const char *)h + h->size;
	uint64_t ip = 0, time = 0;
	uint32_t pid = 0;

	if (t->sample_type & PERF_SAMPLE_IDENTIFIER)
		p += 8;
	if (t->sample_type & PERF_SAMPLE_IP) {
		if (p + 8 > end)
			return;
		memcpy(&ip, p, 8);
		p += 8;
	}
	if (t->sample_type & PERF_SAMPLE_TID) {
		if (p + 8 > end)
			return;
		memcpy(&pid, p, 4);
		p += 8;
	}
	if (t->sample_type & PERF_SAMPLE_TIME) {
		if (p + 8 > end)
			return;
		memcpy(&time, p, 8);
		if (!t->first_time || time < t->first_time)
			t->first_time = time;
		if (time > t->last_time)
			t->last_time = time;
		p += 8;
		if (callchain_deferred(t->sample_type, p, end))
			t->deferred_samples++;
	}
	t->samples++;
	if ((h->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL)
		t->kernel_hit = true;
	else
		mark_hit(t, (pid_t)pid, ip);
}

void record_track_event(struct record_track *t, const struct perf_event_header *h)
{
	const char *b = (const char *)h;
	uint32_t pid, ppid;
	uint64_t v[3];

	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		on_sample(t, h);
		break;
	case PERF_RECORD_MMAP:
		if (h->size < 40 || (h->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL)
			break;
		memcpy(&pid, b + 8, 4);
		memcpy(v, b + 16, 24);
		add_map(t, (pid_t)pid, v[0], v[1], b + 40, NULL, 0);
		break;
	case PERF_RECORD_MMAP2: {
		uint8_t bid_size = 0;

		if (h->size < 72 || memchr(b + 72, '\0', h->size - 72) == NULL)
			break;
		memcpy(&pid, b + 8, 4);
		memcpy(v, b + 16, 24);
		if (h->misc & MISC_MMAP_BUILD_ID) {
			bid_size = (uint8_t)b[40];
			if (bid_size > 20)
				bid_size = 0;
		}
		add_map(t, (pid_t)pid, v[0], v[1], b + 72,
			(const uint8_t *)b + 44, bid_size);
		break;
	}
	case PERF_RECORD_FORK: {
		pid_t *c, *pp;

		if (h->size < 24)
			break;
		memcpy(&pid, b + 8, 4);
		memcpy(&ppid, b + 12, 4);
		if (pid == ppid)
			break; /* a new thread shares its process's maps */
		c = realloc(t->fork_child, sizeof(*c) * (size_t)(t->nr_forks + 1));
		if (c)
			t->fork_child = c;
		pp = realloc(t->fork_parent, sizeof(*pp) * (size_t)(t->nr_forks + 1));
		if (pp)
			t->fork_parent = pp;
		if (c && pp) {
			t->fork_child[t->nr_forks] = (pid_t)pid;
			t->fork_parent[t->nr_forks] = (pid_t)ppid;
			t->nr_forks++;
		}
		break;
	}
	case PERF_RECORD_LOST:
		if (h->size >= 24) {
			memcpy(v, b + 16, 8);
			t->lost += v[0];
		}
		break;
	case PERF_RECORD_LOST_SAMPLES:
		if (h->size >= 16) {
			memcpy(v, b + 8, 8);
			t->lost_samples += v[0];
		}
		break;
	case PERF_RECORD_CALLCHAIN_DEFERRED_TYPE:
		on_deferred(t, h);
		break;
	default:
		break;
	}
}

void record_track_exit(struct record_track *t)
{
	int i;

	for (i = 0; i < t->nr_dsos; i++)
		free(t->dsos[i].name);
	free(t->dsos);
	free(t->maps);
	free(t->fork_child);
	free(t->fork_parent);
	memset(t, 0, sizeof(*t));
}
