/*
 * The shared library of the uw_lib workload (libuwfn.so): lib_outer ->
 * lib_inner -> a callback into the program. Built by the tests with -fPIC
 * -shared -O2 -g -fomit-frame-pointer -Wa,--gsframe: no frame pointers, so
 * the unwinder must find these frames from the library's own .sframe.
 * Each function uses its callee's result after the call (through an asm the
 * optimiser cannot see through): no tail calls.
 */
#define NOINL __attribute__((noinline, noclone))
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))

unsigned long lib_outer(unsigned long (*fn)(unsigned long), unsigned long arg);

static volatile unsigned long lib_sink;

NOINL static unsigned long lib_inner(unsigned long (*fn)(unsigned long), unsigned long arg)
{
	unsigned long r = fn(arg + 1);

	OPAQUE(r);
	lib_sink += r;
	return r ^ arg;
}

NOINL unsigned long lib_outer(unsigned long (*fn)(unsigned long), unsigned long arg)
{
	unsigned long r = lib_inner(fn, arg * 3);

	OPAQUE(r);
	lib_sink += r;
	return r + 7;
}
