/* fuzz-perf-data.c: libFuzzer target for the perf.data importer (parsers/perf-data.c): file mode, pipe mode and zstd records,
 * fed through the same probe + import entry points `vxanalyze import` uses. */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	/* the probe sees at most the pre-read window; it must not read past it */
	(void)vx_format_perf_data.probe(data, len < VX_INPUT_BUF ? len : VX_INPUT_BUF);
	fuzz_import(&vx_format_perf_data, data, len);
	return 0;
}
