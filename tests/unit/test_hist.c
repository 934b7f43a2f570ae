/*
 * Unit tests of lib/hist: samples made of hand-made frames go in, and the
 * entries, their self and children periods, perf report's output order,
 * the call-graph trees and the filter come out as the samples imply.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sframetrace/hist.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* DSO identities (pointer equality) and interned comms. */
static const char dso_x_id[] = "x", dso_y_id[] = "y";
static const char comm_a[] = "a", comm_b[] = "b";

static struct hist_frame sym_frame(const char *dso, const void *dso_id, const char *sym,
				   uint64_t start, uint64_t addr)
{
	struct hist_frame f;

	memset(&f, 0, sizeof(f));
	f.dso = dso;
	f.dso_long = dso;
	f.dso_id = dso_id;
	f.sym = sym;
	f.sym_start = start;
	f.addr = addr;
	f.ip = 0x400000 + addr;
	f.level = '.';
	return f;
}

/* A frame of libx.so in function sym, which starts at start. */
static struct hist_frame fx(const char *sym, uint64_t start)
{
	return sym_frame("libx.so", dso_x_id, sym, start, start + 4);
}

static void sample_init(struct hist_sample *s, const char *comm, int tid, uint64_t period,
			const struct hist_frame *frames, size_t nr)
{
	memset(s, 0, sizeof(*s));
	s->comm = comm;
	s->pid = tid;
	s->tid = tid;
	s->cpu = 0;
	s->thread = (const void *)(uintptr_t)(0x1000 + tid);   /* one identity per tid */
	s->period = period;
	s->frames = frames;
	s->nr_frames = nr;
}

static void add(struct hists *h, const char *comm, int tid, uint64_t period,
		const struct hist_frame *frames, size_t nr)
{
	struct hist_sample s;

	sample_init(&s, comm, tid, period, frames, nr);
	assert_int_equal(hists_add_sample(h, &s), 0);
}

static struct hists *new_hists(const char *keys, bool children, bool graph,
			       enum hist_order order)
{
	struct hist_opts o;
	struct hists *h;
	char err[128];

	memset(&o, 0, sizeof(o));
	assert_int_equal(hist_parse_keys(keys, &o, err, sizeof(err)), 0);
	o.children = children;
	o.graph = graph;
	o.order = order;
	assert_int_equal(hists_new(&h, &o), 0);
	return h;
}

/* The entry whose symbol is sym (one per symbol in these tests). */
static struct hist_entry *find(struct hists *h, const char *sym)
{
	struct hist_entry *found = NULL;

	for (size_t i = 0; i < hists_nr_entries(h); i++) {
		struct hist_entry *e = hists_entry(h, i);

		if (e->frame.sym && strcmp(e->frame.sym, sym) == 0) {
			assert_null(found);
			found = e;
		}
	}
	assert_non_null(found);
	return found;
}

static void check_order(struct hists *h, const char *const *syms, size_t n)
{
	assert_int_equal(hists_nr_entries(h), n);
	for (size_t i = 0; i < n; i++) {
		struct hist_entry *e = hists_entry(h, i);

		assert_non_null(e);
		if (!syms[i]) {
			assert_null(e->frame.sym);
			continue;
		}
		if (!e->frame.sym || strcmp(e->frame.sym, syms[i]))
			fail_msg("entry %zu: got %s, want %s", i,
				 e->frame.sym ? e->frame.sym : "(unresolved)", syms[i]);
	}
	assert_null(hists_entry(h, n));
}

/*
 * S1 f <- g <- main (10), S2 g <- g <- main (5, g recursing), S3
 * f <- g <- f <- main (3, f twice). Self: f 10+3, g 5. Children: each
 * function once per sample it appears in: f 10+3, g 10+5+3, main 18.
 */
static void test_self_children(void **state)
{
	const struct hist_frame f = fx("f", 0x100), g = fx("g", 0x200), m = fx("main", 0x300);
	const struct hist_frame s1[] = { f, g, m }, s2[] = { g, g, m }, s3[] = { f, g, f, m };
	struct hists *h;

	(void)state;
	h = new_hists("comm,dso,sym", true, false, HIST_ORDER_CALLEE);
	add(h, comm_a, 1, 10, s1, ARRAY_SIZE(s1));
	add(h, comm_a, 1, 5, s2, ARRAY_SIZE(s2));
	add(h, comm_a, 1, 3, s3, ARRAY_SIZE(s3));
	assert_int_equal(hists_total_period(h), 18);
	assert_int_equal(hists_nr_samples(h), 3);
	assert_int_equal(hists_nr_entries(h), 3);
	assert_int_equal(find(h, "f")->period_self, 13);
	assert_int_equal(find(h, "f")->period_children, 13);
	assert_int_equal(find(h, "f")->nr_samples, 2);
	assert_int_equal(find(h, "g")->period_self, 5);
	assert_int_equal(find(h, "g")->period_children, 18);
	assert_int_equal(find(h, "g")->nr_samples, 1);
	assert_int_equal(find(h, "main")->period_self, 0);
	assert_int_equal(find(h, "main")->period_children, 18);
	assert_int_equal(find(h, "main")->nr_samples, 0);
	/* Sorted by children: g and main tie at 18, then g by self 5 > 0. */
	hists_sort(h);
	{
		static const char *const want[] = { "g", "main", "f" };

		check_order(h, want, ARRAY_SIZE(want));
	}
	hists_free(h);

	/* Without children: only the sampled functions, self periods only. */
	h = new_hists("comm,dso,sym", false, false, HIST_ORDER_CALLEE);
	add(h, comm_a, 1, 10, s1, ARRAY_SIZE(s1));
	add(h, comm_a, 1, 5, s2, ARRAY_SIZE(s2));
	add(h, comm_a, 1, 3, s3, ARRAY_SIZE(s3));
	assert_int_equal(hists_total_period(h), 18);
	assert_int_equal(hists_nr_entries(h), 2);
	assert_int_equal(find(h, "f")->period_self, 13);
	assert_int_equal(find(h, "f")->period_children, 0);
	assert_int_equal(find(h, "g")->period_self, 5);
	hists_sort(h);
	{
		static const char *const want[] = { "f", "g" };

		check_order(h, want, ARRAY_SIZE(want));
	}
	hists_free(h);
}

/* A sample with no frames adds nothing. */
static void test_empty_sample(void **state)
{
	struct hists *h;

	(void)state;
	h = new_hists("sym", true, true, HIST_ORDER_CALLEE);
	add(h, comm_a, 1, 10, NULL, 0);
	assert_int_equal(hists_nr_entries(h), 0);
	hists_sort(h);
	assert_null(hists_entry(h, 0));
	hists_free(h);
}

/*
 * Output order, keys comm,dso,sym: larger self period first; equal ones
 * by comm, then DSO short name, then symbol name (not address)
 * ascending; unresolved symbols after resolved ones, among themselves by
 * address; an unknown DSO after named ones. Created in an order that
 * matches none of that.
 */
static void test_sort_order(void **state)
{
	const struct hist_frame
		b_x_f = fx("f", 0x100),
		a_y_g = sym_frame("liby.so", dso_y_id, "g", 0x100, 0x104),
		a_x_z = fx("z", 0x100 - 0x80),
		a_x_un2 = sym_frame("libx.so", dso_x_id, NULL, 0, 0x20),
		a_x_h = fx("h", 0x300),
		a_x_un1 = sym_frame("libx.so", dso_x_id, NULL, 0, 0x10),
		b_x_a = fx("a", 0x900),
		a_x_big = fx("zz", 0x50),
		a_unknown = sym_frame(NULL, NULL, NULL, 0, 0x30);
	struct hists *h;

	(void)state;
	h = new_hists("comm,dso,sym", false, false, HIST_ORDER_CALLEE);
	add(h, comm_b, 2, 50, &b_x_f, 1);
	add(h, comm_a, 1, 30, &a_unknown, 1);
	add(h, comm_a, 1, 30, &a_y_g, 1);
	add(h, comm_a, 1, 30, &a_x_z, 1);
	add(h, comm_a, 1, 30, &a_x_un2, 1);
	add(h, comm_a, 1, 30, &a_x_h, 1);
	add(h, comm_a, 1, 30, &a_x_un1, 1);
	add(h, comm_b, 2, 30, &b_x_a, 1);
	add(h, comm_a, 1, 20, &a_x_big, 1);
	add(h, comm_a, 1, 40, &a_x_big, 1);       /* 20 + 40: the largest */
	assert_int_equal(hists_nr_entries(h), 9);
	hists_sort(h);
	{
		static const char *const want[] = { "zz", "f", "h", "z", NULL, NULL, "g", NULL, "a" };

		check_order(h, want, ARRAY_SIZE(want));
	}
	assert_int_equal(hists_entry(h, 0)->period_self, 60);
	assert_int_equal(hists_entry(h, 0)->nr_samples, 2);
	assert_int_equal(hists_entry(h, 4)->frame.addr, 0x10);
	assert_int_equal(hists_entry(h, 5)->frame.addr, 0x20);
	assert_ptr_equal(hists_entry(h, 6)->frame.dso_id, dso_y_id);
	assert_null(hists_entry(h, 7)->frame.dso);
	assert_int_equal(hists_entry(h, 7)->frame.addr, 0x30);
	assert_ptr_equal(hists_entry(h, 8)->comm, comm_b);
	assert_int_equal(hists_total_period(h), 320);
	hists_free(h);
}

/*
 * Sort key "sym" alone merges the same symbol across comms and threads;
 * "comm" alone merges every symbol of a comm.
 */
static void test_keys_merge(void **state)
{
	const struct hist_frame f = fx("f", 0x100), g = fx("g", 0x200);
	struct hists *h;

	(void)state;
	h = new_hists("sym", false, false, HIST_ORDER_CALLEE);
	add(h, comm_a, 1, 1, &f, 1);
	add(h, comm_b, 2, 2, &f, 1);
	add(h, comm_b, 2, 4, &g, 1);
	assert_int_equal(hists_nr_entries(h), 2);
	assert_int_equal(find(h, "f")->period_self, 3);
	hists_free(h);

	h = new_hists("comm", false, false, HIST_ORDER_CALLEE);
	add(h, comm_a, 1, 1, &f, 1);
	add(h, comm_b, 2, 2, &f, 1);
	add(h, comm_b, 2, 4, &g, 1);
	assert_int_equal(hists_nr_entries(h), 2);
	hists_sort(h);
	assert_ptr_equal(hists_entry(h, 0)->comm, comm_b);
	assert_int_equal(hists_entry(h, 0)->period_self, 6);
	assert_ptr_equal(hists_entry(h, 1)->comm, comm_a);
	hists_free(h);
}

/*
 * One thread, one chain leaf <- mid <- main: all three have children 10.
 * perf puts the caller above the callee by the depth of the chain each
 * entry got. Callee order: a caller's chain runs from it to the outermost
 * frame (main 1, mid 2) and the sampled leaf has the whole chain (3); the
 * shorter chain goes first: main, mid, leaf. Caller order: a caller's chain
 * runs from it to the innermost frame (main 3, mid 2), leaf again 3; the
 * longer chain goes first, leaf and main tie and leaf wins on its self
 * period: leaf, main, mid.
 */
static void test_children_caller_above_callee(void **state)
{
	const struct hist_frame chain[] = { fx("leaf", 0x100), fx("mid", 0x200), fx("main", 0x300) };
	static const char *const want_callee[] = { "main", "mid", "leaf" };
	static const char *const want_caller[] = { "leaf", "main", "mid" };
	struct hists *h;

	(void)state;
	h = new_hists("comm,dso,sym", true, true, HIST_ORDER_CALLEE);
	add(h, comm_a, 1, 10, chain, ARRAY_SIZE(chain));
	hists_sort(h);
	check_order(h, want_callee, ARRAY_SIZE(want_callee));
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(hists_entry(h, i)->period_children, 10);
	hists_free(h);

	h = new_hists("comm,dso,sym", true, true, HIST_ORDER_CALLER);
	add(h, comm_a, 1, 10, chain, ARRAY_SIZE(chain));
	hists_sort(h);
	check_order(h, want_caller, ARRAY_SIZE(want_caller));
	hists_free(h);

	/* Without call graphs depth plays no part: self, then name. */
	h = new_hists("comm,dso,sym", true, false, HIST_ORDER_CALLEE);
	add(h, comm_a, 1, 10, chain, ARRAY_SIZE(chain));
	hists_sort(h);
	{
		static const char *const want[] = { "leaf", "main", "mid" };

		check_order(h, want, ARRAY_SIZE(want));
	}
	hists_free(h);
}

static const struct hist_node *child(const struct hist_node *n, size_t i, const char *sym,
				     uint64_t hits, uint64_t self)
{
	const struct hist_node *c;

	assert_true(i < n->nr_children);
	c = n->children[i];
	assert_non_null(c->frame.sym);
	if (strcmp(c->frame.sym, sym))
		fail_msg("child %zu: got %s, want %s", i, c->frame.sym, sym);
	assert_int_equal(c->hits, hits);
	assert_int_equal(c->self, self);
	return c;
}

/*
 * Callee order, two samples of leaf sharing leaf and main and differing
 * in between: leaf <- a <- main (10), leaf <- b <- main (20). leaf's tree
 * is leaf(30) with b(20) -> main(20) first, then a(10) -> main(10).
 */
static void test_graph_callee(void **state)
{
	const struct hist_frame leaf = fx("leaf", 0x100), a = fx("a", 0x200),
				b = fx("b", 0x300), m = fx("main", 0x400);
	const struct hist_frame s1[] = { leaf, a, m }, s2[] = { leaf, b, m };
	const struct hist_node *n;
	struct hist_entry *e;
	struct hists *h;

	(void)state;
	h = new_hists("comm,dso,sym", false, true, HIST_ORDER_CALLEE);
	add(h, comm_a, 1, 10, s1, 3);
	add(h, comm_a, 1, 20, s2, 3);
	hists_sort(h);
	assert_int_equal(hists_nr_entries(h), 1);
	e = find(h, "leaf");
	assert_int_equal(e->root.hits, 30);
	assert_int_equal(e->root.nr_children, 1);
	n = child(&e->root, 0, "leaf", 30, 0);
	assert_int_equal(n->nr_children, 2);
	assert_int_equal(child(child(n, 0, "b", 20, 0), 0, "main", 20, 20)->nr_children, 0);
	assert_int_equal(child(child(n, 1, "a", 10, 0), 0, "main", 10, 10)->nr_children, 0);
	hists_free(h);
}

/*
 * Caller order with children: x <- a <- main (10), y <- a <- main (20).
 * main's tree runs main(30) -> a(30) -> y(20), x(10); a's tree a(30) ->
 * y, x; x's own tree is its whole chain main -> a -> x.
 */
static void test_graph_caller_children(void **state)
{
	const struct hist_frame x = fx("x", 0x100), y = fx("y", 0x180), a = fx("a", 0x200),
				m = fx("main", 0x400);
	const struct hist_frame s1[] = { x, a, m }, s2[] = { y, a, m };
	const struct hist_node *n;
	struct hist_entry *e;
	struct hists *h;

	(void)state;
	h = new_hists("comm,dso,sym", true, true, HIST_ORDER_CALLER);
	add(h, comm_a, 1, 10, s1, 3);
	add(h, comm_a, 1, 20, s2, 3);
	hists_sort(h);
	assert_int_equal(hists_nr_entries(h), 4);

	e = find(h, "main");
	assert_int_equal(e->period_children, 30);
	assert_int_equal(e->root.hits, 30);
	n = child(&e->root, 0, "main", 30, 0);
	assert_int_equal(e->root.nr_children, 1);
	n = child(n, 0, "a", 30, 0);
	assert_int_equal(n->nr_children, 2);
	child(n, 0, "y", 20, 20);
	child(n, 1, "x", 10, 10);

	e = find(h, "a");
	assert_int_equal(e->period_self, 0);
	n = child(&e->root, 0, "a", 30, 0);
	assert_int_equal(n->nr_children, 2);
	child(n, 0, "y", 20, 20);
	child(n, 1, "x", 10, 10);

	e = find(h, "x");
	assert_int_equal(e->root.hits, 10);
	n = child(&e->root, 0, "main", 10, 0);
	n = child(n, 0, "a", 10, 0);
	assert_int_equal(child(n, 0, "x", 10, 10)->nr_children, 0);
	hists_free(h);
}

/*
 * Recursion in caller order: f <- g <- g <- main (10). perf walks the
 * chain in display order (main first) and keeps the first occurrence of
 * g, the outer one, so g's tree is its chain from there: g -> g -> f.
 */
static void test_graph_caller_recursion(void **state)
{
	const struct hist_frame f = fx("f", 0x100), g = fx("g", 0x200), m = fx("main", 0x400);
	const struct hist_frame s1[] = { f, g, g, m };
	const struct hist_node *n;
	struct hist_entry *e;
	struct hists *h;

	(void)state;
	h = new_hists("comm,dso,sym", true, true, HIST_ORDER_CALLER);
	add(h, comm_a, 1, 10, s1, ARRAY_SIZE(s1));
	hists_sort(h);
	assert_int_equal(hists_nr_entries(h), 3);
	e = find(h, "g");
	assert_int_equal(e->period_children, 10);
	assert_int_equal(e->period_self, 0);
	assert_int_equal(e->root.hits, 10);
	assert_int_equal(e->root.nr_children, 1);
	n = child(&e->root, 0, "g", 10, 0);
	n = child(n, 0, "g", 10, 0);
	assert_int_equal(child(n, 0, "f", 10, 10)->nr_children, 0);
	e = find(h, "main");
	n = child(&e->root, 0, "main", 10, 0);
	n = child(child(n, 0, "g", 10, 0), 0, "g", 10, 0);
	child(n, 0, "f", 10, 10);
	assert_int_equal(find(h, "f")->period_children, 10);
	assert_int_equal(find(h, "f")->period_self, 10);
	hists_free(h);

	/* Callee order: the inner g comes first, its chain g -> g -> main. */
	h = new_hists("comm,dso,sym", true, true, HIST_ORDER_CALLEE);
	add(h, comm_a, 1, 10, s1, ARRAY_SIZE(s1));
	e = find(h, "g");
	assert_int_equal(e->period_children, 10);
	n = child(&e->root, 0, "g", 10, 0);
	n = child(n, 0, "g", 10, 0);
	assert_int_equal(child(n, 0, "main", 10, 10)->nr_children, 0);
	hists_free(h);
}

/* Entries whose symbol is not ctx. */
static bool keep_not(void *ctx, const struct hist_entry *e)
{
	return !e->frame.sym || strcmp(e->frame.sym, ctx) != 0;
}

static void test_filter(void **state)
{
	const struct hist_frame f = fx("f", 0x100), g = fx("g", 0x200), k = fx("k", 0x300);
	struct hists *h;

	(void)state;
	h = new_hists("comm,dso,sym", false, false, HIST_ORDER_CALLEE);
	add(h, comm_a, 1, 10, &f, 1);
	add(h, comm_a, 1, 20, &g, 1);
	add(h, comm_a, 1, 30, &k, 1);
	assert_int_equal(hists_shown_period(h), 60);
	hists_filter(h, keep_not, (void *)"g");
	assert_int_equal(hists_nr_entries(h), 2);
	assert_int_equal(hists_total_period(h), 60);
	assert_int_equal(hists_nr_samples(h), 3);
	assert_int_equal(hists_shown_period(h), 40);
	hists_sort(h);
	{
		static const char *const want[] = { "k", "f" };

		check_order(h, want, ARRAY_SIZE(want));
	}
	/* Filtering again drops more; nothing comes back. */
	hists_filter(h, keep_not, (void *)"k");
	assert_int_equal(hists_nr_entries(h), 1);
	assert_int_equal(hists_shown_period(h), 10);
	assert_int_equal(hists_total_period(h), 60);
	hists_free(h);
}

static void test_parse_keys(void **state)
{
	struct hist_opts o;
	char err[200];

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(hist_parse_keys("comm,dso,sym", &o, err, sizeof(err)), 0);
	assert_int_equal(o.nr_keys, 3);
	assert_int_equal(o.keys[0], HIST_KEY_COMM);
	assert_int_equal(o.keys[1], HIST_KEY_DSO);
	assert_int_equal(o.keys[2], HIST_KEY_SYM);

	assert_int_equal(hist_parse_keys("overhead,sym", &o, err, sizeof(err)), 0);
	assert_int_equal(o.nr_keys, 1);
	assert_int_equal(o.keys[0], HIST_KEY_SYM);

	assert_int_equal(hist_parse_keys("symbol", &o, err, sizeof(err)), 0);
	assert_int_equal(o.nr_keys, 1);
	assert_int_equal(o.keys[0], HIST_KEY_SYM);

	assert_int_equal(hist_parse_keys("pid,tid,cpu,srcline", &o, err, sizeof(err)), 0);
	assert_int_equal(o.nr_keys, 4);
	assert_int_equal(o.keys[0], HIST_KEY_PID);
	assert_int_equal(o.keys[3], HIST_KEY_SRCLINE);

	memset(err, 0, sizeof(err));
	assert_int_equal(hist_parse_keys("nosuch", &o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "nosuch"));
	memset(err, 0, sizeof(err));
	assert_int_equal(hist_parse_keys("comm,bogus_key,sym", &o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bogus_key"));

	assert_string_equal(hist_key_name(HIST_KEY_COMM), "comm");
	assert_string_equal(hist_key_name(HIST_KEY_DSO), "dso");
	assert_string_equal(hist_key_name(HIST_KEY_SYM), "sym");
}

/* Many entries: the lookup table grows and still finds each one. */
static void test_many_entries(void **state)
{
	enum { N = 3000 };
	static struct hist_frame frames[N];
	static char names[N][16];
	struct hists *h;

	(void)state;
	h = new_hists("comm,dso,sym", false, false, HIST_ORDER_CALLEE);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "fn%05zu", i);
		frames[i] = fx(names[i], 0x1000 + 0x10 * i);
	}
	for (size_t round = 1; round <= 2; round++)
		for (size_t i = 0; i < N; i++)
			add(h, comm_a, 1, i + 1, &frames[i], 1);
	assert_int_equal(hists_nr_entries(h), N);
	hists_sort(h);
	for (size_t i = 0; i < N; i++) {
		struct hist_entry *e = hists_entry(h, i);

		/* fnN-1 had the largest period: 2 * N. */
		assert_string_equal(e->frame.sym, names[N - 1 - i]);
		assert_int_equal(e->period_self, 2 * (N - i));
		assert_int_equal(e->nr_samples, 2);
	}
	hists_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_children),
		cmocka_unit_test(test_empty_sample),
		cmocka_unit_test(test_sort_order),
		cmocka_unit_test(test_keys_merge),
		cmocka_unit_test(test_children_caller_above_callee),
		cmocka_unit_test(test_graph_callee),
		cmocka_unit_test(test_graph_caller_children),
		cmocka_unit_test(test_graph_caller_recursion),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_parse_keys),
		cmocka_unit_test(test_many_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
