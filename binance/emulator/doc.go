// Package emulator is the local Binance-compatible exchange behind
// `mbx serve`: it verifies signed requests exactly as Binance does (package
// verify), enforces Binance's rate limits and bans, keeps accounts,
// balances, orders and trades durably in SQLite (package emulator/store),
// injects faults on demand, and explains every rejection.
//
// Start one in-process on a random loopback port:
//
//	srv, err := emulator.New(ctx, emulator.DefaultConfig(), emulator.Options{})
//	base, err := srv.Start(ctx, "127.0.0.1:0")
//	defer srv.Close()
//
// # Request pipeline
//
// Every REST call goes through, in this order: endpoint lookup (unknown
// path: HTTP 404, -1000), size limits (query 64 KiB → 414, body 1 MiB → 413,
// both -1000 with the limit in the message), injected latency, injected
// 5xx, rate limits (weights per client IP, /sapi budgets per endpoint, 429
// -1003 with Retry-After, 418 bans), then for SIGNED endpoints the API-key
// header (-2014), the key (-2015, HTTP 401), the IP whitelist (-2015), the
// signature and timing (verify.Verify: -1022, -1021, ...), the key's
// permission (-2015; /fapi appends ", request ip: ADDR"), then the
// parameter list (-1101 too many, -1104 unread, -1102 mandatory, -1105
// empty) and the endpoint's value checks (-1100 with the legal range,
// -1121, -1106, -1111, -1013, -1015, -2010...). Value checks come after
// signature verification, as on Binance. Every rejection answers exactly
// {"code":..,"msg":".."} and carries X-MBX-EXPLAIN (the explanation in one
// line) and X-MBX-INSPECT (/mbx/#<request id>, see Server.Recent).
//
// # Endpoints
//
// Every endpoint of Binance's catalogue (package binance/catalog: /api,
// /sapi, the /fapi and /dapi endpoints clients use, the WebSocket API's
// methods) is routed, with its security, permission, weight and parameters
// from the catalogue. The modelled ones (Server.Modelled, handlers() in
// endpoints.go) answer from the exchange's state; every other one answers
// its documented example with the header X-MBX-EMULATED: example (also in
// Entry.Emulated and on the inspector page). Also /metrics (Prometheus, the exchange's own
// registry) and, for loopback clients only, the admin API under
// /mbx/admin/ (state, clock, latency, faults, price, reset, counters,
// limits/reset, recent; see admin.go), which also requires a loopback Host,
// no foreign Origin and Content-Type application/json on writes, so that a
// web page cannot drive it. Options.Inspector is served at /mbx/.
//
// # State
//
// With a data directory, state lives in DIR/mbx.db (package
// emulator/store), written before each answer; Options.Reset wipes it.
// Accounts are created from the configured keys at start and keep what
// they have across restarts. Balances are cached in memory between writes
// (GET /api/v3/account is the most polled signed endpoint); the cache only
// sees writes made through the exchange, so use the API or the admin
// endpoints rather than writing to the database behind its back.
//
// # Choices where Binance's behaviour is unconfirmed or the issue is silent
//
//   - A signature that is not the last pair of its part is accepted unless
//     Config.StrictSignatureLast (strict_signature_last: true) is set.
//   - Unknown path: HTTP 404 with -1000 "Unknown endpoint METHOD PATH."
//     (with "; did you mean PATH?" when a catalogued path is close);
//     wrong method: HTTP 405 with -1000.
//   - Oversize query or body: HTTP 414 / 413 with -1000 and the limit.
//   - The symbol legal range accepts non-ASCII characters (Binance lists
//     non-ASCII symbols since 2025-12): ^[A-Z0-9-_.\x{80}-\x{10FFFF}]{1,20}$.
//   - -1111 is answered when a quantity or price has more significant
//     decimals than the symbol's stepSize / tickSize; a value within the
//     precision but off the step, or out of bounds, is -1013 "Filter
//     failure: LOT_SIZE / PRICE_FILTER"; a small order -1013 "Filter
//     failure: NOTIONAL" (futures -4164).
//   - An empty optional parameter is -1105 "Parameter 'x' was empty."
//     (when the signature verified; Binance's FAQ lists empty values among
//     -1022 causes because clients drop them when signing).
//   - -1007 (fault kind "timeout") is HTTP 503 on /api and /sapi and HTTP
//     408 on /fapi; the request is processed first. A 5xx fault does not
//     process the request unless "process" is set. Faults apply only to
//     requests the rate limiter admitted, and a rejected request hit by a
//     "timeout" or "drop" fault gets the fault's answer all the same (the
//     client cannot tell either way).
//   - X-MBX-TIME-UNIT: MICROSECOND (or microsecond) makes spot answers'
//     time fields microseconds; MILLISECOND is the default; any other value
//     is -1194. /sapi and /fapi ignore the header (UNCONFIRMED on Binance).
//   - Parameters a NONE endpoint does not read (timestamp, signature sent
//     to ticker/price, say) get -1101 / -1104 like on signed endpoints.
//   - Successful POST/DELETE /api/v3/order and DELETE /api/v3/openOrders
//     cost 0 weight (since 2026-04-02); failures cost 1.
//   - Rate-limit windows are aligned to the calendar (minute, 10 s, 5 min,
//     day in UTC). A 429 sets Retry-After to the end of the window; any
//     request from that address before then earns a 418 ban of ban_base,
//     doubled for every earlier ban, capped at 72h. Requests answered 429
//     keep their weight; requests answered 418 are not charged. Spot
//     (/api, /sapi) and futures (/fapi) keep separate counters and bans.
//   - /sapi budgets are per endpoint: IP weight against
//     sapi_ip_weight_per_minute, UID weight against
//     sapi_uid_weight_per_minute. Weights used: universalTransfer UID 360,
//     withdraw/apply UID 900, fiat/withdraw UID 45000, apiRestrictions IP 1.
//   - The raw-request limit (300000 per 5 min) answers 429 -1003 "Too many
//     requests; current limit is N requests per 5 MINUTE. ...".
//   - Order counts are per account and kept in memory (a restart resets
//     them); futures use 10 s and 1 min windows (fapi_orders_per_10s,
//     fapi_orders_per_minute).
//   - Permissions: USER_DATA for signed reads, TRADE for spot orders,
//     FUTURES for every signed /fapi endpoint, WITHDRAW for both withdraw
//     endpoints, UNIVERSAL_TRANSFER for universalTransfer.
//   - universalTransfer: fromEmail/toEmail name accounts through the keys'
//     email fields; empty means the caller's account; an unknown e-mail is
//     -1130. Withdrawals debit the balance; too little is -2018 "Balance is
//     insufficient.".
//   - fiat/withdraw: accountInfo may be a JSON text in a form body or an
//     object in an application/json body; the JSON body's fields are read
//     as parameters (objects as compact JSON), query values winning.
//     Whether the JSON body is signed is decided by package verify.
//   - Futures orders need a positive USDT balance; margin, positions and
//     PnL are not modelled. Futures post-only is timeInForce GTX.
package emulator
