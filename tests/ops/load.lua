-- tests/ops/load.lua: the wrk script of tests/load.sh.
--
-- Each wrk thread asks one of the paths below.  Every answer must be
-- the answer of rule set A (a 307 to https://a.example/...) or of rule set
-- B (a 308 to https://b.example/...) for that path: a status and a
-- Location from one whole set.  Anything else (a 5xx, an answer of the
-- broken file's rules, a status of one set with the Location of the other)
-- is counted as bad and the first few are written to the report.
--
-- The report goes to the file named by $LOAD_REPORT, as lines
-- "key value" (requests, a, b, bad, errors, rps, max_ms) followed by
-- "example ..." lines.

local paths = {
	{ "/p/one",      "/one" },		-- a path rule
	{ "/pre/x/y",    "/pre/x/y" },		-- a prefix rule with its rest
	{ "/item/42",    "/item?id=42" },	-- a regex with a capture
	{ "/old/7.html", "/m/7" },		-- a map entry
	{ "/nothing",    nil },			-- the fallback: 404 (A) or 410 (B)
}

local threads = {}

-- Answers on a thread's connections arrive in any order, so each thread
-- asks one path only (run wrk with -t a multiple of #paths).
function setup(thread)
	table.insert(threads, thread)
	thread:set("idx", (#threads - 1) % #paths + 1)
end

function init(args)
	count_a, count_b, count_bad = 0, 0, 0
	examples = ""
	nexamples = 0
	mine = paths[idx]
	wrk.path = mine[1]
	wrk.headers["Host"] = "www.example.re"
end

local function one_of(p, status, loc)
	if p[2] == nil then
		if status == 404 and loc == nil then return "a" end
		if status == 410 and loc == nil then return "b" end
		return nil
	end
	if status == 307 and loc == "https://a.example" .. p[2] then return "a" end
	if status == 308 and loc == "https://b.example" .. p[2] then return "b" end
	return nil
end

function response(status, headers, body)
	local p = mine
	local loc = headers["Location"] or headers["location"]
	local which = p and one_of(p, status, loc)
	if which == "a" then
		count_a = count_a + 1
	elseif which == "b" then
		count_b = count_b + 1
	else
		count_bad = count_bad + 1
		if nexamples < 10 then
			nexamples = nexamples + 1
			examples = examples .. "example " .. (p and p[1] or "?") ..
			    " -> " .. status .. " " .. tostring(loc) .. "\n"
		end
	end
end

function done(summary, latency, requests)
	local a, b, bad, ex = 0, 0, 0, ""
	for _, t in ipairs(threads) do
		a = a + t:get("count_a")
		b = b + t:get("count_b")
		bad = bad + t:get("count_bad")
		ex = ex .. t:get("examples")
	end
	local e = summary.errors
	local f = io.open(os.getenv("LOAD_REPORT") or "/dev/stdout", "w")
	f:write(string.format("requests %d\n", summary.requests))
	f:write(string.format("a %d\nb %d\nbad %d\n", a, b, bad))
	f:write(string.format("errors %d\n", e.connect + e.read + e.write +
	    e.timeout))
	f:write(string.format("non2xx3xx %d\n", e.status))
	f:write(string.format("rps %.0f\n",
	    summary.requests / (summary.duration / 1e6)))
	f:write(string.format("max_ms %.1f\n", latency.max / 1000))
	f:write(string.format("p99_ms %.1f\n", latency:percentile(99) / 1000))
	f:write(ex)
	f:close()
end
