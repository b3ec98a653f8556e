/* tests-common.c: helpers shared by the unit tests (see tests-common.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests-common.h"

static int collect_event(struct vx_sink *s, const struct vx_event *ev)
{
	struct collector *c = s->priv;
	struct collected *e;
	char sym[256];

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->ev = realloc(c->ev, c->cap * sizeof(*c->ev));
	}
	e = &c->ev[c->n++];
	memset(e, 0, sizeof(*e));
	e->name = strdup(ev->name);
	e->comm = ev->comm ? strdup(ev->comm) : NULL;
	e->cpu = ev->cpu;
	e->pid = ev->pid;
	e->ts_ns = ev->ts_ns;
	e->nfields = ev->nfields;
	e->keys = calloc(ev->nfields + 1, sizeof(char *));
	e->values = calloc(ev->nfields + 1, sizeof(char *));
	for (size_t i = 0; i < ev->nfields; i++) {
		e->keys[i] = strdup(ev->fields[i].key);
		e->values[i] = strdup(ev->fields[i].value ? ev->fields[i].value : "");
	}
	e->frames = calloc(ev->nframes + 1, sizeof(char *));
	for (size_t i = 0; i < ev->nframes; i++)
		if (vx_frame_normalize(ev->frames[i], sym, sizeof(sym)) == 0)
			e->frames[e->nframes++] = strdup(sym);
	s->events++;
	return 0;
}

static int collect_meta(struct vx_sink *s, const char *key, const char *value, size_t len)
{
	struct collector *c = s->priv;

	if (!strcmp(key, "kernel_release")) {
		free(c->meta_kernel_release);
		c->meta_kernel_release = strndup(value, len);
	}
	return 0;
}

void collector_init(struct collector *c)
{
	memset(c, 0, sizeof(*c));
	c->sink.event = collect_event;
	c->sink.meta = collect_meta;
	c->sink.priv = c;
}

void collector_release(struct collector *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct collected *e = &c->ev[i];

		for (size_t k = 0; k < e->nfields; k++) {
			free(e->keys[k]);
			free(e->values[k]);
		}
		for (size_t k = 0; k < e->nframes; k++)
			free(e->frames[k]);
		free(e->keys);
		free(e->values);
		free(e->frames);
		free(e->name);
		free(e->comm);
	}
	free(c->ev);
	free(c->meta_kernel_release);
	memset(c, 0, sizeof(*c));
}

const char *collected_field(const struct collected *e, const char *key)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (!strcmp(e->keys[i], key))
			return e->values[i];
	return NULL;
}

int collected_frame(const struct collected *e, const char *sym)
{
	for (size_t i = 0; i < e->nframes; i++)
		if (!strcmp(e->frames[i], sym))
			return (int)i;
	return -1;
}

const char *sample_path(const char *name)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", VX_SAMPLES_DIR, name);
	return buf;
}

int import_path(const char *path, struct vx_sink *sink, const struct vx_format **fmt)
{
	struct vx_input *in = vx_input_open(path);
	const struct vx_format *f;
	struct vx_import_opts opts = { 0 };
	int r;

	if (fmt)
		*fmt = NULL;
	if (!in)
		return -1;
	f = vx_format_detect(in);
	if (fmt)
		*fmt = f;
	r = f ? f->import(in, sink, &opts) : -1;
	vx_input_close(in);
	return r;
}

unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

char *tmp_file(const void *data, size_t len)
{
	char *p = strdup("/tmp/vxtest-XXXXXX");
	int fd = mkstemp(p);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return p;
}

char *test_db_new(void)
{
	char dir[] = "/tmp/vxtest-XXXXXX";
	char *p;

	assert_non_null(mkdtemp(dir));
	p = malloc(strlen(dir) + 16);
	sprintf(p, "%s/test.db", dir);
	return p;
}

void test_db_remove(char *path)
{
	char buf[4200];

	snprintf(buf, sizeof(buf), "rm -rf '%.*s'", (int)(strrchr(path, '/') - path), path);
	if (system(buf) != 0)
		fprintf(stderr, "could not remove %s\n", path);
	free(path);
}

/* the kallsyms a perf.data sample was captured with (perf.data holds no kallsyms of its
 * own): samples/<stem>.kallsyms, where the stem is the file name up to its first '.',
 * shortened at '-' until such a file exists (vxlan-ping.pipe.perf.data → vxlan-ping.kallsyms,
 * flood-free.perf.data → flood.kallsyms); NULL for other files or when there is none */
static const char *sample_kallsyms(const char *path, char *buf, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t dir = base ? (size_t)(base - path) + 1 : 0;
	size_t stem = strcspn(path + dir, ".");
	size_t n = strlen(path);

	if (n < 10 || strcmp(path + n - 10, ".perf.data"))
		return NULL;
	while (stem > 0) {
		snprintf(buf, size, "%.*s%.*s.kallsyms", (int)dir, path, (int)stem, path + dir);
		if (access(buf, R_OK) == 0)
			return buf;
		while (stem > 0 && path[dir + stem - 1] != '-')
			stem--;
		if (stem > 0)
			stem--;	/* drop the '-' */
	}
	return NULL;
}

int64_t store_import_path(const char *db, const char *path)
{
	struct vx_store *st = store_open(db, false);
	char ks[4096];
	/* offline samples are symbolised with their own kallsyms, never the running kernel's */
	struct vx_import_opts opts = { .kallsyms = sample_kallsyms(path, ks, sizeof(ks)) };
	struct vx_import_result res;
	int64_t id = -1;

	if (!st)
		return -1;
	if (vx_import_file(st, path, NULL, &opts, &res) == 0)
		id = res.capture_id;
	store_close(st);
	return id;
}

/* all journeys in detail: the tests look at every one */
static const struct vx_analysis_opts test_aopts = { .max_journeys = SIZE_MAX };

int analyse_db(const char *db, int64_t id, struct vx_dataset *ds, struct vx_analysis *an)
{
	return analyse_db_filtered(db, id, NULL, ds, an);
}

int analyse_db_filtered(const char *db, int64_t id, const struct vx_filter *f, struct vx_dataset *ds,
			struct vx_analysis *an)
{
	struct vx_store *st = store_open(db, true);
	struct vx_analysis_opts o = test_aopts;

	if (!st)
		return -1;
	if (store_load(st, id, true, ds) < 0) {
		store_close(st);
		return -1;
	}
	o.filter = f;
	if (vx_stored_analyse(st, id, &o, an) < 0) {
		vx_dataset_release(ds);
		store_close(st);
		return -1;
	}
	return 0;
}

void analyse_release(struct vx_dataset *ds, struct vx_analysis *an)
{
	struct vx_store *st = vx_stored_analysis_store(an);

	vx_stored_analysis_release(an);
	store_close(st);
	if (ds)
		vx_dataset_release(ds);
}

/* one rec of a dataset as the event a parser would have handed the store: its fields, and
 * the skb address, device and length as fields where the rec has them and its fields do not */
static void rec_event(const struct vx_dataset *ds, const struct vx_rec *r, struct vx_event *ev,
		      struct vx_field *fields, char *skb, size_t skbsz, char *len, size_t lensz)
{
	const struct vx_stack *st = r->stack_id ? vx_dataset_stack(ds, r->stack_id) : NULL;
	size_t n = 0;

	for (size_t i = 0; i < r->nfields; i++)
		fields[n++] = r->fields[i];
	if (r->skb && !vx_rec_field(r, "skbaddr")) {
		snprintf(skb, skbsz, "0x%llx", (unsigned long long)r->skb);
		fields[n++] = (struct vx_field){ "skbaddr", skb };
	}
	if (r->dev && !vx_rec_field(r, "dev"))
		fields[n++] = (struct vx_field){ "dev", r->dev };
	if (r->len >= 0 && !vx_rec_field(r, "len")) {
		snprintf(len, lensz, "%lld", (long long)r->len);
		fields[n++] = (struct vx_field){ "len", len };
	}
	*ev = (struct vx_event){
		.ts_ns = r->ts_ns, .cpu = r->cpu, .pid = r->pid, .comm = r->comm, .name = r->name,
		.fields = fields, .nfields = n,
		.frames = st ? (const char *const *)st->frames : NULL, .nframes = st ? st->nframes : 0,
	};
}

/* the events of capture @capture_id of @ds into @st as one new capture, through the import
 * sink; 0 or -1 */
static int write_capture(struct vx_store *st, const struct vx_dataset *ds, int64_t capture_id)
{
	const struct vx_capture *c = NULL;
	struct vx_sink *sink;
	int64_t id;

	for (size_t i = 0; i < ds->ncaptures; i++)
		if (ds->captures[i].id == capture_id)
			c = &ds->captures[i];
	sink = store_import_begin(st, c && c->source ? c->source : "test", c && c->format ? c->format : "test");
	if (!sink)
		return -1;
	if (c && c->host)
		vx_sink_meta(sink, "hostname", c->host);
	if (c && c->boot_id)
		vx_sink_meta(sink, "boot_id", c->boot_id);
	if (c && c->kernel_release)
		vx_sink_meta(sink, "kernel_release", c->kernel_release);
	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct vx_rec *r = &ds->recs[i];
		struct vx_field *fields;
		struct vx_event ev;
		char skb[24], len[24];
		int ret;

		if (r->capture_id != capture_id)
			continue;
		fields = malloc((r->nfields + 3) * sizeof(*fields));
		rec_event(ds, r, &ev, fields, skb, sizeof(skb), len, sizeof(len));
		ret = vx_sink_event(sink, &ev);
		free(fields);
		if (ret < 0) {
			store_import_rollback(st);
			return -1;
		}
	}
	sink->lost_events = c ? c->lost_events : 0;
	return store_import_commit(st, &id);
}

int test_store_write_dataset(struct vx_store *st, const struct vx_dataset *ds)
{
	int64_t last = 0;

	/* one capture per capture id, in the order they first appear */
	for (size_t i = 0; i < ds->ncaptures; i++)
		if (write_capture(st, ds, ds->captures[i].id) < 0)
			return -1;
	for (size_t i = 0; i < ds->nrecs; i++) {
		bool known = ds->recs[i].capture_id == last;

		for (size_t c = 0; !known && c < ds->ncaptures; c++)
			known = ds->captures[c].id == ds->recs[i].capture_id;
		if (!known && write_capture(st, ds, ds->recs[i].capture_id) < 0)
			return -1;
		last = ds->recs[i].capture_id;
	}
	return 0;
}

int analyse_dataset(const struct vx_dataset *ds, struct vx_analysis *an)
{
	struct vx_store *st = store_open(":memory:", false);

	if (!st)
		return -1;
	if (test_store_write_dataset(st, ds) < 0 || vx_stored_analyse(st, 0, &test_aopts, an) < 0) {
		store_close(st);
		return -1;
	}
	return 0;
}

size_t fib_lookups(const struct vx_dataset *ds)
{
	size_t n = 0;

	for (size_t i = 0; i < ds->nrecs; i++)
		n += vx_event_is_fib_lookup(ds->recs[i].name);
	return n;
}

const struct vx_journey *journey_with_devs(const struct vx_analysis *an, const char *const *devs)
{
	for (size_t j = 0; j < an->njourneys; j++) {
		const struct vx_journey *jj = &an->journeys[j];
		size_t d = 0;

		for (size_t h = 0; h < jj->nhops && devs[d]; h++)
			if (jj->hops[h].dev && !strcmp(jj->hops[h].dev, devs[d]))
				d++;
		if (!devs[d])
			return jj;
	}
	return NULL;
}
