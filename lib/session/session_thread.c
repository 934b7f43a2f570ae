/*
 * Threads, processes and their memory maps, as COMM/FORK/EXIT/MMAP/MMAP2
 * records describe them over time. A process's map table is a sorted array
 * without overlaps: a new map cuts away whatever it covers, as the kernel's
 * mmap does. Map objects are never freed before the session ends, so a
 * pointer taken for an earlier sample stays valid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sframetrace/symbol.h"
#include "session/session_internal.h"
#include "sframetrace/strhash.h"

static bool push_ptr(void ***arr, size_t *nr, size_t *cap, void *p)
{
	if (*nr == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		void **grown = realloc(*arr, n * sizeof(void *));

		if (!grown)
			return false;
		*arr = grown;
		*cap = n;
	}
	(*arr)[(*nr)++] = p;
	return true;
}

const char *session_intern(struct session *s, const char *str)
{
	struct session_strings *st = &s->strings;
	size_t i;

	if (st->nr * 2 >= st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 256;
		char **slots = calloc(cap, sizeof(char *));

		if (!slots)
			return NULL;
		for (size_t k = 0; k < st->cap; k++) {
			if (!st->slots[k])
				continue;
			i = strhash(st->slots[k]) & (cap - 1);
			while (slots[i])
				i = (i + 1) & (cap - 1);
			slots[i] = st->slots[k];
		}
		free(st->slots);
		st->slots = slots;
		st->cap = cap;
	}
	i = strhash(str) & (st->cap - 1);
	while (st->slots[i]) {
		if (strcmp(st->slots[i], str) == 0)
			return st->slots[i];
		i = (i + 1) & (st->cap - 1);
	}
	st->slots[i] = strdup(str);
	if (!st->slots[i])
		return NULL;
	st->nr++;
	return st->slots[i];
}

static size_t tid_slot(const struct session *s, pid_t tid)
{
	return ((uint64_t)(uint32_t)tid * 0x9E3779B97F4A7C15ULL >> 20) & (s->threads_cap - 1);
}

static int threads_insert(struct session *s, struct session_thread *t)
{
	size_t i;

	if (s->nr_threads * 2 >= s->threads_cap) {
		size_t old = s->threads_cap;
		struct session_thread **prev = s->threads;

		s->threads_cap = old ? old * 2 : 256;
		s->threads = calloc(s->threads_cap, sizeof(*s->threads));
		if (!s->threads) {
			s->threads = prev;
			s->threads_cap = old;
			return -ENOMEM;
		}
		s->nr_threads = 0;
		for (size_t k = 0; k < old; k++)
			if (prev[k])
				threads_insert(s, prev[k]);
		free(prev);
	}
	i = tid_slot(s, t->tid);
	while (s->threads[i] && s->threads[i]->tid != t->tid)
		i = (i + 1) & (s->threads_cap - 1);
	if (!s->threads[i])
		s->nr_threads++;
	s->threads[i] = t;
	return 0;
}

struct session_thread *session_find_thread(struct session *s, pid_t tid)
{
	size_t i;

	if (!s->threads_cap)
		return NULL;
	i = tid_slot(s, tid);
	while (s->threads[i]) {
		if (s->threads[i]->tid == tid)
			return s->threads[i];
		i = (i + 1) & (s->threads_cap - 1);
	}
	return NULL;
}

static struct session_proc *proc_new(struct session *s, pid_t pid)
{
	struct session_proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pid = pid;
	if (!push_ptr((void ***)&s->procs, &s->nr_procs, &s->cap_procs, p)) {
		free(p);
		return NULL;
	}
	return p;
}

/* A live thread of pid whose proc the new thread can share, or NULL. */
static struct session_proc *proc_of(struct session *s, pid_t pid)
{
	struct session_thread *leader = session_find_thread(s, pid);

	return leader && leader->pid == pid ? leader->proc : NULL;
}

static struct session_thread *thread_new(struct session *s, pid_t pid, pid_t tid,
					 struct session_proc *proc)
{
	struct session_thread_priv *priv = calloc(1, sizeof(*priv));
	struct session_thread *t = priv ? &priv->pub : NULL;
	char name[24];

	if (!t)
		return NULL;
	t->pid = pid;
	t->tid = tid;
	/* perf's names: the idle task, and a thread it has no COMM for. */
	if (tid == 0)
		snprintf(name, sizeof(name), "swapper");
	else
		snprintf(name, sizeof(name), ":%d", tid);
	t->comm = session_intern(s, name);
	t->proc = proc ? proc : proc_of(s, pid);
	if (!t->proc)
		t->proc = proc_new(s, pid);
	if (!t->comm || !t->proc ||
	    !push_ptr((void ***)&s->all_threads, &s->nr_all_threads, &s->cap_all_threads, t)) {
		free(t);
		return NULL;
	}
	if (threads_insert(s, t) < 0)
		return NULL;
	return t;
}

struct session_thread *session_findnew_thread(struct session *s, pid_t pid, pid_t tid)
{
	struct session_thread *t = session_find_thread(s, tid);

	if (t && (t->pid == pid || pid == -1))
		return t;
	/* A tid seen with another pid before (or never): a new thread. */
	return thread_new(s, pid, tid, NULL);
}

static int proc_insert_at(struct session_proc *p, size_t at, struct session_map *m)
{
	if (p->nr_maps == p->cap_maps) {
		size_t n = p->cap_maps ? p->cap_maps * 2 : 32;
		struct session_map **grown = realloc(p->maps, n * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		p->maps = grown;
		p->cap_maps = n;
	}
	memmove(&p->maps[at + 1], &p->maps[at], (p->nr_maps - at) * sizeof(*p->maps));
	p->maps[at] = m;
	p->nr_maps++;
	return 0;
}

static struct session_map *map_new(struct session *s, const struct session_map *from)
{
	struct session_map *m = malloc(sizeof(*m));

	if (!m)
		return NULL;
	*m = *from;
	if (!push_ptr((void ***)&s->all_maps, &s->nr_all_maps, &s->cap_all_maps, m)) {
		free(m);
		return NULL;
	}
	return m;
}

/* First index whose map ends after addr. */
static size_t first_after(const struct session_proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nr_maps;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p->maps[mid]->end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int session_add_map(struct session *s, struct session_thread *t, uint64_t start, uint64_t len,
		    uint64_t pgoff, bool has_prot, uint32_t prot, uint32_t flags,
		    const char *filename)
{
	struct session_proc *p = t->proc;
	struct session_map tmpl = { 0 }, *m;
	uint64_t end = start + len;
	size_t i;

	if (!len || end < start)
		return 0;
	tmpl.start = start;
	tmpl.end = end;
	tmpl.pgoff = pgoff;
	tmpl.prot = prot;
	tmpl.filename = session_intern(s, filename);
	if (!tmpl.filename)
		return -ENOMEM;
	if (s->syms)
		tmpl.dso = has_prot ? symbol_cache_dso_mmap(s->syms, filename, t->pid, prot, flags)
				    : symbol_cache_dso(s->syms, filename, t->pid);
	m = map_new(s, &tmpl);
	if (!m)
		return -ENOMEM;

	/* Cut what the new map covers out of the maps it overlaps. */
	i = first_after(p, start);
	while (i < p->nr_maps && p->maps[i]->start < end) {
		struct session_map *old = p->maps[i];

		memmove(&p->maps[i], &p->maps[i + 1], (p->nr_maps - i - 1) * sizeof(*p->maps));
		p->nr_maps--;
		if (old->start < start) {
			struct session_map head = *old, *h;

			head.end = start;
			h = map_new(s, &head);
			if (!h || proc_insert_at(p, i, h) < 0)
				return -ENOMEM;
			i++;
		}
		if (old->end > end) {
			struct session_map tail = *old, *tl;

			tail.start = end;
			tail.pgoff += end - old->start;
			tl = map_new(s, &tail);
			if (!tl || proc_insert_at(p, i, tl) < 0)
				return -ENOMEM;
			i++;
		}
	}
	return proc_insert_at(p, first_after(p, start), m);
}

const struct session_map *session_thread_find_map(const struct session_thread *t, uint64_t ip)
{
	const struct session_proc *p = t->proc;
	size_t i = first_after(p, ip);

	if (i < p->nr_maps && p->maps[i]->start <= ip)
		return p->maps[i];
	return NULL;
}

int session_fork_thread(struct session *s, pid_t pid, pid_t tid, pid_t ppid, pid_t ptid)
{
	struct session_thread *parent = session_findnew_thread(s, ppid, ptid);
	struct session_thread *child;
	struct session_proc *proc = NULL;

	if (!parent)
		return -ENOMEM;
	if (pid == ppid && parent->proc) {
		proc = parent->proc;        /* a new thread in the same process */
	} else {
		/* A new process starts with a copy of its parent's maps. */
		proc = proc_new(s, pid);
		if (!proc)
			return -ENOMEM;
		if (parent->proc->nr_maps) {
			proc->maps = malloc(parent->proc->nr_maps * sizeof(*proc->maps));
			if (!proc->maps)
				return -ENOMEM;
			memcpy(proc->maps, parent->proc->maps,
			       parent->proc->nr_maps * sizeof(*proc->maps));
			proc->nr_maps = proc->cap_maps = parent->proc->nr_maps;
		}
	}
	child = thread_new(s, pid, tid, proc);
	if (!child)
		return -ENOMEM;
	child->comm = parent->comm;
	return 0;
}

void session_threads_free(struct session *s)
{
	for (size_t i = 0; i < s->nr_all_threads; i++) {
		session_defer_thread_free(session_thread_priv(s->all_threads[i]));
		free(s->all_threads[i]);
	}
	free(s->all_threads);
	free(s->threads);
	for (size_t i = 0; i < s->nr_procs; i++) {
		free(s->procs[i]->maps);
		free(s->procs[i]);
	}
	free(s->procs);
	for (size_t i = 0; i < s->nr_all_maps; i++)
		free(s->all_maps[i]);
	free(s->all_maps);
	for (size_t i = 0; i < s->strings.cap; i++)
		free(s->strings.slots[i]);
	free(s->strings.slots);
}
