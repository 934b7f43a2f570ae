/*
 * sframetrace script: print every sample of a perf.data file as perf
 * script does (comm, tid, cpu, time, period, event, then the stack one
 * frame per line), with -F field selection, or as folded stacks
 * ("comm;outer;...;inner count") for flame-graph tools. Deferred user
 * callchains are stitched by the session; --show-deferred also prints each
 * PERF_RECORD_CALLCHAIN_DEFERRED and --no-merge-callchains shows the two
 * halves as the kernel wrote them.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "report_input.h"
#include "sframetrace/strhash.h"

#define EXIT_ERROR 255
#define EXIT_USAGE 2

static const char script_usage[] =
	"usage: sframetrace script [options]\n"
	"\n"
	"  -i, --input FILE     perf.data to read (default perf.data, - for stdin)\n"
	"  -F, --fields LIST    comm,pid,tid,cpu,time,period,event,ip,sym,symoff,dso,srcline\n"
	"                       (a leading + or - adds to or removes from the default)\n"
	"      --folded         print collapsed stacks: comm;outer;...;inner COUNT\n"
	"      --inline         show inlined functions as frames\n"
	"      --no-inline      not even in stacks unwound from stack copies\n"
	"      --kallsyms FILE  kernel symbols (default /proc/kallsyms)\n"
	"      --symfs DIR      look for binaries under DIR\n"
	"      --show-deferred  also print each deferred user callchain record\n"
	"      --no-merge-callchains\n"
	"                       do not stitch deferred user callchains to their\n"
	"                       samples: print the kernel part and the cookie\n"
	"  -q, --quiet          no warnings\n"
	"  -h, --help           show the manual\n";

enum {
	F_COMM = 1 << 0, F_PID = 1 << 1, F_TID = 1 << 2, F_CPU = 1 << 3, F_TIME = 1 << 4,
	F_PERIOD = 1 << 5, F_EVENT = 1 << 6, F_IP = 1 << 7, F_SYM = 1 << 8, F_SYMOFF = 1 << 9,
	F_DSO = 1 << 10, F_SRCLINE = 1 << 11,
};

static const struct {
	const char *name;
	unsigned int bit;
} field_names[] = {
	{ "comm", F_COMM }, { "pid", F_PID }, { "tid", F_TID }, { "cpu", F_CPU },
	{ "time", F_TIME }, { "period", F_PERIOD }, { "event", F_EVENT }, { "ip", F_IP },
	{ "sym", F_SYM }, { "symoff", F_SYMOFF }, { "dso", F_DSO }, { "srcline", F_SRCLINE },
};

#define F_DEFAULT (F_COMM | F_TID | F_CPU | F_TIME | F_PERIOD | F_EVENT | F_IP | F_SYM | \
		   F_SYMOFF | F_DSO)

enum {
	OPT_FOLDED = 256, OPT_INLINE, OPT_NO_INLINE, OPT_KALLSYMS, OPT_SYMFS, OPT_SHOW_DEFERRED,
	OPT_MERGE, OPT_NO_MERGE,
};

struct folded_stack {
	char *key;
	uint64_t count;
};

struct script {
	struct report_input in;
	unsigned int fields;
	bool folded;
	int name_width;
	/* folded stacks: open addressing on the key */
	struct folded_stack *stacks;
	size_t nr_stacks, cap_stacks;
	char *buf;
	size_t buf_cap;
	bool show_deferred;
	bool merge;              /* stitch deferred user callchains (default) */
	/* a deferred record's frames, for --show-deferred */
	struct session_frame *dframes;
	size_t cap_dframes;
};

static int parse_fields(const char *arg, unsigned int *out)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	unsigned int f = 0;
	int mode = 0;   /* 0 replace, 1 add, -1 remove */

	if (!copy)
		return -ENOMEM;
	if (arg[0] == '+' || arg[0] == '-') {
		mode = arg[0] == '+' ? 1 : -1;
		memmove(copy, copy + 1, strlen(copy));
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++)
			if (!strcmp(tok, field_names[i].name))
				break;
		if (i == sizeof(field_names) / sizeof(field_names[0])) {
			fprintf(stderr, "sframetrace script: -F: unknown field '%s'\n", tok);
			free(copy);
			return -EINVAL;
		}
		f |= field_names[i].bit;
	}
	free(copy);
	*out = mode == 0 ? f : mode > 0 ? (*out | f) : (*out & ~f);
	return 0;
}

static void print_frame_line(struct script *sc, const struct hist_frame *f, uint64_t ip,
			     bool chain)
{
	FILE *fp = stdout;
	unsigned int fl = sc->fields;

	if (chain)
		fputc('\t', fp);
	else
		fputc(' ', fp);
	if (fl & F_IP)
		fprintf(fp, "%16" PRIx64, ip);
	if (fl & F_SYM) {
		if (f->sym) {
			fprintf(fp, " %s", f->sym);
			/* an inlined frame's offset is from its containing symbol, as perf's */
			if (fl & F_SYMOFF)
				fprintf(fp, "+0x%" PRIx64, f->addr - f->sym_start);
		} else {
			fputs(" [unknown]", fp);
		}
	}
	/* perf names no DSO for an inlined frame */
	if (f->inlined && (fl & (F_SYM | F_DSO)))
		fputs(" (inlined)", fp);
	else if (fl & F_DSO)
		fprintf(fp, " (%s)", f->dso_long ? f->dso_long : "[unknown]");
	fputc('\n', fp);
	if ((fl & F_SRCLINE) && f->srcline)
		fprintf(fp, "  %s\n", f->srcline);
}

static bool buf_reserve(struct script *sc, size_t need)
{
	char *grown;
	size_t cap;

	if (need <= sc->buf_cap)
		return true;
	cap = sc->buf_cap ? sc->buf_cap : 4096;
	while (cap < need)
		cap *= 2;
	grown = realloc(sc->buf, cap);
	if (!grown)
		return false;
	sc->buf = grown;
	sc->buf_cap = cap;
	return true;
}

static int folded_add(struct script *sc, const char *key)
{
	size_t i;

	if ((sc->nr_stacks + 1) * 2 > sc->cap_stacks) {
		size_t cap = sc->cap_stacks ? sc->cap_stacks * 2 : 1024;
		struct folded_stack *t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (size_t k = 0; k < sc->cap_stacks; k++) {
			if (!sc->stacks[k].key)
				continue;
			i = strhash(sc->stacks[k].key) & (cap - 1);
			while (t[i].key)
				i = (i + 1) & (cap - 1);
			t[i] = sc->stacks[k];
		}
		free(sc->stacks);
		sc->stacks = t;
		sc->cap_stacks = cap;
	}
	i = strhash(key) & (sc->cap_stacks - 1);
	while (sc->stacks[i].key) {
		if (!strcmp(sc->stacks[i].key, key)) {
			sc->stacks[i].count++;
			return 0;
		}
		i = (i + 1) & (sc->cap_stacks - 1);
	}
	sc->stacks[i].key = strdup(key);
	if (!sc->stacks[i].key)
		return -ENOMEM;
	sc->stacks[i].count = 1;
	sc->nr_stacks++;
	return 0;
}

static int on_sample_folded(struct script *sc, const struct session_sample *sm, size_t n)
{
	size_t len = 0;

	if (!buf_reserve(sc, strlen(sm->thread->comm) + 1))
		return -ENOMEM;
	len = (size_t)sprintf(sc->buf, "%s", sm->thread->comm);
	/* Outermost caller first, as flame-graph tools expect. */
	for (size_t i = n; i-- > 0;) {
		const struct hist_frame *f = &sc->in.frames[i];
		char tmp[64];
		const char *name = f->sym;

		if (!name) {
			snprintf(tmp, sizeof(tmp), "[unknown]");
			name = tmp;
		}
		if (!buf_reserve(sc, len + strlen(name) + 2))
			return -ENOMEM;
		len += (size_t)sprintf(sc->buf + len, ";%s", name);
	}
	/* Flame-graph input cannot hold these separators inside a frame. */
	for (size_t i = 0; i < len; i++)
		if (sc->buf[i] == ' ' || sc->buf[i] == '\n')
			sc->buf[i] = '_';
	return folded_add(sc, sc->buf);
}

static int on_sample(void *ctx, struct session *s, struct session_sample *sm)
{
	struct script *sc = ctx;
	FILE *fp = stdout;
	unsigned int fl = sc->fields;
	bool chain = (sm->evsel->attr.sample_type & PERF_SAMPLE_CALLCHAIN) || sm->stack;
	size_t n = report_resolve_frames(&sc->in, sm, SIZE_MAX);
	char name[64];

	if (sc->folded)
		return on_sample_folded(sc, sm, n);
	if (!(sm->evsel->attr.sample_type & PERF_SAMPLE_CPU))
		fl &= ~F_CPU;
	if (fl & F_COMM) {
		if (chain && (fl & F_IP))
			fprintf(fp, "%s ", sm->thread->comm);
		else
			fprintf(fp, "%16s ", sm->thread->comm);
	}
	if ((fl & F_PID) && (fl & F_TID))
		fprintf(fp, "%5u/%-5u ", sm->pid, sm->tid);
	else if (fl & F_PID)
		fprintf(fp, "%5u ", sm->pid);
	else if (fl & F_TID)
		fprintf(fp, "%5u ", sm->tid);
	if (fl & F_CPU)
		fprintf(fp, "[%03u] ", sm->cpu);
	if (fl & F_TIME)
		fprintf(fp, "%5" PRIu64 ".%06" PRIu64 ": ", sm->time / 1000000000,
			sm->time % 1000000000 / 1000);
	if (fl & F_PERIOD)
		fprintf(fp, "%10" PRIu64 " ", sm->period);
	if (fl & F_EVENT)
		fprintf(fp, "%*s: ", sc->name_width, report_event_name(sm->evsel, name, sizeof(name)));
	if (!(fl & (F_IP | F_SYM | F_DSO))) {
		fputc('\n', fp);
		return 0;
	}
	if (!chain) {
		if (n)
			print_frame_line(sc, &sc->in.frames[0], sm->ip, false);
		else
			fputc('\n', fp);
		return 0;
	}
	fputc('\n', fp);
	for (size_t i = 0; i < n; i++) {
		const struct hist_frame *f = &sc->in.frames[i];

		print_frame_line(sc, f, f->addr, true);
	}
	/* Unstitched: where the user half would be. */
	if (sm->deferred && !sm->deferred_stitched && !sc->merge)
		fprintf(fp, "\t(deferred user callchain: cookie %#" PRIx64 ")\n", sm->cookie);
	fputc('\n', fp);
	return 0;
}

/*
 * --show-deferred: a PERF_RECORD_CALLCHAIN_DEFERRED as one line in the
 * shape of a sample's, then its user stack as resolved against the
 * thread's maps at the record's time.
 */
static int on_record(void *ctx, struct session *s, const struct perf_event_header *ev,
		     uint64_t time)
{
	struct script *sc = ctx;
	FILE *fp = stdout;
	unsigned int fl = sc->fields;
	struct session_sample fake = { 0 };
	struct session_deferred d;
	struct session_thread *t;
	size_t n = 0;
	char comm[24];

	(void)time;
	if (ev->type != PERF_RECORD_CALLCHAIN_DEFERRED_TYPE || sc->folded)
		return 0;
	if (session_parse_deferred(s, ev, &d) < 0) {
		if (!sc->in.quiet)
			fprintf(stderr, "sframetrace script: warning: a deferred callchain record is cut short\n");
		return 0;
	}
	if (d.nr > sc->cap_dframes) {
		struct session_frame *grown = realloc(sc->dframes, d.nr * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		sc->dframes = grown;
		sc->cap_dframes = d.nr;
	}
	t = d.has_tid ? session_find_thread(s, (pid_t)d.tid) : NULL;
	for (uint64_t i = 0; i < d.nr; i++) {
		uint64_t ip;

		memcpy(&ip, &d.ips[i], 8);
		if (ip >= PERF_CONTEXT_MAX)   /* a leading PERF_CONTEXT_USER */
			continue;
		session_resolve_frame(s, t, PERF_RECORD_MISC_USER, ip, &sc->dframes[n++]);
	}
	fake.thread = t;
	fake.frames = sc->dframes;
	fake.nr_frames = n;
	n = report_resolve_frames(&sc->in, &fake, SIZE_MAX);
	if (d.cpu == (uint32_t)-1)
		fl &= ~F_CPU;
	if (!d.has_time)
		fl &= ~F_TIME;
	snprintf(comm, sizeof(comm), ":%u", d.tid);
	if (fl & F_COMM)
		fprintf(fp, "%s ", t ? t->comm : comm);
	if ((fl & F_PID) && (fl & F_TID))
		fprintf(fp, "%5u/%-5u ", d.pid, d.tid);
	else if (fl & F_PID)
		fprintf(fp, "%5u ", d.pid);
	else if (fl & F_TID)
		fprintf(fp, "%5u ", d.tid);
	if (fl & F_CPU)
		fprintf(fp, "[%03u] ", d.cpu);
	if (fl & F_TIME)
		fprintf(fp, "%5" PRIu64 ".%06" PRIu64 ": ", d.time / 1000000000,
			d.time % 1000000000 / 1000);
	fprintf(fp, "PERF_RECORD_CALLCHAIN_DEFERRED cookie %#" PRIx64 " nr %" PRIu64 "\n",
		d.cookie, d.nr);
	if (fl & (F_IP | F_SYM | F_DSO))
		for (size_t i = 0; i < n; i++)
			print_frame_line(sc, &sc->in.frames[i], sc->in.frames[i].addr, true);
	fputc('\n', fp);
	return 0;
}

static int stack_cmp(const void *a, const void *b)
{
	const struct folded_stack *x = a, *y = b;

	return strcmp(x->key, y->key);
}

static int print_folded(struct script *sc)
{
	struct folded_stack *list = malloc((sc->nr_stacks + 1) * sizeof(*list));
	size_t n = 0;

	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < sc->cap_stacks; i++)
		if (sc->stacks[i].key)
			list[n++] = sc->stacks[i];
	qsort(list, n, sizeof(*list), stack_cmp);
	for (size_t i = 0; i < n; i++)
		printf("%s %" PRIu64 "\n", list[i].key, list[i].count);
	free(list);
	return 0;
}

int cmd_script(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "fields", required_argument, NULL, 'F' },
		{ "folded", no_argument, NULL, OPT_FOLDED },
		{ "inline", no_argument, NULL, OPT_INLINE },
		{ "no-inline", no_argument, NULL, OPT_NO_INLINE },
		{ "kallsyms", required_argument, NULL, OPT_KALLSYMS },
		{ "symfs", required_argument, NULL, OPT_SYMFS },
		{ "show-deferred", no_argument, NULL, OPT_SHOW_DEFERRED },
		{ "merge-callchains", no_argument, NULL, OPT_MERGE },
		{ "no-merge-callchains", no_argument, NULL, OPT_NO_MERGE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct script sc = { .fields = F_DEFAULT, .merge = true };
	struct symbol_opts sopts = { 0 };
	struct session_ops ops = { .sample = on_sample, .ctx = &sc };
	const char *input = "perf.data";
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:F:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': input = optarg; break;
		case 'F':
			if (parse_fields(optarg, &sc.fields) < 0)
				return EXIT_USAGE;
			break;
		case OPT_FOLDED: sc.folded = true; break;
		case OPT_INLINE: sc.in.inline_frames = true; break;
		case OPT_NO_INLINE: sc.in.no_inline = true; break;
		case OPT_KALLSYMS: sopts.kallsyms = optarg; break;
		case OPT_SYMFS: sopts.symfs = optarg; break;
		case OPT_SHOW_DEFERRED: sc.show_deferred = true; break;
		case OPT_MERGE: sc.merge = true; break;
		case OPT_NO_MERGE: sc.merge = false; break;
		case 'q': sopts.quiet = true; sc.in.quiet = true; break;
		case 'h': return cmd_show_help("script", script_usage);
		case ':':
			cmd_usage_error("script", script_usage, "option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			cmd_usage_error("script", script_usage, "unknown option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cmd_usage_error("script", script_usage, "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	sc.in.srcline = sc.fields & F_SRCLINE;
	if (report_input_open(&sc.in, "script", input, &sopts) < 0)
		return EXIT_ERROR;
	for (size_t i = 0; i < session_nr_evsels(sc.in.session); i++) {
		char name[64];
		int w = (int)strlen(report_event_name(session_evsel(sc.in.session, i), name,
						      sizeof(name)));

		if (w > sc.name_width)
			sc.name_width = w;
	}
	if (session_nr_evsels(sc.in.session) <= 1)
		sc.name_width = 0;
	session_set_merge_deferred(sc.in.session, sc.merge);
	if (sc.show_deferred)
		ops.record = on_record;
	ret = report_input_process(&sc.in, &ops);
	if (ret == 0 && sc.folded)
		ret = print_folded(&sc);
	for (size_t i = 0; i < sc.cap_stacks; i++)
		free(sc.stacks[i].key);
	free(sc.stacks);
	free(sc.buf);
	free(sc.dframes);
	report_input_close(&sc.in);
	fflush(stdout);
	return ret < 0 ? EXIT_ERROR : 0;
}
