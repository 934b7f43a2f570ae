/*
 * What top's and report's screens share around the browser: the signals
 * that end a session on screen (SIGINT, SIGTERM, SIGHUP set a flag the
 * main loop reads; the handler itself touches no curses state) and an
 * atexit hook, so the terminal is given back on every way out.
 */
#ifndef SFRAMETRACE_TOP_TUI_H
#define SFRAMETRACE_TOP_TUI_H

#include <stdbool.h>

/* Install the stop signals (no SA_RESTART: a wait on keys wakes up) and the atexit hook. */
void tui_install_signals(void);
/* The stop signal caught so far, or 0. */
int tui_stop_signal(void);

#endif
