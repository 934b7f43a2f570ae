/*
 * /tmp/perf-PID.map, written by JITs: "START SIZE NAME" per line, hex
 * numbers, absolute addresses. Parsed the way perf 6.1's
 * dso__load_perf_map() does, including its leniency (one separator
 * character, names of at least three characters) and its lack of any
 * clean-up: sizes are taken as given and overlapping entries are kept,
 * the one found being the one perf's tree walk finds.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbol/symbol_internal.h"

int symbol_perfmap_load(struct symbol_dso *d)
{
	struct symbol_cache *c = d->cache;
	FILE *f;
	char *line = NULL;
	size_t n = 0;
	ssize_t len;
	int ret = 0;

	f = fopen(d->path, "re");
	if (!f)
		return -errno;   /* perf stays quiet: most anonymous code has no map */
	while ((len = getline(&line, &n, f)) > 0) {
		unsigned long long start, size;
		const char *name;
		char *end;
		size_t pos;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (memchr(line, '\0', (size_t)len))
			continue;   /* a NUL inside: binary junk, not a map line */
		start = strtoull(line, &end, 16);
		pos = (size_t)(end - line) + 1;
		if (pos + 2 >= (size_t)len)
			continue;
		size = strtoull(line + pos, &end, 16);
		pos = (size_t)(end - line) + 1;
		if (pos + 2 >= (size_t)len)
			continue;
		name = symbol_strings_add(&c->strings, line + pos, (size_t)len - pos);
		if (!name) {
			ret = -ENOMEM;
			break;
		}
		ret = symbol_table_add(&d->table, start, size, STB_GLOBAL, STT_FUNC, name, 0);
		if (ret)
			break;
	}
	free(line);
	fclose(f);
	/* perf inserts them in file order into its tree and looks them up there. */
	symbol_table_build_tree(&d->table);
	return ret;
}
