/*
 * C++ names as perf 6.1 shows them by default: demangled without the
 * outermost function's parameter list and return type (libiberty's
 * DMGL_NO_OPTS), template arguments and enclosing scopes' parameters kept.
 * The demangler is the C++ runtime's __cxa_demangle, looked up once with
 * dlopen so that nothing is needed to build and a machine without
 * libstdc++ simply shows mangled names.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "symbol/symbol_internal.h"

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

static cxa_demangle_fn demangler(struct symbol_cache *c)
{
	if (!c->demangle_tried) {
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);

		c->demangle_tried = true;
		c->demangle_lib = h;
		if (h)
			c->demangle = dlsym(h, "__cxa_demangle");
	}
	return (cxa_demangle_fn)c->demangle;
}

/* Index of the '(' matching the ')' at end, or -1. */
static long open_paren(const char *s, long end)
{
	int depth = 0;

	for (long i = end; i >= 0; i--) {
		if (s[i] == ')' || s[i] == '>' || s[i] == ']')
			depth++;
		else if (s[i] == '(' || s[i] == '<' || s[i] == '[')
			depth--;
		if (depth == 0)
			return s[i] == '(' ? i : -1;
	}
	return -1;
}

/* Cut "ret name(params) const" down to "name", in place. */
static char *strip_signature(char *s)
{
	static const char *const quals[] = { " const", " volatile", " &&", " &", " noexcept" };
	long n = (long)strlen(s), cut, start = 0;
	int depth = 0;
	bool again = true;

	while (again) {
		again = false;
		for (size_t q = 0; q < sizeof(quals) / sizeof(quals[0]); q++) {
			long ql = (long)strlen(quals[q]);

			if (n > ql && strncmp(s + n - ql, quals[q], (size_t)ql) == 0) {
				n -= ql;
				again = true;
			}
		}
	}
	if (n < 2 || s[n - 1] != ')')
		return s;
	cut = open_paren(s, n - 1);
	if (cut <= 0)
		return s;
	s[cut] = '\0';
	/* A template function's return type comes first, before a top-level space. */
	for (long i = 0; i < cut; i++) {
		if (s[i] == '<' || s[i] == '(' || s[i] == '[')
			depth++;
		else if ((s[i] == '>' || s[i] == ')' || s[i] == ']') && depth > 0)
			depth--;
		else if (s[i] == ' ' && depth == 0 &&
			 !(i >= 8 && strncmp(s + i - 8, "operator", 8) == 0))
			start = i + 1;
	}
	return s + start;
}

const char *symbol_demangle(struct symbol_cache *c, const char *name)
{
	cxa_demangle_fn fn;
	const char *out;
	char *full;
	int status = -1;

	if (strncmp(name, "_Z", 2) != 0 || !(fn = demangler(c)))
		return name;
	full = fn(name, NULL, NULL, &status);
	if (!full || status != 0) {
		free(full);
		return name;
	}
	/* libiberty keeps special names whole: thunks, vtables, guards ... */
	out = strncmp(full, "virtual thunk to ", 17) == 0 ||
	      strncmp(full, "non-virtual thunk to ", 21) == 0 ||
	      strncmp(full, "covariant return thunk to ", 26) == 0 ||
	      strncmp(full, "vtable for ", 11) == 0 || strncmp(full, "VTT for ", 8) == 0 ||
	      strncmp(full, "construction vtable for ", 24) == 0 ||
	      strncmp(full, "typeinfo for ", 13) == 0 ||
	      strncmp(full, "typeinfo name for ", 18) == 0 ||
	      strncmp(full, "guard variable for ", 19) == 0 ||
	      strncmp(full, "transaction clone for ", 22) == 0 ||
	      strncmp(full, "reference temporary ", 20) == 0
		      ? full
		      : strip_signature(full);
	out = symbol_strings_add(&c->strings, out, strlen(out));
	free(full);
	return out ? out : name;
}
