/*
 * What report, script and top share: opening a perf.data input with its
 * symbol cache and session, progress on a terminal, and turning a sample's
 * frames into symbolized hist_frames.
 */
#ifndef SFRAMETRACE_REPORT_INPUT_H
#define SFRAMETRACE_REPORT_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sframetrace/data.h"
#include "sframetrace/hist.h"
#include "sframetrace/session.h"
#include "sframetrace/symbol.h"
#include "sframetrace/unwind.h"

/* Recent symbol lookups: most frames of a profile hit a few addresses. */
#define REPORT_SYM_CACHE 4096

struct report_sym_cache {
	const struct symbol_dso *dso;
	uint64_t addr;
	struct symbol_frame frame;
};

struct report_input {
	const char *cmd;            /* "report", "script": for messages */
	const char *path;
	struct data_reader *reader;
	struct symbol_cache *syms;
	struct session *session;
	struct hist_frame *frames;
	size_t cap_frames;
	struct hist_frame self_frame;   /* the sampled address's own symbol */
	bool inline_frames;
	bool inline_unwound;        /* inline chains for unwound frames (perf's default) */
	bool no_inline;             /* --no-inline */
	bool has_copies;            /* samples carry user regs + stack copies */
	bool srcline;
	bool quiet;                 /* no warnings */
	bool progress;              /* stderr is a terminal */
	bool progress_shown;
	struct report_sym_cache *sym_cache;   /* without --inline only */
	/* report-time unwinding of stack copies (sframe and dwarf recordings) */
	enum unwind_mode unwind_mode;
	bool unwind_mode_set;       /* --unwinder given; else chosen from the file */
	bool skip_unwind;           /* only the sampled frame matters: do not walk */
	struct unwinder *unwinder;
	struct unwind_stats unwind_stats;
	const struct session_thread *unwind_thread;
};

/* The "# " lines on how the user stacks were unwound, in buf; NULL when none. */
const char *report_unwind_summary(const struct report_input *in, char *buf, size_t len);
/* The detailed accounting (report --unwind-stats). */
void report_print_unwind_stats(FILE *fp, const struct report_input *in);

/* Open path ("-" = stdin); prints its own one-line error. 0 or -errno. */
int report_input_open(struct report_input *in, const char *cmd, const char *path,
		      const struct symbol_opts *sopts);
void report_input_close(struct report_input *in);

/* Run the session; prints errors and warnings. 0 or -errno. */
int report_input_process(struct report_input *in, const struct session_ops *ops);

/*
 * Symbolize sample's first max frames into in->frames (innermost first),
 * and the sampled address's plain symbol into in->self_frame.
 */
size_t report_resolve_frames(struct report_input *in, const struct session_sample *s, size_t max);

/* perf's level character for a cpumode: '.', 'k', 'H', 'g', 'u'. */
char report_level(unsigned int cpumode);

/* An event name for an evsel without one in the file. */
const char *report_event_name(const struct session_evsel *e, char *buf, size_t len);

#endif
