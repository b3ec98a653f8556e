# vt-screen.py: a minimal VT100 screen model, enough of one to render what `vxanalyze record`
# and the command it runs write to a terminal (CR, LF, DECSC/DECRC, DECSTBM scrolling
# regions, cursor position, cursor up, erase in line), so that tests can check what a user
# would see. Other escape sequences are skipped.
# usage: vt-screen.py TRANSCRIPT ROWS COLS [CHARS]   prints the screen after CHARS characters
import re
import sys


def render(data, rows, cols):
    scr = [[' '] * cols for _ in range(rows)]
    r = c = 0
    top, bot = 0, rows - 1
    saved = (0, 0)

    def linefeed(r):
        if r == bot:
            del scr[top]
            scr.insert(bot, [' '] * cols)
            return r
        return min(r + 1, rows - 1)

    i = 0
    while i < len(data):
        ch = data[i]
        if ch == '\x1b':
            if data[i + 1:i + 2] == '7':
                saved, i = (r, c), i + 2
                continue
            if data[i + 1:i + 2] == '8':
                (r, c), i = saved, i + 2
                continue
            m = re.match(r'\x1b\[([0-9;]*)([A-Za-z])', data[i:])
            if not m:
                i += 1
                continue
            i += m.end()
            n = [int(x) if x else 0 for x in m.group(1).split(';')] if m.group(1) else []
            f = m.group(2)
            if f == 'r':  # scrolling region; homes the cursor
                top = n[0] - 1 if n and n[0] else 0
                bot = n[1] - 1 if len(n) > 1 and n[1] else rows - 1
                r = c = 0
            elif f in 'Hf':
                r = n[0] - 1 if n and n[0] else 0
                c = n[1] - 1 if len(n) > 1 and n[1] else 0
            elif f == 'A':
                r = max(top if r >= top else 0, r - (n[0] if n and n[0] else 1))
            elif f == 'K':
                if n and n[0] == 2:
                    scr[r] = [' '] * cols
                else:
                    scr[r][c:] = [' '] * (cols - c)
            continue
        if ch == '\r':
            c = 0
        elif ch == '\n':
            r = linefeed(r)
        elif ch >= ' ':
            if c >= cols:
                c, r = 0, linefeed(r)
            scr[r][c] = ch
            c += 1
        i += 1
    return [''.join(x).rstrip() for x in scr]


if __name__ == '__main__':
    data = open(sys.argv[1], encoding='utf-8', errors='replace', newline='').read()
    if len(sys.argv) > 4:
        data = data[:int(sys.argv[4])]
    for line in render(data, int(sys.argv[2]), int(sys.argv[3])):
        print(line)
