/*
 * `record --register-sframe`: inject libsframetrace-audit.so (LD_AUDIT) into
 * the launched workload so every object its dynamic linker loads gets its
 * .sframe registered with the kernel, then read the library's log back for
 * the summary ("N registered, M without .sframe, K failed") and `-v` list.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sframetrace/event.h>
#include <sframetrace/sframe_register.h>

#include "record.h"

#define AUDIT_LIB "libsframetrace-audit.so"

#ifndef SFRAMETRACE_AUDIT_FROM_BIN
#define SFRAMETRACE_AUDIT_FROM_BIN "../lib/sframetrace"
#endif

int record_parse_register_sframe(const char *arg, enum record_reg *out)
{
	if (!strcmp(arg, "auto"))
		*out = RECORD_REG_AUTO;
	else if (!strcmp(arg, "always"))
		*out = RECORD_REG_ALWAYS;
	else if (!strcmp(arg, "never"))
		*out = RECORD_REG_NEVER;
	else
		return -EINVAL;
	return 0;
}

/*
 * $SFRAMETRACE_AUDIT_LIB, else beside our own binary (the build tree), else
 * where the build installs it relative to the installed binary.
 */
static int find_library(char out[PATH_MAX])
{
	const char *env = getenv("SFRAMETRACE_AUDIT_LIB");
	char exe[PATH_MAX], cand[PATH_MAX + 64], *slash;
	ssize_t n;

	if (env && *env)
		return realpath(env, out) ? 0 : -errno;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	snprintf(cand, sizeof(cand), "%s/%s", exe, AUDIT_LIB);
	if (access(cand, R_OK))
		snprintf(cand, sizeof(cand), "%s/%s/%s", exe, SFRAMETRACE_AUDIT_FROM_BIN, AUDIT_LIB);
	if (access(cand, R_OK) || !realpath(cand, out))
		return -ENOENT;
	return 0;
}

/* The log the library appends to: the user's, or a file of our own. */
static int open_log(struct record_audit *a)
{
	const char *user = getenv(SFRAME_AUDIT_LOG_ENV);
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	int fd;

	if (user && *user) {
		snprintf(a->log, sizeof(a->log), "%s", user);
		a->log_offset = stat(user, &st) == 0 ? st.st_size : 0;
		return 0;
	}
	snprintf(a->log, sizeof(a->log), "%s/sframetrace-audit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(a->log);
	if (fd < 0)
		return -errno;
	close(fd);
	a->own_log = true;
	return 0;
}

int record_audit_setup(struct record *r)
{
	struct record_audit *a = &r->audit;
	enum record_reg mode = r->opts.register_sframe;
	long nr = event_sframe_register_nr();
	int ret = event_probe_sframe_register(nr);

	a->kernel_registers = ret == 0;
	if (!r->opts.argc) {
		if (mode == RECORD_REG_ALWAYS)
			fprintf(stderr, "sframetrace record: --register-sframe applies to a launched command only; ignored\n");
		return 0;
	}
	if (mode == RECORD_REG_NEVER)
		return 0;
	if (mode == RECORD_REG_AUTO) {
		if (ret) {
			if (r->opts.verbose)
				fprintf(stderr, "sframetrace record: .sframe registration: off (sframe_register (%ld): %s)\n",
					nr, strerror(-ret));
			return 0;
		}
	}
	ret = find_library(a->lib);
	if (ret) {
		if (mode == RECORD_REG_AUTO && r->opts.quiet)
			return 0;
		const char *env = getenv("SFRAMETRACE_AUDIT_LIB");

		if (env && *env)
			fprintf(stderr, "sframetrace record: SFRAMETRACE_AUDIT_LIB=%s: %s%s\n", env,
				strerror(-ret), mode == RECORD_REG_ALWAYS ? "" : "; .sframe registration off");
		else
			fprintf(stderr, "sframetrace record: %s not found beside the sframetrace binary nor in its install directory (set SFRAMETRACE_AUDIT_LIB)%s\n",
				AUDIT_LIB, mode == RECORD_REG_ALWAYS ? "" : "; .sframe registration off");
		return mode == RECORD_REG_ALWAYS ? -ECANCELED : 0;
	}
	ret = open_log(a);
	if (ret) {
		fprintf(stderr, "sframetrace record: cannot create the registration log: %s\n", strerror(-ret));
		return mode == RECORD_REG_ALWAYS ? -ECANCELED : 0;
	}
	a->on = true;
	if (r->opts.verbose)
		fprintf(stderr, "sframetrace record: .sframe registration: LD_AUDIT=%s, log %s\n",
			a->lib, a->log);
	return 0;
}

/* In the forked workload, before exec: append ours to any LD_AUDIT it has. */
void record_audit_child_env(const struct record *r)
{
	const struct record_audit *a = &r->audit;
	const char *old = getenv("LD_AUDIT");
	char *val;

	if (!a->on)
		return;
	if (old && *old) {
		size_t len = strlen(old) + strlen(a->lib) + 2;

		val = malloc(len);
		if (!val)
			return;
		snprintf(val, len, "%s:%s", old, a->lib);
		setenv("LD_AUDIT", val, 1);
		free(val);
	} else {
		setenv("LD_AUDIT", a->lib, 1);
	}
	setenv(SFRAME_AUDIT_LOG_ENV, a->log, 1);
}

struct audit_line {
	int pid;
	char op[16], result[16];
	unsigned long long sframe, sframe_size, text, text_size;
	long lmid;
	char path[PATH_MAX];
};

static bool parse_line(const char *s, struct audit_line *l)
{
	int n = 0;

	if (sscanf(s, "sframetrace-audit pid=%d op=%15s result=%15s sframe=0x%llx+0x%llx"
		   " text=0x%llx+0x%llx lmid=%ld path=%n",
		   &l->pid, l->op, l->result, &l->sframe, &l->sframe_size,
		   &l->text, &l->text_size, &l->lmid, &n) != 8 || !n)
		return false;
	snprintf(l->path, sizeof(l->path), "%.*s", (int)strcspn(s + n, "\n"), s + n);
	return true;
}

/* "exec": EEXIST for what the kernel registered at exec, which is success. */
static int audit_result_errno(const char *result)
{
	return strcmp(result, "exec") ? sframe_errno_from_name(result) : 0;
}

struct audit_counts {
	unsigned long registered, no_sframe, failed, reregistered, unregistered;
	unsigned long failed_by[8];
	int failed_err[8];
	int nr_err;
	int *pids;               /* each process that logged, once */
	int nr_pids, cap_pids;
};

static void count_failure(struct audit_counts *c, int err)
{
	int i;

	c->failed++;
	for (i = 0; i < c->nr_err; i++)
		if (c->failed_err[i] == err) {
			c->failed_by[i]++;
			return;
		}
	if (c->nr_err < 8) {
		c->failed_err[c->nr_err] = err;
		c->failed_by[c->nr_err++] = 1;
	}
}

static void count_pid(struct audit_counts *c, int pid)
{
	int i;

	for (i = 0; i < c->nr_pids; i++)
		if (c->pids[i] == pid)
			return;
	if (c->nr_pids == c->cap_pids) {
		int cap = c->cap_pids ? 2 * c->cap_pids : 64;
		int *n = realloc(c->pids, (size_t)cap * sizeof(*n));

		if (!n)
			return;
		c->pids = n;
		c->cap_pids = cap;
	}
	c->pids[c->nr_pids++] = pid;
}

static void list_line(const struct audit_line *l, int err)
{
	const char *what;

	if (!strcmp(l->op, "skip"))
		what = !strcmp(l->result, "no-sframe") ? "no .sframe" : l->result;
	else if (err)
		what = !strcmp(l->op, "reregister") ? "re-reg failed" :
		       !strcmp(l->op, "unregister") ? "unreg failed" : "failed";
	else if (!strcmp(l->op, "unregister"))
		what = "unregistered";
	else if (!strcmp(l->result, "exec"))
		what = "kernel (exec)";
	else
		what = !strcmp(l->op, "reregister") ? "re-registered" : "registered";
	if (!strcmp(l->op, "skip"))
		fprintf(stderr, "  %-14s %s (pid %d)\n", what, l->path, l->pid);
	else
		fprintf(stderr, "  %-14s %s (pid %d): .sframe 0x%llx+0x%llx, text 0x%llx+0x%llx%s%s\n",
			what, l->path, l->pid, l->sframe, l->sframe_size, l->text, l->text_size,
			err > 0 ? ": " : "", err > 0 ? l->result : "");
}

static void print_counts(const struct audit_counts *c)
{
	int i;

	fprintf(stderr, "sframetrace record: .sframe registration (%d process%s): %lu registered, %lu without .sframe, %lu failed",
		c->nr_pids, c->nr_pids == 1 ? "" : "es", c->registered, c->no_sframe, c->failed);
	for (i = 0; i < c->nr_err; i++) {
		char buf[16];
		const char *name = sframe_errno_name(c->failed_err[i], buf, sizeof(buf));

		if (c->nr_err == 1)
			fprintf(stderr, " (%s: %s)", name, strerror(c->failed_err[i]));
		else
			fprintf(stderr, "%s%lu %s", i ? ", " : " (", c->failed_by[i], name);
	}
	if (c->nr_err > 1)
		fputc(')', stderr);
	if (c->reregistered)
		fprintf(stderr, ", %lu re-registered in forked children", c->reregistered);
	if (c->unregistered)
		fprintf(stderr, ", %lu unregistered on close", c->unregistered);
	fputc('\n', stderr);
}

void record_audit_summary(const struct record *r)
{
	const struct record_audit *a = &r->audit;
	struct audit_counts c;
	struct audit_line l;
	char line[PATH_MAX + 256];
	FILE *f;

	if (!a->on || r->opts.quiet)
		return;
	f = fopen(a->log, "r");
	if (!f || fseeko(f, a->log_offset, SEEK_SET)) {
		fprintf(stderr, "sframetrace record: .sframe registration: no log from the workload (%s)\n",
			strerror(errno));
		if (f)
			fclose(f);
		return;
	}
	memset(&c, 0, sizeof(c));
	while (fgets(line, sizeof(line), f)) {
		int err;

		if (!parse_line(line, &l))
			continue;
		err = audit_result_errno(l.result);
		count_pid(&c, l.pid);
		if (!strcmp(l.op, "skip"))
			c.no_sframe++;
		else if (err)
			count_failure(&c, err);
		else if (!strcmp(l.op, "unregister"))
			c.unregistered++;
		else if (!strcmp(l.op, "reregister"))
			c.reregistered++;
		else
			c.registered++;
		if (r->opts.verbose)
			list_line(&l, err);
	}
	fclose(f);
	if (!c.nr_pids)
		fprintf(stderr, "sframetrace record: .sframe registration: the workload loaded no object through the dynamic linker (static, setuid, or exec failed)\n");
	else
		print_counts(&c);
	free(c.pids);
}

void record_audit_exit(struct record *r)
{
	if (r->audit.own_log)
		unlink(r->audit.log);
	r->audit.own_log = false;
}
