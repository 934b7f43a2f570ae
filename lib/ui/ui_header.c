/*
 * `report --header`: the recording's metadata from the feature sections,
 * as perf prints it ("# key : value" between "# ========" rules).
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "sframetrace/data.h"
#include "sframetrace/ui.h"

void ui_print_header_info(FILE *fp, const struct data_reader_info *in, const char *path,
			  uint64_t data_offset, uint64_t data_size)
{
	struct stat st;

	fputs("# ========\n", fp);
	if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		char when[64];

		strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", localtime(&st.st_mtime));
		fprintf(fp, "# captured on    : %s\n", when);
	}
	fputs("# header version : 1\n", fp);
	fprintf(fp, "# data offset    : %" PRIu64 "\n", data_offset);
	fprintf(fp, "# data size      : %" PRIu64 "\n", data_size);
	if (in->hostname)
		fprintf(fp, "# hostname : %s\n", in->hostname);
	if (in->osrelease)
		fprintf(fp, "# os release : %s\n", in->osrelease);
	if (in->version)
		fprintf(fp, "# perf version : %s\n", in->version);
	if (in->arch)
		fprintf(fp, "# arch : %s\n", in->arch);
	if (in->nr_cpus_online || in->nr_cpus_avail) {
		fprintf(fp, "# nrcpus online : %u\n", in->nr_cpus_online);
		fprintf(fp, "# nrcpus avail : %u\n", in->nr_cpus_avail);
	}
	if (in->cpudesc)
		fprintf(fp, "# cpudesc : %s\n", in->cpudesc);
	if (in->cpuid)
		fprintf(fp, "# cpuid : %s\n", in->cpuid);
	if (in->total_mem)
		fprintf(fp, "# total memory : %" PRIu64 " kB\n", in->total_mem);
	if (in->nr_cmdline) {
		fputs("# cmdline :", fp);
		for (size_t i = 0; i < in->nr_cmdline; i++)
			fprintf(fp, " %s", in->cmdline[i] ? in->cmdline[i] : "");
		fputc('\n', fp);
	}
	if (in->has_sample_time && in->sample_last >= in->sample_first)
		fprintf(fp, "# sample duration : %10.3f ms\n",
			(double)(in->sample_last - in->sample_first) / 1e6);
	if (in->nr_unknown_features)
		fprintf(fp, "# %zu feature section(s) not shown\n", in->nr_unknown_features);
	fputs("# ========\n#\n", fp);
}
