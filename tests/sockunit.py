"""sockunit.py: a socket unit and its Type=notify service, as systemd runs
them, for the tests that cannot run systemd itself.

    sockunit.py SOCKET USER GROUP MODE -- COMMAND...

Listens on the unix socket SOCKET, made as ListenStream=SOCKET with
SocketUser=USER, SocketGroup=GROUP and SocketMode=MODE make it (its folder
must exist), then runs COMMAND with the socket as descriptor 3,
LISTEN_FDS=1 and LISTEN_PID the command's own pid (COMMAND may be a chain
of programs that exec the next, such as setpriv), and NOTIFY_SOCKET a
datagram socket of its own. Prints "READY=1" (flushed) when the command
sends it, and any other message it sends as "notify: MESSAGE". TERM and
INT are passed on to the command; it exits with the command's status. The
socket file stays, as a socket unit's does while the service restarts.
"""
import grp
import os
import pwd
import signal
import socket
import subprocess
import sys
import tempfile
import threading


def main(argv):
    if len(argv) < 7 or argv[5] != "--":
        sys.exit(__doc__)
    path, user, group, mode = argv[1], argv[2], argv[3], int(argv[4], 8)
    command = argv[6:]

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chown(path, pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid)
    os.chmod(path, mode)
    listener.listen(128)
    os.dup2(listener.fileno(), 3)
    os.set_inheritable(3, True)

    folder = tempfile.mkdtemp(prefix="sockunit.")
    os.chmod(folder, 0o755)
    notify_path = os.path.join(folder, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    os.chmod(notify_path, 0o666)

    env = dict(os.environ, LISTEN_FDS="1", NOTIFY_SOCKET=notify_path)
    env.pop("LISTEN_PID", None)
    proc = subprocess.Popen(
        ["sh", "-c", 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', "sh"] +
        command, env=env, pass_fds=(3,))
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, f: proc.send_signal(s))

    def listen():
        while True:
            try:
                msg = notify.recv(4096)
            except OSError:
                return
            text = msg.decode("utf-8", "replace")
            print(text if text == "READY=1" else "notify: " + text,
                  flush=True)

    threading.Thread(target=listen, daemon=True).start()
    status = proc.wait()
    notify.close()
    os.unlink(notify_path)
    os.rmdir(folder)
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
