/*
 * The browser's table without a screen: which entries a view shows, their
 * columns sized to the widest shown value, each entry's row in perf's
 * shape, its call graph unfolded into rows (a single root chain after
 * "---", branches after "--xx.xx%--", as report --stdio draws them), and
 * top --stdio's table made of those rows. lib/ui/browser.c puts the same
 * rows on an ncurses screen.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sframetrace/browser.h"
#include "sframetrace/ui.h"

#define UNRESOLVED_WIDTH 16   /* hex digits of an unresolved address */
#define GRAPH_MARGIN 12       /* report --stdio's call-graph margin */
#define GRAPH_INDENT 11       /* one branch level, as report --stdio */

static double pct(uint64_t part, uint64_t total)
{
	return total ? 100.0 * (double)part / (double)total : 0.0;
}

static uint64_t entry_period(const struct browser_view *v, const struct hist_entry *e)
{
	return v->hopts->children ? e->period_children : e->period_self;
}

bool browser_entry_shown(const struct browser_view *v, const struct hist_entry *e,
			 uint64_t total)
{
	char level = e->frame.level;

	if (v->hide_kernel && (level == 'k' || level == 'g' || level == 'H'))
		return false;
	if (v->hide_user && (level == '.' || level == 'u'))
		return false;
	if (v->filter[0] && (!e->frame.sym || !strstr(e->frame.sym, v->filter)))
		return false;
	if (v->percent_limit > 0 && pct(entry_period(v, e), total) < v->percent_limit)
		return false;
	return true;
}

void browser_measure(const struct browser_view *v, struct hists *h, uint64_t total,
		     struct browser_columns *c)
{
	const struct hist_opts *o = v->hopts;
	char buf[1024];

	for (size_t k = 0; k < o->nr_keys; k++)
		c->width[k] = strlen(ui_key_header(o->keys[k]));
	for (size_t i = 0; i < hists_nr_entries(h); i++) {
		const struct hist_entry *e = hists_entry(h, i);

		if (!browser_entry_shown(v, e, total))
			continue;
		for (size_t k = 0; k < o->nr_keys; k++) {
			size_t w = strlen(ui_key_value(o->keys[k], e, buf, sizeof(buf)));

			/* As report --stdio sizes its columns. */
			if (o->keys[k] == HIST_KEY_SYM && e->frame.sym && e->frame.inlined)
				w = 4 + strlen(e->frame.sym);
			if (o->keys[k] == HIST_KEY_SYM && !e->frame.sym)
				w = UNRESOLVED_WIDTH + 4 + 2;
			if (o->keys[k] == HIST_KEY_DSO && !e->frame.sym && w < UNRESOLVED_WIDTH)
				w = UNRESOLVED_WIDTH;
			if (o->keys[k] == HIST_KEY_CPU)
				w = 3;
			if (w > c->width[k])
				c->width[k] = w;
		}
	}
}

/* perf pads every column but a symbol at the end of the line. */
static void trim_right(char *buf)
{
	size_t n = strlen(buf);

	while (n && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

void browser_format_header(char *buf, size_t len, const struct browser_view *v,
			   const struct browser_columns *c)
{
	const struct hist_opts *o = v->hopts;
	/* over the rows' "  %7.2f%%" columns, as report --stdio's "# " heads them */
	size_t n = (size_t)snprintf(buf, len, "  %s", o->children ? "Children      Self" : "Overhead");

	for (size_t k = 0; k < o->nr_keys && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, "  %-*s", (int)c->width[k],
				      ui_key_header(o->keys[k]));
	trim_right(buf);
}

static void frame_name(const struct hist_frame *f, char *buf, size_t len)
{
	if (f->sym)
		snprintf(buf, len, "%s%s", f->sym, f->inlined ? " (inlined)" : "");
	else
		snprintf(buf, len, "%#" PRIx64, f->ip);
}

void browser_format_row(char *buf, size_t len, const struct browser_view *v,
			const struct browser_columns *c, const struct browser_row *r,
			uint64_t total)
{
	const struct hist_opts *o = v->hopts;
	const struct hist_entry *e = r->e;
	char val[1024], name[1024];
	size_t n = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (r->node) {
		int indent = (int)r->indent;

		frame_name(&r->node->frame, name, sizeof(name));
		if (r->chain)
			snprintf(buf, len, "%*s---%s", indent, "", name);
		else if (r->branch)
			snprintf(buf, len, "%*s--%.2f%%--%s", indent, "",
				 pct(r->node->hits, r->pct_of), name);
		else
			snprintf(buf, len, "%*s%s", indent, "", name);
		return;
	}
	if (o->children)
		n = (size_t)snprintf(buf, len, "  %7.2f%%  %7.2f%%", pct(e->period_children, total),
				     pct(e->period_self, total));
	else
		n = (size_t)snprintf(buf, len, "  %7.2f%%", pct(e->period_self, total));
	for (size_t k = 0; k < o->nr_keys && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, "  %-*s", (int)c->width[k],
				      ui_key_value(o->keys[k], e, val, sizeof(val)));
	trim_right(buf);
}

/* ---- call-graph rows ---- */

/* A node shows with the chain of single children below it, as in report --stdio. */
static const struct hist_node *segment_end(const struct hist_node *n)
{
	while (n->nr_children == 1 && n->self == 0)
		n = n->children[0];
	return n;
}

/* Children are sorted by hits: the shown ones are a prefix. */
static size_t shown_children(const struct hist_node *n, uint64_t min_hits)
{
	size_t k = 0;

	while (k < n->nr_children && n->children[k]->hits >= min_hits)
		k++;
	return k;
}

static int push_row(struct browser_rows *rows, const struct browser_row *r)
{
	if (rows->nr == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 256;
		struct browser_row *grown = realloc(rows->rows, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		rows->rows = grown;
		rows->cap = cap;
	}
	rows->rows[rows->nr++] = *r;
	return 0;
}

/* Width of "--xx.xx%--": where the names of a branch's chain line up. */
static unsigned int branch_width(uint64_t hits, uint64_t of)
{
	char tmp[32];

	return (unsigned int)snprintf(tmp, sizeof(tmp), "--%.2f%%--", pct(hits, of));
}

/*
 * The segment from n (a chain of single children) as rows from column
 * indent, then its branches one level further right.
 */
static int add_segment(struct browser_rows *rows, const struct browser_view *v,
		       struct hist_entry *e, const struct hist_node *n, unsigned int indent,
		       uint64_t of, uint64_t min_hits, bool chain)
{
	const struct hist_node *end = segment_end(n), *p = n;
	unsigned int pad = chain ? 3 : branch_width(n->hits, of);
	struct browser_row r = { .e = e };
	size_t nr;
	int ret;

	for (;;) {
		r.node = p;
		r.chain = chain && p == n;
		r.branch = !chain && p == n;
		r.pct_of = of;
		/* the chain's names line up under the one that starts it */
		r.indent = p == n ? indent : indent + pad;
		ret = push_row(rows, &r);
		if (ret)
			return ret;
		if (p == end)
			break;
		p = p->children[0];
	}
	if (v->fractal)
		of = end->hits - end->self;
	nr = shown_children(end, min_hits);
	for (size_t c = 0; c < nr; c++) {
		ret = add_segment(rows, v, e, end->children[c],
				  chain ? indent + pad : indent + GRAPH_INDENT, of, min_hits, false);
		if (ret)
			return ret;
	}
	return 0;
}

int browser_rows_add(struct browser_rows *rows, const struct browser_view *v,
		     struct hist_entry *e, bool expanded, uint64_t total)
{
	struct browser_row r = { .e = e };
	const struct hist_node *root = &e->root;
	uint64_t of = v->fractal ? root->hits : total;
	uint64_t min_hits;
	size_t nr;
	int ret;

	ret = push_row(rows, &r);
	if (ret || !expanded || !v->hopts->graph || !root->nr_children)
		return ret;
	min_hits = (uint64_t)((double)(v->fractal ? root->hits : total) *
			      v->graph_min_percent / 100.0);
	if (root->hits < min_hits)
		return 0;
	nr = shown_children(root, min_hits);
	if (nr == 1 && root->nr_children == 1)
		return add_segment(rows, v, e, root->children[0], GRAPH_MARGIN, of, min_hits, true);
	for (size_t c = 0; c < nr; c++) {
		ret = add_segment(rows, v, e, root->children[c], GRAPH_MARGIN, of, min_hits, false);
		if (ret)
			return ret;
	}
	return 0;
}

void browser_rows_exit(struct browser_rows *rows)
{
	free(rows->rows);
	rows->rows = NULL;
	rows->nr = rows->cap = 0;
}

void browser_print_table(FILE *fp, struct hists *h, const struct browser_view *v, size_t max)
{
	uint64_t total = v->percent_base ? v->percent_base : hists_total_period(h);
	struct browser_columns cols;
	struct browser_rows rows = { 0 };
	char line[4096];
	size_t shown = 0;

	browser_measure(v, h, total, &cols);
	for (size_t i = 0; i < hists_nr_entries(h) && (!max || shown < max); i++) {
		struct hist_entry *e = hists_entry(h, i);

		if (!browser_entry_shown(v, e, total))
			continue;
		shown++;
		rows.nr = 0;
		if (browser_rows_add(&rows, v, e, true, total) < 0)
			break;
		for (size_t k = 0; k < rows.nr; k++) {
			browser_format_row(line, sizeof(line), v, &cols, &rows.rows[k], total);
			fprintf(fp, "%s\n", line);
		}
		if (rows.nr > 1)
			fputc('\n', fp);
	}
	browser_rows_exit(&rows);
}
