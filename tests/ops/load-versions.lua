-- tests/ops/load-versions.lua: the wrk script of tests/load.sh for
-- reloads and stops under load: which rule set answered, and when.
--
-- Each wrk thread asks one of the paths below (run wrk with -t a multiple
-- of 4).  The rule sets of load.sh's versions answer each path with a 307
-- or 308 to https://V.example/..., V being the version's name; the name is
-- read from the Location.  An answer of any other shape (a 5xx when no
-- process is left, a wrong Location) is of version "bad", and the first
-- few are written to the report as "example" lines.
--
-- Answers are counted by version in each millisecond of the wall clock
-- (CLOCK_REALTIME, as date +%s%3N reads it), so that the test can tell
-- which versions answered before and after the moment it reloaded or
-- stopped the server.  The report goes to the file named by $LOAD_REPORT:
-- "key value" lines (requests, errors, rps, max_ms), then one line
-- "at MS VERSION COUNT" per interval (MS its start, in ms since the epoch)
-- and version, then the "example" lines.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } load_versions_timespec;
int clock_gettime(int clock, load_versions_timespec *ts);
]]
local CLOCK_REALTIME = 0
local ts = ffi.new("load_versions_timespec")

local function now_ms()
	ffi.C.clock_gettime(CLOCK_REALTIME, ts)
	return tonumber(ts.tv_sec) * 1000 + math.floor(tonumber(ts.tv_nsec) / 1e6)
end

local paths = {
	{ "/p/one",      "/one" },		-- a path rule
	{ "/pre/x/y",    "/pre/x/y" },		-- a prefix rule with its rest
	{ "/item/42",    "/item?id=42" },	-- a regex with a capture
	{ "/old/7.html", "/m/7" },		-- a map entry
}

local threads = {}

-- Answers on a thread's connections arrive in any order, so each thread
-- asks one path only.
function setup(thread)
	table.insert(threads, thread)
	thread:set("idx", (#threads - 1) % #paths + 1)
end

function init(args)
	counts = {}		-- "MS VERSION" -> answers
	examples = ""
	nexamples = 0
	mine = paths[idx]
	wrk.path = mine[1]
	wrk.headers["Host"] = "www.example.re"
end

local function version_of(status, loc)
	if (status ~= 307 and status ~= 308) or loc == nil then
		return nil
	end
	local v, rest = string.match(loc, "^https://(%l+)%.example(.*)$")
	if v == nil or rest ~= mine[2] then
		return nil
	end
	return v
end

function response(status, headers, body)
	local loc = headers["Location"] or headers["location"]
	local v = version_of(status, loc)
	if v == nil then
		v = "bad"
		if nexamples < 5 then
			nexamples = nexamples + 1
			examples = examples .. "example " .. mine[1] .. " -> " ..
			    status .. " " .. tostring(loc) .. "\n"
		end
	end
	local key = now_ms() .. " " .. v
	counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
	local all, ex = {}, ""
	for _, t in ipairs(threads) do
		for k, n in pairs(t:get("counts")) do
			all[k] = (all[k] or 0) + n
		end
		ex = ex .. t:get("examples")
	end
	local keys = {}
	for k in pairs(all) do
		table.insert(keys, k)
	end
	table.sort(keys)
	local e = summary.errors
	local f = io.open(os.getenv("LOAD_REPORT") or "/dev/stdout", "w")
	f:write(string.format("requests %d\n", summary.requests))
	f:write(string.format("errors %d\n", e.connect + e.read + e.write +
	    e.timeout))
	f:write(string.format("rps %.0f\n",
	    summary.requests / (summary.duration / 1e6)))
	f:write(string.format("max_ms %.1f\n", latency.max / 1000))
	for _, k in ipairs(keys) do
		f:write("at " .. k .. " " .. all[k] .. "\n")
	end
	f:write(ex)
	f:close()
end
