/*
 * sframetrace: dispatch to subcommands the way git and perf do, and show
 * help as man pages.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builtin.h"

static const char main_usage[] =
	"usage: sframetrace [--version] [--help] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"   record    Run a command and record its profile into perf.data\n"
	"   report    Show a perf.data profile as perf report does\n"
	"   script    Print the samples of a perf.data file, or folded stacks\n"
	"   top       Show the hottest functions live, as perf top does\n"
	"   probe     Show what this kernel and user can do for profiling\n"
	"   sframe    Dump and validate .sframe sections\n"
	"   help      Show the manual of sframetrace or of a command\n"
	"\n"
	"See 'sframetrace help COMMAND' for more on a command.\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "record", cmd_record },
	{ "report", cmd_report },
	{ "script", cmd_script },
	{ "top", cmd_top },
	{ "probe", cmd_probe },
	{ "sframe", cmd_sframe },
};

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Installed next to the binary, installed by prefix, or in the source tree. */
static bool find_man_page(const char *page, char *out, size_t len)
{
	char exe[PATH_MAX / 2];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, len, "%s/../share/man/man1/%s.1", exe, page);
			if (is_file(out))
				return true;
		}
	}
	snprintf(out, len, "%s/man1/%s.1", SFRAMETRACE_MANDIR_INSTALL, page);
	if (is_file(out))
		return true;
	snprintf(out, len, "%s/%s.1", SFRAMETRACE_MANDIR_SOURCE, page);
	return is_file(out);
}

int cmd_show_help(const char *cmd, const char *usage)
{
	char page[64], path[PATH_MAX + 128];
	pid_t pid;
	int status;

	snprintf(page, sizeof(page), cmd ? "sframetrace-%s" : "sframetrace", cmd);
	if (find_man_page(page, path, sizeof(path))) {
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			execlp("man", "man", "-l", path, (char *)NULL);
			_exit(127);
		}
		if (pid > 0 && waitpid(pid, &status, 0) == pid &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return 0;
	}
	/* No man(1) or no page: the short usage still answers --help. */
	fputs(usage, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	size_t i;

	if (argc < 2) {
		fputs(main_usage, stderr);
		return 1;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("sframetrace version %s\n", SFRAMETRACE_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		if (argc > 2 && strcmp(cmd, "help") == 0) {
			for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
				if (!strcmp(argv[2], commands[i].name))
					return cmd_show_help(argv[2], main_usage);
			fprintf(stderr, "sframetrace: '%s' is not a sframetrace command. See 'sframetrace --help'.\n",
				argv[2]);
			return 1;
		}
		return cmd_show_help(NULL, main_usage);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "sframetrace: '%s' is not a sframetrace command. See 'sframetrace --help'.\n",
		cmd);
	return 1;
}
