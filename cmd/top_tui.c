/*
 * Stop signals and the exit hook for the commands that take over the
 * terminal (top, report's browser): a signal only sets a flag that the
 * main loop polls at least every 100 ms, and the loop gives the terminal
 * back; the atexit hook covers exit() from anywhere else.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sframetrace/browser.h"
#include "top_tui.h"

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

void tui_install_signals(void)
{
	static bool hooked;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (!hooked) {
		atexit(browser_restore_terminal);
		hooked = true;
	}
}

int tui_stop_signal(void)
{
	return stop_signal;
}
