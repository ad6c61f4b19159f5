#!/bin/bash
# kill -9 under load: lighttpd with mod_fastcgi (the shipped config) takes
# 600 signed requests (300 ids, each sent twice by different clients, eight
# at a time) while its hookspool.fcgi processes are killed with kill -9
# over and over. Then: every event that was answered 200 is in new/
# exactly once (after hookspool recover), new/ holds only whole lines, and
# once the senders retry what was not acknowledged, all 300 are there once.
. "$top_srcdir/tests/setup.sh"

command -v curl >/dev/null || skip "curl is not installed (apt-get install curl)"
command -v xargs >/dev/null || skip "xargs is not installed"
N=300

make_conf
start_lighttpd hookspool-fastcgi.conf "$FCGI"

mkdir "$T/bodies"
for i in $(seq "$N"); do
	event "load-$i" >"$T/bodies/$i"
	sign "$T/bodies/$i" >"$T/bodies/$i.sig"
done
# One client: post body I, print "I STATUS ANSWER".
cat >"$T/client" <<'EOF'
#!/bin/sh
out=$(curl -s --max-time 20 -w ' %{http_code}' \
    -H "x-protocol-signature: $(cat "$BODIES/$1.sig")" \
    --data-binary "@$BODIES/$1" "$URL") || out="$out 000"
echo "$1 ${out##* } $(printf '%s' "${out% *}" | tr -d '\n' | head -c 200)"
EOF
chmod 755 "$T/client"

# the killer: a random hookspool.fcgi, every 20 to 120 ms, until told
killer() {
	kills=0
	while [ ! -e "$T/stop" ]; do
		# this lighttpd's own responders only: other tests run alongside
		pids=$(pgrep -P "$LIGHTTPD_PID" -f "^$FCGI" || :)
		if [ -n "$pids" ]; then
			pid=$(printf '%s\n' $pids | shuf -n 1)
			kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
		fi
		sleep "0.$(printf '%03d' $((20 + RANDOM % 100)))"
	done
	echo "$kills" >"$T/kills"
}
LIGHTTPD_PID=$(cat "$T/lighttpd/lighttpd.pid")
killer &
KILLER=$!
CLEANUP_PIDS="$CLEANUP_PIDS $KILLER"
{ seq "$N"; seq "$N"; } | shuf | BODIES=$T/bodies URL=$URL \
    xargs -P 8 -n 1 "$T/client" >"$T/answers"
touch "$T/stop"
wait "$KILLER"
kills=$(cat "$T/kills")
[ "$kills" -ge 5 ] || fail "only $kills processes were killed: no load test"
acked=$(awk '$2 == 200' "$T/answers" | wc -l)
echo "requests: $((2 * N)), answered 200: $acked, processes killed: $kills"
[ "$acked" -ge 1 ] || fail "nothing was acknowledged under load"

"$HOOKSPOOL" recover -c "$CONF" 2>"$T/recover.log" ||
    fail "recover failed: $(cat "$T/recover.log")"
for f in "$SPOOL"/new/*; do
	[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] ||
	    fail "partial file in new/: $f"
	[ "$(wc -l <"$f")" = 1 ] || fail "not one line: $f"
done
ok "new/ holds only whole lines"
sed -n 's/.*"id":"\(load-[0-9]*\)".*/\1/p' "$SPOOL"/new/* | sort >"$T/spooled"
[ -z "$(uniq -d "$T/spooled")" ] ||
    fail "spooled twice: $(uniq -d "$T/spooled" | head -n 5)"
ok "no id spooled twice"
awk '$2 == 200 { print "load-" $1 }' "$T/answers" | sort -u >"$T/acked"
lost=$(comm -23 "$T/acked" "$T/spooled" | wc -l)
assert_eq "acknowledged events lost (of $(wc -l <"$T/acked") ids)" 0 "$lost"

# The senders retry what they saw fail, as senders do: a while later
# (lighttpd holds back a backend that died for a few seconds), until all
# are acknowledged.
comm -23 <(seq "$N" | sed 's/^/load-/' | sort) "$T/acked" | sed 's/^load-//' \
    >"$T/todo"
round=0
while [ -s "$T/todo" ]; do
	round=$((round + 1))
	[ "$round" -le 30 ] ||
	    fail "retries still refused: $(head -n 3 "$T/retries")"
	BODIES=$T/bodies URL=$URL xargs -P 8 -n 1 "$T/client" <"$T/todo" \
	    >"$T/retries"
	awk '$2 != 200 { print $1 }' "$T/retries" >"$T/todo"
	[ -s "$T/todo" ] && sleep 1
done
sed -n 's/.*"id":"\(load-[0-9]*\)".*/\1/p' "$SPOOL"/new/* | sort >"$T/spooled"
assert_eq "after retries: every id once" "$N $N" \
    "$(wc -l <"$T/spooled") $(sort -u "$T/spooled" | wc -l)"
