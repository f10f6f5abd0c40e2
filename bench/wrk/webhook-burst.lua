-- Aurora's performance-simulation webhook, each request a distinct delivery (its own
-- design and job), as `cargo xtask bench` measures the receiver's acknowledgements.
-- Env: BENCH_TENANT, BENCH_WEBHOOK_HEADER, BENCH_WEBHOOK_TOKEN, BENCH_RUN (distinct per run,
-- so a second run's deliveries are new ones, not repeats of the first's) and
-- BENCH_DELIVERIES (per thread: a thread stops once it has sent its share, so the burst is
-- that many deliveries however fast they go; wrk itself waits out its -d).
local tenant = os.getenv("BENCH_TENANT")
local header = os.getenv("BENCH_WEBHOOK_HEADER")
local token = os.getenv("BENCH_WEBHOOK_TOKEN")
local run = os.getenv("BENCH_RUN") or "0"
local limit = tonumber(os.getenv("BENCH_DELIVERIES") or "5000")
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  sent = 0
  math.randomseed(id * 7919 + tonumber(run))
end

local function uuid()
  return string.format("%08x-%04x-4%03x-8%03x-%04x%08x", math.random(0, 0xffffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0, 0xfff), math.random(0, 0xffff), math.random(0, 0xffffffff))
end

function request()
  sent = sent + 1
  if sent > limit then
    wrk.thread:stop()
  end
  local path = "/webhooks/aurora/performance-simulation?design_id=" .. uuid() .. "&tenant_id=" .. tenant ..
    "&job_id=bench-" .. run .. "-" .. id .. "-" .. sent .. "&status=succeeded"
  return wrk.format("GET", path, { [header] = token })
end
