/*
 * `sframetrace sframe [--check] FILE...`: dump the .sframe section of ELF
 * files like `readelf --sframe`, or validate them rule by rule and say how
 * much of the executable text they describe.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sframetrace/elf.h>
#include <sframetrace/sframe.h>

#include "builtin.h"

static const char sframe_usage[] =
	"usage: sframetrace sframe [--check] [-q] FILE...\n"
	"\n"
	"    -c, --check     validate every section; exit 1 if any rule fails\n"
	"    -q, --quiet     with --check, print only failures\n"
	"    -h, --help      show the manual page\n";

enum { EXIT_INVALID = 1, EXIT_ERROR = 2 };

struct check_ctx {
	const char *path;
	unsigned int shown;
};

static void err_line(const char *path, const char *what)
{
	fprintf(stderr, "sframetrace: %s: %s\n", path, what);
}

static void section_error(const char *path, const struct sframe_error *e)
{
	char where[64] = "";

	if (e->fde != UINT32_MAX && e->fre != UINT32_MAX)
		snprintf(where, sizeof(where), " in FDE %u FRE %u", e->fde, e->fre);
	else if (e->fde != UINT32_MAX)
		snprintf(where, sizeof(where), " in FDE %u", e->fde);
	fprintf(stderr, "sframetrace: %s: .sframe: %s%s [%s]\n", path,
		sframe_rule_desc(e->rule), where, sframe_rule_name(e->rule));
}

static void report_rule(void *arg, const struct sframe_error *e)
{
	struct check_ctx *ctx = arg;

	ctx->shown++;
	printf("%s: ", ctx->path);
	if (e->fde != UINT32_MAX)
		printf("FDE %u: ", e->fde);
	if (e->fre != UINT32_MAX)
		printf("FRE %u: ", e->fre);
	printf("%s: %s\n", sframe_rule_name(e->rule), sframe_rule_desc(e->rule));
}

struct range {
	uint64_t start, end;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Bytes of [text_start, text_end) covered by at least one FDE. */
static uint64_t covered_bytes(const struct sframe_section *sec,
			      uint64_t text_start, uint64_t text_end)
{
	struct range *r = calloc(sec->num_fdes ? sec->num_fdes : 1, sizeof(*r));
	uint64_t total = 0, cur_s = 0, cur_e = 0;
	struct sframe_fde fde;
	uint32_t i, n = 0;

	if (!r)
		return 0;
	for (i = 0; i < sec->num_fdes; i++) {
		if (sframe_fde_get(sec, i, &fde, NULL))
			continue;
		r[n].start = fde.start < text_start ? text_start : fde.start;
		r[n].end = fde.start + fde.size > text_end ? text_end : fde.start + fde.size;
		if (r[n].start < r[n].end)
			n++;
	}
	qsort(r, n, sizeof(*r), cmp_range);
	for (i = 0; i < n; i++) {
		if (i == 0 || r[i].start > cur_e) {
			total += cur_e - cur_s;
			cur_s = r[i].start;
			cur_e = r[i].end;
		} else if (r[i].end > cur_e) {
			cur_e = r[i].end;
		}
	}
	total += cur_e - cur_s;
	free(r);
	return total;
}

static int check_section(const char *path, const struct elf_sframe *es,
			 const struct sframe_section *sec, bool quiet)
{
	struct check_ctx ctx = { path, 0 };
	unsigned int failures;
	uint64_t covered;

	failures = sframe_section_validate(sec, es->text_start, es->text_end,
					   report_rule, &ctx);
	if (quiet && !failures)
		return 0;
	printf("%s: SFrame V%u, %s, %u FDEs, %u FREs, %zu bytes\n", path,
	       sec->version, sframe_abi_name(sec->abi), sec->num_fdes,
	       sec->num_fres, sec->size);
	if (es->relocatable) {
		printf("%s: relocatable object: text coverage not computed\n", path);
	} else {
		covered = covered_bytes(sec, es->text_start, es->text_end);
		printf("%s: FDEs cover %" PRIu64 " of %" PRIu64
		       " bytes of executable text (%.1f%%)\n", path, covered,
		       es->exec_bytes,
		       es->exec_bytes ? 100.0 * (double)covered / (double)es->exec_bytes : 0.0);
	}
	if (failures) {
		printf("%s: INVALID: %u rule%s failed\n", path, failures,
		       failures == 1 ? "" : "s");
		return EXIT_INVALID;
	}
	printf("%s: valid\n", path);
	return 0;
}

static int do_file(const char *path, bool check, bool quiet, bool many)
{
	struct elf_file f;
	struct elf_sframe es;
	struct sframe_section sec;
	struct sframe_error e;
	int ret;

	ret = elf_file_open(&f, path);
	if (ret == -ENOEXEC) {
		err_line(path, "not an ELF file");
		return EXIT_ERROR;
	}
	if (ret) {
		err_line(path, strerror(-ret));
		return EXIT_ERROR;
	}
	ret = elf_find_sframe(&f, &es);
	if (ret) {
		err_line(path, ret == -ENOENT ? "no .sframe section"
					      : ".sframe section lies outside the file");
		elf_file_close(&f);
		return EXIT_ERROR;
	}
	ret = sframe_section_init(&sec, es.data, es.size, es.addr, &e);
	if (ret) {
		if (ret == -ENOMEM)
			err_line(path, strerror(ENOMEM));
		else
			section_error(path, &e);
		elf_file_close(&f);
		return ret == -ENOMEM ? EXIT_ERROR : EXIT_INVALID;
	}
	if (check) {
		ret = check_section(path, &es, &sec, quiet);
	} else {
		if (many)
			printf("\nFile: %s\n", path);
		printf("Contents of the SFrame section .sframe:");
		if (es.relocatable && !es.relocated)
			printf(" (relocatable object: start addresses not relocated)");
		ret = sframe_dump(&sec, stdout, &e);
		if (ret) {
			fflush(stdout);
			section_error(path, &e);
			ret = EXIT_INVALID;
		}
	}
	sframe_section_exit(&sec);
	elf_file_close(&f);
	return ret;
}

int cmd_sframe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool check = false, quiet = false;
	int c, i, worst = 0, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+cqh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			check = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			return cmd_show_help("sframe", sframe_usage);
		default:
			cmd_usage_error("sframe", sframe_usage, "unknown option '%s'", argv[optind - 1]);
			return EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		fputs(sframe_usage, stderr);
		return EXIT_ERROR;
	}
	for (i = optind; i < argc; i++) {
		ret = do_file(argv[i], check, quiet, argc - optind > 1);
		if (ret > worst)
			worst = ret;
	}
	return worst;
}
