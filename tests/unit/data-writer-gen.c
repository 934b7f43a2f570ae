/*
 * Builds a realistic perf.data with lib/data's writer for the perf
 * cross-check (tests/cli/data-writer-perf.sh): one cpu-clock event, a COMM
 * and MMAP2 records for this process's executable mappings, its build id,
 * and samples whose IPs lie in two known functions of this program, so
 * `perf report` must name them.
 *
 * usage: data-writer-gen OUTPUT
 */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "sframetrace/data.h"

#define NR_SAMPLES 400
#define SAMPLE_PERIOD 250000 /* ns at 4000 Hz */

/* The report must show these two; volatile keeps them real loops. */
__attribute__((noinline)) long gen_hot_alpha(long n)
{
	volatile long s = 0;

	for (long i = 0; i < n; i++)
		s += i * 3;
	return s;
}

__attribute__((noinline)) long gen_hot_beta(long n)
{
	volatile long s = 1;

	for (long i = 0; i < n; i++)
		s ^= i << 1;
	return s;
}

/* sample_id_all trailer for sample_type IP|TID|TIME|PERIOD: pid, tid, time. */
struct gen_sample_id {
	uint32_t pid, tid;
	uint64_t time;
};

struct gen_sample {
	struct perf_event_header header;
	uint64_t ip;
	uint32_t pid, tid;
	uint64_t time;
	uint64_t period;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int write_comm(struct data_writer *w, uint32_t pid, uint64_t t)
{
	unsigned char rec[64] = { 0 };
	struct perf_event_header h = { .type = PERF_RECORD_COMM };
	const char comm[16] = "data-writer-gen"; /* 16 bytes, NUL included */
	struct gen_sample_id id = { pid, pid, t };
	size_t off = sizeof(h);

	memcpy(rec + off, &pid, 4);
	memcpy(rec + off + 4, &pid, 4);
	off += 8;
	memcpy(rec + off, comm, sizeof(comm));
	off += sizeof(comm);
	memcpy(rec + off, &id, sizeof(id));
	off += sizeof(id);
	h.size = (uint16_t)off;
	memcpy(rec, &h, sizeof(h));
	return data_writer_write(w, rec, off);
}

/* One MMAP2 per executable file mapping in /proc/self/maps. */
static int write_mmaps(struct data_writer *w, uint32_t pid, uint64_t t)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[4096];
	int ret = 0;

	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		unsigned long start, end, pgoff, ino;
		unsigned int maj, min;
		char perms[8], path[4096];
		unsigned char rec[4096 + 128];
		struct perf_event_header h = { .type = PERF_RECORD_MMAP2,
					       .misc = PERF_RECORD_MISC_USER };
		struct gen_sample_id id = { pid, pid, t };
		uint64_t v;
		uint32_t u;
		size_t off = sizeof(h), n;

		path[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %4095s", &start, &end, perms, &pgoff,
			   &maj, &min, &ino, path) < 7)
			continue;
		if (perms[2] != 'x' || path[0] != '/')
			continue;
		memset(rec, 0, sizeof(rec));
#define PUT(x) (memcpy(rec + off, &(x), sizeof(x)), off += sizeof(x))
		PUT(pid);
		PUT(pid);
		v = start;
		PUT(v);
		v = end - start;
		PUT(v);
		v = pgoff;
		PUT(v);
		PUT(maj);
		PUT(min);
		v = ino;
		PUT(v);
		v = 0; /* ino_generation */
		PUT(v);
		u = PROT_READ | PROT_EXEC;
		PUT(u);
		u = MAP_PRIVATE;
		PUT(u);
		n = strlen(path) + 1;
		memcpy(rec + off, path, n);
		off += (n + 7) & ~(size_t)7;
		PUT(id);
#undef PUT
		h.size = (uint16_t)off;
		memcpy(rec, &h, sizeof(h));
		ret = data_writer_write(w, rec, off);
	}
	fclose(f);
	return ret;
}

struct gen_build_id {
	uint8_t id[20];
	size_t len;
};

/* The main program's NT_GNU_BUILD_ID note, from its loaded PT_NOTE segments. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct gen_build_id *out = arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const unsigned char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const unsigned char *name = p + sizeof(*nh);
			const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3u);

			if (desc + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 && nh->n_descsz <= sizeof(out->id)) {
				memcpy(out->id, desc, nh->n_descsz);
				out->len = nh->n_descsz;
				return 1;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1; /* the first object is the main program; stop either way */
}

int main(int argc, char **argv)
{
	struct perf_event_attr attr;
	struct data_writer *w;
	struct gen_build_id bid = { .len = 0 };
	uint64_t id = 1, t0, t;
	uint32_t pid = (uint32_t)getpid();
	char exe[4096];
	ssize_t n;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTPUT\n", argv[0]);
		return 2;
	}
	/* Run the functions once so they are what they claim to be. */
	if (gen_hot_alpha(1000) == gen_hot_beta(1000))
		puts("");

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.sample_freq = 4000;
	attr.freq = 1;
	attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			   PERF_SAMPLE_PERIOD;
	attr.sample_id_all = 1;
	attr.mmap = 1;
	attr.mmap2 = 1;
	attr.comm = 1;
	attr.comm_exec = 1;
	attr.task = 1;
	/* User IPs only: no kernel map is recorded, so say so. */
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;

	ret = data_writer_open(&w, argv[1]);
	if (ret) {
		fprintf(stderr, "data-writer-gen: %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	ret = data_writer_add_attr(w, &attr, "cpu-clock", &id, 1);
	t0 = now_ns();
	if (!ret)
		ret = write_comm(w, pid, t0);
	if (!ret)
		ret = write_mmaps(w, pid, t0);
	t = t0 + 1000;
	for (int i = 0; i < NR_SAMPLES && !ret; i++) {
		struct gen_sample s = {
			.header = { .type = PERF_RECORD_SAMPLE,
				    .misc = PERF_RECORD_MISC_USER,
				    .size = sizeof(s) },
			/* 3 of 4 in alpha, so the report has a clear order. */
			.ip = (uint64_t)(uintptr_t)(i % 4 ? (void *)gen_hot_alpha
							  : (void *)gen_hot_beta) + 4,
			.pid = pid,
			.tid = pid,
			.time = t,
			.period = SAMPLE_PERIOD,
		};

		ret = data_writer_write(w, &s, sizeof(s));
		t += SAMPLE_PERIOD;
	}
	data_writer_set_cmdline(w, argc, argv);
	data_writer_set_sample_time(w, t0 + 1000, t - SAMPLE_PERIOD);
	dl_iterate_phdr(find_build_id, &bid);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (!ret && bid.len && n > 0) {
		exe[n] = '\0';
		ret = data_writer_add_build_id(w, -1, PERF_RECORD_MISC_USER, bid.id, bid.len,
					       exe);
	}
	if (ret) {
		data_writer_close(w, false);
		fprintf(stderr, "data-writer-gen: %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	ret = data_writer_close(w, true);
	if (ret) {
		fprintf(stderr, "data-writer-gen: %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	return 0;
}
