-- wrk script for the benchmark: every request a fresh, pre-signed event.
-- BENCH_BODIES names a file of "SIGNATURE<TAB>BODY" lines (bench/bodies.py);
-- thread k of n (BENCH_THREADS, wrk's -t) sends lines k, k+n, k+2n, ... so
-- no two requests of a run share an id. The answers are counted by kind and printed at the end as
-- "answers: accepted A duplicate D ignored I other O".
local threads = {}
local counter = 0

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

function init(args)
	local path = os.getenv("BENCH_BODIES")
	local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
	local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
	sigs, bodies = {}, {}
	local i = 0
	for line in f:lines() do
		if i % nthreads == tid then
			local tab = line:find("\t", 1, true)
			table.insert(sigs, line:sub(1, tab - 1))
			table.insert(bodies, line:sub(tab + 1))
		end
		i = i + 1
	end
	f:close()
	assert(#bodies > 0, "no bodies for thread " .. tid)
	next_one = 1
	accepted, duplicate, ignored, other = 0, 0, 0, 0
	wrapped = 0
end

function request()
	local i = next_one
	next_one = next_one + 1
	if next_one > #bodies then
		next_one = 1
		wrapped = 1
	end
	return wrk.format("POST", nil, {
		["Content-Type"] = "application/json",
		["x-protocol-signature"] = sigs[i],
	}, bodies[i])
end

function response(status, headers, body)
	if status ~= 200 then
		other = other + 1
	elseif body:find('"accepted"', 1, true) then
		accepted = accepted + 1
	elseif body:find('"duplicate"', 1, true) then
		duplicate = duplicate + 1
	elseif body:find('"ignored"', 1, true) then
		ignored = ignored + 1
	else
		other = other + 1
	end
end

function done(summary, latency, requests)
	local a, d, g, o, w = 0, 0, 0, 0, 0
	for _, t in ipairs(threads) do
		a = a + t:get("accepted")
		d = d + t:get("duplicate")
		g = g + t:get("ignored")
		o = o + t:get("other")
		w = w + t:get("wrapped")
	end
	io.write(string.format("answers: accepted %d duplicate %d ignored %d other %d wrapped %d\n",
		a, d, g, o, w))
end
