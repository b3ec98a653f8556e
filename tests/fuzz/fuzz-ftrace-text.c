/* fuzz-ftrace-text.c: libFuzzer target for the ftrace text importer (parsers/ftrace-text.c),
 * fed through the same probe + import entry points `vxanalyze import` uses. */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	/* the probe sees at most the pre-read window; it must not read past it */
	(void)vx_format_ftrace_text.probe(data, len < VX_INPUT_BUF ? len : VX_INPUT_BUF);
	fuzz_import(&vx_format_ftrace_text, data, len);
	return 0;
}
