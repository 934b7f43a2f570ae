/*
 * `sframetrace probe`: what this kernel and this user can do, and which
 * call-graph mode `record -g` would pick, in one table.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <sframetrace/event.h>

#include "builtin.h"

static const char probe_usage[] =
	"usage: sframetrace probe\n"
	"\n"
	"Prints what this kernel and user allow: perf_event_paranoid, PMUs,\n"
	"deferred callchains, the sframe_register syscall, tracefs, and the\n"
	"call-graph mode record -g would use.\n";

static const char *paranoid_meaning(int level, bool root)
{
	if (root)
		return "root: everything allowed";
	if (level <= -1)
		return "no restrictions";
	if (level == 0)
		return "user and kernel, per-process and system-wide; no raw tracepoints";
	if (level == 1)
		return "user and kernel of your own processes; no system-wide (-a)";
	return "user space of your own processes only";
}

static bool hardware_pmu(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	return event_probe_event(&a) == 0;
}

static void print_pmus(void)
{
	DIR *d = opendir("/sys/bus/event_source/devices");
	struct dirent *de;
	bool first = true;

	printf("%-24s: ", "PMUs");
	if (!d) {
		printf("unknown (%s)\n", strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		printf("%s%s", first ? "" : " ", de->d_name);
		first = false;
	}
	closedir(d);
	printf("\n");
}

static const char *tracefs_mount(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing/events",
					    "/sys/kernel/debug/tracing/events" };
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			return dirs[i];
	return NULL;
}

int cmd_probe(int argc, char **argv)
{
	struct utsname u;
	bool root = geteuid() == 0, hw;
	int paranoid, defer, reg;
	long nr = event_sframe_register_nr();
	const char *tfs;
	char label[64];

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return cmd_show_help("probe", probe_usage);
	if (argc > 1) {
		cmd_usage_error("probe", probe_usage, "unexpected argument '%s'", argv[1]);
		return 2;
	}
	uname(&u);
	paranoid = event_read_int("/proc/sys/kernel/perf_event_paranoid", 2);
	hw = hardware_pmu();
	defer = event_probe_defer_callchain();
	reg = event_probe_sframe_register(nr);
	tfs = tracefs_mount();

	printf("%-24s: %s\n", "kernel release", u.release);
	printf("%-24s: %d (%s)\n", "perf_event_paranoid", paranoid, paranoid_meaning(paranoid, root));
	printf("%-24s: %d\n", "kptr_restrict", event_read_int("/proc/sys/kernel/kptr_restrict", -1));
	print_pmus();
	printf("%-24s: %s\n", "hardware events",
	       hw ? "yes" : "no (cycles falls back to cpu-clock)");
	printf("%-24s: %d Hz\n", "max sample rate",
	       event_read_int("/proc/sys/kernel/perf_event_max_sample_rate", -1));
	printf("%-24s: %d frames\n", "max stack",
	       event_read_int("/proc/sys/kernel/perf_event_max_stack", -1));
	if (defer)
		printf("%-24s: no (%s)\n", "defer_callchain", strerror(-defer));
	else
		printf("%-24s: yes\n", "defer_callchain");
	snprintf(label, sizeof(label), "sframe_register (%ld)", nr);
	if (reg)
		printf("%-24s: no (%s)\n", label, strerror(-reg));
	else
		printf("%-24s: yes\n", label);
	printf("%-24s: %s%s\n", "tracefs", tfs ? "mounted at " : "not mounted (record mounts it for tracepoints)",
	       tfs ? tfs : "");
	if (!defer)
		printf("%-24s: fp,defer (the kernel walks user stacks%s)\n", "record -g would use",
		       reg ? " with frame pointers" : ", with SFrame where registered");
	else
		printf("%-24s: sframe (user stacks copied, unwound with SFrame at report time)\n",
		       "record -g would use");
	return 0;
}
