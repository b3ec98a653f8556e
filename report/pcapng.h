/* pcapng.h: the one pcapng writer (draft-ietf-opsawg-pcapng): a Section Header Block,
 * Interface Description Blocks and Enhanced Packet Blocks appended to a strbuf, in
 * little-endian byte order, every block and option padded to 32 bits and its total length
 * written at both ends. Every string option (names, comments) passes through one cleaner:
 * valid UTF-8 only (invalid bytes and control characters become U+FFFD), cut after
 * VX_PCAPNG_STR_MAX characters, so capture text cannot break the file or its readers.
 * Must not: touch the store, know about journeys, or print.
 */
#ifndef VX_PCAPNG_H
#define VX_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"

/* link types (tcpdump.org/linktypes.html) */
#define VX_LINKTYPE_ETHERNET 1		/* the bytes start at an Ethernet header */
#define VX_LINKTYPE_RAW 101		/* the bytes start at an IPv4 or IPv6 header */
#define VX_LINKTYPE_UPPER_PDU 252	/* Wireshark's exported PDU: tags, then a protocol's bytes */

/* block types and option codes of the format */
#define VX_PCAPNG_SHB 0x0A0D0D0Au
#define VX_PCAPNG_IDB 0x00000001u
#define VX_PCAPNG_EPB 0x00000006u
#define VX_PCAPNG_BOM 0x1A2B3C4Du
#define VX_PCAPNG_OPT_END 0
#define VX_PCAPNG_OPT_COMMENT 1
#define VX_PCAPNG_SHB_USERAPPL 4
#define VX_PCAPNG_IF_NAME 2
#define VX_PCAPNG_IF_DESCRIPTION 3
#define VX_PCAPNG_IF_TSRESOL 9

/* characters a string option keeps at most (4 bytes each at worst: far below 65535) */
#define VX_PCAPNG_STR_MAX 1024

/* vx_pcapng_shb - a Section Header Block (version 1.0, section length unknown) with the
 * writing application @appl and @comment (either may be NULL) */
void vx_pcapng_shb(struct strbuf *out, const char *appl, const char *comment);
/* vx_pcapng_idb - an Interface Description Block: @linktype, @snaplen (0: no limit), if_name
 * @name, if_description @desc (NULL: none) and if_tsresol 9 (timestamps in nanoseconds).
 * Interfaces are numbered by the order of their blocks, from 0. */
void vx_pcapng_idb(struct strbuf *out, uint16_t linktype, uint32_t snaplen, const char *name,
		   const char *desc);
/* vx_pcapng_epb - an Enhanced Packet Block of interface @ifid at @ts_ns: @caplen bytes of
 * @data (the packet had @origlen; less than @caplen is raised to it) and an opt_comment
 * @comment (NULL: none) */
void vx_pcapng_epb(struct strbuf *out, uint32_t ifid, uint64_t ts_ns, const void *data, uint32_t caplen,
		   uint32_t origlen, const char *comment);

/* vx_pcapng_upper_pdu - the tags that start a VX_LINKTYPE_UPPER_PDU packet (big-endian, as
 * Wireshark's exported PDUs have them): the dissector @proto ("udp"), the IPv4 source and
 * destination @src and @dst (4 bytes each, network order) and the end tag */
void vx_pcapng_upper_pdu(struct strbuf *out, const char *proto, const unsigned char *src,
			 const unsigned char *dst);

/* vx_pcapng_clean - @s as a string option value (into @sb, reset first): the cleaner above */
void vx_pcapng_clean(struct strbuf *sb, const char *s);

/*
 * vx_pcapng_check - walk @len bytes of pcapng: every block's two length fields agree, are
 * multiples of 4 and fit; the first block is a Section Header Block with the byte-order
 * magic; options of SHB/IDB/EPB are well-formed (each within its block, padded, ended by
 * opt_endofopt or the block's end) and their strings valid UTF-8; an EPB's interface exists
 * and its captured bytes fit. Returns the number of blocks, or -1 with @why (may be NULL)
 * naming the offset and the fault. For tests and the fuzz target: the writer's own reader.
 */
long vx_pcapng_check(const unsigned char *p, size_t len, struct strbuf *why);

#endif
