/*
 * Histogram entries: a hash table keyed by the sort keys, self and
 * children periods, call-graph trees, and perf report's output order.
 *
 * perf's order, for the record: entries by (children, then) self period,
 * larger first; in children mode, equal children of one thread put the
 * caller above the callee (deeper call graph first); then each sort key
 * ascending (names by strcmp, unresolved symbols after resolved ones, by
 * address); then creation order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sframetrace/hist.h"

struct hists {
	struct hist_opts opts;
	struct hist_entry **entries;      /* creation order, then sorted */
	size_t nr, cap;
	struct hist_entry **dropped;      /* filtered out, freed at the end */
	size_t nr_dropped;
	struct hist_entry **table;        /* open addressing */
	size_t table_cap;
	uint64_t total_period, nr_samples, stamp;
};

static const char *const key_names[HIST_KEY_MAX] = {
	[HIST_KEY_COMM] = "comm", [HIST_KEY_DSO] = "dso", [HIST_KEY_SYM] = "sym",
	[HIST_KEY_PID] = "pid", [HIST_KEY_TID] = "tid", [HIST_KEY_CPU] = "cpu",
	[HIST_KEY_SRCLINE] = "srcline",
};

const char *hist_key_name(enum hist_key k)
{
	return k < HIST_KEY_MAX ? key_names[k] : "?";
}

int hist_parse_keys(const char *spec, struct hist_opts *opts, char *err, size_t errlen)
{
	char *copy = strdup(spec), *save = NULL, *tok;

	if (!copy)
		return -ENOMEM;
	opts->nr_keys = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum hist_key k;

		if (strcmp(tok, "overhead") == 0 || strcmp(tok, "overhead_children") == 0)
			continue;
		if (strcmp(tok, "symbol") == 0)
			tok = "sym";
		for (k = 0; k < HIST_KEY_MAX; k++)
			if (strcmp(tok, key_names[k]) == 0)
				break;
		if (k == HIST_KEY_MAX) {
			snprintf(err, errlen, "unknown sort key '%s' (known: comm, dso, sym, pid, tid, cpu, srcline)",
				 tok);
			free(copy);
			return -EINVAL;
		}
		if (opts->nr_keys == HIST_MAX_KEYS) {
			snprintf(err, errlen, "too many sort keys");
			free(copy);
			return -EINVAL;
		}
		opts->keys[opts->nr_keys++] = k;
	}
	free(copy);
	return 0;
}

int hists_new(struct hists **out, const struct hist_opts *opts)
{
	struct hists *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->opts = *opts;
	*out = h;
	return 0;
}

static void node_free(struct hist_node *n)
{
	for (size_t i = 0; i < n->nr_children; i++) {
		node_free(n->children[i]);
		free(n->children[i]);
	}
	free(n->children);
}

void hists_free(struct hists *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nr; i++) {
		node_free(&h->entries[i]->root);
		free(h->entries[i]);
	}
	for (size_t i = 0; i < h->nr_dropped; i++) {
		node_free(&h->dropped[i]->root);
		free(h->dropped[i]);
	}
	free(h->dropped);
	free(h->entries);
	free(h->table);
	free(h);
}

static bool same_sym(const struct hist_frame *a, const struct hist_frame *b)
{
	if (a->dso_id != b->dso_id || !a->sym != !b->sym)
		return false;
	return a->sym ? a->sym_start == b->sym_start && a->inlined == b->inlined &&
			(!a->inlined || strcmp(a->sym, b->sym) == 0)
		      : a->addr == b->addr;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
	return h;
}

static uint64_t key_hash(const struct hists *h, const struct hist_sample *s,
			 const struct hist_frame *f)
{
	uint64_t x = 0;

	for (size_t i = 0; i < h->opts.nr_keys; i++) {
		switch (h->opts.keys[i]) {
		case HIST_KEY_COMM: x = mix(x, (uintptr_t)s->comm); break;
		case HIST_KEY_DSO: x = mix(x, (uintptr_t)f->dso_id); break;
		case HIST_KEY_SYM:
			x = mix(x, (uintptr_t)f->dso_id);
			x = mix(x, f->sym ? f->sym_start : f->addr);
			break;
		case HIST_KEY_PID: x = mix(x, (uint64_t)s->tid); break;
		case HIST_KEY_TID: x = mix(x, (uint64_t)s->tid); break;
		case HIST_KEY_CPU: x = mix(x, (uint64_t)s->cpu); break;
		case HIST_KEY_SRCLINE: x = mix(x, (uintptr_t)f->srcline); break;
		default: break;
		}
	}
	return x;
}

static bool key_equal(const struct hists *h, const struct hist_entry *e,
		      const struct hist_sample *s, const struct hist_frame *f)
{
	for (size_t i = 0; i < h->opts.nr_keys; i++) {
		switch (h->opts.keys[i]) {
		case HIST_KEY_COMM: if (e->comm != s->comm) return false; break;
		case HIST_KEY_DSO: if (e->frame.dso_id != f->dso_id) return false; break;
		case HIST_KEY_SYM: if (!same_sym(&e->frame, f)) return false; break;
		case HIST_KEY_PID: if (e->tid != s->tid) return false; break;
		case HIST_KEY_TID: if (e->tid != s->tid) return false; break;
		case HIST_KEY_CPU: if (e->cpu != s->cpu) return false; break;
		case HIST_KEY_SRCLINE: if (e->frame.srcline != f->srcline) return false; break;
		default: break;
		}
	}
	return true;
}

static int table_grow(struct hists *h)
{
	size_t cap = h->table_cap ? h->table_cap * 2 : 1024;
	struct hist_entry **t = calloc(cap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	h->table = t;
	h->table_cap = cap;
	return 0;
}

/* The entry for (s, f), created when new. */
static struct hist_entry *entry_findnew(struct hists *h, const struct hist_sample *s,
					const struct hist_frame *f)
{
	uint64_t hash = key_hash(h, s, f);
	struct hist_entry *e;
	size_t i;

	if ((h->nr + 1) * 2 > h->table_cap) {
		struct hist_entry **old = h->table;
		size_t old_cap = h->table_cap;

		h->table = NULL;
		if (table_grow(h) < 0) {
			h->table = old;
			return NULL;
		}
		for (size_t k = 0; k < old_cap; k++) {
			struct hist_entry *x = old[k];
			struct hist_sample xs = { .comm = x ? x->comm : NULL };

			if (!x)
				continue;
			xs.pid = x->pid;
			xs.tid = x->tid;
			xs.cpu = x->cpu;
			i = key_hash(h, &xs, &x->frame) & (h->table_cap - 1);
			while (h->table[i])
				i = (i + 1) & (h->table_cap - 1);
			h->table[i] = x;
		}
		free(old);
	}
	i = hash & (h->table_cap - 1);
	while ((e = h->table[i])) {
		if (key_equal(h, e, s, f))
			return e;
		i = (i + 1) & (h->table_cap - 1);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	if (h->nr == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		struct hist_entry **grown = realloc(h->entries, cap * sizeof(*grown));

		if (!grown) {
			free(e);
			return NULL;
		}
		h->entries = grown;
		h->cap = cap;
	}
	e->comm = s->comm;
	e->pid = s->pid;
	e->tid = s->tid;
	e->cpu = s->cpu;
	e->thread = s->thread;
	e->thread_comm = s->thread_comm;
	e->frame = *f;
	e->seq = h->nr;
	h->entries[h->nr++] = e;
	h->table[i] = e;
	return e;
}

static struct hist_node *node_child(struct hist_node *n, const struct hist_frame *f)
{
	struct hist_node *c;

	for (size_t i = 0; i < n->nr_children; i++)
		if (same_sym(&n->children[i]->frame, f))
			return n->children[i];
	if (n->nr_children == n->cap_children) {
		size_t cap = n->cap_children ? n->cap_children * 2 : 2;
		struct hist_node **grown = realloc(n->children, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		n->children = grown;
		n->cap_children = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->frame = *f;
	c->seq = n->nr_children;
	n->children[n->nr_children++] = c;
	return c;
}

/*
 * Add the chain of the entry at frames[at] as one path, in display order:
 * like perf, the frames from it to the end of the sample's chain as
 * displayed (callee order: it and its callers; caller order: it and its
 * callees). Returns the chain's length, or -ENOMEM.
 */
static int graph_add(struct hists *h, struct hist_node *root, const struct hist_frame *frames,
		     size_t nr, size_t at, uint64_t period)
{
	struct hist_node *node = root;
	bool callee = h->opts.order == HIST_ORDER_CALLEE;
	size_t n = callee ? nr - at : at + 1;

	root->hits += period;
	for (size_t k = 0; k < n; k++) {
		size_t i = callee ? at + k : at - k;

		node = node_child(node, &frames[i]);
		if (!node)
			return -ENOMEM;
		node->hits += period;
	}
	node->self += period;
	return (int)n;
}

int hists_add_sample(struct hists *h, const struct hist_sample *s)
{
	struct hist_entry *e;
	size_t n = s->nr_frames;
	char level;

	if (!n)
		return 0;
	h->stamp++;
	h->total_period += s->period;
	h->nr_samples++;
	e = entry_findnew(h, s, s->self ? s->self : &s->frames[0]);
	if (!e)
		return -ENOMEM;
	e->period_self += s->period;
	e->nr_samples++;
	if (n > e->max_depth)
		e->max_depth = (unsigned int)n;
	/* The sample's own entry gets its whole chain. */
	if (h->opts.graph && graph_add(h, &e->root, s->frames, n,
				       h->opts.order == HIST_ORDER_CALLEE ? 0 : n - 1, s->period) < 0)
		return -ENOMEM;
	if (!h->opts.children)
		return 0;
	e->period_children += s->period;
	e->stamp = h->stamp;
	/*
	 * Each caller once per sample, however often it recurs: perf walks the
	 * chain in display order and keeps the first occurrence (in caller
	 * order the outermost one). An unmapped frame takes the level of the
	 * frame walked before it, as perf's reused addr_location does.
	 */
	level = s->frames[0].level;
	for (size_t k = 0; k < n; k++) {
		size_t i = h->opts.order == HIST_ORDER_CALLER ? n - 1 - k : k;
		struct hist_frame caller = s->frames[i];
		size_t d;

		if (caller.dso_id)
			level = caller.level;
		else
			caller.level = level;
		/*
		 * perf keys an unresolved caller by its raw ip, a sample by its
		 * map address: an unresolved leaf in a file map gets both.
		 */
		if (!caller.sym)
			caller.addr = caller.ip;
		e = entry_findnew(h, s, &caller);
		if (!e)
			return -ENOMEM;
		if (e->stamp == h->stamp)
			continue;
		e->stamp = h->stamp;
		e->period_children += s->period;
		/* perf's depth of a caller: the length of the chain it got. */
		d = h->opts.order == HIST_ORDER_CALLER ? i + 1 : n - i;
		if (d > e->max_depth)
			e->max_depth = (unsigned int)d;
		if (h->opts.graph && graph_add(h, &e->root, s->frames, n, i, s->period) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return a ? -1 : b ? 1 : 0;   /* NULL (unknown) after names */
	return strcmp(a, b);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_wrap(uint64_t a, uint64_t b)
{
	int64_t d = (int64_t)(a - b);

	return d < 0 ? -1 : d > 0;
}

/* Order of one sort key, ascending: perf's output order for that key. */
static int key_cmp(enum hist_key k, const struct hist_entry *a, const struct hist_entry *b,
		   bool by_name)
{
	switch (k) {
	case HIST_KEY_COMM: return cmp_str(a->comm, b->comm);
	case HIST_KEY_DSO: return cmp_str(a->frame.dso, b->frame.dso);
	case HIST_KEY_SYM:
		/* perf compares addresses by their signed 64-bit difference */
		if (a->frame.sym && b->frame.sym) {
			if (by_name)
				return strcmp(a->frame.sym, b->frame.sym);
			return cmp_wrap(a->frame.sym_start, b->frame.sym_start);
		}
		if (!a->frame.sym && !b->frame.sym)
			/* perf's output sort leaves unresolved ones in collapse order */
			return by_name ? 0 : cmp_wrap(a->frame.addr, b->frame.addr);
		return a->frame.sym ? -1 : 1;
	case HIST_KEY_PID:
	case HIST_KEY_TID: return (a->tid > b->tid) - (a->tid < b->tid);
	case HIST_KEY_CPU: return (a->cpu > b->cpu) - (a->cpu < b->cpu);
	case HIST_KEY_SRCLINE: return cmp_str(a->frame.srcline, b->frame.srcline);
	default: return 0;
	}
}

/* perf's collapsed order (a total order): the sequence entries are output-sorted in. */
static int collapse_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct hist_entry *a = *(struct hist_entry *const *)pa;
	const struct hist_entry *b = *(struct hist_entry *const *)pb;
	const struct hist_opts *o = ctx;

	for (size_t i = 0; i < o->nr_keys; i++) {
		int c = key_cmp(o->keys[i], a, b, false);

		if (c)
			return c;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * perf's output comparison of a new entry with one in the tree: > 0 puts
 * it before. Not transitive (equal children of one thread compare by call
 * depth, of two threads by self period), so the result depends on the
 * tree it is inserted into; hists_sort reproduces that tree.
 */
static int output_cmp(const struct hist_opts *o, const struct hist_entry *a,
		      const struct hist_entry *b)
{
	int c;

	if (o->children) {
		c = cmp_u64(a->period_children, b->period_children);
		if (c)
			return c;
		if (o->graph && a->thread == b->thread) {
			/*
			 * "Put caller above callee": perf compares the depth of
			 * the chains the entries got, which for a caller is the
			 * frames from it to the sample's innermost one.
			 */
			c = (a->max_depth > b->max_depth) - (a->max_depth < b->max_depth);
			if (c)
				return o->order == HIST_ORDER_CALLEE ? -c : c;
		}
	}
	c = cmp_u64(a->period_self, b->period_self);
	if (c)
		return c;
	for (size_t i = 0; i < o->nr_keys; i++) {
		c = key_cmp(o->keys[i], a, b, true);
		if (c)
			return -c;
	}
	return 0;
}

/* A red-black tree over entry indexes, with the kernel's (CLRS) insert. */
struct rb_node_idx {
	size_t left, right, parent;
	bool red;
};

#define RB_NIL ((size_t)-1)

static void rb_rotate(struct rb_node_idx *t, size_t *root, size_t x, bool left)
{
	size_t y = left ? t[x].right : t[x].left;
	size_t mid = left ? t[y].left : t[y].right;

	if (left)
		t[x].right = mid;
	else
		t[x].left = mid;
	if (mid != RB_NIL)
		t[mid].parent = x;
	t[y].parent = t[x].parent;
	if (t[x].parent == RB_NIL)
		*root = y;
	else if (t[t[x].parent].left == x)
		t[t[x].parent].left = y;
	else
		t[t[x].parent].right = y;
	if (left)
		t[y].left = x;
	else
		t[y].right = x;
	t[x].parent = y;
}

static void rb_fixup(struct rb_node_idx *t, size_t *root, size_t z)
{
	while (t[z].parent != RB_NIL && t[t[z].parent].red) {
		size_t p = t[z].parent, g = t[p].parent;
		bool p_left = t[g].left == p;
		size_t u = p_left ? t[g].right : t[g].left;

		if (u != RB_NIL && t[u].red) {
			t[p].red = false;
			t[u].red = false;
			t[g].red = true;
			z = g;
			continue;
		}
		if (z == (p_left ? t[p].right : t[p].left)) {
			z = p;
			rb_rotate(t, root, z, p_left);
			p = t[z].parent;
		}
		t[p].red = false;
		t[g].red = true;
		rb_rotate(t, root, g, !p_left);
	}
	t[*root].red = false;
}

static int output_sort(struct hists *h)
{
	size_t n = h->nr, root = RB_NIL, out = 0, cur;
	struct rb_node_idx *t = malloc(n * sizeof(*t));
	struct hist_entry **seq = malloc(n * sizeof(*seq));
	size_t *stack = malloc((n + 1) * sizeof(*stack));
	size_t depth = 0;

	if (!t || !seq || !stack) {
		free(t);
		free(seq);
		free(stack);
		return -ENOMEM;
	}
	memcpy(seq, h->entries, n * sizeof(*seq));
	qsort_r(seq, n, sizeof(*seq), collapse_cmp, &h->opts);
	for (size_t i = 0; i < n; i++) {
		size_t parent = RB_NIL, x = root;
		bool left = false;

		while (x != RB_NIL) {
			parent = x;
			left = output_cmp(&h->opts, seq[i], seq[x]) > 0;
			x = left ? t[x].left : t[x].right;
		}
		t[i] = (struct rb_node_idx){ RB_NIL, RB_NIL, parent, true };
		if (parent == RB_NIL)
			root = i;
		else if (left)
			t[parent].left = i;
		else
			t[parent].right = i;
		rb_fixup(t, &root, i);
	}
	/* In-order walk: the output order. */
	cur = root;
	while (cur != RB_NIL || depth) {
		while (cur != RB_NIL) {
			stack[depth++] = cur;
			cur = t[cur].left;
		}
		cur = stack[--depth];
		h->entries[out++] = seq[cur];
		cur = t[cur].right;
	}
	free(t);
	free(seq);
	free(stack);
	return 0;
}

static int node_cmp(const void *pa, const void *pb)
{
	const struct hist_node *a = *(struct hist_node *const *)pa;
	const struct hist_node *b = *(struct hist_node *const *)pb;

	int c = cmp_u64(b->hits, a->hits);
	uint64_t xa = a->frame.sym ? a->frame.sym_start : a->frame.ip;
	uint64_t xb = b->frame.sym ? b->frame.sym_start : b->frame.ip;

	if (c)
		return c;
	/* perf's equal siblings: by DSO, then by descending address */
	if (a->frame.dso_id != b->frame.dso_id)
		return (uintptr_t)a->frame.dso_id > (uintptr_t)b->frame.dso_id ? -1 : 1;
	if (xa != xb)
		return xa > xb ? -1 : 1;
	return cmp_u64(a->seq, b->seq);
}

static void node_sort(struct hist_node *n)
{
	if (n->nr_children > 1)
		qsort(n->children, n->nr_children, sizeof(*n->children), node_cmp);
	for (size_t i = 0; i < n->nr_children; i++)
		node_sort(n->children[i]);
}

void hists_sort(struct hists *h)
{
	if (h->nr > 1)
		output_sort(h);
	if (h->opts.graph)
		for (size_t i = 0; i < h->nr; i++)
			node_sort(&h->entries[i]->root);
}

void hists_filter(struct hists *h, bool (*keep)(void *ctx, const struct hist_entry *e), void *ctx)
{
	size_t kept = 0;
	struct hist_entry **grown;

	grown = realloc(h->dropped, (h->nr_dropped + h->nr) * sizeof(*grown));
	if (!grown)
		return;
	h->dropped = grown;
	/* The lookup table would point at moved entries: no adds after this. */
	free(h->table);
	h->table = NULL;
	h->table_cap = 0;
	for (size_t i = 0; i < h->nr; i++) {
		if (keep(ctx, h->entries[i]))
			h->entries[kept++] = h->entries[i];
		else
			h->dropped[h->nr_dropped++] = h->entries[i];
	}
	h->nr = kept;
}

uint64_t hists_shown_period(const struct hists *h)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < h->nr; i++)
		sum += h->entries[i]->period_self;
	return sum;
}

size_t hists_nr_entries(const struct hists *h)
{
	return h->nr;
}

struct hist_entry *hists_entry(struct hists *h, size_t i)
{
	return i < h->nr ? h->entries[i] : NULL;
}

uint64_t hists_total_period(const struct hists *h)
{
	return h->total_period;
}

uint64_t hists_nr_samples(const struct hists *h)
{
	return h->nr_samples;
}
