/*
 * Deferred user callchains: a sample whose callchain ends with
 * PERF_CONTEXT_USER_DEFERRED and a cookie gets its user stack from the
 * PERF_RECORD_CALLCHAIN_DEFERRED record the kernel writes, with the same
 * cookie, when the thread returns to user space (after the samples). The
 * session holds such samples per thread until that record is delivered and
 * then hands every one of them on with the record's stack after its kernel
 * part; samples whose record never comes go out with their kernel part
 * when the thread exits or the input ends.
 *
 * Held samples keep the record they came in (the file is mapped for the
 * session's life; pipe records are copied) and are parsed again when they
 * go out, so they keep their own time, cpu and period.
 *
 * A record may also be delivered before some of its samples: equal
 * timestamps keep file order, CPUs' clocks may disagree a little, a sample
 * can arrive a round late, and (seen on Linux 7.1.5) a sample taken while
 * the kernel is still on its way out of the same entry, e.g. in the task
 * work that just wrote the record, gets the same cookie and no record of
 * its own: the kernel walks the user stack once per entry. So each thread
 * keeps the user stacks of its last SESSION_DEFER_RECENT records. A sample
 * with the cookie of the thread's newest record is stitched to it whenever
 * it comes: until the thread's next record it is still that entry. A
 * sample with the cookie of an older one is stitched only when its time
 * is no more than SESSION_DEFER_SKEW_NS after that record's (the thread
 * has been back in user space since, so only reordering explains it);
 * later, it is a new entry that reused the cookie and waits for the next
 * record. (The kernel's cookies carry a per-CPU counter, so reuse does not
 * happen in practice.) A remembered record that no
 * sample used by the time it is pushed out, its thread exits or the input
 * ends is counted as an orphan. A thread never holds more than
 * SESSION_DEFER_MAX_HELD samples: past that the older half goes out
 * without user part (a file whose records never come would otherwise keep
 * every sample until the end).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sframetrace/data.h"
#include "session/session_internal.h"

bool session_defer_mark(struct session_sample *sm)
{
	/* The marker and its cookie are the last two words. */
	if (!sm->callchain || sm->nr_callchain < 2 ||
	    sm->callchain[sm->nr_callchain - 2] != PERF_CONTEXT_USER_DEFERRED_MARK)
		return false;
	sm->deferred = true;
	sm->cookie = sm->callchain[sm->nr_callchain - 1];
	return true;
}

static size_t id_trailer_size(const struct perf_event_attr *attr)
{
	uint64_t t = attr->sample_type;

	if (!attr->sample_id_all)
		return 0;
	return 8 * (size_t)(!!(t & PERF_SAMPLE_TID) + !!(t & PERF_SAMPLE_TIME) +
			    !!(t & PERF_SAMPLE_ID) + !!(t & PERF_SAMPLE_STREAM_ID) +
			    !!(t & PERF_SAMPLE_CPU) + !!(t & PERF_SAMPLE_IDENTIFIER));
}

int session_parse_deferred(struct session *s, const struct perf_event_header *ev,
			   struct session_deferred *out)
{
	const uint8_t *p = (const uint8_t *)ev;
	const struct perf_event_attr *attr;
	struct session_id sid;
	size_t trailer, avail;

	memset(out, 0, sizeof(*out));
	out->cpu = (uint32_t)-1;
	if (ev->type != PERF_RECORD_CALLCHAIN_DEFERRED_TYPE || !s->nr_evsels)
		return -EINVAL;
	/* With several events and an unknown id the first one's layout is all we have. */
	out->evsel = session_evsel_of(s, ev);
	attr = out->evsel ? &out->evsel->attr : &s->evsels[0].attr;
	trailer = id_trailer_size(attr);
	if (ev->size < sizeof(*ev) + 16 + trailer)
		return -EINVAL;
	memcpy(&out->cookie, p + sizeof(*ev), 8);
	memcpy(&out->nr, p + sizeof(*ev) + 8, 8);
	avail = ev->size - sizeof(*ev) - 16 - trailer;
	if (out->nr > avail / 8)
		return -EINVAL;
	out->ips = (const uint64_t *)(p + sizeof(*ev) + 16);
	if (trailer && session_parse_id_trailer(attr, ev, &sid) == 0) {
		out->has_tid = attr->sample_type & PERF_SAMPLE_TID;
		out->has_time = sid.has_time;
		out->pid = sid.pid;
		out->tid = sid.tid;
		out->time = sid.time;
		if (attr->sample_type & PERF_SAMPLE_CPU)
			out->cpu = sid.cpu;
	}
	return 0;
}

static void held_release(struct session_defer_held *h)
{
	if (h->owned)
		free((void *)h->ev);
	h->ev = NULL;
}

static void recent_drop(struct session *s, struct session_defer_recent *r)
{
	if (r->valid && !r->used)
		s->stats.nr_deferred_orphans++;
	r->valid = false;
}

/*
 * Parse a held sample again and hand it on, with r's user stack or without.
 * Without, gone says why: its thread never went back to user space (it
 * exited, or the input ended first), which is expected; else it is lost.
 */
static int held_emit(struct session *s, struct session_thread *t,
		     const struct session_defer_held *h, const struct session_defer_recent *r,
		     bool gone, const struct session_ops *ops)
{
	struct session_evsel *e = session_evsel_of(s, h->ev);
	struct session_sample sm;

	/* It parsed when it came: only a pipe's attrs changing under it could fail here. */
	if (!e || session_parse_sample(&e->attr, h->ev, &sm) < 0) {
		s->stats.nr_bad_samples++;
		return 0;
	}
	sm.file_offset = h->offset;
	sm.evsel = e;
	sm.thread = t;
	session_defer_mark(&sm);
	if (r) {
		sm.deferred_stitched = true;
		s->stats.nr_deferred_stitched++;
		return session_emit_sample(s, &sm, r->ips, r->nr, ops);
	}
	s->stats.nr_deferred_unmatched++;
	if (gone)
		s->stats.nr_deferred_exited++;
	return session_emit_sample(s, &sm, NULL, 0, ops);
}

/*
 * The remembered record of t that a sample with cookie taken at time
 * belongs to, or NULL: the newest record at any time, an older one within
 * the skew window (see the top of this file).
 */
static struct session_defer_recent *recent_find(struct session_defer_thread *dt, uint64_t cookie,
						uint64_t time)
{
	for (unsigned int k = 1; k <= SESSION_DEFER_RECENT; k++) {
		struct session_defer_recent *r =
			&dt->recent[(dt->next_recent + SESSION_DEFER_RECENT - k) % SESSION_DEFER_RECENT];

		if (!r->valid || r->cookie != cookie)
			continue;
		if (k == 1 || time <= r->time || time - r->time <= SESSION_DEFER_SKEW_NS)
			return r;
		return NULL;
	}
	return NULL;
}

/* Hand the oldest n held samples of t on without user part (gone: see held_emit). */
static int held_flush_oldest(struct session *s, struct session_thread *t,
			     struct session_defer_thread *dt, size_t n, bool gone,
			     const struct session_ops *ops)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < n && i < dt->nr_held && !ret; i++) {
		ret = held_emit(s, t, &dt->held[i], NULL, gone, ops);
		held_release(&dt->held[i]);
	}
	/* On a stop, what was not handed on stays for session_free. */
	if (i)
		memmove(dt->held, dt->held + i, (dt->nr_held - i) * sizeof(*dt->held));
	dt->nr_held -= i;
	return ret;
}

int session_defer_sample(struct session *s, struct session_sample *sm,
			 const struct session_ops *ops)
{
	struct session_defer_thread *dt = &session_thread_priv(sm->thread)->defer;
	struct session_defer_recent *r = recent_find(dt, sm->cookie, sm->time);
	struct session_defer_held *h;

	if (r) {
		r->used = true;
		sm->deferred_stitched = true;
		s->stats.nr_deferred_stitched++;
		return session_emit_sample(s, sm, r->ips, r->nr, ops);
	}
	if (dt->nr_held >= SESSION_DEFER_MAX_HELD) {
		int ret = held_flush_oldest(s, sm->thread, dt, dt->nr_held / 2, false, ops);

		if (ret)
			return ret;
	}
	if (dt->nr_held == dt->cap_held) {
		size_t n = dt->cap_held ? dt->cap_held * 2 : 8;
		struct session_defer_held *grown = realloc(dt->held, n * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		dt->held = grown;
		dt->cap_held = n;
	}
	h = &dt->held[dt->nr_held];
	h->offset = sm->file_offset;
	h->time = sm->time;
	h->seq = s->defer_seq++;
	h->cookie = sm->cookie;
	h->owned = data_reader_is_pipe(s->reader);
	if (h->owned) {
		void *copy = malloc(sm->header->size);

		if (!copy)
			return -ENOMEM;
		memcpy(copy, sm->header, sm->header->size);
		h->ev = copy;
	} else {
		h->ev = sm->header;
	}
	dt->nr_held++;
	return 0;
}

/* Remember the record's user stack in t's ring, markers dropped. */
static struct session_defer_recent *recent_add(struct session *s, struct session_defer_thread *dt,
					       const struct session_deferred *d)
{
	struct session_defer_recent *r = &dt->recent[dt->next_recent];
	size_t n = 0;

	recent_drop(s, r);
	if (d->nr > r->cap) {
		uint64_t *grown = realloc(r->ips, d->nr * sizeof(*grown));

		if (!grown)
			return NULL;
		r->ips = grown;
		r->cap = d->nr;
	}
	for (uint64_t i = 0; i < d->nr; i++) {
		uint64_t ip;

		memcpy(&ip, &d->ips[i], 8);   /* wherever the record sits */
		/* Patch versions put PERF_CONTEXT_USER first; 7.1.5 writes raw ips. */
		if (ip >= PERF_CONTEXT_MAX)
			continue;
		r->ips[n++] = ip;
	}
	r->nr = n;
	r->cookie = d->cookie;
	r->time = d->time;
	r->valid = true;
	r->used = false;
	dt->next_recent = (dt->next_recent + 1) % SESSION_DEFER_RECENT;
	return r;
}

int session_defer_record(struct session *s, const struct perf_event_header *ev,
			 const struct session_ops *ops)
{
	struct session_defer_thread *dt;
	struct session_defer_recent *r;
	struct session_deferred d;
	struct session_thread *t;
	size_t w = 0;
	int ret = 0;

	/* Without a thread in its sample_id nothing can be matched to it. */
	if (session_parse_deferred(s, ev, &d) < 0 || !d.has_tid) {
		s->stats.nr_deferred_orphans++;
		return 0;
	}
	t = session_findnew_thread(s, (pid_t)d.pid, (pid_t)d.tid);
	if (!t)
		return -ENOMEM;
	dt = &session_thread_priv(t)->defer;
	r = recent_add(s, dt, &d);
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < dt->nr_held; i++) {
		struct session_defer_held h = dt->held[i];

		if (h.cookie != d.cookie || ret) {
			dt->held[w++] = h;
			continue;
		}
		r->used = true;
		ret = held_emit(s, t, &h, r, false, ops);
		held_release(&h);
	}
	dt->nr_held = w;
	return ret;
}

int session_defer_thread_exit(struct session *s, struct session_thread *t,
			      const struct session_ops *ops)
{
	struct session_defer_thread *dt = &session_thread_priv(t)->defer;
	/* A task on its way out does not return to user space: no record comes. */
	int ret = held_flush_oldest(s, t, dt, dt->nr_held, true, ops);

	for (unsigned int k = 0; k < SESSION_DEFER_RECENT; k++)
		recent_drop(s, &dt->recent[k]);
	return ret;
}

struct held_ref {
	struct session_thread *t;
	struct session_defer_held *h;
	bool gone;
};

static int held_ref_cmp(const void *a, const void *b)
{
	const struct held_ref *x = a, *y = b;

	if (x->h->time != y->h->time)
		return x->h->time < y->h->time ? -1 : 1;
	return x->h->seq < y->h->seq ? -1 : x->h->seq > y->h->seq;
}

int session_defer_flush_all(struct session *s, const struct session_ops *ops)
{
	struct held_ref *refs = NULL;
	size_t n = 0, k = 0;
	int ret = 0;

	for (size_t i = 0; i < s->nr_all_threads; i++)
		n += session_thread_priv(s->all_threads[i])->defer.nr_held;
	if (n && !(refs = malloc(n * sizeof(*refs))))
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < s->nr_all_threads; i++) {
		struct session_thread *t = s->all_threads[i];
		struct session_defer_thread *dt = &session_thread_priv(t)->defer;
		const struct session_defer_recent *newest =
			&dt->recent[(dt->next_recent + SESSION_DEFER_RECENT - 1) % SESSION_DEFER_RECENT];

		/*
		 * No record of its thread came after it: the recording ended
		 * before the thread went back to user space (in -a mode every
		 * task in the kernel when the events were disabled, record
		 * itself among them). Expected, as at a thread's exit.
		 */
		for (size_t j = 0; j < dt->nr_held; j++)
			refs[n++] = (struct held_ref){ t, &dt->held[j],
						       !newest->valid || newest->time < dt->held[j].time };
		for (unsigned int j = 0; j < SESSION_DEFER_RECENT; j++)
			recent_drop(s, &dt->recent[j]);
	}
	if (!n)
		return 0;
	/* All threads' leftovers in time order, as the samples were taken. */
	qsort(refs, n, sizeof(*refs), held_ref_cmp);
	for (k = 0; k < n && !ret; k++)
		ret = held_emit(s, refs[k].t, refs[k].h, NULL, refs[k].gone, ops);
	/* Handed on or not, they are done with: session_free frees the rest. */
	for (size_t i = 0; i < k; i++)
		held_release(refs[i].h);
	free(refs);
	for (size_t i = 0; i < s->nr_all_threads; i++) {
		struct session_defer_thread *dt = &session_thread_priv(s->all_threads[i])->defer;
		size_t w = 0;

		for (size_t j = 0; j < dt->nr_held; j++)
			if (dt->held[j].ev)
				dt->held[w++] = dt->held[j];
		dt->nr_held = w;
	}
	return ret;
}

void session_defer_thread_free(struct session_thread_priv *t)
{
	struct session_defer_thread *dt = &t->defer;

	for (size_t i = 0; i < dt->nr_held; i++)
		held_release(&dt->held[i]);
	free(dt->held);
	for (unsigned int k = 0; k < SESSION_DEFER_RECENT; k++)
		free(dt->recent[k].ips);
}
