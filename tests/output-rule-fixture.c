/* output-rule-fixture.c: not compiled. tests/output-rule.py must find exactly the prints
 * marked BAD here (its own test: the rule can fail). */
static const char *const names[] = { "a", "b" };

static const char *word(int i)
{
	return i ? "yes" : "no";
}

static const char *leak(const struct x *x)
{
	return x->name;
}

static void good(FILE *out, const struct x *x, int i)
{
	char d[32], len[16] = "";
	const char *what = i ? "sender" : "receiver";

	snprintf(d, sizeof(d), "%d", i);
	fprintf(out, "%s %s %s %s %s\n", d, len, names[i], word(i), what);
	fprintf(out, "%" PRId64 " %s\n", x->id, i ? d : "-");
	fputs(VX_UTF8_REPLACEMENT, out);
	fputc('\n', out);
	vx_html_escape(out, x->name, 10);
}

static void bad(FILE *out, const struct x *x, const char *kind, int i)
{
	const char *what = i ? x->name : "receiver";
	char d[32];

	fprintf(out, "%s\n", x->name);			/* BAD */
	fprintf(out, "%" PRId64 " %s\n", x->id, x->dev);	/* BAD */
	fprintf(out, "%*s%s\n", 3, "", x->dev);		/* BAD */
	fprintf(out, "%s\n", kind);			/* BAD */
	fprintf(out, "%s\n", what);			/* BAD */
	fprintf(out, "%s\n", leak(x));			/* BAD */
	fprintf(out, x->fmt);				/* BAD */
	snprintf(d, sizeof(d), "%s", x->name);		/* BAD */
	fputs(x->name, out);				/* BAD */
	fwrite(x->name, 1, 3, out);			/* BAD */
	fputc(x->name[0], out);				/* BAD */
	printf("%.*s\n", 3, x->name);			/* BAD */
}
