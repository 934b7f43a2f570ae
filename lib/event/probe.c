/*
 * Kernel feature probes: can this kernel defer user callchains, and does it
 * have the (proposed) sframe_register syscall? Both probes are harmless:
 * the event is never enabled, and the syscall gets a size it must refuse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sframetrace/event.h>
#include <sframetrace/sframe_register.h>

static int try_open(struct perf_event_attr *attr)
{
	long fd = event_perf_event_open(attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

int event_probe_defer_callchain(void)
{
	struct perf_event_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.sample_period = 1000000;
	attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_CALLCHAIN;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	/* Without the bit first: a refusal there is not about deferral. */
	ret = try_open(&attr);
	if (ret)
		return ret;
	event_attr_set_flag_bit(&attr, EVENT_ATTR_BIT_DEFER_CALLCHAIN, true);
	return try_open(&attr);
}

int event_probe_event(const struct perf_event_attr *base)
{
	struct perf_event_attr attr = *base;

	attr.size = sizeof(attr);
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	if (!attr.sample_period)
		attr.sample_period = 100000;
	return try_open(&attr);
}

int event_read_int(const char *path, int def)
{
	FILE *f = fopen(path, "r");
	int v = def;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = def;
		fclose(f);
	}
	return v;
}

int event_probe_mmap_build_id(void)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_DUMMY;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.mmap = 1;
	attr.mmap2 = 1;
	attr.build_id = 1;
	return try_open(&attr);
}

long event_sframe_register_nr(void)
{
	return sframe_register_nr_from_env(SFRAME_REGISTER_NR_ENV,
					   SFRAME_REGISTER_NR_DEFAULT);
}

long event_sframe_unregister_nr(void)
{
	return sframe_register_nr_from_env(SFRAME_UNREGISTER_NR_ENV,
					   SFRAME_UNREGISTER_NR_DEFAULT);
}

int event_probe_sframe_register(long nr)
{
	struct sframe_setup setup;

	memset(&setup, 0, sizeof(setup));
	/* Size 1 is no version of struct sframe_setup: EINVAL if it exists. */
	if (syscall(nr, &setup, (size_t)1) == 0)
		return 0;
	if (errno == EINVAL)
		return 0;
	return -errno;
}
