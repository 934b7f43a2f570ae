/*
 * Event names as perf spells them: hardware and software events with
 * :u/:k/:p modifiers, and tracepoints "subsystem:name" (id from tracefs,
 * which is mounted when it is not).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <sframetrace/event.h>

static const struct {
	const char *name;
	uint32_t type;
	uint64_t config;
} known[] = {
	{ "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
	{ "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "alignment-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS },
	{ "emulation-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS },
	{ "dummy", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY },
	{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "cpu-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES },
	{ "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
	{ "bus-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES },
	{ "ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES },
};

static const char *const tracefs_dirs[] = {
	"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
};

/* The tracefs events directory, mounting tracefs if nothing is there. */
int event_tracefs_events_dir(char *out, size_t len)
{
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++) {
		snprintf(out, len, "%s/events", tracefs_dirs[i]);
		if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
	}
	if (mount("nodev", tracefs_dirs[0], "tracefs", 0, NULL) < 0)
		return errno == EPERM ? -EACCES : -errno;
	snprintf(out, len, "%s/events", tracefs_dirs[0]);
	return stat(out, &st) == 0 ? 0 : -ENOENT;
}

static int parse_tracepoint(const char *sys, const char *ev,
			    struct perf_event_attr *attr)
{
	char dir[256], path[512];
	unsigned long long id;
	FILE *f;
	int ret;

	if (strchr(sys, '/') || strchr(ev, '/') || strstr(sys, "..") || strstr(ev, ".."))
		return -ENOENT;
	ret = event_tracefs_events_dir(dir, sizeof(dir));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s/%s/id", dir, sys, ev);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	ret = fscanf(f, "%llu", &id) == 1 ? 0 : -EINVAL;
	fclose(f);
	if (ret)
		return ret;
	attr->type = PERF_TYPE_TRACEPOINT;
	attr->config = id;
	attr->sample_type |= PERF_SAMPLE_RAW;
	return 0;
}

int event_parse_name(const char *name, struct perf_event_attr *attr)
{
	char buf[256], *colon, *mod = NULL;
	size_t i;

	if (strlen(name) >= sizeof(buf))
		return -ENOENT;
	strcpy(buf, name);
	colon = strchr(buf, ':');
	if (colon) {
		*colon = '\0';
		mod = colon + 1;
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(buf, known[i].name))
			continue;
		attr->type = known[i].type;
		attr->config = known[i].config;
		for (; mod && *mod; mod++) {
			if (*mod == 'u')
				attr->exclude_kernel = 1, attr->exclude_hv = 1;
			else if (*mod == 'k')
				attr->exclude_user = 1;
			else if (*mod == 'p' && attr->type == PERF_TYPE_HARDWARE)
				attr->precise_ip++;
			else if (*mod != 'p')
				return -EINVAL;
		}
		return 0;
	}
	if (mod && *mod)
		return parse_tracepoint(buf, mod, attr);
	return -ENOENT;
}
