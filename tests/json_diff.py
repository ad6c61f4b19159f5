#!/usr/bin/env python3
"""Differential test of event_parse() against Python's json module.

Generates, from a fixed seed, valid events and mutations of them, decides
each one here with an independent reference (Python's json module made
strict, plus the id/type rules written again from SPEC.md), asks
tests/json_verdict (event_parse) for its verdict on the same bytes, and
fails on the first body where the two disagree.

usage: json_diff.py VERDICT_PROGRAM [EVENTS_TXT] [--count N] [--seed S]
"""

import argparse
import json
import random
import re
import subprocess
import sys

MAX_DEPTH = 64
NAME_MAX = 1024


# --- the reference -----------------------------------------------------------

class Obj:
    """A JSON object as the list of its members, duplicates kept."""

    def __init__(self, pairs):
        self.pairs = pairs


class Refused(ValueError):
    pass


def refuse_constant(name):
    raise Refused("not JSON: " + name)


def depth(v):
    """Nesting of objects and arrays, without recursion."""
    deepest = 0
    stack = [(v, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, Obj):
            deepest = max(deepest, d)
            stack.extend((x, d + 1) for _, x in v.pairs)
        elif isinstance(v, list):
            deepest = max(deepest, d)
            stack.extend((x, d + 1) for x in v)
    return deepest


def name_ok(s):
    """The id/type rules of SPEC.md, on a decoded string."""
    if not isinstance(s, str):
        return False
    try:
        b = s.encode("utf-8")  # a lone surrogate does not encode
    except UnicodeEncodeError:
        return False
    if not 1 <= len(b) <= NAME_MAX:
        return False
    for ch in s:
        cp = ord(ch)
        if cp < 0x20 or 0x7F <= cp <= 0x9F:
            return False  # C0, DEL, C1
        if cp in (0x2028, 0x2029):
            return False
        if 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069:
            return False  # embeddings, overrides, isolates
        if cp in (0x200E, 0x200F, 0x061C):
            return False  # bidi marks
    return True


def reference(body):
    """'ok ID_HEX TYPE_HEX' or 'bad', decided without hookspool's code."""
    try:
        text = body.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return "bad"
    if "\x00" in text:
        return "bad"
    try:
        top = json.loads(text, object_pairs_hook=Obj,
                         parse_constant=refuse_constant,
                         parse_int=lambda s: 0, parse_float=lambda s: 0.0,
                         strict=True)
    except (ValueError, RecursionError):
        return "bad"
    if not isinstance(top, Obj) or depth(top) > MAX_DEPTH:
        return "bad"
    found = {}
    for k, v in top.pairs:
        if k in ("id", "type"):
            if k in found:
                return "bad"
            found[k] = v
    if "id" not in found or "type" not in found:
        return "bad"
    if not name_ok(found["id"]) or not name_ok(found["type"]):
        return "bad"
    return "ok %s %s" % (found["id"].encode().hex(),
                         found["type"].encode().hex())


# --- the generator -----------------------------------------------------------

WS = [" ", "\t", "\n", "\r"]
ESCAPES = ['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]
# characters the id/type rules are about, and some near them
SPECIAL = [0x00, 0x01, 0x1F, 0x20, 0x7E, 0x7F, 0x80, 0x85, 0x9F, 0xA0,
           0x61B, 0x61C, 0x61D, 0x200D, 0x200E, 0x200F, 0x2027, 0x2028,
           0x2029, 0x202A, 0x202E, 0x202F, 0x2065, 0x2066, 0x2069, 0x206A,
           0xFEFF, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF]


class Gen:
    def __init__(self, rng):
        self.r = rng

    def ws(self):
        r = self.r
        if r.random() < 0.7:
            return ""
        return "".join(r.choice(WS) for _ in range(r.randint(1, 3)))

    def hex4(self, cp):
        h = "%04x" % cp
        return "\\u" + (h.upper() if self.r.random() < 0.3 else h)

    def char(self, lone):
        """One character of a string, as written in JSON."""
        r = self.r
        k = r.random()
        if k < 0.45:
            return r.choice("abcdefghijklmnopqrstuvwxyz0123456789 .-_:/'")
        if k < 0.55:
            return r.choice(ESCAPES)
        if k < 0.65:  # a BMP escape, not a surrogate
            cp = r.randint(0, 0xFFFF)
            if 0xD800 <= cp <= 0xDFFF:
                cp = 0x41
            return self.hex4(cp)
        if k < 0.72:  # a surrogate pair, escaped
            cp = r.randint(0x10000, 0x10FFFF) - 0x10000
            return self.hex4(0xD800 + (cp >> 10)) + \
                self.hex4(0xDC00 + (cp & 0x3FF))
        if k < 0.77 and lone:  # a lone surrogate, escaped
            return self.hex4(r.randint(0xD800, 0xDFFF))
        if k < 0.87:  # raw UTF-8
            cp = r.choice([r.randint(0xA0, 0x7FF), r.randint(0x800, 0xFFFF),
                           r.randint(0x10000, 0x10FFFF)])
            if 0xD800 <= cp <= 0xDFFF:
                cp = 0xE000
            return chr(cp)
        cp = r.choice(SPECIAL)  # escaped or raw when JSON allows it raw
        if cp >= 0x20 and r.random() < 0.5:
            return chr(cp)
        return self.hex4(cp) if cp < 0x10000 else chr(cp)

    def string(self, lone=True, maxlen=12):
        n = self.r.randint(0, maxlen)
        return '"' + "".join(self.char(lone) for _ in range(n)) + '"'

    def name(self):
        """An id or type: mostly valid, sometimes long or breaking a rule."""
        r = self.r
        k = r.random()
        if k < 0.05:
            n = r.choice([1022, 1023, 1024, 1025, 1026])
            return '"' + "x" * n + '"'
        if k < 0.08:
            return '"' + "\\u00e9" * r.choice([511, 512, 513]) + '"'
        if k < 0.10:
            return '""'
        if k < 0.35:
            s = self.string(lone=True, maxlen=6)
            return s if s != '""' else '"a"'
        n = r.randint(1, 20)
        return '"' + "".join(r.choice("abcdefghijklmnop.0123456789_-")
                             for _ in range(n)) + '"'

    def number(self):
        r = self.r
        s = r.choice(["", "-"])
        s += r.choice(["0", str(r.randint(1, 9)),
                       str(r.randint(1, 10 ** r.randint(1, 25)))])
        if r.random() < 0.4:
            s += "." + "".join(r.choice("0123456789")
                               for _ in range(r.randint(1, 6)))
        if r.random() < 0.3:
            s += r.choice("eE") + r.choice(["", "+", "-"]) + \
                str(r.randint(0, 400))
        return s

    def key(self):
        r = self.r
        k = r.random()
        if k < 0.05:
            return r.choice(['"id"', '"type"', '"\\u0069d"', '"typ\\u0065"'])
        if k < 0.1:
            return '""'
        return self.string(maxlen=6)

    def value(self, level, budget):
        """A value inside a container at level (the top object is 1)."""
        r = self.r
        k = r.random()
        if level < MAX_DEPTH and budget[0] > 0 and k < 0.3:
            budget[0] -= 1
            n = r.randint(0, 4)
            if r.random() < 0.5:
                items = [self.value(level + 1, budget) for _ in range(n)]
                return "[" + self.ws() + ("," + self.ws()).join(
                    i + self.ws() for i in items) + "]"
            members = [self.key() + self.ws() + ":" + self.ws() +
                       self.value(level + 1, budget) for _ in range(n)]
            return "{" + self.ws() + ("," + self.ws()).join(
                m + self.ws() for m in members) + "}"
        if k < 0.55:
            return self.string()
        if k < 0.85:
            return self.number()
        return r.choice(["true", "false", "null"])

    def deep(self, levels):
        """A chain of arrays and objects, levels deep."""
        out, close = "", ""
        for _ in range(levels):
            if self.r.random() < 0.5:
                out += "["
                close = "]" + close
            else:
                out += '{"d":'
                close = "}" + close
        if out.endswith(":"):
            out += "0"
        return out + close

    def event(self):
        r = self.r
        members = [('"id"', self.name()), ('"type"', self.name())]
        for _ in range(r.randint(0, 4)):
            members.append((self.key(), self.value(2, [6])))
        if r.random() < 0.1:  # as deep as allowed, or one more
            members.append(('"deep"', self.deep(r.choice([62, 63, 64]))))
        if r.random() < 0.05:  # a second id or type
            members.append((r.choice(['"id"', '"type"', '"\\u0069d"']),
                            self.name()))
        if r.random() < 0.05 and len(members) > 2:
            members = [m for m in members if m[0] != r.choice(
                ['"id"', '"type"'])]
        r.shuffle(members)
        body = self.ws() + "{" + self.ws() + ("," + self.ws()).join(
            k + self.ws() + ":" + self.ws() + v + self.ws()
            for k, v in members) + "}" + self.ws()
        return body.encode("utf-8", errors="surrogatepass")


INSERTS = [b"'", b'"', b"\\", b"\x00", b"\x01", b"\x09", b"\x0a", b"\x1f",
           b"\x7f", b"NaN", b"-Infinity", b"Infinity", b"0", b"00", b"-",
           b".", b"e", b"+", b",", b":", b"{", b"}", b"[", b"]", b" ",
           b"\xc0\x80", b"\xc1\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf",
           b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\x80", b"\xbf",
           b"\xfe", b"\xff", b"\xe2\x82", b"\xf0\x9f\x98", b"\xc2",
           b"\xef\xbb\xbf", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xae",
           b"\\u", b"\\ud800", b"\\udc00", b"\\u0000", b"\\x41", b"\\'",
           b"true", b"nul", b"'k\"'", b"\x0b", b"\x0c", b"\xc2\xa0"]


def mutate(r, body):
    """One or a few random changes to body."""
    b = bytearray(body)
    for _ in range(r.choice([1, 1, 1, 2, 3])):
        k = r.random()
        pos = r.randint(0, len(b))
        if k < 0.15 and b:  # flip a byte
            i = r.randrange(len(b))
            b[i] = r.choice([r.randrange(256), b[i] ^ (1 << r.randrange(8))])
        elif k < 0.5:
            b[pos:pos] = r.choice(INSERTS)
        elif k < 0.6:  # truncate
            del b[pos:]
        elif k < 0.7 and b:  # delete a few bytes
            del b[pos:pos + r.randint(1, 3)]
        elif k < 0.8:  # another id or type at the top level
            i = b.find(b"{")
            if i >= 0:
                b[i + 1:i + 1] = r.choice([b'"id":"z",', b'"type":"z",',
                                           b'"\\u0069d":"z",', b'"id":1,'])
        elif k < 0.9:  # a leading zero or a bare sign before a digit
            digits = [i for i, c in enumerate(b) if 0x30 <= c <= 0x39]
            if digits:
                i = r.choice(digits)
                b[i:i] = r.choice([b"0", b"-", b"+", b".", b"-0"])
        elif k < 0.95:  # a quote changed into the other kind
            quotes = [i for i, c in enumerate(b) if c in b"\"'"]
            if quotes:
                i = r.choice(quotes)
                b[i] = 0x27 if b[i] == 0x22 else 0x22
        else:  # a comma after an opening or before a closing bracket
            marks = [i for i, c in enumerate(b) if c in b"[]{},"]
            if marks:
                i = r.choice(marks)
                if b[i] in b"[{":
                    i += 1
                b[i:i] = r.choice([b",", b" ,", b", "])
    return bytes(b)


def events_txt(path):
    """The bodies of tests/data/events.txt."""
    out = []
    with open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            if not line or line.startswith(b"#") or b"\t" not in line:
                continue
            raw = line.split(b"\t", 1)[1]
            out.append(re.sub(rb"%([0-9A-Fa-f]{2})",
                              lambda m: bytes([int(m.group(1), 16)]), raw))
    return out


def show(body):
    """body, escaped for a terminal."""
    s = repr(body)[2:-1]
    return s if len(s) <= 4000 else s[:4000] + "... (%d bytes)" % len(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("verdict")
    ap.add_argument("events_txt", nargs="?")
    ap.add_argument("--count", type=int, default=24000)
    ap.add_argument("--seed", type=int, default=8259)
    args = ap.parse_args()

    r = random.Random(args.seed)
    g = Gen(r)
    seeds = events_txt(args.events_txt) if args.events_txt else []
    bodies = list(seeds)
    while len(bodies) < args.count:
        if r.random() < 0.4:
            bodies.append(g.event())
        elif seeds and r.random() < 0.15:
            bodies.append(mutate(r, r.choice(seeds)))
        else:
            bodies.append(mutate(r, g.event()))

    data = b"".join(b"%d\n" % len(b) + b for b in bodies)
    proc = subprocess.run([args.verdict], input=data, stdout=subprocess.PIPE,
                          check=False)
    if proc.returncode != 0:
        print("FAIL: %s exited %d" % (args.verdict, proc.returncode))
        return 1
    got = proc.stdout.decode("ascii").split("\n")[:-1]
    if len(got) != len(bodies):
        print("FAIL: %d verdicts for %d bodies" % (len(got), len(bodies)))
        return 1
    nok = 0
    for i, (body, verdict) in enumerate(zip(bodies, got)):
        want = reference(body)
        if verdict != want:
            print("FAIL: body #%d: event_parse says %s, Python says %s"
                  % (i, verdict[:80], want[:80]))
            print("body: b'%s'" % show(body))
            return 1
        nok += want != "bad"
    nbad = len(bodies) - nok
    print("ok: %d bodies (%d from events.txt), %d valid and %d refused by "
          "both" % (len(bodies), len(seeds), nok, nbad))
    if nok < len(bodies) // 5 or nbad < len(bodies) // 5:
        print("FAIL: too few of one verdict to compare anything")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
