/* test-drops.c: dropped journeys on a real capture (samples/why-drops-6.1.trace, Debian 6.1
 * guest): one ping each against a blackhole, an unreachable and a prohibit route on the
 * remote host; each drop names its place and the failed lookup that explains it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"
#include "report/render.h"
#include "report/filter.h"
#include "store/store.h"

static void test_drops_name_place_reason_and_the_failed_lookup(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	int errs[3], n = 0, consumed = 0;

	(void)state;
	assert_true(store_import_path(db, sample_path("why-drops-6.1.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	for (size_t k = 0; k < an.njourneys; k++) {
		const struct vx_journey *j = &an.journeys[k];
		const char *last = j->hops[j->nhops - 1].event;

		if (!strcmp(last, "skb:consume_skb")) {
			assert_null(j->drop);	/* freed normally: not a drop */
			consumed++;
			continue;
		}
		if (!j->drop || !j->drop->lookup)
			continue;
		assert_string_equal(last, "skb:kfree_skb");
		assert_string_equal(j->drop->location, "ip_error");
		assert_string_equal(j->drop->reason, "NOT_SPECIFIED");
		assert_int_equal(j->drop->lookup->table, 254);
		assert_string_equal(j->drop->lookup->dst, "10.244.2.7");
		assert_true(n < 3);
		errs[n++] = j->drop->lookup->err;
	}
	/* in the order of the capture: blackhole, unreachable, prohibit */
	assert_int_equal(n, 3);
	assert_int_equal(errs[0], -22);
	assert_int_equal(errs[1], -113);
	assert_int_equal(errs[2], -13);
	assert_true(consumed > 0);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

static void test_drops_summary_and_every_renderer_say_it(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	char *text = NULL;
	size_t len = 0, ip_error = 0;
	FILE *out;

	(void)state;
	assert_true(store_import_path(db, sample_path("why-drops-6.1.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	assert_true(an.ndrops >= 1);
	for (size_t i = 0; i < an.ndrops; i++) {
		if (an.drops[i].location && !strcmp(an.drops[i].location, "ip_error"))
			ip_error = an.drops[i].count;
		if (i)	/* most frequent first */
			assert_true(an.drops[i - 1].count >= an.drops[i].count);
	}
	assert_int_equal(ip_error, 3);

	out = open_memstream(&text, &len);
	assert_int_equal(vx_render_text.write(out, &an, NULL), 0);
	fclose(out);
	assert_non_null(strstr(text, "dropped at ip_error (NOT_SPECIFIED) after route lookup err -22 (blackhole) in"));
	assert_non_null(strstr(text, "3 NOT_SPECIFIED at ip_error"));
	free(text);
	text = NULL;
	out = open_memstream(&text, &len);
	assert_int_equal(vx_render_json.write(out, &an, NULL), 0);
	fclose(out);
	assert_non_null(strstr(text, "\"drops\""));
	assert_non_null(strstr(text, "\"verdict\": \"blackhole\""));
	assert_non_null(strstr(text, "\"location\": \"ip_error\""));
	free(text);
	text = NULL;
	out = open_memstream(&text, &len);
	assert_int_equal(vx_render_html.write(out, &an, NULL), 0);
	fclose(out);
	assert_non_null(strstr(text, "<section id=\"drops\">"));
	assert_non_null(strstr(text, "after route lookup err -113 (unreachable) in table main"));
	free(text);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

/* ---- the streamed report (vx_analysis_stream over the store's cursors, as cmd-report.c) ---- */

struct src {
	struct vx_store *st;
	vx_rec_fn fn;
	void *arg;
	struct store_row *row;
};

static int s_captures(void *priv, struct vx_dataset *ds)
{
	return store_load(((struct src *)priv)->st, 0, false, ds);
}

static int s_paths(void *priv, int (*fn)(void *arg, const struct vx_path_row *p), void *arg)
{
	return store_paths_each(((struct src *)priv)->st, 0, fn, arg);
}

static int s_pass(void *arg, const struct vx_rec *r, struct store_row *row)
{
	struct src *s = arg;
	int ret;

	s->row = row;
	ret = s->fn(s->arg, r);
	s->row = NULL;
	return ret;
}

static size_t s_row_fields(void *priv, struct arena *a, struct vx_field **out)
{
	return store_row_fields(((struct src *)priv)->row, a, out);
}

static int s_by_skb(void *priv, vx_rec_fn fn, void *arg)
{
	struct src *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_events_by_skb_each(s->st, 0, s_pass, s);
}

static int s_route(void *priv, vx_rec_fn fn, void *arg)
{
	struct src *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_route_events_each(s->st, 0, s_pass, s);
}

static int s_events(void *priv, vx_rec_fn fn, void *arg)
{
	struct src *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_events_each(s->st, 0, s_pass, s);
}

static int s_fields(void *priv, int64_t id, struct arena *a, struct vx_field **out, size_t *n)
{
	return store_event_fields(((struct src *)priv)->st, id, a, out, n);
}

static size_t drops_total(const struct vx_analysis *an)
{
	size_t n = 0;

	for (size_t i = 0; i < an->ndrops; i++)
		n += an->drops[i].count;
	return n;
}

/* the drop summary counts every journey, not only the kept ones; --filter applies before it */
static void test_streamed_drop_summary_counts_every_journey_and_follows_the_filter(void **state)
{
	char *db = test_db_new();
	struct src s = { 0 };
	const struct vx_event_source src = {
		.priv = &s, .captures = s_captures, .paths_each = s_paths,
		.journey_events_each = s_by_skb, .route_events_each = s_route,
		.events_each = s_events, .event_fields = s_fields,
		.row_fields = s_row_fields,
	};
	struct vx_analysis whole, an;
	struct vx_dataset ds;
	struct vx_filter *f;
	struct vx_analysis_opts o = { .max_journeys = 2 };

	(void)state;
	assert_true(store_import_path(db, sample_path("why-drops-6.1.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &whole), 0);
	s.st = store_open(db, true);
	assert_non_null(s.st);

	/* two journeys kept, the summary and the totals from all of them */
	assert_int_equal(vx_analysis_stream(&src, &o, &an), 0);
	assert_int_equal(an.njourneys, 2);
	assert_int_equal(an.journeys_total, whole.njourneys);
	assert_int_equal(an.ndrops, whole.ndrops);
	assert_int_equal(drops_total(&an), drops_total(&whole));
	assert_int_equal(drops_total(&an), 7);
	for (size_t i = 0; i < an.ndrops; i++) {
		assert_string_equal(an.drops[i].location, whole.drops[i].location);
		assert_int_equal(an.drops[i].count, whole.drops[i].count);
	}
	/* the kept journeys are the first two, with their drop, route and end as built whole */
	for (size_t k = 0; k < an.njourneys; k++) {
		const struct vx_journey *a = &an.journeys[k], *b = &whole.journeys[k];

		assert_int_equal(a->nhops, b->nhops);
		assert_int_equal(a->end, b->end);
		assert_int_equal(!a->drop, !b->drop);
		if (a->drop) {
			assert_string_equal(a->drop->location, b->drop->location);
			assert_int_equal(!a->drop->lookup, !b->drop->lookup);
			if (a->drop->lookup)
				assert_int_equal(a->drop->lookup->err, b->drop->lookup->err);
		}
		for (size_t h = 0; h < a->nhops; h++)
			assert_int_equal(!a->hops[h].route, !b->hops[h].route);
	}
	vx_analysis_release(&an);

	/* --filter before counting: only dropped journeys, all 7 of them in the summary */
	f = vx_filter_parse("dropped");
	assert_non_null(f);
	o.filter = f;
	assert_int_equal(vx_analysis_stream(&src, &o, &an), 0);
	assert_int_equal(an.journeys_total, 7);
	assert_int_equal(drops_total(&an), 7);
	for (size_t k = 0; k < an.njourneys; k++)
		assert_non_null(an.journeys[k].drop);
	vx_analysis_release(&an);
	vx_filter_free(f);

	f = vx_filter_parse("not dropped");
	assert_non_null(f);
	o.filter = f;
	assert_int_equal(vx_analysis_stream(&src, &o, &an), 0);
	assert_int_equal(an.journeys_total, whole.njourneys - 7);
	assert_int_equal(an.ndrops, 0);
	vx_analysis_release(&an);
	vx_filter_free(f);

	store_close(s.st);
	analyse_release(&ds, &whole);
	test_db_remove(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drops_name_place_reason_and_the_failed_lookup),
		cmocka_unit_test(test_drops_summary_and_every_renderer_say_it),
		cmocka_unit_test(test_streamed_drop_summary_counts_every_journey_and_follows_the_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
