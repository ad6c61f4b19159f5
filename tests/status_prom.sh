#!/bin/bash
# hookspool status --prometheus read by a real node_exporter: the README's
# cron line, run as written (its folder swapped for one of the test's),
# leaves a file that node_exporter's textfile collector takes without a
# scrape error, and the samples it serves are the spool's: events by
# folder, by webhook (one without events included) and by type (one whose
# name needs escaping), failed/, the oldest age, the responder's answers.
# The README's systemd service and timer verify, and the service's command
# writes the file too.
. "$top_srcdir/tests/setup.sh"

NE=$(command -v prometheus-node-exporter || command -v node_exporter) ||
    skip "node_exporter is missing (apt-get install prometheus-node-exporter)"
command -v curl >/dev/null || skip "curl is missing (apt-get install curl)"

make_conf
cat >>"$CONF" <<EOF
[webhook quiet]
path = /quiet
secret_file = $SECRET_FILE
EOF
"$HOOKSPOOL" check -c "$CONF" >/dev/null 2>&1 || :
post p-1 conversation.updated
post p-2 conversation.updated
post p-3 'odd\"type\\x'	# odd"type\x, in JSON
post p-1 conversation.updated	# a duplicate
"$HOOKSPOOL" drain -c "$CONF" --max 1 --attempts 1 --exec false \
    2>/dev/null || :
assert_eq "one event failed" 1 "$(count failed)"

# The README's line, with node_exporter's folder swapped for $T/tf.
mkdir "$T/tf"
line=$(grep '^\* \* \* \* \* hookspool status --prometheus ' \
    "$top_srcdir/README.md" | sed 's/^\* \* \* \* \* //') ||
    fail "no cron line for --prometheus in the README"
line=$(printf '%s' "$line" | sed "s|/var/lib/prometheus/node-exporter|$T/tf|g")
PATH="$top_builddir/src:$PATH" HOOKSPOOL_CONFIG=$CONF sh -c "$line" ||
    fail "the README's cron line exited $?: $line"
[ -f "$T/tf/hookspool.prom" ] || fail "no hookspool.prom after: $line"
[ ! -e "$T/tf/hookspool.prom.tmp" ] || fail "the temporary file stayed"
ok "the README's cron line writes hookspool.prom"

PORT=$(free_port)
"$NE" --collector.disable-defaults --collector.textfile \
    --collector.textfile.directory="$T/tf" \
    --web.listen-address="127.0.0.1:$PORT" 2>"$T/ne.log" &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
wait_port "$PORT"
curl -sf "http://127.0.0.1:$PORT/metrics" >"$T/metrics" ||
    fail "node_exporter did not serve /metrics: $(cat "$T/ne.log")"

# has SAMPLE VALUE: node_exporter serves SAMPLE (name and labels) as VALUE.
has() {
	grep -qxF "$1 $2" "$T/metrics" ||
	    fail "node_exporter does not serve $1 $2: $(grep -F "${1%%\{*}" "$T/metrics")"
}
has 'node_textfile_scrape_error' 0
ok "node_exporter reads the file without an error"
S="spool=\"$SPOOL\""
has "hookspool_up{$S}" 1
has "hookspool_folder_events{$S,state=\"new\"}" 2
has "hookspool_folder_events{$S,state=\"failed\"}" 1
has "hookspool_failed_events{$S}" 1
has "hookspool_webhook_events{$S,state=\"new\",webhook=\"protocol\"}" 2
has "hookspool_webhook_events{$S,state=\"failed\",webhook=\"protocol\"}" 1
has "hookspool_webhook_events{$S,state=\"new\",webhook=\"quiet\"}" 0
has "hookspool_type_events{$S,state=\"new\",type=\"odd\\\"type\\\\x\",webhook=\"protocol\"}" 1
has "hookspool_counters_up{$S}" 1
has "hookspool_requests_total{answer=\"accepted\",$S,webhook=\"protocol\"}" 3
has "hookspool_requests_total{answer=\"duplicate\",$S,webhook=\"protocol\"}" 1
ok "node_exporter serves the spool's counts"
age=$(awk -v k="hookspool_oldest_waiting_seconds{$S}" '$1 == k { print $2 }' \
    "$T/metrics")
case $age in
[0-9]*) ;;
*) fail "no oldest age: $(grep oldest "$T/metrics")" ;;
esac
ok "node_exporter serves the oldest age ($age s)"

# The README's systemd service and timer: sound units, and the service's
# command (the same folder swapped) writes the file as the cron line does.
mkdir "$T/units"
awk -v d="$T/units" '
	/^# \/etc\/systemd\/system\/hookspool-metrics\.(service|timer)$/ {
		f = d "/" substr($2, 21); next }
	/^```/ { f = "" }
	f != "" { print > f }' "$top_srcdir/README.md"
for u in service timer; do
	[ -s "$T/units/hookspool-metrics.$u" ] ||
	    fail "no hookspool-metrics.$u in the README"
done
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify --man=no "$T/units/hookspool-metrics.service" \
	    "$T/units/hookspool-metrics.timer" >"$T/verify.log" 2>&1 ||
	    fail "systemd-analyze verify: $(cat "$T/verify.log")"
	ok "the README's units verify"
fi
cmd=$(sed -n 's/^ExecStart=//p' "$T/units/hookspool-metrics.service" |
    sed "s|/var/lib/prometheus/node-exporter|$T/tf|g")
rm "$T/tf/hookspool.prom"
PATH="$top_builddir/src:$PATH" HOOKSPOOL_CONFIG=$CONF sh -c "$cmd" ||
    fail "the README's service exited $?: $cmd"
grep -qxF "hookspool_failed_events{$S} 1" "$T/tf/hookspool.prom" ||
    fail "the service's file: $(cat "$T/tf/hookspool.prom")"
[ ! -e "$T/tf/hookspool.prom.tmp" ] || fail "the service left its temporary file"
ok "the README's service writes hookspool.prom"
