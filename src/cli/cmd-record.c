/* cmd-record.c: `vxanalyze record`: record a command's run live (src/record/record.c) into a new
 * capture of the database, then print a summary. Owns option parsing and messages only;
 * what the kernel is asked to do lives in record.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "core/error.h"
#include "help.h"
#include "progress.h"
#include "record/record.h"
#include "record/record-btf.h"
#include "store/store.h"
#include "app/capture-filter.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "report/filter.h"

static const struct vx_opt_doc record_opts[] = {
	{ .key = 'd', .name = "db", .arg = "DB",
	  .help = "database (default " VX_DEFAULT_DB ")", .complete = VX_COMPLETE_FILE },
	{ .key = VX_OPT_LONG(1), .name = "preset", .arg = "NAME",
	  .help = "vxlan: kprobes iptunnel_xmit, ip_output (skb, len) + net/skb\n"
	  "tracepoints; route: kprobes fib_check_nh, netlink_recvmsg,\n"
	  "kretprobe fib_check_nh + fib/netlink tracepoints; all: both;\n"
	  "none: only what --probe / -e ask for (default vxlan)",
	  .complete = VX_COMPLETE_WORDS, .words = "vxlan route all none" },
	{ .key = VX_OPT_LONG(2), .name = "probe", .arg = "FUNC",
	  .help = "also place a kprobe on kernel function FUNC (repeatable)" },
	{ .key = 'e', .name = "event", .arg = "S:E",
	  .help = "also record tracepoint SYSTEM:EVENT (repeatable)" },
	{ .key = VX_OPT_LONG(3), .name = "backend", .arg = "B",
	  .help = "perf (perf_event_open; the default where it is usable),\n"
	  "ftrace (a private tracefs instance; the default elsewhere)",
	  .complete = VX_COMPLETE_WORDS, .words = "perf ftrace" },
	{ .key = VX_OPT_LONG(4), .name = "dev", .arg = "GLOB",
	  .help = "record net:* events only for devices matching GLOB (in the\n"
	  "kernel with ftrace, when decoding with perf)" },
	{ .key = VX_OPT_LONG(6), .name = "filter", .arg = "EXPR",
	  .help = "store only the journeys that match EXPR (the grammar of\n"
	  "report --filter); the other events are counted as filtered" },
	{ .key = VX_OPT_LONG(7), .name = "snaplen", .arg = "N",
	  .help = "read the first N bytes of the packet at every kprobe hop\n"
	  "that holds an skb (0 to 512; default 128 where the kernel\n"
	  "has kprobes and BTF, 0: none): report --format pcapng\n"
	  "writes them for Wireshark" },
	{ .key = VX_OPT_LONG(5), .name = "buffer-kb", .arg = "N",
	  .help = "ring buffer per CPU, both backends (default: 64 MiB split over\n"
	  "the CPUs, 4 to 32 MiB per CPU, a power of two; see below)" },
	{ 0 },
};

const struct vx_cmd_doc vx_doc_record = {
	.name = "record",
	.summary = "run a command while recording its kernel paths live (root)",
	.synopsis = "[-d DB] [--preset vxlan|route|all|none] [--probe FUNC]...\n"
		    "[-e SYSTEM:EVENT]... [--backend perf|ftrace] [--dev GLOB]\n"
		    "[--filter EXPR] [--snaplen N] [--buffer-kb N] -- CMD [ARGS]",
	.description =
		"Runs CMD while recording the preset's kprobes and tracepoints with kernel stacks\n"
		"(needs root), stores them as a new capture and restores the kernel afterwards.\n"
		"\n"
		"While CMD runs, the raw ring-buffer contents are only moved into a private spool\n"
		"directory ($TMPDIR or /tmp, vxanalyze-<pid>.*); they are decoded and stored after CMD\n"
		"ends, and the spool is removed. The default backend is perf (perf_event_open, as perf\n"
		"record does) where this process may open system-wide perf events, else ftrace (said\n"
		"once on stderr with the reason); both record the same events. The default ring is\n"
		"sized so that a 2-CPU machine gets 32 MiB per CPU: enough for a 3 s ping flood across\n"
		"the VXLAN lab with the drain every 10 ms; events still lost are counted per CPU\n"
		"(summary and capture meta lost_cpuN).\n"
		"Without kprobes in the kernel the tracepoints are recorded alone (said once on stderr).\n"
		"With kprobes and the kernel's BTF, each kprobe hop that holds an skb (ip_output,\n"
		"ip_rcv_core, iptunnel_xmit, ip6_output, ip6_rcv_core) also reads the first --snaplen\n"
		"bytes at skb->data (default 128) and where the network and MAC headers are: report\n"
		"--format pcapng hands them to Wireshark. Tracepoints carry no packet bytes.\n"
		"Ctrl-C (SIGINT) or SIGTERM is passed to CMD; what was recorded is kept. The exit\n"
		"status is 0 when the recording worked (CMD's own status is printed), 1 when it failed,\n"
		"2 for a usage error.\n"
		"\n"
		"While CMD runs, a status line on the terminal's last row shows the events captured\n"
		"and lost so far, every 0.5 s: CMD's output scrolls above it (the rest of the screen\n"
		"is a scrolling region), and the row is cleared when CMD ends. ftrace counts the\n"
		"events the kernel wrote into the instance's rings (half the ring entries: each event\n"
		"comes with its stack) and the events lost to overrun (halved the same way); perf\n"
		"counts the samples and the lost records moved into the spool. Only when standard\n"
		"error is a terminal of 4 rows or more, never with -q.\n"
		"\n"
		"--filter EXPR keeps only the journeys that match EXPR in the store: after the\n"
		"recording, before the capture is committed, the journeys are formed as report forms\n"
		"them and the events of those that do not match (one-event journeys included) are\n"
		"removed; their number is printed and kept as capture meta filtered, apart from the\n"
		"events lost. Events without an skb address (route lookups) are kept. Nothing is\n"
		"filtered in the kernel: a journey's hops on other devices or without headers are part\n"
		"of it, so no tracefs event filter can say which events belong to a matching journey\n"
		"(--dev filters per event, in the kernel with the ftrace backend).\n",
	.opts = record_opts,
	.stop_at_operand = true,
	.operands = VX_COMPLETE_COMMAND,
};

struct names {
	const char **v;
	size_t n, cap;
};

static void names_add(struct names *l, const char *s)
{
	VX_GROW(l->v, l->n, l->cap);
	l->v[l->n++] = s;
}

static void print_note(void *ctx, const char *msg)
{
	if (vx_verbosity < 0)
		return;
	fprintf(stderr, "vxanalyze: %s\n", msg);
}

/* print_lost - "lost events: N (cpu0=A cpu1=B)" */
static void print_lost(uint64_t total, const struct vx_record_result *res)
{
	printf("lost events: %llu", (unsigned long long)total);
	for (size_t c = 0; c < res->ncpus; c++)
		printf("%scpu%zu=%llu", c ? " " : " (", c, (unsigned long long)res->lost_cpu[c]);
	printf("%s\n", res->ncpus ? ")" : "");
}

/* show_status - the live status line while the command runs (ctx: the status line) */
static void show_status(void *ctx, const struct vx_record_status *st)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "vxanalyze record: ");
	if (st->events_known)
		strbuf_addf(&sb, "%llu events, %llu lost, ", (unsigned long long)st->events,
			    (unsigned long long)st->lost);
	strbuf_addf(&sb, "%.1f MiB spooled, %.1f s", st->spooled_bytes / 1048576.0, st->seconds);
	vx_status_line_show(ctx, sb.buf);
	strbuf_release(&sb);
}

static void describe_status(struct strbuf *sb, const struct vx_record_result *res)
{
	if (!res->cmd_started)
		strbuf_addstr(sb, "not started");
	else if (WIFEXITED(res->cmd_status))
		strbuf_addf(sb, "exit status %d", WEXITSTATUS(res->cmd_status));
	else if (WIFSIGNALED(res->cmd_status))
		strbuf_addf(sb, "killed by signal %d (%s)", WTERMSIG(res->cmd_status),
			    strsignal(WTERMSIG(res->cmd_status)));
	else
		strbuf_addstr(sb, "unknown status");
}

/* what a recording left in the store, for the summary */
struct record_outcome {
	int64_t id;
	uint64_t stored, lost;
	const char *filter_expr;	/* --filter, NULL without one */
	const struct vx_filter *filter;
	uint64_t filtered;	/* events of the journeys it left out */
	struct strbuf status;	/* the command's exit status in words */
};

/*
 * record_into_store - phase 2 of cmd_record: run the recording of @o into a new capture of
 * @db named after @cmd, committed when it worked, rolled back when not; with @out->filter,
 * the journeys that do not match are removed before the commit. 0 or -1 (reported).
 */
static int record_into_store(struct vx_record_opts *o, const char *db, char **cmd,
			     struct vx_record_result *res, struct record_outcome *out)
{
	struct strbuf source = STRBUF_INIT;
	struct vx_status_line *line;
	struct vx_store *st;
	struct vx_sink *sink;
	int ret = -1, rec;

	strbuf_addstr(&source, "record:");
	for (int i = 0; cmd[i]; i++)
		strbuf_addf(&source, " %s", cmd[i]);
	st = store_open(db, false);
	if (!st) {
		vx_report_error();
		goto out;
	}
	sink = store_import_begin(st, source.buf, o->backend == VX_BACKEND_PERF ? "record-perf" : "record-ftrace");
	if (!sink) {
		vx_report_error();
		goto out;
	}
	vx_info("recording %s with the %s backend into %s", source.buf + strlen("record: "),
		o->backend == VX_BACKEND_PERF ? "perf" : "ftrace", db);
	/* a live status line on the terminal's last row while the command runs (progress.h) */
	line = vx_status_line_new();
	if (line) {
		o->status = show_status;
		o->status_ctx = line;
	}
	rec = vx_record(o, sink, res);
	vx_status_line_end(line);
	if (rec < 0) {
		describe_status(&out->status, res);
		vx_report_error();
		store_import_rollback(st);
		if (res->cmd_started)
			fprintf(stderr, "vxanalyze: command %s: %s; nothing was stored\n", cmd[0], out->status.buf);
		goto out;
	}
	describe_status(&out->status, res);
	/* the sink belongs to the store and is gone after the commit: keep its counters */
	out->stored = sink->events;
	out->lost = sink->lost_events;
	if (out->filter) {
		if (store_import_flush(st, &out->id) < 0) {
			vx_report_error();
			goto out;
		}
		if (vx_capture_filter(st, out->id, out->filter_expr, out->filter, &out->filtered) < 0) {
			vx_report_error();
			store_import_rollback(st);
			goto out;
		}
		out->stored -= out->filtered;
	}
	if (store_import_commit(st, &out->id) < 0) {
		vx_report_error();
		goto out;
	}
	ret = 0;
out:
	if (st)
		store_close(st);
	strbuf_release(&source);
	return ret;
}

/* phase 3 of cmd_record: what was stored and lost, the command's status and the warnings */
static void record_summary(const struct vx_record_opts *o, const char *db, const char *cmd,
			   const struct vx_record_result *res, const struct record_outcome *out)
{
	printf("capture %lld: %llu events (%s backend, %s%zu tracepoints) stored in %s\n", (long long)out->id,
	       (unsigned long long)out->stored, o->backend == VX_BACKEND_PERF ? "perf" : "ftrace",
	       res->kprobes ? "kprobes + " : "", res->ntracepoints, db);
	print_lost(out->lost, res);
	if (out->filter)
		printf("filtered events: %llu (journeys not matching '%s')\n", (unsigned long long)out->filtered,
		       out->filter_expr);
	printf("command: %s: %s\n", cmd, out->status.buf);
	if (out->lost)
		vx_warn("%llu events were lost (ring buffer overrun): enlarge the ring with --buffer-kb "
			"(now %u KiB per CPU)", (unsigned long long)out->lost,
			o->buffer_kb ? o->buffer_kb : vx_record_default_buffer_kb(0));
	if (res->signal)
		vx_warn("interrupted by %s: kept what was recorded until then", strsignal(res->signal));
	if (res->cmd_started && !(WIFEXITED(res->cmd_status) && WEXITSTATUS(res->cmd_status) == 0) &&
	    !res->signal)
		vx_warn("command %s failed (%s); its events are stored", cmd, out->status.buf);
}

/* what the command line asks for */
struct record_args {
	struct vx_record_opts o;
	bool backend_given;
	struct names probes, events;
	const char *db, *filter_expr;
};

/* the options into @a; -1 to go on, else the exit status (help printed: 0, usage: 2) */
static int record_parse(int argc, char **argv, struct record_args *a)
{
	int c;

	optind = 1;
	while ((c = vx_getopt(&vx_doc_record, argc, argv)) != -1) {
		switch (c) {
		case 'd':
			a->db = optarg;
			break;
		case VX_OPT_LONG(1):
			a->o.preset = optarg;
			break;
		case VX_OPT_LONG(2):
			names_add(&a->probes, optarg);
			break;
		case 'e':
			names_add(&a->events, optarg);
			break;
		case VX_OPT_LONG(3):
			a->backend_given = true;
			if (!strcmp(optarg, "ftrace"))
				a->o.backend = VX_BACKEND_FTRACE;
			else if (!strcmp(optarg, "perf"))
				a->o.backend = VX_BACKEND_PERF;
			else {
				vx_die_msg("--backend '%s': choose ftrace or perf", optarg);
				return vx_usage_error(&vx_doc_record);
			}
			break;
		case VX_OPT_LONG(4):
			if (!vx_glob_valid(optarg)) {
				vx_die_msg("--dev '%s': a device glob may hold letters, digits and _ . * ? @ : - "
					   "(at most 31)", optarg);
				return vx_usage_error(&vx_doc_record);
			}
			a->o.dev_glob = optarg;
			break;
		case VX_OPT_LONG(6):
			a->filter_expr = optarg;
			break;
		case VX_OPT_LONG(7): {
			char *e;
			long v = strtol(optarg, &e, 10);

			if (*e || e == optarg || v < 0 || v > VX_SNAPLEN_MAX) {
				vx_die_msg("--snaplen '%s': expected a number of bytes from 0 to %d", optarg,
					   VX_SNAPLEN_MAX);
				return vx_usage_error(&vx_doc_record);
			}
			a->o.snaplen = (int)v;
			a->o.snaplen_set = true;
			break;
		}
		case VX_OPT_LONG(5): {
			char *e;
			unsigned long v = strtoul(optarg, &e, 10);

			if (*e || v < 4 || v > 1048576) {
				vx_die_msg("--buffer-kb '%s': expected a number of KiB from 4 to 1048576", optarg);
				return vx_usage_error(&vx_doc_record);
			}
			a->o.buffer_kb = (unsigned)v;
			break;
		}
		case 'h':
			vx_help_write(&vx_doc_record, stdout);
			printf("\nDefault ring on this machine: %u KiB per CPU (%ld CPUs).\n",
			       vx_record_default_buffer_kb(0), sysconf(_SC_NPROCESSORS_CONF));
			return 0;
		default:
			return vx_usage_error(&vx_doc_record);
		}
	}
	if (optind >= argc) {
		vx_die_msg("record: no command given: vxanalyze record [OPTIONS] -- CMD [ARGS]");
		return vx_usage_error(&vx_doc_record);
	}
	return -1;
}

int cmd_record(int argc, char **argv)
{
	struct record_args a = { .o = { .backend = VX_BACKEND_FTRACE, .note = print_note },
				 .db = VX_DEFAULT_DB };
	struct vx_record_opts *o = &a.o;
	struct vx_record_result res = { 0 };
	struct record_outcome done = { .status = STRBUF_INIT };
	struct vx_filter *filter = NULL;
	int ret = record_parse(argc, argv, &a);

	if (ret >= 0)
		goto out;
	ret = 1;
	done.filter_expr = a.filter_expr;
	if (done.filter_expr && !(filter = vx_filter_parse(done.filter_expr))) {
		vx_report_error();
		ret = 2;
		goto out;
	}
	done.filter = filter;
	o->probes = a.probes.v;
	o->nprobes = a.probes.n;
	o->events = a.events.v;
	o->nevents = a.events.n;
	o->argv = argv + optind;

	if (!a.backend_given) {
		const char *why = NULL;

		o->backend = vx_record_default_backend(&why);
		if (o->backend == VX_BACKEND_FTRACE)
			vx_warn("recording with the ftrace backend: %s", why);
	}

	/* phase 1, the options, is above; the recording and its summary follow */
	if (vx_record_precheck(o) < 0) {
		vx_report_error();
		goto out;
	}
	if (record_into_store(o, a.db, argv + optind, &res, &done) < 0)
		goto out;
	record_summary(o, a.db, argv[optind], &res, &done);
	ret = 0;
out:
	vx_record_result_release(&res);
	vx_filter_free(filter);
	free(a.probes.v);
	free(a.events.v);
	strbuf_release(&done.status);
	return ret;
}
