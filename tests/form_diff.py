#!/usr/bin/env python3
"""Differential test of hookspool's form decoder (tests/form_verdict)
against Python's urllib.parse.parse_qsl, on bodies generated from a fixed
seed: Twilio-like forms and mutations of them.

Where hookspool accepts a body, parse_qsl (keep_blank_values, strict
parsing, UTF-8 strictly) must give the same fields, and the JSON object
must hold them: each name once in the order it first came, a repeated
name as the array of its values. Where hookspool refuses one, Python must
refuse it too, or the body must hold a '%' not followed by two hex digits
(which parse_qsl leaves as it is, and hookspool refuses). Exits 1 on the
first difference, naming the body."""
import json
import random
import re
import subprocess
import sys
from urllib.parse import parse_qsl, quote_plus

BAD_ESCAPE = re.compile(rb'%(?![0-9A-Fa-f]{2})')
FIELDS = ['MessageSid', 'SmsSid', 'AccountSid', 'From', 'To', 'Body',
          'NumMedia', 'MediaUrl0', 'CallSid', 'CallStatus', 'Digits', 'a',
          '', 'é', 'x y', 'a=b', 'a&b']
VALUES = ['SM1f0e8ae6ade43cb3c0ce4525424e404f', '+15558675310', 'hi there',
          '', 'café ☕', '100%', 'a+b', 'line\nbreak', '\x00', 'é' * 3,
          '😀', 'x=y&z']
PIECES = [b'%', b'%2', b'%zz', b'%C3', b'%C3%A9', b'%ED%A0%80', b'%F0%9F',
          b'&', b'&&', b'=', b'+', b'\xff', b'\xc3\xa9', b'%00', b'%2B']


def expected(body):
    """parse_qsl's fields grouped as hookspool spools them, or None."""
    try:
        pairs = parse_qsl(body.decode('utf-8'), keep_blank_values=True,
                          strict_parsing=True, encoding='utf-8',
                          errors='strict')
    except (ValueError, UnicodeDecodeError):
        return None
    if body == b'':
        pairs = []
    out = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return [(k, v[0] if len(v) == 1 else v) for k, v in out.items()]


def bodies(rng, n):
    for _ in range(n):
        fields = [(rng.choice(FIELDS), rng.choice(VALUES))
                  for _ in range(rng.randint(0, 6))]
        body = '&'.join(quote_plus(k) + '=' + quote_plus(v)
                        for k, v in fields).encode()
        if rng.random() < 0.5 and body:
            at = rng.randint(0, len(body))
            body = body[:at] + rng.choice(PIECES) + body[at:]
        if rng.random() < 0.2 and body:
            at = rng.randint(0, len(body) - 1)
            body = body[:at] + body[at + 1:]
        yield body


def main():
    verdict = sys.argv[1]
    rng = random.Random(20)
    cases = list(bodies(rng, 5000))
    data = b''.join(b'%d\n' % len(b) + b for b in cases)
    out = subprocess.run([verdict], input=data, stdout=subprocess.PIPE,
                         check=True).stdout.decode().split('\n')
    accepted = 0
    for body, line in zip(cases, out):
        want = expected(body)
        if line.startswith('ok '):
            got = json.loads(line[3:], object_pairs_hook=list)
            if want is None or got != want:
                print('differ on %r: hookspool %s, python %r'
                      % (body, line, want))
                return 1
            accepted += 1
        elif line == 'bad':
            if want is not None and not BAD_ESCAPE.search(body):
                print('hookspool refuses %r, python gives %r' % (body, want))
                return 1
        else:
            print('no verdict for %r: %r' % (body, line))
            return 1
    if len(out) != len(cases) + 1 or accepted < len(cases) // 4:
        print('%d verdicts, %d accepted' % (len(out) - 1, accepted))
        return 1
    print('%d bodies, %d accepted by both' % (len(cases), accepted))
    return 0


sys.exit(main())
