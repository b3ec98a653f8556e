/* test-render.c: the html, dot, folded and chrome renderers on a hand-built analysis of
 * the Calico VXLAN journey (pod -> cali1 -> vxlan.calico -> eth0 ... -> cali2), a hostile
 * one (markup in device names, comms, frames and extack messages) and a huge synthetic
 * one (the html size bound). Real samples are rendered by tests/html-chromium.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/flow.h"
#include "core/sha256.h"
#include "report/render.h"

#define HOSTILE "<img src=x onerror=alert(1)>"
#define HOSTILE_ESCAPED "&lt;img src=x onerror=alert(1)&gt;"

/* layer of a frame name, by prefix: enough for the fixture, independent of layers.c */
static enum vx_layer fixture_layer(const char *f)
{
	static const struct {
		const char *prefix;
		enum vx_layer layer;
	} t[] = {
		{ "do_syscall", VX_LAYER_SYSCALL }, { "__x64_sys", VX_LAYER_SYSCALL },
		{ "__sys_", VX_LAYER_SOCKET }, { "sock_", VX_LAYER_SOCKET },
		{ "raw_", VX_LAYER_L4 }, { "udp", VX_LAYER_L4 },
		{ "iptunnel", VX_LAYER_TUNNEL }, { "vxlan", VX_LAYER_TUNNEL },
		{ "ip_", VX_LAYER_IP }, { "fib_", VX_LAYER_ROUTE }, { "__inet_dev_addr", VX_LAYER_ROUTE },
		{ "inet_rtm", VX_LAYER_ROUTE }, { "netlink", VX_LAYER_NETLINK },
		{ "rtnetlink", VX_LAYER_NETLINK }, { "process_backlog", VX_LAYER_SOFTIRQ },
		{ "net_rx_action", VX_LAYER_SOFTIRQ }, { "dev_", VX_LAYER_DEV },
		{ "__dev_", VX_LAYER_DEV }, { "__netif", VX_LAYER_DEV }, { "netif", VX_LAYER_DEV },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strncmp(f, t[i].prefix, strlen(t[i].prefix)))
			return t[i].layer;
	return VX_LAYER_OTHER;
}

/* separate runs of IP frames from the outermost frame inward, OTHER frames transparent */
static int fixture_ip_passes(const enum vx_layer *l, size_t n)
{
	int passes = 0;
	bool in_ip = false;

	for (size_t i = n; i-- > 0;) {
		if (l[i] == VX_LAYER_OTHER)
			continue;
		if (l[i] == VX_LAYER_IP && !in_ip)
			passes++;
		in_ip = l[i] == VX_LAYER_IP;
	}
	return passes;
}

/* ---- fixture builder ---- */

#define MAXP 16
#define MAXR 64
#define MAXJ 16

struct fixture {
	struct vx_dataset ds;
	struct vx_analysis an;
	struct vx_capture cap;
	struct vx_stack stacks[MAXP];
	struct vx_path paths[MAXP];
	enum vx_layer layers[MAXP][64];
	struct vx_rec recs[MAXR];
	struct vx_field fields[MAXR][2];
	struct vx_hop hops[MAXR];
	struct vx_journey journeys[MAXJ];
	size_t nhops;
};

static const struct vx_path *add_path(struct fixture *f, const char *event, const char **frames,
				      size_t n, size_t count)
{
	size_t i = f->an.npaths++;
	struct vx_path *p = &f->paths[i];
	struct vx_stack *s = &f->stacks[i];

	s->id = (int64_t)i + 1;
	s->nframes = n;
	s->frames = frames;
	p->id = (int)i + 1;
	p->event = event;
	p->stack = s;
	p->layers = f->layers[i];
	p->count = count;
	for (size_t k = 0; k < n; k++)
		p->layers[k] = fixture_layer(frames[k]);
	p->ip_passes = fixture_ip_passes(p->layers, n);
	f->ds.nstacks = f->an.npaths;
	vx_path_index_build(&f->an.pathidx, f->paths, f->an.npaths);
	return p;
}

static struct vx_rec *add_rec(struct fixture *f, uint64_t ts, const char *event, const char *dev,
			      int64_t len, uint64_t skb, const struct vx_path *p)
{
	struct vx_rec *r = &f->recs[f->ds.nrecs];

	r->id = (int64_t)f->ds.nrecs + 1;
	r->capture_id = 1;
	r->ts_ns = ts;
	r->cpu = 1;
	r->pid = 4242;
	r->comm = "ping";
	r->name = event;
	r->dev = dev;
	r->len = len;
	r->skb = skb;
	r->stack_id = p ? p->stack->id : 0;
	r->fields = f->fields[f->ds.nrecs];
	f->ds.nrecs++;
	return r;
}

static void add_hop(struct fixture *f, struct vx_journey *j, struct vx_rec *r, const struct vx_path *p)
{
	struct vx_hop *h = &f->hops[f->nhops++];

	if (!j->hops)
		j->hops = h;
	h->ts_ns = r->ts_ns;
	h->rec = r;
	h->event = r->name;
	h->dev = r->dev;
	h->len = r->len;
	h->path = p;
	j->nhops++;
}

/* path frames, innermost first */
static const char *f_pod_xmit[] = {
	"dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2", "ip_output",
	"ip_push_pending_frames", "raw_sendmsg", "__sys_sendto", "__x64_sys_sendto", "do_syscall_64",
};
static const char *f_cali1_rcv[] = {
	"__netif_receive_skb_core", "__netif_receive_skb_one_core", "process_backlog", "net_rx_action",
	"handle_softirqs", "do_softirq", "__local_bh_enable_ip", "ip_finish_output2", "ip_output",
	"ip_push_pending_frames", "raw_sendmsg", "__sys_sendto", "__x64_sys_sendto", "do_syscall_64",
};
static const char *f_vxlan_xmit[] = {
	"dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2", "ip_output", "ip_forward",
	"ip_rcv", "__netif_receive_skb_one_core", "process_backlog", "net_rx_action",
	"handle_softirqs", "do_softirq", "__local_bh_enable_ip", "ip_finish_output2", "ip_output",
	"ip_push_pending_frames", "raw_sendmsg", "__sys_sendto", "__x64_sys_sendto", "do_syscall_64",
};
static const char *f_eth0_xmit[] = {
	"dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2", "ip_output",
	"iptunnel_xmit", "vxlan_xmit_one", "vxlan_xmit", "dev_hard_start_xmit", "__dev_queue_xmit",
	"ip_finish_output2", "ip_output", "ip_forward", "ip_rcv", "__netif_receive_skb_one_core",
	"process_backlog", "net_rx_action", "handle_softirqs", "do_softirq", "__local_bh_enable_ip",
	"ip_finish_output2", "ip_output", "ip_push_pending_frames", "raw_sendmsg", "__sys_sendto",
	"__x64_sys_sendto", "do_syscall_64",
};
static const char *f_cali2_xmit[] = {
	"dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2", "ip_output", "ip_forward",
	"ip_rcv", "__netif_receive_skb_one_core", "process_backlog", "net_rx_action",
};
static const char *f_route[] = {
	"fib_table_lookup", "__inet_dev_addr_type", "fib_check_nh_v4_gw", "fib_create_info",
	"fib_table_insert", "inet_rtm_newroute", "rtnetlink_rcv_msg", "netlink_rcv_skb",
	"netlink_unicast", "netlink_sendmsg", "__sys_sendmsg", "do_syscall_64",
};
static const char *f_hostile[] = { "<script>alert(1)</script>", "ip_output", "sock;with space" };

/* the lab's VXLAN journey: 8 hops, one skb, one of them on a hostile device when asked */
static void add_vxlan_journey(struct fixture *f, uint64_t t, uint64_t skb, const struct vx_path **p,
			      const char *odd_dev)
{
	struct vx_journey *j = &f->journeys[f->an.njourneys++];
	struct vx_rec *r;

	j->id = (int)f->an.njourneys;
	j->capture_id = 1;
	j->skb = skb;
	add_hop(f, j, add_rec(f, t, "net:net_dev_start_xmit", "eth0", 98, skb, p[0]), p[0]);
	add_hop(f, j, add_rec(f, t + 2100, "net:netif_receive_skb", "cali1", 84, skb, p[1]), p[1]);
	add_hop(f, j, add_rec(f, t + 9800, "net:net_dev_start_xmit", "vxlan.calico", 98, skb, p[2]), p[2]);
	r = add_rec(f, t + 15400, "net:net_dev_start_xmit", "eth0", 148, skb, p[3]);
	r->fields[0].key = "vni";
	r->fields[0].value = "4096";
	r->nfields = 1;
	add_hop(f, j, r, p[3]);
	add_hop(f, j, add_rec(f, t + 19000, "net:netif_receive_skb", "eth0", 134, skb, NULL), NULL);
	add_hop(f, j, add_rec(f, t + 31000, "net:netif_receive_skb", "vxlan.calico", 84, skb, NULL), NULL);
	add_hop(f, j, add_rec(f, t + 36000, "net:net_dev_start_xmit", odd_dev ? odd_dev : "cali2", 98,
			      skb, p[4]), p[4]);
	add_hop(f, j, add_rec(f, t + 38000, "net:netif_receive_skb", "eth0", 84, skb, NULL), NULL);
	j->encap = "vxlan";
	j->tunnel_dev = "vxlan.calico";
	j->encap_hop = 3;
	j->decap_hop = 5;
	j->overhead_bytes = 50;
	j->reenters_ip_after_encap = true;
	vx_journey_segments(j);
}

static struct fixture *fixture_new(int njourneys, const char *odd_dev)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const struct vx_path *p[5];

	f->cap.id = 1;
	f->cap.source = "samples/vxlan-ping.trace";
	f->cap.format = "ftrace-text";
	f->cap.kernel_release = "6.18.0";
	f->cap.first_ts = 1000000;
	f->ds.captures = &f->cap;
	f->ds.ncaptures = 1;
	f->ds.stacks = f->stacks;
	f->ds.recs = f->recs;
	f->an.ds = &f->ds;
	f->an.paths = f->paths;
	f->an.journeys = f->journeys;
	p[0] = add_path(f, "net:net_dev_start_xmit", f_pod_xmit, 9, (size_t)njourneys);
	p[1] = add_path(f, "net:netif_receive_skb", f_cali1_rcv, 14, (size_t)njourneys);
	p[2] = add_path(f, "net:net_dev_start_xmit", f_vxlan_xmit, 19, (size_t)njourneys);
	p[3] = add_path(f, "net:net_dev_start_xmit", f_eth0_xmit, 26, (size_t)njourneys);
	p[4] = add_path(f, "net:net_dev_start_xmit", f_cali2_xmit, 9, (size_t)njourneys);
	f->paths[3].encap = "vxlan";
	f->paths[3].reenters_ip_after_encap = true;
	for (int i = 0; i < njourneys; i++)
		add_vxlan_journey(f, 1000000 + (uint64_t)i * 1000000000ULL, 0xffff888004a1c000ULL + i,
				  p, i == 0 ? odd_dev : NULL);
	return f;
}

static void fixture_free(struct fixture *f)
{
	vx_path_index_release(&f->an.pathidx);
	free(f);
}

/* render @an with @r into a malloc'd string (caller frees). Not inlined: GCC's
 * -Wdangling-pointer takes the string for the local whose address open_memstream got. */
__attribute__((noinline)) static char *render(const struct vx_renderer *r, const struct vx_analysis *an, int max, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *mem = open_memstream(&buf, &n);
	struct vx_render_opts opts = { .max_journeys = max };

	assert_non_null(mem);
	assert_int_equal(r->write(mem, an, &opts), 0);
	assert_int_equal(fclose(mem), 0);
	if (len)
		*len = n;
	return buf;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- html ---- */

static void test_html_draws_a_hop_node_for_every_device_of_the_journey(void **state)
{
	struct fixture *f = fixture_new(1, NULL);
	char *html = render(&vx_render_html, &f->an, 0, NULL);

	assert_non_null(strstr(html, "<g class=\"hop\" tabindex=\"0\" role=\"button\" data-dev=\"cali1\""));
	assert_non_null(strstr(html, "data-dev=\"vxlan.calico\""));
	assert_non_null(strstr(html, "data-dev=\"eth0\""));
	assert_non_null(strstr(html, "data-dev=\"cali2\""));
	assert_int_equal(count_of(html, "<g class=\"hop\""), 8);
	/* the namespaces the packet crosses, from transmit/receive pairs */
	assert_true(strstr(html, ">sender</text>") < strstr(html, ">encapsulating host</text>"));
	assert_true(strstr(html, ">encapsulating host</text>") < strstr(html, ">decapsulating host</text>"));
	assert_true(strstr(html, ">decapsulating host</text>") < strstr(html, ">receiver</text>"));
	assert_int_equal(count_of(html, "<line class=\"nsline\""), 3);
	/* the underlay hop carries its length and the delay since the tunnel device */
	assert_non_null(strstr(html, "148 B \xc2\xb7 +5.6 \xc2\xb5s"));
	free(html);
	fixture_free(f);
}

/* @fmt with the class number of layer @l: the page names a layer's colour by its number
 * (ly<N>), the tests by the layer (static buffer) */
static const char *layer_class(const char *fmt, enum vx_layer l)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), fmt, (int)l);
	return buf;
}

static void test_html_marks_the_second_pass_through_ip_after_vxlan(void **state)
{
	struct fixture *f = fixture_new(1, NULL);
	char *html = render(&vx_render_html, &f->an, 0, NULL);

	/* the re-entry: the arrow, its label and the IP waypoint all carry class reenter */
	assert_int_equal(count_of(html, "<path class=\"seg reenter\""), 1);
	assert_int_equal(count_of(html, "<text class=\"reenter\""), 1);
	assert_non_null(strstr(html, "2nd pass through IP (ip_local_out)"));
	assert_non_null(strstr(html, layer_class("<g class=\"wp ly%d reenter\">", VX_LAYER_IP)));
	/* drawn from the stack: the tunnel run vxlan_xmit -> iptunnel_xmit, then ip_output */
	assert_non_null(strstr(html, "vxlan_xmit</text><text"));
	assert_non_null(strstr(html, "VXLAN +50 bytes \xc2\xb7 VNI 4096"));
	assert_null(strstr(html, "reenter synthetic"));
	/* the stack of the underlay hop is in the page, innermost frame first, with layers */
	assert_non_null(strstr(html, layer_class("<template id=\"stack-4\"><ol class=\"stack\"><li class=\"ly%d\">"
						 "<span class=\"n\">0</span><span class=\"fn\">dev_hard_start_xmit"
						 "</span><span class=\"ly\">dev</span>", VX_LAYER_DEV)));
	assert_non_null(strstr(html, "data-featured=\"1\""));
	free(html);
	fixture_free(f);
}

static void test_html_infers_the_reentry_when_stacks_are_missing(void **state)
{
	struct fixture *f = fixture_new(1, NULL);
	char *html;

	for (size_t i = 0; i < f->nhops; i++)
		f->hops[i].path = NULL;
	f->an.npaths = 0;
	html = render(&vx_render_html, &f->an, 0, NULL);
	assert_int_equal(count_of(html, "<path class=\"seg reenter\""), 1);
	assert_non_null(strstr(html, layer_class("<g class=\"wp ly%d reenter synthetic\">", VX_LAYER_IP)));
	assert_non_null(strstr(html, "2nd pass through IP (ip_local_out)"));
	free(html);
	fixture_free(f);
}

/* the page's policy allows its one style element and its one script element by their
 * SHA-256, and nothing inline besides */
static void assert_csp_names_own_script_and_style(const char *html)
{
	static const char *const tags[][3] = { { "<style>", "</style>", "style-src " },
					       { "<script>", "</script>", "script-src " } };
	const char *meta = strstr(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ");

	assert_non_null(meta);
	assert_null(strstr(html, "unsafe-inline"));
	for (size_t i = 0; i < 2; i++) {
		const char *a = strstr(html, tags[i][0]), *b = a ? strstr(a, tags[i][1]) : NULL;
		struct strbuf want = STRBUF_INIT;

		assert_non_null(b);
		a += strlen(tags[i][0]);
		strbuf_addstr(&want, tags[i][2]);
		vx_csp_hash(&want, a, (size_t)(b - a));
		assert_non_null(strstr(meta, want.buf));
		assert_true(strstr(meta, want.buf) < strchr(meta, '>'));
		strbuf_release(&want);
	}
}

static void test_html_escapes_capture_strings(void **state)
{
	struct fixture *f = fixture_new(1, HOSTILE);
	const struct vx_path *hp = add_path(f, "net:net_dev_start_xmit", f_hostile, 3, 1);
	struct vx_rec *r;
	char *html;

	f->recs[0].comm = HOSTILE;
	f->cap.source = "\"><script>alert(2)</script>";
	f->hops[0].path = hp;
	r = add_rec(f, 5000000, "netlink:netlink_extack", NULL, -1, 0, NULL);
	r->comm = HOSTILE;
	r->fields[0].key = "msg";
	r->fields[0].value = "Nexthop has invalid gateway " HOSTILE "\x01\xff";
	r->nfields = 1;
	html = render(&vx_render_html, &f->an, 0, NULL);
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "<script>alert"));
	assert_null(strstr(html, "\x01"));
	assert_non_null(strstr(html, "data-dev=\"" HOSTILE_ESCAPED "\""));
	assert_non_null(strstr(html, "&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "Nexthop has invalid gateway " HOSTILE_ESCAPED "\xef\xbf\xbd"));
	/* exactly one script element, ours, and nothing fetched */
	assert_int_equal(count_of(html, "<script"), 1);
	assert_null(strstr(html, " src=\"http"));
	assert_null(strstr(html, "<link"));
	assert_csp_names_own_script_and_style(html);
	free(html);
	fixture_free(f);
}

static void test_html_groups_journeys_of_the_same_shape(void **state)
{
	struct fixture *f = fixture_new(3, NULL);
	char *html = render(&vx_render_html, &f->an, 0, NULL);

	assert_int_equal(count_of(html, "<section class=\"journey\""), 1);
	assert_non_null(strstr(html, "<b>3</b> journeys with this shape"));
	free(html);
	/* one hop of another length is another shape, drawn after the frequent one */
	f->hops[f->journeys[2].hops - f->hops + 3].len = 150;
	html = render(&vx_render_html, &f->an, 0, NULL);
	assert_int_equal(count_of(html, "<section class=\"journey\""), 2);
	assert_true(strstr(html, "<b>2</b> journeys") < strstr(html, "<b>1</b> journey with"));
	free(html);
	/* --max-journeys 1 draws one shape and says what is left out */
	html = render(&vx_render_html, &f->an, 1, NULL);
	assert_int_equal(count_of(html, "<section class=\"journey\""), 1);
	assert_non_null(strstr(html, "1 less frequent shapes (1 journeys) are not drawn"));
	free(html);
	fixture_free(f);
}

static void test_html_lists_route_events_and_draws_their_stack(void **state)
{
	struct fixture *f = fixture_new(0, NULL);
	const struct vx_path *p = add_path(f, "fib:fib_table_lookup", f_route, 12, 1);
	struct vx_rec *r = add_rec(f, 2000000, "fib:fib_table_lookup", NULL, -1, 0, p);
	char *html;

	r->comm = "ip";
	r->fields[0].key = "err";
	r->fields[0].value = "-11";
	r->nfields = 1;
	html = render(&vx_render_html, &f->an, 0, NULL);
	assert_non_null(strstr(html, "<section id=\"route\"><h2>Route events (1)</h2>"));
	assert_non_null(strstr(html, "local-table lookup: is the gateway a local address? (onlink route)"));
	assert_non_null(strstr(html, "err -11 (no matching route in this table)"));
	/* the path of an event without an skb gets its own diagram */
	assert_non_null(strstr(html, "Path diagram"));
	assert_non_null(strstr(html, "data-dev=\"\" data-event=\"fib:fib_table_lookup\""));
	free(html);
	fixture_free(f);
}

/*
 * A capture far larger than any page: 20000 distinct journeys of 60 hops, 5000 paths of
 * 400 frames (half of them used by no journey), 2000 route events, every name long and
 * made of characters that escaping lengthens. The page must stay within the bound the
 * renderer's head comment states (8 MB with the default 20 shapes).
 */
static void test_html_size_is_bounded_whatever_the_capture(void **state)
{
	enum { NJ = 20000, NP = 5000, NF = 400, NH = 60, NR = 2000 };
	struct vx_analysis an = { 0 };
	struct vx_dataset ds = { 0 };
	struct vx_capture cap = { .id = 1, .source = "big", .format = "ftrace-text" };
	char name[512];
	const char **frames = malloc(NF * sizeof(*frames));
	enum vx_layer *layers = malloc(NF * sizeof(*layers));
	struct vx_stack *stacks = calloc(NP, sizeof(*stacks));
	struct vx_hop *hops = calloc((size_t)NJ * NH, sizeof(*hops));
	struct vx_rec *recs = calloc(NR, sizeof(*recs));
	struct vx_field fields[12];
	size_t len;
	char *html;

	memset(name, '"', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (int i = 0; i < NF; i++) {
		frames[i] = name;
		layers[i] = (enum vx_layer)(i % VX_LAYER_COUNT);
	}
	for (int i = 0; i < 12; i++)
		fields[i] = (struct vx_field){ name, name };
	for (int i = 0; i < NR; i++)
		recs[i] = (struct vx_rec){ .id = i + 1, .capture_id = 1, .comm = name,
					   .name = i % 2 ? "fib:fib_table_lookup" : "netlink:netlink_extack",
					   .len = -1, .stack_id = 1 + i % NP, .nfields = 12,
					   .fields = fields };
	ds.captures = &cap;
	ds.ncaptures = 1;
	ds.recs = recs;
	ds.nrecs = NR;
	an.ds = &ds;
	an.npaths = NP;
	an.paths = calloc(NP, sizeof(*an.paths));
	for (int i = 0; i < NP; i++) {
		stacks[i].id = i + 1;
		stacks[i].nframes = NF;
		stacks[i].frames = frames;
		an.paths[i] = (struct vx_path){ .id = i + 1, .event = name, .stack = &stacks[i],
						.layers = layers, .count = (size_t)(NP - i),
						.ip_passes = 9, .encap = "vxlan",
						.reenters_ip_after_encap = true };
	}
	an.njourneys = NJ;
	an.journeys = calloc(NJ, sizeof(*an.journeys));
	for (int i = 0; i < NJ; i++) {
		struct vx_journey *j = &an.journeys[i];

		j->id = i + 1;
		j->skb = 0xffff000000000000ULL + (uint64_t)i;
		j->hops = &hops[(size_t)i * NH];
		j->nhops = NH;
		j->encap = "vxlan";
		j->tunnel_dev = name;
		j->encap_hop = 3;
		j->decap_hop = -1;
		j->overhead_bytes = 50;
		for (int k = 0; k < NH; k++)
			j->hops[k] = (struct vx_hop){ .ts_ns = (uint64_t)k * 1000, .event = name,
						      .dev = name, .len = i,
						      .path = &an.paths[(i * NH + k) % (NP / 2)] };
		vx_journey_segments(j);
	}
	vx_path_index_build(&an.pathidx, an.paths, an.npaths);
	html = render(&vx_render_html, &an, 0, &len);
	if (getenv("VX_DUMP")) fwrite(html, 1, len, stdout);
	print_message("html of the synthetic capture: %zu bytes\n", len);
	assert_true(len < 8u * 1024 * 1024);
	free(html);
	free(recs);
	vx_path_index_release(&an.pathidx);
	free(an.journeys);
	free(an.paths);
	free(hops);
	free(stacks);
	free(frames);
	free(layers);
}

/* ---- dot ---- */

static void test_dot_is_a_digraph_with_escaped_labels_and_the_reentry(void **state)
{
	struct fixture *f = fixture_new(2, "q\"uote\\back\nline");
	char *dot = render(&vx_render_dot, &f->an, 0, NULL);

	assert_true(!strncmp(dot, "// vxanalyze", 12));
	assert_non_null(strstr(dot, "digraph vxanalyze {"));
	assert_int_equal(count_of(dot, "{"), count_of(dot, "}"));
	assert_non_null(strstr(dot, "q\\\"uote\\\\back?line"));
	assert_non_null(strstr(dot, "class=\"reenter\", label=\"2nd pass through IP (ip_local_out)\""));
	assert_non_null(strstr(dot, "subgraph cluster_g1_tunnel"));
	assert_non_null(strstr(dot, "vxlan_xmit\\n-> iptunnel_xmit\\nvxlan +50 bytes"));
	free(dot);
	fixture_free(f);
}

/* ---- folded ---- */

static void test_folded_has_one_line_per_stack_and_counts_add_up(void **state)
{
	struct fixture *f = fixture_new(3, NULL);
	const struct vx_path *hp = add_path(f, "net:net_dev_start_xmit", f_hostile, 3, 7);
	char *out = render(&vx_render_folded, &f->an, 0, NULL), *line, *save = NULL;
	size_t sum = 0, lines = 0, want = 0;

	for (size_t i = 0; i < f->an.npaths; i++)
		want += f->an.paths[i].count;
	assert_non_null(strstr(out, "do_syscall_64;__x64_sys_sendto;__sys_sendto;raw_sendmsg;"
				    "ip_push_pending_frames;ip_output;ip_finish_output2;__dev_queue_xmit;"
				    "dev_hard_start_xmit;net:net_dev_start_xmit 3\n"));
	/* ';' and blanks inside a frame name would split or end the line: made harmless */
	assert_non_null(strstr(out, "sock:with_space;ip_output;<script>alert(1)</script>;"
				    "net:net_dev_start_xmit 7\n"));
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' ');

		assert_non_null(sp);
		assert_null(memchr(line, ' ', (size_t)(sp - line)));
		sum += strtoul(sp + 1, NULL, 10);
		lines++;
	}
	assert_int_equal(lines, f->an.npaths);
	assert_int_equal(sum, want);
	(void)hp;
	free(out);
	fixture_free(f);
}

/* ---- chrome ---- */

static void test_chrome_trace_has_a_track_per_device_and_us_timestamps(void **state)
{
	struct fixture *f = fixture_new(1, HOSTILE);
	char *out = render(&vx_render_chrome, &f->an, 0, NULL);

	assert_true(!strncmp(out, "{\"displayTimeUnit\":\"ns\"", 23));
	assert_non_null(strstr(out, "\"traceEvents\":["));
	assert_non_null(strstr(out, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":2,"
				    "\"args\":{\"name\":\"eth0\"}}"));
	assert_non_null(strstr(out, "\"args\":{\"name\":\"cali1\"}"));
	assert_non_null(strstr(out, "\"args\":{\"name\":\"" HOSTILE "\"}"));
	/* hop 4 (eth0, 148 bytes) 15.4 µs after the first event, on eth0's track */
	assert_non_null(strstr(out, "\"ph\":\"i\",\"s\":\"t\",\"ts\":15.400,\"pid\":1,\"tid\":2,"
				    "\"args\":{\"skb\":\"0xffff888004a1c000\",\"len\":148,\"dev\":\"eth0\","
				    "\"path\":4,\"ip_passes\":"));
	assert_non_null(strstr(out, "\"journey\":1"));
	assert_int_equal(count_of(out, "\"ph\":\"i\""), 8);
	assert_int_equal(count_of(out, "{"), count_of(out, "}"));
	free(out);
	fixture_free(f);
}

/* ---- the renderer table ---- */

static void test_renderer_table_has_the_four_formats(void **state)
{
	assert_ptr_equal(vx_renderer_by_name("html"), &vx_render_html);
	assert_ptr_equal(vx_renderer_by_name("dot"), &vx_render_dot);
	assert_ptr_equal(vx_renderer_by_name("folded"), &vx_render_folded);
	assert_ptr_equal(vx_renderer_by_name("chrome"), &vx_render_chrome);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_draws_a_hop_node_for_every_device_of_the_journey),
		cmocka_unit_test(test_html_marks_the_second_pass_through_ip_after_vxlan),
		cmocka_unit_test(test_html_infers_the_reentry_when_stacks_are_missing),
		cmocka_unit_test(test_html_escapes_capture_strings),
		cmocka_unit_test(test_html_groups_journeys_of_the_same_shape),
		cmocka_unit_test(test_html_lists_route_events_and_draws_their_stack),
		cmocka_unit_test(test_html_size_is_bounded_whatever_the_capture),
		cmocka_unit_test(test_dot_is_a_digraph_with_escaped_labels_and_the_reentry),
		cmocka_unit_test(test_folded_has_one_line_per_stack_and_counts_add_up),
		cmocka_unit_test(test_chrome_trace_has_a_track_per_device_and_us_timestamps),
		cmocka_unit_test(test_renderer_table_has_the_four_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
