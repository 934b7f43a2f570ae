/*
 * `sframetrace record`: open sampling events (with deferred callchains when
 * the kernel has them), launch or attach to the workload, drain the ring
 * buffers into a perf.data file that Linux perf reads too, and finish it
 * cleanly on exit, Ctrl-C or SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sframetrace/data.h>
#include <sframetrace/elf.h>
#include <sframetrace/event.h>

#include "builtin.h"
#include "record.h"

static const char record_usage[] =
	"usage: sframetrace record [OPTIONS] [--] [CMD [ARGS...]]\n"
	"\n"
	"    -e, --event EVENT       event to sample (default: cycles, else cpu-clock)\n"
	"    -F, --freq N            sample N times per second (default 4000)\n"
	"    -c, --count N           sample every N events\n"
	"    -g                      call graphs, mode 'auto'\n"
	"        --call-graph MODE[,SIZE]\n"
	"                            fp | fp,defer | defer | sframe[,SIZE] | dwarf[,SIZE] | auto\n"
	"    -o, --output FILE       output file (default perf.data)\n"
	"    -a, --all-cpus          system-wide on all CPUs\n"
	"    -C, --cpu LIST          system-wide on these CPUs (e.g. 0-1,3)\n"
	"    -p, --pid PID[,PID]     attach to processes\n"
	"    -t, --tid TID[,TID]     attach to threads\n"
	"    -i, --no-inherit        do not follow forks of the workload\n"
	"        --register-sframe=auto|always|never\n"
	"                            register the workload's .sframe sections with the\n"
	"                            kernel (LD_AUDIT library; auto: when it has sframe_register)\n"
	"    -m, --mmap-pages N      ring buffer pages per CPU (power of two)\n"
	"    -q, --quiet             print nothing but errors\n"
	"    -v, --verbose           say more\n"
	"    -h, --help              show the manual page\n";

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t child_done;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_child(int sig)
{
	(void)sig;
	child_done = 1;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

int record_parse_pid_list(const char *s, pid_t **out, int *nr)
{
	char *copy = strdup(s), *tok, *save = NULL, *end;
	int n = 0;

	*out = calloc(strlen(s) / 2 + 2, sizeof(pid_t));
	if (!copy || !*out) {
		free(copy);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long v = strtol(tok, &end, 10);

		if (*end || v <= 0 || v > INT_MAX) {
			free(copy);
			return -EINVAL;
		}
		(*out)[n++] = (pid_t)v;
	}
	free(copy);
	*nr = n;
	return n ? 0 : -EINVAL;
}

int record_parse_call_graph(const char *arg, struct record_opts *o)
{
	char buf[64], *comma;
	char *end;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return -EINVAL;
	o->stack_size = RECORD_DEFAULT_STACK;
	if (!strcmp(buf, "fp")) {
		o->cg = RECORD_CG_FP;
		return 0;
	}
	if (!strcmp(buf, "fp,defer") || !strcmp(buf, "defer")) {
		o->cg = RECORD_CG_DEFER;
		return 0;
	}
	if (!strcmp(buf, "auto")) {
		o->cg = RECORD_CG_AUTO;
		return 0;
	}
	comma = strchr(buf, ',');
	if (comma)
		*comma++ = '\0';
	if (!strcmp(buf, "sframe"))
		o->cg = RECORD_CG_SFRAME;
	else if (!strcmp(buf, "dwarf"))
		o->cg = RECORD_CG_DWARF;
	else
		return -EINVAL;
	if (comma) {
		unsigned long v;

		if (!(*comma >= '0' && *comma <= '9'))
			return -EINVAL;
		errno = 0;
		v = strtoul(comma, &end, 0);
		if (*end || v == 0 || errno)
			return -EINVAL;
		if (v > RECORD_MAX_STACK)
			return -ERANGE;
		/* The kernel takes a u16-sized, 8-byte aligned copy size. */
		v = (v + 7) & ~7UL;
		o->stack_size = (uint32_t)v;
	}
	return 0;
}

const char *record_cg_name(enum record_cg cg)
{
	switch (cg) {
	case RECORD_CG_NONE:
		return "none";
	case RECORD_CG_FP:
		return "fp";
	case RECORD_CG_DEFER:
		return "fp,defer";
	case RECORD_CG_SFRAME:
		return "sframe";
	case RECORD_CG_DWARF:
		return "dwarf";
	default:
		return "auto";
	}
}

static int parse_args(int argc, char **argv, struct record_opts *o)
{
	enum { OPT_CALL_GRAPH = 256, OPT_REGISTER_SFRAME };
	static const struct option opts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "freq", required_argument, NULL, 'F' },
		{ "count", required_argument, NULL, 'c' },
		{ "call-graph", required_argument, NULL, OPT_CALL_GRAPH },
		{ "output", required_argument, NULL, 'o' },
		{ "all-cpus", no_argument, NULL, 'a' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "pid", required_argument, NULL, 'p' },
		{ "tid", required_argument, NULL, 't' },
		{ "no-inherit", no_argument, NULL, 'i' },
		{ "register-sframe", required_argument, NULL, OPT_REGISTER_SFRAME },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+e:F:c:go:aC:p:t:im:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (o->nr_events >= RECORD_MAX_EVENTS) {
				fprintf(stderr, "sframetrace record: too many events\n");
				return -1;
			}
			o->events[o->nr_events++] = optarg;
			break;
		case 'F':
			o->freq = strtoul(optarg, &end, 10);
			if (*end || !o->freq) {
				fprintf(stderr, "sframetrace record: invalid frequency '%s'\n", optarg);
				return -1;
			}
			o->period = 0;
			break;
		case 'c':
			o->period = strtoull(optarg, &end, 10);
			if (*end || !o->period) {
				fprintf(stderr, "sframetrace record: invalid period '%s'\n", optarg);
				return -1;
			}
			o->freq = 0;
			break;
		case 'g':
			o->cg = RECORD_CG_AUTO;
			o->stack_size = RECORD_DEFAULT_STACK;
			break;
		case OPT_CALL_GRAPH:
			ret = record_parse_call_graph(optarg, o);
			if (ret) {
				fprintf(stderr, "sframetrace record: invalid --call-graph '%s'%s\n", optarg,
					ret == -ERANGE ? " (stack size above 65528)" :
					" (use fp, fp,defer, sframe[,SIZE], dwarf[,SIZE] or auto)");
				return -1;
			}
			o->cg_explicit = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'a':
			o->system_wide = true;
			break;
		case 'C':
			o->cpu_list = optarg;
			o->system_wide = true;
			break;
		case 'p':
		case 't':
			if (record_parse_pid_list(optarg, &o->pids, &o->nr_pids)) {
				fprintf(stderr, "sframetrace record: invalid %s list '%s'\n",
					c == 'p' ? "pid" : "tid", optarg);
				return -1;
			}
			o->per_tid = c == 't';
			break;
		case 'i':
			o->no_inherit = true;
			break;
		case OPT_REGISTER_SFRAME:
			if (record_parse_register_sframe(optarg, &o->register_sframe)) {
				cmd_usage_error("record", record_usage,
						"invalid --register-sframe '%s' (use auto, always or never)", optarg);
				return -1;
			}
			break;
		case 'm':
			o->mmap_pages = strtoul(optarg, &end, 10);
			if (*end || !o->mmap_pages || (o->mmap_pages & (o->mmap_pages - 1))) {
				fprintf(stderr, "sframetrace record: --mmap-pages must be a power of two\n");
				return -1;
			}
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			return 1;
		default:
			cmd_usage_error("record", record_usage, "unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	o->argv = argv + optind;
	o->argc = argc - optind;
	if (!o->argc && !o->system_wide && !o->nr_pids) {
		fprintf(stderr, "sframetrace record: nothing to record: give a command, -p, -t or -a\n%s",
			record_usage);
		return -1;
	}
	if (o->nr_pids && (o->system_wide || o->argc)) {
		fprintf(stderr, "sframetrace record: -p/-t cannot be combined with -a/-C or a command\n");
		return -1;
	}
	return 0;
}

/* Fork the workload stopped before exec; exec happens in record_go(). */
static int workload_prepare(struct record *r)
{
	int go[2], err[2];

	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -errno;
	r->child = fork();
	if (r->child < 0)
		return -errno;
	if (r->child == 0) {
		char c;
		int e;

		close(go[1]);
		close(err[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		record_audit_child_env(r);
		execvp(r->opts.argv[0], r->opts.argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	r->go_fd = go[1];
	r->err_fd = err[0];
	return 0;
}

/* Let the child exec; returns -errno if exec failed. */
static int workload_start(struct record *r)
{
	int e = 0;
	ssize_t n;

	if (write(r->go_fd, "g", 1) != 1)
		return -errno;
	close(r->go_fd);
	r->go_fd = -1;
	n = read(r->err_fd, &e, sizeof(e));
	close(r->err_fd);
	r->err_fd = -1;
	if (n == (ssize_t)sizeof(e))
		return -e;
	return 0;
}

static void workload_abort(struct record *r)
{
	if (r->child > 0) {
		kill(r->child, SIGKILL);
		waitpid(r->child, NULL, 0);
		r->child = -1;
	}
	if (r->go_fd >= 0)
		close(r->go_fd);
	if (r->err_fd >= 0)
		close(r->err_fd);
	r->go_fd = r->err_fd = -1;
}

static int emit_to_file(void *arg, const void *rec, size_t len)
{
	struct record *r = arg;

	record_track_event(&r->track, rec);
	return data_writer_write(r->writer, rec, len);
}

static int drain(struct record *r, bool *wrote)
{
	static const struct perf_event_header round = { PERF_RECORD_FINISHED_ROUND, 0, 8 };
	int i, ret;

	*wrote = false;
	for (i = 0; i < r->evlist->nr_mmaps; i++) {
		struct perf_mmap *m = &r->evlist->mmaps[i];
		const struct perf_event_header *h;

		if (perf_mmap_read_init(m))
			continue;
		while ((h = perf_mmap_read_event(m))) {
			record_track_event(&r->track, h);
			ret = data_writer_write(r->writer, h, h->size);
			if (ret)
				return ret;
			*wrote = true;
		}
		perf_mmap_read_done(m);
	}
	if (*wrote)
		return data_writer_write(r->writer, &round, sizeof(round));
	return 0;
}

static bool targets_alive(const struct record *r)
{
	int i;

	for (i = 0; i < r->opts.nr_pids; i++)
		if (kill(r->opts.pids[i], 0) == 0 || errno == EPERM)
			return true;
	return false;
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static int record_loop(struct record *r)
{
	bool wrote;
	int ret, status;

	for (;;) {
		ret = drain(r, &wrote);
		if (ret)
			return ret;
		if (stop_signal)
			break;
		if (r->child > 0 && waitpid(r->child, &status, WNOHANG) == r->child) {
			r->child_status = status;
			r->child_reaped = true;
			break;
		}
		if (r->opts.nr_pids && !targets_alive(r))
			break;
		/* SIGCHLD or a stop signal interrupts the poll. */
		if (!wrote && !child_done)
			evlist_poll(r->evlist, 100);
		child_done = 0;
	}
	/* Stopped by a signal while the workload runs: end it as perf does. */
	if (r->child > 0 && !r->child_reaped)
		kill(r->child, SIGTERM);
	return 0;
}

void record_print_open_error(const char *who, const struct record *r, int err, int idx,
			     int cpu, pid_t pid)
{
	const char *ev = idx >= 0 && idx < r->evlist->nr ? r->evlist->entries[idx]->name : "event";

	if (err == -EACCES || err == -EPERM)
		fprintf(stderr, "%s: %s: permission denied (perf_event_paranoid is %d; run as root or lower it)\n",
			who, ev, event_read_int("/proc/sys/kernel/perf_event_paranoid", 2));
	else if (err == -ESRCH)
		fprintf(stderr, "%s: no such process: %d\n", who, (int)pid);
	else if (err == -EMFILE)
		fprintf(stderr, "%s: %s: too many open files (raise ulimit -n)\n", who, ev);
	else
		fprintf(stderr, "%s: %s: cannot open event on cpu %d, pid %d: %s\n",
			who, ev, cpu, (int)pid, strerror(-err));
}

int cmd_record(int argc, char **argv)
{
	struct record r;
	int ret, code = 0, idx = -1, cpu = -1;
	pid_t pid = -1;

	memset(&r, 0, sizeof(r));
	r.child = -1;
	r.go_fd = r.err_fd = -1;
	r.opts.freq = RECORD_DEFAULT_FREQ;
	r.opts.output = "perf.data";
	r.opts.mmap_pages = 0;
	ret = parse_args(argc, argv, &r.opts);
	if (ret > 0)
		return cmd_show_help("record", record_usage);
	if (ret < 0)
		return 2;

	install_signals();
	ret = record_setup_events(&r);
	if (!ret)
		ret = record_audit_setup(&r);
	if (ret)
		goto out;
	if (r.opts.argc) {
		ret = workload_prepare(&r);
		if (ret) {
			fprintf(stderr, "sframetrace: cannot start workload: %s\n", strerror(-ret));
			goto out;
		}
	}
	ret = record_build_evlist(&r);
	if (ret == -ENOMEM)
		fprintf(stderr, "sframetrace: %s\n", strerror(ENOMEM));
	if (ret)
		goto out;
	ret = evlist_open(r.evlist, &idx, &cpu, &pid);
	if (ret) {
		record_print_open_error("sframetrace", &r, ret, idx, cpu, pid);
		goto out;
	}
	ret = evlist_mmap(r.evlist, r.opts.mmap_pages);
	if (ret) {
		fprintf(stderr, "sframetrace: cannot map ring buffers (%zu pages): %s%s\n",
			r.opts.mmap_pages, strerror(-ret),
			ret == -EPERM ? " (raise perf_event_mlock_kb or use -m)" : "");
		goto out;
	}
	ret = data_writer_open(&r.writer, r.opts.output);
	if (ret) {
		fprintf(stderr, "sframetrace: %s: %s\n", r.opts.output, strerror(-ret));
		goto out;
	}
	data_writer_set_cmdline(r.writer, argc + 1, argv - 1);
	ret = record_write_attrs(&r);
	if (!ret)
		ret = record_write_tracing_data(&r);
	if (ret) {
		fprintf(stderr, "sframetrace: %s: %s\n", r.opts.output, strerror(-ret));
		goto out;
	}
	ret = record_synthesize(&r, emit_to_file);
	if (ret) {
		fprintf(stderr, "sframetrace: cannot record the maps of the running processes: %s\n",
			strerror(-ret));
		goto out;
	}
	if (r.opts.system_wide || r.opts.nr_pids) {
		ret = evlist_enable(r.evlist);
		if (ret) {
			fprintf(stderr, "sframetrace: cannot enable events: %s\n", strerror(-ret));
			goto out;
		}
	}
	if (r.opts.argc) {
		ret = workload_start(&r);
		if (ret) {
			fprintf(stderr, "sframetrace: %s: %s\n", r.opts.argv[0], strerror(-ret));
			goto out;
		}
	}
	ret = record_loop(&r);
	evlist_disable(r.evlist);
	if (!ret) {
		bool wrote;

		ret = drain(&r, &wrote);
	}
	if (ret) {
		fprintf(stderr, "sframetrace: %s: %s\n", r.opts.output, strerror(-ret));
		goto out;
	}
	ret = record_finish(&r);
	r.writer = NULL; /* closed by record_finish, whatever happened */
	if (ret) {
		fprintf(stderr, "sframetrace: %s: %s\n", r.opts.output, strerror(-ret));
		goto out;
	}
	record_print_summary(&r);
	record_audit_summary(&r);
out:
	if (r.child > 0 && !r.child_reaped) {
		if (ret) {
			workload_abort(&r);
		} else {
			int status = 0;

			if (waitpid(r.child, &status, 0) == r.child) {
				r.child_status = status;
				r.child_reaped = true;
			}
		}
	}
	if (r.writer)
		data_writer_close(r.writer, false);
	evlist_free(r.evlist);
	record_track_exit(&r.track);
	record_audit_exit(&r);
	free(r.opts.pids);
	if (ret)
		return ret == -ECANCELED ? 2 : 255;
	if (r.child_reaped)
		code = exit_code_of(r.child_status);
	return code;
}
