-- bench/wrk_report.lua — wrk posts one partner report per request to
-- POST /api/v1/reports, as a partner system would, with the API token in
-- $LANTERN_TOKEN (bench/run makes one with `lantern token add`). lantern
-- gives each report a reference code of its own, so the same body makes a
-- new report every time; a 201 is an acknowledged, committed report.
local token = os.getenv("LANTERN_TOKEN")
if not token or token == "" then
  error("LANTERN_TOKEN is not set")
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = '{"source":"partner","agency":"herts_police",' ..
  '"forms":["labour_exploitation","forced_criminality"],' ..
  '"place":"local","district":"watford","occurred":"2024-04","received":"2024-05-01",' ..
  '"anonymous":true,"description":"Several men collected from a car wash at 6 am ' ..
  'in a minibus; they look tired and do not speak to customers."}'
