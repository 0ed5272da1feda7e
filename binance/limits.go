package binance

import (
	"time"

	"github.com/mbxkit/mbx/ratelimit"
)

// DefaultLimits returns Binance's documented limits of a product family (a
// fresh slice each call). exchangeInfo is authoritative; prefer
// ratelimit.LimitsFromExchangeInfo when it is at hand. Unknown families get
// nil.
func DefaultLimits(family string) []ratelimit.Limit {
	switch family {
	case "api":
		// Spot: 6000 weight/min per IP (since 2023-08-25), 300000 raw
		// requests per 5 min (since 2026-04-02), 50 orders/10s and
		// 160000/day per account.
		return []ratelimit.Limit{
			{Kind: ratelimit.KindRequestWeight, Interval: time.Minute, Max: 6000},
			{Kind: ratelimit.KindRawRequests, Interval: 5 * time.Minute, Max: 300000},
			{Kind: ratelimit.KindOrders, Interval: 10 * time.Second, Max: 50},
			{Kind: ratelimit.KindOrders, Interval: 24 * time.Hour, Max: 160000},
		}
	case "sapi":
		// Each /sapi endpoint has its own budget: 12000/min when IP-limited,
		// 180000/min when UID-limited.
		return []ratelimit.Limit{
			{Kind: ratelimit.KindSAPIIP, Interval: time.Minute, Max: 12000},
			{Kind: ratelimit.KindSAPIUID, Interval: time.Minute, Max: 180000},
		}
	case "fapi", "dapi":
		// USDⓈ-M: 2400 weight/min, 300 orders/10s, 1200 orders/min. COIN-M's
		// values are not in our spec (UNCONFIRMED); USDⓈ-M's are the safe guess.
		return []ratelimit.Limit{
			{Kind: ratelimit.KindRequestWeight, Interval: time.Minute, Max: 2400},
			{Kind: ratelimit.KindOrders, Interval: 10 * time.Second, Max: 300},
			{Kind: ratelimit.KindOrders, Interval: time.Minute, Max: 1200},
		}
	case "papi":
		// Portfolio margin: 6000 weight/min per IP, 1200 orders/min.
		return []ratelimit.Limit{
			{Kind: ratelimit.KindRequestWeight, Interval: time.Minute, Max: 6000},
			{Kind: ratelimit.KindOrders, Interval: time.Minute, Max: 1200},
		}
	case "eapi":
		// Options: not in our spec (UNCONFIRMED). Deliberately low so that a
		// client without exchangeInfo cannot earn a 429; exchangeInfo raises it.
		return []ratelimit.Limit{
			{Kind: ratelimit.KindRequestWeight, Interval: time.Minute, Max: 400},
			{Kind: ratelimit.KindOrders, Interval: 10 * time.Second, Max: 100},
			{Kind: ratelimit.KindOrders, Interval: time.Minute, Max: 1200},
		}
	}
	return nil
}
