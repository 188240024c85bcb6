-- wrk script: POSTs view beacons for random public stories, each from a reader of its own, as
-- browsers send them (JSON body, a desktop User-Agent). The story ids are read from the file
-- named after `--` on wrk's command line, one per line.

local ids = {}
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

-- `thread_number` is a global that setup() gives each thread's own Lua state.
function init(args)
  thread_number = thread_number or 0
  for line in io.lines(args[1]) do
    if line ~= "" then
      ids[#ids + 1] = line
    end
  end
  math.randomseed(os.time() + thread_number * 7919)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

function request()
  counter = counter + 1
  local id = ids[math.random(#ids)]
  local body = string.format('{"readerId":"bench-%d-%d-%d"}', thread_number, counter, math.random(1000000000))
  return wrk.format(nil, "/api/v1/articles/" .. id .. "/views", nil, body)
end
