#!/bin/sh
# The package under a real systemd: a Debian 12 container (debootstrap,
# systemd-nspawn) boots, the .deb is installed into it with apt, and its
# units are run, not only verified:
# - the units start: hookspool.socket (when the package has one: active,
#   enabled, its socket www-data's and 0660), hookspool.service (enabled
#   and active, or started by its socket), hookspool-drain.timer once
#   enabled;
# - a request signed with `hookspool sign` reaches the spool through
#   Apache (mod_proxy_fcgi and the packaged snippet, set up as the
#   README's "Installing the package" says), and `hookspool check` as
#   the user hookspool passes;
# - `systemctl restart hookspool.service`, three times during a stream
#   of 100 requests, costs no 503 and no refused connection;
# - hookspool-drain.service, started by systemd, hands every event
#   answered 200 to the handler named in /etc/default/hookspool;
# - after a reboot the system is running, the socket (if any) and the
#   timer are active, and a signed request is answered 200;
# - the timer is still active after `dpkg-reconfigure hookspool` and
#   after a reinstall of the same .deb, and the receiver still answers;
# - `apt purge` leaves the system running (not degraded), no hookspool
#   unit loaded, enabled or failed, Apache running with a valid
#   configuration, and no user, spool, secrets or state of hookspool.
# A promise that is not kept is reported and the test goes on to the
# next one; it fails at the end, naming each.
#
# The package is the .deb HOOKSPOOL_DEB names, or one `make deb` builds
# (tests/pkg.sh). The container is tests/nspawn.sh's: a bookworm tree
# with systemd, dbus, apache2, curl and the package's dependencies (read
# from the .deb's Depends) installed by debootstrap --include, built
# once into HOOKSPOOL_CACHE (default /var/cache/hookspool-test; about a
# minute on a fast link, 4 in CI) and cached; each run boots a throwaway overlay
# of it (cp -a where overlays cannot be mounted) with
#   systemd-nspawn -D ROOT --register=no --keep-unit --private-network -b
# which needs neither machined nor a systemd on the host, and runs
# commands inside through `nsenter -t PID -m -u -i -n -p` on the
# container's init. With a warm cache the test takes about 15 s. It
# needs root, systemd-nspawn (systemd-container) and debootstrap, a
# mirror the first time, and a machine that can boot a container:
# without them it is skipped, saying why (CI allows no skip).
# It is not in make check's default list: CI's package stage runs it, or
# make check TESTS=tests/pkg_systemd.sh.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/pkg.sh"
. "$top_srcdir/tests/nspawn.sh"

nspawn_need
pkg_deb
deps=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' |
    sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g' |
    grep -v '^$') || fail "$DEB names no dependencies"
nspawn_tree systemd systemd-sysv dbus apache2 curl $deps
nspawn_copy

# what the test runs inside, in /var/tmp/hookspool-test (not /tmp, which
# the container mounts afresh)
W=/var/tmp/hookspool-test
mkdir -p "$CT_ROOT$W/events"
deb=$W/$(basename "$DEB")
cp "$DEB" "$CT_ROOT$deb" || fail "unable to copy $DEB into the container"
# post.sh ID: an event with this id, signed with the key, POSTed to
# Apache; prints the HTTP status (000: no answer, e.g. refused)
cat >"$CT_ROOT$W/post.sh" <<'EOF'
set -eu
f=/var/tmp/hookspool-test/events/$1
printf '{"id":"%s","type":"conversation.updated","payload":{}}' "$1" >"$f.json"
sig=$(hookspool sign --secret-file /etc/hookspool/protocol.key "$f.json")
curl -s -m 20 -o "$f.out" -w '%{http_code}\n' -H "x-protocol-signature: $sig" \
    -H 'Content-Type: application/json' --data-binary "@$f.json" \
    http://127.0.0.1/hookspool || :
EOF
# stream.sh N PREFIX: N events, PREFIX-1 to PREFIX-N, one after another;
# a line "ID STATUS" each in stream.out
cat >"$CT_ROOT$W/stream.sh" <<'EOF'
set -eu
i=1
while [ "$i" -le "$1" ]; do
	echo "$2-$i $(sh /var/tmp/hookspool-test/post.sh "$2-$i")"
	i=$((i + 1))
done >/var/tmp/hookspool-test/stream.out
EOF

nspawn_boot
[ "$CT_STATE" = running ] ||
    skip "the container boots degraded before the package is installed: $(ct systemctl --failed --no-legend --plain)"

PROBLEMS=
# broken WHAT: a promise not kept; said now, and the test fails at the end
broken() {
	echo "FAIL: $*" >&2
	PROBLEMS="$PROBLEMS
- $*"
}

# expect WHAT WANT CMD...: CMD (run inside) prints WANT, or WHAT is broken
expect() {
	what=$1
	want=$2
	shift 2
	got=$(ct "$@" 2>&1) || :
	if [ "$got" = "$want" ]; then
		ok "$what"
	else
		broken "$what: expected '$want', got '$(printf '%s' "$got" | head -c 300)'"
	fi
}

ct apt-get install -y --no-install-recommends "$deb" >"$T/install.out" 2>&1 ||
    fail "apt install of the package failed: $(tail -n 20 "$T/install.out")"
ok "the package installs"

has_socket=no
ct test -f /lib/systemd/system/hookspool.socket && has_socket=yes
if [ "$has_socket" = yes ]; then
	expect "hookspool.socket is active" active systemctl is-active hookspool.socket
	expect "hookspool.socket is enabled" enabled systemctl is-enabled hookspool.socket
	expect "the socket is www-data's, 0660" "www-data 660" \
	    stat -c '%G %a' /run/hookspool/hookspool.sock
else
	echo "the package has no hookspool.socket"
	expect "hookspool.service is active" active systemctl is-active hookspool.service
	expect "hookspool.service is enabled" enabled systemctl is-enabled hookspool.service
fi

# the drain's handler appends each event to a file
ct sed -i 's|^HOOKSPOOL_HANDLER=.*|HOOKSPOOL_HANDLER=cat >>/var/lib/hookspool/handled|' \
    /etc/default/hookspool || fail "unable to name a handler in /etc/default/hookspool"

# the README's steps: the key, Apache's module and the snippet
ct sh -c 'head -c 32 /dev/urandom | base64 |
    install -m 0600 -o hookspool -g hookspool /dev/stdin /etc/hookspool/protocol.key' ||
    fail "unable to write /etc/hookspool/protocol.key"
ct sh -c 'a2enmod -q proxy_fcgi && a2enconf -q hookspool && systemctl reload apache2' \
    >"$T/apache.out" 2>&1 || fail "unable to enable the snippet: $(cat "$T/apache.out")"
expect "a signed request through Apache: status" 200 sh "$W/post.sh" first-$$
expect "the answer" "{\"status\":\"accepted\",\"id\":\"first-$$\"}" \
    cat "$W/events/first-$$.out"
expect "the event is in the spool, hookspool's" "1 hookspool" sh -c \
    "grep -l '\"id\":\"first-$$\"' /var/spool/hookspool/new/* | xargs stat -c %U | sort | uniq -c | sed 's/^ *//'"
expect "hookspool.service runs" active systemctl is-active hookspool.service
expect "runuser -u hookspool -- hookspool check" "" sh -c \
    'runuser -u hookspool -- hookspool check >/dev/null 2>&1 || echo "exit $?"'

# restarts during a stream of requests
n=100
ct sh "$W/stream.sh" "$n" "stream-$$" >"$T/stream.log" 2>&1 &
stream=$!
CLEANUP_PIDS="$CLEANUP_PIDS $stream"
restarts=0
for at in 15 40 65; do
	i=0
	until [ "$(ct sh -c "wc -l <$W/stream.out" 2>/dev/null || echo 0)" -ge "$at" ]; do
		kill -0 "$stream" 2>/dev/null ||
		    fail "the stream ended before its request $at: $(cat "$T/stream.log")"
		i=$((i + 1))
		[ "$i" -lt 300 ] || fail "the stream did not reach $at requests in 60 s"
		sleep 0.1
	done
	ct systemctl restart hookspool.service >"$T/restart.out" 2>&1 ||
	    broken "systemctl restart hookspool.service: $(cat "$T/restart.out")"
	restarts=$((restarts + 1))
done
# a restart after the last request would have tested nothing
kill -0 "$stream" 2>/dev/null ||
    fail "the stream ended before the last restart was over: make it longer"
wait "$stream" || fail "the stream of requests failed: $(cat "$T/stream.log")"
ct cat "$W/stream.out" >"$T/stream.out"
counts=$(awk '{ n[$2]++ } END { for (s in n) printf "%s: %d, ", s, n[s] }' \
    "$T/stream.out" | sed 's/, $//')
echo "statuses of $n requests during $restarts restarts: $counts"
if [ "$(grep -c ' 200$' "$T/stream.out")" -eq "$n" ]; then
	ok "$restarts restarts of hookspool.service during $n requests: all answered 200"
else
	broken "$restarts restarts of hookspool.service during $n requests cost answers" \
	    "other than 200 (000: refused or no answer): $counts"
fi
accepted=$(awk '$2 == 200 { print $1 }' "$T/stream.out" | tr '\n' ' ')

# the drain, as its timer starts it: every accepted event handled
ct systemctl start hookspool-drain.service >"$T/drain.out" 2>&1 ||
    broken "systemctl start hookspool-drain.service: $(cat "$T/drain.out")"
expect "hookspool-drain.service: result" success \
    systemctl show -P Result hookspool-drain.service
expect "the drain handled every accepted event" "" sh -c \
    'for id; do grep -q "\"id\":\"$id\"" /var/lib/hookspool/handled || echo "$id"; done' \
    sh "first-$$" $accepted
expect "the drain emptied new/" 0 sh -c 'ls /var/spool/hookspool/new | wc -l'

# the timer, enabled only now (until then no drain but the one above
# runs)
ct systemctl enable --now hookspool-drain.timer >"$T/timer.out" 2>&1 ||
    broken "systemctl enable --now hookspool-drain.timer: $(cat "$T/timer.out")"
expect "hookspool-drain.timer is active" active systemctl is-active hookspool-drain.timer

# a reboot: what is enabled starts, and the receiver answers
nspawn_poweroff
nspawn_boot fail
if [ "$CT_STATE" = running ]; then
	ok "after a reboot the system is running"
else
	broken "after a reboot the system is $CT_STATE; failed units: $(ct systemctl --failed --no-legend --plain | tr '\n' ' ')"
fi
[ "$has_socket" = no ] ||
    expect "hookspool.socket is active after a reboot" active systemctl is-active hookspool.socket
expect "hookspool-drain.timer is active after a reboot" active \
    systemctl is-active hookspool-drain.timer
expect "a signed request after a reboot: status" 200 sh "$W/post.sh" reboot-$$
expect "hookspool.service runs after a reboot" active systemctl is-active hookspool.service

# the timer through dpkg-reconfigure and a reinstall; after each, it is
# started again if it stopped, so that each step is seen alone
for tag in reconfigure reinstall; do
	case $tag in
	reconfigure)
		step="dpkg-reconfigure hookspool"
		set -- dpkg-reconfigure -f noninteractive hookspool ;;
	reinstall)
		step="a reinstall of the .deb"
		set -- apt-get install -y --reinstall "$deb" ;;
	esac
	ct "$@" >"$T/step.out" 2>&1 || fail "$step failed: $(tail -n 20 "$T/step.out")"
	state=$(ct systemctl is-active hookspool-drain.timer) || :
	if [ "$state" = active ]; then
		ok "hookspool-drain.timer is active after $step"
	else
		broken "hookspool-drain.timer is $state after $step (enabled: $(ct systemctl is-enabled hookspool-drain.timer))"
		ct systemctl start hookspool-drain.timer || :
	fi
	[ "$has_socket" = no ] ||
	    expect "hookspool.socket is active after $step" active systemctl is-active hookspool.socket
	expect "a signed request after $step: status" 200 sh "$W/post.sh" "$tag-$$"
	expect "hookspool.service runs after $step" active systemctl is-active hookspool.service
done

# purge: nothing of hookspool left, nothing degraded
ct apt-get purge -y hookspool >"$T/purge.out" 2>&1 ||
    fail "apt purge hookspool failed: $(tail -n 20 "$T/purge.out")"
ok "apt purge hookspool"
state=$(ct systemctl is-system-running) || :
if [ "$state" = running ]; then
	ok "after the purge the system is running"
else
	broken "after the purge the system is $state; failed units: $(ct systemctl --failed --no-legend --plain | tr '\n' ' ')"
fi
expect "no hookspool unit loaded after the purge" "" \
    systemctl list-units --all --no-legend --plain 'hookspool*'
expect "no hookspool unit file or link left" "" sh -c \
    'systemctl list-unit-files --no-legend "hookspool*"; find /etc/systemd/system -name "hookspool*"'
expect "Apache runs after the purge" active systemctl is-active apache2
expect "Apache's configuration is valid after the purge" "" sh -c \
    'out=$(apache2ctl -t 2>&1) || echo "$out"'
expect "no user, spool, secrets or state left" "" sh -c \
    'getent passwd hookspool; getent group hookspool;
    ls -d /var/spool/hookspool /etc/hookspool /var/lib/hookspool 2>/dev/null'

[ -z "$PROBLEMS" ] || fail "promises not kept:$PROBLEMS"
