/*
 * The string hash the caches share (DSOs by path, interned comms, folded
 * stacks): FNV-1a, 64 bits.
 */
#ifndef SFRAMETRACE_STRHASH_H
#define SFRAMETRACE_STRHASH_H

#include <stdint.h>

static inline uint64_t strhash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

#endif
