-- wrk script for the admin API: GET /api/settings, PUT /api/settings with 5 secret settings
-- (BENCH_METHOD=PUT), or with 5 plain settings (BENCH_METHOD=PUT_PLAIN: the .env write alone). The admin token comes from the environment, never from the command line.
-- ADMIN_SECRET is PUT with its current value, so the run leaves the service's credentials as they were.
local admin = os.getenv("BENCH_ADMIN_SECRET")
local method = os.getenv("BENCH_METHOD") or "GET"
wrk.method = method
wrk.headers["Authorization"] = "Bearer " .. admin
wrk.headers["Accept"] = "application/json"

local counter = 0

-- BENCH_METHOD=PUT_PLAIN: 5 plain settings, no Key Vault call: the .env write path alone
if method == "PUT_PLAIN" then
  wrk.method = "PUT"
  wrk.headers["Content-Type"] = "application/json"
  request = function()
    counter = counter + 1
    local body = string.format(
      '{"BENCH_PLAIN_A":"a-%d","BENCH_PLAIN_B":"b-%d","BENCH_PLAIN_C":"c-%d","BENCH_PLAIN_D":"d-%d","BENCH_PLAIN_E":"e-%d"}',
      counter, counter, counter, counter, counter)
    return wrk.format(nil, nil, nil, body)
  end
end

if method == "PUT" then
  wrk.headers["Content-Type"] = "application/json"
  request = function()
    counter = counter + 1
    local body = string.format(
      '{"GITHUB_TOKEN":"ghp-bench-%d","BOT_APP_PASSWORD":"bot-bench-%d",' ..
      '"ACS_CONNECTION_STRING":"endpoint=https://acs.invalid/;accesskey=bench%d",' ..
      '"AZURE_OPENAI_API_KEY":"oai-bench-%d","ADMIN_SECRET":"%s"}',
      counter, counter, counter, counter, admin)
    return wrk.format(nil, nil, nil, body)
  end
end

-- one machine-readable line for run.sh (latency in microseconds)
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d non2xx=%d socket_errors=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
