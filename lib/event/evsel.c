/*
 * evsel: one event configuration opened on a set of cpus x threads, with
 * the sample ids the kernel assigned to each file descriptor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sframetrace/event.h>

long event_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu,
			   int group_fd, unsigned long flags)
{
	return syscall(__NR_perf_event_open, attr, pid, cpu, group_fd, flags);
}

void event_attr_set_flag_bit(struct perf_event_attr *attr, unsigned int bit, bool on)
{
	uint64_t word;

	memcpy(&word, (char *)attr + EVENT_ATTR_FLAGS_OFFSET, sizeof(word));
	if (on)
		word |= 1ULL << bit;
	else
		word &= ~(1ULL << bit);
	memcpy((char *)attr + EVENT_ATTR_FLAGS_OFFSET, &word, sizeof(word));
}

bool event_attr_flag_bit(const struct perf_event_attr *attr, unsigned int bit)
{
	uint64_t word;

	memcpy(&word, (const char *)attr + EVENT_ATTR_FLAGS_OFFSET, sizeof(word));
	return (word >> bit) & 1;
}

struct evsel *evsel_new(const struct perf_event_attr *attr, const char *name)
{
	struct evsel *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->attr = *attr;
	e->attr.size = sizeof(e->attr);
	snprintf(e->name, sizeof(e->name), "%s", name);
	return e;
}

void evsel_close(struct evsel *e)
{
	int i;

	if (e->fd)
		for (i = 0; i < e->ncpus * e->nthreads; i++)
			if (e->fd[i] >= 0)
				close(e->fd[i]);
	free(e->fd);
	free(e->id);
	e->fd = NULL;
	e->id = NULL;
	e->ncpus = e->nthreads = 0;
}

void evsel_free(struct evsel *e)
{
	if (!e)
		return;
	evsel_close(e);
	free(e);
}

int evsel_fd(const struct evsel *e, int cpu_idx, int thread_idx)
{
	return e->fd[cpu_idx * e->nthreads + thread_idx];
}

int evsel_open(struct evsel *e, const struct cpu_map *cpus,
	       const struct thread_map *threads, int *failed_cpu, pid_t *failed_pid)
{
	int c, t, n = cpus->nr * threads->nr, ret;

	e->fd = malloc(sizeof(*e->fd) * (size_t)n);
	e->id = calloc((size_t)n, sizeof(*e->id));
	if (!e->fd || !e->id) {
		evsel_close(e);
		return -ENOMEM;
	}
	e->ncpus = cpus->nr;
	e->nthreads = threads->nr;
	for (c = 0; c < n; c++)
		e->fd[c] = -1;
	for (c = 0; c < cpus->nr; c++) {
		for (t = 0; t < threads->nr; t++) {
			int i = c * threads->nr + t;
			long fd = event_perf_event_open(&e->attr, threads->pid[t],
							cpus->cpu[c], -1,
							PERF_FLAG_FD_CLOEXEC);

			if (fd < 0) {
				ret = -errno;
				/* A thread that exited meanwhile is not an error. */
				if (ret == -ESRCH && threads->nr > 1)
					continue;
				if (failed_cpu)
					*failed_cpu = cpus->cpu[c];
				if (failed_pid)
					*failed_pid = threads->pid[t];
				evsel_close(e);
				return ret;
			}
			e->fd[i] = (int)fd;
			if (ioctl(e->fd[i], PERF_EVENT_IOC_ID, &e->id[i]) < 0) {
				ret = -errno;
				evsel_close(e);
				return ret;
			}
		}
	}
	return 0;
}
