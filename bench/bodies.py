#!/usr/bin/env python3
"""Pre-signed events for the benchmark: bodies.py SECRET_FILE COUNT [SIZE]
prints COUNT lines "SIGNATURE<TAB>BODY", each body a Protocol event of about
SIZE bytes (default 600) with an id of its own, signed as Protocol signs
(hex HMAC-SHA256 of the body, keyed with the secret file's bytes less one
trailing newline). bench/fresh.lua sends them."""
import hashlib
import hmac
import sys


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: bodies.py SECRET_FILE COUNT [SIZE]")
    with open(sys.argv[1], "rb") as f:
        key = f.read()
    if key.endswith(b"\r\n"):
        key = key[:-2]
    elif key.endswith(b"\n"):
        key = key[:-1]
    count = int(sys.argv[2])
    size = int(sys.argv[3]) if len(sys.argv) == 4 else 600
    out = sys.stdout.buffer
    for i in range(count):
        head = ('{"id":"bench-%08d","type":"conversation.updated",'
                '"payload":{"id":"WAz8eIbvDR60rouK","text":"' % i)
        pad = "x" * max(0, size - len(head) - 3)
        body = (head + pad + '"}}').encode()
        sig = hmac.new(key, body, hashlib.sha256).hexdigest().encode()
        out.write(sig + b"\t" + body + b"\n")


if __name__ == "__main__":
    main()
