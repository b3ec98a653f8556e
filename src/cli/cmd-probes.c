/* cmd-probes.c: `vxanalyze probes`: what this kernel offers to `record`: tracefs mounted or
 * mountable, kprobes yes/no, which of the requested functions and tracepoints exist.
 * Prints only; the inspection itself is vx_kernel_probe() in record.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/error.h"
#include "help.h"
#include "record/record.h"
#include "record/record-btf.h"
#include "core/xalloc.h"

static const struct vx_opt_doc probes_opts[] = {
	{ .key = VX_OPT_LONG(1), .name = "preset", .arg = "NAME",
	  .help = "vxlan, route, all or none (default all), as for record",
	  .complete = VX_COMPLETE_WORDS, .words = "vxlan route all none" },
	{ .key = VX_OPT_LONG(2), .name = "probe", .arg = "FUNC",
	  .help = "also check kernel function FUNC (repeatable)" },
	{ .key = 'e', .name = "event", .arg = "S:E",
	  .help = "also check tracepoint SYSTEM:EVENT (repeatable)" },
	{ 0 },
};

const struct vx_cmd_doc vx_doc_probes = {
	.name = "probes",
	.summary = "show what this kernel offers for recording (tracefs, kprobes, events)",
	.synopsis = "[--preset vxlan|route|all|none] [--probe FUNC]... [-e SYSTEM:EVENT]...",
	.description =
		"Tells what `vxanalyze record` can use on this kernel: tracefs (mounted, or mountable:\n"
		"it is mounted when root), kprobes, and for the same preset / --probe / -e arguments as\n"
		"record, which functions and tracepoints exist. Default preset: all.\n",
	.opts = probes_opts,
};

/* what the kernel's BTF says of struct sk_buff: the offsets packet headers are read through */
static void print_btf(void)
{
	struct vx_skb_layout l;

	if (vx_skb_layout_load(NULL, &l) < 0) {
		printf("btf:        no (%s)\n", vx_error_msg());
		return;
	}
	printf("btf:        yes: sk_buff (%d bytes) data +%d head +%d len +%d dev +%d network_header +%d "
	       "(%d bytes) transport_header +%d mac_header +%d; net_device name +%d\n", l.sk_buff_size,
	       l.data, l.head, l.len, l.dev, l.network_header, l.header_size, l.transport_header,
	       l.mac_header, l.dev_name);
}

int cmd_probes(int argc, char **argv)
{
	struct vx_record_opts o = { .preset = "all" };
	struct vx_kernel_info ki;
	const char **probes = NULL, **events = NULL;
	size_t probes_cap = 0, events_cap = 0;
	int c, ret = 1;

	optind = 1;
	while ((c = vx_getopt(&vx_doc_probes, argc, argv)) != -1) {
		const char ***list = c == VX_OPT_LONG(2) ? &probes : &events;
		size_t *n = c == VX_OPT_LONG(2) ? &o.nprobes : &o.nevents;
		size_t *cap = c == VX_OPT_LONG(2) ? &probes_cap : &events_cap;

		switch (c) {
		case VX_OPT_LONG(1):
			o.preset = optarg;
			break;
		case VX_OPT_LONG(2):
		case 'e':
			VX_GROW(*list, *n, *cap);
			(*list)[(*n)++] = optarg;
			break;
		case 'h':
			vx_help_write(&vx_doc_probes, stdout);
			ret = 0;
			goto out;
		default:
			ret = vx_usage_error(&vx_doc_probes);
			goto out;
		}
	}
	if (optind < argc) {
		vx_die_msg("probes: unexpected argument '%s'", argv[optind]);
		ret = vx_usage_error(&vx_doc_probes);
		goto out;
	}
	o.probes = probes;
	o.events = events;
	if (vx_kernel_probe(&o, true, &ki) < 0) {
		vx_report_error();
		goto out;
	}
	printf("root:       %s\n", ki.root ? "yes" : "no (record needs root)");
	printf("tracefs:    %s\n", ki.tracefs_mounted ? "mounted" :
				   ki.tracefs_mountable ? "mountable (mounted it now)" :
				   ki.root ? "not mountable" : "not mounted (mountable only as root)");
	if (ki.tracefs_path)
		printf("tracefs at: %s\n", ki.tracefs_path);
	printf("kprobes:    %s\n", ki.kprobes ? "yes (kprobe_events present)" :
				   "no (no kprobe_events: record uses tracepoints only)");
	if (ki.perf_usable)
		printf("perf:       perf_event_open available (record's default backend)\n");
	else
		printf("perf:       no: %s (record uses the ftrace backend)\n", ki.perf_why);
	print_btf();
	fputs(ki.report.buf, stdout);
	vx_kernel_info_release(&ki);
	ret = 0;
out:
	free(probes);
	free(events);
	return ret;
}
