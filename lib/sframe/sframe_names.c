/*
 * Human-readable names for validation rules and ABIs, used by
 * `sframetrace sframe --check` and by error messages.
 */
#include "sframe_internal.h"

static const struct {
	const char *name;
	const char *desc;
} rules[SFRAME_RULE_COUNT] = {
	[SFRAME_OK] = { "ok", "no error" },
	[SFRAME_E_HDR_TRUNCATED] = { "hdr-truncated", "section is shorter than the SFrame header" },
	[SFRAME_E_MAGIC] = { "magic", "bad magic number (not an SFrame section)" },
	[SFRAME_E_VERSION] = { "version", "unknown SFrame version" },
	[SFRAME_E_FLAGS] = { "flags", "flag bits undefined for this version are set" },
	[SFRAME_E_ABI] = { "abi", "unknown ABI/arch identifier" },
	[SFRAME_E_ENDIAN] = { "endian", "byte order of the magic disagrees with the ABI" },
	[SFRAME_E_AUXHDR] = { "auxhdr", "auxiliary header runs past the end of the section" },
	[SFRAME_E_FDE_SUBSEC] = { "fde-subsection", "FDE sub-section lies outside the section" },
	[SFRAME_E_FRE_SUBSEC] = { "fre-subsection", "FRE sub-section lies outside the section" },
	[SFRAME_E_SUBSEC_OVERLAP] = { "subsection-overlap", "FDE and FRE sub-sections overlap" },
	[SFRAME_E_FDE_FRE_OFF] = { "fde-fre-offset", "FDE's FRE data starts outside the FRE sub-section" },
	[SFRAME_E_FDE_RESERVED] = { "fde-reserved", "reserved FDE info bits are set" },
	[SFRAME_E_FDE_FRE_TYPE] = { "fde-fre-type", "unknown FRE type in FDE info" },
	[SFRAME_E_FDE_TYPE] = { "fde-type", "unknown FDE type" },
	[SFRAME_E_FDE_REP_SIZE] = { "fde-rep-size", "PCTYPE_MASK FDE with a zero repetition size" },
	[SFRAME_E_FDE_NUM_FRES] = { "fde-num-fres", "more FREs than bytes in the function" },
	[SFRAME_E_FDE_TEXT_RANGE] = { "fde-text-range", "function lies outside the executable text" },
	[SFRAME_E_FDE_ADDR_WRAP] = { "fde-addr-wrap", "function start + size overflows the address space" },
	[SFRAME_E_FDE_UNSORTED] = { "fde-unsorted", "FDEs are not sorted although the section says so" },
	[SFRAME_E_FDE_OVERLAP] = { "fde-overlap", "function PC ranges overlap" },
	[SFRAME_E_FDE_OUTERMOST] = { "fde-no-fres", "FDE without FREs (only V3 may mark outermost frames so)" },
	[SFRAME_E_FRE_BOUNDS] = { "fre-bounds", "FRE runs past the end of the FRE sub-section" },
	[SFRAME_E_FRE_START] = { "fre-start", "FRE start address outside the function (or repetition block)" },
	[SFRAME_E_FRE_ORDER] = { "fre-order", "FRE start addresses are not strictly increasing" },
	[SFRAME_E_FRE_DW_SIZE] = { "fre-dataword-size", "invalid FRE data word size" },
	[SFRAME_E_FRE_DW_COUNT] = { "fre-dataword-count", "FRE data word count impossible for this ABI and FDE type" },
	[SFRAME_E_FRE_MANGLED_RA] = { "fre-mangled-ra", "mangled-RA bit set outside AArch64" },
	[SFRAME_E_FRE_FLEX_RESERVED] = { "fre-flex-reserved", "reserved bit set in a flexible FDE control word" },
	[SFRAME_E_FRE_FLEX_CFA] = { "fre-flex-cfa", "flexible CFA rule without a base register" },
	[SFRAME_E_NUM_FRES] = { "num-fres", "header FRE count differs from the sum of the FDEs' counts" },
	[SFRAME_E_FRE_LEN] = { "fre-len", "FRE data does not end at the FRE sub-section length" },
	[SFRAME_E_NO_FDE] = { "no-fde", "no FDE covers the address" },
	[SFRAME_E_NO_FRE] = { "no-fre", "no FRE covers the address" },
};

const char *sframe_rule_name(enum sframe_rule rule)
{
	if ((unsigned int)rule >= SFRAME_RULE_COUNT)
		return "unknown";
	return rules[rule].name;
}

const char *sframe_rule_desc(enum sframe_rule rule)
{
	if ((unsigned int)rule >= SFRAME_RULE_COUNT)
		return "unknown rule";
	return rules[rule].desc;
}

const char *sframe_abi_name(uint8_t abi)
{
	switch (abi) {
	case SFRAME_ABI_AARCH64_ENDIAN_BIG:
		return "AArch64 (big-endian)";
	case SFRAME_ABI_AARCH64_ENDIAN_LITTLE:
		return "AArch64 (little-endian)";
	case SFRAME_ABI_AMD64_ENDIAN_LITTLE:
		return "AMD64";
	case SFRAME_ABI_S390X_ENDIAN_BIG:
		return "s390x";
	default:
		return "unknown";
	}
}
