-- Aurora's performance-simulation webhook, each request a distinct delivery (its own
-- design and job), as `cargo xtask bench` measures the receiver's acknowledgements.
-- Env: BENCH_TENANT, BENCH_WEBHOOK_HEADER, BENCH_WEBHOOK_TOKEN, and BENCH_RUN (distinct per
-- run, so a second run's deliveries are new ones, not repeats of the first's).
local tenant = os.getenv("BENCH_TENANT")
local header = os.getenv("BENCH_WEBHOOK_HEADER")
local token = os.getenv("BENCH_WEBHOOK_TOKEN")
local run = os.getenv("BENCH_RUN") or "0"
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
  local path = "/webhooks/aurora/performance-simulation?design_id=" .. uuid() .. "&tenant_id=" .. tenant ..
    "&job_id=bench-" .. run .. "-" .. id .. "-" .. sent .. "&status=succeeded"
  return wrk.format("GET", path, { [header] = token })
end
