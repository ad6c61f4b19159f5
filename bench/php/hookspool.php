<?php
// The benchmark's PHP-FPM row: what hookspool.fcgi does with its defaults
// for one webhook, written as a PHP application would write it. Not part
// of hookspool; bench/run.sh serves it through php-fpm behind the same
// lighttpd as the responder.
//
// Settings come from the pool's environment (bench/php/php-fpm.conf):
//   HOOKSPOOL_PHP_SPOOL     the spool folder (tmp/, new/, ids/ exist)
//   HOOKSPOOL_PHP_SECRET    the secret file (its bytes, less one newline)
//   HOOKSPOOL_PHP_ORDERED   "yes" where the file system's journal keeps
//                           metadata in order, so that the flush of new/
//                           also commits ids/ (as hookspool decides it)
//
// One request: POST only, a length of at most 1 MiB (max_body's default),
// the raw body, its x-protocol-signature (exactly 64 hex digits) checked
// with hash_hmac and hash_equals, the body decoded as a JSON object with
// a string id and type, then the spool line written into tmp/ under an
// exclusive lock, flushed, the id claimed by linking the file as
// ids/sha256(webhook NUL id), ids/ flushed (unless ordered), the file
// renamed into new/ and new/ flushed; then 200 with the id.

const WEBHOOK = 'protocol';
const MAX_BODY = 1048576;
const MAX_DEPTH = 64;

function answer(int $code, string $json): void
{
	http_response_code($code);
	header('Content-Type: application/json');
	echo $json, "\n";
}

function fail(string $why): void
{
	answer(503, '{"status":"error","error":"spool unavailable, retry later"}');
	error_log('hookspool.php: ' . $why);
}

function flush_folder(string $dir): bool
{
	$d = @fopen($dir, 'r');
	if ($d === false)
		return false;
	$ok = fsync($d);
	return fclose($d) && $ok;
}

function handle(): void
{
	$spool = getenv('HOOKSPOOL_PHP_SPOOL');
	$secret = getenv('HOOKSPOOL_PHP_SECRET');
	$ordered = getenv('HOOKSPOOL_PHP_ORDERED') === 'yes';
	if ($spool === false || $secret === false) {
		answer(500, '{"status":"error","error":"configuration unusable"}');
		return;
	}
	if (($_SERVER['REQUEST_METHOD'] ?? '') !== 'POST') {
		header('Allow: POST');
		answer(405, '{"status":"error","error":"method not allowed"}');
		return;
	}
	$len = $_SERVER['CONTENT_LENGTH'] ?? '';
	if (!ctype_digit($len)) {
		answer(411, '{"status":"error","error":"length required"}');
		return;
	}
	if ((int)$len > MAX_BODY) {
		answer(413, '{"status":"error","error":"body too large"}');
		return;
	}
	$body = file_get_contents('php://input');
	if ($body === false || strlen($body) !== (int)$len) {
		answer(400, '{"status":"error","error":"body shorter than its length"}');
		return;
	}

	$key = @file_get_contents($secret);
	if ($key === false) {
		answer(500, '{"status":"error","error":"configuration unusable"}');
		return;
	}
	if (str_ends_with($key, "\r\n"))
		$key = substr($key, 0, -2);
	elseif (str_ends_with($key, "\n"))
		$key = substr($key, 0, -1);
	$sig = $_SERVER['HTTP_X_PROTOCOL_SIGNATURE'] ?? '';
	if (strlen($sig) !== 64 || !ctype_xdigit($sig) ||
	    !hash_equals(hash_hmac('sha256', $body, $key), strtolower($sig))) {
		answer(401, '{"status":"error","error":"bad signature"}');
		return;
	}

	$ev = json_decode($body, false, MAX_DEPTH);
	if (!is_object($ev) || !isset($ev->id, $ev->type) ||
	    !is_string($ev->id) || !is_string($ev->type) || $ev->id === '') {
		answer(400, '{"status":"error","error":"not a valid event"}');
		return;
	}
	$flags = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE;
	$id_json = json_encode($ev->id, $flags);
	$type_json = json_encode($ev->type, $flags);

	// A known id needs no file.
	$marker = "$spool/ids/" . hash('sha256', WEBHOOK . "\0" . $ev->id);
	if (file_exists($marker)) {
		answer(200, '{"status":"duplicate"}');
		return;
	}

	// The line: the body on one line (JSON white space only can hold a
	// line break), after the arrival time in UTC.
	$tv = gettimeofday();
	$sec = $tv['sec'];
	$usec = $tv['usec'];
	$flat = trim(strtr($body, "\r\n", '  '), " \t");
	$line = '{"received":"' . gmdate('Y-m-d\TH:i:s', $sec) .
	    sprintf('.%06dZ', $usec) . '","webhook":"' . WEBHOOK .
	    '","id":' . $id_json . ',"type":' . $type_json . ',"event":' .
	    $flat . "}\n";
	$name = sprintf('%010d.%06d.P%dR%s.php', $sec, $usec, getmypid(),
	    bin2hex(random_bytes(4)));
	$tmp = "$spool/tmp/$name";
	$f = @fopen($tmp, 'x');
	if ($f === false) {
		fail("unable to create $tmp");
		return;
	}
	if (!flock($f, LOCK_EX) || fwrite($f, $line) !== strlen($line) ||
	    !fflush($f) || !fsync($f)) {
		fclose($f);
		@unlink($tmp);
		fail("unable to write $tmp");
		return;
	}
	if (!@link($tmp, $marker)) {
		fclose($f);
		@unlink($tmp);
		if (file_exists($marker)) {
			answer(200, '{"status":"duplicate"}');
			return;
		}
		fail("unable to create $marker");
		return;
	}
	if ((!$ordered && !flush_folder("$spool/ids")) ||
	    !rename($tmp, "$spool/new/$name")) {
		@unlink($marker);
		@unlink($tmp);
		fclose($f);
		fail('unable to deliver');
		return;
	}
	$flushed = flush_folder("$spool/new");
	if (!fclose($f) || !$flushed) {
		fail('unable to flush new/');
		return;
	}
	answer(200, '{"status":"accepted","id":' . $id_json . '}');
}

handle();
