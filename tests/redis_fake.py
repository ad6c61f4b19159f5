#!/usr/bin/env python3
"""A node that answers like a rogue Redis Cluster node, for redis_moved.sh.

redis_fake.py PORT TRAP_PORT DIR: on 127.0.0.1:PORT, speak enough RESP to
let forward and consume log in (AUTH, SCRIPT LOAD, INFO, CONFIG GET), and
answer every other command "MOVED 1 127.0.0.1:TRAP_PORT". On TRAP_PORT,
record every connection and every byte received in DIR/trap (and close).
DIR/ready appears once both listen. Commands received go to DIR/fake.
"""
import os
import socket
import sys
import threading

port, trap_port, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()


def note(name, data):
    with lock, open(os.path.join(folder, name), "ab") as f:
        f.write(data)


def commands(conn):
    """Yield each command (a list of bytes) a client sends."""
    buf = b""
    while True:
        while True:
            words = parse(buf)
            if words is None:
                break
            cmd, buf = words
            yield cmd
        chunk = conn.recv(65536)
        if not chunk:
            return
        buf += chunk


def parse(buf):
    """One RESP array of bulk strings from buf: (words, rest) or None."""
    if not buf.startswith(b"*") or b"\r\n" not in buf:
        return None
    head, rest = buf.split(b"\r\n", 1)
    words = []
    for _ in range(int(head[1:])):
        if b"\r\n" not in rest:
            return None
        size, rest = rest.split(b"\r\n", 1)
        n = int(size[1:])
        if len(rest) < n + 2:
            return None
        words.append(rest[:n])
        rest = rest[n + 2:]
    return words, rest


def bulk(s):
    return b"$%d\r\n%s\r\n" % (len(s), s)


def answer(cmd):
    name = cmd[0].upper()
    if name == b"AUTH":
        return b"+OK\r\n"
    if name == b"SCRIPT":
        return bulk(b"0" * 40)
    if name == b"INFO":
        return bulk(b"# Persistence\r\naof_enabled:1\r\n")
    if name == b"CONFIG":
        return b"*2\r\n" + bulk(b"appendfsync") + bulk(b"always")
    return b"-MOVED 1 127.0.0.1:%d\r\n" % trap_port


def fake(conn):
    with conn:
        for cmd in commands(conn):
            note("fake", b" ".join(cmd[:2]) + b"\n")
            conn.sendall(answer(cmd))


def trap(conn):
    with conn:
        note("trap", b"connection\n")
        conn.settimeout(2)
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                note("trap", data)
        except OSError:
            pass


def serve(listener, handler):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


def listen(p):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p))
    s.listen(16)
    return s


a, b = listen(port), listen(trap_port)
threading.Thread(target=serve, args=(b, trap), daemon=True).start()
open(os.path.join(folder, "ready"), "w").close()
serve(a, fake)
