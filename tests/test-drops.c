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
#include "../report/render.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drops_name_place_reason_and_the_failed_lookup),
		cmocka_unit_test(test_drops_summary_and_every_renderer_say_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
