#!/bin/bash
# The benchmark: requests per second through a real lighttpd (the shipped
# configs) to hookspool.fcgi, each figure a ratio against a ceiling
# measured in the same round. Figures, not a test: nothing here passes or
# fails on a speed.
#
#   make bench      (or: bench/run.sh BUILDDIR)
#
# The ceiling is bench/spoolonly.fcgi, a responder that does nothing but
# the durable spool write (tmp/, fsync, rename into new/, fsync new/),
# behind the same server in the same mode (FastCGI or CGI). Every request
# is a fresh event with an id of its own, pre-signed (bench/bodies.py) and
# sent by wrk (bench/fresh.lua), so dedup = yes pays for its marker each
# time. Each row is measured in BENCH_ROUNDS rounds (default 3), all rows
# of a round one after the other, and the table shows the median req/s and
# the median of the rounds' ratios. Then, once: flushes per acknowledged
# event (counted by tests/faultinject.so) and the resident memory of the
# FastCGI workers.
#
# The PHP-FPM rows: bench/php/hookspool.php, the same work as hookspool
# with its defaults written in PHP, run by a php-fpm pool of as many
# workers as the shipped config gives mod_fastcgi (bench/php/php-fpm.conf,
# opcache on) behind the same lighttpd (bench/php/lighttpd-php.conf). It
# flushes ids/ on its own exactly where hookspool does (found by counting
# the flushes of one delivery), and the flush rows preload the same shim
# into php-fpm. Without php-fpm (8.1 or later: fsync()) they are left out.
#
# Settings (environment): BENCH_SECONDS per measurement (default 5),
# BENCH_ROUNDS (3), BENCH_SPOOL=DIR to put the spool on another file system
# (e.g. /dev/shm), BENCH_DELAY_MS (2): the flush delay of the "slow flush"
# rows, where each fsync first sleeps that long, a disk whose flushes are
# dear, like a cloud disk's; BENCH_ONLY=REGEX: only the rows whose key
# matches (keys are MODE-CONC-DELAY-WHAT: fcgi-1-2-ceil, cgi-16-0-def; so
# ^cgi for the CGI rows), and no flush counts or RSS.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir}" && pwd)
. "$top_srcdir/tests/setup.sh"

secs=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
delay=${BENCH_DELAY_MS:-2}
command -v wrk >/dev/null || skip "wrk is not installed (apt-get install wrk)"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v lighttpd >/dev/null || skip "lighttpd is not installed"
CEIL=$top_builddir/bench/spoolonly.fcgi
SHIM=$top_builddir/tests/faultinject.so
for f in "$CEIL" "$SHIM" "$FCGI"; do
	[ -x "$f" ] || [ -f "$f" ] || fail "build $f first (make bench)"
done

if [ -n "${BENCH_SPOOL:-}" ]; then
	SPOOL=$BENCH_SPOOL/hookspool-bench.$$
	CLEANUP_CMDS="$CLEANUP_CMDS remove_bench_spool"
fi
remove_bench_spool() {
	rm -rf "$SPOOL"
}
mkdir -p "$SPOOL"
chmod 700 "$SPOOL"
for d in tmp new cur failed ids; do
	mkdir -p "$SPOOL/$d"
	chmod 700 "$SPOOL/$d"
done
df_type=$(df -PT "$SPOOL" | awk 'NR == 2 { print $2 }')

# Enough fresh events for the fastest row of a measurement.
nbodies=${BENCH_BODIES_COUNT:-60000}
python3 "$here/bodies.py" "$SECRET_FILE" "$nbodies" >"$T/bodies" ||
    fail "unable to make the bodies"
export BENCH_BODIES=$T/bodies

PORT=$(free_port)

# php-fpm for the PHP-FPM rows, if installed; its pool gets as many workers
# as the shipped lighttpd config gives hookspool.
PHP_FPM=
for p in php-fpm php-fpm8.4 php-fpm8.3 php-fpm8.2 php-fpm8.1; do
	for d in $(printf '%s' "$PATH" | tr ':' ' ') /usr/local/sbin /usr/sbin; do
		if [ -x "$d/$p" ]; then
			PHP_FPM=$d/$p
			break 2
		fi
	done
done
if [ -z "$PHP_FPM" ]; then
	echo "php-fpm (8.1 or later) is not installed: no PHP-FPM rows" \
	    "(apt-get install php-fpm)" >&2
fi
PHP_WORKERS=$(sed -n 's/^[[:space:]]*"max-procs"[[:space:]]*=>[[:space:]]*\([0-9]*\).*/\1/p' \
    "$top_srcdir/lighttpd/hookspool-fastcgi.conf")
[ -n "$PHP_WORKERS" ] || fail "no max-procs in lighttpd/hookspool-fastcgi.conf"

# lighttpd_start SNIPPET NAME=VALUE...: a lighttpd from the shipped
# lighttpd.conf and a copy of the snippet file SNIPPET with its settings
# NAME set to VALUE; sets URL.
lighttpd_start() {
	snippet_file=$1
	shift
	rm -rf "$T/lighttpd"
	mkdir -p "$T/lighttpd"
	substitute "$top_srcdir/lighttpd/lighttpd.conf" "$T/lighttpd/lighttpd.conf" \
	    state_dir="$T/lighttpd" http_port="$PORT" \
	    hookspool_snippet="$(basename "$snippet_file")"
	substitute "$snippet_file" "$T/lighttpd/$(basename "$snippet_file")" "$@"
}
lighttpd_run() {
	(cd "$T/lighttpd" && lighttpd -f lighttpd.conf) ||
	    fail "lighttpd did not start"
	wait_port "$PORT"
	URL=http://127.0.0.1:$PORT/hookspool
}

# serve SNIPPET BINARY [NAME=VALUE...]: a lighttpd from the shipped
# lighttpd.conf and lighttpd/SNIPPET in front of BINARY, with $CONF, and
# the extra variables in the responder's environment (the one setting
# added to the copy of the snippet). The one started before is stopped.
serve() {
	snippet=$1
	bin=$2
	shift 2
	unserve
	sock=
	if grep -q '^var.hookspool_socket' "$top_srcdir/lighttpd/$snippet"; then
		sock=hookspool_socket=$T/lighttpd/hookspool.sock
	fi
	lighttpd_start "$top_srcdir/lighttpd/$snippet" \
	    hookspool_bin="$bin" hookspool_conf="$CONF" ${sock:+"$sock"}
	extra=
	for kv in "$@"; do
		extra="$extra, \"${kv%%=*}\" => \"${kv#*=}\""
	done
	sed -i "s|\"HOOKSPOOL_CONFIG\" => var.hookspool_conf|&$extra|" \
	    "$T/lighttpd/$snippet"
	lighttpd_run
}

# serve_php [NAME=VALUE...]: php-fpm with bench/php/php-fpm.conf running
# bench/php/hookspool.php on $SPOOL, and a lighttpd in front of it; the
# variables go into the workers' environment, LD_PRELOAD into php-fpm's.
serve_php() {
	unserve
	rm -rf "$T/php"
	mkdir -p "$T/php"
	cp "$top_srcdir/bench/php/php-fpm.conf" "$T/php/php-fpm.conf"
	preload=
	for kv in "$@"; do
		case $kv in
		LD_PRELOAD=*) preload=${kv#*=} ;;
		*) echo "env[${kv%%=*}] = ${kv#*=}" >>"$T/php/php-fpm.conf" ;;
		esac
	done
	as_root=
	[ "$(id -u)" -ne 0 ] || as_root=--allow-to-run-as-root
	env BENCH_PHP_DIR="$T/php" BENCH_PHP_WORKERS="$PHP_WORKERS" \
	    BENCH_PHP_SPOOL="$SPOOL" BENCH_PHP_SECRET="$SECRET_FILE" \
	    BENCH_PHP_ORDERED="$PHP_ORDERED" ${preload:+LD_PRELOAD="$preload"} \
	    "$PHP_FPM" --nodaemonize $as_root --fpm-config "$T/php/php-fpm.conf" \
	    >>"$T/php-fpm-stderr.log" 2>&1 &
	PHP_PID=$!
	wait_until "php-fpm did not start: $(tail -n 3 "$T/php-fpm-stderr.log" 2>/dev/null)" \
	    test -S "$T/php/php-fpm.sock"
	lighttpd_start "$top_srcdir/bench/php/lighttpd-php.conf" \
	    hookspool_php_script="$top_srcdir/bench/php/hookspool.php" \
	    hookspool_php_socket="$T/php/php-fpm.sock"
	lighttpd_run
}
PHP_PID=
stop_php() {
	[ -n "$PHP_PID" ] || return 0
	kill "$PHP_PID" 2>/dev/null || :
	wait "$PHP_PID" 2>/dev/null || :
	PHP_PID=
}
# unserve: stop the lighttpd serve started, if any (also from a subshell).
unserve() {
	[ -f "$T/lighttpd/lighttpd.pid" ] || { stop_php; return 0; }
	pid=$(cat "$T/lighttpd/lighttpd.pid")
	rm -f "$T/lighttpd/lighttpd.pid"
	kill "$pid" 2>/dev/null || :
	i=0
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	# the responders it started finish their request and go
	sleep 0.2
	stop_php
}
CLEANUP_CMDS="$CLEANUP_CMDS unserve"

# empty_spool: after the requests still in flight have finished.
empty_spool() {
	sleep 0.5
	find "$SPOOL/new" "$SPOOL/ids" "$SPOOL/tmp" -mindepth 1 -delete
}

# run_wrk CONC SECONDS: wrk on $URL; prints req/s, and fails on any answer
# other than accepted (a duplicate means the bodies ran out).
run_wrk() {
	t=$(($1 < 2 ? $1 : 2))
	BENCH_THREADS=$t wrk -t "$t" -c "$1" -d "$2s" --timeout 30s -s "$here/fresh.lua" "$URL" \
	    >"$T/wrk.out" 2>&1 || fail "wrk failed: $(tail -n 3 "$T/wrk.out")"
	answers=$(sed -n 's/^answers: //p' "$T/wrk.out")
	case $answers in
	"accepted "*" duplicate 0 ignored 0 other 0 wrapped 0") ;;
	*) fail "$URL: not every answer was a fresh acceptance: $answers" ;;
	esac
	sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$T/wrk.out"
}

# measure CONC: a short warm-up, an empty spool, then the measurement.
measure() {
	empty_spool
	run_wrk "$1" 1 >/dev/null
	empty_spool
	run_wrk "$1" "$secs"
}

# The rows: KEY MODE CONC DELAY BINARY CONFIG-LINES (| separated). A row
# whose binary is the ceiling is the ceiling of the rows after it with the
# same mode, concurrency and delay.
rows() {
	{
		for c in 1 16; do
			for d in 0 "$delay"; do
				echo "fcgi-$c-$d-ceil fcgi $c $d ceil fsync = yes"
				echo "fcgi-$c-$d-def fcgi $c $d hookspool fsync = yes|dedup = yes"
				echo "fcgi-$c-$d-nodedup fcgi $c $d hookspool fsync = yes|dedup = no"
				[ -z "$PHP_FPM" ] ||
				    echo "fcgi-$c-$d-php fcgi $c $d php fsync = yes|dedup = yes"
			done
		done
		for c in 1 16; do
			echo "cgi-$c-0-ceil cgi $c 0 ceil fsync = yes"
			echo "cgi-$c-0-def cgi $c 0 hookspool fsync = yes|dedup = yes"
		done
	} | awk -v only="${BENCH_ONLY:-.}" '$1 ~ only'
}

label() {
	case $1 in
	*-ceil) echo "spool-write-only responder (ceiling)" ;;
	*-def) echo "hookspool, defaults (dedup = yes)" ;;
	*-nodedup) echo "hookspool, dedup = no" ;;
	*-php) echo "PHP-FPM, the same work (bench/php)" ;;
	esac
}

# conf LINES: the test config with the |-separated global LINES.
conf() {
	IFS='|' read -r -a lines <<<"$1"
	make_conf "${lines[@]}"
}

# start KEY MODE DELAY BINARY [NAME=VALUE...]
start_row() {
	mode=$1
	d=$2
	bin=$3
	shift 3
	if [ "$d" != 0 ]; then
		set -- LD_PRELOAD="$SHIM" HOOKSPOOL_FLUSH_DELAY_MS="$d" "$@"
	fi
	if [ "$bin" = php ]; then
		serve_php "$@"
		return
	fi
	[ "$bin" = ceil ] && bin=$CEIL || bin=$FCGI
	snippet=hookspool-fastcgi.conf
	[ "$mode" = cgi ] && snippet=hookspool-cgi.conf
	serve "$snippet" "$bin" "$@"
}

# Whether hookspool flushes ids/ on its own on this file system (three
# flushes for one delivery with dedup) or lets the flush of new/ commit
# it (two): the PHP responder does the same.
PHP_ORDERED=no
if [ -n "$PHP_FPM" ]; then
	conf "fsync = yes|dedup = yes"
	event "bench-probe-$$" >"$T/probe.json"
	rm -f "$T/probe.flushes"
	cgi_post "$T/probe.json" LD_PRELOAD="$SHIM" \
	    HOOKSPOOL_FLUSH_LOG="$T/probe.flushes"
	[ "$STATUS" = 200 ] || fail "the probe delivery answered $STATUS"
	case $(wc -l <"$T/probe.flushes") in
	2) PHP_ORDERED=yes ;;
	3) PHP_ORDERED=no ;;
	*) fail "the probe delivery made $(wc -l <"$T/probe.flushes") flushes" ;;
	esac
	empty_spool
fi

: >"$T/results"
for r in $(seq "$rounds"); do
	while read -r key mode c d bin lines; do
		conf "$lines"
		start_row "$mode" "$d" "$bin"
		rps=$(measure "$c")
		echo "$r $key $rps" >>"$T/results"
		echo "round $r: $key $rps" >&2
	done < <(rows)
done
unserve

# Flushes per acknowledged event and worker RSS: one pass at c=16.
flushes() {
	conf "$3"
	rm -f "$T/flushes.txt"
	start_row "$1" 0 "$2" LD_PRELOAD="$SHIM" HOOKSPOOL_FLUSH_LOG="$T/flushes.txt"
	empty_spool
	run_wrk 16 1 >/dev/null
	rm -f "$T/flushes.txt"
	empty_spool
	run_wrk 16 2 >/dev/null
	acked=$(sed -n 's/^answers: accepted \([0-9]*\) .*/\1/p' "$T/wrk.out")
	unserve
	n=$(wc -l <"$T/flushes.txt" 2>/dev/null || echo 0)
	awk -v n="$n" -v a="$acked" 'BEGIN { printf "%.2f\n", (a > 0 ? n / a : 0) }'
}
# rss BINARY LINES: after a run at c=16, the FastCGI workers' (those
# lighttpd started, or php-fpm's pool) median VmRSS, Pss and private
# (clean and dirty) memory, in KiB.
rss() {
	conf "$2"
	start_row fcgi 0 "$1"
	empty_spool
	run_wrk 16 2 >/dev/null
	parent=$(cat "$T/lighttpd/lighttpd.pid")
	[ "$1" = php ] && parent=$PHP_PID
	: >"$T/rss"
	for pid in $(pgrep -P "$parent"); do
		awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 }
		    /^Private_(Clean|Dirty):/ { v += $2 }
		    END { print r, p, v }' "/proc/$pid/smaps_rollup" >>"$T/rss"
	done
	for f in 1 2 3; do
		cut -d' ' -f"$f" "$T/rss" | median
	done | tr '\n' ' '
	echo
	unserve
}
median() {
	sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
if [ -n "${BENCH_ONLY:-}" ]; then
	extras=no
else
	extras=yes
fi
[ "$extras" = no ] || {
f_fcgi_ceil=$(flushes fcgi ceil "fsync = yes")
f_fcgi_def=$(flushes fcgi hookspool "fsync = yes|dedup = yes")
f_fcgi_nodedup=$(flushes fcgi hookspool "fsync = yes|dedup = no")
f_cgi_ceil=$(flushes cgi ceil "fsync = yes")
f_cgi_def=$(flushes cgi hookspool "fsync = yes|dedup = yes")
rss_ceil=$(rss ceil "fsync = yes")
rss_def=$(rss hookspool "fsync = yes|dedup = yes")
if [ -n "$PHP_FPM" ]; then
	f_fcgi_php=$(flushes fcgi php "fsync = yes|dedup = yes")
	rss_php=$(rss php "fsync = yes|dedup = yes")
fi
}

# The table: the median req/s of each row and the median of its ratios.
echo
echo "lighttpd (shipped configs: mod_fastcgi with $PHP_WORKERS processes, mod_cgi), wrk,"
echo "a fresh ${BENCH_EVENT_SIZE:-600}-byte signed event per request, fsync = yes, spool on $df_type;"
echo "median of $rounds rounds of ${secs} s; ratio: against the ceiling of the same round"
[ -z "$PHP_FPM" ] ||
    echo "PHP-FPM: $("$PHP_FPM" -v | head -n 1 | cut -d' ' -f1-2), pm = static with $PHP_WORKERS workers, opcache on"
printf '%-52s %9s %7s\n' "" "req/s" "ratio"
rows | while read -r key mode c d bin lines; do
	case $key in
	*-ceil)
		ceilkey=$key
		what="$mode, c=$c"
		[ "$d" != 0 ] && what="$what, each flush delayed $d ms"
		echo "$what" | sed 's/^fcgi/FastCGI/; s/^cgi/CGI/'
		;;
	esac
	rps=$(awk -v k="$key" '$2 == k { print $3 }' "$T/results" | median)
	ratio=$(for r in $(seq "$rounds"); do
		awk -v r="$r" -v k="$key" -v c="$ceilkey" '
		    $1 == r && $2 == k { x = $3 } $1 == r && $2 == c { y = $3 }
		    END { if (y > 0) printf "%.4f\n", x / y }' "$T/results"
	done | median)
	printf '  %-50s %9.0f %7.2f\n' "$(label "$key")" "$rps" "$ratio"
done
# hookspool's defaults against PHP-FPM: the median of the rounds' ratios.
if [ -n "$PHP_FPM" ] && rows | grep -q -- '-php ' && rows | grep -q -- '-def '; then
	echo
	echo "hookspool, defaults, as a ratio to PHP-FPM doing the same work"
	rows | while read -r key mode c d bin lines; do
		case $key in
		*-php) ;;
		*) continue ;;
		esac
		defkey=${key%-php}-def
		rows | grep -q "^$defkey " || continue
		what="$mode, c=$c"
		[ "$d" != 0 ] && what="$what, each flush delayed $d ms"
		ratio=$(for r in $(seq "$rounds"); do
			awk -v r="$r" -v k="$defkey" -v c="$key" '
			    $1 == r && $2 == k { x = $3 } $1 == r && $2 == c { y = $3 }
			    END { if (y > 0) printf "%.4f\n", x / y }' "$T/results"
		done | median)
		printf '  %-50s %9s %7.2f\n' \
		    "${what/#fcgi/FastCGI}" "" "$ratio"
	done
fi
[ "$extras" = yes ] || exit 0
echo
echo "flushes per acknowledged event (fsync, fdatasync, syncfs; c=16)"
printf '  %-50s %9s %7s\n' "" "flushes" "ratio"
fl() {
	printf '  %-50s %9s %7.2f\n' "$1" "$2" \
	    "$(awk -v a="$2" -v b="$3" 'BEGIN { print (b > 0 ? a / b : 0) }')"
}
fl "FastCGI: spool-write-only responder (ceiling)" "$f_fcgi_ceil" "$f_fcgi_ceil"
fl "FastCGI: hookspool, defaults (dedup = yes)" "$f_fcgi_def" "$f_fcgi_ceil"
fl "FastCGI: hookspool, dedup = no" "$f_fcgi_nodedup" "$f_fcgi_ceil"
[ -z "$PHP_FPM" ] ||
    fl "FastCGI: PHP-FPM, the same work" "$f_fcgi_php" "$f_fcgi_ceil"
fl "CGI: spool-write-only responder (ceiling)" "$f_cgi_ceil" "$f_cgi_ceil"
fl "CGI: hookspool, defaults (dedup = yes)" "$f_cgi_def" "$f_cgi_ceil"
echo
echo "FastCGI worker memory after c=16 (median of the workers; MiB): resident"
echo "(VmRSS, shared library pages included), its proportional share (Pss),"
echo "and the worker's own pages (private)"
printf '  %-50s %9s %7s %7s %7s\n' "" "VmRSS" "ratio" "Pss" "private"
mem() {
	# shellcheck disable=SC2086
	set -- "$1" $2
	printf '  %-50s %9.2f %7.2f %7.2f %7.2f\n' "$1" \
	    "$(awk -v k="$2" 'BEGIN { print k / 1024 }')" \
	    "$(awk -v a="$2" -v b="${rss_ceil%% *}" 'BEGIN { print (b > 0 ? a / b : 0) }')" \
	    "$(awk -v k="$3" 'BEGIN { print k / 1024 }')" \
	    "$(awk -v k="$4" 'BEGIN { print k / 1024 }')"
}
mem "spool-write-only responder (ceiling)" "$rss_ceil"
mem "hookspool, defaults" "$rss_def"
[ -z "$PHP_FPM" ] || mem "PHP-FPM, the same work" "$rss_php"
