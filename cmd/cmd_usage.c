/*
 * The one-line usage error every subcommand prints: what went wrong, then
 * its usage text. Its own file so that tests compiling a subcommand can
 * link it without main.c.
 */
#include <stdarg.h>
#include <stdio.h>

#include "builtin.h"

void cmd_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sframetrace %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
}
