#!/bin/sh
# Regenerate the build system: ./autogen.sh && ./configure && make
for tool in autoreconf autoconf automake aclocal pkg-config; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "autogen.sh: unable to find $tool (Debian: apt-get install autoconf automake pkg-config)" >&2
		exit 1
	fi
done
exec autoreconf -fi "$@"
