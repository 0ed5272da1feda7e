// Package ratelimit is mbx's client-side weight governor: it keeps a client
// (or a whole fleet of processes sharing one Redis) inside an exchange's request
// budgets so that mbx never earns an HTTP 429, and it stops sending at once
// when a 429 or a 418 ban arrives anyway, because continuing after a 429 is
// what turns it into an IP ban (2 minutes up to 3 days).
//
// The REST and WebSocket clients drive it through two calls:
//
//	c := g.Cost(baseURL, "GET", "/api/v3/account", query) // price the request
//	c.Scope = accountID                                   // per-account budgets (orders, /sapi UID)
//	if err := g.Wait(ctx, c); err != nil { ... }          // reserve, waiting for the window if short
//	resp, err := send(...)
//	g.Observe(ctx, c, resp.StatusCode, resp.Header)        // the server's count wins; 429/418 block
//
// # How budgets are counted
//
// Exchanges count in fixed windows aligned to the calendar (the weight of the
// current minute resets at the full minute), so mbx does the same: a window
// of interval I starts at a multiple of I since the Unix epoch. A budget is
// identified by the host (scheme://host of the base URL), the product family
// and the limit's kind and interval, plus the account (Cost.Scope) for ORDERS
// and SAPI_UID and the endpoint path for the per-endpoint /sapi limits.
//
// A request reserved just before a window ends may be counted by the server
// in the next one (network latency), and one reserved just after may still be
// counted in the old one (clock offset). So a reservation is charged to every
// window that overlaps [now-Margin, now+Margin) and must fit in all of them;
// Margin defaults to 500ms and never exceeds a quarter of the interval. Pass
// a server-corrected clock (clock.Clock.Now) as Options.Now so that windows
// line up with the server's.
//
// Usage headers (as the exchange's Headers reads them, e.g. a used weight
// per minute or an order count per 10 seconds) reconcile the
// local count upwards only: the server's count includes other clients on the
// same IP, but it does not include our requests still in flight, so lowering
// the count to the header value could admit more than the budget.
//
// # Backends
//
// [Memory] keeps counters in the process. [Redis] keeps them in Redis so that
// many processes share one budget; one Lua script checks the host's block and
// every window and charges them all in a single round trip. When Redis is
// unreachable, Redis falls back to a local backend with each limit scaled to
// LocalShare, and says so once per outage.
package ratelimit
