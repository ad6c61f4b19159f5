#!/bin/bash
# Differential test: event_parse() (through tests/json_verdict) against an
# independent check in Python's json module, on bodies generated from a
# fixed seed: valid events and mutations of them. Fails on the first body
# where the verdicts, or the decoded id and type, differ.
. "$top_srcdir/tests/setup.sh"

command -v python3 >/dev/null ||
    skip "python3 is not installed (apt-get install python3)"
VERDICT=$top_builddir/tests/json_verdict
[ -x "$VERDICT" ] || fail "$VERDICT is not built (make check builds it)"

python3 "$top_srcdir/tests/json_diff.py" "$VERDICT" \
    "$top_srcdir/tests/data/events.txt" || fail "the verdicts differ"
ok "event_parse and Python's json module agree"
