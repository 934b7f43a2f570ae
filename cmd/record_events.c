/*
 * Event setup for `sframetrace record`: parse -e, fall back from hardware
 * events to cpu-clock, resolve the call-graph mode (defer when the kernel
 * has it, else sframe), build attrs exactly to the kernel ABI, and write
 * the attrs, synthesized records, build ids and summary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sframetrace/elf.h>

#include "record.h"

/* x86_64 perf_regs: bp = 6, sp = 7, ip = 8. */
#define RECORD_REGS_SFRAME ((1ULL << 6) | (1ULL << 7) | (1ULL << 8))
/* What perf asks for with --call-graph dwarf on x86_64. */
#define RECORD_REGS_DWARF 0xff0fffULL

static int resolve_call_graph(struct record *r)
{
	const struct record_opts *o = &r->opts;
	int ret;

	r->cg = o->cg;
	if (o->cg != RECORD_CG_AUTO && o->cg != RECORD_CG_DEFER)
		return 0;
	ret = event_probe_defer_callchain();
	if (!ret) {
		r->cg = RECORD_CG_DEFER;
		if (o->cg == RECORD_CG_AUTO && !o->quiet)
			fprintf(stderr, "sframetrace record: call graphs: fp,defer (this kernel unwinds user stacks before returning to user space)\n");
		return 0;
	}
	if (o->cg == RECORD_CG_DEFER) {
		fprintf(stderr, "sframetrace record: --call-graph defer: this kernel has no deferred callchains (defer_callchain: %s); try --call-graph sframe\n",
			strerror(-ret));
		return -ECANCELED;
	}
	r->cg = RECORD_CG_SFRAME;
	if (!o->quiet)
		fprintf(stderr, "sframetrace record: call graphs: sframe,%u (no deferred callchains in this kernel: %s; user stacks are copied and unwound with SFrame at report time)\n",
			o->stack_size, strerror(-ret));
	return 0;
}

int record_setup_events(struct record *r)
{
	struct record_opts *o = &r->opts;
	const char *defaults[] = { "cycles" };
	const char **names = o->nr_events ? o->events : defaults;
	int n = o->nr_events ? o->nr_events : 1, i, max_rate, ret;

	for (i = 0; i < n; i++) {
		struct perf_event_attr *a = &r->attrs[r->nr_attrs];

		memset(a, 0, sizeof(*a));
		ret = event_parse_name(names[i], a);
		if (ret == -ENOENT) {
			fprintf(stderr, "sframetrace record: unknown event '%s'\n", names[i]);
			return -ECANCELED;
		}
		if (ret) {
			fprintf(stderr, "sframetrace record: event '%s': %s\n", names[i], strerror(-ret));
			return -ECANCELED;
		}
		snprintf(r->names[r->nr_attrs], sizeof(r->names[0]), "%s", names[i]);
		if (a->type == PERF_TYPE_HARDWARE && event_probe_event(a)) {
			/* As perf: no PMU, so sample the timer instead. */
			if (!o->quiet)
				fprintf(stderr, "sframetrace record: %s: no hardware PMU on this machine; using cpu-clock instead\n",
					names[i]);
			memset(a, 0, sizeof(*a));
			event_parse_name("cpu-clock", a);
			snprintf(r->names[r->nr_attrs], sizeof(r->names[0]), "cpu-clock");
		}
		r->nr_attrs++;
	}
	max_rate = event_read_int("/proc/sys/kernel/perf_event_max_sample_rate", 100000);
	if (o->freq && max_rate > 0 && o->freq > (unsigned long)max_rate) {
		if (!o->quiet)
			fprintf(stderr, "sframetrace record: maximum frequency rate (%d Hz) exceeded, throttling from %lu Hz to %d Hz\n",
				max_rate, o->freq, max_rate);
		o->freq = (unsigned long)max_rate;
	}
	if (o->per_tid)
		o->no_inherit = true;
	r->mmap_build_id = event_probe_mmap_build_id() == 0;
	ret = resolve_call_graph(r);
	if (ret)
		return ret;
	/* Stack copies are ~8 KiB a sample: give them a deeper buffer. */
	if (!o->mmap_pages)
		o->mmap_pages = (r->cg == RECORD_CG_SFRAME || r->cg == RECORD_CG_DWARF)
			? 2 * RECORD_DEFAULT_PAGES : RECORD_DEFAULT_PAGES;
	return 0;
}

static bool env_is_zero(const char *name)
{
	const char *v = getenv(name);

	return v && !strcmp(v, "0");
}

void record_init_attr(const struct record *r, struct perf_event_attr *a,
		      bool tracking)
{
	const struct record_opts *o = &r->opts;
	bool tracepoint = a->type == PERF_TYPE_TRACEPOINT;

	a->size = sizeof(*a);
	a->disabled = 1;
	a->inherit = !o->no_inherit;
	a->enable_on_exec = o->argc > 0 && !o->system_wide;
	a->sample_id_all = 1;
	if (tracepoint && !o->period && o->freq == RECORD_DEFAULT_FREQ) {
		a->sample_period = 1; /* every tracepoint hit, as perf */
	} else if (o->period) {
		a->sample_period = o->period;
	} else {
		a->freq = 1;
		a->sample_freq = o->freq;
	}
	a->sample_type |= PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			  PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
	if (r->nr_attrs > 1)
		a->sample_type |= PERF_SAMPLE_IDENTIFIER;
	if (tracking) {
		a->mmap = 1;
		a->mmap2 = 1;
		a->comm = 1;
		a->comm_exec = 1;
		a->task = 1;
		/* Build ids straight from the kernel: no race with files
		 * replaced on disk after the recording. */
		a->build_id = r->mmap_build_id;
	}
	switch (r->cg) {
	case RECORD_CG_FP:
		a->sample_type |= PERF_SAMPLE_CALLCHAIN;
		break;
	case RECORD_CG_DEFER:
		a->sample_type |= PERF_SAMPLE_CALLCHAIN;
		event_attr_set_flag_bit(a, EVENT_ATTR_BIT_DEFER_CALLCHAIN, true);
		/* Deferred records go where the sideband goes (kernel-abi.md).
		 * SFRAMETRACE_DEFER_OUTPUT=0 leaves the bit off, which makes a
		 * real kernel drop the records: the VM tests use it to check
		 * that record and report notice (tests/vm/). */
		if (tracking && !env_is_zero("SFRAMETRACE_DEFER_OUTPUT"))
			event_attr_set_flag_bit(a, EVENT_ATTR_BIT_DEFER_OUTPUT, true);
		break;
	case RECORD_CG_SFRAME:
	case RECORD_CG_DWARF:
		a->sample_type |= PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_REGS_USER |
				  PERF_SAMPLE_STACK_USER;
		a->exclude_callchain_user = 1;
		/* perf's DWARF unwinder wants the data mappings too. */
		a->mmap_data = tracking;
		a->sample_regs_user = r->cg == RECORD_CG_SFRAME ? RECORD_REGS_SFRAME
								: RECORD_REGS_DWARF;
		a->sample_stack_user = o->stack_size;
		break;
	default:
		break;
	}
}

int record_build_evlist(struct record *r)
{
	struct record_opts *o = &r->opts;
	struct cpu_map *cpus = NULL;
	struct thread_map *threads = NULL;
	int i, ret;

	if (o->system_wide) {
		if (o->cpu_list) {
			ret = cpu_map_parse(o->cpu_list, &cpus);
			if (ret) {
				fprintf(stderr, "sframetrace record: invalid CPU list '%s'\n", o->cpu_list);
				return -ECANCELED;
			}
		} else {
			cpus = cpu_map_new_online();
		}
		pid_t any = -1;

		threads = thread_map_new(&any, 1);
	} else if (o->nr_pids && !o->per_tid) {
		pid_t *all = NULL;
		int nr = 0;

		cpus = cpu_map_new_online();
		for (i = 0; i < o->nr_pids; i++) {
			struct thread_map *t;
			pid_t *grown;

			ret = thread_map_new_process(o->pids[i], &t);
			if (ret) {
				fprintf(stderr, "sframetrace: no such process: %d\n", (int)o->pids[i]);
				free(all);
				cpu_map_free(cpus);
				return -ESRCH; /* reported; a failed recording, as for -t */
			}
			grown = realloc(all, sizeof(*all) * (size_t)(nr + t->nr));
			if (!grown) {
				thread_map_free(t);
				free(all);
				cpu_map_free(cpus);
				return -ENOMEM;
			}
			all = grown;
			memcpy(all + nr, t->pid, sizeof(*all) * (size_t)t->nr);
			nr += t->nr;
			thread_map_free(t);
		}
		threads = thread_map_new(all, nr);
		free(all);
	} else if (o->nr_pids) {
		cpus = cpu_map_new_online();
		threads = thread_map_new(o->pids, o->nr_pids);
	} else {
		cpus = cpu_map_new_online();
		threads = thread_map_new(&r->child, 1);
	}
	if (!cpus || !threads) {
		cpu_map_free(cpus);
		thread_map_free(threads);
		return -ENOMEM;
	}
	r->evlist = evlist_new(cpus, threads);
	if (!r->evlist) {
		cpu_map_free(cpus);
		thread_map_free(threads);
		return -ENOMEM;
	}
	for (i = 0; i < r->nr_attrs; i++) {
		struct evsel *e;

		record_init_attr(r, &r->attrs[i], i == 0);
		e = evsel_new(&r->attrs[i], r->names[i]);
		if (!e || evlist_add(r->evlist, e)) {
			evsel_free(e);
			return -ENOMEM;
		}
	}
	r->track.sample_type = r->attrs[0].sample_type;
	return 0;
}

int record_write_attrs(struct record *r)
{
	int i, k, ret;

	for (i = 0; i < r->evlist->nr; i++) {
		struct evsel *e = r->evlist->entries[i];
		uint64_t *ids = calloc((size_t)(e->ncpus * e->nthreads) + 1, sizeof(*ids));
		size_t n = 0;

		if (!ids)
			return -ENOMEM;
		for (k = 0; k < e->ncpus * e->nthreads; k++)
			if (e->fd[k] >= 0)
				ids[n++] = e->id[k];
		ret = data_writer_add_attr(r->writer, &e->attr, e->name, ids, n);
		free(ids);
		if (ret)
			return ret;
	}
	return 0;
}

int record_write_tracing_data(struct record *r)
{
	uint64_t ids[RECORD_MAX_EVENTS];
	size_t n = 0, len = 0;
	uint8_t *blob = NULL;
	int i, ret;

	for (i = 0; i < r->nr_attrs; i++)
		if (r->attrs[i].type == PERF_TYPE_TRACEPOINT)
			ids[n++] = r->attrs[i].config;
	if (!n)
		return 0;
	ret = event_tracing_data(ids, n, &blob, &len);
	if (!ret)
		ret = data_writer_set_tracing_data(r->writer, blob, len);
	free(blob);
	return ret;
}

static pid_t tgid_of(pid_t tid)
{
	char path[64], line[256];
	pid_t tgid = tid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return tid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

int record_synthesize(struct record *r, event_emit_fn emit)
{
	struct evsel *first = r->evlist->entries[0];
	struct event_synth s = { first->attr.sample_type, 0, emit, r };
	int i, k, ret;

	for (k = 0; k < first->ncpus * first->nthreads; k++)
		if (first->fd[k] >= 0) {
			s.id = first->id[k];
			break;
		}
	ret = event_synth_kernel_mmap(&s);
	if (ret && r->opts.verbose)
		fprintf(stderr, "sframetrace record: kernel map not synthesized (%s): kernel symbols will be missing\n",
			strerror(-ret));
	if (ret && ret != -EACCES)
		return ret;
	if (r->opts.system_wide)
		return event_synth_all(&s);
	for (i = 0; i < r->opts.nr_pids; i++) {
		ret = event_synth_process(&s, tgid_of(r->opts.pids[i]));
		if (ret)
			return ret;
	}
	return 0;
}

static void add_build_ids(struct record *r)
{
	struct record_track *t = &r->track;
	uint8_t bid[20];
	int i, len;

	for (i = 0; i < t->nr_dsos; i++) {
		struct record_dso *d = &t->dsos[i];

		if (!d->hit || d->kernel)
			continue;
		len = d->build_id_len;
		if (len > 0) {
			memcpy(bid, d->build_id, (size_t)len);
		} else {
			if (d->name[0] == '[' || !strncmp(d->name, "//", 2))
				continue;
			len = elf_file_build_id(d->name, bid, sizeof(bid));
			if (len <= 0)
				continue;
		}
		data_writer_add_build_id(r->writer, -1, PERF_RECORD_MISC_USER, bid,
					 (size_t)len, d->name);
	}
	if (t->kernel_hit) {
		char notes[4096];
		FILE *f = fopen("/sys/kernel/notes", "rb");
		size_t n = 0;

		if (f) {
			n = fread(notes, 1, sizeof(notes), f);
			fclose(f);
		}
		len = n ? elf_build_id_from_notes(notes, n, bid, sizeof(bid)) : -ENOENT;
		if (len > 0)
			data_writer_add_build_id(r->writer, -1, PERF_RECORD_MISC_KERNEL,
						 bid, (size_t)len, "[kernel.kallsyms]");
	}
}

int record_finish(struct record *r)
{
	add_build_ids(r);
	data_writer_set_sample_time(r->writer, r->track.first_time, r->track.last_time);
	r->bytes_written = data_writer_data_size(r->writer);
	return data_writer_close(r->writer, true);
}

/*
 * What the deferred records say about the recording, after the summary:
 * none at all is a kernel or setup problem (kernel-abi.md), and mostly
 * one- or two-frame stacks mean the kernel's frame-pointer walk met code
 * without frame pointers, which only the stack-copy modes can unwind.
 */
static void print_deferred_notes(const struct record *r)
{
	const struct record_track *t = &r->track;

	if (r->cg != RECORD_CG_DEFER)
		return;
	if (r->opts.verbose)
		fprintf(stderr, "sframetrace record: %llu deferred user callchains for %llu samples (%llu with at most %d user frames)\n",
			(unsigned long long)t->deferred, (unsigned long long)t->deferred_samples,
			(unsigned long long)t->deferred_short, RECORD_DEFER_SHORT_FRAMES);
	if (t->deferred_samples && !t->deferred) {
		fprintf(stderr, "sframetrace record: warning: %llu samples wait for deferred user callchains but the kernel wrote none: their user frames are missing\n",
			(unsigned long long)t->deferred_samples);
		return;
	}
	if (t->deferred < RECORD_DEFER_SHORT_MIN ||
	    t->deferred_short * 100 <= t->deferred * RECORD_DEFER_SHORT_PERCENT)
		return;
	fprintf(stderr, "sframetrace record: warning: %llu of %llu deferred user stacks have at most %d frames: ",
		(unsigned long long)t->deferred_short, (unsigned long long)t->deferred,
		RECORD_DEFER_SHORT_FRAMES);
	/* A kernel with SFrame unwinding needs .sframe registered, not frame pointers. */
	if (!r->audit.kernel_registers)
		fprintf(stderr, "the program seems built without frame pointers; use --call-graph sframe for complete stacks\n");
	else if (!r->audit.on)
		fprintf(stderr, "the kernel unwinds code without frame pointers only where .sframe is registered; record without --register-sframe=never, or use --call-graph sframe\n");
	else
		fprintf(stderr, "the code seems to have neither frame pointers nor .sframe (SFrame V3); use --call-graph sframe or dwarf for complete stacks\n");
}

void record_print_summary(const struct record *r)
{
	if (r->opts.quiet)
		return;
	fprintf(stderr, "[ sframetrace record: Captured and wrote %.3f MB %s (%llu samples, %llu lost) ]\n",
		(double)r->bytes_written / (1024.0 * 1024.0), r->opts.output,
		(unsigned long long)r->track.samples,
		(unsigned long long)(r->track.lost + r->track.lost_samples));
	print_deferred_notes(r);
}
