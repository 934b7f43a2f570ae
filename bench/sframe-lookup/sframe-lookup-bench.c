/*
 * Benchmark of the SFrame hot path: PC -> FDE -> FRE lookup, and the unwind
 * step over a synthetic stack, on the .sframe of one ELF file. The random
 * PCs (and the stack) are made before the clock starts, so the numbers are
 * the library's alone.
 *
 *   sframe-lookup-bench [-n N] [-s SEED] [-w WALKS] ELF_FILE
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sframetrace/elf.h>
#include <sframetrace/sframe.h>

#define BENCH_STACK_BYTES (1u << 20)
#define BENCH_WALK_FRAMES 32

struct bench_range {
	uint64_t start;
	uint64_t size;
	uint64_t cum;   /* covered bytes before this range */
};

struct bench_stack {
	const uint64_t *slots;
	uint64_t base;
	uint64_t len;   /* bytes */
};

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A PC chosen uniformly over all bytes covered by some FDE. */
static uint64_t pick_pc(const struct bench_range *r, size_t nr, uint64_t total,
			uint64_t *rng)
{
	uint64_t x = splitmix64(rng) % total;
	size_t lo = 0, hi = nr;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].cum <= x)
			lo = mid;
		else
			hi = mid;
	}
	return r[lo].start + (x - r[lo].cum);
}

static int stack_read_mem(void *ctx, uint64_t addr, uint64_t *val)
{
	const struct bench_stack *st = ctx;
	uint64_t off = addr - st->base;

	if (addr < st->base || off > st->len - 8 || (off & 7))
		return -EFAULT;
	*val = st->slots[off / 8];
	return 0;
}

static int stack_read_reg(void *ctx, unsigned int regno, uint64_t *val)
{
	const struct bench_stack *st = ctx;

	*val = st->base + st->len / 2 + regno * 8u;
	return 0;
}

static void usage(FILE *fp, const char *prog)
{
	fprintf(fp,
		"usage: %s [-n N] [-s SEED] [-w WALKS] ELF_FILE\n"
		"  -n N      lookups to time (default 10000000)\n"
		"  -s SEED   seed of the random PCs (default 1)\n"
		"  -w WALKS  synthetic stack walks to time, up to %d steps each\n"
		"            (default N / 10; 0 skips the unwind benchmark)\n",
		prog, BENCH_WALK_FRAMES);
}

int main(int argc, char **argv)
{
	uint64_t n = 10000000, seed = 1, walks = UINT64_MAX, total = 0, rng;
	uint64_t found_fde = 0, found_fre = 0, sum = 0, *pcs, i;
	struct bench_range *ranges;
	struct sframe_section sec;
	struct sframe_error err;
	struct elf_sframe es;
	struct elf_file ef;
	size_t nr = 0;
	double t0, t1, secs;
	const char *path;
	int opt, ret;
	uint32_t k;

	while ((opt = getopt(argc, argv, "n:s:w:h")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			walks = strtoull(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind + 1 != argc || n == 0) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (walks == UINT64_MAX)
		walks = n / 10;
	path = argv[optind];

	ret = elf_file_open(&ef, path);
	if (ret) {
		fprintf(stderr, "sframe-lookup-bench: %s: %s\n", path, strerror(-ret));
		return 1;
	}
	ret = elf_find_sframe(&ef, &es);
	if (ret) {
		fprintf(stderr, "sframe-lookup-bench: %s: %s\n", path,
			ret == -ENOENT ? "no .sframe section" : strerror(-ret));
		elf_file_close(&ef);
		return 1;
	}
	ret = sframe_section_init(&sec, es.data, es.size, es.addr, &err);
	if (ret) {
		fprintf(stderr, "sframe-lookup-bench: %s: %s\n", path,
			ret == -EINVAL ? sframe_rule_desc(err.rule) : strerror(-ret));
		elf_file_close(&ef);
		return 1;
	}

	ranges = calloc(sec.num_fdes ? sec.num_fdes : 1, sizeof(*ranges));
	pcs = malloc(n * sizeof(*pcs));
	if (!ranges || !pcs) {
		fprintf(stderr, "sframe-lookup-bench: out of memory\n");
		return 1;
	}
	/* Cumulative sizes let the PC picker weigh functions by their size. */
	for (k = 0; k < sec.num_fdes; k++) {
		struct sframe_fde fde;

		if (sframe_fde_get(&sec, k, &fde, NULL) || !fde.size)
			continue;
		ranges[nr].start = fde.start;
		ranges[nr].size = fde.size;
		ranges[nr].cum = total;
		total += fde.size;
		nr++;
	}
	if (!total) {
		fprintf(stderr, "sframe-lookup-bench: %s: no FDE covers any code\n", path);
		return 1;
	}
	rng = seed;
	for (i = 0; i < n; i++)
		pcs[i] = pick_pc(ranges, nr, total, &rng);

	t0 = now_sec();
	for (i = 0; i < n; i++) {
		struct sframe_fde fde;
		struct sframe_fre fre;

		if (sframe_find_fde(&sec, pcs[i], &fde))
			continue;
		found_fde++;
		if (sframe_find_fre(&sec, &fde, pcs[i], &fre))
			continue;
		found_fre++;
		sum += fre.start + fre.raw[0];
	}
	t1 = now_sec();
	secs = t1 - t0;

	printf("file:      %s\n", path);
	printf("sframe:    version %u, %s, %" PRIu32 " FDEs, %" PRIu32
	       " FREs, %zu bytes, %" PRIu64 " bytes of code covered\n",
	       sec.version, sframe_abi_name(sec.abi), sec.num_fdes, sec.num_fres,
	       es.size, total);
	printf("lookups:   %" PRIu64 " (FDE found %" PRIu64 ", FRE found %" PRIu64
	       ", seed %" PRIu64 ", checksum %" PRIx64 ")\n",
	       n, found_fde, found_fre, seed, sum);
	printf("seconds:   %.3f\n", secs);
	printf("rate:      %.1f M lookups/s (%.1f ns/lookup)\n",
	       (double)n / secs / 1e6, secs * 1e9 / (double)n);

	if (walks) {
		struct sframe_unwind_ops ops;
		struct bench_stack st;
		uint64_t *slots, nslots = BENCH_STACK_BYTES / 8, steps = 0;
		uint64_t ok = 0, outermost = 0, stopped = 0;

		/* Every slot holds a return address into covered code, so walks
		 * go on until a saved-FP or bound check stops them. */
		slots = malloc(BENCH_STACK_BYTES);
		if (!slots) {
			fprintf(stderr, "sframe-lookup-bench: out of memory\n");
			return 1;
		}
		for (i = 0; i < nslots; i++)
			slots[i] = pick_pc(ranges, nr, total, &rng) + 1;
		st.slots = slots;
		st.base = 0x7ff000000000ull;
		st.len = BENCH_STACK_BYTES;
		memset(&ops, 0, sizeof(ops));
		ops.read_mem = stack_read_mem;
		ops.read_reg = stack_read_reg;
		ops.ctx = &st;

		t0 = now_sec();
		for (i = 0; i < walks; i++) {
			struct sframe_frame cur, next;
			unsigned int d;

			memset(&cur, 0, sizeof(cur));
			cur.pc = pcs[i % n];
			cur.sp = st.base + ((i * 4096u) % (st.len / 2));
			cur.fp = cur.sp + 256;
			cur.top = true;
			for (d = 0; d < BENCH_WALK_FRAMES; d++) {
				ret = sframe_unwind_step(&sec, &ops, &cur, &next);
				steps++;
				if (ret) {
					if (ret == SFRAME_UNWIND_OUTERMOST)
						outermost++;
					else
						stopped++;
					break;
				}
				ok++;
				sum += next.pc;
				cur = next;
			}
		}
		t1 = now_sec();
		secs = t1 - t0;
		printf("unwind:    %" PRIu64 " walks, %" PRIu64 " steps (%" PRIu64
		       " ok, %" PRIu64 " outermost, %" PRIu64 " stopped), %.3f s\n",
		       walks, steps, ok, outermost, stopped, secs);
		printf("unwind rate: %.1f M steps/s (%.1f ns/step)\n",
		       (double)steps / secs / 1e6, secs * 1e9 / (double)steps);
		free(slots);
	}

	free(pcs);
	free(ranges);
	sframe_section_exit(&sec);
	elf_file_close(&ef);
	return 0;
}
