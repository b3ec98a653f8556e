/* filter.c: the journey filter language (see filter.h): a recursive-descent parser into a
 * small tree, and its evaluation on a journey. Nesting ('(' and 'not') is bounded by
 * FILTER_MAX_DEPTH; a chain of 'and' or 'or' of any length is walked along its spine, so no
 * filter can overflow the stack.
 * Must not: touch the store, parse inputs, or print.
 */
#include "filter.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"

#define FILTER_MAX_DEPTH 256	/* parentheses and 'not' inside each other */

enum node_kind {
	F_AND, F_OR, F_NOT,
	F_HOST, F_SRC, F_DST, F_NET, F_PORT, F_PROTO, F_DEV, F_DROPPED, F_ENCAP,
};

/* an address or network: @len bytes of @addr (4 or 16), the first @bits of them count */
struct net {
	int family;
	unsigned char addr[16];
	int bits;
};

struct vx_filter {
	enum node_kind kind;
	struct vx_filter *a, *b;	/* operands of and/or/not */
	struct net net;			/* host, src, dst (all bits), net */
	int num;			/* port, protocol number */
	char *glob;			/* dev */
};

struct parser {
	const char *text;
	const char *p;		/* next character */
	const char *tok;	/* start of the current token */
	size_t toklen;
	bool failed;
	int depth;		/* '(' and 'not' open around the current token */
};

static void next_token(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
	ps->tok = ps->p;
	if (!*ps->p) {
		ps->toklen = 0;
	} else if (strchr("()!", *ps->p)) {
		ps->toklen = 1;
	} else if ((ps->p[0] == '&' && ps->p[1] == '&') || (ps->p[0] == '|' && ps->p[1] == '|')) {
		ps->toklen = 2;
	} else {
		const char *e = ps->p;

		while (*e && !isspace((unsigned char)*e) && !strchr("()!&|", *e))
			e++;
		if (e == ps->p)	/* a lone '&' or '|' */
			e++;
		ps->toklen = (size_t)(e - ps->p);
	}
	ps->p = ps->tok + ps->toklen;
}

static bool is_tok(const struct parser *ps, const char *word)
{
	return ps->toklen == strlen(word) && !strncmp(ps->tok, word, ps->toklen);
}

/* one line naming the column (1-based) of the current token */
static struct vx_filter *fail(struct parser *ps, const char *what)
{
	if (!ps->failed) {
		int col = (int)(ps->tok - ps->text) + 1;

		if (ps->toklen)
			vx_error("filter: column %d: %s, found '%.*s'", col, what, (int)ps->toklen, ps->tok);
		else
			vx_error("filter: column %d: %s, found the end of the filter", col, what);
	}
	ps->failed = true;
	return NULL;
}

static struct vx_filter *node(enum node_kind k)
{
	struct vx_filter *f = xcalloc(1, sizeof(*f));

	f->kind = k;
	return f;
}

/* ADDR or, when @cidr, ADDR/BITS */
static bool parse_net(struct parser *ps, struct net *n, bool cidr)
{
	char buf[64], *slash;
	size_t len = ps->toklen;

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, ps->tok, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash && !cidr)
		return false;
	if (slash)
		*slash = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, buf, n->addr) == 1)
		n->family = AF_INET, n->bits = 32;
	else if (inet_pton(AF_INET6, buf, n->addr) == 1)
		n->family = AF_INET6, n->bits = 128;
	else
		return false;
	if (slash) {
		char *end;
		long bits = strtol(slash + 1, &end, 10);

		if (!slash[1] || *end || bits < 0 || bits > n->bits)
			return false;
		n->bits = (int)bits;
	}
	return true;
}

static struct vx_filter *parse_or(struct parser *ps);

/* one level deeper for a '(' or a 'not' at the current token: false (error set) past the
 * limit, before the recursion that would take the stack */
static bool deeper(struct parser *ps)
{
	if (++ps->depth <= FILTER_MAX_DEPTH)
		return true;
	if (!ps->failed)
		vx_error("filter: column %d: '%.*s' nests deeper than %d levels of parentheses and 'not'",
			 (int)(ps->tok - ps->text) + 1, (int)ps->toklen, ps->tok, FILTER_MAX_DEPTH);
	ps->failed = true;
	return false;
}

static struct vx_filter *parse_primary(struct parser *ps)
{
	static const struct { const char *word; enum node_kind kind; int num; } simple[] = {
		{ "icmp", F_PROTO, 1 }, { "icmp6", F_PROTO, 58 }, { "tcp", F_PROTO, 6 }, { "udp", F_PROTO, 17 },
		{ "dropped", F_DROPPED, 0 }, { "encap", F_ENCAP, 0 },
	};
	struct vx_filter *f;

	if (is_tok(ps, "(")) {
		if (!deeper(ps))
			return NULL;
		next_token(ps);
		f = parse_or(ps);
		ps->depth--;
		if (!f)
			return NULL;
		if (!is_tok(ps, ")")) {
			vx_filter_free(f);
			return fail(ps, "expected ')'");
		}
		next_token(ps);
		return f;
	}
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (is_tok(ps, simple[i].word)) {
			f = node(simple[i].kind);
			f->num = simple[i].num;
			next_token(ps);
			return f;
		}
	if (is_tok(ps, "host") || is_tok(ps, "src") || is_tok(ps, "dst") || is_tok(ps, "net")) {
		enum node_kind k = is_tok(ps, "host") ? F_HOST : is_tok(ps, "src") ? F_SRC :
				   is_tok(ps, "dst") ? F_DST : F_NET;
		char word[8];

		snprintf(word, sizeof(word), "%.*s", (int)ps->toklen, ps->tok);
		next_token(ps);
		if ((k == F_SRC || k == F_DST) && is_tok(ps, "host"))
			next_token(ps);	/* pcap's "src host A" */
		f = node(k);
		if (!parse_net(ps, &f->net, k == F_NET)) {
			char what[64];

			snprintf(what, sizeof(what), "expected %s after '%s'",
				 k == F_NET ? "a network (10.244.0.0/16)" : "an address", word);
			free(f);
			return fail(ps, what);
		}
		next_token(ps);
		return f;
	}
	if (is_tok(ps, "port")) {
		char *end;
		long port;

		next_token(ps);
		port = ps->toklen ? strtol(ps->tok, &end, 10) : -1;
		if (!ps->toklen || end != ps->tok + ps->toklen || port < 0 || port > 65535)
			return fail(ps, "expected a port number (0-65535) after 'port'");
		f = node(F_PORT);
		f->num = (int)port;
		next_token(ps);
		return f;
	}
	if (is_tok(ps, "dev")) {
		next_token(ps);
		if (!ps->toklen || strchr("()!&|", *ps->tok) || is_tok(ps, "and") || is_tok(ps, "or"))
			return fail(ps, "expected a device name or glob after 'dev'");
		f = node(F_DEV);
		f->glob = xstrndup(ps->tok, ps->toklen);
		next_token(ps);
		return f;
	}
	return fail(ps, "expected host, src, dst, net, port, icmp, icmp6, udp, tcp, dev, dropped, "
		    "encap, not or '('");
}

static struct vx_filter *parse_not(struct parser *ps)
{
	struct vx_filter *f, *inner;

	if (!is_tok(ps, "not") && !is_tok(ps, "!"))
		return parse_primary(ps);
	if (!deeper(ps))
		return NULL;
	next_token(ps);
	inner = parse_not(ps);
	ps->depth--;
	if (!inner)
		return NULL;
	f = node(F_NOT);
	f->a = inner;
	return f;
}

/* left-associative chains: and binds tighter than or */
static struct vx_filter *parse_chain(struct parser *ps, bool is_or)
{
	struct vx_filter *left = is_or ? parse_chain(ps, false) : parse_not(ps);

	while (left && (is_or ? is_tok(ps, "or") || is_tok(ps, "||") : is_tok(ps, "and") || is_tok(ps, "&&"))) {
		struct vx_filter *right, *f;

		next_token(ps);
		right = is_or ? parse_chain(ps, false) : parse_not(ps);
		if (!right) {
			vx_filter_free(left);
			return NULL;
		}
		f = node(is_or ? F_OR : F_AND);
		f->a = left;
		f->b = right;
		left = f;
	}
	return left;
}

static struct vx_filter *parse_or(struct parser *ps)
{
	return parse_chain(ps, true);
}

struct vx_filter *vx_filter_parse(const char *expr)
{
	struct parser ps = { .text = expr, .p = expr };
	struct vx_filter *f;

	next_token(&ps);
	if (!ps.toklen) {
		vx_error("filter: empty; give an expression such as 'host 10.244.2.7 and encap'");
		return NULL;
	}
	f = parse_or(&ps);
	if (f && ps.toklen) {
		vx_filter_free(f);
		return fail(&ps, "expected 'and', 'or' or the end of the filter");
	}
	return f;
}

/* a chain "x and y and z" is a left spine of and-nodes (parse_chain): its nodes are visited
 * in a loop, recursing only into the right operands and the end of the spine */
void vx_filter_free(struct vx_filter *f)
{
	while (f) {
		struct vx_filter *next = f->a;

		vx_filter_free(f->b);
		free(f->glob);
		free(f);
		f = next;
	}
}

/* does the address text @s fall in @n */
static bool in_net(const struct net *n, const char *s)
{
	unsigned char a[16];
	int full, rest;

	if (!s || inet_pton(n->family, s, a) != 1)
		return false;
	full = n->bits / 8;
	rest = n->bits % 8;
	if (memcmp(a, n->addr, (size_t)full))
		return false;
	return !rest || ((a[full] ^ n->addr[full]) & (0xff << (8 - rest))) == 0;
}

/* does any hop's route lookup satisfy the leaf @f */
static bool lookup_matches(const struct vx_filter *f, const struct vx_lookup *l)
{
	switch (f->kind) {
	case F_HOST: return in_net(&f->net, l->src) || in_net(&f->net, l->dst);
	case F_NET: return in_net(&f->net, l->src) || in_net(&f->net, l->dst);
	case F_SRC: return in_net(&f->net, l->src);
	case F_DST: return in_net(&f->net, l->dst);
	case F_PORT: return l->sport == f->num || l->dport == f->num;
	case F_PROTO: return l->proto == f->num;
	default: return false;
	}
}

/* does a packet header a kprobe read satisfy the leaf @f */
static bool ip_matches(const struct vx_filter *f, const struct vx_ip *ip)
{
	if (!ip->known)
		return false;
	switch (f->kind) {
	case F_HOST: case F_NET: return in_net(&f->net, ip->src) || in_net(&f->net, ip->dst);
	case F_SRC: return in_net(&f->net, ip->src);
	case F_DST: return in_net(&f->net, ip->dst);
	case F_PORT: return ip->sport == f->num || ip->dport == f->num;
	case F_PROTO: return ip->proto == f->num;
	default: return false;
	}
}

bool vx_filter_needs_routes(const struct vx_filter *f)
{
	for (; f->kind == F_AND || f->kind == F_OR; f = f->a)
		if (vx_filter_needs_routes(f->b))
			return true;
	switch (f->kind) {
	case F_NOT: return vx_filter_needs_routes(f->a);
	case F_DEV: case F_DROPPED: case F_ENCAP: return false;
	default: return true;	/* addresses, ports, protocols: headers or route lookups */
	}
}

bool vx_filter_match(const struct vx_filter *f, const struct vx_journey *j)
{
	/* the spine of one kind: "and" fails at the first false operand, "or" holds at the first
	 * true one (the operands have no side effects: right to left is the same) */
	for (enum node_kind k = f->kind; (k == F_AND || k == F_OR) && f->kind == k; f = f->a)
		if (vx_filter_match(f->b, j) == (k == F_OR))
			return k == F_OR;
	switch (f->kind) {
	case F_AND: case F_OR: return vx_filter_match(f, j);	/* a chain of the other kind */
	case F_NOT: return !vx_filter_match(f->a, j);
	case F_DROPPED: return j->drop != NULL;
	case F_ENCAP: return j->encap != NULL;
	case F_DEV:
		for (size_t i = 0; i < j->nhops; i++)
			if (j->hops[i].dev && !fnmatch(f->glob, j->hops[i].dev, 0))
				return true;
		return false;
	default:
		for (size_t i = 0; i < j->nhops; i++) {
			const struct vx_hop *h = &j->hops[i];

			if (h->route && lookup_matches(f, h->route))
				return true;
			if (h->pkt && (ip_matches(f, &h->pkt->ip) || ip_matches(f, &h->pkt->inner)))
				return true;
		}
		return j->drop && j->drop->lookup && lookup_matches(f, j->drop->lookup);
	}
}
