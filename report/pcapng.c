/* pcapng.c: the pcapng writer and its checker (see pcapng.h). Blocks are built whole in
 * the caller's strbuf: the body first, the lengths patched in at both ends once known.
 * Must not: touch the store, know about journeys, or print.
 */
#include "pcapng.h"

#include <string.h>

#include "core/utf8.h"

static void put_u16(struct strbuf *out, uint16_t v)
{
	unsigned char b[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	strbuf_add(out, b, 2);
}

static void put_u32(struct strbuf *out, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };

	strbuf_add(out, b, 4);
}

static void set_u32(struct strbuf *out, size_t at, uint32_t v)
{
	unsigned char *b = (unsigned char *)out->buf + at;

	b[0] = (unsigned char)v;
	b[1] = (unsigned char)(v >> 8);
	b[2] = (unsigned char)(v >> 16);
	b[3] = (unsigned char)(v >> 24);
}

static void pad32(struct strbuf *out, size_t from)
{
	static const char zero[4];

	strbuf_add(out, zero, (4 - (out->len - from) % 4) % 4);
}

/* block_begin / block_end - a block of @type from offset @at: type and a length to patch,
 * then the body; the end adds the trailing length and patches the leading one */
static size_t block_begin(struct strbuf *out, uint32_t type)
{
	size_t at = out->len;

	put_u32(out, type);
	put_u32(out, 0);
	return at;
}

static void block_end(struct strbuf *out, size_t at)
{
	uint32_t total;

	pad32(out, at);
	total = (uint32_t)(out->len - at + 4);
	put_u32(out, total);
	set_u32(out, at + 4, total);
}

void vx_pcapng_clean(struct strbuf *sb, const char *s)
{
	strbuf_reset(sb);
	vx_utf8_clean(sb, s, VX_PCAPNG_STR_MAX);
}

/* a string option: cleaned, length, value padded to 32 bits; nothing for NULL or "" */
static void opt_str(struct strbuf *out, uint16_t code, const char *s)
{
	struct strbuf v = STRBUF_INIT;
	size_t at;

	if (!s || !*s)
		return;
	vx_pcapng_clean(&v, s);
	at = out->len;
	put_u16(out, code);
	put_u16(out, (uint16_t)v.len);
	strbuf_add(out, v.buf, v.len);
	pad32(out, at);
	strbuf_release(&v);
}

static void opt_end(struct strbuf *out)
{
	put_u16(out, VX_PCAPNG_OPT_END);
	put_u16(out, 0);
}

void vx_pcapng_shb(struct strbuf *out, const char *appl, const char *comment)
{
	size_t at = block_begin(out, VX_PCAPNG_SHB);

	put_u32(out, VX_PCAPNG_BOM);
	put_u16(out, 1);
	put_u16(out, 0);
	put_u32(out, 0xffffffffu);	/* section length: not given */
	put_u32(out, 0xffffffffu);
	opt_str(out, VX_PCAPNG_SHB_USERAPPL, appl);
	opt_str(out, VX_PCAPNG_OPT_COMMENT, comment);
	opt_end(out);
	block_end(out, at);
}

void vx_pcapng_idb(struct strbuf *out, uint16_t linktype, uint32_t snaplen, const char *name,
		   const char *desc)
{
	size_t at = block_begin(out, VX_PCAPNG_IDB);

	put_u16(out, linktype);
	put_u16(out, 0);
	put_u32(out, snaplen);
	opt_str(out, VX_PCAPNG_IF_NAME, name);
	opt_str(out, VX_PCAPNG_IF_DESCRIPTION, desc);
	put_u16(out, VX_PCAPNG_IF_TSRESOL);
	put_u16(out, 1);
	strbuf_add(out, "\x09\0\0\0", 4);	/* 10^-9 s, padded */
	opt_end(out);
	block_end(out, at);
}

void vx_pcapng_epb(struct strbuf *out, uint32_t ifid, uint64_t ts_ns, const void *data, uint32_t caplen,
		   uint32_t origlen, const char *comment)
{
	size_t at = block_begin(out, VX_PCAPNG_EPB), body;

	put_u32(out, ifid);
	put_u32(out, (uint32_t)(ts_ns >> 32));
	put_u32(out, (uint32_t)ts_ns);
	put_u32(out, caplen);
	put_u32(out, origlen < caplen ? caplen : origlen);
	body = out->len;
	strbuf_add(out, data, caplen);
	pad32(out, body);
	opt_str(out, VX_PCAPNG_OPT_COMMENT, comment);
	opt_end(out);
	block_end(out, at);
}

/* an exported-PDU tag: type and length big-endian, the value padded to 32 bits */
static void pdu_tag(struct strbuf *out, uint16_t type, const void *v, size_t len)
{
	size_t padded = (len + 3) & ~(size_t)3;
	unsigned char h[4] = { (unsigned char)(type >> 8), (unsigned char)type, (unsigned char)(padded >> 8),
			       (unsigned char)padded };
	static const char zero[4];

	strbuf_add(out, h, 4);
	strbuf_add(out, v, len);
	strbuf_add(out, zero, padded - len);
}

void vx_pcapng_upper_pdu(struct strbuf *out, const char *proto, const unsigned char *src,
			 const unsigned char *dst)
{
	pdu_tag(out, 12, proto, strlen(proto));	/* EXP_PDU_TAG_PROTO_NAME */
	pdu_tag(out, 20, src, 4);		/* EXP_PDU_TAG_IPV4_SRC */
	pdu_tag(out, 21, dst, 4);		/* EXP_PDU_TAG_IPV4_DST */
	pdu_tag(out, 0, "", 0);		/* EXP_PDU_TAG_END_OF_OPT */
}

/* ---------------------------------------------------------------- the checker */

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static long fault(struct strbuf *why, size_t off, const char *what)
{
	if (why)
		strbuf_addf(why, "pcapng: offset %zu: %s", off, what);
	return -1;
}

/* valid UTF-8 without control characters, @n bytes */
static int utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char tmp[5] = { 0 };
		size_t k = n - i < 4 ? n - i : 4;
		int l;

		memcpy(tmp, s + i, k);
		l = vx_utf8_len(tmp);
		if (!l || (l == 1 && (tmp[0] < 0x20 || tmp[0] == 0x7f)))
			return 0;
		i += (size_t)l;
	}
	return 1;
}

/* is option @code of a block of @type a string (comments, SHB hardware/os/application,
 * IDB name/description) */
static int opt_is_string(uint32_t type, uint16_t code)
{
	return code == VX_PCAPNG_OPT_COMMENT || (type == VX_PCAPNG_SHB && code >= 2 && code <= 4) ||
	       (type == VX_PCAPNG_IDB && (code == VX_PCAPNG_IF_NAME || code == VX_PCAPNG_IF_DESCRIPTION));
}

/* the options of a block of @type from @p to @end (file offset @off for messages) */
static long check_options(uint32_t type, const unsigned char *p, const unsigned char *end, size_t off,
			  struct strbuf *why)
{
	while (p < end) {
		uint16_t code, len;

		if (end - p < 4)
			return fault(why, off, "option header cut by the block's end");
		code = get_u16(p);
		len = get_u16(p + 2);
		if (code == VX_PCAPNG_OPT_END)
			return len || p + 4 != end ? fault(why, off, "bytes after opt_endofopt") : 0;
		if ((size_t)(end - p - 4) < (size_t)((len + 3u) & ~3u))
			return fault(why, off, "option value runs past its block");
		if (opt_is_string(type, code) && !utf8_ok(p + 4, len))
			return fault(why, off, "string option is not clean UTF-8");
		for (size_t i = len; i < ((len + 3u) & ~3u); i++)
			if (p[4 + i])
				return fault(why, off, "option padding is not zero");
		p += 4 + ((len + 3u) & ~3u);
		off += 4 + ((len + 3u) & ~3u);
	}
	return 0;
}

long vx_pcapng_check(const unsigned char *p, size_t len, struct strbuf *why)
{
	size_t off = 0, nif = 0;
	long blocks = 0;

	while (off < len) {
		uint32_t type, total, fixed;
		const unsigned char *b = p + off;

		if (len - off < 12)
			return fault(why, off, "block header cut short");
		type = get_u32(b);
		total = get_u32(b + 4);
		if (total < 12 || total % 4 || total > len - off)
			return fault(why, off, "block length not a multiple of 4 or past the end");
		if (get_u32(b + total - 4) != total)
			return fault(why, off, "trailing block length differs from the leading one");
		if (!blocks && (type != VX_PCAPNG_SHB || total < 28 || get_u32(b + 8) != VX_PCAPNG_BOM))
			return fault(why, off, "does not start with a section header block");
		fixed = type == VX_PCAPNG_SHB ? 16 : type == VX_PCAPNG_IDB ? 8 : type == VX_PCAPNG_EPB ? 20 : 0;
		if (total < 12 + fixed)
			return fault(why, off, "block shorter than its fixed fields");
		if (type == VX_PCAPNG_SHB)
			nif = 0;	/* a new section numbers its interfaces afresh */
		if (type == VX_PCAPNG_EPB) {
			uint64_t cap = get_u32(b + 20), orig = get_u32(b + 24);

			if (get_u32(b + 8) >= nif)
				return fault(why, off, "packet of an interface not described before it");
			if (cap > orig || ((cap + 3) & ~(uint64_t)3) > total - 12 - fixed)
				return fault(why, off, "captured length past the block or above the original");
			fixed += (uint32_t)((cap + 3) & ~(uint64_t)3);
		}
		nif += type == VX_PCAPNG_IDB;
		if (fixed && check_options(type, b + 8 + fixed, b + total - 4, off + 8 + fixed, why) < 0)
			return -1;
		off += total;
		blocks++;
	}
	return blocks;
}
