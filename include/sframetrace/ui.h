/*
 * Text output in perf's shapes: `report --stdio` tables with call graphs
 * (graph, flat, folded), the header-info block, and `script` lines.
 */
#ifndef SFRAMETRACE_UI_H
#define SFRAMETRACE_UI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sframetrace/hist.h"

struct data_reader_info;

enum ui_graph_mode {
	UI_GRAPH_NONE,
	UI_GRAPH_GRAPH,     /* perf's "graph": percentages of the total */
	UI_GRAPH_FRACTAL,   /* percentages of the parent */
	UI_GRAPH_FLAT,
	UI_GRAPH_FOLDED,
};

struct ui_report_opts {
	enum ui_graph_mode graph;
	double graph_min_percent;   /* call-graph branches below this are hidden */
	double percent_limit;       /* entries below this are hidden */
	bool children;
	bool quiet;                 /* rows only */
	bool show_banner;           /* "To display the perf.data header info..." */
	/* A key filtered to one value is shown once as "# comm: x", not as a column. */
	const char *elided[HIST_KEY_MAX];
	const char *unwind_note;    /* "# ..." lines on how user stacks were unwound */
};

/* One event's section: its "#" header lines and its sorted entries. */
struct ui_report_section {
	const char *event;
	uint64_t nr_samples;
	uint64_t total_period;
	uint64_t lost_samples;
	uint64_t percent_base;      /* 100% (0: the hists' total period) */
	bool first;                 /* the first section prints the lost line */
};

void ui_report_print(FILE *fp, struct hists *h, const struct hist_opts *hopts,
		     const struct ui_report_opts *opts, const struct ui_report_section *sec);

/* perf report --header: the recording's metadata as "# key : value" lines. */
void ui_print_header_info(FILE *fp, const struct data_reader_info *info, const char *path,
			  uint64_t data_offset, uint64_t data_size);

/* A sort key's column title, and its text for entry e (into buf), as perf prints them. */
const char *ui_key_header(enum hist_key k);
const char *ui_key_value(enum hist_key k, const struct hist_entry *e, char *buf, size_t len);

#endif
