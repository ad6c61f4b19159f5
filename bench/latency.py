#!/usr/bin/env python3
"""The parts of bench/latency.sh that keep time. Every time is the
system's wall clock (time.time()), read on this machine by each process.

  latency.py send URL BODIES RATE OUT [CONNS]
      POST each line "SIGNATURE<TAB>BODY" of BODIES (bench/bodies.py) to
      URL, event i at START + i/RATE (an open loop: a late answer does not
      delay the next request, CONNS connections at most in flight, default
      32), and write "ID TIME" to OUT for each 200, TIME when the answer
      was read. Prints the rate reached and how late the last send was.
  latency.py xread HOST PORT STREAM COUNT OUT TIMEOUT
      Read the Redis stream STREAM from its end (XREAD BLOCK) until COUNT
      entries came or TIMEOUT seconds passed, writing "ID TIME" to OUT for
      each, TIME when the entry was read. Prints "ready" on stdout once it
      waits for the first.
  latency.py stats SENT READ
      Print "N p50 p99 max" of READ's time less SENT's for each id in both
      (milliseconds), then the ids sent and never read, if any.
  latency.py cron HANDLED RATE PERIOD
      The latency a drain run every PERIOD seconds would give at RATE
      events a second: the event at position j of a period arrives j/RATE
      after its start and waits for the period's end, then for the drain
      to reach it, as long as the real drain (HANDLED, "ID TIME" written
      by its handler, the first line "start TIME") took to reach its
      j-th event, or j times its mean per event beyond what it handled.
      Prints "N p50 p99 max" in milliseconds.
"""
import http.client
import socket
import sys
import threading
import time
import urllib.parse


def percentiles(values):
    values = sorted(values)
    n = len(values)
    if n == 0:
        return "0 - - -"

    def at(p):
        return values[min(n - 1, int(p * n))]
    return "%d %.1f %.1f %.1f" % (n, at(0.50), at(0.99), values[-1])


def send(url, bodies_path, rate, out_path, conns=32):
    u = urllib.parse.urlsplit(url)
    with open(bodies_path, "rb") as f:
        items = []
        for line in f:
            sig, body = line.rstrip(b"\n").split(b"\t", 1)
            ident = body.split(b'"id":"', 1)[1].split(b'"', 1)[0].decode()
            items.append((ident, sig.decode(), body))
    lock = threading.Lock()
    state = {"next": 0, "late": 0.0}
    results = []
    start = time.time() + 0.2

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        while True:
            with lock:
                i = state["next"]
                if i >= len(items):
                    break
                state["next"] = i + 1
            when = start + i / rate
            wait = when - time.time()
            if wait > 0:
                time.sleep(wait)
            else:
                with lock:
                    state["late"] = max(state["late"], -wait)
            ident, sig, body = items[i]
            conn.request("POST", u.path, body, {
                "Content-Type": "application/json",
                "x-protocol-signature": sig})
            resp = conn.getresponse()
            resp.read()
            t = time.time()
            if resp.status == 200:
                with lock:
                    results.append((ident, t))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = max(t for _, t in results) - start if results else 0
    with open(out_path, "w") as f:
        for ident, t in results:
            f.write("%s %.6f\n" % (ident, t))
    print("sent %d of %d, %.0f/s, the last send %.1f ms late at most" % (
        len(results), len(items), len(results) / took if took > 0 else 0,
        state["late"] * 1000))


class Resp:
    """Just enough of the Redis protocol for XREAD."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.buf = b""

    def command(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.exact(n)
        if kind == b"-":
            raise RuntimeError(rest.decode())
        return rest


def xread(host, port, stream, count, out_path, timeout):
    r = Resp(host, int(port))
    last = "$"
    got = 0
    deadline = time.time() + timeout
    with open(out_path, "w") as out:
        print("ready", flush=True)
        while got < count and time.time() < deadline:
            r.command("XREAD", "COUNT", "1000", "BLOCK", "1000", "STREAMS",
                      stream, last)
            reply = r.reply()
            t = time.time()
            if reply is None:
                continue
            for _, entries in reply:
                for entry_id, fields in entries:
                    last = entry_id.decode()
                    f = dict(zip(fields[0::2], fields[1::2]))
                    out.write("%s %.6f\n" % (f[b"id"].decode(), t))
                    got += 1
            out.flush()


def read_times(path):
    times = {}
    with open(path) as f:
        for line in f:
            ident, t = line.split()
            times[ident] = float(t)
    return times


def stats(sent_path, read_path):
    sent, read = read_times(sent_path), read_times(read_path)
    print(percentiles([(read[i] - sent[i]) * 1000 for i in sent if i in read]))
    missing = [i for i in sent if i not in read]
    if missing:
        print("never read: %d (%s ...)" % (len(missing), " ".join(missing[:3])))


def cron(handled_path, rate, period):
    start = None
    offsets = []
    with open(handled_path) as f:
        for line in f:
            ident, t = line.split()
            if ident == "start":
                start = float(t)
            else:
                offsets.append(float(t) - start)
    offsets.sort()
    if not offsets:
        sys.exit("the drain handled nothing")
    per = offsets[-1] / len(offsets)
    n = int(rate * period)
    lat = []
    for j in range(n):
        reach = offsets[j] if j < len(offsets) else j * per
        lat.append((period - j / rate + reach) * 1000)
    print(percentiles(lat))
    if n * per > period:
        print("falls behind: a minute's %d events take the drain %.0f s, "
              "more than the minute" % (n, n * per))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "send":
        send(args[0], args[1], float(args[2]), args[3],
             int(args[4]) if len(args) > 4 else 32)
    elif cmd == "xread":
        xread(args[0], args[1], args[2], int(args[3]), args[4],
              float(args[5]))
    elif cmd == "stats":
        stats(args[0], args[1])
    elif cmd == "cron":
        cron(args[0], float(args[1]), float(args[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
