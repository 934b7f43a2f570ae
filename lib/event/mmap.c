/*
 * Ring buffer reader. The kernel publishes data_head; we read records up to
 * it and hand the space back through data_tail. The acquire load of
 * data_head and the release store of data_tail are the barriers the
 * perf_event_open(2) ring-buffer protocol asks for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sframetrace/event.h>

static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

int perf_mmap_init(struct perf_mmap *map, int fd, size_t data_pages)
{
	size_t len;

	memset(map, 0, sizeof(*map));
	if (!data_pages || (data_pages & (data_pages - 1)))
		return -EINVAL;
	len = (data_pages + 1) * page_size();
	map->base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map->base == MAP_FAILED) {
		map->base = NULL;
		return -errno;
	}
	map->fd = fd;
	map->data_size = data_pages * page_size();
	map->prev = __atomic_load_n(&((struct perf_event_mmap_page *)map->base)->data_tail,
				    __ATOMIC_ACQUIRE);
	return 0;
}

void perf_mmap_exit(struct perf_mmap *map)
{
	if (map->base)
		munmap(map->base, map->data_size + page_size());
	free(map->copy);
	memset(map, 0, sizeof(*map));
}

int perf_mmap_read_init(struct perf_mmap *map)
{
	struct perf_event_mmap_page *pc = map->base;

	if (!pc)
		return -EINVAL;
	map->start = map->prev;
	map->end = __atomic_load_n(&pc->data_head, __ATOMIC_ACQUIRE);
	return map->start == map->end ? -EAGAIN : 0;
}

const struct perf_event_header *perf_mmap_read_event(struct perf_mmap *map)
{
	const char *data = (const char *)map->base + page_size();
	size_t mask = map->data_size - 1, off, first;
	const struct perf_event_header *h;
	uint16_t size;

	if (map->end - map->start < sizeof(*h))
		return NULL;
	off = map->start & mask;
	if (off + sizeof(*h) <= map->data_size) {
		h = (const void *)(data + off);
		size = h->size;
	} else {
		struct perf_event_header tmp;

		first = map->data_size - off;
		memcpy(&tmp, data + off, first);
		memcpy((char *)&tmp + first, data, sizeof(tmp) - first);
		size = tmp.size;
		h = NULL;
	}
	/* A record smaller than its header or past head means a torn buffer. */
	if (size < sizeof(*h) || size > map->end - map->start)
		return NULL;
	if (off + size > map->data_size) {
		if (map->copy_size < size) {
			char *c = realloc(map->copy, size);

			if (!c)
				return NULL;
			map->copy = c;
			map->copy_size = size;
		}
		first = map->data_size - off;
		memcpy(map->copy, data + off, first);
		memcpy(map->copy + first, data, size - first);
		h = (const void *)map->copy;
	}
	map->start += size;
	return h;
}

void perf_mmap_read_done(struct perf_mmap *map)
{
	struct perf_event_mmap_page *pc = map->base;

	map->prev = map->start;
	__atomic_store_n(&pc->data_tail, map->prev, __ATOMIC_RELEASE);
}
