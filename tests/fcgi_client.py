"""A FastCGI client written by hand, for the tests that need to control
what goes on the connection and when: parameters that trickle in or never
end, bytes after the answer, many requests while the responder restarts.

Used as a command:
    fcgi_client.py post ADDR BODY SIG [TIMEOUT]
        one signed POST of the file BODY; prints the answer's stdout and
        then "seconds=S" (how long the answer took); exit 1 if none came
    fcgi_client.py trickle ADDR INTERVAL [TIMEOUT]
        BEGIN_REQUEST, then the parameters one byte every INTERVAL
        seconds, never complete; prints "closed after S" once the
        responder closes the connection (exit 1 after TIMEOUT)
    fcgi_client.py oversize ADDR BODY SIG SIZE
        a signed POST whose parameters take SIZE bytes, sent at once;
        prints "answered" or "closed after S"
    fcgi_client.py linger ADDR BODY SIG INTERVAL [TIMEOUT]
        a signed POST; once answered, one byte every INTERVAL seconds;
        prints the status line, then "closed after S" (S counted from the
        answer) once the responder has closed the connection (the sends
        fail: up to two INTERVALs after the close)
    fcgi_client.py burst ADDR N SECRETFILE METHOD PATH BODY [OPTION...]
        N requests at once, each on its own connection: METHOD to
        PATH_INFO PATH, the body BODY with "{i}" replaced by the
        request's number (0 to N-1; "-": no body), signed with the key
        in SECRETFILE (one trailing newline dropped) as x-protocol-
        signature; prints each answer's status, one a line, in order
        (000: no answer). OPTIONs: nosig, badsig, nolength (no
        CONTENT_LENGTH), length=N (CONTENT_LENGTH N whatever the body),
        hold (the body sent, then the connection held open until
        answered), query=Q (QUERY_STRING)
ADDR is HOST:PORT or the path of a unix socket.
"""
import hashlib
import hmac
import socket
import struct
import sys
import threading
import time

BEGIN, PARAMS, STDIN, STDOUT, STDERR, END = 1, 4, 5, 6, 7, 3


def record(rtype, content=b"", rid=1):
    return struct.pack(">BBHHBx", 1, rtype, rid, len(content), 0) + content


def pair(name, value):
    out = b""
    for s in (name, value):
        n = len(s)
        out += bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return out + name + value


def params_bytes(body_len, sig, extra=()):
    kv = [(b"GATEWAY_INTERFACE", b"CGI/1.1"), (b"REQUEST_METHOD", b"POST"),
          (b"SERVER_PROTOCOL", b"HTTP/1.1"), (b"REMOTE_ADDR", b"127.0.0.1"),
          (b"CONTENT_LENGTH", str(body_len).encode()),
          (b"HTTP_X_PROTOCOL_SIGNATURE", sig.encode())]
    return b"".join(pair(k, v) for k, v in list(kv) + list(extra))


def stream(rtype, data):
    """data as records of at most 32 KiB, then the empty one that ends it."""
    out = b""
    for i in range(0, len(data), 32768):
        out += record(rtype, data[i:i + 32768])
    return out + record(rtype)


def begin():
    return record(BEGIN, struct.pack(">HB5x", 1, 0))


def request(body, sig, extra=()):
    return (begin() + stream(PARAMS, params_bytes(len(body), sig, extra)) +
            stream(STDIN, body))


def connect(addr, timeout):
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target = addr
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host, int(port))
    s.settimeout(timeout)
    s.connect(target)
    return s


def read_answer(s):
    """The STDOUT content up to END_REQUEST; None if the connection ends
    first."""
    buf, out = b"", b""
    while True:
        while len(buf) >= 8:
            _, rtype, _, clen, plen = struct.unpack(">BBHHBx", buf[:8])
            if len(buf) < 8 + clen + plen:
                break
            content = buf[8:8 + clen]
            buf = buf[8 + clen + plen:]
            if rtype == STDOUT:
                out += content
            elif rtype == END:
                return out
        try:
            data = s.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            return None
        buf += data


def closed_within(s, seconds, eof):
    """Whether the peer closes s within seconds: with eof, an end of
    input counts; without, only a reset does (a peer that has shut down
    its side only ends its input). Bytes it sends are dropped."""
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return False
        s.settimeout(min(left, 0.2))
        try:
            if s.recv(65536) == b"":
                if eof:
                    return True
                time.sleep(min(left, 0.2))
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True


def send_slowly(s, data, interval, timeout, eof=True):
    """data (zero bytes if empty) one byte every interval seconds, until
    the peer closes s or timeout passes; returns the seconds until the
    close, or None."""
    start = time.monotonic()
    i = 0
    while time.monotonic() - start <= timeout:
        if data and i >= len(data):
            return None
        try:
            s.send(data[i:i + 1] if data else b"\0")
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - start
        i += 1
        if closed_within(s, interval, eof):
            return time.monotonic() - start
    return None


def post(addr, body, sig, timeout=60.0):
    start = time.monotonic()
    s = connect(addr, timeout)
    try:
        s.sendall(request(body, sig))
        out = read_answer(s)
    except (socket.timeout, BrokenPipeError, ConnectionResetError):
        out = None
    finally:
        s.close()
    return out, time.monotonic() - start


def cmd_post(addr, bodyfile, sig, timeout="60"):
    body = open(bodyfile, "rb").read()
    out, took = post(addr, body, sig, float(timeout))
    if out is None:
        print("no answer after %.1f" % took)
        return 1
    sys.stdout.write(out.decode("utf-8", "replace"))
    print("\nseconds=%.1f" % took)
    return 0


def cmd_trickle(addr, interval, timeout="90"):
    s = connect(addr, 10)
    s.sendall(begin())
    took = send_slowly(s, record(PARAMS, pair(b"HTTP_X_SLOW", b"x" * 100)),
                       float(interval), float(timeout))
    if took is None:
        print("still open after %s" % timeout)
        return 1
    print("closed after %.1f" % took)
    return 0


def cmd_oversize(addr, bodyfile, sig, size):
    body, size = open(bodyfile, "rb").read(), int(size)
    pad = b"p" * 4000
    extra, n = [], len(params_bytes(len(body), sig))
    while n < size:
        name = b"HTTP_X_PAD_%d" % len(extra)
        extra.append((name, pad))
        n += len(pair(name, pad))
    data = request(body, sig, extra)
    start = time.monotonic()
    s = connect(addr, 30)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = read_answer(s)
    took = time.monotonic() - start
    if out is not None:
        print("answered: " + out.decode("utf-8", "replace").split("\r\n")[0])
        return 0
    print("closed after %.1f" % took)
    return 0


def cmd_linger(addr, bodyfile, sig, interval, timeout="60"):
    body = open(bodyfile, "rb").read()
    s = connect(addr, 30)
    s.sendall(request(body, sig))
    out = read_answer_only(s)
    if out is None:
        print("no answer")
        return 1
    print(out.decode("utf-8", "replace").split("\r\n")[0])
    # the responder shuts its side down at once: only a reset is the close
    took = send_slowly(s, b"", float(interval), float(timeout), eof=False)
    if took is None:
        print("still open after %s" % timeout)
        return 1
    print("closed after %.1f" % took)
    return 0


def read_answer_only(s):
    """As read_answer, but the bytes after END_REQUEST are left alone:
    the answer is read one record at a time."""
    out = b""
    while True:
        head = recv_exact(s, 8)
        if head is None:
            return None
        _, rtype, _, clen, plen = struct.unpack(">BBHHBx", head)
        content = recv_exact(s, clen + plen)
        if content is None:
            return None
        if rtype == STDOUT:
            out += content[:clen]
        elif rtype == END:
            return out


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        data = s.recv(n - len(buf))
        if not data:
            return None
        buf += data
    return buf



def burst_one(addr, params, body, hold, results, i):
    data = begin() + stream(PARAMS, params)
    data += record(STDIN, body) if hold and body else b""
    data += b"" if hold else stream(STDIN, body)
    try:
        s = connect(addr, 90)
        try:
            s.sendall(data)
            out = read_answer(s)
        finally:
            s.close()
    except (OSError, socket.timeout):
        out = None
    code = b"000"
    if out is not None and out.startswith(b"Status: "):
        code = out[8:11]
    results[i] = code.decode()


def cmd_burst(addr, n, secretfile, method, path, template, *options):
    key = open(secretfile, "rb").read()
    if key.endswith(b"\r\n"):
        key = key[:-2]
    elif key.endswith(b"\n"):
        key = key[:-1]
    opts = dict(o.split("=", 1) if "=" in o else (o, "") for o in options)
    n = int(n)
    results = ["000"] * n
    threads = []
    for i in range(n):
        body = b"" if template == "-" else template.replace(
            "{i}", str(i)).encode()
        kv = [(b"GATEWAY_INTERFACE", b"CGI/1.1"),
              (b"REQUEST_METHOD", method.encode()),
              (b"PATH_INFO", path.encode()),
              (b"SERVER_PROTOCOL", b"HTTP/1.1"),
              (b"REMOTE_ADDR", b"127.0.0.1")]
        if "nolength" not in opts:
            kv.append((b"CONTENT_LENGTH",
                       opts.get("length", str(len(body))).encode()))
        if "nosig" not in opts:
            sig = hmac.new(key, body, hashlib.sha256).hexdigest()
            if "badsig" in opts:
                sig = "0" * 64
            kv.append((b"HTTP_X_PROTOCOL_SIGNATURE", sig.encode()))
        if "query" in opts:
            kv.append((b"QUERY_STRING", opts["query"].encode()))
        params = b"".join(pair(k, v) for k, v in kv)
        t = threading.Thread(target=burst_one, args=(
            addr, params, body, "hold" in opts, results, i))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    print("\n".join(results))
    return 0


COMMANDS = {"post": cmd_post, "trickle": cmd_trickle,
            "oversize": cmd_oversize, "linger": cmd_linger,
            "burst": cmd_burst}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](*sys.argv[2:]))
