/*
 * The session: reads records, puts them in time order the way perf does,
 * applies COMM/FORK/EXIT/MMAP/MMAP2 to the thread and map tables, and hands
 * each sample on with its stack resolved into frames.
 *
 * Ordering follows perf's ordered_events: records queue by timestamp; at
 * each FINISHED_ROUND everything up to the newest timestamp of the round
 * before is delivered (one round of slack covers the per-CPU buffers the
 * recorder drained in turn); the end of input delivers the rest.
 *
 * Samples waiting for a deferred user callchain are held aside by
 * session_deferred.c and handed on when their record is delivered, so
 * ops->sample sees them at their record's place in time, not their own.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sframetrace/data.h"
#include "sframetrace/symbol.h"
#include "session/session_internal.h"

#define MAX_FRAMES 1024
#define PROGRESS_EVERY 65536

static int set_error(struct session *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_error(struct session *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return err;
}

/* (Re)build the evsel table when the reader has attrs we have not seen. */
static int sync_evsels(struct session *s)
{
	size_t n = data_reader_nr_attrs(s->reader);
	struct session_evsel *grown;

	if (n == s->reader_attrs)
		return 0;
	grown = realloc(s->evsels, n * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->evsels = grown;
	s->ordered = true;
	for (size_t i = 0; i < n; i++) {
		const struct data_reader_attr *a = data_reader_attr(s->reader, i);
		struct session_evsel *e = &s->evsels[i];

		if (i >= s->reader_attrs) {
			memset(e, 0, sizeof(*e));
			e->idx = i;
		}
		e->attr = a->attr;
		e->name = a->name;
		if (a->attr.sample_type & PERF_SAMPLE_CALLCHAIN)
			s->has_callchains = true;
		if (!a->attr.sample_id_all || !(a->attr.sample_type & PERF_SAMPLE_TIME))
			s->ordered = false;
	}
	s->nr_evsels = s->reader_attrs = n;
	return 0;
}

int session_new(struct session **out, struct data_reader *r, struct symbol_cache *syms)
{
	struct session *s = calloc(1, sizeof(*s));
	int ret;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->reader = r;
	s->syms = syms;
	s->merge_deferred = true;
	s->frames = calloc(MAX_FRAMES, sizeof(*s->frames));
	s->uw_ips = calloc(MAX_FRAMES, sizeof(*s->uw_ips));
	if (!s->frames || !s->uw_ips) {
		session_free(s);
		return -ENOMEM;
	}
	ret = sync_evsels(s);
	if (ret < 0) {
		session_free(s);
		return ret;
	}
	if (syms) {
		for (size_t i = 0; i < data_reader_nr_build_ids(r); i++) {
			const struct data_reader_build_id *b = data_reader_build_id(r, i);

			symbol_cache_set_build_id(syms, b->filename, b->id, b->len);
		}
	}
	*out = s;
	return 0;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr_queue; i++)
		if (s->queue[i].owned)
			free((void *)s->queue[i].ev);
	free(s->queue);
	session_threads_free(s);
	free(s->evsels);
	free(s->frames);
	free(s->uw_ips);
	free(s);
}

void session_set_unwinder(struct session *s, const struct session_unwinder *u)
{
	s->unwinder = *u;
}

void session_set_merge_deferred(struct session *s, bool merge)
{
	s->merge_deferred = merge;
}

const char *session_error(const struct session *s)
{
	return s->error;
}

const struct session_stats *session_stats(const struct session *s)
{
	return &s->stats;
}

size_t session_nr_evsels(const struct session *s)
{
	return s->nr_evsels;
}

struct session_evsel *session_evsel(struct session *s, size_t i)
{
	return i < s->nr_evsels ? &s->evsels[i] : NULL;
}

bool session_has_callchains(const struct session *s)
{
	return s->has_callchains;
}

/* The evsel a record belongs to, by its sample id when there are several. */
struct session_evsel *session_evsel_of(struct session *s, const struct perf_event_header *ev)
{
	const struct perf_event_attr *first;
	uint64_t id = 0;
	bool have = false;

	if (s->nr_evsels <= 1)
		return s->nr_evsels ? &s->evsels[0] : NULL;
	first = &s->evsels[0].attr;
	if (ev->type == PERF_RECORD_SAMPLE) {
		uint64_t t = first->sample_type;
		size_t pos;

		if (t & PERF_SAMPLE_IDENTIFIER) {
			pos = 0;
		} else if (t & PERF_SAMPLE_ID) {
			pos = !!(t & PERF_SAMPLE_IP) + !!(t & PERF_SAMPLE_TID) +
			      !!(t & PERF_SAMPLE_TIME) + !!(t & PERF_SAMPLE_ADDR);
		} else {
			return &s->evsels[0];
		}
		if (ev->size >= sizeof(*ev) + (pos + 1) * 8) {
			memcpy(&id, (const uint8_t *)ev + sizeof(*ev) + pos * 8, 8);
			have = true;
		}
	} else {
		struct session_id sid;

		if (session_parse_id_trailer(first, ev, &sid) == 0 &&
		    (first->sample_type & (PERF_SAMPLE_ID | PERF_SAMPLE_IDENTIFIER))) {
			id = sid.id;
			have = true;
		}
	}
	if (!have)
		return &s->evsels[0];
	for (size_t i = 0; i < s->nr_evsels; i++) {
		const struct data_reader_attr *a = data_reader_attr(s->reader, i);

		for (size_t j = 0; j < a->nr_ids; j++)
			if (a->ids[j] == id)
				return &s->evsels[i];
	}
	return NULL;
}

void session_resolve_frame(struct session *s, const struct session_thread *t, uint8_t cpumode,
			   uint64_t ip, struct session_frame *out)
{
	const struct session_map *m;

	out->ip = ip;
	out->cpumode = cpumode;
	out->unwound = false;
	out->dso = NULL;
	out->addr = ip;
	if (cpumode == PERF_RECORD_MISC_KERNEL || cpumode == PERF_RECORD_MISC_HYPERVISOR) {
		if (s->syms && cpumode == PERF_RECORD_MISC_KERNEL)
			out->dso = symbol_cache_kernel_dso(s->syms, ip);
		return;
	}
	if (!t)
		return;
	m = session_thread_find_map(t, ip);
	if (!m)
		return;
	out->dso = m->dso;
	if (!m->dso || !symbol_dso_absolute(m->dso))
		out->addr = ip - m->start + m->pgoff;
}

static uint8_t context_cpumode(uint64_t marker)
{
	switch (marker) {
	case PERF_CONTEXT_HV: return PERF_RECORD_MISC_HYPERVISOR;
	case PERF_CONTEXT_KERNEL: return PERF_RECORD_MISC_KERNEL;
	case PERF_CONTEXT_USER: return PERF_RECORD_MISC_USER;
	case PERF_CONTEXT_GUEST_KERNEL: return PERF_RECORD_MISC_GUEST_KERNEL;
	case PERF_CONTEXT_GUEST_USER: return PERF_RECORD_MISC_GUEST_USER;
	default: return PERF_RECORD_MISC_CPUMODE_UNKNOWN;
	}
}

/*
 * The sample's stack: from the callchain when there is one (markers set
 * the mode of the ips after them), with the user part from the unwinder
 * when the sample carries a stack copy and the callchain has no user part.
 * A deferred marker and its cookie give way to user (the deferred record's
 * stack) or to nothing; such a sample is not unwound, its user part being
 * the kernel's business.
 */
static void build_frames(struct session *s, struct session_sample *sm, const uint64_t *user,
			 size_t nr_user)
{
	size_t n = 0;
	bool have_user = false;
	uint8_t mode = sm->cpumode;

	if (sm->callchain && sm->nr_callchain) {
		for (uint64_t i = 0; i < sm->nr_callchain && n < MAX_FRAMES; i++) {
			uint64_t ip = sm->callchain[i];

			if (ip >= PERF_CONTEXT_MAX) {
				if (ip == PERF_CONTEXT_USER_DEFERRED_MARK) {
					i++;   /* the cookie is not an address */
					for (size_t k = 0; user && k < nr_user && n < MAX_FRAMES; k++)
						session_resolve_frame(s, sm->thread, PERF_RECORD_MISC_USER,
								      user[k], &s->frames[n++]);
					have_user = have_user || (user && nr_user);
					continue;
				}
				mode = context_cpumode(ip);
				continue;
			}
			if (mode == PERF_RECORD_MISC_USER)
				have_user = true;
			session_resolve_frame(s, sm->thread, mode, ip, &s->frames[n++]);
		}
	} else if (sm->cpumode != PERF_RECORD_MISC_USER || !s->unwinder.unwind || !sm->stack ||
		   !sm->regs) {
		session_resolve_frame(s, sm->thread, sm->cpumode, sm->ip, &s->frames[n++]);
		have_user = sm->cpumode == PERF_RECORD_MISC_USER;
	}
	/* else: a user sample the unwinder walks, from the sample's ip */
	if (!have_user && !sm->deferred && s->unwinder.unwind && sm->stack && sm->regs) {
		int k = s->unwinder.unwind(s->unwinder.ctx, s, sm, s->uw_ips, MAX_FRAMES - n);

		for (int i = 0; i < k; i++) {
			session_resolve_frame(s, sm->thread, PERF_RECORD_MISC_USER, s->uw_ips[i],
					      &s->frames[n]);
			s->frames[n++].unwound = true;
		}
	}
	if (n == 0)
		session_resolve_frame(s, sm->thread, sm->cpumode, sm->ip, &s->frames[n++]);
	sm->frames = s->frames;
	sm->nr_frames = n;
}

int session_emit_sample(struct session *s, struct session_sample *sm, const uint64_t *user,
			size_t nr_user, const struct session_ops *ops)
{
	s->stats.nr_samples++;
	sm->evsel->nr_samples++;
	sm->evsel->total_period += sm->period;
	build_frames(s, sm, user, nr_user);
	return ops->sample ? ops->sample(ops->ctx, s, sm) : 0;
}

/* evsel: its index when the caller found it already, else SIZE_MAX. */
static int deliver_sample(struct session *s, const struct perf_event_header *ev, uint64_t offset,
			  size_t evsel, const struct session_ops *ops)
{
	struct session_evsel *e = evsel < s->nr_evsels ? &s->evsels[evsel] : session_evsel_of(s, ev);
	struct session_sample sm;

	if (!e || session_parse_sample(&e->attr, ev, &sm) < 0) {
		s->stats.nr_bad_samples++;
		return 0;
	}
	sm.file_offset = offset;
	sm.evsel = e;
	sm.thread = session_findnew_thread(s, (pid_t)sm.pid, (pid_t)sm.tid);
	if (!sm.thread)
		return -ENOMEM;
	if (session_defer_mark(&sm)) {
		s->stats.nr_deferred_samples++;
		if (s->merge_deferred)
			return session_defer_sample(s, &sm, ops);
	}
	return session_emit_sample(s, &sm, NULL, 0, ops);
}

/* Apply one record, in time order. */
static int deliver(struct session *s, const struct perf_event_header *ev, uint64_t offset,
		   uint64_t time, size_t evsel, const struct session_ops *ops)
{
	const uint8_t *p = (const uint8_t *)ev;
	uint32_t pid, tid;
	int ret;

	if (ops->record) {
		ret = ops->record(ops->ctx, s, ev, time);
		if (ret)
			return ret;
	}
	switch (ev->type) {
	case PERF_RECORD_SAMPLE:
		return deliver_sample(s, ev, offset, evsel, ops);
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2: {
		bool two = ev->type == PERF_RECORD_MMAP2;
		size_t name_off = two ? 72 : 40;
		uint64_t addr, len, pgoff;
		uint32_t prot = 0, flags = 0;
		struct session_thread *t;
		char name[4096];
		size_t n;

		if (ev->size <= name_off)
			return 0;
		memcpy(&pid, p + 8, 4);
		memcpy(&tid, p + 12, 4);
		memcpy(&addr, p + 16, 8);
		memcpy(&len, p + 24, 8);
		memcpy(&pgoff, p + 32, 8);
		if (two) {
			memcpy(&prot, p + 64, 4);
			memcpy(&flags, p + 68, 4);
		}
		n = strnlen((const char *)p + name_off, ev->size - name_off);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p + name_off, n);
		name[n] = '\0';
		/* Kernel and module maps: kernel ips resolve through kallsyms. */
		if ((ev->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL ||
		    (int32_t)pid == -1)
			return 0;
		if (two && (ev->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) && s->syms) {
			uint8_t size = p[40];

			if (size <= 20)
				symbol_cache_set_build_id(s->syms, name, p + 44, size);
		}
		t = session_findnew_thread(s, (pid_t)pid, (pid_t)tid);
		if (!t)
			return -ENOMEM;
		return session_add_map(s, t, addr, len, pgoff, two, prot, flags, name);
	}
	case PERF_RECORD_COMM: {
		struct session_thread *t;
		char comm[64];
		size_t n;

		if (ev->size <= 16)
			return 0;
		memcpy(&pid, p + 8, 4);
		memcpy(&tid, p + 12, 4);
		n = strnlen((const char *)p + 16, ev->size - 16);
		if (n >= sizeof(comm))
			n = sizeof(comm) - 1;
		memcpy(comm, p + 16, n);
		comm[n] = '\0';
		t = session_findnew_thread(s, (pid_t)pid, (pid_t)tid);
		if (!t)
			return -ENOMEM;
		t->comm = session_intern(s, comm);
		if (!t->comm)
			return -ENOMEM;
		/*
		 * exec: perf keeps the old maps until new ones cover them, and
		 * samples still inside execve need them (their user stack is
		 * the old program's).
		 */
		return 0;
	}
	case PERF_RECORD_FORK: {
		uint32_t ppid, ptid;

		if (ev->size < 24)
			return 0;
		memcpy(&pid, p + 8, 4);
		memcpy(&ppid, p + 12, 4);
		memcpy(&tid, p + 16, 4);
		memcpy(&ptid, p + 20, 4);
		return session_fork_thread(s, (pid_t)pid, (pid_t)tid, (pid_t)ppid, (pid_t)ptid);
	}
	case PERF_RECORD_EXIT: {
		struct session_thread *t;

		if (ev->size < 24)
			return 0;
		memcpy(&tid, p + 16, 4);
		t = session_find_thread(s, (pid_t)tid);
		if (!t)
			return 0;
		if (s->merge_deferred) {
			ret = session_defer_thread_exit(s, t, ops);
			if (ret)
				return ret;
		}
		t->exited = true;
		return 0;
	}
	case PERF_RECORD_CALLCHAIN_DEFERRED_TYPE:
		s->stats.nr_deferred_records++;
		return s->merge_deferred ? session_defer_record(s, ev, ops) : 0;
	case PERF_RECORD_LOST: {
		uint64_t lost;

		if (ev->size >= 24) {
			memcpy(&lost, p + 16, 8);
			s->stats.nr_lost += lost;
		}
		return 0;
	}
	case PERF_RECORD_LOST_SAMPLES: {
		uint64_t lost;

		if (ev->size >= 16) {
			memcpy(&lost, p + 8, 8);
			s->stats.nr_lost_samples += lost;
		}
		return 0;
	}
	default:
		return 0;
	}
}

static int queued_cmp(const void *a, const void *b)
{
	const struct session_queued *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Sort the queue. It is a few runs already in order (the sorted leftover
 * of the last round, then each CPU's buffer as the recorder drained it),
 * so merge the runs: O(n log runs) instead of a full sort each round.
 */
static int sort_queue(struct session *s)
{
	struct session_queued *q = s->queue, *tmp;
	size_t n = s->nr_queue, *runs, nr_runs = 0;

	runs = malloc((n + 1) * sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	runs[nr_runs++] = 0;
	for (size_t i = 1; i < n; i++)
		if (queued_cmp(&q[i - 1], &q[i]) > 0)
			runs[nr_runs++] = i;
	if (nr_runs == 1) {
		free(runs);
		return 0;
	}
	runs[nr_runs] = n;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp) {
		free(runs);
		qsort(q, n, sizeof(*q), queued_cmp);
		return 0;
	}
	while (nr_runs > 1) {
		size_t out = 0;

		for (size_t r = 0; r < nr_runs; r += 2) {
			size_t lo = runs[r], mid = runs[r + 1], hi = r + 2 <= nr_runs ? runs[r + 2] : n;
			size_t a = lo, b = mid, k = lo;

			if (r + 1 == nr_runs) {   /* odd one out: carried over */
				memcpy(&tmp[lo], &q[lo], (n - lo) * sizeof(*q));
				runs[out++] = lo;
				break;
			}
			while (a < mid && b < hi)
				tmp[k++] = queued_cmp(&q[a], &q[b]) <= 0 ? q[a++] : q[b++];
			memcpy(&tmp[k], &q[a], (mid - a) * sizeof(*q));
			k += mid - a;
			memcpy(&tmp[k], &q[b], (hi - b) * sizeof(*q));
			runs[out++] = lo;
		}
		memcpy(q, tmp, n * sizeof(*q));
		nr_runs = out;
		runs[nr_runs] = n;
	}
	free(tmp);
	free(runs);
	return 0;
}

/* Deliver queued records with time <= limit, in order. */
static int flush_queue(struct session *s, uint64_t limit, const struct session_ops *ops)
{
	size_t n = 0, k = 0;
	int ret = 0;

	if (!s->nr_queue)
		return 0;
	if (sort_queue(s) < 0)
		return -ENOMEM;
	while (n < s->nr_queue && s->queue[n].time <= limit)
		n++;
	for (; k < n; k++) {
		struct session_queued *q = &s->queue[k];

		ret = deliver(s, q->ev, q->offset, q->time, q->evsel, ops);
		if (q->owned)
			free((void *)q->ev);
		if (ret)
			break;
		s->last_flush = q->time;
	}
	if (ret) {
		for (size_t i = k + 1; i < n; i++)
			if (s->queue[i].owned)
				free((void *)s->queue[i].ev);
	}
	memmove(s->queue, s->queue + n, (s->nr_queue - n) * sizeof(*s->queue));
	s->nr_queue -= n;
	return ret;
}

static int enqueue(struct session *s, const struct perf_event_header *ev, uint64_t offset,
		   uint64_t time, size_t evsel)
{
	struct session_queued *q;

	if (s->nr_queue == s->cap_queue) {
		size_t n = s->cap_queue ? s->cap_queue * 2 : 4096;
		struct session_queued *grown = realloc(s->queue, n * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		s->queue = grown;
		s->cap_queue = n;
	}
	q = &s->queue[s->nr_queue];
	q->time = time;
	q->evsel = evsel;
	q->seq = s->seq++;
	q->offset = offset;
	q->owned = data_reader_is_pipe(s->reader);
	if (q->owned) {
		void *copy = malloc(ev->size);

		if (!copy)
			return -ENOMEM;
		memcpy(copy, ev, ev->size);
		q->ev = copy;
	} else {
		q->ev = ev;
	}
	s->nr_queue++;
	if (time < s->last_flush)
		s->stats.nr_out_of_order++;
	if (time > s->max_time)
		s->max_time = time;
	return 0;
}

/* The timestamp of a kernel record and its evsel's index, or false when it has none. */
static bool record_time(struct session *s, const struct perf_event_header *ev, uint64_t *time,
			size_t *evsel)
{
	struct session_evsel *e = session_evsel_of(s, ev);

	if (!e || !(e->attr.sample_type & PERF_SAMPLE_TIME))
		return false;
	*evsel = (size_t)(e - s->evsels);
	if (ev->type == PERF_RECORD_SAMPLE) {
		uint64_t t = e->attr.sample_type;
		size_t pos = !!(t & PERF_SAMPLE_IDENTIFIER) + !!(t & PERF_SAMPLE_IP) +
			     !!(t & PERF_SAMPLE_TID);

		if (ev->size < sizeof(*ev) + (pos + 1) * 8)
			return false;
		memcpy(time, (const uint8_t *)ev + sizeof(*ev) + pos * 8, 8);
		return true;
	}
	{
		struct session_id sid;

		if (session_parse_id_trailer(&e->attr, ev, &sid) < 0 || !sid.has_time)
			return false;
		*time = sid.time;
		return true;
	}
}

int session_process(struct session *s, const struct session_ops *ops)
{
	const struct perf_event_header *ev;
	uint64_t offset, done, total;
	int ret;

	for (;;) {
		ret = data_reader_next(s->reader, &ev, &offset);
		if (ret < 0)
			return set_error(s, ret, "%s", data_reader_error(s->reader));
		if (ret == 0)
			break;
		s->stats.nr_records++;
		if (ev->type < 128)
			s->stats.nr_by_type[ev->type]++;
		if ((s->stats.nr_records % PROGRESS_EVERY) == 0 && ops->progress) {
			data_reader_progress(s->reader, &done, &total);
			ops->progress(ops->progress_ctx, done, total);
		}
		if (data_reader_is_pipe(s->reader)) {
			ret = sync_evsels(s);
			if (ret < 0)
				return set_error(s, ret, "out of memory");
		}
		if (ev->type == PERF_RECORD_FINISHED_ROUND) {
			if (s->ordered) {
				ret = flush_queue(s, s->next_flush, ops);
				if (ret)
					goto stop;
				s->next_flush = s->max_time;
			}
			continue;
		}
		if (ev->type == PERF_RECORD_COMPRESSED)
			return set_error(s, -ENOTSUP,
					 "offset %#llx: compressed records (perf record -z) are not supported",
					 (unsigned long long)offset);
		if (ev->type >= PERF_RECORD_USER_TYPE_START) {
			/* perf's tool records up to FINISHED_INIT: nothing we need. */
			if (ev->type > PERF_RECORD_FINISHED_INIT)
				s->stats.nr_unknown++;
			continue;
		}
		if (ev->type > PERF_RECORD_CALLCHAIN_DEFERRED_TYPE)
			s->stats.nr_unknown++;
		{
			uint64_t time;
			size_t evsel;

			if (s->ordered && record_time(s, ev, &time, &evsel)) {
				ret = enqueue(s, ev, offset, time, evsel);
				if (ret < 0)
					return set_error(s, ret, "out of memory");
				continue;
			}
		}
		/* No timestamp: deliver at once, as perf does. */
		ret = deliver(s, ev, offset, 0, SIZE_MAX, ops);
		if (ret)
			goto stop;
	}
	ret = flush_queue(s, UINT64_MAX, ops);
	if (ret)
		goto stop;
	ret = session_defer_flush_all(s, ops);
	if (ret)
		goto stop;
	if (ops->progress) {
		data_reader_progress(s->reader, &done, &total);
		ops->progress(ops->progress_ctx, total ? total : done, total);
	}
	return 0;
stop:
	if (ret == -ENOMEM)
		return set_error(s, ret, "out of memory");
	return ret;
}
