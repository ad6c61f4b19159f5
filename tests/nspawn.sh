# Sourced after tests/setup.sh by the tests that boot Debian 12 under a
# real systemd: a debootstrapped tree (built once, then cached), a
# throwaway copy of it booted with systemd-nspawn, commands run inside
# with nsenter, and the container stopped and its copy removed at
# cleanup, whatever the test's outcome.
#
# The cache: NSPAWN_CACHE (HOOKSPOOL_CACHE, default
# /var/cache/hookspool-test; keep it outside the source tree) holds
# bookworm-KEY, KEY a hash of the suite, the mirror (HOOKSPOOL_MIRROR,
# default http://deb.debian.org/debian) and the packages included. It
# is built under a lock into a temporary folder and renamed into place
# once debootstrap has succeeded, so a partial tree is never used; a
# temporary folder left by a killed build is removed by the next one.
# A tree of a key no test asks for any more may be deleted by hand.

NSPAWN_SUITE=bookworm
NSPAWN_MIRROR=${HOOKSPOOL_MIRROR:-http://deb.debian.org/debian}
NSPAWN_CACHE=${HOOKSPOOL_CACHE:-/var/cache/hookspool-test}
# bump it when what nspawn_tree does to a tree changes: the old trees
# are then not used
NSPAWN_FORMAT=1
NSPAWN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# nspawn_need: skip unless this can build and boot a container at all:
# root, systemd-nspawn, debootstrap, nsenter and flock.
nspawn_need() {
	[ "$(id -u)" -eq 0 ] || skip "boots a container with systemd-nspawn: needs root"
	for tool in systemd-nspawn:systemd-container debootstrap:debootstrap \
	    nsenter:util-linux flock:util-linux; do
		command -v "${tool%%:*}" >/dev/null ||
		    skip "${tool%%:*} is missing (apt-get install ${tool#*:})"
	done
	case $NSPAWN_CACHE in
	/*) ;;
	*) fail "HOOKSPOOL_CACHE=$NSPAWN_CACHE: name an absolute folder" ;;
	esac
	case $NSPAWN_CACHE/ in
	"$top_srcdir"/* | "$top_builddir"/*)
		fail "HOOKSPOOL_CACHE=$NSPAWN_CACHE is inside the tree: name a folder outside it" ;;
	esac
}

# nspawn_unmount_under DIR: unmount whatever a killed debootstrap left
# mounted under DIR (its proc and sys), deepest first.
nspawn_unmount_under() {
	awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
	    while IFS= read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || :
	done
}

# nspawn_tree PACKAGE...: sets TREE to a debootstrapped Debian 12
# (minbase) with PACKAGE... installed, from the cache, building it first
# when it is not there yet. Prints how long debootstrap took when it
# builds. A debootstrap that fails (no mirror reachable) is a skip with
# its log's end; every wait is bounded (20 minutes for the lock and the
# build).
nspawn_tree() {
	pkgs=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
	key=$(printf '%s\n' "$NSPAWN_FORMAT" "$NSPAWN_SUITE" "$NSPAWN_MIRROR" \
	    "$pkgs" | sha256sum | cut -c1-16)
	TREE=$NSPAWN_CACHE/$NSPAWN_SUITE-$key
	[ -d "$TREE" ] && return 0
	mkdir -p "$NSPAWN_CACHE" || fail "unable to create HOOKSPOOL_CACHE=$NSPAWN_CACHE"
	exec 9>"$NSPAWN_CACHE/.lock"
	flock -w 1200 9 || fail "another test has held $NSPAWN_CACHE/.lock for 20 minutes"
	if [ ! -d "$TREE" ]; then
		# under the lock no other build runs: what is left is stale
		for old in "$NSPAWN_CACHE"/.build-*; do
			[ -d "$old" ] || continue
			nspawn_unmount_under "$old"
			rm -rf --one-file-system "$old"
		done
		build=$NSPAWN_CACHE/.build-$NSPAWN_SUITE-$key.$$
		echo "building the $NSPAWN_SUITE tree ($pkgs) into $TREE"
		start=$(date +%s)
		if ! timeout -k 10 1200 debootstrap --variant=minbase \
		    --include="$(echo $pkgs | tr ' ' ,)" "$NSPAWN_SUITE" "$build" \
		    "$NSPAWN_MIRROR" >"$T/debootstrap.out" 2>&1; then
			nspawn_unmount_under "$build"
			rm -rf --one-file-system "$build"
			skip "unable to debootstrap $NSPAWN_SUITE from $NSPAWN_MIRROR: $(tail -n 5 "$T/debootstrap.out")"
		fi
		echo "debootstrap took $(($(date +%s) - start)) s"
		# the downloaded .debs are not needed again
		rm -f "$build"/var/cache/apt/archives/*.deb
		mv -T "$build" "$TREE" || fail "unable to rename $build to $TREE"
	fi
	exec 9>&-
}

# nspawn_copy: CT_ROOT, a throwaway copy of TREE to boot: an overlay
# mount with TREE as its read-only lower layer where the kernel allows
# one (no copying, and the cached tree cannot change), else cp -a.
# CT_MODE says which.
nspawn_copy() {
	CT_DIR=$T/ct
	CT_ROOT=$CT_DIR/root
	mkdir -p "$CT_DIR/upper" "$CT_DIR/work" "$CT_ROOT"
	CLEANUP_CMDS="$CLEANUP_CMDS nspawn_stop"
	if mount -t overlay overlay -o "lowerdir=$TREE,upperdir=$CT_DIR/upper,workdir=$CT_DIR/work" \
	    "$CT_ROOT" 2>"$T/overlay.out"; then
		CT_MODE=overlay
	else
		rmdir "$CT_ROOT"
		cp -a "$TREE" "$CT_ROOT" || fail "unable to copy $TREE to $CT_ROOT"
		CT_MODE="cp -a (no overlay here: $(cat "$T/overlay.out"))"
	fi
	echo "the container's root: $CT_MODE"
}

# ct CMD...: run CMD inside the booted container as root, with a clean
# environment and stdin from /dev/null, killed after CT_TIMEOUT seconds
# (default 120). Its exit status is CMD's.
ct() {
	timeout -k 5 "$((${CT_TIMEOUT:-120} + 15))" \
	    nsenter -t "$CT_INIT" -m -u -i -n -p -r -w -- \
	    env -i PATH="$NSPAWN_PATH" HOME=/root LANG=C.UTF-8 \
	    DEBIAN_FRONTEND=noninteractive SYSTEMD_COLORS=0 SYSTEMD_PAGER= \
	    timeout -k 5 "${CT_TIMEOUT:-120}" "$@" </dev/null
}

# nspawn_boot [skip|fail]: boot CT_ROOT with systemd-nspawn (no
# machined needed, in this process's own cgroup, with only a loopback
# network) and wait until its systemd has finished booting. Sets
# CT_NSPAWN (systemd-nspawn), CT_INIT (the container's systemd, as this
# host numbers it) and CT_STATE (running, or degraded: some unit
# failed). When the container does not get there within
# NSPAWN_BOOT_WAIT seconds (default 60), calls skip (the default: this
# machine cannot boot one) or fail (it booted before), with the boot's
# last lines.
nspawn_boot() {
	on_error=${1:-skip}
	CT_BOOTS=$((${CT_BOOTS:-0} + 1))
	# a name of its own each boot: nspawn's runtime folder for the
	# last one may still be there
	systemd-nspawn -D "$CT_ROOT" -M "hookspool-test-$$-$CT_BOOTS" \
	    --register=no --keep-unit --private-network --console=read-only -b \
	    </dev/null >"$T/boot.out" 2>&1 &
	CT_NSPAWN=$!
	start=$(date +%s)
	limit=$((start + ${NSPAWN_BOOT_WAIT:-60}))
	CT_INIT=
	CT_STATE=
	while :; do
		kill -0 "$CT_NSPAWN" 2>/dev/null ||
		    "$on_error" "systemd-nspawn exited before the container booted: $(nspawn_boot_tail)"
		[ -n "$CT_INIT" ] || CT_INIT=$(pgrep -P "$CT_NSPAWN" -x systemd) || CT_INIT=
		if [ -n "$CT_INIT" ]; then
			CT_STATE=$(CT_TIMEOUT=5 ct systemctl is-system-running 2>/dev/null) || :
			case $CT_STATE in
			running | degraded) break ;;
			esac
		fi
		[ "$(date +%s)" -lt "$limit" ] ||
		    "$on_error" "the container did not boot in ${NSPAWN_BOOT_WAIT:-60} s (its systemd says '${CT_STATE:-nothing}'): $(nspawn_boot_tail)"
		sleep 0.2
	done
	echo "the container booted in $(($(date +%s) - start)) s ($CT_STATE)"
}

# nspawn_boot_tail: the boot's last lines, without their colours.
nspawn_boot_tail() {
	tail -n 15 "$T/boot.out" | sed 's/\x1b\[[0-9;]*m//g'
}

# nspawn_poweroff: power the container off (systemd-nspawn turns TERM
# into an orderly shutdown; sent again each second, as a systemd still
# starting ignores it), and kill it if it is still there after 20 s
# (its init takes every process inside with it). CT_ROOT stays, to boot
# again. Never fails.
nspawn_poweroff() {
	if [ -n "${CT_NSPAWN:-}" ] && kill -0 "$CT_NSPAWN" 2>/dev/null; then
		i=0
		while kill -0 "$CT_NSPAWN" 2>/dev/null && [ "$i" -lt 200 ]; do
			[ $((i % 10)) -ne 0 ] || kill -TERM "$CT_NSPAWN" 2>/dev/null || :
			i=$((i + 1))
			sleep 0.1
		done
		if kill -0 "$CT_NSPAWN" 2>/dev/null; then
			echo "the container did not stop in 20 s: killed" >&2
			[ -z "${CT_INIT:-}" ] || kill -KILL "$CT_INIT" 2>/dev/null || :
			kill -KILL "$CT_NSPAWN" 2>/dev/null || :
		fi
		wait "$CT_NSPAWN" 2>/dev/null || :
	fi
	CT_NSPAWN=
	return 0
}

# nspawn_stop: the cleanup: power the container off, then unmount and
# remove its copy. Never fails.
nspawn_stop() {
	nspawn_poweroff
	if [ -n "${CT_DIR:-}" ]; then
		if mountpoint -q "$CT_ROOT" 2>/dev/null; then
			umount "$CT_ROOT" 2>/dev/null || umount -l "$CT_ROOT" 2>/dev/null || :
		fi
		rm -rf --one-file-system "$CT_DIR" || :
	fi
	return 0
}
