/*
 * sframetrace report: read a perf.data file (ours or perf's) and print
 * perf report's --stdio view: entries by overhead with self and children
 * periods and call graphs, with perf's option names; or, on a terminal,
 * browse the same entries (lib/ui/browser.c) as perf report's TUI.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "report_input.h"
#include "sframetrace/browser.h"
#include "sframetrace/ui.h"
#include "top_tui.h"

#define EXIT_ERROR 255
#define EXIT_USAGE 2

static const char report_usage[] =
	"usage: sframetrace report [options]\n"
	"\n"
	"  -i, --input FILE        perf.data to read (default perf.data, - for stdin)\n"
	"      --stdio             text output (the default when stdout is not a terminal)\n"
	"      --tui               the interactive browser (the default on a terminal)\n"
	"      --children          add callers' cumulative overhead (default with call graphs)\n"
	"      --no-children       only self overhead\n"
	"  -s, --sort KEYS         comm,dso,sym,pid,tid,cpu,srcline (default comm,dso,sym)\n"
	"  -g, --call-graph MODE   graph|fractal|flat|folded|none[,THRESHOLD][,caller|callee]\n"
	"  -G, --inverted          caller order (alias for -g caller)\n"
	"      --percent-limit N   hide entries below N percent\n"
	"      --percentage MODE   relative|absolute percentages of filtered entries\n"
	"      --comm LIST         only these commands\n"
	"  -d, --dso LIST          only these shared objects\n"
	"  -S, --symbols LIST      only these symbols\n"
	"      --inline            show inlined functions in call graphs\n"
	"      --no-inline         not even in stacks unwound from stack copies\n"
	"      --header            print the recording's header info first\n"
	"      --header-only       print only the header info\n"
	"      --unwind-stats      print how the user stacks of stack copies were unwound\n"
	"      --unwinder MODE     sframe (SFrame, then DWARF CFI, then frame pointer) or\n"
	"                          dwarf (DWARF CFI only, as perf); default: as recorded\n"
	"      --kallsyms FILE     kernel symbols (default /proc/kallsyms)\n"
	"      --symfs DIR         look for binaries under DIR\n"
	"  -q, --quiet             rows only, no # header lines or warnings\n"
	"  -h, --help              show the manual\n";

enum {
	OPT_STDIO = 256, OPT_TUI, OPT_CHILDREN, OPT_NO_CHILDREN, OPT_PERCENT_LIMIT,
	OPT_PERCENTAGE, OPT_COMM, OPT_INLINE, OPT_NO_INLINE, OPT_HEADER, OPT_HEADER_ONLY, OPT_KALLSYMS,
	OPT_SYMFS, OPT_UNWIND_STATS, OPT_UNWINDER,
};

struct report {
	struct report_input in;
	struct hist_opts hopts;
	struct ui_report_opts uopts;
	struct hists **hists;       /* one per evsel */
	size_t nr_hists;
	char *filter[HIST_KEY_MAX]; /* comma lists for comm, dso, sym */
	bool relative;
	int children;               /* -1: default */
	bool graph_given;
	bool order_given;
	bool settled;
	bool unwind_stats;
	int tui;                    /* -1: the browser when stdout is a terminal */
};

/* "a,b,c" contains name? */
static bool list_has(const char *list, const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

static bool keep_entry(void *ctx, const struct hist_entry *e)
{
	struct report *r = ctx;

	if (r->filter[HIST_KEY_COMM] && !list_has(r->filter[HIST_KEY_COMM], e->comm))
		return false;
	if (r->filter[HIST_KEY_DSO]) {
		const char *s = e->frame.dso ? e->frame.dso : "[unknown]";
		const char *l = e->frame.dso_long ? e->frame.dso_long : "[unknown]";

		if (!list_has(r->filter[HIST_KEY_DSO], s) && !list_has(r->filter[HIST_KEY_DSO], l))
			return false;
	}
	if (r->filter[HIST_KEY_SYM] &&
	    (!e->frame.sym || !list_has(r->filter[HIST_KEY_SYM], e->frame.sym)))
		return false;
	return true;
}

static int parse_call_graph(struct report *r, const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int nums = 0;

	if (!copy)
		return -ENOMEM;
	r->graph_given = true;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		double v;

		if (!strcmp(tok, "graph"))
			r->uopts.graph = UI_GRAPH_GRAPH;
		else if (!strcmp(tok, "fractal"))
			r->uopts.graph = UI_GRAPH_FRACTAL;
		else if (!strcmp(tok, "flat"))
			r->uopts.graph = UI_GRAPH_FLAT;
		else if (!strcmp(tok, "folded"))
			r->uopts.graph = UI_GRAPH_FOLDED;
		else if (!strcmp(tok, "none"))
			r->uopts.graph = UI_GRAPH_NONE;
		else if (!strcmp(tok, "caller"))
			r->hopts.order = HIST_ORDER_CALLER, r->order_given = true;
		else if (!strcmp(tok, "callee"))
			r->hopts.order = HIST_ORDER_CALLEE, r->order_given = true;
		else if (!strcmp(tok, "function") || !strcmp(tok, "percent"))
			;   /* perf's defaults: keys by function, values in percent */
		else if ((v = strtod(tok, &end)), end != tok && *end == '\0' && v >= 0) {
			if (nums++ == 0)
				r->uopts.graph_min_percent = v;
			/* a second number is perf's print limit: not supported, ignored */
		} else {
			fprintf(stderr, "sframetrace report: -g: unknown call-graph option '%s'\n", tok);
			free(copy);
			return -EINVAL;
		}
	}
	free(copy);
	return 0;
}

/*
 * Settle the options that depend on the file. Called at the first sample,
 * when the attrs are known even for a pipe (they precede the samples).
 */
static void settle_opts(struct report *r, struct session *s)
{
	bool chains = session_has_callchains(s);
	bool pipe = data_reader_is_pipe(r->in.reader);

	/*
	 * perf decides before reading: a pipe gets no children column but
	 * caller-ordered graphs; a file without call graphs never has children.
	 */
	r->hopts.children = !pipe && chains && r->children != 0;
	if (!r->graph_given && !chains)
		r->uopts.graph = UI_GRAPH_NONE;
	/* Caller order comes with children, which a pipe has asked for unless --no-children. */
	if (!r->order_given)
		r->hopts.order = r->hopts.children || (pipe && r->children != 0) ? HIST_ORDER_CALLER
										   : HIST_ORDER_CALLEE;
	r->hopts.graph = r->uopts.graph != UI_GRAPH_NONE;
	r->uopts.children = r->hopts.children;
	/* Without children or call graphs nothing above the sampled frame shows. */
	r->in.skip_unwind = !r->hopts.children && !r->hopts.graph && !r->unwind_stats;
	r->settled = true;
}

/* The hists of evsel idx, created on its first sample. */
static struct hists *hists_of(struct report *r, size_t idx)
{
	if (idx >= r->nr_hists) {
		size_t n = idx + 8;
		struct hists **grown = realloc(r->hists, n * sizeof(*grown));

		if (!grown)
			return NULL;
		memset(grown + r->nr_hists, 0, (n - r->nr_hists) * sizeof(*grown));
		r->hists = grown;
		r->nr_hists = n;
	}
	if (!r->hists[idx] && hists_new(&r->hists[idx], &r->hopts) < 0)
		return NULL;
	return r->hists[idx];
}

static int on_sample(void *ctx, struct session *s, struct session_sample *sm)
{
	struct report *r = ctx;
	struct hist_sample hs;
	struct hists *h;

	if (!r->settled)
		settle_opts(r, s);
	h = hists_of(r, sm->evsel->idx);
	if (!h)
		return -ENOMEM;
	hs.comm = sm->thread->comm;
	hs.pid = (int)sm->pid;
	hs.tid = (int)sm->tid;
	hs.cpu = (int)sm->cpu;
	hs.thread = sm->thread;
	hs.thread_comm = &sm->thread->comm;
	hs.period = sm->period;
	/* Only the sampled frame counts without children and call graphs. */
	hs.nr_frames = report_resolve_frames(&r->in, sm,
					     r->hopts.children || r->hopts.graph ? SIZE_MAX : 1);
	hs.frames = r->in.frames;
	hs.self = hs.nr_frames ? &r->in.self_frame : NULL;
	return hists_add_sample(h, &hs) < 0 ? -ENOMEM : 0;
}

/* The browser's title for evsel i: perf report's TUI line. */
static void browse_event(struct report *r, struct browser *b, struct browser_view *v, size_t i)
{
	struct session_evsel *e = session_evsel(r->in.session, i);
	double n = (double)e->nr_samples;
	char title[512], name[64], unit = ' ';

	if (n > 1000) { n /= 1000; unit = 'K'; }
	if (n > 1000) { n /= 1000; unit = 'M'; }
	if (n > 1000) { n /= 1000; unit = 'G'; }
	snprintf(title, sizeof(title), "Samples: %llu%c of event '%s', Event count (approx.): %llu",
		 (unsigned long long)n, unit, report_event_name(e, name, sizeof(name)),
		 (unsigned long long)e->total_period);
	v->percent_base = r->relative ? hists_shown_period(r->hists[i]) : 0;
	browser_set_title(b, title);
	browser_set_hists(b, r->hists[i]);
	browser_draw(b);
}

/*
 * Browse the events with samples (TAB: the next one) until q, ESC or a
 * stop signal. 0, or -ENOTTY when there is no terminal to browse on (the
 * caller prints the text instead), or -ENOENT when nothing has samples.
 */
static int report_browse(struct report *r)
{
	struct browser_view view = { 0 };
	struct browser_opts bo = { .graph = r->hopts.graph };
	struct browser *b;
	size_t *idx = calloc(r->nr_hists + 1, sizeof(*idx)), nr = 0, cur = 0;
	int ret;

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < session_nr_evsels(r->in.session) && i < r->nr_hists; i++) {
		if (!session_evsel(r->in.session, i)->nr_samples || !r->hists[i])
			continue;
		hists_filter(r->hists[i], keep_entry, r);
		hists_sort(r->hists[i]);
		idx[nr++] = i;
	}
	if (!nr) {
		free(idx);
		return -ENOENT;
	}
	view.hopts = &r->hopts;
	view.graph_min_percent = r->uopts.graph_min_percent;
	view.fractal = r->uopts.graph == UI_GRAPH_FRACTAL;
	view.percent_limit = r->uopts.percent_limit;
	ret = browser_new(&b, &view, &bo);
	if (ret < 0) {
		free(idx);
		return ret;
	}
	tui_install_signals();
	browse_event(r, b, &view, idx[cur]);
	while (!tui_stop_signal()) {
		int key = browser_get_key(b, 100);
		enum browser_action act;

		if (key < 0)
			continue;
		act = browser_handle_key(b, key);
		if (act == BROWSER_QUIT)
			break;
		if (act == BROWSER_NEXT_EVENT && nr > 1) {
			cur = (cur + 1) % nr;
			browse_event(r, b, &view, idx[cur]);
		}
	}
	browser_free(b);
	free(idx);
	return 0;
}

static int report_run(struct report *r)
{
	struct session *s = r->in.session;
	const struct session_stats *st;
	struct session_ops ops = { .sample = on_sample, .ctx = r };
	char note[512];
	bool first = true, browsed;
	int ret;

	/* A file's attrs are known now; a pipe's arrive with its first records. */
	if (!data_reader_is_pipe(r->in.reader))
		settle_opts(r, s);
	ret = report_input_process(&r->in, &ops);
	if (ret < 0)
		return ret;
	st = session_stats(s);
	if (r->unwind_stats) {
		report_print_unwind_stats(stdout, &r->in);
		return 0;
	}
	r->uopts.unwind_note = report_unwind_summary(&r->in, note, sizeof(note));
	/* Without a terminal after all (-ENOTTY), the text it is. */
	browsed = r->tui && report_browse(r) == 0;
	if (browsed)
		first = false;
	for (size_t i = 0; i < session_nr_evsels(s) && i < r->nr_hists && !browsed; i++) {
		struct session_evsel *e = session_evsel(s, i);
		struct ui_report_section sec = { 0 };
		char name[64];

		if (!e->nr_samples || !r->hists[i])
			continue;
		hists_filter(r->hists[i], keep_entry, r);
		hists_sort(r->hists[i]);
		sec.event = report_event_name(e, name, sizeof(name));
		sec.nr_samples = e->nr_samples;
		sec.total_period = e->total_period;
		sec.lost_samples = st->nr_lost_samples;
		sec.first = first;
		if (r->relative)
			sec.percent_base = hists_shown_period(r->hists[i]);
		first = false;
		ui_report_print(stdout, r->hists[i], &r->hopts, &r->uopts, &sec);
	}
	if (first && !r->uopts.quiet)
		fprintf(stderr, "sframetrace report: %s: no samples\n", r->in.path);
	if (!r->uopts.quiet) {
		if (st->nr_unknown)
			fprintf(stderr, "sframetrace report: %llu records of unknown types skipped\n",
				(unsigned long long)st->nr_unknown);
		if (st->nr_bad_samples)
			fprintf(stderr, "sframetrace report: warning: %llu samples did not parse\n",
				(unsigned long long)st->nr_bad_samples);
		/* kernel-abi.md: markers without any record is a recording set up wrong. */
		if (st->nr_deferred_samples && !st->nr_deferred_records)
			fprintf(stderr, "sframetrace report: warning: %llu samples wait for deferred user callchains but the file has none (recorded without defer_output on the tracking event, or the records were lost): their user frames are missing\n",
				(unsigned long long)st->nr_deferred_samples);
		/*
		 * A sample taken as its thread exits never gets a record (the
		 * task does not return to user space): expected, not warned of.
		 */
		else if (st->nr_deferred_unmatched > st->nr_deferred_exited)
			fprintf(stderr, "sframetrace report: warning: %llu of %llu samples got no deferred user callchain (record lost): kernel frames only\n",
				(unsigned long long)(st->nr_deferred_unmatched - st->nr_deferred_exited),
				(unsigned long long)st->nr_deferred_samples);
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "stdio", no_argument, NULL, OPT_STDIO },
		{ "tui", no_argument, NULL, OPT_TUI },
		{ "children", no_argument, NULL, OPT_CHILDREN },
		{ "no-children", no_argument, NULL, OPT_NO_CHILDREN },
		{ "sort", required_argument, NULL, 's' },
		{ "call-graph", optional_argument, NULL, 'g' },
		{ "inverted", no_argument, NULL, 'G' },
		{ "percent-limit", required_argument, NULL, OPT_PERCENT_LIMIT },
		{ "percentage", required_argument, NULL, OPT_PERCENTAGE },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "comms", required_argument, NULL, OPT_COMM },
		{ "dso", required_argument, NULL, 'd' },
		{ "dsos", required_argument, NULL, 'd' },
		{ "symbols", required_argument, NULL, 'S' },
		{ "inline", no_argument, NULL, OPT_INLINE },
		{ "no-inline", no_argument, NULL, OPT_NO_INLINE },
		{ "header", no_argument, NULL, OPT_HEADER },
		{ "header-only", no_argument, NULL, OPT_HEADER_ONLY },
		{ "kallsyms", required_argument, NULL, OPT_KALLSYMS },
		{ "symfs", required_argument, NULL, OPT_SYMFS },
		{ "unwind-stats", no_argument, NULL, OPT_UNWIND_STATS },
		{ "unwinder", required_argument, NULL, OPT_UNWINDER },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report r = { .children = -1, .tui = -1 };
	struct symbol_opts sopts = { 0 };
	const char *input = "perf.data", *sort = "comm,dso,sym";
	bool header = false, header_only = false;
	char err[256];
	int c, ret;

	r.uopts.graph = UI_GRAPH_GRAPH;
	r.uopts.graph_min_percent = 0.5;
	r.uopts.show_banner = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:s:g::Gd:S:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': input = optarg; break;
		case OPT_STDIO: r.tui = 0; break;
		case OPT_TUI: r.tui = 1; break;
		case OPT_CHILDREN: r.children = 1; break;
		case OPT_NO_CHILDREN: r.children = 0; break;
		case 's': sort = optarg; break;
		case 'g':
			if (!optarg && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++];
			if (optarg && parse_call_graph(&r, optarg) < 0)
				return EXIT_USAGE;
			r.graph_given = true;
			break;
		case 'G':
			r.hopts.order = HIST_ORDER_CALLER;
			r.order_given = true;
			break;
		case OPT_PERCENT_LIMIT: {
			char *end;

			r.uopts.percent_limit = strtod(optarg, &end);
			if (end == optarg || *end || r.uopts.percent_limit < 0) {
				fprintf(stderr, "sframetrace report: --percent-limit: '%s' is not a percentage\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case OPT_PERCENTAGE:
			if (!strcmp(optarg, "relative")) {
				r.relative = true;
			} else if (!strcmp(optarg, "absolute")) {
				r.relative = false;
			} else {
				fprintf(stderr, "sframetrace report: --percentage: 'relative' or 'absolute', not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_COMM: r.filter[HIST_KEY_COMM] = optarg; break;
		case 'd': r.filter[HIST_KEY_DSO] = optarg; break;
		case 'S': r.filter[HIST_KEY_SYM] = optarg; break;
		case OPT_INLINE: r.in.inline_frames = true; break;
		case OPT_NO_INLINE: r.in.no_inline = true; break;
		case OPT_HEADER: header = true; break;
		case OPT_HEADER_ONLY: header_only = true; break;
		case OPT_KALLSYMS: sopts.kallsyms = optarg; break;
		case OPT_SYMFS: sopts.symfs = optarg; break;
		case OPT_UNWIND_STATS: r.unwind_stats = true; break;
		case OPT_UNWINDER:
			if (!strcmp(optarg, "dwarf")) {
				r.in.unwind_mode = UNWIND_DWARF;
				r.in.unwind_mode_set = true;
			} else if (!strcmp(optarg, "sframe")) {
				r.in.unwind_mode = UNWIND_SFRAME;
				r.in.unwind_mode_set = true;
			} else {
				fprintf(stderr, "sframetrace report: --unwinder: 'sframe' or 'dwarf', not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'q': r.uopts.quiet = true; r.in.quiet = true; sopts.quiet = true; break;
		case 'h': return cmd_show_help("report", report_usage);
		case ':':
			cmd_usage_error("report", report_usage, "option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			cmd_usage_error("report", report_usage, "unknown option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cmd_usage_error("report", report_usage, "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (r.tui == 1 && !isatty(STDOUT_FILENO)) {
		fputs("sframetrace report: --tui: standard output is not a terminal\n", stderr);
		return EXIT_USAGE;
	}
	/* As perf: the browser on a terminal, for the table (not header dumps or folded text). */
	if (r.tui == -1)
		r.tui = isatty(STDOUT_FILENO) && !header && !header_only && !r.unwind_stats &&
			r.uopts.graph != UI_GRAPH_FOLDED && r.uopts.graph != UI_GRAPH_FLAT;
	if (hist_parse_keys(sort, &r.hopts, err, sizeof(err)) < 0) {
		fprintf(stderr, "sframetrace report: --sort: %s\n", err);
		return EXIT_USAGE;
	}
	for (size_t k = 0; k < r.hopts.nr_keys; k++) {
		enum hist_key key = r.hopts.keys[k];

		if (key == HIST_KEY_SRCLINE)
			r.in.srcline = true;
		/* perf shows a key filtered to a single value once, above the table. */
		if (r.filter[key] && !strchr(r.filter[key], ','))
			r.uopts.elided[key] = r.filter[key];
	}
	ret = report_input_open(&r.in, "report", input, &sopts);
	if (ret < 0)
		return EXIT_ERROR;
	if (header || header_only) {
		uint64_t off, size;

		data_reader_data_section(r.in.reader, &off, &size);
		ui_print_header_info(stdout, data_reader_info(r.in.reader), input, off, size);
		r.uopts.show_banner = false;
	}
	ret = header_only ? 0 : report_run(&r);
	for (size_t i = 0; i < r.nr_hists; i++)
		hists_free(r.hists[i]);
	free(r.hists);
	report_input_close(&r.in);
	return ret < 0 ? EXIT_ERROR : 0;
}
