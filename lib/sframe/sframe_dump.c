/*
 * Text dump of an SFrame section in the layout of binutils 2.46
 * `readelf --sframe`, so the two can be compared line by line. V1 sections
 * (which 2.46 no longer reads) are shown in the same layout.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "sframe_internal.h"

static void dump_flags(const struct sframe_section *sec, FILE *out)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = {
		{ SFRAME_F_FDE_SORTED, "SFRAME_F_FDE_SORTED" },
		{ SFRAME_F_FRAME_POINTER, "SFRAME_F_FRAME_POINTER" },
		{ SFRAME_F_FDE_FUNC_START_PCREL, "SFRAME_F_FDE_FUNC_START_PCREL" },
	};
	const char *prefix = "Flags: ";
	uint8_t flags = sec->flags;
	size_t i;

	if (!flags) {
		fprintf(out, "%11sNONE\n", prefix);
		return;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		flags &= ~names[i].bit;
		fprintf(out, "%11s%s%s\n", prefix, names[i].name, flags ? "," : "");
		prefix = " ";
	}
	if (flags)
		fprintf(out, "%11s%d\n", prefix, flags);
}

static void dump_header(const struct sframe_section *sec, FILE *out)
{
	fprintf(out, "\n  Header :\n\n    Version: SFRAME_VERSION_%u\n", sec->version);
	dump_flags(sec, out);
	if (sec->cfa_fixed_fp_offset)
		fprintf(out, "    CFA fixed FP offset: %d\n", sec->cfa_fixed_fp_offset);
	if (sec->cfa_fixed_ra_offset)
		fprintf(out, "    CFA fixed RA offset: %d\n", sec->cfa_fixed_ra_offset);
	fprintf(out, "    Num FDEs: %d\n", (int)sec->num_fdes);
	fprintf(out, "    Num FREs: %d\n", (int)sec->num_fres);
}

static const char *reg_name(uint8_t abi, unsigned int reg, char *buf, size_t len)
{
	unsigned int sp, fp;

	switch (abi) {
	case SFRAME_ABI_AMD64_ENDIAN_LITTLE:
		sp = SFRAME_AMD64_REG_SP, fp = SFRAME_AMD64_REG_FP;
		break;
	case SFRAME_ABI_S390X_ENDIAN_BIG:
		sp = SFRAME_S390X_REG_SP, fp = SFRAME_S390X_REG_FP;
		break;
	default:
		sp = SFRAME_AARCH64_REG_SP, fp = SFRAME_AARCH64_REG_FP;
		break;
	}
	if (reg == sp)
		return "sp";
	if (reg == fp)
		return "fp";
	snprintf(buf, len, "r%u", reg);
	return buf;
}

static void fmt_loc(char *buf, size_t len, uint8_t abi, uint32_t ctrl,
		    int32_t offset)
{
	char tmp[16];
	const char *base = "c";

	if (ctrl & SFRAME_FLEX_REG_P)
		base = reg_name(abi, SFRAME_FLEX_REGNUM(ctrl), tmp, sizeof(tmp));
	snprintf(buf, len, (ctrl & SFRAME_FLEX_DEREF_P) ? "(%s%+d)" : "%s%+d",
		 base, offset);
}

static void dump_row_default(const struct sframe_section *sec,
			     const struct sframe_fre *fre,
			     const struct sframe_rules *r, FILE *out)
{
	bool s390x_v2 = sec->abi == SFRAME_ABI_S390X_ENDIAN_BIG &&
			sec->version == SFRAME_VERSION_2;
	char cfa[32], fp[32], ra[40];

	snprintf(cfa, sizeof(cfa), "%s+%" PRId64,
		 fre->base_reg == SFRAME_BASE_REG_SP ? "sp" : "fp", r->cfa.offset);
	if (!r->fp.present)
		snprintf(fp, sizeof(fp), "u");
	else if (s390x_v2 && r->fp.reg >= 0)
		snprintf(fp, sizeof(fp), "r%d", r->fp.reg);
	else
		snprintf(fp, sizeof(fp), "c%+" PRId64, r->fp.offset);
	if (sec->cfa_fixed_ra_offset)
		snprintf(ra, sizeof(ra), "f");
	else if (r->ra_in_reg_unchanged)
		snprintf(ra, sizeof(ra), "U");
	else if (!r->ra.present)
		snprintf(ra, sizeof(ra), "u");
	else if (s390x_v2 && r->ra.reg >= 0)
		snprintf(ra, sizeof(ra), "r%d", r->ra.reg);
	else
		snprintf(ra, sizeof(ra), "c%+" PRId64, r->ra.offset);
	snprintf(ra + strlen(ra), sizeof(ra) - strlen(ra), "%s",
		 fre->mangled_ra ? "[s]" : "   ");
	fprintf(out, "  %-10s%-10s%-13s", cfa, fp, ra);
}

static void dump_row_flex(const struct sframe_section *sec,
			  const struct sframe_fre *fre, FILE *out)
{
	unsigned int n = fre->dw_count, fp_idx = 4;
	char cfa[48], fp[48], ra[56];

	fmt_loc(cfa, sizeof(cfa), sec->abi, fre->raw[0], sframe_fre_sdata(fre, 1));
	if (n <= 2) {
		snprintf(ra, sizeof(ra), sec->cfa_fixed_ra_offset ? "f" : "u");
	} else if (fre->raw[2] == 0) {
		snprintf(ra, sizeof(ra), "U");
		fp_idx = 3;
	} else {
		fmt_loc(ra, sizeof(ra), sec->abi, fre->raw[2], sframe_fre_sdata(fre, 3));
	}
	if (n > fp_idx + 1)
		fmt_loc(fp, sizeof(fp), sec->abi, fre->raw[fp_idx],
			sframe_fre_sdata(fre, fp_idx + 1));
	else
		snprintf(fp, sizeof(fp), "u");
	snprintf(ra + strlen(ra), sizeof(ra) - strlen(ra), "%s",
		 fre->mangled_ra ? "[s]" : "   ");
	fprintf(out, "  %-10s%-10s%-13s", cfa, fp, ra);
}

static int dump_function(const struct sframe_section *sec, uint32_t idx,
			 FILE *out, struct sframe_error *err)
{
	bool aarch64 = sec->abi == SFRAME_ABI_AARCH64_ENDIAN_BIG ||
		       sec->abi == SFRAME_ABI_AARCH64_ENDIAN_LITTLE;
	struct sframe_fde fde;
	struct sframe_fre fre;
	struct sframe_rules r;
	uint32_t j, off;
	bool mask;
	int ret;

	ret = sframe_fde_get(sec, idx, &fde, err);
	if (ret)
		return ret;
	fprintf(out, "\n    func idx [%u]: pc = 0x%" PRIx64 ", size = %d bytes",
		idx, fde.start, (int)fde.size);
	if (fde.signal || fde.fde_type == SFRAME_FDE_TYPE_FLEX)
		fprintf(out, ", attr = \"%s%s\"", fde.signal ? "S" : "",
			fde.fde_type == SFRAME_FDE_TYPE_FLEX ? "F" : "");
	if (aarch64 && fde.pauth_key)
		fprintf(out, ", pauth = B key");
	mask = fde.pctype == SFRAME_PCTYPE_MASK;
	fprintf(out, "\n    %-7s%-8s %-10s%-10s%-13s", "STARTPC",
		mask ? "[m]" : "   ", "CFA", "FP", "RA");
	off = fde.fre_off;
	for (j = 0; j < fde.num_fres; j++, off += fre.len) {
		ret = sframe_fre_decode(sec, &fde, off, &fre, err);
		if (ret) {
			err->fre = j;
			return ret;
		}
		fprintf(out, "\n    %016" PRIx64,
			mask ? (uint64_t)fre.start : fde.start + fre.start);
		if (fre.dw_count == 0 && sec->version != SFRAME_VERSION_1) {
			fprintf(out, "  RA undefined");
			continue;
		}
		if (fde.fde_type == SFRAME_FDE_TYPE_FLEX) {
			dump_row_flex(sec, &fre, out);
			continue;
		}
		if (sframe_fre_rules(sec, &fde, &fre, &r)) {
			sf_set_err(err, sframe_fre_check_words(sec, &fde, &fre), idx, j);
			return -EINVAL;
		}
		dump_row_default(sec, &fre, &r, out);
	}
	fputc('\n', out);
	return 0;
}

int sframe_dump(const struct sframe_section *sec, FILE *out,
		struct sframe_error *err)
{
	uint32_t i;
	int ret;

	dump_header(sec, out);
	fprintf(out, "\n  Function Index :\n");
	for (i = 0; i < sec->num_fdes; i++) {
		ret = dump_function(sec, i, out, err);
		if (ret)
			return ret;
	}
	return 0;
}
