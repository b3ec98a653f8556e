/* fleet-send.c: the export's sending thread (fleet-send.h). The main thread fills buffers
 * and queues them; the thread takes them in order and INSERTs each. An error stops the
 * sending and is kept as text (vx_error() belongs to the main thread) until the main thread
 * asks. Must not: build rows, or print.
 */
#include "fleet-send.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/xalloc.h"

struct send_job {
	enum fleet_table_id t;
	struct strbuf rows;
};

struct fleet_sender {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* the queue changed, or stop was asked */
	struct send_job q[FLEET_SEND_QUEUE];
	size_t head, n;
	bool stop, discard;		/* stop when empty; with discard, send nothing more */
	bool running;
	bool failed;
	struct strbuf err;		/* what failed, when @failed */
	struct ch_conn *conn;		/* the thread's own */
	double secs;
	uint64_t bytes;
};

static double now_secs(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *sender_main(void *arg)
{
	struct fleet_sender *s = arg;
	struct strbuf cols = STRBUF_INIT;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct send_job *j;
		bool skip;
		int ret;

		while (!s->n && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->n)
			break;
		j = &s->q[s->head];
		skip = s->failed || s->discard;
		pthread_mutex_unlock(&s->mu);
		ret = 0;
		if (!skip) {
			double t0 = now_secs();

			strbuf_reset(&cols);
			fleet_columns(j->t, &cols);
			ret = ch_insert(s->conn, fleet_tables[j->t].name, cols.buf, j->rows.buf, j->rows.len, true, &s->err);
			s->secs += now_secs() - t0;
			s->bytes += j->rows.len;
		}
		strbuf_release(&j->rows);
		pthread_mutex_lock(&s->mu);
		s->failed = s->failed || ret < 0;
		s->head = (s->head + 1) % FLEET_SEND_QUEUE;
		s->n--;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	strbuf_release(&cols);
	return NULL;
}

struct fleet_sender *fleet_sender_start(const struct ch_conn *c)
{
	struct fleet_sender *s = xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	strbuf_init(&s->err, 0);
	s->conn = ch_open_peer(c, ch_url_of(c)->host, ch_url_of(c)->port);
	ch_use_db(s->conn, true);
	if (pthread_create(&s->th, NULL, sender_main, s)) {
		vx_error("cannot start the thread that sends the rows");
		fleet_sender_free(s);
		return NULL;
	}
	s->running = true;
	return s;
}

int fleet_sender_put(struct fleet_sender *s, enum fleet_table_id t, struct strbuf *rows)
{
	struct send_job *j;

	pthread_mutex_lock(&s->mu);
	while (s->n == FLEET_SEND_QUEUE && !s->failed)
		pthread_cond_wait(&s->cv, &s->mu);
	if (s->failed) {
		pthread_mutex_unlock(&s->mu);
		return vx_error("%s", s->err.buf);
	}
	j = &s->q[(s->head + s->n) % FLEET_SEND_QUEUE];
	j->t = t;
	j->rows = *rows;
	strbuf_init(rows, 0);
	s->n++;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* stop the thread once the queue is empty (@discard: without sending what waits) */
static void sender_stop(struct fleet_sender *s, bool discard)
{
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	s->discard = s->discard || discard;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	s->running = false;
}

int fleet_sender_finish(struct fleet_sender *s, double *secs, uint64_t *bytes)
{
	sender_stop(s, false);
	*secs += s->secs;
	*bytes += s->bytes;
	return s->failed ? vx_error("%s", s->err.buf) : 0;
}

void fleet_sender_free(struct fleet_sender *s)
{
	if (!s)
		return;
	if (s->running)
		sender_stop(s, true);
	for (size_t i = 0; i < s->n; i++)
		strbuf_release(&s->q[(s->head + i) % FLEET_SEND_QUEUE].rows);
	ch_close(s->conn);
	strbuf_release(&s->err);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
