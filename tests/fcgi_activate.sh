#!/bin/sh
# Socket activation and readiness, as hookspool.socket and the Type=notify
# hookspool.service use them. systemd-socket-activate (systemd's own tool)
# passes the responder its socket: a signed request is answered through
# it. Then a holder written here keeps the socket, as systemd does, and
# restarts the responder three times (TERM, wait, start) while requests
# keep coming: every one is answered 200 and spooled, none refused, and
# each start sends READY=1 to NOTIFY_SOCKET. A socket systemd passes
# that is not --listen's is an error that names both. READY=1 goes to an
# abstract NOTIFY_SOCKET too, and without socket activation.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/servers.sh"

command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
ACTIVATE=$(find_prog systemd-socket-activate) ||
    skip "systemd-socket-activate is missing (apt-get install systemd)"

make_conf
mkdir "$SPOOL" "$T/run"
for_listen_user "$SPOOL" "$SECRET_FILE" "$T/run"
SOCK=$T/run/hookspool.sock

# systemd-socket-activate: it listens, and on the first connection execs
# the responder with the socket as LISTEN_FDS=1 on descriptor 3.
# shellcheck disable=SC2086
$LISTEN_AS "$ACTIVATE" -l "$SOCK" -E HOOKSPOOL_CONFIG="$CONF" \
    ${ASAN_OPTIONS:+-E ASAN_OPTIONS="$ASAN_OPTIONS"} \
    ${UBSAN_OPTIONS:+-E UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
    "$FCGI" --listen "$SOCK" 2>>"$T/listen.log" &
LISTEN_PID=$!
CLEANUP_PIDS="$CLEANUP_PIDS $LISTEN_PID"
wait_socket "$SOCK"
event "evt-$$-activated" >"$T/first.json"
python3 "$top_srcdir/tests/fcgi_client.py" post "$SOCK" "$T/first.json" \
    "$(sign "$T/first.json")" 20 >"$T/first.out" 2>&1 ||
    fail "no answer through the socket systemd-socket-activate passed: $(cat "$T/first.out")"
grep -q "{\"status\":\"accepted\",\"id\":\"evt-$$-activated\"}" "$T/first.out" ||
    fail "not accepted through the passed socket: $(cat "$T/first.out")"
ok "a signed request through the socket systemd-socket-activate passed"
kill -TERM "$LISTEN_PID"
wait_gone "$LISTEN_PID" || fail "the activated responder did not stop on TERM"
[ -S "$SOCK" ] || fail "the responder removed the socket it was passed"
ok "the passed socket is left in place on exit"
rm -f "$SOCK"

# The holder: the socket, a NOTIFY_SOCKET, three restarts under load.
cat >"$T/holder.py" <<'PY'
import hashlib, hmac, os, signal, socket, subprocess, sys, threading, time
sys.path.insert(0, os.environ["TESTS"])
import fcgi_client

sock_path, notify_path, fcgi = sys.argv[1:4]
run_as = sys.argv[4:]
key = open(os.environ["SECRET_FILE"], "rb").read()
key = key[:-2] if key.endswith(b"\r\n") else key[:-1] if key.endswith(b"\n") else key

listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(sock_path)
os.chmod(sock_path, 0o666)
listener.listen(128)
os.dup2(listener.fileno(), 3)
os.set_inheritable(3, True)
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)
os.chmod(notify_path, 0o666)
notify.settimeout(20)

def start():
    env = {"PATH": os.environ["PATH"], "LISTEN_FDS": "1",
           "NOTIFY_SOCKET": notify_path,
           "HOOKSPOOL_CONFIG": os.environ["CONF"]}
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if name in os.environ:
            env[name] = os.environ[name]
    # LISTEN_PID is the responder's own: the shell's, which it execs
    return subprocess.Popen(run_as + ["sh", "-c", 'LISTEN_PID=$$ exec "$@"',
                                      "sh", fcgi, "--listen", sock_path],
                            env=env, pass_fds=(3,))

def ready(proc):
    try:
        msg = notify.recv(4096)
    except socket.timeout:
        sys.exit("no READY=1 within 20 s (the responder %s)" %
                 ("exited %s" % proc.poll() if proc.poll() is not None
                  else "runs"))
    if msg != b"READY=1":
        sys.exit("NOTIFY_SOCKET got %r, not READY=1" % msg)

results, stop = [], threading.Event()

def client():
    n = 0
    while not stop.is_set() or n < 60:
        n += 1
        body = (b'{"id":"restart-%d","type":"conversation.updated",'
                b'"payload":{}}' % n)
        sig = hmac.new(key, body, hashlib.sha256).hexdigest()
        sent = time.monotonic()
        try:
            out, _ = fcgi_client.post(sock_path, body, sig, 30)
        except OSError as e:
            out = ("refused: %s" % e).encode()
        results.append((sent, n, out))

proc = start()
ready(proc)
print("READY=1 from the first start")
worker = threading.Thread(target=client)
worker.start()
windows = []
for i in range(3):
    time.sleep(0.4)
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    if proc.wait(30) != 0:
        sys.exit("the responder exited %d on TERM" % proc.returncode)
    proc = start()
    ready(proc)
    windows.append((began, time.monotonic()))
    print("restart %d: READY=1" % (i + 1))
time.sleep(0.4)
stop.set()
worker.join(120)
proc.send_signal(signal.SIGTERM)
proc.wait(30)

bad = [(n, out) for _, n, out in results
       if out is None or b'"status":"accepted"' not in out]
during = sum(1 for sent, _, _ in results
             if any(a <= sent <= b for a, b in windows))
print("requests: %d, during a restart: %d, not accepted: %d" %
      (len(results), during, len(bad)))
for n, out in bad[:5]:
    print("  request %d: %r" % (n, out))
sys.exit(1 if bad or during == 0 else 0)
PY
chmod 755 "$T"
TESTS=$top_srcdir/tests CONF=$CONF SECRET_FILE=$SECRET_FILE \
    timeout 300 python3 "$T/holder.py" "$SOCK" "$T/notify" "$FCGI" $LISTEN_AS \
    >"$T/holder.out" 2>>"$T/listen.log" && rc=0 || rc=$?
cat "$T/holder.out"
[ "$rc" -eq 0 ] || fail "requests during restarts: $(cat "$T/holder.out")"
grep -q '^READY=1 from the first start$' "$T/holder.out" || fail "no READY=1"
ok "READY=1 on NOTIFY_SOCKET at each start"
total=$(sed -n 's/^requests: \([0-9]*\),.*/\1/p' "$T/holder.out")
ok "every request answered 200 across three restarts ($(grep '^requests' "$T/holder.out"))"
assert_eq "every request spooled once" $((total + 1)) "$(count new)"
grep -q 'unable\|exited\|killed' "$T/listen.log" &&
    fail "the responder complained: $(cat "$T/listen.log")"
ok "nothing logged across the restarts"

# A passed socket that is not --listen's is refused, naming both.
(
	exec 3<"$SPOOL" # a descriptor 3 that is no socket
	# shellcheck disable=SC2016
	env LISTEN_FDS=1 HOOKSPOOL_CONFIG="$CONF" \
	    sh -c 'LISTEN_PID=$$ exec "$@"' sh "$FCGI" --listen "$SOCK"
) >"$T/notsock.out" 2>&1 && fail "a descriptor 3 that is no socket was taken"
grep -q 'the socket systemd passed (descriptor 3) is not a listening stream socket' \
    "$T/notsock.out" || fail "no reason for a bad descriptor 3: $(cat "$T/notsock.out")"
ok "a passed descriptor that is no listening socket is refused"
python3 - "$T/other.sock" "$FCGI" "$SOCK" "$CONF" >"$T/other.out" 2>&1 <<'PY' &&
import os, socket, subprocess, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
env = {"PATH": os.environ["PATH"], "LISTEN_FDS": "1",
       "HOOKSPOOL_CONFIG": sys.argv[4]}
sys.exit(subprocess.call(["sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh",
                          sys.argv[2], "--listen", sys.argv[3]],
                         env=env, pass_fds=(3,)))
PY
    fail "a passed socket that is not --listen's was taken"
grep -q "the socket systemd passed (LISTEN_FDS) is $T/other.sock, not --listen $SOCK" \
    "$T/other.out" || fail "the mismatch is not named: $(cat "$T/other.out")"
ok "a passed socket that is not --listen's is refused, naming both"

# READY=1 also without a passed socket, to an abstract NOTIFY_SOCKET.
FCGI_PORT=$(free_port)
python3 - "@hookspool-test-$$" "$FCGI" "127.0.0.1:$FCGI_PORT" "$CONF" \
    >"$T/abstract.out" 2>&1 <<'PY' || fail "no READY=1 to an abstract NOTIFY_SOCKET: $(cat "$T/abstract.out")"
import os, signal, socket, subprocess, sys
name, fcgi, addr, conf = sys.argv[1:5]
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n.bind("\0" + name[1:])
n.settimeout(20)
env = {"PATH": os.environ["PATH"], "NOTIFY_SOCKET": name,
       "HOOKSPOOL_CONFIG": conf}
p = subprocess.Popen([fcgi, "--listen", addr], env=env)
try:
    msg = n.recv(4096)
finally:
    p.send_signal(signal.SIGTERM)
    rc = p.wait(30)
print(msg.decode(), rc)
sys.exit(0 if msg == b"READY=1" and rc == 0 else 1)
PY
ok "READY=1 to an abstract NOTIFY_SOCKET, for a socket of its own"
