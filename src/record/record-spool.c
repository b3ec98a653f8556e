/* record-spool.c: the recorder's spool, a private directory $TMPDIR/vxanalyze-<pid>.XXXXXX
 * holding the raw per-CPU ring-buffer data moved out of the kernel while the command runs
 * (decoded only after it ends). Must not: leave a file behind on any exit path it is told
 * about, or decode anything.
 */
#define _GNU_SOURCE
#include "record-int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xalloc.h"

#define SPOOL_PREFIX "vxanalyze-"

static const char *tmp_dir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t == '/' ? t : "/tmp";
}

static void file_path(const struct vx_spool *s, size_t i, char *buf, size_t n)
{
	snprintf(buf, n, "%s/cpu%zu", s->dir, i);
}

int vx_spool_create(struct vx_spool *s, size_t nfiles)
{
	char tmpl[4096];

	memset(s, 0, sizeof(*s));
	snprintf(tmpl, sizeof(tmpl), "%s/" SPOOL_PREFIX "%ld.XXXXXX", tmp_dir(), (long)getpid());
	if (!mkdtemp(tmpl))
		return vx_error("%s: cannot create the spool directory: %s (set TMPDIR to a writable "
				"directory)", tmpl, strerror(errno));
	s->dir = xstrdup(tmpl);
	s->fds = xcalloc(nfiles ? nfiles : 1, sizeof(*s->fds));
	for (size_t i = 0; i < nfiles; i++)
		s->fds[i] = -1;
	s->nfiles = nfiles;
	for (size_t i = 0; i < nfiles; i++) {
		char path[4200];

		file_path(s, i, path, sizeof(path));
		s->fds[i] = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (s->fds[i] < 0) {
			int e = errno;

			vx_spool_remove(s, false);
			return vx_error("%s: cannot create a spool file: %s", path, strerror(e));
		}
	}
	return 0;
}

int vx_spool_map(struct vx_spool *s, size_t i, const unsigned char **p, size_t *len)
{
	struct stat st;
	void *m;

	*p = NULL;
	*len = 0;
	if (i >= s->nfiles || s->fds[i] < 0 || fstat(s->fds[i], &st) < 0)
		return vx_error("%s/cpu%zu: cannot read the spool file: %s", s->dir ? s->dir : "spool", i,
				strerror(errno ? errno : EBADF));
	if (st.st_size == 0)
		return 0;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, s->fds[i], 0);
	if (m == MAP_FAILED)
		return vx_error("%s/cpu%zu: cannot map the spool file (%lld bytes): %s", s->dir, i,
				(long long)st.st_size, strerror(errno));
	madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	*p = m;
	*len = (size_t)st.st_size;
	return 0;
}

void vx_spool_unmap(const unsigned char *p, size_t len)
{
	if (p && len)
		munmap((void *)p, len);
}

int vx_spool_remove(struct vx_spool *s, bool report)
{
	int ret = 0;

	if (!s->dir)
		return 0;
	for (size_t i = 0; i < s->nfiles; i++) {
		char path[4200];

		if (s->fds[i] >= 0)
			close(s->fds[i]);
		file_path(s, i, path, sizeof(path));
		if (unlink(path) < 0 && errno != ENOENT && ret == 0) {
			ret = -1;
			if (report)
				vx_error("%s: cannot remove the spool file: %s; remove it by hand", path,
					 strerror(errno));
		}
	}
	if (rmdir(s->dir) < 0 && ret == 0) {
		ret = -1;
		if (report)
			vx_error("%s: cannot remove the spool directory: %s; remove it by hand", s->dir,
				 strerror(errno));
	}
	free(s->dir);
	free(s->fds);
	memset(s, 0, sizeof(*s));
	return ret;
}

/* spool_pid - pid in "vxanalyze-<pid>.XXXXXX", or -1 when @name is not a spool name */
static long spool_pid(const char *name)
{
	const char *p = name + strlen(SPOOL_PREFIX);
	char *e;
	long pid;

	if (strncmp(name, SPOOL_PREFIX, strlen(SPOOL_PREFIX)) || !isdigit((unsigned char)*p))
		return -1;
	pid = strtol(p, &e, 10);
	return *e == '.' && strlen(e) == 7 ? pid : -1;
}

/* remove_dir_files - unlink the plain files cpuN in @dir and rmdir it */
static int remove_dir_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4200];

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "cpu", 3))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
	return rmdir(dir);
}

long vx_spool_live_pid(void)
{
	DIR *d = opendir(tmp_dir());
	struct dirent *de;
	long found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		long pid = spool_pid(de->d_name);

		if (pid > 0 && pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
			found = pid;
	}
	closedir(d);
	return found;
}

int vx_spool_clean_stale(void (*note)(void *ctx, const char *msg), void *ctx)
{
	const char *tmp = tmp_dir();
	DIR *d = opendir(tmp);
	struct dirent *de;
	int removed = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		long pid = spool_pid(de->d_name);
		char path[4200], msg[4500];

		if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno == EPERM)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", tmp, de->d_name) >= (int)sizeof(path))
			continue;
		if (remove_dir_files(path) == 0) {
			removed++;
			snprintf(msg, sizeof(msg), "removed spool %s (pid %ld is gone)", path, pid);
			if (note)
				note(ctx, msg);
		}
	}
	closedir(d);
	return removed;
}
