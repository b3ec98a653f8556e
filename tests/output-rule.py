#!/usr/bin/env python3
# output-rule.py FILE...: the rule that keeps capture text from reaching an output raw. In the
# renderers (report/render-*.c) and the commands that print stored or foreign text, a
# printf-family call (printf, fprintf, snprintf, fputs, puts, fwrite, fputc, putc, putchar)
# may print with %s (or as its string) only what is not data:
#   - a string literal, or a ?: whose branches are allowed;
#   - a char array of the file (char d[32], filled by snprintf, whose %s are checked too);
#   - an UPPER_CASE constant;
#   - a call to a function that returns literals: the file's own static functions whose every
#     return is allowed (checked here), and the names in CONST_FUNCS (tables of literals in
#     other files, reviewed by hand);
#   - a const char * variable of the file whose every assignment is allowed.
# The format itself must be a literal. Capture text goes out only through the named escapers
# (vx_html_escape, dot_escape, put_clean, vx_term_line, jw_*, ...), whose bodies are listed
# in EXEMPT. Prints one line per violation (file:line: function: call) and exits 1.
# output-rule.py --fixture FILE: the rule's own test: the violations found in FILE must be
# exactly its lines marked /* BAD */ (tests/output-rule-fixture.c).
import re
import sys

# functions of other files that return only string literals (from a switch or a table)
CONST_FUNCS = {
    "vx_layer_name", "vx_lane_title", "vx_lane_key", "vx_route_class_name",
    "vx_journey_segment_role", "vx_journey_end_name", "vx_journey_end_text",
    "vx_diff_status_name", "vx_analysis_blind",
    "vx_verdict_name", "vx_link_kind_name", "vx_nat_kind_name",
}
# functions allowed to write bytes they were handed: each one escapes or sanitises them first
EXEMPT = {
    "html.c": {"html_ascii": "one ASCII character after its character reference check",
               "put_own": "text the page made from literals (the CSP)"},
    "render-html.c": {"put_own": "text the page made from literals (CSS)"},
    "render-dot.c": {"dot_ascii": "one ASCII character, quote and backslash escaped"},
    "render-text.c": {"put_clean": "vx_utf8_clean()'s output", "put_wrapped": "vx_utf8_clean()'s output"},
    "render-diff.c": {"put_line": "vx_utf8_clean()'s output"},
    "render-folded.c": {"put_folded_line": "folded_frame()'s output"},
    "render-pcapng.c": {"put_blocks": "pcapng.c's blocks, string options through vx_pcapng_clean()"},
    "cmd-query.c": {"put_cell": "vx_term_clean()'s output", "csv_field": "vx_term_clean()'s output"},
}
CALLS = {"printf": 0, "fprintf": 1, "snprintf": 2, "vfprintf": 1, "fputs": None, "puts": None,
         "fwrite": None, "fputc": None, "putc": None, "putchar": None}


def strip_comments(src):
    """comments become spaces (newlines kept); strings and chars stay"""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def balanced(src, i):
    """src[i] is '(': index just past its matching ')'"""
    depth, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def split_top(expr, seps):
    """split at top-level characters of @seps (outside brackets and literals)"""
    parts, depth, cur, i, n = [], 0, [], 0, len(expr)
    while i < n:
        c = expr[i]
        if c in "\"'":
            j = i + 1
            while j < n and expr[j] != c:
                j += 2 if expr[j] == "\\" else 1
            cur.append(expr[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if depth == 0 and c in seps:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def ternary(expr):
    """(cond, a, b) of a top-level ?:, or None"""
    depth, q, i, n, nest = 0, -1, 0, len(expr), 0
    while i < n:
        c = expr[i]
        if c in "\"'":
            j = i + 1
            while j < n and expr[j] != c:
                j += 2 if expr[j] == "\\" else 1
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and c == "?":
            if q < 0:
                q = i
            else:
                nest += 1
        elif depth == 0 and c == ":" and q >= 0:
            if nest:
                nest -= 1
            else:
                return expr[:q], expr[q + 1:i], expr[i + 1:]
        i += 1
    return None


STRING_LIT = re.compile(r'^(\s*("([^"\\]|\\.)*"|PRI[diuxX](8|16|32|64)|[A-Z_][A-Z0-9_]*)\s*)+$')


class File:
    def __init__(self, path):
        self.path = path
        self.name = path.rsplit("/", 1)[-1]
        self.src = strip_comments(open(path, encoding="utf-8").read())
        # the same with the insides of literals blanked: for finding names and assignments
        self.code = re.sub(r'"((?:[^"\\\n]|\\.)*)"', lambda m: '"' + " " * len(m.group(1)) + '"', self.src)
        # char arrays: every declarator of "char a[8], b[16] = "";" (not char *p)
        self.arrays = set()
        for m in re.finditer(r"(?<![\w*])char\s+([^;()]*);", self.code):
            for d in split_top(m.group(1), ","):
                dm = re.match(r"^(\w+)\s*\[", d)
                if dm:
                    self.arrays.add(dm.group(1))
        # tables of literals: static const ... NAME[...] = { only literals, numbers, designators }
        self.tables = set()
        for m in re.finditer(r"\bconst\s+(?:struct\s*\{[^}]*\}|[\w\s*]*?)\s*\b(\w+)\s*(?:\[[^\]]*\]\s*)+=\s*\{",
                             self.code):
            init = self.src[m.end() - 1:balanced(self.src, m.end() - 1)]
            init = re.sub(r'"([^"\\]|\\.)*"', " ", init)
            init = re.sub(r"\[\s*\w+\s*\]\s*=|\.\w+\s*=|\b[A-Z_][A-Z0-9_]*\b|\b\d\w*\b", " ", init)
            if re.fullmatch(r"[\s{},]*", init):
                self.tables.add(m.group(1))
        self.funcs = {}  # function name -> (start, end, body, parameter names)
        for m in re.finditer(r"^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\(([^;{]*?)\)\s*\{", self.code, re.M):
            params = set()
            for p in split_top(m.group(2), ","):
                pm = re.search(r"(\w+)\s*(\[[^\]]*\])*$", p)
                if pm:
                    params.add(pm.group(1))
            body_start = m.end() - 1
            depth, j = 0, body_start
            while j < len(self.code):
                if self.code[j] == "{":
                    depth += 1
                elif self.code[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            self.funcs[m.group(1)] = (m.start(), j, self.src[body_start:j + 1], params)
        self.checking = set()
        self.scope = None  # the function whose call is being checked

    def func_at(self, pos):
        for name, (s, e, _, _) in self.funcs.items():
            if s <= pos <= e:
                return name
        return "?"

    def line_of(self, pos):
        return self.src.count("\n", 0, pos) + 1

    def allowed(self, expr):
        """expr can print no capture text"""
        e = expr.strip()
        while e.startswith("(") and balanced(e, 0) == len(e):
            e = e[1:-1].strip()
        if not e:
            return False
        if STRING_LIT.match(e):
            return True
        t = ternary(e)
        if t:
            return self.allowed(t[1]) and self.allowed(t[2])
        m = re.match(r"^(\w+)\s*(\[[^\]]*\]\s*)*$", e)
        if m and m.group(1) in self.arrays and e.count("[") <= 2:
            return True
        m = re.match(r"^(\w+)\s*(\[[^\]]*\]\s*)+(\.\w+)?$", e)
        if m and m.group(1) in self.tables:
            return True
        m = re.match(r"^(\w+)\s*\(", e)
        if m and balanced(e, m.end() - 1) == len(e):
            return m.group(1) in CONST_FUNCS or self.const_func(m.group(1))
        if re.match(r"^\w+$", e):
            return self.const_var(e)
        return False

    def const_func(self, name):
        """a static function of this file that returns only allowed values"""
        if name not in self.funcs or name in self.checking:
            return False
        self.checking.add(name)
        body, outer = self.funcs[name][2], self.scope
        self.scope = name
        rets = re.findall(r"\breturn\b([^;]*);", body)
        ok = bool(rets) and all(self.allowed(r) for r in rets)
        self.checking.discard(name)
        self.scope = outer
        return ok

    def const_var(self, name):
        """a const char * of the calling function (never a parameter), or of the file when the
        function does not assign it, whose every assignment is allowed"""
        if name in self.checking:
            return False
        start, end = 0, len(self.code)
        if self.scope in self.funcs:
            fs, fe, _, params = self.funcs[self.scope]
            if name in params:
                return False
            if re.search(r"(?<![\w.>])" + re.escape(name) + r"\s*=(?!=)", self.code[fs:fe]):
                start, end = fs, fe
        self.checking.add(name)
        vals = []
        for m in re.finditer(r"(?<![\w.>])" + re.escape(name) + r"\s*=(?!=)", self.code[start:end]):
            at = start + m.end()
            stmt = split_top(self.src[at:at + 4000], ";")[0]
            vals.append(split_top(stmt, ",")[0])
        ok = bool(vals) and all(self.allowed(v) for v in vals)
        self.checking.discard(name)
        return ok


def conversions(fmt):
    """for each argument the format consumes: True when it is printed by %s"""
    out = []
    for m in re.finditer(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?(hh|h|ll|l|z|j|t|L)?([a-zA-Z%])", fmt):
        if m.group(5) in "%m":
            continue
        if m.group(2) == "*":
            out.append(False)
        if m.group(3) == "*":
            out.append(False)
        out.append(m.group(5) == "s")
    return out


def literal_text(expr):
    """the text of a format built from literals and PRI macros, or None"""
    if not STRING_LIT.match(expr.strip()):
        return None
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|PRI([diuxX])\d+', expr)
    return "".join(lit if lit else "l" + conv for lit, conv in parts)


def check(f):
    bad = []
    # macro definitions are not checked (SGR() of render-text.c takes literal codes only)
    src = re.sub(r"^[ \t]*#[^\n]*(\\\n[^\n]*)*", lambda m: re.sub(r"[^\n]", " ", m.group(0)), f.src, flags=re.M)
    for m in re.finditer(r"\b(" + "|".join(CALLS) + r")\s*\(", src):
        call, start = m.group(1), m.end() - 1
        args = split_top(f.src[start + 1:balanced(f.src, start) - 1], ",")
        func = f.func_at(m.start())
        f.scope = func
        if func in EXEMPT.get(f.name, {}):
            continue
        why = None
        if CALLS[call] is not None:
            k = CALLS[call]
            fmt = literal_text(args[k]) if len(args) > k else None
            if fmt is None:
                why = "format is not a literal"
            else:
                rest = args[k + 1:]
                for is_s, a in zip(conversions(fmt), rest):
                    if is_s and not f.allowed(a):
                        why = "%%s of '%s'" % a
                        break
        elif call in ("fputs", "puts"):
            if not f.allowed(args[0]):
                why = "writes '%s'" % args[0]
        elif call == "fwrite":
            why = "writes raw bytes '%s'" % args[0]
        else:  # fputc, putc, putchar: one character
            if not re.match(r"^'(\\.|[^'\\])'$", args[0].strip()):
                why = "writes the character '%s'" % args[0]
        if why:
            bad.append("%s:%d: %s(): %s: %s" % (f.path, f.line_of(m.start()), func, call, why))
    return bad


def fixture(path):
    f = File(path)
    found = sorted(int(b.split(":")[1]) for b in check(f))
    want = [i + 1 for i, line in enumerate(open(path, encoding="utf-8")) if "/* BAD */" in line]
    if found != want:
        print("output-rule: the fixture's violations are on lines %s, its BAD lines are %s" % (found, want))
        return 1
    print("output-rule: the fixture's %d violations found, nothing else" % len(want))
    return 0


def main():
    if sys.argv[1:2] == ["--fixture"]:
        return fixture(sys.argv[2])
    bad = []
    for path in sys.argv[1:]:
        bad += check(File(path))
    for b in bad:
        print(b)
    if bad:
        print("output-rule: %d print(s) of possible capture text outside the escapers; print it "
              "through the file's escaper (vx_html_escape, dot_escape, put_clean, vx_term_line, ...)"
              % len(bad))
        return 1
    print("output-rule: %d files, no raw capture text" % (len(sys.argv) - 1))
    return 0


sys.exit(main())
