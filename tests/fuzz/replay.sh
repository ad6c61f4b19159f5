#!/bin/bash
# The corpus regression: every committed input of tests/fuzz/corpus/NAME/
# runs once through the fuzz target NAME (no fuzzing), so a property that
# once held and a crash once fixed stay that way. Each input runs on its
# own, so every input that fails is named. Built with --enable-fuzz.
# shellcheck source=tests/setup.sh
. "$top_srcdir/tests/setup.sh"

status=0 targets=0
for dir in "$top_srcdir"/tests/fuzz/corpus/*/; do
	name=$(basename "$dir")
	bin=$top_builddir/tests/fuzz/$name
	targets=$((targets + 1))
	if [ ! -x "$bin" ]; then
		echo "FAIL: $name: no program $bin"
		status=1
		continue
	fi
	mkdir -p "$T/$name"
	n=0 bad=0
	for input in "$dir"*; do
		n=$((n + 1))
		if TMPDIR=$T/$name setsid -w "$bin" -timeout=10 \
		    -rss_limit_mb=2048 "$input" </dev/null >"$T/out" 2>&1; then
			continue
		fi
		bad=$((bad + 1))
		echo "FAIL: $name $(basename "$input")"
		if grep -q 'property failed' "$T/out"; then
			grep -m 1 -A 1 'property failed' "$T/out"
		else
			grep -m 2 -e 'ERROR:' -e 'runtime error:' "$T/out"
		fi | sed 's/^ */    /'
	done
	if [ "$bad" -eq 0 ]; then
		echo "PASS: $name ($n inputs)"
	else
		echo "FAIL: $name ($bad of $n inputs)"
		status=1
	fi
done
[ "$targets" -gt 0 ] || fail "no corpus under $top_srcdir/tests/fuzz/corpus"
exit $status
