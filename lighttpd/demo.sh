#!/bin/bash
# The quick start's demo: the responder behind a real lighttpd on
# 127.0.0.1, a demo config and a fresh secret in demo/, the Protocol guide's
# example event signed as Protocol signs it, and the line that was spooled.
# Run it from a built tree: bash lighttpd/demo.sh [PORT]
# PORT: listen there (it must be free); without it, 8080 or the next free.
set -eu
case ${1:-} in
-h | --help)
	echo "usage: bash lighttpd/demo.sh [PORT]"
	echo "  PORT  the port lighttpd listens on, on 127.0.0.1 (default: 8080,"
	echo "        or the next free one)"
	exit 0 ;;
esac
if [ $# -gt 1 ]; then
	echo "demo: one argument at most, the port: bash lighttpd/demo.sh [PORT]" >&2
	exit 2
fi
want_port=${1:-}
case $want_port in
'') ;;
*[!0-9]* | 0*)
	echo "demo: '$want_port' is not a port: give a number from 1 to 65535" >&2
	exit 2 ;;
*)
	if [ "$want_port" -gt 65535 ]; then
		echo "demo: '$want_port' is not a port: give a number from 1 to 65535" >&2
		exit 2
	fi ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
# The tests run it from another build folder, into a scratch folder.
build=${HOOKSPOOL_BUILDDIR:-$top}
demo=${HOOKSPOOL_DEMO_DIR:-$top/demo}
fcgi=$build/fcgi/hookspool.fcgi
cli=$build/src/hookspool

[ -x "$fcgi" ] && [ -x "$cli" ] || {
	echo "demo: build first: ./autogen.sh && ./configure && make" >&2
	exit 1
}
command -v lighttpd >/dev/null && command -v curl >/dev/null || {
	echo "demo: lighttpd and curl are needed: sh .ci/deps" >&2
	exit 1
}

# A demo from an earlier run is stopped and replaced.
# alive PID: whether PID runs (a zombie does not count).
alive() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	"" | Z*) return 1 ;;
	esac
}
if [ -f "$demo/lighttpd.pid" ]; then
	old=$(cat "$demo/lighttpd.pid")
	kill "$old" 2>/dev/null || :
	i=0
	while alive "$old" && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
fi
rm -rf "$demo"
mkdir -p "$demo"
chmod 700 "$demo"

# A random secret, as the Protocol dashboard would give you.
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$demo/protocol.key"
chmod 600 "$demo/protocol.key"
cat >"$demo/hookspool.conf" <<CONF
spool = $demo/spool

[webhook protocol]
secret_file = $demo/protocol.key
events = conversation.* message.*
CONF

# The port asked for, or the first free one from 8080 on.
if [ -n "$want_port" ]; then
	port=$want_port
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "demo: something already listens on 127.0.0.1:$port;" \
		    "give another port, or none for the next free one" >&2
		exit 1
	fi
else
	port=8080
	while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		port=$((port + 1))
	done
fi

sed -e "s|^var.state_dir = .*|var.state_dir = \"$demo\"|" \
    -e "s|^var.http_port = .*|var.http_port = $port|" \
    "$top/lighttpd/lighttpd.conf" >"$demo/lighttpd.conf"
sed -e "s|^var.hookspool_bin .*|var.hookspool_bin    = \"$fcgi\"|" \
    -e "s|^var.hookspool_conf .*|var.hookspool_conf   = \"$demo/hookspool.conf\"|" \
    -e "s|^var.hookspool_socket .*|var.hookspool_socket = \"$demo/hookspool.sock\"|" \
    "$top/lighttpd/hookspool-fastcgi.conf" >"$demo/hookspool-fastcgi.conf"
"$cli" check -c "$demo/hookspool.conf" >/dev/null
(cd "$demo" && lighttpd -f lighttpd.conf)
i=0
while ! curl -s -o /dev/null "http://127.0.0.1:$port/"; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || { echo "demo: lighttpd did not start" >&2; exit 1; }
	sleep 0.1
done

# The guide's example, signed as the guide does it:
# crypto.createHmac('sha256', secret).update(payload).digest('hex')
printf '%s' '{"id":"a056V7R7NmNRjl70","type":"conversation.updated","payload":{"id":"WAz8eIbvDR60rouK"}}' >"$demo/event.json"
if command -v openssl >/dev/null; then
	sig=$(openssl dgst -sha256 -hmac "$(cat "$demo/protocol.key")" -r \
	    "$demo/event.json" | cut -d' ' -f1)
else
	sig=$("$cli" sign --secret-file "$demo/protocol.key" "$demo/event.json")
fi

url=http://127.0.0.1:$port/hookspool
echo "POST $url"
echo "x-protocol-signature: $sig"
echo
curl -s -i -H "x-protocol-signature: $sig" -H 'Content-Type: application/json' \
    --data-binary "@$demo/event.json" "$url"
echo
echo
echo "Spooled in $demo/spool/new/:"
cat "$demo"/spool/new/*
echo
echo "lighttpd is still running on 127.0.0.1:$port (pid $(cat "$demo/lighttpd.pid"))."
if [ "$demo" = "$top/demo" ]; then
	echo "Stop it with: kill \$(cat demo/lighttpd.pid)"
else
	echo "Stop it with: kill \$(cat $demo/lighttpd.pid)"
fi
