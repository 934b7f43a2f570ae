/*
 * sframe-unwind-check BINARY SNAPSHOT: unwind a stack snapshot written by
 * tests/fixtures/sframe/nested.c offline with the SFrame library, printing
 * one function name per frame (innermost first) on stdout.
 *
 * Why a separate program: it drives sframe_unwind_step() exactly as the
 * report-time unwinder does (registers + a copy of the stack, the section
 * relocated by the load bias), against a stack the kernel really built.
 *
 * Exit 0 when the walk ended cleanly (outermost frame, or the pc left the
 * binary's SFrame coverage, e.g. into libc), 1 on any other failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sframetrace/elf.h>
#include <sframetrace/sframe.h>

#define MAX_FRAMES 256

struct snapshot {
	uint64_t pc, sp, fp, main_addr;
	uint64_t start;
	size_t len;
	uint8_t *bytes;
};

static int snapshot_read(const char *path, struct snapshot *s)
{
	FILE *fp = fopen(path, "rb");
	char line[256];
	unsigned int seen = 0;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (!fp) {
		fprintf(stderr, "sframe-unwind-check: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		uint64_t v;
		size_t len;

		if (sscanf(line, "pc %" SCNx64, &v) == 1) {
			s->pc = v;
			seen |= 1;
		} else if (sscanf(line, "sp %" SCNx64, &v) == 1) {
			s->sp = v;
			seen |= 2;
		} else if (sscanf(line, "fp %" SCNx64, &v) == 1) {
			s->fp = v;
			seen |= 4;
		} else if (sscanf(line, "main %" SCNx64, &v) == 1) {
			s->main_addr = v;
			seen |= 8;
		} else if (sscanf(line, "stack %" SCNx64 " %zu", &v, &len) == 2) {
			s->start = v;
			s->len = len;
			seen |= 16;
			break;
		} else {
			fprintf(stderr, "sframe-unwind-check: %s: bad line: %s", path, line);
			goto out;
		}
	}
	if (seen != 31) {
		fprintf(stderr, "sframe-unwind-check: %s: incomplete header\n", path);
		goto out;
	}
	if (s->len > 1024 * 1024) {
		fprintf(stderr, "sframe-unwind-check: %s: stack too large\n", path);
		goto out;
	}
	s->bytes = malloc(s->len ? s->len : 1);
	if (!s->bytes || fread(s->bytes, 1, s->len, fp) != s->len) {
		fprintf(stderr, "sframe-unwind-check: %s: short stack copy\n", path);
		goto out;
	}
	ret = 0;
out:
	fclose(fp);
	return ret;
}

static int read_mem(void *ctx, uint64_t addr, uint64_t *val)
{
	const struct snapshot *s = ctx;

	if (addr < s->start || s->len < 8 || addr - s->start > s->len - 8)
		return -EFAULT;
	memcpy(val, s->bytes + (addr - s->start), sizeof(*val));
	return 0;
}

int main(int argc, char **argv)
{
	struct elf_file f;
	struct elf_sframe es;
	struct sframe_section sec;
	struct sframe_error err;
	struct sframe_unwind_ops ops;
	struct sframe_frame cur, next;
	struct snapshot snap;
	uint64_t main_link, bias;
	int rc, n, status = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: sframe-unwind-check BINARY SNAPSHOT\n");
		return 2;
	}
	if (snapshot_read(argv[2], &snap) != 0)
		return 2;
	rc = elf_file_open(&f, argv[1]);
	if (rc < 0) {
		fprintf(stderr, "sframe-unwind-check: %s: open: %s\n", argv[1], strerror(-rc));
		free(snap.bytes);
		return 2;
	}
	rc = elf_find_sframe(&f, &es);
	if (rc < 0) {
		fprintf(stderr, "sframe-unwind-check: %s: no SFrame data: %s\n", argv[1], strerror(-rc));
		goto close_elf;
	}
	rc = elf_symbol_addr(&f, "main", &main_link);
	if (rc < 0) {
		fprintf(stderr, "sframe-unwind-check: %s: no symbol main\n", argv[1]);
		goto close_elf;
	}
	bias = snap.main_addr - main_link;
	fprintf(stderr, "# bias 0x%" PRIx64 " sframe at 0x%" PRIx64 " size %zu\n",
		bias, es.addr + bias, es.size);

	memset(&err, 0, sizeof(err));
	rc = sframe_section_init(&sec, es.data, es.size, es.addr + bias, &err);
	if (rc < 0) {
		fprintf(stderr, "sframe-unwind-check: %s: sframe_section_init: %d (%s)\n",
			argv[1], rc, sframe_rule_name(err.rule));
		goto close_elf;
	}

	memset(&ops, 0, sizeof(ops));
	ops.read_mem = read_mem;
	ops.ctx = &snap;

	memset(&cur, 0, sizeof(cur));
	cur.pc = snap.pc;
	cur.sp = snap.sp;
	cur.fp = snap.fp;
	cur.top = true;
	cur.flags = 0;

	for (n = 0; n < MAX_FRAMES; n++) {
		uint64_t look = cur.pc - bias - ((cur.flags & SFRAME_FRAME_RETADDR) ? 1 : 0);
		const char *name = elf_symbol_at(&f, look, NULL);

		printf("%s\n", name ? name : "??");
		fprintf(stderr, "# frame %d pc 0x%" PRIx64 " sp 0x%" PRIx64 " fp 0x%" PRIx64
			" flags 0x%x %s\n", n, cur.pc, cur.sp, cur.fp, cur.flags,
			name ? name : "??");

		memset(&next, 0, sizeof(next));
		rc = sframe_unwind_step(&sec, &ops, &cur, &next);
		if (rc == SFRAME_UNWIND_OUTERMOST) {
			fprintf(stderr, "# stop: outermost frame\n");
			status = 0;
			break;
		}
		if (rc == -ENOENT) {
			fprintf(stderr, "# stop: no SFrame data for pc 0x%" PRIx64 "\n", cur.pc);
			status = 0;
			break;
		}
		if (rc != 0) {
			fprintf(stderr, "# stop: sframe_unwind_step: %d (%s) at pc 0x%" PRIx64 "\n",
				rc, strerror(rc < 0 ? -rc : rc), cur.pc);
			break;
		}
		if (next.sp <= cur.sp && next.pc == cur.pc) {
			fprintf(stderr, "# stop: no progress at pc 0x%" PRIx64 "\n", cur.pc);
			break;
		}
		cur = next;
	}
	if (n == MAX_FRAMES)
		fprintf(stderr, "# stop: more than %d frames\n", MAX_FRAMES);
	fflush(stdout);

	sframe_section_exit(&sec);
close_elf:
	elf_file_close(&f);
	free(snap.bytes);
	return status;
}
