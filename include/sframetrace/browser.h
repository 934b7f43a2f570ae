/*
 * The hist browser shared by `report` and `top`: which entries show (the
 * view: -K/-U, a symbol filter, a percent limit), their rows in perf's
 * shape ("Overhead  Shared Object  Symbol", [k]/[.] markers) with call
 * graphs unfolded under them, printed as text (top --stdio) or browsed on
 * an ncurses screen (report's and top's default on a terminal).
 */
#ifndef SFRAMETRACE_BROWSER_H
#define SFRAMETRACE_BROWSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sframetrace/hist.h"

/* What shows and how; the browser keeps a pointer and its keys change it. */
struct browser_view {
	const struct hist_opts *hopts;   /* sort keys, children, graph, order */
	bool hide_kernel, hide_user;     /* -K, -U, keys k and u */
	char filter[128];                /* only symbols containing this ("" = all) */
	double percent_limit;            /* entries below this percent are hidden */
	double graph_min_percent;        /* call-graph branches below this are hidden */
	bool fractal;                    /* graph percentages of the parent */
	uint64_t percent_base;           /* 100% (0: the hists' total period) */
};

/* Column widths: the widest value of each sort key among the shown entries. */
struct browser_columns {
	size_t width[HIST_MAX_KEYS];
};

/*
 * One line of the table: an entry, or (node set) a frame of its call graph
 * starting at column indent, with the branch percentage of pct_of when it
 * starts a branch.
 */
struct browser_row {
	struct hist_entry *e;
	const struct hist_node *node;
	unsigned int indent;
	bool branch;            /* starts a branch: "--xx.xx%--" */
	bool chain;             /* starts the single root chain: "---" */
	uint64_t pct_of;        /* the branch percentage's 100% */
};

struct browser_rows {
	struct browser_row *rows;
	size_t nr, cap;
};

bool browser_entry_shown(const struct browser_view *v, const struct hist_entry *e,
			 uint64_t total);
void browser_measure(const struct browser_view *v, struct hists *h, uint64_t total,
		     struct browser_columns *c);
/* "Overhead  Shared Object  Symbol" (or "Children      Self  ..."). */
void browser_format_header(char *buf, size_t len, const struct browser_view *v,
			   const struct browser_columns *c);
/* The text of a row (entry or call-graph line), without a fold marker. */
void browser_format_row(char *buf, size_t len, const struct browser_view *v,
			const struct browser_columns *c, const struct browser_row *r,
			uint64_t total);
/* Append e's entry row, and its call-graph rows when expanded. 0 or -ENOMEM. */
int browser_rows_add(struct browser_rows *rows, const struct browser_view *v,
		     struct hist_entry *e, bool expanded, uint64_t total);
void browser_rows_exit(struct browser_rows *rows);

/*
 * top --stdio: the first max shown entries of sorted h (max 0: all), with
 * their call graphs when the hists keep them, in perf top --stdio's shape.
 */
void browser_print_table(FILE *fp, struct hists *h, const struct browser_view *v, size_t max);

/* ---- the interactive browser (ncurses) ---- */

struct browser;

enum browser_action {
	BROWSER_NONE,
	BROWSER_QUIT,
	BROWSER_ZERO,          /* z: toggle zeroing at each refresh (top) */
	BROWSER_NEXT_EVENT,    /* TAB: the next event's hists (report) */
	BROWSER_VIEW_CHANGED,  /* k, u, / changed what shows */
};

struct browser_opts {
	bool top;               /* help lists top's keys */
	bool graph;             /* entries have call graphs to unfold (Enter) */
};

/*
 * Take over the terminal (stdout; keys from stdin, or /dev/tty when stdin
 * is not one). -ENOTTY when there is no terminal to draw on.
 */
int browser_new(struct browser **out, struct browser_view *view, const struct browser_opts *o);
/* Give the terminal back as it was. */
void browser_free(struct browser *b);
/* Give the terminal back without freeing: safe from atexit, twice, and before browser_free. */
void browser_restore_terminal(void);

/* The header line ("PerfTop: ..." or "Samples: ..."). */
void browser_set_title(struct browser *b, const char *title);
/*
 * Show h (sorted by the caller). The cursor stays on its entry and unfolded
 * call graphs stay unfolded, also in another hists with the same keys (top
 * -z). The browser reads h's entries and trees until the next call has
 * returned: the caller keeps them alive and still until then.
 */
int browser_set_hists(struct browser *b, struct hists *h);
void browser_draw(struct browser *b);
/* A key, waiting up to timeout_ms (-1: for one); negative when none came. */
int browser_get_key(struct browser *b, int timeout_ms);
/* Act on a key: move, unfold, filter, help; redraws. */
enum browser_action browser_handle_key(struct browser *b, int key);
/* The selected entry, or NULL. */
struct hist_entry *browser_selected(const struct browser *b);

#endif
