-- bench:serve's script for wrk: sends the request described by the WRK_METHOD and WRK_BODY_FILE environment
-- variables, and prints one JSON line of totals and latency percentiles (in microseconds) when the run is done.
wrk.method = os.getenv("WRK_METHOD") or "GET"
local path = os.getenv("WRK_BODY_FILE")
if path and path ~= "" then
  local file = assert(io.open(path, "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
