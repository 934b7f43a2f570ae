/*
 * `report --stdio` output in perf report's shape: the "#" header, one row
 * per entry with columns sized to their widest value, and call graphs
 * drawn the way perf's stdio browser draws them (a fixed 12-column margin,
 * "---" for a single root chain, "|--xx.xx%--" branches, continuation
 * lines for frames that do not branch).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sframetrace/ui.h"

#define UNRESOLVED_WIDTH 16   /* hex digits of an unresolved address */

const char *ui_key_header(enum hist_key k)
{
	switch (k) {
	case HIST_KEY_COMM: return "Command";
	case HIST_KEY_DSO: return "Shared Object";
	case HIST_KEY_SYM: return "Symbol";
	case HIST_KEY_PID: return "    Pid:Command";
	case HIST_KEY_TID: return "    Tid:Command";
	case HIST_KEY_CPU: return "CPU";
	case HIST_KEY_SRCLINE: return "Source:Line";
	default: return "?";
	}
}

/* The text of key k for entry e (into buf). */
const char *ui_key_value(enum hist_key k, const struct hist_entry *e, char *buf, size_t len)
{
	switch (k) {
	case HIST_KEY_COMM:
		return e->comm ? e->comm : "";
	case HIST_KEY_DSO:
		return e->frame.dso ? e->frame.dso : "[unknown]";
	case HIST_KEY_SYM:
		if (e->frame.sym)
			snprintf(buf, len, "[%c] %s%s", e->frame.level, e->frame.sym,
				 e->frame.inlined ? " (inlined)" : "");
		else
			/* perf's "%-#.*llx": 0x and 16 digits, but 0 has no 0x. */
			snprintf(buf, len, e->frame.addr ? "[%c] 0x%016" PRIx64 : "[%c] %016" PRIx64,
				 e->frame.level, e->frame.addr);
		return buf;
	case HIST_KEY_PID:
	case HIST_KEY_TID:
		/* perf's pid key is per thread: "%7d:comm" of the tid. */
		snprintf(buf, len, "%7d:%s", e->tid,
			 e->thread_comm && *e->thread_comm ? *e->thread_comm : e->comm ? e->comm : "");
		return buf;
	case HIST_KEY_CPU:
		snprintf(buf, len, "%3.3d", e->cpu);
		return buf;
	case HIST_KEY_SRCLINE:
		return e->frame.srcline ? e->frame.srcline : "??:0";
	default:
		return "";
	}
}

static double pct(uint64_t part, uint64_t total)
{
	return total ? 100.0 * (double)part / (double)total : 0.0;
}

static uint64_t entry_period(const struct hist_entry *e, const struct ui_report_opts *o)
{
	return o->children ? e->period_children : e->period_self;
}

/* ---- call graphs ---- */

struct graph_ctx {
	FILE *fp;
	uint64_t total;
	uint64_t min_hits;
	enum ui_graph_mode mode;
};

static void left_margin(FILE *fp, int extra)
{
	fprintf(fp, "            %*s", extra, "");
}

static void frame_name(const struct hist_frame *f, char *buf, size_t len)
{
	if (f->sym)
		snprintf(buf, len, "%s%s", f->sym, f->inlined ? " (inlined)" : "");
	else
		snprintf(buf, len, "%#" PRIx64, f->ip);
}

/* A node prints together with the chain of single children below it. */
static const struct hist_node *segment_end(const struct hist_node *n)
{
	while (n->nr_children == 1 && n->self == 0)
		n = n->children[0];
	return n;
}

static size_t visible_children(const struct graph_ctx *g, const struct hist_node *n)
{
	size_t k = 0;

	while (k < n->nr_children && n->children[k]->hits >= g->min_hits)
		k++;
	return k;
}

static void graph_line(struct graph_ctx *g, int depth, unsigned long mask, int margin)
{
	left_margin(g->fp, margin);
	for (int i = 0; i < depth; i++)
		fputs(mask & (1UL << i) ? "|          " : "           ", g->fp);
	fputc('\n', g->fp);
}

static void graph_children(struct graph_ctx *g, const struct hist_node *parent, uint64_t total,
			   int depth, unsigned long mask, int margin)
{
	size_t nr = visible_children(g, parent);
	char name[1024];

	for (size_t c = 0; c < nr; c++) {
		const struct hist_node *child = parent->children[c], *n = child, *end;
		unsigned long new_mask = mask;
		int idx = 0;

		if (c + 1 == nr)
			new_mask &= ~(1UL << (depth - 1));
		graph_line(g, depth, mask, margin);
		end = segment_end(child);
		for (;;) {
			left_margin(g->fp, margin);
			for (int i = 0; i < depth; i++) {
				fputc(new_mask & (1UL << i) ? '|' : ' ', g->fp);
				if (idx == 0 && i == depth - 1)
					fprintf(g->fp, "--%.2f%%--", pct(child->hits, total));
				else
					fputs("          ", g->fp);
			}
			frame_name(&n->frame, name, sizeof(name));
			fprintf(g->fp, "%s\n", name);
			idx++;
			if (n == end)
				break;
			n = n->children[0];
		}
		graph_children(g, end, g->mode == UI_GRAPH_FRACTAL ? end->hits - end->self : total,
			       depth + 1, new_mask | (1UL << depth), margin);
	}
}

static void print_graph(struct graph_ctx *g, const struct hist_entry *e)
{
	const struct hist_node *root = &e->root;
	uint64_t total = g->mode == UI_GRAPH_FRACTAL ? root->hits : g->total;
	int margin = 0;
	char name[1024];

	if (visible_children(g, root) == 1 && root->nr_children == 1) {
		const struct hist_node *n = root->children[0], *end = segment_end(n);
		bool first = true;

		for (;;) {
			if (first) {
				left_margin(g->fp, 0);
				fputs("|\n", g->fp);
				left_margin(g->fp, 0);
				fputs("---", g->fp);
				margin = 3;
				first = false;
			} else {
				left_margin(g->fp, margin);
			}
			frame_name(&n->frame, name, sizeof(name));
			fprintf(g->fp, "%s\n", name);
			if (n == end)
				break;
			n = n->children[0];
		}
		root = end;
		if (g->mode == UI_GRAPH_FRACTAL)
			total = end->hits - end->self;
	}
	graph_children(g, root, total, 1, 1, margin);
}

/* Flat and folded: one line (or block) per distinct full path. */
static void print_paths(struct graph_ctx *g, const struct hist_node *n,
			const struct hist_node **path, int depth)
{
	char name[1024];

	if (depth > 0 && n->self && n->self >= g->min_hits) {
		if (g->mode == UI_GRAPH_FLAT) {
			/* perf: flat shows what passed through the path's end, folded what ended there */
			fprintf(g->fp, "           %.2f%%\n", pct(n->hits, g->total));
			for (int i = 0; i < depth; i++) {
				frame_name(&path[i]->frame, name, sizeof(name));
				fprintf(g->fp, "                %s\n", name);
			}
			fputc('\n', g->fp);
		} else {
			fprintf(g->fp, "%.2f%% ", pct(n->self, g->total));
			for (int i = 0; i < depth; i++) {
				frame_name(&path[i]->frame, name, sizeof(name));
				fprintf(g->fp, "%s%s", i ? ";" : "", name);
			}
			fputc('\n', g->fp);
		}
	}
	if (depth >= 1024)
		return;
	for (size_t c = 0; c < n->nr_children; c++) {
		path[depth] = n->children[c];
		print_paths(g, n->children[c], path, depth + 1);
	}
}

/* ---- the table ---- */

void ui_report_print(FILE *fp, struct hists *h, const struct hist_opts *hopts,
		     const struct ui_report_opts *o, const struct ui_report_section *sec)
{
	size_t nr = hists_nr_entries(h);
	size_t width[HIST_MAX_KEYS];
	uint64_t total = sec->percent_base ? sec->percent_base : hists_total_period(h);
	char buf[1024];
	const struct hist_node *path[1024];
	bool last_is_sym = false;

	for (size_t k = 0; k < hopts->nr_keys; k++) {
		width[k] = strlen(ui_key_header(hopts->keys[k]));
		if (!o->elided[hopts->keys[k]])
			last_is_sym = hopts->keys[k] == HIST_KEY_SYM;
	}
	for (size_t i = 0; i < nr; i++) {
		const struct hist_entry *e = hists_entry(h, i);

		for (size_t k = 0; k < hopts->nr_keys; k++) {
			size_t w = strlen(ui_key_value(hopts->keys[k], e, buf, sizeof(buf)));

			/* perf's width leaves out " (inlined)" */
			if (hopts->keys[k] == HIST_KEY_SYM && e->frame.sym && e->frame.inlined)
				w = 4 + strlen(e->frame.sym);
			/* perf sizes unresolved symbols (and their DSO) generously. */
			if (hopts->keys[k] == HIST_KEY_SYM && !e->frame.sym)
				w = UNRESOLVED_WIDTH + 4 + 2;
			if (hopts->keys[k] == HIST_KEY_DSO && !e->frame.sym && w < UNRESOLVED_WIDTH)
				w = UNRESOLVED_WIDTH;
			/* perf keeps the CPU column 3 wide even for -001. */
			if (hopts->keys[k] == HIST_KEY_CPU)
				w = 3;
			if (w > width[k])
				width[k] = w;
		}
	}

	if (!o->quiet) {
		if (sec->first) {
			if (o->show_banner)
				fputs("# To display the perf.data header info, please use --header/--header-only options.\n#\n",
				      fp);
			for (int k = 0; k < HIST_KEY_MAX; k++)
				if (o->elided[k])
					fprintf(fp, "# %s: %s\n", k == HIST_KEY_SYM ? "symbol" :
						hist_key_name(k), o->elided[k]);
			fprintf(fp, "#\n# Total Lost Samples: %" PRIu64 "\n#\n", sec->lost_samples);
			if (o->unwind_note)
				fputs(o->unwind_note, fp);
		}
		{
			double n = (double)sec->nr_samples;
			char unit = ' ';

			if (n > 1000) { n /= 1000; unit = 'K'; }
			if (n > 1000) { n /= 1000; unit = 'M'; }
			if (n > 1000) { n /= 1000; unit = 'G'; }
			fprintf(fp, "# Samples: %" PRIu64 "%c of event '%s'\n", (uint64_t)n, unit,
				sec->event);
			fprintf(fp, "# Event count (approx.): %" PRIu64 "\n#\n", sec->total_period);
		}
		fputs(o->children ? "# Children      Self" : "# Overhead", fp);
		for (size_t k = 0; k < hopts->nr_keys; k++) {
			if (o->elided[hopts->keys[k]])
				continue;
			fprintf(fp, "  %-*s", (int)width[k], ui_key_header(hopts->keys[k]));
		}
		fputs(o->children ? "\n# ........  ........" : "\n# ........", fp);
		for (size_t k = 0; k < hopts->nr_keys; k++) {
			if (o->elided[hopts->keys[k]])
				continue;
			fputs("  ", fp);
			for (size_t i = 0; i < width[k]; i++)
				fputc('.', fp);
		}
		fputs("\n#\n", fp);
	}

	for (size_t i = 0; i < nr; i++) {
		const struct hist_entry *e = hists_entry(h, i);
		char line[4096];
		size_t len = 0;

		if (pct(entry_period(e, o), total) < o->percent_limit)
			continue;
		if (o->children)
			len += snprintf(line + len, sizeof(line) - len, "  %7.2f%%  %7.2f%%",
					pct(e->period_children, total), pct(e->period_self, total));
		else
			len += snprintf(line + len, sizeof(line) - len, "  %7.2f%%",
					pct(e->period_self, total));
		for (size_t k = 0; k < hopts->nr_keys && len < sizeof(line); k++) {
			const char *v = ui_key_value(hopts->keys[k], e, buf, sizeof(buf));

			if (o->elided[hopts->keys[k]])
				continue;
			len += snprintf(line + len, sizeof(line) - len, "  %-*s", (int)width[k], v);
		}
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		/* perf pads every column but a symbol at the end of the line. */
		while (len && line[len - 1] == ' ' && last_is_sym)
			len--;
		line[len] = '\0';
		fprintf(fp, "%s\n", line);

		if (o->graph != UI_GRAPH_NONE && hopts->graph && e->root.nr_children) {
			struct graph_ctx g = {
				.fp = fp, .total = total, .mode = o->graph,
				.min_hits = (uint64_t)((double)total * o->graph_min_percent / 100.0),
			};

			/* fractal percentages and threshold are of the entry itself */
			if (o->graph == UI_GRAPH_FRACTAL)
				g.min_hits = (uint64_t)((double)e->root.hits * o->graph_min_percent / 100.0);

			if (o->graph == UI_GRAPH_FLAT || o->graph == UI_GRAPH_FOLDED) {
				print_paths(&g, &e->root, path, 0);
			} else if (e->root.hits >= g.min_hits) {
				print_graph(&g, e);
				fputc('\n', fp);
			}
		}
	}
	if (!o->quiet)
		fputs("\n\n", fp);
}
