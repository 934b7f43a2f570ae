/*
 * What cmd/main.c dispatches to: one entry point per subcommand, and the
 * help helper they share.
 */
#ifndef SFRAMETRACE_BUILTIN_H
#define SFRAMETRACE_BUILTIN_H

int cmd_sframe(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_script(int argc, char **argv);
int cmd_top(int argc, char **argv);

/*
 * Show the man page sframetrace-<cmd> (or sframetrace for NULL); falls back
 * to printing usage when man or the page is missing. Returns the exit code.
 */
int cmd_show_help(const char *cmd, const char *usage);

/* "sframetrace CMD: <what went wrong>" and the usage, on stderr. */
void cmd_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
