/*
 * Parsing of PERF_RECORD_SAMPLE bodies and of the sample_id trailer of
 * other records, in the field order of include/uapi/linux/perf_event.h.
 * Every length is checked against the record before it is used.
 */
#include <errno.h>
#include <string.h>

#include "session/session_internal.h"

struct field_cursor {
	const uint8_t *p;
	size_t len, off;
};

static bool take_u64(struct field_cursor *c, uint64_t *v)
{
	if (c->len - c->off < 8)
		return false;
	memcpy(v, c->p + c->off, 8);
	c->off += 8;
	return true;
}

static bool skip(struct field_cursor *c, uint64_t n)
{
	if (n > c->len - c->off)
		return false;
	c->off += (size_t)n;
	return true;
}

/* Pointer to n u64 values, or NULL. Records are 8-byte aligned. */
static const void *take_array(struct field_cursor *c, uint64_t n, size_t size)
{
	const void *p;

	if (n > (c->len - c->off) / size)
		return NULL;
	p = c->p + c->off;
	c->off += (size_t)(n * size);
	return p;
}

static size_t read_format_size(uint64_t fmt, uint64_t nr)
{
	size_t per = 8 + ((fmt & PERF_FORMAT_ID) ? 8 : 0) + ((fmt & PERF_FORMAT_LOST) ? 8 : 0);
	size_t head = ((fmt & PERF_FORMAT_TOTAL_TIME_ENABLED) ? 8 : 0) +
		      ((fmt & PERF_FORMAT_TOTAL_TIME_RUNNING) ? 8 : 0);

	if (fmt & PERF_FORMAT_GROUP)
		return 8 + head + nr * per;
	return head + per;
}

int session_parse_sample(const struct perf_event_attr *attr, const struct perf_event_header *ev,
			 struct session_sample *out)
{
	struct field_cursor c = { .p = (const uint8_t *)ev, .len = ev->size, .off = sizeof(*ev) };
	uint64_t type = attr->sample_type, v;

	memset(out, 0, sizeof(*out));
	out->header = ev;
	out->cpumode = ev->misc & PERF_RECORD_MISC_CPUMODE_MASK;
	/* Without a PERIOD field every sample stands for the fixed period (perf's rule). */
	out->period = attr->freq || !attr->sample_period ? 1 : attr->sample_period;
	out->cpu = (uint32_t)-1;   /* not sampled: perf shows -1 */
	if ((type & PERF_SAMPLE_IDENTIFIER) && !take_u64(&c, &out->id))
		return -EINVAL;
	if ((type & PERF_SAMPLE_IP) && !take_u64(&c, &out->ip))
		return -EINVAL;
	if (type & PERF_SAMPLE_TID) {
		if (!take_u64(&c, &v))
			return -EINVAL;
		out->pid = (uint32_t)v;
		out->tid = (uint32_t)(v >> 32);
	}
	if ((type & PERF_SAMPLE_TIME) && !take_u64(&c, &out->time))
		return -EINVAL;
	if ((type & PERF_SAMPLE_ADDR) && !take_u64(&c, &out->addr))
		return -EINVAL;
	if ((type & PERF_SAMPLE_ID) && !take_u64(&c, &out->id))
		return -EINVAL;
	if ((type & PERF_SAMPLE_STREAM_ID) && !take_u64(&c, &out->stream_id))
		return -EINVAL;
	if (type & PERF_SAMPLE_CPU) {
		if (!take_u64(&c, &v))
			return -EINVAL;
		out->cpu = (uint32_t)v;
	}
	if ((type & PERF_SAMPLE_PERIOD) && !take_u64(&c, &out->period))
		return -EINVAL;
	if (type & PERF_SAMPLE_READ) {
		uint64_t nr = 1;

		if ((attr->read_format & PERF_FORMAT_GROUP) && !take_u64(&c, &nr))
			return -EINVAL;
		if (nr > c.len || !skip(&c, read_format_size(attr->read_format, nr) -
					   ((attr->read_format & PERF_FORMAT_GROUP) ? 8 : 0)))
			return -EINVAL;
	}
	if (type & PERF_SAMPLE_CALLCHAIN) {
		if (!take_u64(&c, &out->nr_callchain))
			return -EINVAL;
		out->callchain = take_array(&c, out->nr_callchain, 8);
		if (!out->callchain && out->nr_callchain)
			return -EINVAL;
	}
	if (type & PERF_SAMPLE_RAW) {
		uint32_t size;

		if (c.len - c.off < 4)
			return -EINVAL;
		memcpy(&size, c.p + c.off, 4);
		c.off += 4;
		out->raw = c.p + c.off;
		out->raw_size = size;
		if (!skip(&c, size))
			return -EINVAL;
	}
	if (type & PERF_SAMPLE_BRANCH_STACK) {
		uint64_t nr;

		if (!take_u64(&c, &nr))
			return -EINVAL;
		if ((attr->branch_sample_type & PERF_SAMPLE_BRANCH_HW_INDEX) && !take_u64(&c, &v))
			return -EINVAL;
		if (!take_array(&c, nr, 24) && nr)
			return -EINVAL;
	}
	if (type & PERF_SAMPLE_REGS_USER) {
		if (!take_u64(&c, &out->regs_abi))
			return -EINVAL;
		if (out->regs_abi) {
			uint64_t n = (uint64_t)__builtin_popcountll(attr->sample_regs_user);

			out->regs_mask = attr->sample_regs_user;
			out->regs = take_array(&c, n, 8);
			if (!out->regs && n)
				return -EINVAL;
		}
	}
	if (type & PERF_SAMPLE_STACK_USER) {
		uint64_t size;

		if (!take_u64(&c, &size))
			return -EINVAL;
		if (size) {
			const uint8_t *data = take_array(&c, size, 1);
			uint64_t dyn;

			if (!data || !take_u64(&c, &dyn))
				return -EINVAL;
			out->stack = data;
			out->stack_size = dyn < size ? dyn : size;
		}
	}
	if ((type & (PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT)) && !take_u64(&c, &v))
		return -EINVAL;
	if ((type & PERF_SAMPLE_DATA_SRC) && !take_u64(&c, &v))
		return -EINVAL;
	if ((type & PERF_SAMPLE_TRANSACTION) && !take_u64(&c, &v))
		return -EINVAL;
	if (type & PERF_SAMPLE_REGS_INTR) {
		if (!take_u64(&c, &v))
			return -EINVAL;
		if (v && !take_array(&c, (uint64_t)__builtin_popcountll(attr->sample_regs_intr), 8) &&
		    attr->sample_regs_intr)
			return -EINVAL;
	}
	/* PHYS_ADDR, CGROUP, DATA_PAGE_SIZE, CODE_PAGE_SIZE and AUX follow: unused. */
	return 0;
}

static uint64_t next_u64(const uint8_t *p, size_t *off)
{
	uint64_t v;

	memcpy(&v, p + *off, 8);
	*off += 8;
	return v;
}

/*
 * The sample_id trailer (sample_id_all) of a non-sample record, read from
 * its end: TID, TIME, ID, STREAM_ID, CPU, IDENTIFIER.
 */
int session_parse_id_trailer(const struct perf_event_attr *attr, const struct perf_event_header *ev,
			     struct session_id *out)
{
	uint64_t type = attr->sample_type;
	size_t n = 0, end;
	const uint8_t *p = (const uint8_t *)ev;
	uint64_t v;

	memset(out, 0, sizeof(*out));
	if (!attr->sample_id_all)
		return -ENOENT;
	n += !!(type & PERF_SAMPLE_TID) + !!(type & PERF_SAMPLE_TIME) + !!(type & PERF_SAMPLE_ID) +
	     !!(type & PERF_SAMPLE_STREAM_ID) + !!(type & PERF_SAMPLE_CPU) +
	     !!(type & PERF_SAMPLE_IDENTIFIER);
	if (ev->size < sizeof(*ev) + n * 8)
		return -EINVAL;
	end = ev->size - n * 8;
#define NEXT() (v = next_u64(p, &end))
	if (type & PERF_SAMPLE_TID) {
		(void)NEXT();
		out->pid = (uint32_t)v;
		out->tid = (uint32_t)(v >> 32);
	}
	if (type & PERF_SAMPLE_TIME) {
		out->time = NEXT();
		out->has_time = true;
	}
	if (type & PERF_SAMPLE_ID)
		out->id = NEXT();
	if (type & PERF_SAMPLE_STREAM_ID)
		(void)NEXT();
	if (type & PERF_SAMPLE_CPU)
		out->cpu = (uint32_t)NEXT();
	if (type & PERF_SAMPLE_IDENTIFIER)
		out->id = NEXT();
#undef NEXT
	return 0;
}
