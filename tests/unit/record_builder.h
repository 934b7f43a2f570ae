/*
 * Test helper shared by the session and deferred-callchain tests: one
 * perf.data record built field by field, then its header size filled in.
 */
#ifndef SFRAMETRACE_TEST_RECORD_BUILDER_H
#define SFRAMETRACE_TEST_RECORD_BUILDER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/perf_event.h>

struct rec {
	uint8_t b[4096];
	size_t n;
};

static inline void rec_start(struct rec *r, uint32_t type, uint16_t misc)
{
	struct perf_event_header h = { .type = type, .misc = misc, .size = 0 };

	memcpy(r->b, &h, sizeof(h));
	r->n = sizeof(h);
}

static inline void rec_put(struct rec *r, const void *p, size_t n)
{
	assert_true(r->n + n <= sizeof(r->b));
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

static inline void rec_u32(struct rec *r, uint32_t v)
{
	rec_put(r, &v, 4);
}

static inline void rec_u64(struct rec *r, uint64_t v)
{
	rec_put(r, &v, 8);
}

/* A NUL-terminated string padded with zeros to 8 bytes. */
static inline void rec_str(struct rec *r, const char *s)
{
	static const uint8_t zeros[8];
	size_t n = strlen(s) + 1;

	rec_put(r, s, n);
	rec_put(r, zeros, (8 - n % 8) % 8);
}

static inline void rec_finish(struct rec *r)
{
	uint16_t size = (uint16_t)r->n;

	assert_true(r->n <= UINT16_MAX);
	memcpy(r->b + offsetof(struct perf_event_header, size), &size, 2);
}

#endif
