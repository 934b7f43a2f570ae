/*
 * Symbol tables and the string arena their names come from. The clean-up
 * passes reproduce perf 6.1's (symbols__fixup_end, then
 * symbols__fixup_duplicate with choose_best_symbol), and user-space
 * tables are searched through a red-black tree shaped like perf's, so
 * that the symbol an address resolves to, and its offset, are the ones
 * perf prints even where symbols overlap (PLT entries under a stretched
 * _init, JIT maps that reuse addresses).
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "symbol/symbol_internal.h"

struct symbol_str_chunk {
	struct symbol_str_chunk *next;
	size_t used;
	size_t size;
	char data[];
};

#define SYMBOL_STR_CHUNK (256 * 1024)

const char *symbol_strings_add(struct symbol_strings *s, const char *str, size_t len)
{
	struct symbol_str_chunk *ch = s->head;
	char *out;

	if (len > SIZE_MAX / 2)
		return NULL;
	if (!ch || ch->size - ch->used < len + 1) {
		size_t size = len + 1 > SYMBOL_STR_CHUNK ? len + 1 : SYMBOL_STR_CHUNK;

		ch = malloc(sizeof(*ch) + size);
		if (!ch)
			return NULL;
		ch->used = 0;
		ch->size = size;
		/* A big one-off string gets its own chunk behind the current one. */
		if (s->head && size > SYMBOL_STR_CHUNK) {
			ch->next = s->head->next;
			s->head->next = ch;
		} else {
			ch->next = s->head;
			s->head = ch;
		}
	}
	out = ch->data + ch->used;
	memcpy(out, str, len);
	out[len] = '\0';
	ch->used += len + 1;
	return out;
}

void symbol_strings_free(struct symbol_strings *s)
{
	while (s->head) {
		struct symbol_str_chunk *next = s->head->next;

		free(s->head);
		s->head = next;
	}
}

static void tree_insert(struct symbol_table *t, int32_t z);

int symbol_table_add(struct symbol_table *t, uint64_t start, uint64_t size,
		     uint8_t binding, uint8_t type, const char *name, uint32_t owner)
{
	struct symbol_sym *s;

	if (t->nr == t->alloc) {
		size_t alloc = t->alloc ? t->alloc * 2 : 256;
		struct symbol_sym *n;

		if (alloc > INT32_MAX || alloc > SIZE_MAX / sizeof(*n))
			return -ENOMEM;
		n = realloc(t->syms, alloc * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->syms = n;
		t->alloc = alloc;
	}
	s = &t->syms[t->nr];
	memset(s, 0, sizeof(*s));
	s->start = start;
	/* A size running past the address space is corrupt: treat as unknown. */
	s->end = size && start + size > start ? start + size : start;
	s->name = name;
	s->a2l_name = name;
	s->left = s->right = s->parent = -1;
	s->owner = owner;
	s->binding = binding;
	s->type = type;
	t->nr++;
	if (t->tree)
		tree_insert(t, (int32_t)(t->nr - 1));
	return 0;
}

static int order_cmp(const void *pa, const void *pb, void *arg)
{
	const struct symbol_sym *syms = arg;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	if (syms[a].start != syms[b].start)
		return syms[a].start < syms[b].start ? -1 : 1;
	return a < b ? -1 : a > b;
}

int symbol_table_sort(struct symbol_table *t)
{
	size_t i;

	free(t->order);
	t->order = NULL;
	t->nr_order = 0;
	if (!t->nr)
		return 0;
	t->order = malloc(t->nr * sizeof(*t->order));
	if (!t->order)
		return -ENOMEM;
	for (i = 0; i < t->nr; i++)
		t->order[i] = (uint32_t)i;
	t->nr_order = t->nr;
	qsort_r(t->order, t->nr, sizeof(*t->order), order_cmp, t->syms);
	return 0;
}

/*
 * The red-black tree is the textbook one (insertion and deletion as in
 * Cormen et al.), which is also what the kernel's lib/rbtree.c computes:
 * the same operations in the same order give perf's tree shape.
 */
#define NIL (-1)

static void set_child(struct symbol_table *t, int32_t parent, int32_t old, int32_t new)
{
	if (parent == NIL)
		t->root = new;
	else if (t->syms[parent].left == old)
		t->syms[parent].left = new;
	else
		t->syms[parent].right = new;
	if (new != NIL)
		t->syms[new].parent = parent;
}

static void rotate_left(struct symbol_table *t, int32_t x)
{
	struct symbol_sym *s = t->syms;
	int32_t y = s[x].right;

	s[x].right = s[y].left;
	if (s[y].left != NIL)
		s[s[y].left].parent = x;
	set_child(t, s[x].parent, x, y);
	s[y].left = x;
	s[x].parent = y;
}

static void rotate_right(struct symbol_table *t, int32_t x)
{
	struct symbol_sym *s = t->syms;
	int32_t y = s[x].left;

	s[x].left = s[y].right;
	if (s[y].right != NIL)
		s[s[y].right].parent = x;
	set_child(t, s[x].parent, x, y);
	s[y].right = x;
	s[x].parent = y;
}

static bool is_red(const struct symbol_table *t, int32_t n)
{
	return n != NIL && t->syms[n].red;
}

static void tree_insert(struct symbol_table *t, int32_t z)
{
	struct symbol_sym *s = t->syms;
	int32_t x = t->root, y = NIL;

	/* perf's __symbols__insert: equal starts go right. */
	while (x != NIL) {
		y = x;
		x = s[z].start < s[x].start ? s[x].left : s[x].right;
	}
	s[z].parent = y;
	s[z].left = s[z].right = NIL;
	s[z].red = 1;
	if (y == NIL)
		t->root = z;
	else if (s[z].start < s[y].start)
		s[y].left = z;
	else
		s[y].right = z;

	while (is_red(t, s[z].parent)) {
		int32_t p = s[z].parent, g = s[p].parent, u;

		if (p == s[g].left) {
			u = s[g].right;
			if (is_red(t, u)) {
				s[p].red = s[u].red = 0;
				s[g].red = 1;
				z = g;
				continue;
			}
			if (z == s[p].right) {
				z = p;
				rotate_left(t, z);
				p = s[z].parent;
			}
			s[p].red = 0;
			s[g].red = 1;
			rotate_right(t, g);
		} else {
			u = s[g].left;
			if (is_red(t, u)) {
				s[p].red = s[u].red = 0;
				s[g].red = 1;
				z = g;
				continue;
			}
			if (z == s[p].left) {
				z = p;
				rotate_right(t, z);
				p = s[z].parent;
			}
			s[p].red = 0;
			s[g].red = 1;
			rotate_left(t, g);
		}
	}
	s[t->root].red = 0;
}

static void erase_fixup(struct symbol_table *t, int32_t x, int32_t xp)
{
	struct symbol_sym *s = t->syms;

	while (x != t->root && !is_red(t, x) && xp != NIL) {
		int32_t w;

		if (x == s[xp].left) {
			w = s[xp].right;
			if (is_red(t, w)) {
				s[w].red = 0;
				s[xp].red = 1;
				rotate_left(t, xp);
				w = s[xp].right;
			}
			if (!is_red(t, s[w].left) && !is_red(t, s[w].right)) {
				s[w].red = 1;
				x = xp;
				xp = s[x].parent;
				continue;
			}
			if (!is_red(t, s[w].right)) {
				s[s[w].left].red = 0;
				s[w].red = 1;
				rotate_right(t, w);
				w = s[xp].right;
			}
			s[w].red = s[xp].red;
			s[xp].red = 0;
			s[s[w].right].red = 0;
			rotate_left(t, xp);
		} else {
			w = s[xp].left;
			if (is_red(t, w)) {
				s[w].red = 0;
				s[xp].red = 1;
				rotate_right(t, xp);
				w = s[xp].left;
			}
			if (!is_red(t, s[w].left) && !is_red(t, s[w].right)) {
				s[w].red = 1;
				x = xp;
				xp = s[x].parent;
				continue;
			}
			if (!is_red(t, s[w].left)) {
				s[s[w].right].red = 0;
				s[w].red = 1;
				rotate_left(t, w);
				w = s[xp].left;
			}
			s[w].red = s[xp].red;
			s[xp].red = 0;
			s[s[w].left].red = 0;
			rotate_right(t, xp);
		}
		x = t->root;
		break;
	}
	if (x != NIL)
		s[x].red = 0;
}

static void tree_erase(struct symbol_table *t, int32_t z)
{
	struct symbol_sym *s = t->syms;
	int32_t x, xp, y = z;
	bool black = !s[z].red;

	if (s[z].left == NIL) {
		x = s[z].right;
		xp = s[z].parent;
		set_child(t, s[z].parent, z, x);
	} else if (s[z].right == NIL) {
		x = s[z].left;
		xp = s[z].parent;
		set_child(t, s[z].parent, z, x);
	} else {
		/* Two children: the in-order successor takes z's place. */
		y = s[z].right;
		while (s[y].left != NIL)
			y = s[y].left;
		black = !s[y].red;
		x = s[y].right;
		if (s[y].parent == z) {
			xp = y;
		} else {
			xp = s[y].parent;
			set_child(t, s[y].parent, y, x);
			s[y].right = s[z].right;
			s[s[y].right].parent = y;
		}
		set_child(t, s[z].parent, z, y);
		s[y].left = s[z].left;
		s[s[y].left].parent = y;
		s[y].red = s[z].red;
	}
	s[z].left = s[z].right = s[z].parent = NIL;
	if (black)
		erase_fixup(t, x, xp);
}

void symbol_table_build_tree(struct symbol_table *t)
{
	size_t i;

	t->root = NIL;
	t->tree = true;
	for (i = 0; i < t->nr; i++)
		tree_insert(t, (int32_t)i);
}

static uint64_t roundup_page(uint64_t v)
{
	uint64_t r = (v + 4095) & ~(uint64_t)4095;

	return r < v ? v : r;
}

void symbol_table_fixup_end(struct symbol_table *t, bool kallsyms)
{
	size_t i;

	for (i = 1; i < t->nr_order; i++) {
		struct symbol_sym *prev = &t->syms[t->order[i - 1]];
		struct symbol_sym *curr = &t->syms[t->order[i]];

		if (prev->end != prev->start)
			continue;
		/*
		 * Kernel text and module text are far apart: a last symbol
		 * before the switch only gets up to the next page, as in perf.
		 */
		if (kallsyms && !prev->owner != !curr->owner)
			prev->end = roundup_page(prev->end + 4096);
		else
			prev->end = curr->start;
	}
	if (t->nr_order) {
		struct symbol_sym *last = &t->syms[t->order[t->nr_order - 1]];

		if (last->end == last->start)
			last->end = roundup_page(last->start) + 4096;
		if (last->end < last->start)
			last->end = UINT64_MAX;
	}
}

static size_t underscores(const char *s)
{
	size_t n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

bool symbol_choose_first(const struct symbol_sym *a, const struct symbol_sym *b)
{
	uint64_t la = a->end - a->start, lb = b->end - b->start;
	bool wa = a->binding == STB_WEAK, wb = b->binding == STB_WEAK;
	bool ga = a->binding == STB_GLOBAL, gb = b->binding == STB_GLOBAL;
	size_t ua, ub, na, nb;

	if (lb == 0 && la > 0)
		return true;
	if (la == 0 && lb > 0)
		return false;
	if (wb && !wa)
		return true;
	if (wa && !wb)
		return false;
	if (ga && !gb)
		return true;
	if (gb && !ga)
		return false;
	ua = underscores(a->name);
	ub = underscores(b->name);
	if (ub > ua)
		return true;
	if (ua > ub)
		return false;
	na = strlen(a->name);
	nb = strlen(b->name);
	if (na != nb)
		return na > nb;
	/* perf's default arch__choose_best_symbol: avoid syscall aliases. */
	if (!strncmp(a->name, "SyS", 3) || !strncmp(a->name, "compat_SyS", 10))
		return false;
	return true;
}

/* How binutils ranks aliases when it names a function from the symtab. */
static int a2l_rank(const struct symbol_sym *s)
{
	if (s->type == STT_FUNC || s->type == STT_GNU_IFUNC)
		return 2;
	return s->type == STT_NOTYPE ? 1 : 0;
}

void symbol_table_fixup_duplicate(struct symbol_table *t)
{
	size_t i, w = 0;
	const char *a2l_name = NULL;
	int a2l_r = 0;

	for (i = 0; i < t->nr_order; i++) {
		uint32_t cur = t->order[i];
		struct symbol_sym *c = &t->syms[cur];

		if (w && t->syms[t->order[w - 1]].start == c->start) {
			uint32_t kept = t->order[w - 1];

			if (a2l_rank(c) > a2l_r) {
				a2l_r = a2l_rank(c);
				a2l_name = c->name;
			}
			/* perf erases the loser; the erase order shapes its tree. */
			if (symbol_choose_first(&t->syms[kept], c)) {
				if (t->tree)
					tree_erase(t, (int32_t)cur);
			} else {
				if (t->tree)
					tree_erase(t, (int32_t)kept);
				t->order[w - 1] = cur;
			}
			t->syms[t->order[w - 1]].a2l_name = a2l_name;
			continue;
		}
		a2l_r = a2l_rank(c);
		a2l_name = c->name;
		t->order[w++] = cur;
	}
	t->nr_order = w;
}

static bool sym_contains(const struct symbol_sym *s, uint64_t addr)
{
	if (addr < s->start)
		return false;
	return addr < s->end || (addr == s->start && s->start == s->end);
}

const struct symbol_sym *symbol_table_find(const struct symbol_table *t, uint64_t addr)
{
	size_t lo = 0, hi = t->nr_order;

	if (t->tree) {
		int32_t n = t->root;

		while (n != NIL) {
			const struct symbol_sym *s = &t->syms[n];

			if (addr < s->start)
				n = s->left;
			else if (!sym_contains(s, addr))
				n = s->right;
			else
				return s;
		}
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[t->order[mid]].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && sym_contains(&t->syms[t->order[lo - 1]], addr))
		return &t->syms[t->order[lo - 1]];
	return NULL;
}

void symbol_table_exit(struct symbol_table *t)
{
	free(t->syms);
	free(t->order);
	memset(t, 0, sizeof(*t));
	t->root = NIL;
}
