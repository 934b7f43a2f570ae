/*
 * Workload for the maps-over-time test: three phases in one process, each
 * with different maps at possibly the same addresses.
 *   1. dlopen LIB1, call its spin_one(MS), dlclose it;
 *   2. dlopen LIB2, call its spin_two(MS), dlclose it;
 *   3. exec PROG ARGS... (so the comm and every map change again).
 * usage: dlphases MS LIB1 LIB2 PROG [ARGS...]
 * LIB1 and LIB2 are tests/progs/dlspin.c built with -DSPIN_NAME=spin_one and
 * spin_two; give them as paths (with a '/') so no search path is involved.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int run_phase(const char *lib, const char *fn, long ms)
{
	unsigned long (*spin)(long);
	void *h;

	h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlphases: %s\n", dlerror());
		return -1;
	}
	*(void **)&spin = dlsym(h, fn);
	if (!spin) {
		fprintf(stderr, "dlphases: %s\n", dlerror());
		dlclose(h);
		return -1;
	}
	printf("dlphases: %s: %s at %p\n", lib, fn, (void *)spin);
	fflush(stdout);
	spin(ms);
	if (dlclose(h) != 0) {
		fprintf(stderr, "dlphases: dlclose %s: %s\n", lib, dlerror());
		return -1;
	}
	/* The next phase means something only if this library is gone. */
	h = dlopen(lib, RTLD_NOW | RTLD_NOLOAD);
	if (h) {
		fprintf(stderr, "dlphases: %s is still loaded after dlclose\n", lib);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long ms;

	if (argc < 5) {
		fprintf(stderr, "usage: dlphases MS LIB1 LIB2 PROG [ARGS...]\n");
		return 2;
	}
	ms = strtol(argv[1], NULL, 10);
	if (run_phase(argv[2], "spin_one", ms) != 0 || run_phase(argv[3], "spin_two", ms) != 0)
		return 1;
	fflush(stdout);
	execv(argv[4], argv + 4);
	perror("dlphases: exec");
	return 1;
}
