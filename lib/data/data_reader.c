/*
 * perf.data reader: the PERFILE2 file layout (header, attrs, data section,
 * feature sections) and the pipe layout (a 16-byte header, then attrs,
 * names and features as records among the data). A file is mapped whole;
 * a pipe is read record by record into a growing buffer.
 *
 * Nothing read is trusted: every offset, size and count is checked against
 * the bytes that exist before it is used, and a failure says where.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/data_internal.h"

#define PIPE_HEADER_SIZE 16
/* Bigger attrs than this are not a perf_event_attr of any kernel. */
#define ATTR_SIZE_MAX 4096
#define FEATURE_STRING_MAX (1u << 20)

/* perf's EVENT_UPDATE type carrying an event name. */
#define EVENT_UPDATE_NAME 2

struct reader_attr {
	struct data_reader_attr pub;
	uint64_t *ids;
	char *name;
};

struct data_reader {
	int fd;
	bool pipe;
	const char *path;

	/* file mode: the whole file, mapped */
	const uint8_t *map;
	size_t map_len;
	uint64_t data_off, data_end, pos;
	bool truncated;       /* the file ends before the data section does */
	void **copies;        /* aligned copies of misaligned records, until close */
	size_t nr_copies;
	uint64_t data_declared;

	/* pipe mode: one record at a time */
	uint8_t *rec;
	size_t rec_cap;
	uint64_t stream_pos;

	struct reader_attr *attrs;
	size_t nr_attrs;
	struct data_reader_build_id *build_ids;
	size_t nr_build_ids;
	struct data_reader_info info;
	char **strings;       /* every string we allocated for info */
	size_t nr_strings;
	char **cmdline;

	char error[256];
	char warning[256];
};

static int set_error(struct data_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_error(struct data_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return err;
}

static char *keep_string(struct data_reader *r, const char *p, size_t max)
{
	size_t n = strnlen(p, max);
	char **grown;
	char *s;

	grown = realloc(r->strings, (r->nr_strings + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	r->strings = grown;
	s = malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	r->strings[r->nr_strings++] = s;
	return s;
}

static int add_attr(struct data_reader *r, const uint8_t *attr, size_t attr_len,
		    const uint8_t *ids, size_t nr_ids, uint64_t where)
{
	struct reader_attr *grown, *a;
	uint32_t declared;

	if (attr_len < PERF_ATTR_SIZE_VER0)
		return set_error(r, -EINVAL, "offset %#llx: attr of %zu bytes is too small",
				 (unsigned long long)where, attr_len);
	memcpy(&declared, attr + 4, sizeof(declared));
	grown = realloc(r->attrs, (r->nr_attrs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->attrs = grown;
	a = &r->attrs[r->nr_attrs];
	memset(a, 0, sizeof(*a));
	memcpy(&a->pub.attr, attr,
	       attr_len < sizeof(a->pub.attr) ? attr_len : sizeof(a->pub.attr));
	/* A zero size means PERF_ATTR_SIZE_VER0 (perf's own rule). */
	if (declared && declared < attr_len && declared < sizeof(a->pub.attr))
		memset((uint8_t *)&a->pub.attr + declared, 0, sizeof(a->pub.attr) - declared);
	if (nr_ids) {
		a->ids = malloc(nr_ids * sizeof(uint64_t));
		if (!a->ids)
			return -ENOMEM;
		memcpy(a->ids, ids, nr_ids * sizeof(uint64_t));
	}
	a->pub.ids = a->ids;
	a->pub.nr_ids = nr_ids;
	r->nr_attrs++;
	return 0;
}

/* The attr with sample id 'id' (for names that arrive by id). */
static struct reader_attr *attr_by_id(struct data_reader *r, uint64_t id)
{
	for (size_t i = 0; i < r->nr_attrs; i++)
		for (size_t j = 0; j < r->attrs[i].pub.nr_ids; j++)
			if (r->attrs[i].ids[j] == id)
				return &r->attrs[i];
	return NULL;
}

static int set_attr_name(struct data_reader *r, struct reader_attr *a, const char *p, size_t max)
{
	char *s = keep_string(r, p, max);

	if (!s)
		return -ENOMEM;
	a->name = s;
	a->pub.name = s;
	return 0;
}

/* ---- feature sections ---- */

/* A cursor over one feature payload; any overrun sets bad. */
struct cursor {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static const void *cur_take(struct cursor *c, size_t n)
{
	const void *p;

	if (c->bad || n > c->len - c->off) {
		c->bad = true;
		return NULL;
	}
	p = c->p + c->off;
	c->off += n;
	return p;
}

static uint32_t cur_u32(struct cursor *c)
{
	const void *p = cur_take(c, 4);
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, 4);
	return v;
}

static uint64_t cur_u64(struct cursor *c)
{
	const void *p = cur_take(c, 8);
	uint64_t v = 0;

	if (p)
		memcpy(&v, p, 8);
	return v;
}

/* perf_header_string: u32 len (padded length), then len bytes. */
static const char *cur_string(struct data_reader *r, struct cursor *c)
{
	uint32_t n = cur_u32(c);
	const char *p;

	if (n > FEATURE_STRING_MAX) {
		c->bad = true;
		return NULL;
	}
	p = cur_take(c, n);
	if (!p)
		return NULL;
	return keep_string(r, p, n);
}

static int read_event_desc(struct data_reader *r, struct cursor *c)
{
	uint32_t nr = cur_u32(c), attr_size = cur_u32(c);

	if (attr_size < PERF_ATTR_SIZE_VER0 || attr_size > ATTR_SIZE_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < nr && !c->bad; i++) {
		const uint8_t *attr = cur_take(c, attr_size);
		uint32_t nr_ids = cur_u32(c);
		const char *name = cur_string(r, c);
		const uint8_t *ids;
		uint64_t first;

		if (c->bad || nr_ids > (c->len - c->off) / 8)
			return -EINVAL;
		ids = cur_take(c, nr_ids * 8ULL);
		(void)attr;
		if (!name)
			return c->bad ? -EINVAL : -ENOMEM;
		/* Events are listed in attr order; ids tie them up when present. */
		if (nr_ids) {
			struct reader_attr *a;

			memcpy(&first, ids, 8);
			a = attr_by_id(r, first);
			if (a && !a->name)
				a->name = (char *)name, a->pub.name = name;
		} else if (i < r->nr_attrs && !r->attrs[i].name) {
			r->attrs[i].name = (char *)name;
			r->attrs[i].pub.name = name;
		}
	}
	return c->bad ? -EINVAL : 0;
}

static int add_build_id(struct data_reader *r, const uint8_t *p, size_t len)
{
	struct data_reader_build_id *grown, *b;
	struct perf_event_header h;
	int32_t pid;
	const uint8_t *id;
	const char *name;

	memcpy(&h, p, sizeof(h));
	if (len < sizeof(h) + 4 + DATA_BUILD_ID_FIELD)
		return -EINVAL;
	memcpy(&pid, p + sizeof(h), 4);
	id = p + sizeof(h) + 4;
	grown = realloc(r->build_ids, (r->nr_build_ids + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->build_ids = grown;
	b = &r->build_ids[r->nr_build_ids];
	memset(b, 0, sizeof(*b));
	b->pid = pid;
	b->misc = h.misc & ~DATA_MISC_BUILD_ID_SIZE;
	memcpy(b->id, id, DATA_BUILD_ID_MAX);
	b->len = (h.misc & DATA_MISC_BUILD_ID_SIZE) && id[DATA_BUILD_ID_MAX] <= DATA_BUILD_ID_MAX
			 ? id[DATA_BUILD_ID_MAX] : DATA_BUILD_ID_MAX;
	name = keep_string(r, (const char *)id + DATA_BUILD_ID_FIELD,
			   len - sizeof(h) - 4 - DATA_BUILD_ID_FIELD);
	if (!name)
		return -ENOMEM;
	b->filename = name;
	r->nr_build_ids++;
	return 0;
}

static int read_build_ids(struct data_reader *r, struct cursor *c)
{
	while (c->off < c->len) {
		struct perf_event_header h;
		const uint8_t *p;

		if (c->len - c->off < sizeof(h))
			return -EINVAL;
		memcpy(&h, c->p + c->off, sizeof(h));
		if (h.size < sizeof(h))
			return -EINVAL;
		p = cur_take(c, h.size);
		if (!p)
			return -EINVAL;
		if (add_build_id(r, p, h.size) < 0)
			return -EINVAL;
	}
	return 0;
}

static int read_feature(struct data_reader *r, int feat, const uint8_t *p, size_t len)
{
	struct cursor c = { .p = p, .len = len };
	struct data_reader_info *in = &r->info;
	int ret = 0;

	switch (feat) {
	case DATA_FEAT_HOSTNAME: in->hostname = cur_string(r, &c); break;
	case DATA_FEAT_OSRELEASE: in->osrelease = cur_string(r, &c); break;
	case DATA_FEAT_VERSION: in->version = cur_string(r, &c); break;
	case DATA_FEAT_ARCH: in->arch = cur_string(r, &c); break;
	case DATA_FEAT_CPUDESC: in->cpudesc = cur_string(r, &c); break;
	case DATA_FEAT_CPUID: in->cpuid = cur_string(r, &c); break;
	case DATA_FEAT_NRCPUS:
		in->nr_cpus_avail = cur_u32(&c);
		in->nr_cpus_online = cur_u32(&c);
		break;
	case DATA_FEAT_TOTAL_MEM: in->total_mem = cur_u64(&c); break;
	case DATA_FEAT_SAMPLE_TIME:
		in->sample_first = cur_u64(&c);
		in->sample_last = cur_u64(&c);
		in->has_sample_time = !c.bad;
		break;
	case DATA_FEAT_CMDLINE: {
		uint32_t nr = cur_u32(&c);

		if (nr > len / 4) {
			c.bad = true;
			break;
		}
		free(r->cmdline);
		r->cmdline = calloc(nr + 1, sizeof(char *));
		if (!r->cmdline)
			return -ENOMEM;
		for (uint32_t i = 0; i < nr && !c.bad; i++)
			r->cmdline[i] = (char *)cur_string(r, &c);
		in->cmdline = (const char *const *)r->cmdline;
		in->nr_cmdline = c.bad ? 0 : nr;
		break;
	}
	case DATA_FEAT_EVENT_DESC: ret = read_event_desc(r, &c); break;
	case DATA_FEAT_BUILD_ID: ret = read_build_ids(r, &c); break;
	case DATA_FEAT_TRACING_DATA:
		break;
	default:
		in->nr_unknown_features++;
		break;
	}
	if (ret == -ENOMEM)
		return ret;
	return (ret < 0 || c.bad) ? -EINVAL : 0;
}

static const char *feature_name(int feat)
{
	static const char *const names[] = {
		[DATA_FEAT_TRACING_DATA] = "tracing_data", [DATA_FEAT_BUILD_ID] = "build_id",
		[DATA_FEAT_HOSTNAME] = "hostname", [DATA_FEAT_OSRELEASE] = "osrelease",
		[DATA_FEAT_VERSION] = "version", [DATA_FEAT_ARCH] = "arch",
		[DATA_FEAT_NRCPUS] = "nrcpus", [DATA_FEAT_CPUDESC] = "cpudesc",
		[DATA_FEAT_CPUID] = "cpuid", [DATA_FEAT_TOTAL_MEM] = "total_mem",
		[DATA_FEAT_CMDLINE] = "cmdline", [DATA_FEAT_EVENT_DESC] = "event_desc",
		[DATA_FEAT_SAMPLE_TIME] = "sample_time",
	};

	if (feat >= 0 && feat < (int)(sizeof(names) / sizeof(names[0])) && names[feat])
		return names[feat];
	return "feature";
}

/* ---- file mode ---- */

struct file_header {
	char magic[8];
	uint64_t size, attr_size;
	uint64_t attrs_off, attrs_size;
	uint64_t data_off, data_size;
	uint64_t types_off, types_size;
	uint64_t features[4];
};

static bool section_ok(const struct data_reader *r, uint64_t off, uint64_t size)
{
	return off <= r->map_len && size <= r->map_len - off;
}

static bool looks_like_record(const struct data_reader *r, uint64_t off)
{
	struct perf_event_header h;

	if (r->map_len - off < sizeof(h))
		return false;
	memcpy(&h, r->map + off, sizeof(h));
	return h.type > 0 && h.type < PERF_RECORD_USER_TYPE_START + 64 && h.size >= sizeof(h) &&
	       h.size <= r->map_len - off;
}

static int open_file(struct data_reader *r)
{
	struct file_header h;
	uint64_t entry, feat_index;
	size_t nr_feats = 0;

	if (r->map_len < sizeof(h))
		return set_error(r, -EINVAL, "file of %zu bytes is too small for a perf.data header",
				 r->map_len);
	memcpy(&h, r->map, sizeof(h));
	if (h.size != sizeof(h))
		return set_error(r, -EINVAL, "offset 0x8: header size %llu, expected %zu",
				 (unsigned long long)h.size, sizeof(h));
	if (h.attr_size < PERF_ATTR_SIZE_VER0 + 16 || h.attr_size > ATTR_SIZE_MAX + 16)
		return set_error(r, -EINVAL, "offset 0x10: attr size %llu is not a perf_event_attr",
				 (unsigned long long)h.attr_size);
	if (!section_ok(r, h.attrs_off, h.attrs_size))
		return set_error(r, -EINVAL,
				 "offset 0x18: attrs section [%#llx, +%#llx) lies outside the file (%zu bytes)",
				 (unsigned long long)h.attrs_off, (unsigned long long)h.attrs_size,
				 r->map_len);
	if (h.attrs_size % h.attr_size)
		return set_error(r, -EINVAL,
				 "offset 0x20: attrs section size %llu is not a multiple of the attr size %llu",
				 (unsigned long long)h.attrs_size, (unsigned long long)h.attr_size);
	if (h.data_off > r->map_len || h.data_off < sizeof(h))
		return set_error(r, -EINVAL,
				 "offset 0x28: data section at %#llx lies outside the file (%zu bytes)",
				 (unsigned long long)h.data_off, r->map_len);
	entry = h.attr_size;
	for (uint64_t off = h.attrs_off; off < h.attrs_off + h.attrs_size; off += entry) {
		const uint8_t *e = r->map + off;
		uint64_t ids_off, ids_size;
		int ret;

		memcpy(&ids_off, e + entry - 16, 8);
		memcpy(&ids_size, e + entry - 8, 8);
		if (!section_ok(r, ids_off, ids_size) || ids_size % 8)
			return set_error(r, -EINVAL,
					 "offset %#llx: attr's id array [%#llx, +%#llx) lies outside the file",
					 (unsigned long long)(off + entry - 16),
					 (unsigned long long)ids_off, (unsigned long long)ids_size);
		ret = add_attr(r, e, entry - 16, r->map + ids_off, ids_size / 8, off);
		if (ret < 0)
			return ret;
	}
	if (!r->nr_attrs)
		return set_error(r, -EINVAL, "offset 0x18: the file declares no events");

	r->data_off = h.data_off;
	r->data_declared = h.data_size;
	/*
	 * A recording killed before its header was finished says 0 bytes, and
	 * records follow; a finished empty one has its feature index there.
	 */
	if ((h.data_size == 0 && looks_like_record(r, h.data_off)) ||
	    h.data_size > r->map_len - h.data_off) {
		r->truncated = true;
		r->data_end = r->map_len;
	} else {
		r->data_end = h.data_off + h.data_size;
	}
	r->pos = r->data_off;
	memcpy(r->info.features, h.features, sizeof(h.features));

	/* The feature index follows the data; a truncated file has none. */
	if (r->truncated)
		return 0;
	for (int bit = 0; bit < 256; bit++)
		if (h.features[bit / 64] >> (bit % 64) & 1)
			nr_feats++;
	feat_index = r->data_end;
	if (!section_ok(r, feat_index, nr_feats * 16))
		return set_error(r, -EINVAL,
				 "offset %#llx: feature index of %zu entries runs past the end of the file",
				 (unsigned long long)feat_index, nr_feats);
	for (int bit = 0, k = 0; bit < 256; bit++) {
		uint64_t off, size;
		int ret;

		if (!(h.features[bit / 64] >> (bit % 64) & 1))
			continue;
		memcpy(&off, r->map + feat_index + k * 16, 8);
		memcpy(&size, r->map + feat_index + k * 16 + 8, 8);
		k++;
		if (!section_ok(r, off, size))
			return set_error(r, -EINVAL,
					 "offset %#llx: %s feature section [%#llx, +%#llx) lies outside the file",
					 (unsigned long long)(feat_index + (k - 1) * 16),
					 feature_name(bit), (unsigned long long)off,
					 (unsigned long long)size);
		ret = read_feature(r, bit, r->map + off, size);
		if (ret == -ENOMEM)
			return ret;
		if (ret < 0)
			return set_error(r, ret, "offset %#llx: %s feature section is malformed",
					 (unsigned long long)off, feature_name(bit));
	}
	return 0;
}

static int next_file(struct data_reader *r, const struct perf_event_header **ev, uint64_t *offset)
{
	struct perf_event_header h;
	uint64_t payload = 0;
	uint64_t left = r->data_end - r->pos;

	if (left == 0) {
		/* The file ended where a record did, but not where the header said. */
		if (r->truncated && !r->warning[0])
			goto truncated;
		return 0;
	}
	if (left < sizeof(h) && r->truncated)
		goto truncated;
	if (left < sizeof(h))
		return set_error(r, -EINVAL,
				 "offset %#llx: %llu stray bytes at the end of the data section",
				 (unsigned long long)r->pos, (unsigned long long)left);
	memcpy(&h, r->map + r->pos, sizeof(h));
	if (h.size < sizeof(h)) {
		/* Zeroes after the last record are what a dead machine leaves. */
		if (r->truncated && h.size == 0)
			goto truncated;
		return set_error(r, -EINVAL, "offset %#llx: record size %u is smaller than its header",
				 (unsigned long long)r->pos, h.size);
	}
	if (h.size > left) {
		if (r->truncated)
			goto truncated;
		return set_error(r, -EINVAL,
				 "offset %#llx: record of %u bytes runs past the end of the data section at %#llx",
				 (unsigned long long)r->pos, h.size, (unsigned long long)r->data_end);
	}
	if (h.type == PERF_RECORD_AUXTRACE && h.size >= sizeof(h) + 8) {
		/* AUX trace data follows its record, outside header.size. */
		memcpy(&payload, r->map + r->pos + sizeof(h), 8);
		if (payload > left - h.size)
			return set_error(r, -EINVAL,
					 "offset %#llx: AUX trace payload of %llu bytes runs past the data section",
					 (unsigned long long)r->pos, (unsigned long long)payload);
	}
	*offset = r->pos;
	if (r->pos % 8) {
		/*
		 * After a record whose size is not a multiple of 8 (not the
		 * kernel's, but a file may hold one) the rest are misaligned:
		 * hand out aligned copies that live as long as the map does.
		 */
		void **grown = realloc(r->copies, (r->nr_copies + 1) * sizeof(*grown));
		void *copy = malloc(h.size);

		if (!grown || !copy) {
			free(copy);
			if (grown)
				r->copies = grown;
			return set_error(r, -ENOMEM, "out of memory");
		}
		r->copies = grown;
		memcpy(copy, r->map + r->pos, h.size);
		r->copies[r->nr_copies++] = copy;
		*ev = copy;
	} else {
		*ev = (const void *)(r->map + r->pos);
	}
	r->pos += h.size + payload;
	return 1;

truncated:
	if (r->data_declared)
		snprintf(r->warning, sizeof(r->warning),
			 "data section truncated at offset %#llx (header says %llu bytes, the file has %llu): read up to the last whole record",
			 (unsigned long long)r->pos, (unsigned long long)r->data_declared,
			 (unsigned long long)(r->map_len - r->data_off));
	else
		snprintf(r->warning, sizeof(r->warning),
			 "data section truncated at offset %#llx (the header was never finished): read up to the last whole record",
			 (unsigned long long)r->pos);
	r->pos = r->data_end;
	return 0;
}

/* ---- pipe mode ---- */

/* Read exactly n bytes: 1, 0 at a clean end before any byte, or -errno. */
static int read_full(struct data_reader *r, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(r->fd, (uint8_t *)buf + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return set_error(r, -errno, "offset %#llx: read: %s",
					 (unsigned long long)(r->stream_pos + got), strerror(errno));
		if (k == 0)
			return got ? -EPIPE : 0;
		got += (size_t)k;
	}
	r->stream_pos += n;
	return 1;
}

static int skip_bytes(struct data_reader *r, uint64_t n)
{
	uint8_t buf[4096];

	while (n) {
		size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		int ret = read_full(r, buf, k);

		if (ret <= 0)
			return ret < 0 ? ret : -EPIPE;
		n -= k;
	}
	return 1;
}

/* Pipe-format header records: consumed here. 1 = consumed, 0 = pass on. */
static int pipe_header_record(struct data_reader *r, const struct perf_event_header *h,
			      uint64_t where)
{
	const uint8_t *p = (const uint8_t *)h;
	size_t len = h->size;

	switch (h->type) {
	case PERF_RECORD_HEADER_ATTR: {
		uint32_t asize;
		size_t nr_ids;

		if (len < sizeof(*h) + PERF_ATTR_SIZE_VER0)
			return set_error(r, -EINVAL, "offset %#llx: attr record of %zu bytes is too small",
					 (unsigned long long)where, len);
		memcpy(&asize, p + sizeof(*h) + 4, 4);
		if (!asize)
			asize = PERF_ATTR_SIZE_VER0;
		if (asize > len - sizeof(*h) || asize < PERF_ATTR_SIZE_VER0)
			return set_error(r, -EINVAL, "offset %#llx: attr size %u does not fit its record",
					 (unsigned long long)where, asize);
		nr_ids = (len - sizeof(*h) - asize) / 8;
		return add_attr(r, p + sizeof(*h), asize, p + sizeof(*h) + asize, nr_ids, where) ?: 1;
	}
	case PERF_RECORD_EVENT_UPDATE: {
		uint64_t type, id;
		struct reader_attr *a;

		if (len < sizeof(*h) + 16)
			return 1;
		memcpy(&type, p + sizeof(*h), 8);
		memcpy(&id, p + sizeof(*h) + 8, 8);
		a = attr_by_id(r, id);
		if (type == EVENT_UPDATE_NAME && a)
			return set_attr_name(r, a, (const char *)p + sizeof(*h) + 16,
					     len - sizeof(*h) - 16) ?: 1;
		return 1;
	}
	case PERF_RECORD_HEADER_TRACING_DATA: {
		uint32_t size;

		if (len < sizeof(*h) + 4)
			return 1;
		memcpy(&size, p + sizeof(*h), 4);
		/* The tracing data itself follows the record. */
		return skip_bytes(r, size) < 0 ? set_error(r, -EPIPE,
			"offset %#llx: stream ends inside tracing data", (unsigned long long)where) : 1;
	}
	case PERF_RECORD_HEADER_BUILD_ID:
		return add_build_id(r, p, len) == -ENOMEM ? -ENOMEM : 1;
	case PERF_RECORD_HEADER_FEATURE: {
		uint64_t feat;
		int ret;

		if (len < sizeof(*h) + 8)
			return 1;
		memcpy(&feat, p + sizeof(*h), 8);
		if (feat < 256)
			r->info.features[feat / 64] |= 1ULL << (feat % 64);
		ret = read_feature(r, (int)(feat < 256 ? feat : 255), p + sizeof(*h) + 8,
				   len - sizeof(*h) - 8);
		return ret == -ENOMEM ? ret : 1;
	}
	case PERF_RECORD_HEADER_EVENT_TYPE:
		return 1;
	default:
		return 0;
	}
}

static int next_pipe(struct data_reader *r, const struct perf_event_header **ev, uint64_t *offset)
{
	for (;;) {
		struct perf_event_header h;
		uint64_t where = r->stream_pos;
		int ret = read_full(r, &h, sizeof(h));

		if (ret == 0)
			return 0;
		if (ret == -EPIPE) {
			snprintf(r->warning, sizeof(r->warning),
				 "stream ends inside a record header at offset %#llx",
				 (unsigned long long)where);
			return 0;
		}
		if (ret < 0)
			return ret;
		if (h.size < sizeof(h))
			return set_error(r, -EINVAL, "offset %#llx: record size %u is smaller than its header",
					 (unsigned long long)where, h.size);
		if (r->rec_cap < h.size) {
			uint8_t *grown = realloc(r->rec, 65536);

			if (!grown)
				return -ENOMEM;
			r->rec = grown;
			r->rec_cap = 65536;
		}
		memcpy(r->rec, &h, sizeof(h));
		ret = read_full(r, r->rec + sizeof(h), h.size - sizeof(h));
		if (ret == 0 || ret == -EPIPE) {
			snprintf(r->warning, sizeof(r->warning),
				 "stream ends inside a record at offset %#llx: read up to the last whole record",
				 (unsigned long long)where);
			return 0;
		}
		if (ret < 0)
			return ret;
		ret = pipe_header_record(r, (const void *)r->rec, where);
		if (ret < 0)
			return ret;
		if (ret == 1)
			continue;
		if (h.type == PERF_RECORD_AUXTRACE && h.size >= sizeof(h) + 8) {
			uint64_t payload;

			memcpy(&payload, r->rec + sizeof(h), 8);
			if (skip_bytes(r, payload) <= 0)
				return set_error(r, -EPIPE, "offset %#llx: stream ends inside AUX data",
						 (unsigned long long)where);
		}
		*ev = (const void *)r->rec;
		*offset = where;
		return 1;
	}
}

/* ---- public ---- */

int data_reader_open(struct data_reader **out, const char *path, char *err, size_t errlen)
{
	struct data_reader *r = calloc(1, sizeof(*r));
	char magic[8];
	struct stat st;
	int ret;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->path = path;
	if (strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
		r->pipe = true;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			ret = set_error(r, -errno, "%s", strerror(errno));
			goto fail;
		}
		if (fstat(r->fd, &st) < 0) {
			ret = set_error(r, -errno, "%s", strerror(errno));
			goto fail;
		}
		r->pipe = S_ISFIFO(st.st_mode);
	}
	if (r->pipe) {
		uint64_t size;

		ret = read_full(r, magic, sizeof(magic));
		if (ret <= 0) {
			ret = set_error(r, -EINVAL, "empty input: not a perf.data stream");
			goto fail;
		}
		if (memcmp(magic, "PERFILE2", 8) != 0)
			goto bad_magic;
		if (read_full(r, &size, sizeof(size)) <= 0 || size != PIPE_HEADER_SIZE) {
			ret = set_error(r, -EINVAL,
					"offset 0x8: stream header size is not %d (a file cannot be read through a pipe)",
					PIPE_HEADER_SIZE);
			goto fail;
		}
		*out = r;
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = set_error(r, -EINVAL, "not a regular file");
		goto fail;
	}
	r->map_len = (size_t)st.st_size;
	if (r->map_len < 8) {
		ret = set_error(r, -EINVAL, "file of %zu bytes is too small for a perf.data header",
				r->map_len);
		goto fail;
	}
	r->map = mmap(NULL, r->map_len, PROT_READ, MAP_PRIVATE, r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		ret = set_error(r, -errno, "mmap: %s", strerror(errno));
		goto fail;
	}
	memcpy(magic, r->map, 8);
	if (memcmp(magic, "PERFILE2", 8) != 0)
		goto bad_magic;
	if (r->map_len >= 16) {
		uint64_t size;

		memcpy(&size, r->map + 8, 8);
		if (size == PIPE_HEADER_SIZE) {
			/* A pipe recording saved to a file: read it as a stream. */
			munmap((void *)r->map, r->map_len);
			r->map = NULL;
			r->pipe = true;
			r->stream_pos = 16;
			if (lseek(r->fd, 16, SEEK_SET) < 0) {
				ret = set_error(r, -errno, "lseek: %s", strerror(errno));
				goto fail;
			}
			*out = r;
			return 0;
		}
	}
	ret = open_file(r);
	if (ret < 0)
		goto fail;
	*out = r;
	return 0;

bad_magic:
	if (memcmp(magic, "2ELIFREP", 8) == 0)
		ret = set_error(r, -ENOTSUP, "offset 0x0: an opposite-endian perf.data file is not supported");
	else if (memcmp(magic, "PERFFILE", 8) == 0)
		ret = set_error(r, -ENOTSUP, "offset 0x0: a version 1 perf.data file is not supported");
	else
		ret = set_error(r, -EINVAL, "offset 0x0: bad magic, not a perf.data file");
fail:
	snprintf(err, errlen, "%s", r->error);
	data_reader_close(r);
	return ret;
}

void data_reader_close(struct data_reader *r)
{
	if (!r)
		return;
	if (r->map)
		munmap((void *)r->map, r->map_len);
	if (r->fd > STDIN_FILENO)
		close(r->fd);
	for (size_t i = 0; i < r->nr_attrs; i++)
		free(r->attrs[i].ids);
	free(r->attrs);
	for (size_t i = 0; i < r->nr_copies; i++)
		free(r->copies[i]);
	free(r->copies);
	for (size_t i = 0; i < r->nr_strings; i++)
		free(r->strings[i]);
	free(r->strings);
	free(r->cmdline);
	free(r->build_ids);
	free(r->rec);
	free(r);
}

bool data_reader_is_pipe(const struct data_reader *r)
{
	return r->pipe;
}

size_t data_reader_nr_attrs(const struct data_reader *r)
{
	return r->nr_attrs;
}

const struct data_reader_attr *data_reader_attr(const struct data_reader *r, size_t i)
{
	return i < r->nr_attrs ? &r->attrs[i].pub : NULL;
}

const struct data_reader_info *data_reader_info(const struct data_reader *r)
{
	return &r->info;
}

size_t data_reader_nr_build_ids(const struct data_reader *r)
{
	return r->nr_build_ids;
}

const struct data_reader_build_id *data_reader_build_id(const struct data_reader *r, size_t i)
{
	return i < r->nr_build_ids ? &r->build_ids[i] : NULL;
}

int data_reader_next(struct data_reader *r, const struct perf_event_header **ev, uint64_t *offset)
{
	return r->pipe ? next_pipe(r, ev, offset) : next_file(r, ev, offset);
}

const char *data_reader_error(const struct data_reader *r)
{
	return r->error;
}

const char *data_reader_warning(const struct data_reader *r)
{
	return r->warning[0] ? r->warning : NULL;
}

void data_reader_data_section(const struct data_reader *r, uint64_t *offset, uint64_t *size)
{
	*offset = r->pipe ? 0 : r->data_off;
	*size = r->pipe ? 0 : r->data_end - r->data_off;
}

void data_reader_progress(const struct data_reader *r, uint64_t *done, uint64_t *total)
{
	if (r->pipe) {
		*done = r->stream_pos;
		*total = 0;
		return;
	}
	*done = r->pos - r->data_off;
	*total = r->data_end - r->data_off;
}
