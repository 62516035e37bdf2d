-- tests/bench/check.lua: the wrk script of tests/bench/run.sh.
--
-- Every response is checked against the one expected answer, given in the
-- environment: BENCH_STATUS (e.g. 307) and BENCH_LOCATION (the Location,
-- or "-" for none).  A relative Location may also arrive made absolute
-- with the request's own scheme and host (Apache's mod_alias does that),
-- but nothing else passes: a 5xx, another status or another target is
-- counted as wrong, and the first one seen is shown.
--
-- done() prints one line for run.sh:
--   BENCH REQUESTS RPS P50_MS P99_MS MAX_MS WRONG SOCKET_ERRORS FIRST_WRONG
-- where SOCKET_ERRORS counts wrk's connect, read, write and timeout errors
-- and FIRST_WRONG is the status and Location of the first wrong answer.

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	wrong = 0
	first_wrong = ""
	want_status = tonumber(os.getenv("BENCH_STATUS"))
	want_loc = os.getenv("BENCH_LOCATION")
	if want_loc == "-" then
		want_loc = nil
	end
	absolute = nil
	if want_loc ~= nil and want_loc:sub(1, 1) == "/" then
		absolute = wrk.scheme .. "://" .. wrk.host .. ":" .. wrk.port ..
		    want_loc
	end
end

function response(status, headers, body)
	local loc = headers["Location"] or headers["location"]
	if status == want_status and (loc == want_loc or
	    (absolute ~= nil and loc == absolute)) then
		return
	end
	wrong = wrong + 1
	if first_wrong == "" then
		first_wrong = status .. " " .. tostring(loc)
	end
end

function done(summary, latency, requests)
	local w, first = 0, ""
	for _, t in ipairs(threads) do
		w = w + t:get("wrong")
		if first == "" then
			first = t:get("first_wrong")
		end
	end
	local e = summary.errors
	io.write(string.format("BENCH %d %.1f %.3f %.3f %.3f %d %d %s\n",
	    summary.requests, summary.requests / (summary.duration / 1e6),
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    latency.max / 1000, w,
	    e.connect + e.read + e.write + e.timeout, first))
end
