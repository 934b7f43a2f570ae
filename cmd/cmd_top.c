/*
 * sframetrace top: perf top. Sampling events are set up as record sets
 * them up (record_events.c: event fallback, call-graph modes, attrs,
 * cpu/thread maps, synthesized maps), and report's input path does the
 * rest (report_input.c: session, symbol caches, report-time unwinding), so
 * top shows what a record + report of the same seconds would.
 *
 * Three threads:
 *  - the reader drains the ring buffers into a pipe in perf's pipe format
 *    (attrs, then records, a FINISHED_ROUND after each pass);
 *  - the session thread reads that pipe with the data reader and session
 *    (time order, threads, maps, unwinding) and adds each symbolized sample
 *    to the hists under the lock;
 *  - the main thread refreshes the screen (browser or --stdio tables)
 *    every -d seconds and handles keys, holding the lock while it sorts
 *    and draws.
 * The pipe decouples reading from symbolizing: when symbolizing falls
 * behind, the pipe fills, the reader stops draining, the kernel drops
 * samples and says so (PERF_RECORD_LOST), and the header shows it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "sframetrace/browser.h"
#include "sframetrace/data.h"
#include "sframetrace/event.h"

#include "builtin.h"
#include "record.h"
#include "report_input.h"
#include "top_tui.h"

#define EXIT_ERROR 255
#define EXIT_USAGE 2
#define PIPE_BYTES (1 << 20)   /* the default pipe-max-size */
#define WAIT_MS 100            /* longest wait before looking at the stop flags */
/*
 * Records the reader holds while the pipe is full: a stall of the session
 * thread (a large binary's symbols loading) is absorbed here instead of
 * overflowing the ring buffers; past this the kernel drops and says so.
 */
#define OUT_MAX (64u << 20)

static const char top_usage[] =
	"usage: sframetrace top [options]\n"
	"\n"
	"  -a, --all-cpus          system-wide on all CPUs (the default)\n"
	"  -C, --cpu LIST          system-wide on these CPUs (e.g. 0-1,3)\n"
	"  -p, --pid PID[,PID]     profile these processes\n"
	"  -t, --tid TID[,TID]     profile these threads\n"
	"  -e, --event EVENT       event to sample (default: cycles, else cpu-clock)\n"
	"  -F, --freq N            sample N times per second (default 4000)\n"
	"  -d, --delay SECS        refresh every SECS seconds (default 2)\n"
	"  -g                      call graphs, mode 'auto' (as record -g)\n"
	"      --call-graph MODE[,SIZE]\n"
	"                          fp | fp,defer | defer | sframe[,SIZE] | dwarf[,SIZE] | auto\n"
	"      --children          add callers' cumulative overhead (default with call graphs)\n"
	"      --no-children       only self overhead\n"
	"  -K, --hide_kernel_symbols  hide kernel symbols\n"
	"  -U, --hide_user_symbols    hide user symbols\n"
	"  -s, --sort KEYS         comm,dso,sym,pid,tid,cpu (default dso,sym)\n"
	"  -z, --zero              zero the counts at each refresh\n"
	"  -E, --entries N         show at most N entries (--stdio; default: the screen)\n"
	"      --percent-limit N   hide entries below N percent\n"
	"      --stdio             print a table at each refresh, no screen\n"
	"      --tui               the interactive screen (default on a terminal)\n"
	"      --count N           exit after N refreshes\n"
	"  -m, --mmap-pages N      ring buffer pages per CPU (power of two)\n"
	"      --kallsyms FILE     kernel symbols (default /proc/kallsyms)\n"
	"  -h, --help              show the manual\n";

struct top {
	struct record rec;           /* events, as record sets them up */
	struct report_input in;      /* session and symbols, as report reads them */
	struct hist_opts hopts;
	struct browser_view view;
	const char *pid_list;
	double delay;
	long count;                  /* refreshes before exiting; 0: until stopped */
	size_t entries;
	int children;                /* -1: default */
	int ui;                      /* -1: browser on a terminal, 0: stdio, 1: browser */
	bool zero;

	pthread_mutex_t lock;
	struct hists *live;          /* the session thread adds here (under lock) */
	struct hists *shown;         /* on screen: live, or with -z the last interval */

	int wfd;                     /* the pipe's write end (non-blocking) */
	char *buf;                   /* records on their way into the pipe */
	size_t buf_len, buf_cap;
	pthread_t reader, session;
	bool reader_started, session_started;
	atomic_bool stop;
	atomic_bool session_done;
	int session_ret;
	char session_err[400];

	atomic_uint_fast64_t nr_samples, nr_kernel, nr_lost;
	uint64_t last_samples, last_kernel, last_lost;
	double last_time;
	char target[160];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the pipe ---- */

static int out_append(struct top *t, const void *rec, size_t len)
{
	if (t->buf_len + len > t->buf_cap) {
		size_t cap = t->buf_cap ? t->buf_cap : 65536;
		char *grown;

		while (cap < t->buf_len + len)
			cap *= 2;
		grown = realloc(t->buf, cap);
		if (!grown)
			return -ENOMEM;
		t->buf = grown;
		t->buf_cap = cap;
	}
	memcpy(t->buf + t->buf_len, rec, len);
	t->buf_len += len;
	return 0;
}

/* Write what the pipe takes now; keep the rest for the next pass. */
static int out_write_some(struct top *t)
{
	size_t off = 0;

	while (off < t->buf_len) {
		ssize_t n = write(t->wfd, t->buf + off, t->buf_len - off);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		return n < 0 ? -errno : -EIO;
	}
	memmove(t->buf, t->buf + off, t->buf_len - off);
	t->buf_len -= off;
	return 0;
}

/* Write the whole buffer into the pipe; waits for room, but not past a stop. */
static int out_flush(struct top *t)
{
	while (t->buf_len) {
		struct pollfd p = { .fd = t->wfd, .events = POLLOUT };
		int ret = out_write_some(t);

		if (ret || !t->buf_len)
			return ret;
		if (atomic_load(&t->stop) || atomic_load(&t->session_done))
			return -ECANCELED;
		poll(&p, 1, WAIT_MS);
	}
	return 0;
}

static int emit_record(void *arg, const void *rec, size_t len)
{
	/* record_synthesize hands back its struct record: the first member of ours. */
	struct top *t = arg;

	return out_append(t, rec, len);
}

static int out_round(struct top *t)
{
	static const struct perf_event_header round = { PERF_RECORD_FINISHED_ROUND, 0, 8 };

	return out_append(t, &round, sizeof(round));
}

/* perf's pipe header and one PERF_RECORD_HEADER_ATTR per event, with its ids. */
static int out_attrs(struct top *t)
{
	static const struct { char magic[8]; uint64_t size; } head = { "PERFILE2", 16 };
	int ret = out_append(t, &head, sizeof(head));

	for (int i = 0; !ret && i < t->rec.evlist->nr; i++) {
		const struct evsel *e = t->rec.evlist->entries[i];
		struct perf_event_header h = { PERF_RECORD_HEADER_ATTR, 0, 0 };
		size_t max_ids = (UINT16_MAX - sizeof(h) - sizeof(e->attr)) / 8, nr = 0;

		for (int k = 0; k < e->ncpus * e->nthreads; k++)
			if (e->fd[k] >= 0 && nr < max_ids)
				nr++;
		h.size = (uint16_t)(sizeof(h) + sizeof(e->attr) + nr * 8);
		ret = out_append(t, &h, sizeof(h));
		if (!ret)
			ret = out_append(t, &e->attr, sizeof(e->attr));
		nr = 0;
		for (int k = 0; !ret && k < e->ncpus * e->nthreads; k++)
			if (e->fd[k] >= 0 && nr++ < max_ids)
				ret = out_append(t, &e->id[k], 8);
	}
	return ret;
}

/* ---- the threads ---- */

static void *reader_main(void *arg)
{
	struct top *t = arg;
	struct evlist *l = t->rec.evlist;
	sigset_t all;

	/* Signals are the main thread's; a write to a closed pipe is EPIPE here. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!atomic_load(&t->stop) && !atomic_load(&t->session_done)) {
		for (int i = 0; i < l->nr_mmaps && t->buf_len < OUT_MAX; i++) {
			struct perf_mmap *m = &l->mmaps[i];
			const struct perf_event_header *h;

			if (perf_mmap_read_init(m))
				continue;
			while ((h = perf_mmap_read_event(m)))
				if (out_append(t, h, h->size) < 0)
					break;
			perf_mmap_read_done(m);
		}
		/* A round after every pass, empty or not, so that the session delivers what it holds. */
		if (t->buf_len < OUT_MAX && out_round(t) < 0)
			break;
		if (out_write_some(t) < 0)
			break;
		/* What the pipe did not take goes as soon as it has room. */
		evlist_poll(l, t->buf_len ? 5 : WAIT_MS);
	}
	close(t->wfd);
	t->wfd = -1;
	return NULL;
}

static int on_record(void *ctx, struct session *s, const struct perf_event_header *ev,
		     uint64_t time)
{
	struct top *t = ctx;
	uint64_t lost;

	(void)s;
	(void)time;
	if (ev->type == PERF_RECORD_LOST && ev->size >= 24) {
		memcpy(&lost, (const char *)ev + 16, 8);
		atomic_fetch_add(&t->nr_lost, lost);
	} else if (ev->type == PERF_RECORD_LOST_SAMPLES && ev->size >= 16) {
		memcpy(&lost, (const char *)ev + 8, 8);
		atomic_fetch_add(&t->nr_lost, lost);
	}
	return atomic_load_explicit(&t->stop, memory_order_relaxed) ? 1 : 0;
}

/* perf top calls the kernel "[kernel]" where report says "[kernel.kallsyms]". */
static void kernel_name(struct hist_frame *f)
{
	if (f->level == 'k' && f->dso && !strcmp(f->dso, "[kernel.kallsyms]"))
		f->dso = "[kernel]";
}

static int on_sample(void *ctx, struct session *s, struct session_sample *sm)
{
	struct top *t = ctx;
	struct hist_sample hs = { 0 };
	int ret;

	(void)s;
	if (atomic_load_explicit(&t->stop, memory_order_relaxed))
		return 1;
	hs.comm = sm->thread->comm;
	hs.pid = (int)sm->pid;
	hs.tid = (int)sm->tid;
	hs.cpu = (int)sm->cpu;
	hs.thread = sm->thread;
	/* The thread's comm changes under the session thread: entries keep the sample's. */
	hs.thread_comm = NULL;
	hs.period = sm->period;
	hs.nr_frames = report_resolve_frames(&t->in, sm,
					     t->hopts.children || t->hopts.graph ? SIZE_MAX : 1);
	hs.frames = t->in.frames;
	for (size_t i = 0; i < hs.nr_frames; i++)
		kernel_name(&t->in.frames[i]);
	kernel_name(&t->in.self_frame);
	hs.self = hs.nr_frames ? &t->in.self_frame : NULL;
	atomic_fetch_add_explicit(&t->nr_samples, 1, memory_order_relaxed);
	if (sm->cpumode == PERF_RECORD_MISC_KERNEL)
		atomic_fetch_add_explicit(&t->nr_kernel, 1, memory_order_relaxed);
	pthread_mutex_lock(&t->lock);
	ret = hists_add_sample(t->live, &hs);
	pthread_mutex_unlock(&t->lock);
	return ret < 0 ? -ENOMEM : 0;
}

static void no_progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	(void)done;
	(void)total;
}

static void *session_main(void *arg)
{
	struct top *t = arg;
	struct session_ops ops = {
		.sample = on_sample, .record = on_record, .progress = no_progress,
		.ctx = t, .progress_ctx = t,
	};
	sigset_t all;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	ret = session_process(t->in.session, &ops);
	if (ret < 0 && !atomic_load(&t->stop))
		snprintf(t->session_err, sizeof(t->session_err), "%s",
			 ret == -ENOMEM ? "out of memory" : session_error(t->in.session));
	t->session_ret = ret;
	atomic_store(&t->session_done, true);
	return NULL;
}

/* ---- refreshing ---- */

/* perf top's header line. */
static void format_header(struct top *t, char *buf, size_t len)
{
	uint64_t samples = atomic_load(&t->nr_samples), kernel = atomic_load(&t->nr_kernel);
	uint64_t lost = atomic_load(&t->nr_lost);
	double now = now_s(), dt = now - t->last_time;
	uint64_t ds = samples - t->last_samples, dk = kernel - t->last_kernel;
	const struct record *r = &t->rec;
	char rate[32];

	if (r->opts.period)
		snprintf(rate, sizeof(rate), "%llu", (unsigned long long)r->opts.period);
	else
		snprintf(rate, sizeof(rate), "%luHz", r->opts.freq);
	snprintf(buf, len,
		 "   PerfTop:%8.0f irqs/sec  kernel:%4.1f%%  exact: %4.1f%% lost: %llu/%llu drop: 0/0 [%s %s],  %s",
		 dt > 0 ? (double)ds / dt : 0.0, ds ? 100.0 * (double)dk / (double)ds : 0.0, 0.0,
		 (unsigned long long)(lost - t->last_lost), (unsigned long long)lost, rate, r->names[0],
		 t->target);
	t->last_samples = samples;
	t->last_kernel = kernel;
	t->last_lost = lost;
	t->last_time = now;
}

/* With -z the interval just shown is frozen and counting starts again. Under the lock. */
static struct hists *zero_swap(struct top *t)
{
	struct hists *fresh, *old = t->shown != t->live ? t->shown : NULL;

	if (hists_new(&fresh, &t->hopts) < 0)
		return NULL;
	t->shown = t->live;
	t->live = fresh;
	return old;
}

static int term_rows(void)
{
	struct winsize ws;
	const char *env = getenv("LINES");

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row)
		return ws.ws_row;
	return env && atoi(env) > 0 ? atoi(env) : 25;
}

static int term_cols(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return env && atoi(env) > 0 ? atoi(env) : 80;
}

static void stdio_refresh(struct top *t)
{
	char header[512];
	int cols = term_cols() - 1;
	size_t max = t->entries;

	if (!max)
		max = term_rows() > 9 ? (size_t)term_rows() - 5 : 4;
	format_header(t, header, sizeof(header));
	/* perf clears the screen before each table; a file or pipe gets the tables one after another. */
	if (isatty(STDOUT_FILENO))
		fputs("\033[H\033[2J", stdout);
	printf("%s\n", header);
	for (int i = 0; i < cols; i++)
		putchar('-');
	fputs("\n\n", stdout);
	pthread_mutex_lock(&t->lock);
	hists_sort(t->live);
	browser_print_table(stdout, t->live, &t->view, max);
	if (t->zero) {
		struct hists *fresh;

		/* nothing stays on screen: the interval just printed goes at once */
		if (hists_new(&fresh, &t->hopts) == 0) {
			hists_free(t->live);
			t->live = t->shown = fresh;
		}
	}
	pthread_mutex_unlock(&t->lock);
	fflush(stdout);
}

static bool stopping(struct top *t)
{
	return tui_stop_signal() || atomic_load(&t->session_done);
}

static int run_stdio(struct top *t)
{
	double next = now_s() + t->delay;
	long n = 0;

	while (!stopping(t)) {
		double now = now_s();

		if (now < next) {
			double wait = next - now;

			poll(NULL, 0, wait * 1000 < WAIT_MS ? (int)(wait * 1000) + 1 : WAIT_MS);
			continue;
		}
		stdio_refresh(t);
		next = now + t->delay;
		if (t->count && ++n >= t->count)
			break;
	}
	return 0;
}

static void tui_refresh(struct top *t, struct browser *b)
{
	struct hists *old = NULL;
	char header[512];

	format_header(t, header, sizeof(header));
	browser_set_title(b, header);
	pthread_mutex_lock(&t->lock);
	if (t->zero)
		old = zero_swap(t);
	hists_sort(t->shown);
	browser_set_hists(b, t->shown);
	browser_draw(b);
	pthread_mutex_unlock(&t->lock);
	/* the browser lets go of the old frozen interval in browser_set_hists */
	hists_free(old);
}

static int run_tui(struct top *t)
{
	struct browser_opts bo = { .top = true, .graph = t->hopts.graph };
	struct browser *b;
	double next = now_s() + t->delay;
	long n = 0;
	int ret;

	ret = browser_new(&b, &t->view, &bo);
	if (ret < 0) {
		fprintf(stderr, "sframetrace top: cannot draw on this terminal (TERM=%s); use --stdio\n",
			getenv("TERM") ? getenv("TERM") : "");
		return ret;
	}
	browser_set_title(b, "   PerfTop: collecting samples...");
	pthread_mutex_lock(&t->lock);
	browser_set_hists(b, t->shown);
	browser_draw(b);
	pthread_mutex_unlock(&t->lock);
	while (!stopping(t)) {
		double now = now_s();
		int key, wait;

		if (now >= next) {
			tui_refresh(t, b);
			next = now + t->delay;
			if (t->count && ++n >= t->count)
				break;
			continue;
		}
		wait = (int)((next - now) * 1000) + 1;
		key = browser_get_key(b, wait < WAIT_MS ? wait : WAIT_MS);
		if (key < 0)
			continue;
		pthread_mutex_lock(&t->lock);
		switch (browser_handle_key(b, key)) {
		case BROWSER_QUIT:
			pthread_mutex_unlock(&t->lock);
			browser_free(b);
			return 0;
		case BROWSER_ZERO:
			t->zero = !t->zero;
			if (!t->zero && t->shown != t->live) {
				/* back to the running totals: the frozen interval goes */
				struct hists *frozen = t->shown;

				t->shown = t->live;
				hists_sort(t->shown);
				browser_set_hists(b, t->shown);
				browser_draw(b);
				hists_free(frozen);
			}
			break;
		default:
			break;
		}
		pthread_mutex_unlock(&t->lock);
	}
	browser_free(b);
	return 0;
}

/* ---- setup ---- */

/* What record would refuse with its own name in the message: checked here first. */
static int check_events(struct top *t)
{
	struct record_opts *o = &t->rec.opts;
	struct cpu_map *cpus = NULL;
	int ret;

	for (int i = 0; i < o->nr_events; i++) {
		struct perf_event_attr a = { 0 };

		ret = event_parse_name(o->events[i], &a);
		if (ret == -ENOENT) {
			fprintf(stderr, "sframetrace top: unknown event '%s'\n", o->events[i]);
			return -EINVAL;
		}
		if (ret) {
			fprintf(stderr, "sframetrace top: event '%s': %s\n", o->events[i], strerror(-ret));
			return -EINVAL;
		}
	}
	if (o->cg == RECORD_CG_DEFER && (ret = event_probe_defer_callchain())) {
		fprintf(stderr, "sframetrace top: --call-graph defer: this kernel has no deferred callchains (defer_callchain: %s); try --call-graph sframe\n",
			strerror(-ret));
		return -EINVAL;
	}
	if (o->cpu_list) {
		if (cpu_map_parse(o->cpu_list, &cpus)) {
			fprintf(stderr, "sframetrace top: invalid CPU list '%s'\n", o->cpu_list);
			return -EINVAL;
		}
		cpu_map_free(cpus);
	}
	return 0;
}

static void describe_target(struct top *t)
{
	const struct record_opts *o = &t->rec.opts;
	int ncpu = t->rec.evlist->cpus->nr;

	if (o->nr_pids)
		snprintf(t->target, sizeof(t->target), "(target_%s: %s)", o->per_tid ? "tid" : "pid",
			 t->pid_list);
	else if (o->cpu_list)
		snprintf(t->target, sizeof(t->target), "(CPU%s: %s)", ncpu > 1 ? "s" : "", o->cpu_list);
	else
		snprintf(t->target, sizeof(t->target), "(all, %d CPU%s)", ncpu, ncpu > 1 ? "s" : "");
}

/* Events open, ring buffers mapped, the pipe and the session ready, threads running. */
static int top_start(struct top *t, const struct symbol_opts *sopts)
{
	struct record *r = &t->rec;
	int fds[2], ret, idx = -1, cpu = -1;
	pid_t pid = -1;
	char path[64];

	ret = record_setup_events(r);
	if (ret)
		return ret == -ECANCELED ? -EINVAL : ret;
	ret = record_build_evlist(r);
	if (ret == -ENOMEM)
		fprintf(stderr, "sframetrace top: %s\n", strerror(ENOMEM));
	if (ret)
		return ret == -ESRCH ? -ESRCH : ret;
	ret = evlist_open(r->evlist, &idx, &cpu, &pid);
	if (ret) {
		record_print_open_error("sframetrace top", &t->rec, ret, idx, cpu, pid);
		return ret;
	}
	ret = evlist_mmap(r->evlist, r->opts.mmap_pages);
	if (ret) {
		fprintf(stderr, "sframetrace top: cannot map ring buffers (%zu pages): %s%s\n",
			r->opts.mmap_pages, strerror(-ret),
			ret == -EPERM ? " (raise perf_event_mlock_kb or use -m)" : "");
		return ret;
	}
	describe_target(t);

	if (pipe2(fds, O_CLOEXEC) < 0) {
		ret = -errno;
		fprintf(stderr, "sframetrace top: pipe: %s\n", strerror(errno));
		return ret;
	}
	fcntl(fds[1], F_SETPIPE_SZ, PIPE_BYTES);
	t->wfd = fds[1];
	/* The header and attrs fit in the empty pipe: the reader opens on them. */
	ret = out_attrs(t);
	if (!ret)
		ret = out_flush(t);
	if (ret) {
		close(fds[0]);
		fprintf(stderr, "sframetrace top: pipe: %s\n", strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	t->in.quiet = true;          /* warnings would land on the screen */
	t->in.no_inline = true;      /* inline chains cost a DWARF lookup per frame */
	if (r->cg == RECORD_CG_DWARF) {
		t->in.unwind_mode = UNWIND_DWARF;
		t->in.unwind_mode_set = true;
	}
	ret = report_input_open(&t->in, "top", path, sopts);
	close(fds[0]);               /* the reader has its own */
	if (ret)
		return ret;
	/*
	 * kallsyms takes a good part of a second to read: read it now, before
	 * the events start, not at the first kernel sample, where the stall
	 * would cost samples.
	 */
	symbol_cache_kernel_dso(t->in.syms, 0);
	fcntl(t->wfd, F_SETFL, O_NONBLOCK);
	if (hists_new(&t->live, &t->hopts) < 0)
		return -ENOMEM;
	t->shown = t->live;
	if (pthread_create(&t->session, NULL, session_main, t)) {
		fprintf(stderr, "sframetrace top: cannot start a thread\n");
		return -EAGAIN;
	}
	t->session_started = true;
	ret = record_synthesize(r, emit_record);
	if (!ret)
		ret = out_round(t);
	if (!ret)
		ret = out_flush(t);
	if (ret) {
		if (!atomic_load(&t->session_done))
			fprintf(stderr, "sframetrace top: existing processes: %s\n", strerror(-ret));
		return ret;
	}
	ret = evlist_enable(r->evlist);
	if (ret) {
		fprintf(stderr, "sframetrace top: cannot enable events: %s\n", strerror(-ret));
		return ret;
	}
	t->last_time = now_s();
	if (pthread_create(&t->reader, NULL, reader_main, t)) {
		fprintf(stderr, "sframetrace top: cannot start a thread\n");
		return -EAGAIN;
	}
	t->reader_started = true;
	return 0;
}

static void top_stop(struct top *t)
{
	atomic_store(&t->stop, true);
	if (t->reader_started)
		pthread_join(t->reader, NULL);
	else if (t->wfd >= 0)
		close(t->wfd);
	t->wfd = -1;
	if (t->session_started)
		pthread_join(t->session, NULL);
	if (t->rec.evlist)
		evlist_disable(t->rec.evlist);
	if (t->shown != t->live)
		hists_free(t->shown);
	hists_free(t->live);
	report_input_close(&t->in);
	evlist_free(t->rec.evlist);
	free(t->rec.opts.pids);
	free(t->buf);
	pthread_mutex_destroy(&t->lock);
}

static int parse_args(struct top *t, int argc, char **argv, struct symbol_opts *sopts,
		      const char **sort)
{
	enum {
		OPT_CALL_GRAPH = 256, OPT_CHILDREN, OPT_NO_CHILDREN, OPT_STDIO, OPT_TUI, OPT_COUNT,
		OPT_PERCENT_LIMIT, OPT_KALLSYMS,
	};
	static const struct option opts[] = {
		{ "all-cpus", no_argument, NULL, 'a' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "pid", required_argument, NULL, 'p' },
		{ "tid", required_argument, NULL, 't' },
		{ "event", required_argument, NULL, 'e' },
		{ "freq", required_argument, NULL, 'F' },
		{ "delay", required_argument, NULL, 'd' },
		{ "call-graph", required_argument, NULL, OPT_CALL_GRAPH },
		{ "children", no_argument, NULL, OPT_CHILDREN },
		{ "no-children", no_argument, NULL, OPT_NO_CHILDREN },
		{ "hide_kernel_symbols", no_argument, NULL, 'K' },
		{ "hide-kernel-symbols", no_argument, NULL, 'K' },
		{ "hide_user_symbols", no_argument, NULL, 'U' },
		{ "hide-user-symbols", no_argument, NULL, 'U' },
		{ "sort", required_argument, NULL, 's' },
		{ "zero", no_argument, NULL, 'z' },
		{ "entries", required_argument, NULL, 'E' },
		{ "percent-limit", required_argument, NULL, OPT_PERCENT_LIMIT },
		{ "stdio", no_argument, NULL, OPT_STDIO },
		{ "tui", no_argument, NULL, OPT_TUI },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "kallsyms", required_argument, NULL, OPT_KALLSYMS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct record_opts *o = &t->rec.opts;
	char *end;
	int c, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:aC:p:t:e:F:d:gKUs:zE:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': o->system_wide = true; break;
		case 'C': o->cpu_list = optarg; o->system_wide = true; break;
		case 'p':
		case 't':
			free(o->pids);
			o->pids = NULL;
			if (record_parse_pid_list(optarg, &o->pids, &o->nr_pids)) {
				fprintf(stderr, "sframetrace top: invalid %s list '%s'\n",
					c == 'p' ? "pid" : "tid", optarg);
				return -1;
			}
			o->per_tid = c == 't';
			t->pid_list = optarg;
			break;
		case 'e':
			if (o->nr_events >= 1) {
				fprintf(stderr, "sframetrace top: one event at a time (-e given twice)\n");
				return -1;
			}
			o->events[o->nr_events++] = optarg;
			break;
		case 'F':
			errno = 0;
			o->freq = strtoul(optarg, &end, 10);
			if (*end || !o->freq || errno || optarg[0] == '-') {
				fprintf(stderr, "sframetrace top: invalid frequency '%s'\n", optarg);
				return -1;
			}
			break;
		case 'd':
			t->delay = strtod(optarg, &end);
			if (end == optarg || *end || !(t->delay >= 0.1) || t->delay > 86400) {
				fprintf(stderr, "sframetrace top: invalid delay '%s' (seconds, at least 0.1)\n",
					optarg);
				return -1;
			}
			break;
		case 'g':
			o->cg = RECORD_CG_AUTO;
			o->stack_size = RECORD_DEFAULT_STACK;
			break;
		case OPT_CALL_GRAPH:
			if (!strcmp(optarg, "none")) {
				o->cg = RECORD_CG_NONE;
				break;
			}
			ret = record_parse_call_graph(optarg, o);
			if (ret) {
				fprintf(stderr, "sframetrace top: invalid --call-graph '%s'%s\n", optarg,
					ret == -ERANGE ? " (stack size above 65528)" :
					" (use fp, fp,defer, sframe[,SIZE], dwarf[,SIZE] or auto)");
				return -1;
			}
			o->cg_explicit = true;
			break;
		case OPT_CHILDREN: t->children = 1; break;
		case OPT_NO_CHILDREN: t->children = 0; break;
		case 'K': t->view.hide_kernel = true; break;
		case 'U': t->view.hide_user = true; break;
		case 's': *sort = optarg; break;
		case 'z': t->zero = true; break;
		case 'E':
			errno = 0;
			t->entries = strtoul(optarg, &end, 10);
			if (*end || !t->entries || errno || optarg[0] == '-') {
				fprintf(stderr, "sframetrace top: invalid --entries '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_PERCENT_LIMIT:
			t->view.percent_limit = strtod(optarg, &end);
			if (end == optarg || *end || !(t->view.percent_limit >= 0)) {
				fprintf(stderr, "sframetrace top: --percent-limit: '%s' is not a percentage\n",
					optarg);
				return -1;
			}
			break;
		case OPT_STDIO: t->ui = 0; break;
		case OPT_TUI: t->ui = 1; break;
		case OPT_COUNT:
			errno = 0;
			t->count = strtol(optarg, &end, 10);
			if (*end || t->count <= 0 || errno) {
				fprintf(stderr, "sframetrace top: invalid --count '%s' (a number of refreshes)\n",
					optarg);
				return -1;
			}
			break;
		case 'm':
			errno = 0;
			o->mmap_pages = strtoul(optarg, &end, 10);
			if (*end || errno || !o->mmap_pages || (o->mmap_pages & (o->mmap_pages - 1))) {
				fprintf(stderr, "sframetrace top: --mmap-pages must be a power of two\n");
				return -1;
			}
			break;
		case OPT_KALLSYMS: sopts->kallsyms = optarg; break;
		case 'h': return 1;
		case ':':
			cmd_usage_error("top", top_usage, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			cmd_usage_error("top", top_usage, "unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		cmd_usage_error("top", top_usage, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->nr_pids && o->system_wide) {
		fprintf(stderr, "sframetrace top: -p/-t cannot be combined with -a/-C\n");
		return -1;
	}
	if (!o->nr_pids)
		o->system_wide = true;
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct top *t = calloc(1, sizeof(*t));
	struct symbol_opts sopts = { .quiet = true };
	const char *sort = "dso,sym";
	char err[256];
	int ret, code = 0;

	if (!t) {
		fprintf(stderr, "sframetrace top: %s\n", strerror(ENOMEM));
		return EXIT_ERROR;
	}
	t->rec.child = -1;
	t->rec.go_fd = t->rec.err_fd = -1;
	t->rec.opts.freq = RECORD_DEFAULT_FREQ;
	t->rec.opts.quiet = true;    /* top reports the choices in its header, not as record */
	t->wfd = -1;
	t->delay = 2;
	t->children = -1;
	t->ui = -1;
	t->view.hopts = &t->hopts;
	t->view.graph_min_percent = 0.5;
	pthread_mutex_init(&t->lock, NULL);
	ret = parse_args(t, argc, argv, &sopts, &sort);
	if (ret) {
		free(t->rec.opts.pids);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return ret > 0 ? cmd_show_help("top", top_usage) : EXIT_USAGE;
	}
	if (hist_parse_keys(sort, &t->hopts, err, sizeof(err)) < 0) {
		fprintf(stderr, "sframetrace top: --sort: %s\n", err);
		code = EXIT_USAGE;
		goto out;
	}
	for (size_t k = 0; k < t->hopts.nr_keys; k++)
		if (t->hopts.keys[k] == HIST_KEY_SRCLINE) {
			fprintf(stderr, "sframetrace top: --sort: srcline is not supported by top\n");
			code = EXIT_USAGE;
			goto out;
		}
	if (t->ui == 1 && !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "sframetrace top: --tui: standard output is not a terminal\n");
		code = EXIT_USAGE;
		goto out;
	}
	if (t->ui == -1)
		t->ui = isatty(STDOUT_FILENO);
	if (check_events(t)) {
		code = EXIT_USAGE;
		goto out;
	}
	/* As perf top -g: call graphs come with callers' cumulative overhead. */
	t->hopts.graph = t->rec.opts.cg != RECORD_CG_NONE;
	t->hopts.children = t->hopts.graph && t->children != 0;
	t->hopts.order = t->hopts.children ? HIST_ORDER_CALLER : HIST_ORDER_CALLEE;
	tui_install_signals();
	ret = top_start(t, &sopts);
	if (ret) {
		code = ret == -EINVAL ? EXIT_USAGE : EXIT_ERROR;
		goto out;
	}
	ret = t->ui ? run_tui(t) : run_stdio(t);
	if (ret)
		code = EXIT_ERROR;
out:
	top_stop(t);
	if (t->session_err[0]) {
		fprintf(stderr, "sframetrace top: %s\n", t->session_err);
		code = EXIT_ERROR;
	}
	free(t);
	return code;
}
