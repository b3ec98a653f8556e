/* fuzz-payload.c: libFuzzer target for the shared text-payload parser (parsers/payload.c).
 * The first byte picks the event name (the parser has special cases for some), the rest
 * is the payload text. Every field must be a non-empty key and a value inside the text. */
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "parsers/payload.h"

static const char *const events[] = {
	NULL, "net_dev_start_xmit", "fib_table_lookup", "kfree_skb", "netlink_extack",
	"ip_output", "", "kprobe",
};

static int inside(const char *p, const char *buf, size_t n)
{
	return p >= buf && p <= buf + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct vx_field f[VX_PAYLOAD_MAX_FIELDS + 1];
	const char *event;
	char *text, *orig;
	size_t n, max;

	if (!len)
		return 0;
	event = events[data[0] % (sizeof(events) / sizeof(events[0]))];
	/* a few inputs also test a small field budget */
	max = data[0] & 0x80 ? 3 : VX_PAYLOAD_MAX_FIELDS;
	text = malloc(len);
	orig = malloc(len);
	memcpy(text, data + 1, len - 1);
	text[len - 1] = '\0';
	memcpy(orig, text, len);
	(void)vx_event_system(event ? event : "x", orig);
	memset(f, 0, sizeof(f));
	n = vx_payload_parse(event, text, f, max);
	if (n > max)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!f[i].key || !f[i].value || !*f[i].key)
			abort();
		/* values point into the caller's text, which they may cut but not overrun, or
		 * are an empty constant (a missing value); keys are in the text or constants */
		if (!inside(f[i].value, text, len - 1) && *f[i].value)
			abort();
		(void)strlen(f[i].key);
		(void)strlen(f[i].value);
	}
	free(text);
	free(orig);
	return 0;
}
