/*
 * Unwind workload through a signal frame: main -> busy_main spins while
 * setitimer(ITIMER_PROF) delivers SIGPROF every 5 ms of CPU time; the
 * handler on_tick -> handler_work spins about 2 ms each time. A sample in
 * handler_work unwinds handler_work <- on_tick <- __restore_rt (libc's
 * signal trampoline, the handler's return address) <- busy_main (where the
 * signal interrupted it) <- main. busy_main calls nothing while the timer
 * runs, so the interrupted frame is always its own. Runs for about
 * MILLISECONDS (default 500) of CPU time.
 * usage: uw_signal [MILLISECONDS]
 * Built by the tests with -O2 -g -fomit-frame-pointer -Wa,--gsframe.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NOINL __attribute__((noinline, noclone))
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))
#define TICK_US 5000

static volatile unsigned long sink;
static volatile sig_atomic_t ticks;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

NOINL unsigned long handler_work(unsigned long seed)
{
	double end = now_ms() + 2.0;
	unsigned long x = seed;
	int i;

	do {
		for (i = 0; i < 20000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
	} while (now_ms() < end);
	return x;
}

NOINL void on_tick(int sig)
{
	unsigned long r = handler_work((unsigned long)sig + ticks);

	OPAQUE(r);
	sink += r;
	ticks++;
}

NOINL unsigned long busy_main(int nticks)
{
	unsigned long x = 1;

	while (ticks < nticks) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		OPAQUE(x);
	}
	return x;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
	struct sigaction sa;
	struct itimerval it;
	unsigned long r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, NULL) != 0)
		return 1;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = TICK_US;
	it.it_interval.tv_usec = TICK_US;
	alarm(30); /* never hang a test run */
	if (setitimer(ITIMER_PROF, &it, NULL) != 0)
		return 1;
	r = busy_main((int)(ms * 1000 / TICK_US));
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_PROF, &it, NULL);
	OPAQUE(r);
	printf("uw_signal: %d ticks (%lx)\n", (int)ticks, r & 0xff);
	return 0;
}
