/* fuzz-trace-dat.c: libFuzzer target for the trace-cmd trace.dat importer
 * (parsers/trace-dat.c): our own header walk, then libtracecmd in a child process,
 * fed through the same probe + import entry points `vxanalyze import` uses. */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	/* the probe sees at most the pre-read window; it must not read past it */
	(void)vx_format_trace_dat.probe(data, len < VX_INPUT_BUF ? len : VX_INPUT_BUF);
	fuzz_import(&vx_format_trace_dat, data, len);
	return 0;
}
