#!/bin/bash
# A real full file system: the spool on a small tmpfs filled to the brim.
# The event gets 503 and leaves nothing; once space is freed it is accepted.
. "$top_srcdir/tests/setup.sh"

[ "$(id -u)" = 0 ] || skip "mounting a small tmpfs needs root"
mkdir "$T/fs"
mount -t tmpfs -o size=256k,mode=0755 tmpfs "$T/fs" 2>"$T/mount.log" ||
    skip "cannot mount a tmpfs here: $(cat "$T/mount.log")"
unmount() { umount "$T/fs"; }
CLEANUP_CMDS="unmount"
SPOOL=$T/fs/spool
make_conf
event fits-1 >"$T/e.json"
cgi_post "$T/e.json"
assert_eq "first event, with room" 200 "$STATUS"

dd if=/dev/zero of="$T/fs/filler" bs=4k 2>/dev/null || :
head -c 16384 /dev/zero | tr '\0' x | sed 's/^/{"id":"full-1","type":"conversation.updated","p":"/; s/$/"}/' >"$T/full.json"
cgi_post "$T/full.json"
assert_eq "disk full" 503 "$STATUS"
grep -q '^Retry-After: 60' "$T/cgi.out" || fail "503 without Retry-After"
assert_eq "new/ holds only the first event" 1 "$(count new)"
assert_eq "nothing in tmp/" 0 "$(count tmp)"
assert_eq "only the first marker" 1 "$(count ids)"
grep -q 'fits-1' "$SPOOL"/new/* || fail "the first event is damaged"
ok "the first event is intact"

rm "$T/fs/filler"
cgi_post "$T/full.json"
assert_eq "after space is freed" 200 "$STATUS"
grep -q '"status":"accepted"' "$T/cgi.out" || fail "not accepted after space was freed"
assert_eq "two events" 2 "$(count new)"
