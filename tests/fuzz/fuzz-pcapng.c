/* fuzz-pcapng.c: libFuzzer target for the pcapng path of `report --format pcapng`: the input's
 * lines are an event's fields ("key=value": pkt0, pkt_head, pkt_l2, len, ...), read back into
 * packet bytes by report/hop-bytes.c, then written through the pcapng writer with the input's
 * own bytes as interface name, description and comments (invalid UTF-8, control characters,
 * any length). Every block length of what the writer wrote must read back (vx_pcapng_check),
 * the packet must fit its block; and the checker itself must survive the raw input. */
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "report/hop-bytes.h"
#include "report/pcapng.h"

#define MAX_FIELDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = malloc(len + 1), *line, *save = NULL;
	struct vx_field f[MAX_FIELDS];
	const char *lines[3] = { "", "", "" };
	struct vx_hop_bytes b;
	struct strbuf out = STRBUF_INIT, pkt = STRBUF_INIT;
	size_t n = 0, nl = 0;
	int got;

	if (!text)
		abort();
	(void)vx_pcapng_check(data, len, NULL);	/* the reader on anything: no crash */
	memcpy(text, data, len);
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (nl < 3)
			lines[nl++] = line;
		if (!eq || n == MAX_FIELDS)
			continue;
		*eq = '\0';
		f[n].key = line;
		f[n++].value = eq + 1;
	}
	got = vx_hop_bytes_from_fields(f, n, &b);
	if (got == VX_HOP_BYTES && (b.caplen > VX_HOP_BYTES_MAX || !b.caplen || b.caplen > b.origlen))
		abort();
	if (got == VX_HOP_BYTES && b.at == VX_BYTES_UDP)
		vx_pcapng_upper_pdu(&pkt, "udp", b.out_src, b.out_dst);
	if (got == VX_HOP_BYTES)
		strbuf_add(&pkt, b.data, b.caplen);
	else
		strbuf_add(&pkt, data, len < 4096 ? len : 4096);
	vx_pcapng_shb(&out, lines[0], lines[1]);
	vx_pcapng_idb(&out, VX_LINKTYPE_RAW, 0, lines[1], lines[2]);
	vx_pcapng_epb(&out, 0, (uint64_t)len << 20, pkt.buf, (uint32_t)pkt.len, b.origlen, lines[2]);
	if (vx_pcapng_check((const unsigned char *)out.buf, out.len, NULL) != 3)
		abort();
	strbuf_release(&out);
	strbuf_release(&pkt);
	free(text);
	return 0;
}
