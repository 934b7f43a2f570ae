/*
 * One small shared library for the LD_AUDIT tests, built four times with
 * -DLIBFN=audit_fn_a .. audit_fn_d: with .sframe (-Wa,--gsframe) or without.
 */
#ifndef LIBFN
#error "build with -DLIBFN=name"
#endif

__attribute__((noinline)) unsigned long LIBFN(unsigned long x)
{
	unsigned long i;

	for (i = 0; i < 1000; i++)
		x = x * 2862933555777941757UL + 3037000493UL;
	return x;
}
