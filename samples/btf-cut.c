/* btf-cut.c: cut a kernel's BTF down to what the recorder's offset lookup reads
 * (src/record-btf.c): struct sk_buff and struct net_device with every member at its own bit
 * offset and size, anonymous structs and unions copied whole (sk_buff keeps data, head, len
 * and the header offsets in them), and each named member's type replaced by a byte array of
 * the same size (pointers, other structs) or an int of that size (so a u16 stays 2 bytes).
 * Through libbpf's BTF writer; the output is raw BTF that btf__parse() reads.
 * Used by capture-headers-qemu.sh to make samples/vmlinux-6.1-skb.btf for tests/test-btf.c:
 *   cc -o btf-cut samples/btf-cut.c -lbpf && ./btf-cut vmlinux.btf out.btf
 */
#include <stdio.h>
#include <stdlib.h>

#include <bpf/btf.h>

static int u8_id;	/* "unsigned char" in the output */

/* a type of @size bytes for a named member: an int up to 16 bytes, else u8[@size] */
static int sized_type(struct btf *out, long size)
{
	if (size == 1 || size == 2 || size == 4 || size == 8 || size == 16) {
		char name[32];

		snprintf(name, sizeof(name), "u%ld", size * 8);
		return btf__add_int(out, name, (size_t)size, 0);
	}
	return btf__add_array(out, u8_id, u8_id, (__u32)(size > 0 ? size : 0));
}

/* copy struct/union @id of @in (named @name, NULL for an anonymous one); new type id or < 0 */
static int copy_composite(const struct btf *in, struct btf *out, int id, const char *name)
{
	const struct btf_type *t = btf__type_by_id(in, (unsigned int)id);
	const struct btf_member *m = btf_members(t);
	int n = btf_vlen(t), *types = calloc((size_t)n + 1, sizeof(int)), ret;

	if (!types)
		return -1;
	/* the members' types first: libbpf adds fields to the type added last */
	for (int i = 0; i < n; i++) {
		const char *mn = btf__name_by_offset(in, m[i].name_off);
		int r = btf__resolve_type(in, m[i].type);

		if (mn && *mn)
			types[i] = sized_type(out, (long)btf__resolve_size(in, m[i].type));
		else
			types[i] = copy_composite(in, out, r, NULL);
		if (types[i] < 0) {
			free(types);
			return -1;
		}
	}
	ret = btf_is_union(t) ? btf__add_union(out, name, t->size) : btf__add_struct(out, name, t->size);
	for (int i = 0; ret > 0 && i < n; i++) {
		const char *mn = btf__name_by_offset(in, m[i].name_off);

		if (btf__add_field(out, mn && *mn ? mn : NULL, types[i], btf_member_bit_offset(t, (unsigned)i),
				   btf_member_bitfield_size(t, (unsigned)i)) < 0)
			ret = -1;
	}
	free(types);
	return ret;
}

int main(int argc, char **argv)
{
	static const char *const keep[] = { "sk_buff", "net_device" };
	struct btf *in, *out;
	const void *raw;
	__u32 size;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: btf-cut VMLINUX-BTF OUT\n");
		return 2;
	}
	in = btf__parse(argv[1], NULL);
	out = btf__new_empty();
	if (!in || !out) {
		fprintf(stderr, "btf-cut: cannot read %s\n", argv[1]);
		return 1;
	}
	u8_id = btf__add_int(out, "unsigned char", 1, 0);
	for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
		int id = btf__find_by_name_kind(in, keep[k], BTF_KIND_STRUCT);

		if (id < 0 || copy_composite(in, out, id, keep[k]) < 0) {
			fprintf(stderr, "btf-cut: cannot copy struct %s\n", keep[k]);
			return 1;
		}
	}
	raw = btf__raw_data(out, &size);
	f = fopen(argv[2], "wb");
	if (!raw || !f || fwrite(raw, 1, size, f) != size || fclose(f)) {
		fprintf(stderr, "btf-cut: cannot write %s\n", argv[2]);
		return 1;
	}
	btf__free(in);
	btf__free(out);
	return 0;
}
