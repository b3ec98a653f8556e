/* record-procs.c: the recorded command's process tree. The recorder's sched_process_fork
 * events are taken out of the event stream (they are not packets) and become capture meta
 * "command_pids": the command's pid and every pid forked from it, which the report uses to
 * put the command's own packets first. Must not: print, or touch tracefs.
 */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

#define FORK_EVENT "sched:sched_process_fork"

static int procs_event(struct vx_sink *s, const struct vx_event *ev)
{
	struct vx_proc_tree *t = s->priv;
	const char *parent, *child;
	int ret;

	if (strcmp(ev->name, FORK_EVENT)) {
		ret = vx_sink_event(t->inner, ev);
		s->events = t->inner->events;
		return ret;
	}
	parent = vx_event_field(ev, "parent_pid");
	child = vx_event_field(ev, "child_pid");
	if (!parent || !child)
		return 0;
	VX_GROW(t->forks, t->nforks, t->forks_cap);
	t->forks[t->nforks].parent = atoi(parent);
	t->forks[t->nforks++].child = atoi(child);
	return 0;
}

static int procs_meta(struct vx_sink *s, const char *key, const char *value, size_t len)
{
	struct vx_proc_tree *t = s->priv;

	return t->inner->meta ? t->inner->meta(t->inner, key, value, len) : 0;
}

void vx_proc_tree_begin(struct vx_proc_tree *t, struct vx_sink *inner, int root_pid)
{
	memset(t, 0, sizeof(*t));
	t->inner = inner;
	t->root = root_pid;
	t->wrap.event = procs_event;
	t->wrap.meta = procs_meta;
	t->wrap.priv = t;
	t->wrap.events = inner->events;
	t->wrap.lost_events = inner->lost_events;
	t->wrap.skipped = inner->skipped;
	t->wrap.truncated = inner->truncated;
	t->wrap.truncated_at = inner->truncated_at;
	memcpy(t->wrap.skipped_example, inner->skipped_example, sizeof(t->wrap.skipped_example));
	memcpy(t->wrap.warning, inner->warning, sizeof(t->wrap.warning));
}

/* is @pid in @pids[0..n)? (a process tree is a handful of pids: a linear search) */
static bool has_pid(const int *pids, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

int vx_proc_tree_end(struct vx_proc_tree *t)
{
	struct strbuf sb = STRBUF_INIT;
	int *pids = NULL;
	size_t n = 0, cap = 0;
	bool grew = true;
	int ret = 0;

	/* the producer's counters are the real sink's */
	t->inner->lost_events = t->wrap.lost_events;
	t->inner->skipped = t->wrap.skipped;
	t->inner->truncated = t->wrap.truncated;
	t->inner->truncated_at = t->wrap.truncated_at;
	memcpy(t->inner->skipped_example, t->wrap.skipped_example, sizeof(t->wrap.skipped_example));
	memcpy(t->inner->warning, t->wrap.warning, sizeof(t->wrap.warning));
	if (t->root > 0) {
		VX_GROW(pids, n, cap);
		pids[n++] = t->root;
	}
	/* the closure: events of several CPUs need not come in fork order */
	while (grew && n) {
		grew = false;
		for (size_t i = 0; i < t->nforks; i++)
			if (has_pid(pids, n, t->forks[i].parent) && !has_pid(pids, n, t->forks[i].child)) {
				VX_GROW(pids, n, cap);
				pids[n++] = t->forks[i].child;
				grew = true;
			}
	}
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%d", i ? " " : "", pids[i]);
	if (n)
		ret = vx_sink_meta(t->inner, "command_pids", sb.buf);
	strbuf_release(&sb);
	free(pids);
	free(t->forks);
	t->forks = NULL;
	t->nforks = 0;
	return ret;
}
