/* record.c: the live recorder's driver. Resolves the plan against this kernel, places
 * kprobes (group vxanalyze) through libtracefs' dynamic-event API, then runs a backend
 * (record-ftrace.c, record-perf.c) through its phases: setup, enable, drain into the spool
 * while the command runs, disable, teardown, decode. Also `probes` and `clean`.
 * Must not: print (notes go through opts->note, errors through vx_error()), decode while
 * the command runs, or leave an instance, a kprobe or a spool file behind on any exit path.
 */
#define _GNU_SOURCE
#include "record-int.h"
#include "record-btf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "core/error.h"
#include "core/xalloc.h"

#if defined(__x86_64__)
#define ARCH_X86_64 true	/* the presets' register fetch args are for x86-64 */
#else
#define ARCH_X86_64 false
#endif

/* ---------------------------------------------------------------- small helpers */

/* read_file - whole file into @sb (procfs/tracefs files report size 0: read to EOF) */
static int read_file(const char *path, struct strbuf *sb)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		strbuf_add(sb, buf, (size_t)n);
	}
	close(fd);
	return 0;
}

/* word_in_list - @name as a whole symbol in kallsyms ("addr T name[\t[mod]]\n") or in
 * available_filter_functions ("name[ [mod]]\n") text */
static bool word_in_list(const struct strbuf *text, const char *name, bool kallsyms)
{
	size_t n = strlen(name);
	const char *p = text->buf, *end = text->buf + text->len;

	while (p < end && (p = memmem(p, (size_t)(end - p), name, n)) != NULL) {
		const char *after = p + n;
		bool left = p == text->buf || p[-1] == (kallsyms ? ' ' : '\n');
		bool right = after >= end || *after == '\n' || *after == '\t' || *after == ' ';

		if (left && right) {
			/* kallsyms: only text symbols can carry a kprobe */
			if (!kallsyms)
				return true;
			if (p - text->buf >= 2 && strchr("tTwW", p[-2]))
				return true;
		}
		p = after;
	}
	return false;
}

static void kernel_syms_load(struct vx_kernel_syms *k)
{
	char *path;

	strbuf_init(&k->kallsyms, 0);
	strbuf_init(&k->filter_funcs, 0);
	read_file("/proc/kallsyms", &k->kallsyms);
	path = tracefs_get_tracing_file("available_filter_functions");
	if (path) {
		if (read_file(path, &k->filter_funcs) < 0)
			strbuf_reset(&k->filter_funcs);
		tracefs_put_tracing_file(path);
	}
}

static void kernel_syms_release(struct vx_kernel_syms *k)
{
	strbuf_release(&k->kallsyms);
	strbuf_release(&k->filter_funcs);
}

static bool func_exists(void *ctx, const char *func)
{
	struct vx_kernel_syms *k = ctx;

	if (k->filter_funcs.len && word_in_list(&k->filter_funcs, func, false))
		return true;
	return word_in_list(&k->kallsyms, func, true);
}

static bool tp_exists(void *ctx, const char *sys, const char *ev)
{
	return tracefs_event_file_exists(NULL, sys, ev, "format");
}

static bool kprobes_available(void)
{
	return tracefs_file_exists(NULL, "kprobe_events");
}

/* tracefs_mounted - a tracefs mount exists (read from /proc/mounts ourselves: libtracefs
 * 1.6's tracefs_tracing_dir_is_mounted() leaks, which the sanitizer build reports) */
static bool tracefs_mounted(void)
{
	struct strbuf sb = STRBUF_INIT;
	bool found;

	if (read_file("/proc/mounts", &sb) < 0)
		return false;
	found = strstr(sb.buf, " tracefs ") != NULL;
	strbuf_release(&sb);
	return found;
}

/* our_instances - names of the instances starting with vxanalyze- (free with
 * tracefs_list_free); filtered here because tracefs_instances(regex) leaks the regex */
static char **our_instances(void)
{
	char **all = tracefs_instances(NULL), **mine = NULL;

	for (int i = 0; all && all[i]; i++)
		if (!strncmp(all[i], VX_RECORD_INSTANCE_PREFIX, strlen(VX_RECORD_INSTANCE_PREFIX)))
			mine = tracefs_list_add(mine, all[i]);
	tracefs_list_free(all);
	return mine;
}

/* recorder_alive - the process that named an instance vxanalyze-<pid> still exists. The
 * command name is not checked: a renamed binary (vxa) must not lose its instance to
 * `clean`; a reused pid only delays the cleaning until that process is gone. */
static bool recorder_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* instance_pid - pid in "vxanalyze-<pid>", or -1 when @name is not one of ours */
static long instance_pid(const char *name)
{
	const char *p = name + strlen(VX_RECORD_INSTANCE_PREFIX);
	char *e;
	long pid;

	if (strncmp(name, VX_RECORD_INSTANCE_PREFIX, strlen(VX_RECORD_INSTANCE_PREFIX)) || !isdigit((unsigned char)*p))
		return -1;
	pid = strtol(p, &e, 10);
	return *e ? -1 : pid;
}

/* live_recorder - pid of a live vxanalyze recording other than us, or 0: one with a tracefs
 * instance (ftrace backend) or a spool directory in $TMPDIR (both backends) */
static long live_recorder(void)
{
	char **names = our_instances();
	long found = vx_spool_live_pid();

	for (int i = 0; !found && names && names[i]; i++) {
		long pid = instance_pid(names[i]);

		if (pid > 0 && pid != getpid() && recorder_alive(pid)) {
			found = pid;
			break;
		}
	}
	tracefs_list_free(names);
	return found;
}

/* tracefs_reason - why the kernel refused the last tracefs write: errno's text plus the
 * first line of tracefs' error_log ("trace_kprobe: error: Failed to register probe event"),
 * without its timestamp and caret line. Returns a static buffer. */
static const char *tracefs_reason(void)
{
	static char buf[320];
	int e = errno;
	char *log = tracefs_error_last(NULL);
	const char *p = log;
	size_t n;

	snprintf(buf, sizeof(buf), "%s", strerror(e));
	if (p && *p) {
		if (*p == '[' && strchr(p, ']'))
			p = strchr(p, ']') + 1;
		while (*p == ' ')
			p++;
		n = strcspn(p, "\n");
		if (n)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (%.*s)", (int)n, p);
	}
	free(log);
	return buf;
}

/* note_tracepoints_only - pass on plan notes except those about probes (ctx: the opts) */
static void note_tracepoints_only(void *ctx, const char *msg)
{
	const struct vx_record_opts *o = ctx;

	if (o->note && strncmp(msg, "probe ", 6))
		o->note(o->note_ctx, msg);
}

/* ---------------------------------------------------------------- one recording */

/* how often the rings are emptied into the spool while the command runs; a pass that
 * moved more than BUSY_BYTES goes again at once */
#define DRAIN_INTERVAL_MS 10
#define BUSY_BYTES (1u << 20)

static volatile sig_atomic_t got_signal;
static volatile pid_t child_pid;
static volatile sig_atomic_t forwarded;

static void on_signal(int sig)
{
	got_signal = sig;
	if (child_pid > 0) {
		/* a third request means the command ignores us: make sure it goes */
		kill(child_pid, ++forwarded >= 3 ? SIGKILL : sig);
	}
}

unsigned vx_record_default_buffer_kb(long ncpus)
{
	unsigned kb, p = VX_RECORD_BUFFER_MIN_KB;

	if (ncpus <= 0)
		ncpus = sysconf(_SC_NPROCESSORS_CONF);
	if (ncpus <= 0)
		ncpus = 1;
	kb = (unsigned)(VX_RECORD_BUFFER_TOTAL_KB / ncpus);
	if (kb > VX_RECORD_BUFFER_MAX_KB)
		kb = VX_RECORD_BUFFER_MAX_KB;
	while (p * 2 <= kb)
		p *= 2;
	return p;
}

void vx_record_result_release(struct vx_record_result *res)
{
	free(res->lost_cpu);
	res->lost_cpu = NULL;
	res->ncpus = 0;
}

/* write_boot_id - meta "boot_id": this boot's id (/proc/sys/kernel/random/boot_id), which
 * tells captures of two hosts apart and a capture imported twice (src/store/store-merge.c) */
static int write_boot_id(struct vx_recording *r)
{
	char id[64];
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	bool ok = f && fgets(id, sizeof(id), f);

	if (f)
		fclose(f);
	if (!ok)
		return 0;	/* not fatal: the capture stays usable, only not deduplicated */
	id[strcspn(id, "\n")] = '\0';
	return *id ? vx_sink_meta(r->sink, "boot_id", id) : 0;
}

static int write_meta(struct vx_recording *r)
{
	struct utsname u;
	struct strbuf sb = STRBUF_INIT;
	int ret = 0;

	if (!uname(&u)) {
		ret |= vx_sink_meta(r->sink, "kernel_release", u.release);
		ret |= vx_sink_meta(r->sink, "hostname", u.nodename);
		ret |= vx_sink_meta(r->sink, "machine", u.machine);
	}
	ret |= write_boot_id(r);
	ret |= vx_sink_meta(r->sink, "backend", r->backend->name);
	if (r->clock)
		ret |= vx_sink_meta(r->sink, "clock", r->clock);
	strbuf_addf(&sb, "%u", r->buffer_kb);
	ret |= vx_sink_meta(r->sink, "buffer_kb", sb.buf);
	strbuf_reset(&sb);
	for (size_t i = 0; i < r->nkprobes; i++) {
		const struct vx_probe_req *p = &r->plan.probes[i];

		strbuf_addf(&sb, "%s%s:%s/%s %s%s%s", sb.len ? "\n" : "", p->ret ? "r" : "p",
			    VX_RECORD_GROUP, p->event, p->func, p->fetch ? " " : "", p->fetch ? p->fetch : "");
	}
	if (sb.len)
		ret |= vx_sink_meta(r->sink, "kprobes", sb.buf);
	strbuf_reset(&sb);
	if (r->snaplen > 0) {
		strbuf_addf(&sb, "%d", r->snaplen);
		ret |= vx_sink_meta(r->sink, "snaplen", sb.buf);
		strbuf_reset(&sb);
	}
	for (size_t i = 0; i < r->plan.ntps; i++)
		strbuf_addf(&sb, "%s%s:%s", sb.len ? "\n" : "", r->plan.tps[i].system, r->plan.tps[i].event);
	if (sb.len)
		ret |= vx_sink_meta(r->sink, "tracepoints", sb.buf);
	if (r->o->dev_glob)
		ret |= vx_sink_meta(r->sink, "dev_filter", r->o->dev_glob);
	strbuf_release(&sb);
	if (r->syms.kallsyms.len && r->sink->meta)
		ret |= r->sink->meta(r->sink, "kallsyms", r->syms.kallsyms.buf, r->syms.kallsyms.len);
	return ret ? -1 : 0;
}

/* write_loss_meta - lost_cpuN per CPU (every CPU, zeros too: "none lost" is a fact) */
static int write_loss_meta(struct vx_recording *r)
{
	int ret = 0;

	for (int c = 0; c < r->ncpus; c++) {
		char key[32], val[32];

		snprintf(key, sizeof(key), "lost_cpu%d", c);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)r->lost_cpu[c]);
		ret |= vx_sink_meta(r->sink, key, val);
		r->sink->lost_events += r->lost_cpu[c];
	}
	return ret ? -1 : 0;
}

/* place_kprobes - create the plan's kprobes; on failure the ones placed stay in r->kprobes
 * for cleanup */
static int place_kprobes(struct vx_recording *r)
{
	struct tracefs_dynevent **old = tracefs_dynevent_get_all(TRACEFS_DYNEVENT_KPROBE |
								 TRACEFS_DYNEVENT_KRETPROBE, VX_RECORD_GROUP);

	if (old && old[0]) {
		char *ename = NULL;
		long pid = live_recorder();

		tracefs_dynevent_info(old[0], NULL, &ename, NULL, NULL, NULL);
		if (pid)
			vx_error("probe %s/%s: busy: another vxanalyze record (pid %ld) is using group %s",
				 VX_RECORD_GROUP, ename ? ename : "?", pid, VX_RECORD_GROUP);
		else
			vx_error("probe %s/%s: busy: left by a killed recording; run 'vxanalyze clean'",
				 VX_RECORD_GROUP, ename ? ename : "?");
		free(ename);
		tracefs_dynevent_list_free(old);
		return -1;
	}
	tracefs_dynevent_list_free(old);
	r->kprobes = xcalloc(r->plan.nprobes + 1, sizeof(*r->kprobes));
	for (size_t i = 0; i < r->plan.nprobes; i++) {
		const struct vx_probe_req *p = &r->plan.probes[i];
		struct tracefs_dynevent *d;

		d = p->ret ? tracefs_kretprobe_alloc(VX_RECORD_GROUP, p->event, p->func, p->fetch, 0)
			   : tracefs_kprobe_alloc(VX_RECORD_GROUP, p->event, p->func, p->fetch);
		if (!d)
			return vx_error("probe %s (%s): cannot describe it: %s", p->event, p->func,
					strerror(errno));
		tracefs_error_clear(NULL);
		if (tracefs_dynevent_create(d) < 0) {
			int e = errno;

			tracefs_dynevent_free(d);
			errno = e;
			return vx_error("probe %s on %s: %s: %s", p->event, p->func,
					e == EBUSY || e == EEXIST ? "busy" : "kernel refused it",
					tracefs_reason());
		}
		r->kprobes[r->nkprobes++] = d;
	}
	return 0;
}

/* remove_kprobes - destroy what place_kprobes made; -1 when one stays (with vx_error() set
 * only if @report, so that an earlier error message is kept) */
static int remove_kprobes(struct vx_recording *r, bool report)
{
	int ret = 0;

	for (size_t i = 0; i < r->nkprobes; i++) {
		if (tracefs_dynevent_destroy(r->kprobes[i], true) < 0) {
			if (report && ret == 0)
				vx_error("probe %s/%s: could not be removed: %s (run 'vxanalyze clean')",
					 VX_RECORD_GROUP, r->plan.probes[i].event, tracefs_reason());
			ret = -1;
		}
		tracefs_dynevent_free(r->kprobes[i]);
	}
	free(r->kprobes);
	r->kprobes = NULL;
	r->nkprobes = 0;
	return ret;
}

static int load_tep(struct vx_recording *r)
{
	const char **systems = xcalloc(r->plan.ntps + 3, sizeof(*systems));
	size_t n = 0;

	systems[n++] = "ftrace";	/* kernel_stack */
	if (r->nkprobes)
		systems[n++] = VX_RECORD_GROUP;
	for (size_t i = 0; i < r->plan.ntps; i++) {
		bool dup = false;

		for (size_t k = 0; k < n; k++)
			dup |= !strcmp(systems[k], r->plan.tps[i].system);
		if (!dup)
			systems[n++] = r->plan.tps[i].system;
	}
	r->tep = tracefs_local_events_system(r->tracing_dir, systems);
	free(systems);
	if (!r->tep)
		return vx_error("%s: cannot read the event formats (events/*/format): %s",
				r->tracing_dir, strerror(errno));
	if (r->syms.kallsyms.len &&
	    vx_kallsyms_parse(&r->ks, r->syms.kallsyms.buf, r->syms.kallsyms.len, "/proc/kallsyms") < 0) {
		vx_rec_note(r->o, "%s: stacks stay addresses", vx_error_msg());
		vx_error_clear();
	}
	return 0;
}

/* The descriptors open when the recording started are the caller's, which the command may
 * inherit; every later one (trace_pipe_raw, perf events, spool, the libraries' own) must
 * not reach it, or a recorder killed with SIGKILL would leave an instance that cannot be
 * removed while the command runs (EBUSY). */

/* fd_snapshot_take - list /proc/self/fd into @s (s->fds malloc'd, freed by
 * fd_snapshot_release); an unreadable /proc leaves it empty */
static void fd_snapshot_take(struct fd_snapshot *s)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	memset(s, 0, sizeof(*s));
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
			continue;
		VX_GROW(s->fds, s->n, s->cap);
		s->fds[s->n++] = atoi(de->d_name);
	}
	closedir(d);
}

static void fd_snapshot_release(struct fd_snapshot *s)
{
	free(s->fds);
	memset(s, 0, sizeof(*s));
}

/* cloexec_since - FD_CLOEXEC on every descriptor opened after @s was taken */
static void cloexec_since(const struct fd_snapshot *s)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name);
		bool old = false;

		if (de->d_name[0] == '.' || fd == dirfd(d))
			continue;
		for (size_t i = 0; i < s->n && !old; i++)
			old = s->fds[i] == fd;
		if (!old)
			fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	}
	closedir(d);
}

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* report_status - the backend's counters to the options' status callback */
static void report_status(struct vx_recording *r, double seconds)
{
	struct vx_record_status st = { .spooled_bytes = r->spooled_bytes, .seconds = seconds };

	st.events_known = r->backend->counts && r->backend->counts(r, &st.events, &st.lost) == 0;
	r->o->status(r->o->status_ctx, &st);
}

/* run_command - fork/exec the command and wait for it while the backend moves the rings
 * into the spool (and reports its counters every VX_RECORD_STATUS_MS when asked);
 * SIGINT/SIGTERM are forwarded to the command (see on_signal) */
static int run_command(struct vx_recording *r, struct vx_record_result *res)
{
	double start, last_status;
	pid_t pid;
	int status;

	fflush(NULL);
	cloexec_since(&r->fds_at_start);
	pid = fork();
	if (pid < 0)
		return vx_error("%s: cannot start the command: %s", r->o->argv[0], strerror(errno));
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execvp(r->o->argv[0], r->o->argv);
		dprintf(2, "vxanalyze: error: %s: cannot run it: %s\n", r->o->argv[0], strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	r->cmd_pid = (int)pid;
	res->cmd_started = true;
	if (got_signal)
		kill(pid, got_signal);
	start = last_status = monotonic_s();
	for (;;) {
		struct timespec ts = { 0, DRAIN_INTERVAL_MS * 1000000L };
		uint64_t before = r->spooled_bytes;
		pid_t w = waitpid(pid, &status, WNOHANG);
		double now;

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			child_pid = 0;
			return vx_error("%s: waitpid: %s", r->o->argv[0], strerror(errno));
		}
		if (r->backend->drain(r) < 0) {
			/* stop the command: the recording cannot go on */
			kill(pid, SIGTERM);
			waitpid(pid, &status, 0);
			child_pid = 0;
			res->cmd_status = status;
			return -1;
		}
		now = monotonic_s();
		if (r->o->status && now - last_status >= VX_RECORD_STATUS_MS / 1000.0) {
			last_status = now;
			report_status(r, now - start);
		}
		if (r->spooled_bytes - before < BUSY_BYTES)
			nanosleep(&ts, NULL);
	}
	child_pid = 0;
	res->cmd_status = status;
	return 0;
}

static int mount_tracefs(struct vx_recording *r, const struct vx_record_opts *o)
{
	bool was = tracefs_mounted();
	/* tracefs_tracing_dir() mounts tracefs at /sys/kernel/tracing when it is not mounted */
	const char *dir = tracefs_tracing_dir();

	if (!dir || !tracefs_mounted())
		return vx_error("tracefs is not mounted and cannot be mounted at /sys/kernel/tracing: %s",
				strerror(errno));
	if (!was)
		vx_rec_note(o, "mounted tracefs at %s", dir);
	r->tracing_dir = xstrdup(dir);
	return 0;
}

int vx_record_precheck(const struct vx_record_opts *o)
{
	struct vx_plan plan;

	if (!o->argv || !o->argv[0])
		return vx_error("record: no command given (vxanalyze record [OPTIONS] -- CMD [ARGS])");
	if (geteuid() != 0)
		return vx_error("record: not root: tracefs, kprobes and perf tracepoints need root "
				"(run it with sudo)");
	if (vx_plan_build(&plan, o->preset, o->probes, o->nprobes, o->events, o->nevents, true) < 0)
		return -1;
	vx_plan_release(&plan);
	return 0;
}

/* the packet bytes asked for: --snaplen, else the default (record-btf.h) */
static int snaplen_of(const struct vx_record_opts *o)
{
	return o->snaplen_set ? o->snaplen : VX_SNAPLEN_DEFAULT;
}

/* packet headers (and the first snaplen bytes) at the skb probes, through the kernel's BTF;
 * without BTF say so once and record the skb addresses alone. Sets r->snaplen to the bytes
 * the probes read (0: none) */
static int plan_headers(struct vx_recording *r)
{
	const struct vx_record_opts *o = r->o;
	struct vx_skb_layout l;
	int with_bytes;

	r->snaplen = 0;
	if (!ARCH_X86_64)
		return 0;
	if (vx_skb_layout_load(NULL, &l) < 0) {
		vx_rec_note(o, "%s", vx_error_msg());
		vx_error_clear();
		return 0;
	}
	with_bytes = vx_plan_use_btf(&r->plan, &l, snaplen_of(o));
	if (with_bytes > 0)
		r->snaplen = snaplen_of(o) > VX_SNAPLEN_MAX ? VX_SNAPLEN_MAX : snaplen_of(o);
	return 0;
}

/* plan_reads_bytes - a probe kept in the plan reads packet bytes */
static bool plan_reads_bytes(const struct vx_plan *p)
{
	for (size_t i = 0; i < p->nprobes; i++)
		if (p->probes[i].fetch && strstr(p->probes[i].fetch, " pkt0="))
			return true;
	return false;
}

/* snaplen_note - --snaplen given but no packet bytes will come: say why, once */
static void snaplen_note(struct vx_recording *r, bool kprobes)
{
	const struct vx_record_opts *o = r->o;

	if (!o->snaplen_set || o->snaplen <= 0)
		return;
	if (!kprobes)
		vx_rec_note(o, "--snaplen %d: no packet bytes: this kernel has no kprobes, and tracepoints "
			       "carry none", o->snaplen);
	else if (!r->snaplen)
		vx_rec_note(o, "--snaplen %d: no packet bytes: no probe of this recording holds an skb "
			       "whose data BTF locates (x86-64 with BTF, presets vxlan or all)", o->snaplen);
}

/* plan_phase - tracefs, the plan resolved against this kernel (kprobes dropped with one
 * note when the kernel has none), kernel symbols */
static int plan_phase(struct vx_recording *r)
{
	const struct vx_record_opts *o = r->o;
	bool kp;

	if (mount_tracefs(r, o) < 0)
		return -1;
	if (vx_plan_build(&r->plan, o->preset, o->probes, o->nprobes, o->events, o->nevents,
			  ARCH_X86_64) < 0)
		return -1;
	if (plan_headers(r) < 0)
		return -1;
	kernel_syms_load(&r->syms);
	if (!r->syms.kallsyms.len)
		vx_rec_note(o, "/proc/kallsyms is unreadable: stacks stay addresses");
	/* resolve first: a --probe naming no function is an error even without kprobes;
	 * without kprobes, notes about probe alternatives would only be noise */
	kp = kprobes_available();
	if (vx_plan_resolve(&r->plan, func_exists, tp_exists, &r->syms,
			    kp ? o->note : note_tracepoints_only, kp ? o->note_ctx : (void *)o) < 0)
		return -1;
	if (!kp && r->plan.nprobes) {
		struct strbuf sb = STRBUF_INIT;

		for (size_t i = 0; i < r->plan.nprobes; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", r->plan.probes[i].event);
		vx_rec_note(o, "this kernel has no kprobes (no kprobe_events in %s: CONFIG_KPROBE_EVENTS off); "
			       "recording tracepoints only, without %s", r->tracing_dir, sb.buf);
		strbuf_release(&sb);
		r->plan.nprobes = 0;
	}
	if (!plan_reads_bytes(&r->plan))
		r->snaplen = 0;
	snaplen_note(r, kp);
	if (!r->plan.nprobes && !r->plan.ntps)
		return vx_error("record: nothing to record: no requested probe or event exists on this kernel");
	return 0;
}

/* setup_phase - kprobes, event formats, the backend's buffers and spool, the meta */
static int setup_phase(struct vx_recording *r, struct vx_record_result *res)
{
	if (r->plan.nprobes && place_kprobes(r) < 0)
		return -1;
	res->kprobes = r->nkprobes > 0;
	res->nprobes = r->nkprobes;
	res->ntracepoints = r->plan.ntps;
	if (load_tep(r) < 0 || r->backend->setup(r) < 0)
		return -1;
	r->lost_cpu = xcalloc((size_t)r->ncpus, sizeof(*r->lost_cpu));
	return write_meta(r);
}

/* record_phase - enable, run the command while draining into the spool, disable */
static int record_phase(struct vx_recording *r, struct vx_record_result *res)
{
	int ret;

	if (r->backend->enable(r) < 0)
		return -1;
	ret = run_command(r, res);
	if (r->backend->disable(r) < 0)
		ret = -1;
	return ret;
}

/* teardown_phase - the kernel as it was: backend state, kprobes; -1 when something stays
 * (reported only when nothing failed before: the first error is the one to show) */
static int teardown_phase(struct vx_recording *r, bool report)
{
	int ret = 0;

	if (r->backend->teardown(r, report) < 0)
		ret = -1;
	if (r->kprobes && remove_kprobes(r, report && ret == 0) < 0)
		ret = -1;
	return ret;
}

/* decode_phase - the spool into the sink, then the per-CPU loss */
static int decode_phase(struct vx_recording *r, struct vx_record_result *res)
{
	struct vx_proc_tree procs;
	int ret;

	if (r->spooled_bytes >= (16u << 20))
		vx_rec_note(r->o, "decoding %.1f MiB of raw ring data from %s", r->spooled_bytes / 1048576.0,
			    r->spool.dir);
	/* the fork events become the command's process tree (capture meta), not events */
	vx_proc_tree_begin(&procs, r->sink, r->cmd_pid);
	r->sink = &procs.wrap;
	ret = r->backend->decode(r);
	r->sink = procs.inner;
	if (vx_proc_tree_end(&procs) < 0 || ret < 0 || write_loss_meta(r) < 0)
		return -1;
	res->lost_cpu = xcalloc((size_t)r->ncpus, sizeof(*res->lost_cpu));
	memcpy(res->lost_cpu, r->lost_cpu, (size_t)r->ncpus * sizeof(*res->lost_cpu));
	res->ncpus = (size_t)r->ncpus;
	res->spooled_bytes = r->spooled_bytes;
	return 0;
}

static void rec_release(struct vx_recording *r)
{
	if (r->backend->release)
		r->backend->release(r);
	free(r->clock);
	free(r->lost_cpu);
	if (r->tep)
		tep_free(r->tep);
	vx_kallsyms_release(&r->ks);
	kernel_syms_release(&r->syms);
	vx_plan_release(&r->plan);
	free(r->tracing_dir);
}

int vx_record(const struct vx_record_opts *o, struct vx_sink *sink, struct vx_record_result *res)
{
	struct vx_recording r = { .o = o, .sink = sink };
	struct sigaction sa = { 0 }, old_int, old_term, old_hup;
	int ret = -1, sig = -1;

	memset(res, 0, sizeof(*res));
	r.backend = o->backend == VX_BACKEND_PERF ? &vx_rec_perf : &vx_rec_ftrace;
	r.buffer_kb = o->buffer_kb ? o->buffer_kb : vx_record_default_buffer_kb(0);
	strbuf_init(&r.syms.kallsyms, 0);
	strbuf_init(&r.syms.filter_funcs, 0);
	got_signal = 0;
	forwarded = 0;
	child_pid = 0;
	if (vx_record_precheck(o) < 0)
		return -1;
	fd_snapshot_take(&r.fds_at_start);

	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);	/* a closed terminal must not skip the cleanup */

	if (plan_phase(&r) < 0 || setup_phase(&r, res) < 0)
		goto out;
	/* a signal before the command started: nothing recorded, but a clean capture */
	if (!got_signal && record_phase(&r, res) < 0)
		goto out;
	/* a signal during the decoding below stops nothing: the command is over */
	sig = got_signal;
	/* the kernel is put back before the (long) decoding: nothing of ours stays there
	 * while the spool is read */
	if (teardown_phase(&r, true) < 0)
		goto out;
	ret = decode_phase(&r, res);
out:
	res->signal = sig >= 0 ? sig : got_signal;
	if (teardown_phase(&r, ret == 0) < 0)
		ret = -1;
	if (vx_spool_remove(&r.spool, ret == 0) < 0)
		ret = -1;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	rec_release(&r);
	fd_snapshot_release(&r.fds_at_start);
	if (ret < 0)
		vx_record_result_release(res);
	return ret;
}

/* ---------------------------------------------------------------- probes / clean */

int vx_kernel_probe(const struct vx_record_opts *o, bool mount, struct vx_kernel_info *ki)
{
	struct vx_plan plan;
	struct vx_kernel_syms syms;

	memset(ki, 0, sizeof(*ki));
	strbuf_init(&ki->report, 0);
	ki->root = geteuid() == 0;
	ki->tracefs_mounted = tracefs_mounted();
	if (!ki->tracefs_mounted && mount && ki->root) {
		ki->tracefs_mountable = tracefs_tracing_dir() && tracefs_mounted();
	} else {
		ki->tracefs_mountable = ki->tracefs_mounted;
	}
	if (ki->tracefs_mountable || ki->tracefs_mounted)
		ki->tracefs_path = xstrdup(tracefs_tracing_dir());
	ki->kprobes = (ki->tracefs_mounted || ki->tracefs_mountable) && kprobes_available();
	ki->perf_usable = vx_record_default_backend(&ki->perf_why) == VX_BACKEND_PERF;

	if (vx_plan_build(&plan, o->preset, o->probes, o->nprobes, o->events, o->nevents, true) < 0)
		return -1;
	kernel_syms_load(&syms);
	for (size_t i = 0; i < plan.nprobes; i++) {
		const struct vx_probe_req *p = &plan.probes[i];

		for (size_t k = 0; k <= VX_PROBE_MAX_ALT && p->funcs[k]; k++) {
			bool in_ff = syms.filter_funcs.len && word_in_list(&syms.filter_funcs, p->funcs[k], false);
			bool in_ks = word_in_list(&syms.kallsyms, p->funcs[k], true);

			strbuf_addf(&ki->report, "%-3s function %-22s for %s%s (%s)\n",
				    in_ff || in_ks ? "yes" : "no", p->funcs[k], p->ret ? "kretprobe " : "kprobe ",
				    p->event,
				    in_ff ? "available_filter_functions" :
				    in_ks ? (syms.filter_funcs.len ? "kallsyms only: may be notrace" : "kallsyms")
					  : (syms.kallsyms.len ? "not in kallsyms: inlined or renamed"
							       : "kallsyms unreadable"));
		}
	}
	for (size_t i = 0; i < plan.ntps; i++) {
		const struct vx_tp_req *t = &plan.tps[i];
		bool ok = (ki->tracefs_mounted || ki->tracefs_mountable) &&
			  tracefs_event_file_exists(NULL, t->system, t->event, "format");

		strbuf_addf(&ki->report, "%-3s tracepoint %s:%s\n", ok ? "yes" : "no", t->system, t->event);
	}
	{
		bool ok = (ki->tracefs_mounted || ki->tracefs_mountable) &&
			  tracefs_event_file_exists(NULL, "ftrace", "kernel_stack", "format");

		strbuf_addf(&ki->report, "%-3s kernel stacks (ftrace:kernel_stack)\n", ok ? "yes" : "no");
	}
	kernel_syms_release(&syms);
	vx_plan_release(&plan);
	return 0;
}

void vx_kernel_info_release(struct vx_kernel_info *ki)
{
	free(ki->tracefs_path);
	strbuf_release(&ki->report);
	memset(ki, 0, sizeof(*ki));
}

int vx_record_clean(void (*note)(void *ctx, const char *msg), void *ctx)
{
	char **names;
	char msg[256];
	int removed = 0, err = 0;
	struct tracefs_dynevent **dyn;

	if (geteuid() != 0)
		return vx_error("clean: not root: removing tracefs instances and kprobes needs root");
	if (!tracefs_mounted())
		return 0;	/* no tracefs mounted: nothing can be left */
	names = our_instances();
	for (int i = 0; names && names[i]; i++) {
		long pid = instance_pid(names[i]);
		struct tracefs_instance *inst;

		if (pid < 0 || recorder_alive(pid))
			continue;
		inst = tracefs_instance_alloc(NULL, names[i]);
		if (!inst || tracefs_instance_destroy(inst) < 0) {
			err = vx_error("instance %s: could not be removed: %s", names[i], strerror(errno));
		} else {
			removed++;
			snprintf(msg, sizeof(msg), "removed instance %s (pid %ld is gone)", names[i], pid);
			if (note)
				note(ctx, msg);
		}
		tracefs_instance_free(inst);
	}
	tracefs_list_free(names);

	dyn = tracefs_dynevent_get_all(TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE, VX_RECORD_GROUP);
	if (dyn && dyn[0]) {
		long pid = live_recorder();

		if (pid) {
			snprintf(msg, sizeof(msg), "kprobes of group %s kept: vxanalyze pid %ld is recording",
				 VX_RECORD_GROUP, pid);
			if (note)
				note(ctx, msg);
		} else {
			for (int i = 0; dyn[i]; i++) {
				char *ev = NULL;

				tracefs_dynevent_info(dyn[i], NULL, &ev, NULL, NULL, NULL);
				if (tracefs_dynevent_destroy(dyn[i], true) < 0) {
					err = vx_error("probe %s/%s: could not be removed: %s", VX_RECORD_GROUP,
						       ev ? ev : "?", tracefs_reason());
				} else {
					removed++;
					snprintf(msg, sizeof(msg), "removed probe %s/%s", VX_RECORD_GROUP,
						 ev ? ev : "?");
					if (note)
						note(ctx, msg);
				}
				free(ev);
			}
		}
	}
	tracefs_dynevent_list_free(dyn);
	removed += vx_spool_clean_stale(note, ctx);
	return err < 0 ? -1 : removed;
}
