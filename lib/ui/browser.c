/*
 * The interactive hist browser on an ncurses screen, as perf report's and
 * perf top's TUI: a header line, the sorted entries with a '+' where a call
 * graph can unfold (Enter), scrolling with the arrows, PgUp/PgDn,
 * Home/End, a symbol filter (/), k/u to hide kernel/user entries, help
 * (h, ?), q or ESC to quit. Rows come from browser_table.c, so the screen
 * shows what top --stdio prints.
 *
 * The screen is one newterm() on stdout, reading keys from stdin or, when
 * stdin is not a terminal (report -i - < file), from /dev/tty. Modes (the
 * filter prompt, the help box) are states, not nested loops, so the caller's
 * loop keeps running between keys (top refreshes while the user types).
 */
#include <curses.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sframetrace/browser.h"

#define TOP_LINES 3      /* title, rule, column header */
#define BOTTOM_LINES 1   /* status */

enum browser_mode { MODE_TABLE, MODE_HELP, MODE_FILTER };

struct browser {
	struct browser_view *view;
	struct browser_opts opts;
	SCREEN *screen;
	FILE *tty;               /* /dev/tty opened for keys, or NULL */
	char title[1024];
	struct hists *h;
	uint64_t total;
	struct browser_columns cols;
	struct browser_rows rows;
	size_t cursor, first;
	/*
	 * Unfolded entries by their keys, not their addresses: top with -z
	 * shows a new hists at each refresh, and what was unfolded stays so.
	 */
	struct hist_entry *expanded;
	size_t nr_expanded, cap_expanded;
	enum browser_mode mode;
	char input[sizeof(((struct browser_view *)0)->filter)];
	size_t input_len;
};

void browser_restore_terminal(void)
{
	/* isendwin() is false and endwin() a no-op error when no screen is up. */
	if (!isendwin())
		endwin();
}

int browser_new(struct browser **out, struct browser_view *view, const struct browser_opts *o)
{
	struct browser *b;
	FILE *in = stdin;

	*out = NULL;
	if (!isatty(STDOUT_FILENO))
		return -ENOTTY;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->view = view;
	b->opts = *o;
	if (!isatty(STDIN_FILENO)) {
		b->tty = fopen("/dev/tty", "re");
		if (!b->tty) {
			free(b);
			return -ENOTTY;
		}
		in = b->tty;
	}
	fflush(stdout);
	b->screen = newterm(NULL, stdout, in);
	if (!b->screen) {
		if (b->tty)
			fclose(b->tty);
		free(b);
		return -ENOTTY;
	}
	set_term(b->screen);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* ESC quits: do not wait a second to see whether an escape sequence follows. */
	set_escdelay(25);
	*out = b;
	return 0;
}

void browser_free(struct browser *b)
{
	if (!b)
		return;
	if (b->screen) {
		set_term(b->screen);
		browser_restore_terminal();
		delscreen(b->screen);
	}
	if (b->tty)
		fclose(b->tty);
	browser_rows_exit(&b->rows);
	free(b->expanded);
	free(b);
}

void browser_set_title(struct browser *b, const char *title)
{
	snprintf(b->title, sizeof(b->title), "%s", title);
}

/*
 * The same entry, in this hists or another of the same keys: every field a
 * sort key compares (names are interned or owned by the symbol cache, so
 * equal names are equal pointers).
 */
static bool same_entry(const struct hist_entry *a, const struct hist_entry *b)
{
	return a->comm == b->comm && a->tid == b->tid && a->cpu == b->cpu &&
	       a->frame.dso_id == b->frame.dso_id && a->frame.sym == b->frame.sym &&
	       a->frame.sym_start == b->frame.sym_start && a->frame.addr == b->frame.addr &&
	       a->frame.srcline == b->frame.srcline && a->frame.level == b->frame.level;
}

static bool is_expanded(const struct browser *b, const struct hist_entry *e)
{
	for (size_t i = 0; i < b->nr_expanded; i++)
		if (same_entry(&b->expanded[i], e))
			return true;
	return false;
}

static void toggle_expanded(struct browser *b, const struct hist_entry *e)
{
	for (size_t i = 0; i < b->nr_expanded; i++) {
		if (same_entry(&b->expanded[i], e)) {
			b->expanded[i] = b->expanded[--b->nr_expanded];
			return;
		}
	}
	if (b->nr_expanded == b->cap_expanded) {
		size_t cap = b->cap_expanded ? b->cap_expanded * 2 : 16;
		struct hist_entry *grown = realloc(b->expanded, cap * sizeof(*grown));

		if (!grown)
			return;
		b->expanded = grown;
		b->cap_expanded = cap;
	}
	/* the keys only: the tree stays with the hists */
	b->expanded[b->nr_expanded] = *e;
	memset(&b->expanded[b->nr_expanded].root, 0, sizeof(e->root));
	b->nr_expanded++;
}

static bool has_graph(const struct browser *b, const struct hist_entry *e)
{
	return b->opts.graph && b->view->hopts->graph && e->root.nr_children;
}

/*
 * Rows from the hists; the cursor follows its entry (and frame) when they
 * are still there. same: the hists are those of the rows (their entries
 * and nodes can be compared by address).
 */
static int rebuild(struct browser *b, bool same)
{
	struct hist_entry sel = { 0 };
	const struct hist_node *sel_n = NULL;
	bool have_sel = false;
	size_t old = b->cursor;
	int ret = 0;

	if (b->cursor < b->rows.nr) {
		/* a copy of its keys: with another hists the entry is gone */
		sel = *b->rows.rows[b->cursor].e;
		sel_n = same ? b->rows.rows[b->cursor].node : NULL;
		have_sel = true;
	}
	b->rows.nr = 0;
	if (!b->h)
		return 0;
	b->total = b->view->percent_base ? b->view->percent_base : hists_total_period(b->h);
	browser_measure(b->view, b->h, b->total, &b->cols);
	for (size_t i = 0; i < hists_nr_entries(b->h) && !ret; i++) {
		struct hist_entry *e = hists_entry(b->h, i);

		if (browser_entry_shown(b->view, e, b->total))
			ret = browser_rows_add(&b->rows, b->view, e, has_graph(b, e) && is_expanded(b, e),
					       b->total);
	}
	b->cursor = b->rows.nr ? (old < b->rows.nr ? old : b->rows.nr - 1) : 0;
	if (have_sel) {
		size_t entry_row = SIZE_MAX;

		for (size_t i = 0; i < b->rows.nr; i++) {
			const struct browser_row *r = &b->rows.rows[i];

			if (!same_entry(r->e, &sel))
				continue;
			if (!r->node && entry_row == SIZE_MAX)
				entry_row = i;
			if (r->node == sel_n) {
				entry_row = i;
				break;
			}
		}
		if (entry_row != SIZE_MAX)
			b->cursor = entry_row;
	}
	return ret;
}

int browser_set_hists(struct browser *b, struct hists *h)
{
	bool same = h == b->h;

	b->h = h;
	return rebuild(b, same);
}

struct hist_entry *browser_selected(const struct browser *b)
{
	return b->cursor < b->rows.nr ? b->rows.rows[b->cursor].e : NULL;
}

static int page_rows(void)
{
	int n = LINES - TOP_LINES - BOTTOM_LINES;

	return n > 1 ? n : 1;
}

/* One screen line: text cut to the width, the rest blank (reverse video stays a bar). */
static void put_line(int y, const char *text, attr_t attr)
{
	int w = COLS;

	if (y < 0 || y >= LINES)
		return;
	move(y, 0);
	attrset(attr);
	addnstr(text, w);
	for (int x = (int)strlen(text); x < w; x++)
		addch(' ');
	attrset(A_NORMAL);
}

static void draw_help(const struct browser *b)
{
	static const char *const common[] = {
		"Up/Down PgUp/PgDn     move a line / a page",
		"Home/End              the first / last line",
		"Enter                 unfold/fold the call graph",
		"/                     filter by symbol (empty: all)",
		"k / u                 hide/show kernel / user symbols",
		"h / ?                 this help",
		"q / ESC               quit",
	};
	const char *lines[sizeof(common) / sizeof(common[0]) + 3];
	int n = 0, w = 0, h, y0, x0;

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		lines[n++] = common[i];
	if (b->opts.top)
		lines[n++] = "z                     toggle zeroing at each refresh";
	else
		lines[n++] = "TAB                   next event";
	lines[n++] = "";
	lines[n++] = "Press any key to close this help";
	for (int i = 0; i < n; i++)
		if ((int)strlen(lines[i]) > w)
			w = (int)strlen(lines[i]);
	w += 4;
	h = n + 2;
	if (w > COLS)
		w = COLS;
	if (h > LINES)
		h = LINES;
	y0 = (LINES - h) / 2;
	x0 = (COLS - w) / 2;
	for (int y = 0; y < h; y++) {
		move(y0 + y, x0);
		for (int x = 0; x < w; x++) {
			chtype c = ' ';

			if (y == 0 || y == h - 1)
				c = x == 0 || x == w - 1 ? '+' : '-';
			else if (x == 0 || x == w - 1)
				c = '|';
			addch(c);
		}
		if (y > 0 && y < h - 1 && y - 1 < n)
			mvaddnstr(y0 + y, x0 + 2, lines[y - 1], w - 4);
	}
	mvaddnstr(y0, x0 + 2, " Help ", w - 4);
}

void browser_draw(struct browser *b)
{
	int rows = page_rows(), w = COLS;
	char text[4096];

	erase();
	put_line(0, b->title, A_REVERSE | A_BOLD);
	/* The rule spans the screen: it shows the width the table was drawn for. */
	move(1, 0);
	for (int x = 0; x < w; x++)
		addch('-');
	if (b->h) {
		/* one column for the fold marker of the rows below */
		text[0] = ' ';
		browser_format_header(text + 1, sizeof(text) - 1, b->view, &b->cols);
		put_line(2, text, A_BOLD);
	}
	if (b->cursor < b->first)
		b->first = b->cursor;
	if (b->cursor >= b->first + (size_t)rows)
		b->first = b->cursor - (size_t)rows + 1;
	if (b->first + (size_t)rows > b->rows.nr)
		b->first = b->rows.nr > (size_t)rows ? b->rows.nr - (size_t)rows : 0;
	for (int y = 0; y < rows && b->first + (size_t)y < b->rows.nr; y++) {
		size_t i = b->first + (size_t)y;
		const struct browser_row *r = &b->rows.rows[i];
		char mark = ' ';

		if (!r->node && has_graph(b, r->e))
			mark = is_expanded(b, r->e) ? '-' : '+';
		text[0] = mark;
		browser_format_row(text + 1, sizeof(text) - 1, b->view, &b->cols, r, b->total);
		put_line(TOP_LINES + y, text, i == b->cursor ? A_REVERSE : A_NORMAL);
	}
	if (b->mode == MODE_FILTER) {
		snprintf(text, sizeof(text), "Filter symbols (Enter: apply, ESC: cancel): %s_", b->input);
		put_line(LINES - 1, text, A_NORMAL);
	} else {
		int n = snprintf(text, sizeof(text), "Press '?' for help on key bindings");

		if (b->view->filter[0])
			n += snprintf(text + n, sizeof(text) - (size_t)n, "  [filter: %s]", b->view->filter);
		if (b->view->hide_kernel)
			n += snprintf(text + n, sizeof(text) - (size_t)n, "  [kernel hidden]");
		if (b->view->hide_user)
			n += snprintf(text + n, sizeof(text) - (size_t)n, "  [user hidden]");
		if (b->rows.nr)
			snprintf(text + n, sizeof(text) - (size_t)n, "  [%zu/%zu]", b->cursor + 1,
				 b->rows.nr);
		put_line(LINES - 1, text, A_NORMAL);
	}
	if (b->mode == MODE_HELP)
		draw_help(b);
	refresh();
}

int browser_get_key(struct browser *b, int timeout_ms)
{
	(void)b;
	timeout(timeout_ms);
	return getch();
}

static void move_cursor(struct browser *b, long delta)
{
	long n = (long)b->rows.nr, c = (long)b->cursor + delta;

	if (!n)
		return;
	if (c < 0)
		c = 0;
	if (c >= n)
		c = n - 1;
	b->cursor = (size_t)c;
}

static enum browser_action filter_key(struct browser *b, int key)
{
	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		snprintf(b->view->filter, sizeof(b->view->filter), "%s", b->input);
		b->mode = MODE_TABLE;
		b->cursor = b->first = 0;
		rebuild(b, true);
		browser_draw(b);
		return BROWSER_VIEW_CHANGED;
	case 27:
		b->mode = MODE_TABLE;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (b->input_len)
			b->input[--b->input_len] = '\0';
		break;
	default:
		if (key >= ' ' && key < 127 && b->input_len + 1 < sizeof(b->input)) {
			b->input[b->input_len++] = (char)key;
			b->input[b->input_len] = '\0';
		}
		break;
	}
	browser_draw(b);
	return BROWSER_NONE;
}

enum browser_action browser_handle_key(struct browser *b, int key)
{
	enum browser_action act = BROWSER_NONE;

	if (key == ERR)
		return BROWSER_NONE;
	if (b->mode == MODE_FILTER && key != KEY_RESIZE)
		return filter_key(b, key);
	if (b->mode == MODE_HELP && key != KEY_RESIZE) {
		b->mode = MODE_TABLE;
		browser_draw(b);
		return BROWSER_NONE;
	}
	switch (key) {
	case KEY_UP: move_cursor(b, -1); break;
	case KEY_DOWN: move_cursor(b, 1); break;
	case KEY_PPAGE: move_cursor(b, -page_rows()); break;
	case KEY_NPAGE:
	case ' ':
		move_cursor(b, page_rows());
		break;
	case KEY_HOME: b->cursor = 0; break;
	case KEY_END: move_cursor(b, (long)b->rows.nr); break;
	case '\n':
	case '\r':
	case KEY_ENTER: {
		struct hist_entry *e = browser_selected(b);

		if (e && has_graph(b, e)) {
			/* Folding from a frame of the graph puts the cursor back on the entry. */
			for (size_t i = b->cursor; i > 0 && b->rows.rows[i].node; i--)
				b->cursor = i - 1;
			toggle_expanded(b, e);
			rebuild(b, true);
		}
		break;
	}
	case '/':
		b->mode = MODE_FILTER;
		snprintf(b->input, sizeof(b->input), "%s", b->view->filter);
		b->input_len = strlen(b->input);
		break;
	case 'k':
	case 'K':
		b->view->hide_kernel = !b->view->hide_kernel;
		rebuild(b, true);
		act = BROWSER_VIEW_CHANGED;
		break;
	case 'u':
	case 'U':
		b->view->hide_user = !b->view->hide_user;
		rebuild(b, true);
		act = BROWSER_VIEW_CHANGED;
		break;
	case 'z':
	case 'Z':
		if (b->opts.top)
			act = BROWSER_ZERO;
		break;
	case '\t':
		act = BROWSER_NEXT_EVENT;
		break;
	case 'h':
	case '?':
		b->mode = MODE_HELP;
		break;
	case 'q':
	case 'Q':
	case 27:    /* ESC */
	case 3:     /* Ctrl-C, should the terminal hand it over as a key */
		return BROWSER_QUIT;
	case KEY_RESIZE:
	default:
		break;
	}
	browser_draw(b);
	return act;
}
