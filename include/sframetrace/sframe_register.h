/*
 * The proposed sframe_register/sframe_unregister syscalls, shared by the
 * probe, `record` and the LD_AUDIT library (which links nothing else of
 * ours, so everything here is header-only).
 */
#ifndef SFRAMETRACE_SFRAME_REGISTER_H
#define SFRAMETRACE_SFRAME_REGISTER_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Proposed numbers (seed 004); the kernel has not settled them. */
#define SFRAME_REGISTER_NR_DEFAULT 472
#define SFRAME_UNREGISTER_NR_DEFAULT 473

/* Environment record passes down to the workload and its audit library. */
#define SFRAME_REGISTER_NR_ENV "SFRAMETRACE_SFRAME_REGISTER_NR"
#define SFRAME_UNREGISTER_NR_ENV "SFRAMETRACE_SFRAME_UNREGISTER_NR"
/* A file the audit library appends one line per object to. */
#define SFRAME_AUDIT_LOG_ENV "SFRAMETRACE_AUDIT_LOG"

/* Run-time addresses in the calling process; unregister sets only sframe_start. */
struct sframe_setup {
	uint64_t sframe_start;
	uint64_t sframe_size;
	uint64_t text_start;
	uint64_t text_size;
};

/* A syscall number from the environment, or def when unset or malformed. */
static inline long sframe_register_nr_from_env(const char *name, long def)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	n = strtol(v, &end, 0);
	return (*end || n <= 0) ? def : n;
}

/*
 * Errno names in the audit log ("ok", "ENOSYS", ..., "E<n>"): the library
 * writes them, record turns them back into numbers for its summary.
 */
static const struct { int err; const char *name; } sframe_errno_names[] = {
	{ ENOSYS, "ENOSYS" }, { EINVAL, "EINVAL" }, { EEXIST, "EEXIST" },
	{ EPERM, "EPERM" },   { EFAULT, "EFAULT" }, { ENOMEM, "ENOMEM" },
	{ ENOENT, "ENOENT" }, { EBUSY, "EBUSY" },   { E2BIG, "E2BIG" },
};

static inline const char *sframe_errno_name(int err, char *buf, size_t len)
{
	size_t i;

	if (!err)
		return "ok";
	for (i = 0; i < sizeof(sframe_errno_names) / sizeof(sframe_errno_names[0]); i++)
		if (sframe_errno_names[i].err == err)
			return sframe_errno_names[i].name;
	snprintf(buf, len, "E%d", err);
	return buf;
}

/* The errno a name stands for: 0 for "ok", -1 for what is no errno name. */
static inline int sframe_errno_from_name(const char *name)
{
	size_t i;

	if (!strcmp(name, "ok"))
		return 0;
	for (i = 0; i < sizeof(sframe_errno_names) / sizeof(sframe_errno_names[0]); i++)
		if (!strcmp(sframe_errno_names[i].name, name))
			return sframe_errno_names[i].err;
	if (name[0] == 'E' && name[1] >= '0' && name[1] <= '9')
		return atoi(name + 1);
	return -1;
}

#endif
