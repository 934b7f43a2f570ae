/*
 * The feature sections of a perf.data file: what machine, kernel and
 * command produced it, the events' names and ids, the CPU topology, build
 * ids and the sample time range. Each payload is laid out the way Linux
 * perf 6.1 reads it (perf.data-file-format.txt), so `perf report --header`
 * shows ours as it shows its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "data/data_internal.h"

#ifndef SFRAMETRACE_VERSION
#define SFRAMETRACE_VERSION "0.1.0"
#endif

#define DATA_ALIGN(x, a) (((x) + (a) - 1) / (a) * (a))

void data_blob_put(struct data_blob *b, const void *p, size_t len)
{
	if (b->err || len == 0)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		unsigned char *np;

		while (cap < b->len + len)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	if (p)
		memcpy(b->p + b->len, p, len);
	else
		memset(b->p + b->len, 0, len);
	b->len += len;
}

void data_blob_put_u32(struct data_blob *b, uint32_t v)
{
	data_blob_put(b, &v, sizeof(v));
}

void data_blob_put_u64(struct data_blob *b, uint64_t v)
{
	data_blob_put(b, &v, sizeof(v));
}

void data_blob_put_zero(struct data_blob *b, size_t len)
{
	data_blob_put(b, NULL, len);
}

void data_blob_put_string(struct data_blob *b, const char *s)
{
	size_t n = strlen(s) + 1;
	size_t padded = DATA_ALIGN(n, DATA_NAME_ALIGN);

	if (padded > UINT32_MAX) {
		b->err = b->err ? b->err : -E2BIG;
		return;
	}
	data_blob_put_u32(b, (uint32_t)padded);
	data_blob_put(b, s, n);
	data_blob_put_zero(b, padded - n);
}

void data_blob_free(struct data_blob *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* First line of a small text file, without its newline. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f)) {
		fclose(f);
		return -ENODATA;
	}
	fclose(f);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/*
 * Value of the first "key<spaces>: value" line of a /proc file, with runs
 * of blanks squeezed to one as perf does for the cpu description.
 */
static int read_proc_key(const char *path, const char *key, char *out, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t klen = strlen(key);
	char line[1024];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line + klen;
		size_t n = 0;

		if (strncmp(line, key, klen) != 0 || (*p != ' ' && *p != '\t' && *p != ':'))
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != ':')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		for (; *p && *p != '\n' && n + 1 < size; p++) {
			if ((*p == ' ' || *p == '\t') && n && out[n - 1] == ' ')
				continue;
			out[n++] = *p == '\t' ? ' ' : *p;
		}
		while (n && out[n - 1] == ' ')
			n--;
		out[n] = '\0';
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/*
 * perf's nrcpus: "available" is the highest present CPU + 1 (the per-CPU
 * arrays of CPU_TOPOLOGY have that many entries), "online" what sysconf says.
 */
static void get_nr_cpus(uint32_t *avail, uint32_t *online)
{
	char buf[256];
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	*online = n > 0 ? (uint32_t)n : 1;
	*avail = 0;
	if (read_line("/sys/devices/system/cpu/present", buf, sizeof(buf)) == 0) {
		/* A list like "0-3,5,8-11": the last number is the highest. */
		char *p = buf + strlen(buf);

		while (p > buf && p[-1] >= '0' && p[-1] <= '9')
			p--;
		if (*p)
			*avail = (uint32_t)strtoul(p, NULL, 10) + 1;
	}
	if (*avail == 0) {
		n = sysconf(_SC_NPROCESSORS_CONF);
		*avail = n > 0 ? (uint32_t)n : *online;
	}
}

static int build_string_list(struct data_blob *b, char **list, size_t nr)
{
	data_blob_put_u32(b, (uint32_t)nr);
	for (size_t i = 0; i < nr; i++)
		data_blob_put_string(b, list[i]);
	return 0;
}

/* Add s to the set list[0..*nr) unless already there. */
static int add_unique(char ***list, size_t *nr, const char *s)
{
	char **nl;

	for (size_t i = 0; i < *nr; i++)
		if (strcmp((*list)[i], s) == 0)
			return 0;
	nl = realloc(*list, (*nr + 1) * sizeof(**list));
	if (!nl)
		return -ENOMEM;
	*list = nl;
	nl[*nr] = strdup(s);
	if (!nl[*nr])
		return -ENOMEM;
	(*nr)++;
	return 0;
}

static void free_list(char **list, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(list[i]);
	free(list);
}

static int read_topo(unsigned int cpu, const char *name, const char *fallback,
		     char *buf, size_t size)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/topology/%s", cpu, name);
	if (read_line(path, buf, size) == 0)
		return 0;
	if (!fallback)
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/topology/%s", cpu,
		 fallback);
	return read_line(path, buf, size);
}

static uint32_t read_topo_id(unsigned int cpu, const char *name)
{
	char buf[32];

	if (read_topo(cpu, name, NULL, buf, sizeof(buf)) != 0)
		return UINT32_MAX; /* perf's -1: CPU offline or unknown */
	return (uint32_t)strtol(buf, NULL, 10);
}

/*
 * Sibling lists (deduplicated, in CPU order), then {core_id, socket_id}
 * per available CPU, then the die lists and per-CPU die ids that perf 6.1
 * reads when more bytes follow. Offline CPUs have no topology directory;
 * perf records -1 for them.
 */
static int build_cpu_topology(struct data_blob *b)
{
	char **cores = NULL, **threads = NULL, **dies = NULL;
	size_t nr_cores = 0, nr_threads = 0, nr_dies = 0;
	uint32_t avail, online;
	bool have_dies = true;
	char buf[4096];
	int ret = 0;

	get_nr_cpus(&avail, &online);
	for (unsigned int cpu = 0; cpu < avail && ret == 0; cpu++) {
		if (read_topo(cpu, "core_siblings_list", "package_cpus_list", buf,
			      sizeof(buf)) != 0)
			continue;
		ret = add_unique(&cores, &nr_cores, buf);
		if (ret == 0 && read_topo(cpu, "die_cpus_list", NULL, buf, sizeof(buf)) == 0)
			ret = add_unique(&dies, &nr_dies, buf);
		else
			have_dies = false;
		if (ret == 0 && read_topo(cpu, "thread_siblings_list", "core_cpus_list", buf,
					  sizeof(buf)) == 0)
			ret = add_unique(&threads, &nr_threads, buf);
	}
	if (ret == 0 && (nr_cores == 0 || nr_threads == 0))
		ret = -ENOENT;
	if (ret == 0) {
		build_string_list(b, cores, nr_cores);
		build_string_list(b, threads, nr_threads);
		for (unsigned int cpu = 0; cpu < avail; cpu++) {
			data_blob_put_u32(b, read_topo_id(cpu, "core_id"));
			data_blob_put_u32(b, read_topo_id(cpu, "physical_package_id"));
		}
		if (have_dies && nr_dies) {
			build_string_list(b, dies, nr_dies);
			for (unsigned int cpu = 0; cpu < avail; cpu++)
				data_blob_put_u32(b, read_topo_id(cpu, "die_id"));
		}
	}
	free_list(cores, nr_cores);
	free_list(threads, nr_threads);
	free_list(dies, nr_dies);
	return ret;
}

static int build_build_ids(const struct data_writer *w, struct data_blob *b)
{
	for (size_t i = 0; i < w->nr_build_ids; i++) {
		const struct data_build_id *bi = &w->build_ids[i];
		size_t n = strlen(bi->filename) + 1;
		size_t padded = DATA_ALIGN(n, DATA_NAME_ALIGN);
		uint8_t id[DATA_BUILD_ID_FIELD] = { 0 };
		struct perf_event_header h = {
			/*
			 * perf itself leaves type 0 here and its reader ignores
			 * it; the record type is the honest value.
			 */
			.type = PERF_RECORD_HEADER_BUILD_ID,
			.misc = (uint16_t)(bi->misc | DATA_MISC_BUILD_ID_SIZE),
		};
		int32_t pid = bi->pid;
		size_t size = sizeof(h) + sizeof(pid) + sizeof(id) + padded;

		if (size > UINT16_MAX)
			return -ENAMETOOLONG;
		h.size = (uint16_t)size;
		memcpy(id, bi->build_id, bi->len);
		id[DATA_BUILD_ID_MAX] = (uint8_t)bi->len;
		data_blob_put(b, &h, sizeof(h));
		data_blob_put(b, &pid, sizeof(pid));
		data_blob_put(b, id, sizeof(id));
		data_blob_put(b, bi->filename, n);
		data_blob_put_zero(b, padded - n);
	}
	return 0;
}

static int build_cmdline(const struct data_writer *w, struct data_blob *b)
{
	char exe[4096];
	ssize_t n;
	size_t first = 0;

	/* perf records its own absolute path in place of argv[0]. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		first = w->nr_cmdline ? 1 : 0;
		data_blob_put_u32(b, (uint32_t)(w->nr_cmdline - first + 1));
		data_blob_put_string(b, exe);
	} else {
		if (w->nr_cmdline == 0)
			return -ENOENT;
		data_blob_put_u32(b, (uint32_t)w->nr_cmdline);
	}
	for (size_t i = first; i < w->nr_cmdline; i++)
		data_blob_put_string(b, w->cmdline[i]);
	return 0;
}

static int build_event_desc(const struct data_writer *w, struct data_blob *b)
{
	if (w->nr_attrs == 0)
		return -ENOENT;
	data_blob_put_u32(b, (uint32_t)w->nr_attrs);
	data_blob_put_u32(b, DATA_ATTR_SIZE);
	for (size_t i = 0; i < w->nr_attrs; i++) {
		const struct data_attr *a = &w->attrs[i];

		data_blob_put(b, a->attr, DATA_ATTR_SIZE);
		data_blob_put_u32(b, (uint32_t)a->nr_ids);
		data_blob_put_string(b, a->name);
		data_blob_put(b, a->ids, a->nr_ids * sizeof(uint64_t));
	}
	return 0;
}

static int build_cpuid(struct data_blob *b)
{
#if defined(__x86_64__) || defined(__i386__)
	char vendor[64], family[16], model[16], stepping[16], out[160];

	if (read_proc_key("/proc/cpuinfo", "vendor_id", vendor, sizeof(vendor)) ||
	    read_proc_key("/proc/cpuinfo", "cpu family", family, sizeof(family)) ||
	    read_proc_key("/proc/cpuinfo", "model", model, sizeof(model)) ||
	    read_proc_key("/proc/cpuinfo", "stepping", stepping, sizeof(stepping)))
		return -ENOENT;
	snprintf(out, sizeof(out), "%s,%s,%s,%s", vendor, family, model, stepping);
	data_blob_put_string(b, out);
	return 0;
#else
	(void)b;
	return -ENOENT;
#endif
}

static int build_cpudesc(struct data_blob *b)
{
	/* The key naming the CPU differs between architectures. */
	static const char *const keys[] = { "model name", "Processor", "cpu model",
					    "cpu", "core" };
	char desc[512];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (read_proc_key("/proc/cpuinfo", keys[i], desc, sizeof(desc)) == 0 &&
		    desc[0]) {
			data_blob_put_string(b, desc);
			return 0;
		}
	}
	return -ENOENT;
}

static int build_total_mem(struct data_blob *b)
{
	char val[64];

	if (read_proc_key("/proc/meminfo", "MemTotal", val, sizeof(val)) != 0)
		return -ENOENT;
	/* perf stores the number as /proc/meminfo gives it, in kB. */
	data_blob_put_u64(b, strtoull(val, NULL, 10));
	return 0;
}

int data_feature_build(const struct data_writer *w, enum data_feature feat,
		       struct data_blob *b)
{
	struct utsname uts;
	uint32_t avail, online;
	int ret = 0;

	switch (feat) {
	case DATA_FEAT_TRACING_DATA:
		if (!w->tracing_data)
			return -ENOENT;
		data_blob_put(b, w->tracing_data, w->tracing_data_len);
		break;
	case DATA_FEAT_BUILD_ID:
		ret = build_build_ids(w, b);
		break;
	case DATA_FEAT_HOSTNAME:
	case DATA_FEAT_OSRELEASE:
	case DATA_FEAT_ARCH:
		if (uname(&uts) != 0)
			return -errno;
		data_blob_put_string(b, feat == DATA_FEAT_HOSTNAME  ? uts.nodename :
					feat == DATA_FEAT_OSRELEASE ? uts.release :
								      uts.machine);
		break;
	case DATA_FEAT_VERSION:
		data_blob_put_string(b, "sframetrace " SFRAMETRACE_VERSION);
		break;
	case DATA_FEAT_NRCPUS:
		get_nr_cpus(&avail, &online);
		data_blob_put_u32(b, avail);
		data_blob_put_u32(b, online);
		break;
	case DATA_FEAT_CPUDESC:
		ret = build_cpudesc(b);
		break;
	case DATA_FEAT_CPUID:
		ret = build_cpuid(b);
		break;
	case DATA_FEAT_TOTAL_MEM:
		ret = build_total_mem(b);
		break;
	case DATA_FEAT_CMDLINE:
		ret = build_cmdline(w, b);
		break;
	case DATA_FEAT_EVENT_DESC:
		ret = build_event_desc(w, b);
		break;
	case DATA_FEAT_CPU_TOPOLOGY:
		ret = build_cpu_topology(b);
		break;
	case DATA_FEAT_SAMPLE_TIME:
		if (!w->have_sample_time)
			return -ENOENT;
		data_blob_put_u64(b, w->sample_first);
		data_blob_put_u64(b, w->sample_last);
		break;
	default:
		return -ENOENT;
	}
	if (ret == 0 && b->err)
		ret = b->err;
	return ret;
}
