#!/bin/bash
# Nothing outside the spool is touched: spool folders are opened without
# following symbolic links, and a spool folder not owned by the user
# running hookspool, or writable by its group or others, is refused by the
# responder (503) and by every verb; root is told to run as the owner.
. "$top_srcdir/tests/setup.sh"

post() {
	event "$1" >"$T/$1.json"
	cgi_post "$T/$1.json"
}
# refused WHAT WORDS VERB...: hookspool VERB exits 1 and says WORDS.
refused() {
	what=$1
	words=$2
	shift 2
	rc=0
	"$HOOKSPOOL" "$@" -c "$CONF" >"$T/out" 2>&1 || rc=$?
	assert_eq "$what: exit status of $1" 1 "$rc"
	grep -qF "$words" "$T/out" || fail "$what: $1 did not say '$words': $(cat "$T/out")"
}
outside_intact() {
	[ "$(cat "$T/outside/old" 2>/dev/null)" = keep ] ||
	    fail "a file outside the spool was touched"
	ok "the file outside the spool is intact"
}

make_conf
"$HOOKSPOOL" check -c "$CONF" >/dev/null
post f-1
assert_eq "a good spool accepts" 200 "$STATUS"
mkdir "$T/outside"
echo keep >"$T/outside/old"
touch -d '3 days ago' "$T/outside/old"

# tmp/ replaced by a link to a folder outside the spool.
mv "$SPOOL/tmp" "$SPOOL/tmp.real"
ln -s "$T/outside" "$SPOOL/tmp"
refused "tmp/ a link" "tmp/ is a symbolic link or not a folder" recover
outside_intact
refused "tmp/ a link" "tmp/ is a symbolic link or not a folder" drain --exec true
outside_intact
assert_eq "tmp/ a link: the event stays in new/" 1 "$(count new)"
refused "tmp/ a link" "tmp/ is a symbolic link or not a folder" check
post f-2
assert_eq "tmp/ a link: the responder" 503 "$STATUS"
outside_intact
rm "$SPOOL/tmp"
mv "$SPOOL/tmp.real" "$SPOOL/tmp"

# new/ a link to a folder inside the spool is refused as well.
mv "$SPOOL/new" "$SPOOL/new.real"
ln -s new.real "$SPOOL/new"
refused "new/ a link" "new/ is a symbolic link or not a folder" drain --exec true
rm "$SPOOL/new"
mv "$SPOOL/new.real" "$SPOOL/new"

# The spool folder itself a link.
ln -s "$SPOOL" "$T/spool-link"
mv "$CONF" "$T/real.conf"
sed "s|^spool = .*|spool = $T/spool-link|" "$T/real.conf" >"$CONF"
refused "the spool a link" "the spool folder is a symbolic link or not a folder" recover
post f-3
assert_eq "the spool a link: the responder" 503 "$STATUS"
mv "$T/real.conf" "$CONF"

# A group-writable spool, or folder of it: refused, and check says so.
chmod g+w "$SPOOL"
post f-4
assert_eq "group-writable spool: the responder" 503 "$STATUS"
tail -n 1 "$T/cgi-stderr.log" | grep -q 'the spool folder is writable by its group or others' ||
    fail "group-writable spool: no reason in the log: $(tail -n 1 "$T/cgi-stderr.log")"
refused "group-writable spool" "the folder $SPOOL is mode 0720, writable by its group: run chmod 700 $SPOOL" check
refused "group-writable spool" "the folder $SPOOL is mode 0720, writable by its group: run chmod 700 $SPOOL" drain --exec true
chmod g-w "$SPOOL"
chmod o+w "$SPOOL/new"
refused "world-writable new/" "the folder $SPOOL/new is mode 0702, writable by others: run chmod 700 $SPOOL/new" check
post f-5
assert_eq "world-writable new/: the responder" 503 "$STATUS"
chmod o-w "$SPOOL/new"
assert_eq "nothing spooled by a refused spool" 1 "$(count new)"
post f-6
assert_eq "mended: the responder accepts again" 200 "$STATUS"
"$HOOKSPOOL" check -c "$CONF" >"$T/out" 2>&1 || fail "check of a mended spool: $(cat "$T/out")"
ok "check accepts the mended spool"

# A spool owned by another user: root is told to run hookspool as that
# user, and nothing is touched; that user can use it.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	before=$(ls "$SPOOL/new")
	chown -R nobody:nogroup "$SPOOL"
	touch -d '3 days ago' "$SPOOL/tmp/abandoned"
	chown nobody:nogroup "$SPOOL/tmp/abandoned"
	owner="spool $SPOOL is owned by uid $(id -u nobody) (nobody): run hookspool as that user"
	refused "owned by nobody" "$owner" recover
	refused "owned by nobody" "$owner" drain --exec true
	refused "owned by nobody" "$owner" status
	refused "owned by nobody" "$owner" check
	assert_eq "owned by nobody: new/ untouched" "$before" "$(ls "$SPOOL/new")"
	[ -e "$SPOOL/tmp/abandoned" ] || fail "owned by nobody: root's recover removed a file"
	ok "owned by nobody: tmp/ untouched"
	post f-7
	assert_eq "owned by nobody: the responder run by root" 503 "$STATUS"

	# As its owner, it works.
	mkdir -m 755 "$T/bin"
	cp "$HOOKSPOOL" "$T/bin/hookspool"
	chmod 644 "$CONF" "$SECRET_FILE"
	rc=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$T/bin/hookspool" drain -c "$CONF" --exec true 2>"$T/out" || rc=$?
	assert_eq "the owner drains it" 0 "$rc"
	grep -q '^hookspool drain: 2 done' "$T/out" || fail "the owner's drain: $(cat "$T/out")"
	assert_eq "the owner's drain emptied new/" 0 "$(count new)"
	[ -e "$SPOOL/tmp/abandoned" ] && fail "the owner's recover kept an abandoned file"
	ok "the owner's recover removed the abandoned file"
fi
