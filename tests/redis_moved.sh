#!/bin/bash
# Anything that can answer on the link (a rogue node, or whatever sits on
# the tunnel) can answer MOVED and name a host of its own. forward and
# consume follow MOVED only to the nodes --cluster allows: a node that
# answers MOVED to any other address stops the run (exit 1, the address
# and the option named, no attempt spent), and the address named receives
# nothing at all, in particular no AUTH. Allowed, the same address gets
# the AUTH (so the trap does record what reaches it).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/redis.sh"

command -v python3 >/dev/null || skip "python3 is not installed (apt-get install python3)"
fake=$(free_port)
trap_port=$(free_port)
while [ "$trap_port" = "$fake" ]; do trap_port=$(free_port); done
mkdir "$T/fake"
python3 "$top_srcdir/tests/redis_fake.py" "$fake" "$trap_port" "$T/fake" \
    2>"$T/fake.log" &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
wait_until "the fake node does not listen" test -e "$T/fake/ready"

pw="pw-$$-$RANDOM"
printf 'hooks %s\n' "$pw" >"$T/auth"
chmod 600 "$T/auth"
make_conf
post_many mv 1 3
ls "$SPOOL/new" >"$T/names"

rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "127.0.0.1:$fake" --auth-file "$T/auth" \
    2>"$T/forward.log" || rc=$?
assert_eq "forward, MOVED to a stranger: exit status" 1 "$rc"
grep -qF "MOVED to 127.0.0.1:$trap_port, a node no --cluster option allows" \
    "$T/forward.log" || fail "forward does not name the address: $(cat "$T/forward.log")"
grep -qF -- "--cluster 127.0.0.1:$trap_port" "$T/forward.log" ||
    fail "forward does not name the option: $(cat "$T/forward.log")"
ok "forward: $(tail -n 1 "$T/forward.log")"
grep -q '^EVALSHA' "$T/fake/fake" || fail "forward sent no event to the fake node"
assert_eq "forward: new/ unchanged, no attempt spent" "$(cat "$T/names")" \
    "$(ls "$SPOOL/new")"
assert_eq "forward: cur/" 0 "$(count cur)"

rc=0
"$HOOKSPOOL" consume --redis "127.0.0.1:$fake" --auth-file "$T/auth" --max 1 \
    --exec true 2>"$T/consume.log" </dev/null || rc=$?
assert_eq "consume, MOVED to a stranger: exit status" 1 "$rc"
grep -qF "MOVED to 127.0.0.1:$trap_port, a node no --cluster option allows" \
    "$T/consume.log" || fail "consume does not name the address: $(cat "$T/consume.log")"
ok "consume: $(tail -n 1 "$T/consume.log")"

sleep 1
[ ! -e "$T/fake/trap" ] || fail "the address MOVED named received: $(cat -v "$T/fake/trap")"
ok "the address MOVED named received nothing"

# Allowed with --cluster, the same address is logged in to.
rc=0
"$HOOKSPOOL" forward -c "$CONF" --redis "127.0.0.1:$fake" --auth-file "$T/auth" \
    --cluster "127.0.0.1:$trap_port" 2>"$T/forward.log" || rc=$?
assert_eq "forward, the node allowed (and mute): exit status" 1 "$rc"
wait_until "the allowed node got no AUTH" grep -q "$pw" "$T/fake/trap"
ok "the allowed node got the AUTH"
assert_eq "the allowed node mute: new/ unchanged, no attempt spent" \
    "$(cat "$T/names")" "$(ls "$SPOOL/new")"
