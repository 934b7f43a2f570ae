/*
 * Opening a perf.data input for report, script and top, and turning the
 * session's frames into symbolized hist_frames.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_input.h"

/* perf's x86 register bits BP, SP, IP: what sframe mode records. */
#define SFRAME_MODE_REGS ((1ULL << 6) | (1ULL << 7) | (1ULL << 8))

static int find_map(void *ctx, uint64_t pc, struct unwind_map *out)
{
	struct report_input *in = ctx;
	const struct session_map *m = session_thread_find_map(in->unwind_thread, pc);

	if (!m)
		return -ENOENT;
	out->start = m->start;
	out->end = m->end;
	out->pgoff = m->pgoff;
	out->path = m->filename;
	return 0;
}

/* The session's unwinder hook: one user stack from regs and stack copy. */
static int unwind_user(void *ctx, struct session *s, const struct session_sample *sm,
		       uint64_t *ips, size_t max)
{
	struct report_input *in = ctx;
	struct unwind_regs regs;
	struct unwind_result res;

	(void)s;
	if (in->skip_unwind)
		return 0;   /* the session then resolves the sampled ip alone */
	unwind_regs_from_perf(&regs, sm->regs_mask, sm->regs,
			      (size_t)__builtin_popcountll(sm->regs_mask));
	in->unwind_thread = sm->thread;
	if (unwind_stack(in->unwinder, &regs, sm->stack, sm->stack_size, find_map, in, ips, max,
			 &res) < 0)
		return 0;
	unwind_stats_add(&in->unwind_stats, &res);
	return (int)res.nr_ips;
}

/* Files with user stack copies get an unwinder; the others do not need one. */
static int setup_unwinder(struct report_input *in, const char *symfs)
{
	struct unwind_opts uo = { .symfs = symfs };
	struct session_unwinder hook = { .unwind = unwind_user, .ctx = in };
	int ret;

	if (!in->has_copies)
		return 0;
	/*
	 * A dwarf-mode recording (perf's, or ours) asked for DWARF unwinding:
	 * it saved every register CFI may need. An sframe-mode one saved ip,
	 * sp and bp only, for SFrame first.
	 */
	if (!in->unwind_mode_set) {
		in->unwind_mode = UNWIND_SFRAME;
		for (size_t i = 0; i < session_nr_evsels(in->session); i++) {
			const struct perf_event_attr *a = &session_evsel(in->session, i)->attr;

			if ((a->sample_type & PERF_SAMPLE_REGS_USER) &&
			    (a->sample_regs_user & ~SFRAME_MODE_REGS))
				in->unwind_mode = UNWIND_DWARF;
		}
	}
	uo.mode = in->unwind_mode;
	ret = unwinder_new(&in->unwinder, &uo);
	if (ret < 0)
		return ret;
	session_set_unwinder(in->session, &hook);
	return 0;
}

const char *report_unwind_summary(const struct report_input *in, char *buf, size_t len)
{
	const struct unwind_stats *st = &in->unwind_stats;

	if (!st->nr_samples || in->skip_unwind)
		return NULL;
	snprintf(buf, len, "# User stacks unwound from stack copies (%s): %llu samples, %llu reached the outermost frame, %llu truncated by the copy size, %llu lacked unwind info, %llu bad data\n#\n",
		in->unwind_mode == UNWIND_DWARF ? "DWARF CFI" : "SFrame, DWARF CFI, frame pointer",
		(unsigned long long)st->nr_samples,
		(unsigned long long)st->nr_by_stop[UNWIND_STOP_OUTERMOST],
		(unsigned long long)st->nr_by_stop[UNWIND_STOP_TRUNCATED],
		(unsigned long long)(st->nr_by_stop[UNWIND_STOP_NO_INFO] +
				     st->nr_by_stop[UNWIND_STOP_NO_MAP]),
		(unsigned long long)(st->nr_by_stop[UNWIND_STOP_BAD_DATA] +
				     st->nr_by_stop[UNWIND_STOP_LIMIT]));
	return buf;
}

void report_print_unwind_stats(FILE *fp, const struct report_input *in)
{
	const struct unwind_stats *st = &in->unwind_stats;
	double n = st->nr_samples ? (double)st->nr_samples : 1;

	fprintf(fp, "# User stack unwinding (%s)\n",
		in->unwind_mode == UNWIND_DWARF ? "DWARF CFI only" : "SFrame, then DWARF CFI, then frame pointer");
	fprintf(fp, "%12llu  samples unwound\n", (unsigned long long)st->nr_samples);
	for (int k = 0; k < UNWIND_STOP_MAX; k++)
		fprintf(fp, "%12llu  %6.2f%%  %s\n", (unsigned long long)st->nr_by_stop[k],
			100.0 * (double)st->nr_by_stop[k] / n, unwind_stop_name(k));
	for (size_t i = 0; i < st->nr_dsos; i++)
		fprintf(fp, "%12llu            %s in %s\n", (unsigned long long)st->dsos[i].nr,
			st->dsos[i].stop == UNWIND_STOP_BAD_DATA ? "bad data" : "no unwind info",
			st->dsos[i].path);
	fprintf(fp, "%12llu  frames: %llu by SFrame, %llu by DWARF CFI, %llu by frame pointer\n",
		(unsigned long long)st->nr_frames, (unsigned long long)st->nr_sframe,
		(unsigned long long)st->nr_cfi, (unsigned long long)st->nr_fp);
}

int report_input_open(struct report_input *in, const char *cmd, const char *path,
		      const struct symbol_opts *sopts)
{
	struct symbol_opts so = *sopts;
	char err[320];
	int ret;

	so.srcline = in->srcline;
	so.quiet = so.quiet || in->quiet;
	in->cmd = cmd;
	in->path = path;
	in->progress = isatty(STDERR_FILENO) && !in->quiet;
	ret = data_reader_open(&in->reader, path, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "sframetrace %s: %s: %s\n", cmd, strcmp(path, "-") ? path : "stdin",
			err);
		return ret;
	}
	in->has_copies = data_reader_is_pipe(in->reader);
	for (size_t i = 0; i < data_reader_nr_attrs(in->reader); i++) {
		uint64_t t = data_reader_attr(in->reader, i)->attr.sample_type;

		if ((t & PERF_SAMPLE_REGS_USER) && (t & PERF_SAMPLE_STACK_USER))
			in->has_copies = true;
	}
	/* perf shows inline chains in stacks it unwound from copies. */
	in->inline_unwound = in->has_copies && !in->no_inline;
	so.inline_frames = in->inline_frames || in->inline_unwound;
	ret = symbol_cache_new(&in->syms, &so);
	if (ret == 0)
		ret = session_new(&in->session, in->reader, in->syms);
	if (ret < 0) {
		fprintf(stderr, "sframetrace %s: %s\n", cmd, strerror(-ret));
		report_input_close(in);
		return ret;
	}
	ret = setup_unwinder(in, sopts->symfs);
	if (ret < 0) {
		fprintf(stderr, "sframetrace %s: %s\n", cmd, strerror(-ret));
		report_input_close(in);
		return ret;
	}
	in->sym_cache = calloc(REPORT_SYM_CACHE, sizeof(*in->sym_cache));
	return 0;
}

void report_input_close(struct report_input *in)
{
	unwinder_free(in->unwinder);
	in->unwinder = NULL;
	unwind_stats_exit(&in->unwind_stats);
	session_free(in->session);
	symbol_cache_free(in->syms);
	data_reader_close(in->reader);
	free(in->frames);
	free(in->sym_cache);
	in->sym_cache = NULL;
	in->session = NULL;
	in->syms = NULL;
	in->reader = NULL;
	in->frames = NULL;
}

static void show_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct report_input *in = ctx;

	if (!in->progress)
		return;
	if (total)
		fprintf(stderr, "\rReading %s: %3d%%", in->path, (int)(done * 100 / total));
	else
		fprintf(stderr, "\rReading %s: %" PRIu64 " MB", in->path, done >> 20);
	in->progress_shown = true;
}

int report_input_process(struct report_input *in, const struct session_ops *ops)
{
	struct session_ops o = *ops;
	const char *warn;
	int ret;

	if (!o.progress) {
		o.progress = show_progress;
		o.progress_ctx = in;
	}
	ret = session_process(in->session, &o);
	if (in->progress_shown)
		fputs("\r\033[K", stderr);
	if (ret < 0) {
		fprintf(stderr, "sframetrace %s: %s: %s\n", in->cmd,
			strcmp(in->path, "-") ? in->path : "stdin", session_error(in->session));
		return ret;
	}
	warn = data_reader_warning(in->reader);
	if (warn && !in->quiet)
		fprintf(stderr, "sframetrace %s: warning: %s: %s\n", in->cmd,
			strcmp(in->path, "-") ? in->path : "stdin", warn);
	return ret;
}

char report_level(unsigned int cpumode)
{
	switch (cpumode) {
	case PERF_RECORD_MISC_KERNEL: return 'k';
	case PERF_RECORD_MISC_HYPERVISOR: return 'H';
	case PERF_RECORD_MISC_GUEST_KERNEL: return 'g';
	case PERF_RECORD_MISC_GUEST_USER: return 'u';
	default: return '.';
	}
}

static bool grow_frames(struct report_input *in, size_t need)
{
	struct hist_frame *grown;
	size_t cap;

	if (need <= in->cap_frames)
		return true;
	cap = in->cap_frames ? in->cap_frames * 2 : 256;
	while (cap < need)
		cap *= 2;
	grown = realloc(in->frames, cap * sizeof(*grown));
	if (!grown)
		return false;
	in->frames = grown;
	in->cap_frames = cap;
	return true;
}

size_t report_resolve_frames(struct report_input *in, const struct session_sample *s, size_t max)
{
	struct symbol_frame sf[16];
	size_t n = 0;

	for (size_t i = 0; i < s->nr_frames && i < max; i++) {
		const struct session_frame *f = &s->frames[i];
		int k = 1;

		sf[0] = (struct symbol_frame){ 0 };
		if (!f->dso) {
			/* [unknown]: no symbol */
		} else if (in->inline_frames || in->srcline || (f->unwound && in->inline_unwound)) {
			/* perf expands inline chains in DWARF-unwound stacks only */
			k = symbol_lookup(in->syms, f->dso, f->addr, sf, 16);
			if (!in->inline_frames && !(f->unwound && in->inline_unwound) && k > 1) {
				sf[0] = sf[k - 1];
				k = 1;
			}
		} else if (in->sym_cache) {
			struct report_sym_cache *c =
				&in->sym_cache[(f->addr ^ (uintptr_t)f->dso >> 4) * 0x9E3779B97F4A7C15ULL >>
					       52 & (REPORT_SYM_CACHE - 1)];

			if (c->dso != f->dso || c->addr != f->addr) {
				symbol_lookup_plain(in->syms, f->dso, f->addr, &c->frame);
				c->dso = f->dso;
				c->addr = f->addr;
			}
			sf[0] = c->frame;
		} else {
			symbol_lookup_plain(in->syms, f->dso, f->addr, &sf[0]);
		}
		if (k < 1)
			k = 1;
		if (!grow_frames(in, n + (size_t)k))
			break;
		for (int j = 0; j < k; j++) {
			struct hist_frame *h = &in->frames[n++];
			char line[512];

			h->dso = f->dso ? symbol_dso_short_name(f->dso) : NULL;
			h->dso_long = f->dso ? symbol_dso_name(f->dso) : NULL;
			h->dso_id = f->dso;
			h->sym = sf[j].name;
			h->sym_start = sf[j].start;
			h->addr = f->addr;
			h->ip = f->ip;
			h->level = report_level(f->cpumode);
			h->inlined = sf[j].inlined;
			h->srcline = NULL;
			if (in->srcline && sf[j].file) {
				snprintf(line, sizeof(line), "%s:%u", sf[j].file, sf[j].line);
				h->srcline = session_intern(in->session, line);
			}
		}
		/*
		 * perf's entry for the sampled address names its real symbol,
		 * even where the call graph shows the inline chain there.
		 */
		if (i == 0) {
			in->self_frame = in->frames[n - 1];
			if (f->dso && (k > 1 || sf[0].inlined)) {
				struct symbol_frame plain;

				symbol_lookup_plain(in->syms, f->dso, f->addr, &plain);
				in->self_frame.sym = plain.name;
				in->self_frame.sym_start = plain.start;
				in->self_frame.inlined = false;
			} else {
				in->self_frame = in->frames[0];
			}
		}
	}
	return n;
}

const char *report_event_name(const struct session_evsel *e, char *buf, size_t len)
{
	static const char *const hw[] = {
		"cycles", "instructions", "cache-references", "cache-misses", "branches",
		"branch-misses", "bus-cycles", "stalled-cycles-frontend",
		"stalled-cycles-backend", "ref-cycles",
	};
	static const char *const sw[] = {
		"cpu-clock", "task-clock", "page-faults", "context-switches", "cpu-migrations",
		"minor-faults", "major-faults", "alignment-faults", "emulation-faults", "dummy",
		"bpf-output", "cgroup-switches",
	};

	if (e->name)
		return e->name;
	if (e->attr.type == PERF_TYPE_HARDWARE && e->attr.config < sizeof(hw) / sizeof(hw[0]))
		return hw[e->attr.config];
	if (e->attr.type == PERF_TYPE_SOFTWARE && e->attr.config < sizeof(sw) / sizeof(sw[0]))
		return sw[e->attr.config];
	snprintf(buf, len, "unknown-%u:%#llx", e->attr.type, (unsigned long long)e->attr.config);
	return buf;
}
