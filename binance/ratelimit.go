package binance

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/mbxkit/mbx/ratelimit"
)

// RateLimitHeaders is how Binance reports its budgets in HTTP answers:
// X-MBX-USED-WEIGHT-(n)(unit), X-MBX-ORDER-COUNT-(n)(unit) and the
// per-endpoint /sapi pair X-SAPI-USED-IP-WEIGHT-… and X-SAPI-USED-UID-WEIGHT-…,
// and "IP banned until <ms>" in a 418's (or -1003 429's) body. Give it to a
// governor with ratelimit.Options.Headers or Governor.WithHeaders; the
// clients do so themselves.
func RateLimitHeaders() ratelimit.PrefixHeaders {
	return ratelimit.PrefixHeaders{
		Prefixes: []ratelimit.UsagePrefix{
			{Prefix: "X-MBX-USED-WEIGHT-", Kind: ratelimit.KindRequestWeight},
			{Prefix: "X-MBX-ORDER-COUNT-", Kind: ratelimit.KindOrders},
			{Prefix: "X-SAPI-USED-IP-WEIGHT-", Kind: ratelimit.KindSAPIIP},
			{Prefix: "X-SAPI-USED-UID-WEIGHT-", Kind: ratelimit.KindSAPIUID},
		},
		Ban: BanUntil,
	}
}

// UsageHeader is the response header Binance reports l's usage in, e.g.
// X-MBX-USED-WEIGHT-1M, X-MBX-ORDER-COUNT-10S, X-SAPI-USED-IP-WEIGHT-1M; ""
// for kinds without one (RAW_REQUESTS) and intervals not in whole seconds.
func UsageHeader(l ratelimit.Limit) string { return RateLimitHeaders().Name(l) }

// BanUntil finds "banned until <ms>" in a Binance error body.
func BanUntil(body []byte) (time.Time, bool) {
	const marker = "banned until "
	i := bytes.Index(body, []byte(marker))
	if i < 0 {
		return time.Time{}, false
	}
	rest := body[i+len(marker):]
	n := 0
	for n < len(rest) && n < 16 && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n == 0 || n == 16 {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(string(rest[:n]), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

// PrepareGovernor gives a governor Binance's usage-header reader, price
// table (DefaultWeights) and documented limits (DefaultLimits) where it was
// made without them: a user's shared or Redis governor works with the REST
// and WebSocket clients and the proxy as it is. Limits already set are kept.
func PrepareGovernor(g *ratelimit.Governor) *ratelimit.Governor {
	if g.Headers() == nil {
		g = g.WithHeaders(RateLimitHeaders())
	}
	if g.Weights() == nil {
		g = g.WithWeights(DefaultWeights())
	}
	for _, f := range Families() {
		if g.Limits(string(f)) == nil {
			g.SetLimits(string(f), DefaultLimits(string(f)))
		}
	}
	return g
}

// RateLimitState is the rate-limit state an answer reported: the server's count
// for each budget it named in its headers, and Retry-After on a 429/418.
type RateLimitState struct {
	// Usage lists the counts, sorted by kind and window (REQUEST_WEIGHT 1m,
	// ORDERS 10s, ORDERS 1d, ...).
	Usage []ratelimit.Usage
	// RetryAfter is Retry-After on a 429 or 418 (0 when absent).
	RetryAfter time.Duration
}

// Used returns the count of the budget of kind over interval, if the
// answer reported it.
func (r *RateLimitState) Used(kind string, interval time.Duration) (int, bool) {
	for _, u := range r.Usage {
		if u.Kind == kind && u.Interval == interval {
			return u.Used, true
		}
	}
	return 0, false
}

// UsedWeight is the request weight used in the window of interval (1m for
// X-MBX-USED-WEIGHT-1M).
func (r *RateLimitState) UsedWeight(interval time.Duration) (int, bool) {
	return r.Used(ratelimit.KindRequestWeight, interval)
}

// OrderCount is the number of orders placed in the window of interval.
func (r *RateLimitState) OrderCount(interval time.Duration) (int, bool) {
	return r.Used(ratelimit.KindOrders, interval)
}

// retryAfter reads Retry-After in seconds, Binance's form.
func retryAfter(h http.Header) time.Duration {
	v := headerValue(h, "Retry-After")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// headerValue is h.Get for a name already in canonical form, without
// canonicalising it again on every call.
func headerValue(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}
