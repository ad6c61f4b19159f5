#!/bin/bash
# Differential test: the form decoder of Twilio's bodies (form_decode()
# and form_json(), through tests/form_verdict) against Python's
# urllib.parse.parse_qsl, on bodies generated from a fixed seed. Fails on
# the first body where they differ (see tests/form_diff.py).
. "$top_srcdir/tests/setup.sh"

command -v python3 >/dev/null ||
    skip "python3 is not installed (apt-get install python3)"
VERDICT=$top_builddir/tests/form_verdict
[ -x "$VERDICT" ] || fail "$VERDICT is not built (make check builds it)"

python3 "$top_srcdir/tests/form_diff.py" "$VERDICT" ||
    fail "the form decoders differ"
ok "form_decode and Python's parse_qsl agree"
