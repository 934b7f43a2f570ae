/*
 * Fuzz target for the perf.data reader (lib/data/data_reader.c) and the
 * session layer on top of it (lib/session): the input is a perf.data file
 * or a saved pipe stream. It goes into a memfd so the reader takes its
 * real path (open, fstat, mmap or read) through /proc/self/fd; every record
 * is read, every sample parsed against every attr with everything the
 * parse points at touched; then a second reader feeds a whole session.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sframetrace/data.h"
#include "sframetrace/session.h"

/* Touched bytes are summed here so the reads cannot be optimised away. */
static volatile uint64_t sink;

static void touch(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += b[i];
	sink += s;
}

static void touch_str(const char *s)
{
	if (s)
		touch(s, strlen(s) + 1);
}

static void touch_sample(const struct session_sample *sm)
{
	if (sm->callchain)
		touch(sm->callchain, sm->nr_callchain * sizeof(uint64_t));
	if (sm->raw)
		touch(sm->raw, sm->raw_size);
	if (sm->regs)
		touch(sm->regs, (size_t)__builtin_popcountll(sm->regs_mask) * sizeof(uint64_t));
	if (sm->stack)
		touch(sm->stack, sm->stack_size);
}

static void touch_reader(const struct data_reader *r)
{
	const struct data_reader_info *in = data_reader_info(r);

	for (size_t i = 0; i < data_reader_nr_attrs(r); i++) {
		const struct data_reader_attr *a = data_reader_attr(r, i);

		touch(&a->attr, sizeof(a->attr));
		touch_str(a->name);
		if (a->nr_ids)
			touch(a->ids, a->nr_ids * sizeof(uint64_t));
	}
	for (size_t i = 0; i < data_reader_nr_build_ids(r); i++) {
		const struct data_reader_build_id *b = data_reader_build_id(r, i);

		touch(b->id, b->len);
		touch_str(b->filename);
	}
	touch_str(in->hostname);
	touch_str(in->osrelease);
	touch_str(in->version);
	touch_str(in->arch);
	touch_str(in->cpudesc);
	touch_str(in->cpuid);
	for (size_t i = 0; i < in->nr_cmdline; i++)
		touch_str(in->cmdline[i]);
}

static int on_sample(void *ctx, struct session *s, struct session_sample *sm)
{
	(void)ctx;
	(void)s;
	touch_sample(sm);
	touch(sm->frames, sm->nr_frames * sizeof(*sm->frames));
	if (sm->thread)
		touch_str(sm->thread->comm);
	if (sm->evsel)
		touch_str(sm->evsel->name);
	return 0;
}

/*
 * Reads every record; false when the input cannot be opened. The reader
 * promises 8-byte aligned records (it copies the ones a record of odd size
 * leaves misaligned in the mapped file), which every consumer relies on:
 * a misaligned one is a finding.
 */
static bool read_records(const char *path)
{
	struct data_reader *r;
	const struct perf_event_header *ev;
	struct perf_event_header h;
	struct session_sample sm;
	char err[256];
	uint64_t off, done, total;
	int ret;

	if (data_reader_open(&r, path, err, sizeof(err)) < 0)
		return false;
	touch_reader(r);
	while ((ret = data_reader_next(r, &ev, &off)) == 1) {
		memcpy(&h, ev, sizeof(h));
		touch(ev, h.size);
		if ((uintptr_t)ev % 8)
			__builtin_trap();
		if (h.type != PERF_RECORD_SAMPLE)
			continue;
		/* In pipe mode attrs arrive with the data: take the count anew. */
		for (size_t i = 0; i < data_reader_nr_attrs(r); i++)
			if (session_parse_sample(&data_reader_attr(r, i)->attr, ev, &sm) == 0)
				touch_sample(&sm);
	}
	if (ret < 0)
		touch_str(data_reader_error(r));
	else
		touch_str(data_reader_warning(r));
	data_reader_progress(r, &done, &total);
	touch_reader(r);
	data_reader_close(r);
	return true;
}

static void run_session(const char *path)
{
	struct session_ops ops = { .sample = on_sample };
	struct data_reader *r;
	struct session *s;
	char err[256];

	if (data_reader_open(&r, path, err, sizeof(err)) < 0)
		return;
	if (session_new(&s, r, NULL) == 0) {
		if (session_process(s, &ops) < 0)
			touch_str(session_error(s));
		touch(session_stats(s), sizeof(struct session_stats));
		for (size_t i = 0; i < session_nr_evsels(s); i++)
			touch_str(session_evsel(s, i)->name);
		session_free(s);
	}
	data_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	size_t done = 0;
	int fd = memfd_create("fuzz_perfdata", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	while (done < size) {
		ssize_t k = write(fd, data + done, size - done);

		if (k <= 0) {
			close(fd);
			return 0;
		}
		done += (size_t)k;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (read_records(path))
		run_session(path);
	close(fd);
	return 0;
}
