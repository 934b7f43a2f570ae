/*
 * Synthesized COMM / MMAP / MMAP2 records for tasks and the kernel that
 * existed before the events were opened, so a reader can symbolize samples
 * of -p and -a recordings, and kernel samples in every mode.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <sframetrace/event.h>

#define SYNTH_MAX 4096

size_t event_sample_id_size(uint64_t t)
{
	size_t n = 0;

	n += (t & PERF_SAMPLE_TID) ? 8 : 0;
	n += (t & PERF_SAMPLE_TIME) ? 8 : 0;
	n += (t & PERF_SAMPLE_ID) ? 8 : 0;
	n += (t & PERF_SAMPLE_STREAM_ID) ? 8 : 0;
	n += (t & PERF_SAMPLE_CPU) ? 8 : 0;
	n += (t & PERF_SAMPLE_IDENTIFIER) ? 8 : 0;
	return n;
}

/* The trailer in the order the kernel writes it (perf_event_open(2)). */
static size_t put_sample_id(const struct event_synth *s, char *p,
			    uint32_t pid, uint32_t tid)
{
	uint64_t t = s->sample_type, zero = 0;
	size_t n = 0;

	if (t & PERF_SAMPLE_TID) {
		memcpy(p + n, &pid, 4);
		memcpy(p + n + 4, &tid, 4);
		n += 8;
	}
	if (t & PERF_SAMPLE_TIME)
		memcpy(p + n, &zero, 8), n += 8;
	if (t & PERF_SAMPLE_ID)
		memcpy(p + n, &s->id, 8), n += 8;
	if (t & PERF_SAMPLE_STREAM_ID)
		memcpy(p + n, &s->id, 8), n += 8;
	if (t & PERF_SAMPLE_CPU)
		memcpy(p + n, &zero, 8), n += 8;
	if (t & PERF_SAMPLE_IDENTIFIER)
		memcpy(p + n, &s->id, 8), n += 8;
	return n;
}

static size_t put_string(char *p, const char *str)
{
	size_t len = strlen(str) + 1, padded = (len + 7) & ~(size_t)7;

	memset(p, 0, padded);
	memcpy(p, str, len);
	return padded;
}

static int emit(const struct event_synth *s, char *buf, size_t len,
		uint32_t type, uint16_t misc)
{
	struct perf_event_header h = { type, misc, (uint16_t)len };

	memcpy(buf, &h, sizeof(h));
	return s->emit(s->arg, buf, len);
}

int event_synth_kernel_mmap(const struct event_synth *s)
{
	uint64_t start = 0, end = 0, addr;
	char line[512], type, name[256], buf[SYNTH_MAX];
	FILE *f = fopen("/proc/kallsyms", "r");
	uint32_t pid = (uint32_t)-1, tid = 0;
	size_t n;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type, name) != 3)
			continue;
		if (strchr(line, '['))
			break; /* module symbols follow the core kernel's */
		if (!strcmp(name, "_text"))
			start = addr;
		if (addr > end)
			end = addr;
	}
	fclose(f);
	/* kptr_restrict hides addresses as zeros: nothing useful to say. */
	if (!start)
		return -EACCES;
	n = sizeof(struct perf_event_header);
	memcpy(buf + n, &pid, 4);
	memcpy(buf + n + 4, &tid, 4);
	n += 8;
	memcpy(buf + n, &start, 8);
	addr = end - start + 4096;
	memcpy(buf + n + 8, &addr, 8);
	memcpy(buf + n + 16, &start, 8); /* pgoff: the _text address, as perf */
	n += 24;
	n += put_string(buf + n, "[kernel.kallsyms]_text");
	n += put_sample_id(s, buf + n, pid, tid);
	return emit(s, buf, n, PERF_RECORD_MMAP, PERF_RECORD_MISC_KERNEL);
}

static int synth_comm(const struct event_synth *s, pid_t pid, pid_t tid)
{
	char path[64], comm[64] = "", buf[256];
	size_t n = sizeof(struct perf_event_header);
	uint32_t p = (uint32_t)pid, t = (uint32_t)tid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	memcpy(buf + n, &p, 4);
	memcpy(buf + n + 4, &t, 4);
	n += 8;
	n += put_string(buf + n, comm);
	n += put_sample_id(s, buf + n, p, t);
	return emit(s, buf, n, PERF_RECORD_COMM, 0);
}

static int synth_maps(const struct event_synth *s, pid_t pid)
{
	char path[64], line[4096 + 256], perms[8], file[4096], buf[SYNTH_MAX + 256];
	uint64_t start, end, pgoff, ino;
	unsigned int maj, min;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		uint32_t p = (uint32_t)pid, prot = 0, flags;
		uint64_t len, zero = 0;
		size_t n = sizeof(struct perf_event_header);
		int consumed = 0;

		file[0] = '\0';
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &start, &end, perms, &pgoff, &maj, &min, &ino, &consumed) < 7)
			continue;
		if (perms[2] != 'x')
			continue;
		snprintf(file, sizeof(file), "%s", line + consumed);
		file[strcspn(file, "\n")] = '\0';
		if (!file[0])
			snprintf(file, sizeof(file), "//anon");
		prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
		       PROT_EXEC;
		flags = perms[3] == 's' ? MAP_SHARED : MAP_PRIVATE;
		len = end - start;
		memcpy(buf + n, &p, 4);
		memcpy(buf + n + 4, &p, 4);
		memcpy(buf + n + 8, &start, 8);
		memcpy(buf + n + 16, &len, 8);
		memcpy(buf + n + 24, &pgoff, 8);
		memcpy(buf + n + 32, &maj, 4);
		memcpy(buf + n + 36, &min, 4);
		memcpy(buf + n + 40, &ino, 8);
		memcpy(buf + n + 48, &zero, 8);
		memcpy(buf + n + 56, &prot, 4);
		memcpy(buf + n + 60, &flags, 4);
		n += 64;
		n += put_string(buf + n, file);
		n += put_sample_id(s, buf + n, p, p);
		ret = emit(s, buf, n, PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER);
	}
	fclose(f);
	return ret;
}

int event_synth_process(const struct event_synth *s, pid_t pid)
{
	struct thread_map *threads;
	int i, ret;

	ret = thread_map_new_process(pid, &threads);
	if (ret)
		return ret == -ENOENT || ret == -ESRCH ? 0 : ret; /* exited since readdir */
	for (i = 0; i < threads->nr && !ret; i++) {
		ret = synth_comm(s, pid, threads->pid[i]);
		if (ret == -ENOENT)
			ret = 0; /* the thread exited meanwhile */
	}
	thread_map_free(threads);
	if (!ret)
		ret = synth_maps(s, pid);
	return ret == -ENOENT || ret == -ESRCH ? 0 : ret;
}

int event_synth_all(const struct event_synth *s)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int ret = 0;

	if (!d)
		return -errno;
	while (!ret && (de = readdir(d))) {
		long pid = strtol(de->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		ret = event_synth_process(s, (pid_t)pid);
		/* Tasks we may not inspect (or that just exited) are skipped,
		 * as perf does: their samples show as unknown. */
		if (ret == -EACCES || ret == -EPERM)
			ret = 0;
	}
	closedir(d);
	return ret;
}
