/*
 * Kernel symbols from kallsyms, parsed once into one sorted table for the
 * kernel and its modules ("name\t[module]" lines), each symbol tagged with
 * its owner. The selection and clean-up are perf 6.1's: T/W/D/B symbols,
 * ends at the next symbol (a page past the last one before a kernel/module
 * switch), one symbol per address.
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbol/symbol_internal.h"

/* perf's KSYM_NAME_LEN since 6.1. */
#define SYMBOL_KSYM_NAME_LEN 512

static int module_index(struct symbol_cache *c, const char *name, size_t len,
			uint32_t *last, uint32_t *out)
{
	struct symbol_dso **n, *d;
	char buf[SYMBOL_KSYM_NAME_LEN + 3];
	size_t i;

	if (len > SYMBOL_KSYM_NAME_LEN)
		len = SYMBOL_KSYM_NAME_LEN;
	/* perf's module DSOs are "[name]"; kallsyms already brackets them. */
	if (len >= 2 && name[0] == '[' && name[len - 1] == ']')
		snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
	else
		snprintf(buf, sizeof(buf), "[%.*s]", (int)len, name);
	/* A module's symbols come together: try the previous one first. */
	if (*last && !strcmp(c->modules[*last - 1]->name, buf)) {
		*out = *last;
		return 0;
	}
	for (i = 0; i < c->nr_modules; i++) {
		if (!strcmp(c->modules[i]->name, buf)) {
			*out = *last = (uint32_t)i + 1;
			return 0;
		}
	}
	if (c->nr_modules >= UINT32_MAX - 1)
		return -EOVERFLOW;
	n = realloc(c->modules, (c->nr_modules + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	c->modules = n;
	d = symbol_cache_new_module(c, buf);
	if (!d)
		return -ENOMEM;
	d->module = (uint32_t)c->nr_modules + 1;
	d->loaded = true;
	d->kmin = UINT64_MAX;
	c->modules[c->nr_modules++] = d;
	*out = *last = d->module;
	return 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* One "ADDR TYPE NAME[\t[MODULE]]" line; 1 when it holds a symbol we keep. */
static int parse_line(struct symbol_cache *c, char *line, size_t len, uint32_t *last,
		      bool *nonzero)
{
	uint64_t start = 0;
	size_t i = 0, name_len;
	char type, *name, *tab;
	uint32_t owner = 0;
	const char *s;
	uint8_t binding;
	int v, ret;

	while (i < len && (v = hexval(line[i])) >= 0) {
		start = start << 4 | (uint64_t)v;
		i++;
	}
	if (i == 0 || i + 2 >= len || line[i] != ' ' || line[i + 2] != ' ')
		return 0;
	type = line[i + 1];
	name = line + i + 3;
	name_len = len - (i + 3);
	if (start)
		*nonzero = true;
	switch (toupper((unsigned char)type)) {
	case 'T': case 'W': case 'D': case 'B':
		break;
	default:
		return 0;
	}
	/* ARM mapping symbols ($a, $d, $x) are not functions. */
	if (!name_len || name[0] == '$')
		return 0;
	tab = memchr(name, '\t', name_len);
	if (tab) {
		ret = module_index(c, tab + 1, name_len - (size_t)(tab + 1 - name), last, &owner);
		if (ret)
			return ret;
		name_len = (size_t)(tab - name);
	}
	if (name_len > SYMBOL_KSYM_NAME_LEN)
		name_len = SYMBOL_KSYM_NAME_LEN;
	s = symbol_strings_add(&c->strings, name, name_len);
	if (!s)
		return -ENOMEM;
	binding = type == 'W' ? STB_WEAK : isupper((unsigned char)type) ? STB_GLOBAL : STB_LOCAL;
	ret = symbol_table_add(&c->ksyms, start, 0, binding,
			       tolower((unsigned char)type) == 't' ||
			       tolower((unsigned char)type) == 'w' ? STT_FUNC : STT_OBJECT,
			       s, owner);
	return ret ? ret : 1;
}

int symbol_kallsyms_load(struct symbol_cache *c)
{
	FILE *f;
	char *line = NULL;
	size_t n = 0, i;
	ssize_t len;
	uint32_t last = 0;
	bool nonzero = false;
	int ret = 0;

	c->kernel_loaded = true;
	if (!c->kernel) {
		c->kernel = symbol_cache_new_kernel(c);
		if (!c->kernel)
			return -ENOMEM;
		c->kernel->loaded = true;
	}
	f = fopen(c->kallsyms_path, "re");
	if (!f) {
		ret = -errno;
		symbol_warn(c, "cannot read %s (%s); kernel samples are shown unresolved",
			    c->kallsyms_path, strerror(-ret));
		return ret;
	}
	/* Fewer, larger reads: /proc/kallsyms is generated on every read(). */
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	while ((len = getline(&line, &n, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		ret = parse_line(c, line, (size_t)len, &last, &nonzero);
		if (ret < 0)
			break;
		ret = 0;
	}
	free(line);
	fclose(f);
	if (ret)
		symbol_table_exit(&c->ksyms);
	if (!ret && c->ksyms.nr && !nonzero) {
		symbol_warn(c, "%s has no addresses (kernel.kptr_restrict?); kernel samples "
			    "are shown unresolved", c->kallsyms_path);
		symbol_table_exit(&c->ksyms);
	}
	if (!ret)
		ret = symbol_table_sort(&c->ksyms);
	if (ret)
		symbol_table_exit(&c->ksyms);
	symbol_table_fixup_end(&c->ksyms, true);
	symbol_table_fixup_duplicate(&c->ksyms);
	for (i = 0; i < c->ksyms.nr; i++) {
		const struct symbol_sym *s = &c->ksyms.syms[i];
		struct symbol_dso *m;

		if (!s->owner || s->owner > c->nr_modules)
			continue;
		m = c->modules[s->owner - 1];
		if (s->start < m->kmin)
			m->kmin = s->start;
		if (s->end > m->kmax)
			m->kmax = s->end;
	}
	return ret;
}
