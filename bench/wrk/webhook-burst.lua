-- Aurora's performance-simulation webhook, each request a distinct delivery (its own
-- design and job), as `cargo xtask bench` measures the receiver's acknowledgements.
-- Env: BENCH_TENANT, BENCH_WEBHOOK_HEADER, BENCH_WEBHOOK_TOKEN, BENCH_DELIVERIES (per
-- thread: a thread stops once it has sent its share).
local tenant = os.getenv("BENCH_TENANT")
local header = os.getenv("BENCH_WEBHOOK_HEADER")
local token = os.getenv("BENCH_WEBHOOK_TOKEN")
local limit = tonumber(os.getenv("BENCH_DELIVERIES") or "5000")
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  math.randomseed(id * 7919 + os.time())
end

local function uuid()
  return string.format("%08x-%04x-4%03x-8%03x-%012x", math.random(0, 0xffffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0, 0xfff), math.random(0, 0xffffffffffff))
end

function request()
  sent = sent + 1
  if sent > limit then
    wrk.thread:stop()
  end
  local path = "/webhooks/aurora/performance-simulation?design_id=" .. uuid() .. "&tenant_id=" .. tenant ..
    "&job_id=bench-" .. id .. "-" .. sent .. "&status=succeeded"
  return wrk.format("GET", path, { [header] = token })
end
