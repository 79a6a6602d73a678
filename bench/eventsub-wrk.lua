-- wrk script for the EventSub ingestion benchmark (bench/run-eventsub-vs-nginx.sh): sends the pre-signed
-- requests written by `bench_eventsub_ingest --write-requests FILE` (file in $MGM_REQUESTS, NUL after each),
-- each once and in order. Run wrk with -t1: every wrk thread has its own Lua state and would resend the same
-- requests. Past the end it starts again; repeats are answered 200 as duplicates and not enrolled, which
-- the script that runs wrk detects by counting the enrolled rows.
local requests = {}
local next_index = 0

function init(args)
  local file = assert(io.open(assert(os.getenv("MGM_REQUESTS"), "MGM_REQUESTS not set"), "rb"))
  local data = file:read("*a")
  file:close()
  for request in data:gmatch("([^%z]+)%z") do
    requests[#requests + 1] = request
  end
  assert(#requests > 0, "no requests in " .. os.getenv("MGM_REQUESTS"))
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function done(summary, latency, requests_done)
  io.write(string.format("wrk summary: %d requests, %d non-2xx, %d socket errors\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
