#!/bin/bash
# One request stays within 32 MiB for a 1 MiB body whatever its shape: the
# responder runs as CGI under a 64 MiB address-space limit (its libraries
# and its 1 MiB body included) and accepts 1 MiB bodies of the shapes a
# tree parser spends most on. AddressSanitizer reserves terabytes of
# address space, so a sanitized build runs without the limit.
. "$top_srcdir/tests/setup.sh"

make_conf 'max_body = 1M'
LIMIT_KB=65536
if ldd "$FCGI" 2>/dev/null | grep -q libasan; then
	echo "note: $FCGI is built with AddressSanitizer: no address-space limit"
	LIMIT_KB=unlimited
fi

# body NAME OPEN PIECE CLOSE: an event whose payload is OPEN, then PIECE
# repeated with commas up to about 1 MiB, then CLOSE.
body() {
	start="{\"id\":\"mem-$1\",\"type\":\"conversation.updated\",\"p\":"
	n=$(((1048576 - ${#start} - ${#2} - ${#4} - 1) / (${#3} + 1)))
	{
		printf '%s%s' "$start" "$2"
		yes "$3" | head -n "$n" | paste -sd, - | tr -d '\n'
		printf '%s}' "$4"
	} >"$T/$1.json"
}

deep=$(printf '%62s' '' | tr ' ' '[')$(printf '%62s' '' | tr ' ' ']')
body objects '[' '{}' ']'
body arrays '[' "$deep" ']'
body strings '[' '"a"' ']'
body members '{' '"k":0' '}'
for shape in objects arrays strings members; do
	size=$(wc -c <"$T/$shape.json" | tr -d ' ')
	[ "$size" -gt 1040000 ] && [ "$size" -le 1048576 ] ||
	    fail "$shape: the body is $size bytes"
	sig=$(sign "$T/$shape.json")
	(ulimit -v "$LIMIT_KB" && cgi_post "$T/$shape.json" \
	    HTTP_X_PROTOCOL_SIGNATURE="$sig" && echo "$STATUS" >"$T/status")
	assert_eq "1 MiB of $shape under ulimit -v $LIMIT_KB" 200 \
	    "$(cat "$T/status" 2>/dev/null)"
	rm -f "$T/status"
done
assert_eq "four events spooled" 4 "$(count new)"
grep -q '"id":"mem-objects"' "$SPOOL"/new/* || fail "the objects event is not spooled"
ok "the spooled lines hold the ids"
