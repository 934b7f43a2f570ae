/*
 * CPU and thread maps: which cpus and tasks an evsel is opened on.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sframetrace/event.h>

static struct cpu_map *cpu_map_alloc(int nr)
{
	struct cpu_map *m = malloc(sizeof(*m) + sizeof(int) * (size_t)(nr > 0 ? nr : 1));

	if (m)
		m->nr = 0;
	return m;
}

void cpu_map_free(struct cpu_map *map)
{
	free(map);
}

struct cpu_map *cpu_map_new_any(void)
{
	struct cpu_map *m = cpu_map_alloc(1);

	if (m) {
		m->nr = 1;
		m->cpu[0] = -1;
	}
	return m;
}

/* "0-3,5" -> cpus; rejects anything else. */
int cpu_map_parse(const char *list, struct cpu_map **out)
{
	long max = sysconf(_SC_NPROCESSORS_CONF);
	struct cpu_map *m;
	const char *p = list;
	char *end;

	if (max < 1)
		max = 1;
	m = cpu_map_alloc((int)max);
	if (!m)
		return -ENOMEM;
	while (*p) {
		long a, b;

		errno = 0;
		a = strtol(p, &end, 10);
		if (end == p || a < 0 || errno) {
			free(m);
			return -EINVAL;
		}
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			b = strtol(p, &end, 10);
			if (end == p || b < a) {
				free(m);
				return -EINVAL;
			}
			p = end;
		}
		if (b >= max) {
			free(m);
			return -ERANGE;
		}
		for (; a <= b; a++) {
			int i, dup = 0;

			for (i = 0; i < m->nr; i++)
				dup |= m->cpu[i] == a;
			if (!dup)
				m->cpu[m->nr++] = (int)a;
		}
		if (*p == ',')
			p++;
		else if (*p) {
			free(m);
			return -EINVAL;
		}
	}
	if (!m->nr) {
		free(m);
		return -EINVAL;
	}
	*out = m;
	return 0;
}

struct cpu_map *cpu_map_new_online(void)
{
	char buf[4096];
	struct cpu_map *m = NULL;
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = '\0';
			if (cpu_map_parse(buf, &m))
				m = NULL;
		}
		fclose(f);
	}
	if (!m) {
		long n = sysconf(_SC_NPROCESSORS_ONLN), i;

		m = cpu_map_alloc((int)(n > 0 ? n : 1));
		if (!m)
			return NULL;
		for (i = 0; i < (n > 0 ? n : 1); i++)
			m->cpu[m->nr++] = (int)i;
	}
	return m;
}

struct thread_map *thread_map_new(const pid_t *pids, int nr)
{
	struct thread_map *m = malloc(sizeof(*m) + sizeof(pid_t) * (size_t)(nr > 0 ? nr : 1));

	if (!m)
		return NULL;
	m->nr = nr;
	if (nr > 0)
		memcpy(m->pid, pids, sizeof(pid_t) * (size_t)nr);
	return m;
}

int thread_map_new_process(pid_t pid, struct thread_map **out)
{
	char path[64];
	struct dirent *de;
	pid_t *tids = NULL;
	int nr = 0, cap = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		long tid = strtol(de->d_name, NULL, 10);

		if (tid <= 0)
			continue;
		if (nr == cap) {
			pid_t *n = realloc(tids, sizeof(*tids) * (size_t)(cap = cap ? cap * 2 : 16));

			if (!n) {
				free(tids);
				closedir(d);
				return -ENOMEM;
			}
			tids = n;
		}
		tids[nr++] = (pid_t)tid;
	}
	closedir(d);
	*out = thread_map_new(tids, nr);
	free(tids);
	return *out ? 0 : -ENOMEM;
}

void thread_map_free(struct thread_map *map)
{
	free(map);
}
