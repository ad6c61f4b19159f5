#!/bin/sh
# The README's example handler, run as written (only its folder moved into
# the test's): an id such as "../x" never makes it touch a path outside
# its folder, and an event it has done is done again at once.
. "$top_srcdir/tests/setup.sh"

awk '/^```sh$/ { grab = 0 } /^#!\/bin\/sh$/ && prev == "```sh" { grab = 1 }
    grab && /^```$/ { exit } grab { print } { prev = $0 }' \
    "$top_srcdir/README.md" >"$T/on-event"
grep -q 'on-event: called once per event' "$T/on-event" ||
    fail "the README's example handler was not found"
sed -i "s|/var/lib/on-event|$T/state|g" "$T/on-event"
chmod 755 "$T/on-event"
mkdir -p "$T/state"

# run ID TYPE: the handler on one event line.
run() {
	printf '{"received":"x","webhook":"protocol","id":"%s","event":{}}\n' "$1" |
	    HOOKSPOOL_ID=$1 HOOKSPOOL_TYPE=$2 HOOKSPOOL_WEBHOOK=protocol \
	    HOOKSPOOL_FILE=x HOOKSPOOL_ATTEMPT=1 "$T/on-event"
}

for id in '../escape' '../../escape' "$T/escape" 'a/b' '.' '..' ' -x'; do
	run "$id" other.thing || fail "the handler failed on id '$id'"
	run "$id" other.thing || fail "the handler failed again on id '$id'"
done
assert_eq "ids handled" 7 "$(wc -l <"$T/state/other.jsonl" | tr -d ' ')"
ok "each id handled once, the second time answered from memory"
assert_eq "nothing outside the handler's folder" "state" \
    "$(cd "$T" && ls -d -- */ | tr -d '/' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "one marker per id, all inside seen/" 7 \
    "$(find "$T/state/seen" -type f | wc -l | tr -d ' ')"
[ -e "$T/escape" ] && fail "an id made a file outside the folder"
ok "an id never becomes a path"
