/*
 * LD_AUDIT test program: linked against libaudit_a, libaudit_b (with .sframe)
 * and libaudit_c (without); dlopens libaudit_d (with .sframe) and dlmopens
 * libaudit_e (with .sframe) into a new namespace, both from the directory
 * in $AUDIT_LIBDIR, writes its own /proc/self/maps to MAPS while they are
 * loaded, then dlcloses them. Prints deterministic values.
 * usage: audit_main MAPS
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

unsigned long audit_fn_a(unsigned long);
unsigned long audit_fn_b(unsigned long);
unsigned long audit_fn_c(unsigned long);

static int dump_maps(const char *out)
{
	FILE *in = fopen("/proc/self/maps", "r"), *o = fopen(out, "w");
	char buf[4096];
	size_t n;

	if (!in || !o)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, o);
	fclose(in);
	return fclose(o);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("AUDIT_LIBDIR");
	char path[4096];
	unsigned long (*fn_d)(unsigned long), (*fn_e)(unsigned long);
	void *h, *he;

	if (argc != 2 || !dir) {
		fprintf(stderr, "usage: AUDIT_LIBDIR=DIR audit_main MAPS\n");
		return 2;
	}
	printf("a %lu\nb %lu\nc %lu\n", audit_fn_a(1), audit_fn_b(2), audit_fn_c(3));
	snprintf(path, sizeof(path), "%s/libaudit_d.so", dir);
	h = dlopen(path, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	snprintf(path, sizeof(path), "%s/libaudit_e.so", dir);
	he = dlmopen(LM_ID_NEWLM, path, RTLD_NOW);
	if (!he) {
		fprintf(stderr, "dlmopen: %s\n", dlerror());
		return 1;
	}
	fn_d = (unsigned long (*)(unsigned long))dlsym(h, "audit_fn_d");
	fn_e = (unsigned long (*)(unsigned long))dlsym(he, "audit_fn_e");
	if (!fn_d || !fn_e || dump_maps(argv[1]))
		return 1;
	printf("d %lu\ne %lu\n", fn_d(4), fn_e(5));
	return dlclose(he) || dlclose(h) ? 1 : 0;
}
