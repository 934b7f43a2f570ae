/*
 * Test-only SFrame encoder (see sframe_builder.h). Written from the SFrame
 * specification's layouts, independently of lib/sframe, so a test compares
 * the library against a second reading of the spec rather than against
 * itself. Every multi-byte field goes through put*() so byte order is
 * explicit and host independent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sframe_builder.h"

void sfb_desc_init(struct sfb_desc *d, uint8_t version, uint8_t abi)
{
	memset(d, 0, sizeof(*d));
	d->version = version;
	d->abi = abi;
	d->big_endian = abi == SFRAME_ABI_AARCH64_ENDIAN_BIG ||
			abi == SFRAME_ABI_S390X_ENDIAN_BIG;
	d->flags = SFRAME_F_FDE_SORTED;
	if (version == SFRAME_VERSION_3)
		d->flags |= SFRAME_F_FDE_FUNC_START_PCREL;
	d->fixed_fp = 0;
	d->fixed_ra = abi == SFRAME_ABI_AMD64_ENDIAN_LITTLE ? -8 : 0;
	d->addr = 0x400000;
}

struct sfb_func *sfb_add_func(struct sfb_desc *d, uint64_t start,
			      uint32_t size, uint8_t fre_type)
{
	struct sfb_func *f;

	if (d->num_funcs >= SFB_MAX_FUNCS)
		abort();
	f = &d->funcs[d->num_funcs++];
	memset(f, 0, sizeof(*f));
	f->start = start;
	f->size = size;
	f->fre_type = fre_type;
	f->pctype = SFRAME_PCTYPE_INC;
	f->fde_type = SFRAME_FDE_TYPE_DEFAULT;
	return f;
}

struct sfb_fre *sfb_add_fre(struct sfb_func *f, uint32_t start,
			    uint8_t base_reg, uint8_t dw_size,
			    unsigned int count, ...)
{
	struct sfb_fre *r;
	unsigned int i;
	va_list ap;

	if (f->num_fres >= SFB_MAX_FRES || count > SFRAME_MAX_DATAWORDS)
		abort();
	r = &f->fres[f->num_fres++];
	memset(r, 0, sizeof(*r));
	r->start = start;
	r->base_reg = base_reg;
	r->dw_size = dw_size;
	r->dw_count = (uint8_t)count;
	va_start(ap, count);
	for (i = 0; i < count; i++)
		r->words[i] = va_arg(ap, int);
	va_end(ap);
	return r;
}

/* ---- allocations, tracked so failed tests do not leak ---- */

#define SFB_MAX_LIVE 64
static void *live[SFB_MAX_LIVE];

static void track(void *p)
{
	unsigned int i;

	for (i = 0; i < SFB_MAX_LIVE; i++) {
		if (!live[i]) {
			live[i] = p;
			return;
		}
	}
}

static void untrack(void *p)
{
	unsigned int i;

	for (i = 0; p && i < SFB_MAX_LIVE; i++) {
		if (live[i] == p) {
			live[i] = NULL;
			return;
		}
	}
}

static void *sfb_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		abort();
	track(p);
	return p;
}

void sfb_release(void *p)
{
	untrack(p);
	free(p);
}

int sfb_release_all(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < SFB_MAX_LIVE; i++) {
		free(live[i]);
		live[i] = NULL;
	}
	return 0;
}

/* ---- byte order ---- */

static void put_n(uint8_t *p, bool big, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int shift = big ? 8 * (n - 1 - i) : 8 * i;

		p[i] = (uint8_t)(v >> shift);
	}
}

static uint64_t get_n(const uint8_t *p, bool big, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int shift = big ? 8 * (n - 1 - i) : 8 * i;

		v |= (uint64_t)p[i] << shift;
	}
	return v;
}

void sfb_put8(struct sfb_section *s, size_t pos, uint8_t v)
{
	if (pos >= s->size)
		abort();
	s->data[pos] = v;
}

#define PUT(n)                                                         \
	do {                                                           \
		if (pos + (n) > s->size)                               \
			abort();                                       \
		put_n(s->data + pos, s->big_endian, v, (n));           \
	} while (0)

void sfb_put16(struct sfb_section *s, size_t pos, uint16_t v) { PUT(2); }
void sfb_put32(struct sfb_section *s, size_t pos, uint32_t v) { PUT(4); }
void sfb_put64(struct sfb_section *s, size_t pos, uint64_t v) { PUT(8); }

uint16_t sfb_get16(const struct sfb_section *s, size_t pos)
{
	return (uint16_t)get_n(s->data + pos, s->big_endian, 2);
}

uint32_t sfb_get32(const struct sfb_section *s, size_t pos)
{
	return (uint32_t)get_n(s->data + pos, s->big_endian, 4);
}

uint64_t sfb_get64(const struct sfb_section *s, size_t pos)
{
	return get_n(s->data + pos, s->big_endian, 8);
}

/* ---- encoding ---- */

static unsigned int addr_size(uint8_t fre_type)
{
	switch (fre_type) {
	case SFRAME_FRE_TYPE_ADDR1:
		return 1;
	case SFRAME_FRE_TYPE_ADDR2:
		return 2;
	default:
		return 4;
	}
}

static int dw_code(uint8_t dw_size)
{
	switch (dw_size) {
	case 1:
		return 0;
	case 2:
		return 1;
	case 4:
		return 2;
	default:
		return -1;
	}
}

static size_t fde_entry_size(uint8_t version)
{
	switch (version) {
	case SFRAME_VERSION_1:
		return 17;
	case SFRAME_VERSION_2:
		return 20;
	default:
		return 16;
	}
}

static uint32_t fre_bytes(const struct sfb_func *f, const struct sfb_fre *r)
{
	return addr_size(f->fre_type) + 1 + (uint32_t)r->dw_count * r->dw_size;
}

static uint8_t fde_info(const struct sfb_func *f)
{
	return (uint8_t)((f->fre_type & 0xf) | (f->pctype & 1) << 4 |
			 (f->pauth_key & 1) << 5 | (f->signal ? 0x80 : 0));
}

int sfb_build(const struct sfb_desc *d, struct sfb_section *s)
{
	uint32_t fre_len = 0, num_fres = 0;
	unsigned int i, j, k;
	bool big = d->big_endian;
	uint8_t *p;

	memset(s, 0, sizeof(*s));
	if (d->num_funcs > SFB_MAX_FUNCS)
		return -1;
	s->big_endian = big;
	s->version = d->version;
	s->hdr_end = SFB_HDR_SIZE + d->auxhdr_len;
	s->fde_size = fde_entry_size(d->version);
	s->fde_start = s->hdr_end;
	s->fre_start = s->fde_start + s->fde_size * d->num_funcs;

	/* First pass: FRE sub-section layout. */
	for (i = 0; i < d->num_funcs; i++) {
		const struct sfb_func *f = &d->funcs[i];

		if (f->num_fres > SFB_MAX_FRES)
			return -1;
		if (d->version == SFRAME_VERSION_3) {
			s->attr_off[i] = fre_len;
			fre_len += 5;
		}
		s->fre_off[i] = fre_len;
		for (j = 0; j < f->num_fres; j++) {
			const struct sfb_fre *r = &f->fres[j];

			if (dw_code(r->dw_size) < 0 ||
			    r->dw_count > SFRAME_MAX_DATAWORDS)
				return -1;
			s->fre[i][j].off = fre_len;
			s->fre[i][j].len = fre_bytes(f, r);
			s->fre[i][j].info_pos = s->fre_start + fre_len +
						addr_size(f->fre_type);
			s->fre[i][j].words_pos = s->fre[i][j].info_pos + 1;
			s->fre[i][j].dw_size = r->dw_size;
			fre_len += s->fre[i][j].len;
		}
		num_fres += f->num_fres;
	}
	s->fre_len = fre_len;
	s->num_fres = num_fres;
	s->size = s->fre_start + fre_len;
	s->data = sfb_alloc(s->size);
	p = s->data;

	/* Header. */
	put_n(p + SFB_HDR_MAGIC, big, SFRAME_MAGIC, 2);
	p[SFB_HDR_VERSION] = d->version;
	p[SFB_HDR_FLAGS] = d->flags;
	p[SFB_HDR_ABI] = d->abi;
	p[SFB_HDR_FIXED_FP] = (uint8_t)d->fixed_fp;
	p[SFB_HDR_FIXED_RA] = (uint8_t)d->fixed_ra;
	p[SFB_HDR_AUXHDR_LEN] = d->auxhdr_len;
	put_n(p + SFB_HDR_NUM_FDES, big, d->num_funcs, 4);
	put_n(p + SFB_HDR_NUM_FRES, big, num_fres, 4);
	put_n(p + SFB_HDR_FRE_LEN, big, fre_len, 4);
	put_n(p + SFB_HDR_FDEOFF, big, 0, 4);
	put_n(p + SFB_HDR_FREOFF, big, s->fre_start - s->hdr_end, 4);
	for (k = 0; k < d->auxhdr_len; k++)
		p[SFB_HDR_SIZE + k] = (uint8_t)(0xa0 + k);

	/* FDE index and FRE data. */
	for (i = 0; i < d->num_funcs; i++) {
		const struct sfb_func *f = &d->funcs[i];
		size_t pos = s->fde_start + i * s->fde_size;
		uint64_t base = d->addr;
		int64_t rel;

		s->fde_pos[i] = pos;
		if (d->flags & SFRAME_F_FDE_FUNC_START_PCREL)
			base += pos;
		rel = (int64_t)(f->start - base);
		if (d->version == SFRAME_VERSION_3) {
			uint8_t *a = p + s->fre_start + s->attr_off[i];

			put_n(p + pos, big, (uint64_t)rel, 8);
			put_n(p + pos + 8, big, f->size, 4);
			put_n(p + pos + 12, big, s->attr_off[i], 4);
			put_n(a, big, f->num_fres, 2);
			a[2] = fde_info(f);
			a[3] = f->fde_type & 0x1f;
			a[4] = f->rep_size;
		} else {
			if (rel < INT32_MIN || rel > INT32_MAX)
				goto fail;
			put_n(p + pos, big, (uint64_t)rel, 4);
			put_n(p + pos + 4, big, f->size, 4);
			put_n(p + pos + 8, big, s->fre_off[i], 4);
			put_n(p + pos + 12, big, f->num_fres, 4);
			p[pos + 16] = fde_info(f);
			if (d->version == SFRAME_VERSION_2) {
				p[pos + 17] = f->rep_size;
				p[pos + 18] = 0;
				p[pos + 19] = 0;
			}
		}
		for (j = 0; j < f->num_fres; j++) {
			const struct sfb_fre *r = &f->fres[j];
			unsigned int asz = addr_size(f->fre_type);
			uint8_t *q = p + s->fre_start + s->fre[i][j].off;

			put_n(q, big, r->start, asz);
			q[asz] = (uint8_t)((r->base_reg & 1) |
					   (r->dw_count & 0xf) << 1 |
					   dw_code(r->dw_size) << 5 |
					   (r->mangled_ra ? 0x80 : 0));
			q += asz + 1;
			for (k = 0; k < r->dw_count; k++, q += r->dw_size)
				put_n(q, big, (uint64_t)(int64_t)r->words[k],
				      r->dw_size);
		}
	}
	return 0;
fail:
	sfb_free(s);
	return -1;
}

void sfb_free(struct sfb_section *s)
{
	sfb_release(s->data);
	s->data = NULL;
	s->size = 0;
}

size_t sfb_fde_func_start_pos(const struct sfb_section *s, unsigned int i)
{
	return s->fde_pos[i];
}

size_t sfb_fde_size_pos(const struct sfb_section *s, unsigned int i)
{
	return s->fde_pos[i] + (s->version == SFRAME_VERSION_3 ? 8 : 4);
}

size_t sfb_fde_fre_off_pos(const struct sfb_section *s, unsigned int i)
{
	return s->fde_pos[i] + (s->version == SFRAME_VERSION_3 ? 12 : 8);
}

size_t sfb_fde_num_fres_pos(const struct sfb_section *s, unsigned int i)
{
	if (s->version == SFRAME_VERSION_3)
		return s->fre_start + s->attr_off[i];
	return s->fde_pos[i] + 12;
}

size_t sfb_fde_info_pos(const struct sfb_section *s, unsigned int i)
{
	if (s->version == SFRAME_VERSION_3)
		return s->fre_start + s->attr_off[i] + 2;
	return s->fde_pos[i] + 16;
}

size_t sfb_fde_info2_pos(const struct sfb_section *s, unsigned int i)
{
	if (s->version != SFRAME_VERSION_3)
		abort();
	return s->fre_start + s->attr_off[i] + 3;
}

size_t sfb_fde_rep_size_pos(const struct sfb_section *s, unsigned int i)
{
	if (s->version == SFRAME_VERSION_3)
		return s->fre_start + s->attr_off[i] + 4;
	if (s->version == SFRAME_VERSION_2)
		return s->fde_pos[i] + 17;
	abort();
}

int sfb_append(struct sfb_section *s, size_t extra)
{
	uint8_t *n = sfb_alloc(s->size + extra);

	memcpy(n, s->data, s->size);
	sfb_release(s->data);
	s->data = n;
	s->size += extra;
	return 0;
}

uint8_t *sfb_copy_exact(const void *p, size_t n)
{
	/* malloc(0) may return NULL; a 0-byte request still gets a real
	 * allocation so "NULL data" is not what gets tested. */
	uint8_t *q = malloc(n ? n : 1);

	if (!q)
		abort();
	track(q);
	if (n)
		memcpy(q, p, n);
	return q;
}

/* ---- fake target ---- */

void sfb_mem_init(struct sfb_mem *m, uint64_t base)
{
	memset(m, 0, sizeof(*m));
	m->base = base;
}

void sfb_mem_set(struct sfb_mem *m, uint64_t addr, uint64_t v)
{
	if (addr < m->base || (addr - m->base) % 8 ||
	    (addr - m->base) / 8 >= SFB_MEM_SLOTS)
		abort();
	m->slot[(addr - m->base) / 8] = v;
}

int sfb_read_mem(void *ctx, uint64_t addr, uint64_t *val)
{
	struct sfb_mem *m = ctx;

	m->reads++;
	if (addr < m->base || (addr - m->base) % 8 ||
	    (addr - m->base) / 8 >= SFB_MEM_SLOTS)
		return -EFAULT;
	*val = m->slot[(addr - m->base) / 8];
	return 0;
}

int sfb_read_reg(void *ctx, unsigned int regno, uint64_t *val)
{
	struct sfb_mem *m = ctx;

	m->reg_reads++;
	if (regno >= 64 || !(m->reg_ok & (1ull << regno)))
		return -EINVAL;
	*val = m->reg[regno];
	return 0;
}

void sfb_collect(void *arg, const struct sframe_error *err)
{
	struct sfb_failures *f = arg;

	if (f->n < SFB_MAX_FAILURES)
		f->e[f->n] = *err;
	f->n++;
}
