/* payload.c: text payload → fields (see payload.h). Generic key=value with values that
 * may contain spaces ("msg=Nexthop has invalid gateway"), plus the few events whose print
 * format is positional. Field names follow the events' format files so that text and
 * binary captures of the same event give the same fields.
 */
#include "payload.h"

#include <ctype.h>
#include <string.h>

/* systems of the tracepoints a network trace usually holds (text output omits them) */
static const struct {
	const char *event;
	const char *system;
} known_events[] = {
	{ "consume_skb", "skb" },
	{ "fib_table_lookup", "fib" },
	{ "fib6_table_lookup", "fib6" },
	{ "kfree_skb", "skb" },
	{ "kernel_stack", "ftrace" },
	{ "napi_gro_frags_entry", "net" },
	{ "napi_gro_receive_entry", "net" },
	{ "napi_gro_receive_exit", "net" },
	{ "napi_poll", "napi" },
	{ "neigh_create", "neigh" },
	{ "neigh_event_send_dead", "neigh" },
	{ "neigh_event_send_done", "neigh" },
	{ "neigh_update", "neigh" },
	{ "neigh_update_done", "neigh" },
	{ "net_dev_queue", "net" },
	{ "net_dev_start_xmit", "net" },
	{ "net_dev_xmit", "net" },
	{ "net_dev_xmit_timeout", "net" },
	{ "netif_receive_skb", "net" },
	{ "netif_receive_skb_entry", "net" },
	{ "netif_receive_skb_exit", "net" },
	{ "netif_rx", "net" },
	{ "netif_rx_entry", "net" },
	{ "netif_rx_exit", "net" },
	{ "netlink_extack", "netlink" },
	{ "skb_copy_datagram_iovec", "skb" },
	{ "udp_fail_queue_rcv_skb", "udp" },
	{ "inet_sock_set_state", "sock" },
	{ "sock_rcvqueue_full", "sock" },
	{ "tcp_retransmit_skb", "tcp" },
	{ "tcp_send_reset", "tcp" },
	{ "tcp_receive_reset", "tcp" },
	{ "tcp_probe", "tcp" },
	{ "xdp_exception", "xdp" },
	{ "tracing_mark_write", "ftrace" },
};

/* a kprobe payload starts with its location: "(ip_output+0x0/0xe0)" or, for a
 * kretprobe, "(fib_create_info+0x5e/0x... <- fib_check_nh)" */
static int is_probe_location(const char *p)
{
	if (!p || *p != '(')
		return 0;
	const char *e = strchr(p, ')');

	return e && (memchr(p, '+', (size_t)(e - p)) || strstr(p, " <- "));
}

const char *vx_event_system(const char *event, const char *payload)
{
	size_t lo = 0, hi = sizeof(known_events) / sizeof(known_events[0]);

	if (is_probe_location(payload))
		return "probe";
	for (size_t i = lo; i < hi; i++)
		if (!strcmp(known_events[i].event, event))
			return known_events[i].system;
	return "ftrace";
}

static char *skip_sp(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static size_t add(struct vx_field *f, size_t n, size_t max, const char *k, const char *v)
{
	if (n < max) {
		f[n].key = k;
		f[n].value = v;
		n++;
	}
	return n;
}

/* a "word: value" tail such as kfree_skb's "reason: NOT_SPECIFIED" */
static int is_word_colon(const char *p)
{
	const char *w = p;

	while (*w && *w != ' ')
		w++;
	return w > p + 1 && w[-1] == ':' && (isalpha((unsigned char)*p) || *p == '_');
}

/* a token that starts a new field: [A-Za-z_][A-Za-z0-9_.]*= */
static int starts_key(const char *p)
{
	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '[' || *p == ']')
		p++;
	return *p == '=';
}

/*
 * fib:fib_table_lookup prints
 * "table %u oif %d iif %d proto %u %pI4/%u -> %pI4/%u tos %d scope %d flags %x ==> dev %s gw %pI4/%pI6c err %d"
 */
static size_t parse_fib(char *t, struct vx_field *f, size_t max)
{
	static const struct {
		const char *word, *field;
	} words[] = {
		{ "table", "tb_id" }, { "oif", "oif" }, { "iif", "iif" }, { "proto", "proto" },
		{ "tos", "tos" }, { "scope", "scope" }, { "flags", "flags" }, { "dev", "name" },
		{ "err", "err" },
	};
	char *tok[64];
	size_t ntok = 0, n = 0;

	for (char *p = strtok(t, " "); p && ntok < 64; p = strtok(NULL, " "))
		tok[ntok++] = p;
	for (size_t i = 0; i < ntok; i++) {
		int matched = 0;

		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]) && i + 1 < ntok; w++)
			if (!strcmp(tok[i], words[w].word)) {
				/* an empty device name prints as "dev  gw": the value is missing */
				if (!strcmp(words[w].word, "dev") && !strcmp(tok[i + 1], "gw"))
					n = add(f, n, max, words[w].field, "");
				else
					n = add(f, n, max, words[w].field, tok[++i]);
				matched = 1;
				break;
			}
		if (matched)
			continue;
		if (!strcmp(tok[i], "gw") && i + 1 < ntok) {
			char *v = tok[++i], *slash = strchr(v, '/');

			if (slash) {
				*slash = '\0';
				n = add(f, n, max, "gw4", v);
				n = add(f, n, max, "gw6", slash + 1);
			} else {
				n = add(f, n, max, "gw4", v);
			}
		} else if (!strcmp(tok[i], "->") && i > 0 && i + 1 < ntok) {
			char *s = tok[i - 1], *d = tok[i + 1], *ss = strrchr(s, '/'), *ds = strrchr(d, '/');

			if (ss)
				*ss = '\0';
			if (ds)
				*ds = '\0';
			n = add(f, n, max, "src", s);
			if (ss)
				n = add(f, n, max, "sport", ss + 1);
			n = add(f, n, max, "dst", d);
			if (ds)
				n = add(f, n, max, "dport", ds + 1);
			i++;
		}
	}
	return n;
}

size_t vx_payload_parse(const char *event, char *text, struct vx_field *f, size_t max)
{
	size_t n = 0;
	char *p = skip_sp(text);

	if (event && !strcmp(event, "fib_table_lookup"))
		return parse_fib(p, f, max);
	/* kprobe location "(sym+off/size)" or kretprobe "(caller+off/size <- func)" */
	if (is_probe_location(p)) {
		char *e = strchr(p, ')');
		char *arrow = strstr(p, " <- ");

		*e = '\0';
		if (arrow && arrow < e) {
			*arrow = '\0';
			n = add(f, n, max, "__probe_ret_ip", p + 1);
			n = add(f, n, max, "__probe_func", arrow + 4);
		} else {
			n = add(f, n, max, "__probe_ip", p + 1);
		}
		p = skip_sp(e + 1);
	}
	/* key=value pairs; a value runs until the next " key=" (so it may hold spaces) */
	while (*p) {
		char *key = p, *eq, *val, *end;

		if (!starts_key(p)) {
			char *w = p;

			while (*w && *w != ' ')
				w++;
			/* "reason: NOT_SPECIFIED" (kfree_skb): a "word:" token takes the rest */
			if (w > p + 1 && w[-1] == ':' && n > 0) {
				w[-1] = '\0';
				val = skip_sp(w);
				end = val + strlen(val);
				while (end > val && end[-1] == ' ')
					*--end = '\0';
				return add(f, n, max, key, val);
			}
			if (n == 0) {
				/* no key=value structure at all: keep the text whole */
				end = p + strlen(p);
				while (end > p && end[-1] == ' ')
					*--end = '\0';
				return add(f, n, max, "text", p);
			}
			/* a stray word between fields: skip it */
			p = skip_sp(w);
			continue;
		}
		eq = strchr(p, '=');
		*eq = '\0';
		val = eq + 1;
		/* find the next key start */
		end = val;
		for (;;) {
			char *sp = strchr(end, ' ');

			if (!sp) {
				end += strlen(end);
				break;
			}
			char *nx = skip_sp(sp);

			if (!*nx || starts_key(nx) || is_word_colon(nx)) {
				end = sp;
				break;
			}
			end = nx;
		}
		char *next = *end ? skip_sp(end) : end;

		*end = '\0';
		n = add(f, n, max, key, val);
		p = next;
	}
	return n;
}
