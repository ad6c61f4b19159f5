#!/bin/bash
# A FastCGI worker keeps no large body's memory: after 1 MiB events of
# small objects (a tree parser's worst shape for the heap), each worker of
# lighttpd's mod_fastcgi holds less than 1 MiB of pages of its own (under
# 0.5 MiB after small events). Shared library pages are not counted: they
# are the same in every process. A sanitized build has an allocator of its
# own, which keeps freed memory and which the responder leaves alone: there
# the events are sent and answered, and the bound is not checked.
. "$top_srcdir/tests/setup.sh"

bound=yes
if ldd "$FCGI" 2>/dev/null | grep -q libasan; then
	echo "note: $FCGI is built with AddressSanitizer: no bound on its memory"
	bound=no
fi
[ -r /proc/self/smaps_rollup ] || skip "no /proc/PID/smaps_rollup here"

make_conf 'max_body = 1M'

# big ID: an event of about 1 MiB whose payload is an array of {} objects.
big() {
	start="{\"id\":\"$1\",\"type\":\"conversation.updated\",\"p\":["
	n=$(((1048576 - ${#start} - 3) / 3))
	{
		printf '%s' "$start"
		yes '{}' | head -n "$n" | paste -sd, - | tr -d '\n'
		printf ']}'
	} >"$T/big.json"
}

# private: the largest private memory (KiB) of the workers.
private() {
	max=0
	for pid in $(pgrep -P "$(cat "$T/lighttpd/lighttpd.pid")"); do
		kb=$(awk '/^Private_(Clean|Dirty):/ { v += $2 } END { print v }' \
		    "/proc/$pid/smaps_rollup") || fail "unable to read the smaps of $pid"
		[ "$kb" -gt "$max" ] && max=$kb
	done
	echo "$max"
}

start_lighttpd hookspool-fastcgi.conf "$FCGI"
for i in 1 2 3 4; do
	event "small-$i" >"$T/small.json"
	http_post "$URL" "$T/small.json"
	assert_eq "small event $i: status" 200 "$STATUS"
done
echo "private memory after small events: $(private) KiB (the largest worker's)"
for i in 1 2 3 4 5 6; do
	big "big-$i"
	http_post "$URL" "$T/big.json"
	assert_eq "1 MiB event $i: status" 200 "$STATUS"
done
after=$(private)
echo "private memory after 1 MiB events: $after KiB (the largest worker's)"
[ "$bound" = no ] && exit 0
[ "$after" -lt 1024 ] || fail "a worker kept $after KiB of its own after large events"
ok "no worker keeps a large event's memory"
