/* fuzz-common.h: what every libFuzzer target shares: a sink that checks the invariants
 * every producer promises (see model.h) and crashes loudly when one is broken, an input
 * built over the fuzz bytes, and an occasional pass through a real in-memory store with
 * analysis and every renderer. Must not: print (libFuzzer owns stdout/stderr), or keep
 * state between inputs apart from counters.
 */
#ifndef VX_FUZZ_COMMON_H
#define VX_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/format.h"

/*
 * fuzz_input_open - a struct vx_input over @len bytes at @data: the bytes are written to a
 * memfd and opened through /proc/self/fd, so the input is a seekable regular file, exactly
 * like a capture on disk (parsers that mmap, seek or reopen the path see the same thing).
 * Close with vx_input_close() then fuzz_input_done(). Aborts when the memfd cannot be made.
 */
struct vx_input *fuzz_input_open(const uint8_t *data, size_t len);
/* fuzz_input_open_pipe - the same over a pipe fed by a thread (standard input's case);
 * fuzz_input_done() joins the thread after vx_input_close() */
struct vx_input *fuzz_input_open_pipe(const uint8_t *data, size_t len);
void fuzz_input_done(void);

/*
 * fuzz_import - run @fmt's import over @data into the checking sink (with --kallsyms
 * samples/vxlan-ping.kallsyms for 15 inputs in 16, so that perf.data rarely reads the
 * running kernel's /proc/kallsyms, which costs a hundred parses); when @data's hash
 * selects it (1 input in 16), import it once more into a fresh in-memory store, commit,
 * load it back, run the analysis and every renderer (to /dev/null), so that what a parser
 * accepts is also fed to everything downstream.
 */
void fuzz_import(const struct vx_format *fmt, const uint8_t *data, size_t len);

/* fuzz_check_event - abort() unless @ev keeps the producer contract of model.h */
void fuzz_check_event(const struct vx_event *ev);

#endif
