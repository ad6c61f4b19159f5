#!/bin/sh
# The command-line conventions of both programs: --version and --help
# exit 0 with their text on stdout; a usage error prints the usage on
# stderr and exits 2; every verb has its own --help.
. "$top_srcdir/tests/setup.sh"

version=$(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile")
[ -n "$version" ] || fail "no PACKAGE_VERSION in the Makefile"

# run CMD...: CMD's exit status in RC, its stdout and stderr in $T/out
# and $T/err.
run() {
	RC=0
	"$@" >"$T/out" 2>"$T/err" || RC=$?
}

for prog in "$HOOKSPOOL" "$FCGI"; do
	p=$(basename "$prog")
	run "$prog" --version
	assert_eq "$p --version: exit" 0 "$RC"
	assert_eq "$p --version: stdout" "hookspool $version" "$(cat "$T/out")"
	assert_eq "$p --version: stderr" "" "$(cat "$T/err")"

	run "$prog" --help
	assert_eq "$p --help: exit" 0 "$RC"
	grep -q "^usage: $p " "$T/out" || fail "$p --help: no usage on stdout"
	assert_eq "$p --help: stderr" "" "$(cat "$T/err")"
	ok "$p --help: usage on stdout"

	# a standard output that cannot be written is a failure
	for opt in --version --help; do
		RC=0
		"$prog" "$opt" >/dev/full 2>/dev/null || RC=$?
		assert_eq "$p $opt to a full stdout: exit" 1 "$RC"
	done

	run "$prog" --no-such-option
	assert_eq "$p --no-such-option: exit" 2 "$RC"
	assert_eq "$p --no-such-option: stdout" "" "$(cat "$T/out")"
	grep -q "^usage: $p " "$T/err" || fail "$p --no-such-option: no usage on stderr"
	ok "$p --no-such-option: usage on stderr"
done

# no verb at all, and an unknown one: usage errors
for args in "" no-such-verb; do
	# shellcheck disable=SC2086
	run "$HOOKSPOOL" $args
	assert_eq "hookspool '$args': exit" 2 "$RC"
	grep -q '^usage: hookspool ' "$T/err" || fail "hookspool '$args': no usage on stderr"
	assert_eq "hookspool '$args': stdout" "" "$(cat "$T/out")"
done

# Each verb: --help is its own usage on stdout and exit 0, touching
# nothing (no config is needed); an unknown option is its usage on stderr
# and exit 2. The verbs are the ones hookspool --help lists.
"$HOOKSPOOL" --help >"$T/usage" || fail "hookspool --help failed"
verbs=$(sed -n 's/^\(usage:\|      \) *hookspool \([a-z]\{2,\}\) .*/\2/p' "$T/usage")
[ -n "$verbs" ] || fail "hookspool --help lists no verbs"
for v in $verbs; do
	HOOKSPOOL_CONFIG=$T/missing.conf run "$HOOKSPOOL" "$v" --help
	# forward and consume in a build without hiredis: they say so
	if [ "$RC" = 2 ] && grep -q 'built without hiredis' "$T/err"; then
		ok "$v: not built (no hiredis), and it says so"
		continue
	fi
	assert_eq "$v --help: exit" 0 "$RC"
	grep -q "^usage: hookspool $v " "$T/out" ||
	    fail "$v --help: no usage of $v on stdout: $(cat "$T/out")"
	assert_eq "$v --help: stderr" "" "$(cat "$T/err")"

	HOOKSPOOL_CONFIG=$T/missing.conf run "$HOOKSPOOL" "$v" --no-such-option
	assert_eq "$v --no-such-option: exit" 2 "$RC"
	assert_eq "$v --no-such-option: stdout" "" "$(cat "$T/out")"
	grep -q "^usage: hookspool $v " "$T/err" ||
	    fail "$v --no-such-option: no usage of $v on stderr"
	assert_eq "$v --no-such-option: the mistake, named" \
	    "hookspool $v: unknown option --no-such-option; hookspool $v --help lists them" \
	    "$(head -n 1 "$T/err")"
	ok "$v --no-such-option: usage on stderr"

	# -h is --help; the help describes every option
	HOOKSPOOL_CONFIG=$T/missing.conf run "$HOOKSPOOL" "$v" -h
	assert_eq "$v -h: exit" 0 "$RC"
	"$HOOKSPOOL" "$v" --help >"$T/help" 2>&1
	cmp -s "$T/out" "$T/help" || fail "$v -h differs from $v --help"
	grep -q '^Options:$' "$T/out" || fail "$v --help: no Options: $(cat "$T/out")"
	awk '/^Options:/ { on = 1; next }
	    !on { next }
	    want { if ($0 !~ /^                        [^ ]/) bad = 1; want = 0 }
	    /^  -/ { if ($0 !~ /^  -.*[^ ]  +[^ ]/) want = 1 }
	    END { exit bad || want }' "$T/out" ||
	    fail "$v --help: an option without its description"
	ok "$v -h and --help describe each option"
done

# A missing argument, and an argument that is no number, name the option.
run "$HOOKSPOOL" drain --max
assert_eq "drain --max without N" "hookspool drain: --max needs an argument" \
    "$(head -n 1 "$T/err")"
run "$HOOKSPOOL" drain --max 0x10
case $(head -n 1 "$T/err") in
"hookspool drain: --max 0x10: "*) ok "a number that is not one names the option" ;;
*) fail "drain --max 0x10: $(cat "$T/err")" ;;
esac
assert_eq "drain --max 0x10: exit" 2 "$RC"
run "$HOOKSPOOL" requeue
case $(head -n 1 "$T/err") in
"hookspool requeue: which events?"*) ok "requeue without ids says what is missing" ;;
*) fail "requeue: $(cat "$T/err")" ;;
esac
for v in drain status requeue purge recover sign check forward consume \
    consumers; do
	case " $(echo $verbs) " in
	*" $v "*) ;;
	*) fail "hookspool --help does not list $v" ;;
	esac
done
ok "hookspool --help lists every verb"

# A word that is no verb is named, with the verbs there are; an option
# before the verb is shown where it belongs.
run "$HOOKSPOOL" frobnicate
assert_eq "an unknown verb: exit" 2 "$RC"
grep -q "^hookspool: unknown verb 'frobnicate'; the verbs are drain, status," "$T/err" ||
    fail "an unknown verb is not named: $(cat "$T/err")"
ok "an unknown verb is named, with the verbs"
run "$HOOKSPOOL" -c "$T/x.conf" status --json
assert_eq "-c before the verb: exit" 2 "$RC"
assert_eq "-c before the verb: the message" \
    "hookspool: options come after the verb: hookspool status -c $T/x.conf --json" \
    "$(head -n 1 "$T/err")"
run "$HOOKSPOOL" --frob
grep -q "^hookspool: --frob: an option where a verb should be" "$T/err" ||
    fail "an option instead of a verb: $(cat "$T/err")"
ok "an option before the verb is shown where it belongs"
