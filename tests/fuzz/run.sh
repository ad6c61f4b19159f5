#!/bin/sh
# run.sh SECONDS FUZZDIR TARGET...: make fuzz. Runs each libFuzzer target
# (a program path relative to the build folder) for SECONDS on a scratch
# copy of its corpus, FUZZDIR/corpus/NAME, with FUZZDIR/NAME.dict if there
# is one, and prints one line per target: "PASS: NAME" or "FAIL: NAME",
# the latter followed by "# " lines naming the failed property and the
# input that broke it. Everything lands in tests/fuzz/scratch/NAME/: the log,
# the scratch corpus, TMPDIR and crashes/. Exits 1 if a target failed.
set -u
seconds=$1 fuzzdir=$2
shift 2
case $seconds in
'' | *[!0-9]*) echo "run.sh: FUZZ_SECONDS must be a number of seconds" >&2; exit 2 ;;
esac

status=0
for target; do
	name=$(basename "$target")
	work=tests/fuzz/scratch/$name
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/crashes" "$work/tmp" || exit 2
	if [ -d "$fuzzdir/corpus/$name" ]; then
		cp "$fuzzdir/corpus/$name"/* "$work/corpus/" 2>/dev/null
	fi
	dict=
	[ -f "$fuzzdir/$name.dict" ] && dict=-dict=$fuzzdir/$name.dict
	# stdin from /dev/null and no controlling terminal: nothing the target
	# opens can wait for input.
	# shellcheck disable=SC2086
	TMPDIR=$(pwd)/$work/tmp setsid -w "$target" -max_total_time="$seconds" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$work/crashes/" $dict "$work/corpus" \
	    </dev/null >"$work/log" 2>&1
	rc=$?
	rm -rf "$work/tmp"
	if [ $rc -eq 0 ]; then
		echo "PASS: $name"
		continue
	fi
	status=1
	echo "FAIL: $name"
	# the property and its details, else what the sanitizer or libFuzzer said
	if grep -q 'property failed' "$work/log"; then
		grep -m 1 -A 1 'property failed' "$work/log"
	else
		grep -m 2 -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' \
		    -e 'runtime error:' -e 'ERROR: libFuzzer' "$work/log"
	fi | sed 's/^ */# /'
	for f in "$work"/crashes/*; do
		[ -f "$f" ] && echo "# input: $f"
	done
	echo "# log: $work/log"
done
exit $status
