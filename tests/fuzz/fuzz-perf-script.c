/* fuzz-perf-script.c: libFuzzer target for the perf script text importer (parsers/perf-script.c),
 * fed through the same probe + import entry points `vxanalyze import` uses. */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	/* the probe sees at most the pre-read window; it must not read past it */
	(void)vx_format_perf_script.probe(data, len < VX_INPUT_BUF ? len : VX_INPUT_BUF);
	fuzz_import(&vx_format_perf_script, data, len);
	return 0;
}
