/*
 * evlist: the events of a session, opened together, with one ring buffer per
 * cpu (or per thread when events are opened on "any cpu").
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include <sframetrace/event.h>

struct evlist *evlist_new(struct cpu_map *cpus, struct thread_map *threads)
{
	struct evlist *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->cpus = cpus;
	l->threads = threads;
	return l;
}

void evlist_free(struct evlist *l)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < l->nr_mmaps; i++)
		perf_mmap_exit(&l->mmaps[i]);
	free(l->mmaps);
	free(l->pollfd);
	for (i = 0; i < l->nr; i++)
		evsel_free(l->entries[i]);
	free(l->entries);
	cpu_map_free(l->cpus);
	thread_map_free(l->threads);
	free(l);
}

int evlist_add(struct evlist *l, struct evsel *e)
{
	struct evsel **n = realloc(l->entries, sizeof(*n) * (size_t)(l->nr + 1));

	if (!n)
		return -ENOMEM;
	l->entries = n;
	l->entries[l->nr++] = e;
	return 0;
}

int evlist_open(struct evlist *l, int *failed_idx, int *failed_cpu, pid_t *failed_pid)
{
	int i, j, ret;

	for (i = 0; i < l->nr; i++) {
		ret = evsel_open(l->entries[i], l->cpus, l->threads, failed_cpu, failed_pid);
		if (ret) {
			if (failed_idx)
				*failed_idx = i;
			for (j = 0; j < i; j++)
				evsel_close(l->entries[j]);
			return ret;
		}
	}
	return 0;
}

/*
 * Per-cpu mode: one buffer per cpu shared by every thread and event on it.
 * Per-thread mode (cpu -1): one buffer per thread.
 */
int evlist_mmap(struct evlist *l, size_t data_pages)
{
	bool per_thread = l->cpus->nr == 1 && l->cpus->cpu[0] == -1;
	int nbuf = per_thread ? l->threads->nr : l->cpus->nr;
	int b, c, t, i, ret;

	l->mmaps = calloc((size_t)nbuf, sizeof(*l->mmaps));
	l->pollfd = calloc((size_t)nbuf, sizeof(*l->pollfd));
	if (!l->mmaps || !l->pollfd)
		return -ENOMEM;
	for (b = 0; b < nbuf; b++) {
		int leader = -1;

		for (i = 0; i < l->nr; i++) {
			struct evsel *e = l->entries[i];

			for (c = 0; c < l->cpus->nr; c++) {
				for (t = 0; t < l->threads->nr; t++) {
					int fd;

					if ((per_thread ? t : c) != b)
						continue;
					fd = evsel_fd(e, c, t);
					if (fd < 0)
						continue;
					if (leader < 0) {
						ret = perf_mmap_init(&l->mmaps[b], fd, data_pages);
						if (ret)
							return ret;
						l->nr_mmaps = b + 1;
						leader = fd;
						l->pollfd[b].fd = fd;
						l->pollfd[b].events = POLLIN;
					} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, leader) < 0) {
						return -errno;
					}
				}
			}
		}
		if (leader < 0)
			l->pollfd[b].fd = -1;
		if (l->nr_mmaps < b + 1)
			l->nr_mmaps = b + 1;
	}
	return 0;
}

static int ioctl_all(struct evlist *l, unsigned long req)
{
	int i, k;

	for (i = 0; i < l->nr; i++) {
		struct evsel *e = l->entries[i];

		for (k = 0; k < e->ncpus * e->nthreads; k++)
			if (e->fd[k] >= 0 && ioctl(e->fd[k], req, 0) < 0)
				return -errno;
	}
	return 0;
}

int evlist_enable(struct evlist *l)
{
	return ioctl_all(l, PERF_EVENT_IOC_ENABLE);
}

int evlist_disable(struct evlist *l)
{
	return ioctl_all(l, PERF_EVENT_IOC_DISABLE);
}

int evlist_poll(struct evlist *l, int timeout_ms)
{
	int ret = poll(l->pollfd, (nfds_t)l->nr_mmaps, timeout_ms);

	return ret < 0 ? -errno : ret;
}
