package ratelimit

import (
	"net/url"
	"testing"
)

// BenchmarkCostAndWait is a client's reservation as package binance makes
// it: price the request from the weights table, then wait for budget.
func BenchmarkCostAndWait(b *testing.B) {
	g := NewGovernor(NewMemory(), Options{Logger: quiet(), Weights: benchWeights(), Limits: map[string][]Limit{"api": benchLimits()}})
	q := url.Values{"symbol": {"BTCUSDT"}, "orderId": {"42"}}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		c := g.Cost(host, "GET", "/api/v3/myTrades", q)
		c.Scope = "acct"
		if err := g.Wait(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCost is the pricing half of a reservation alone.
func BenchmarkCost(b *testing.B) {
	w := benchWeights()
	q := url.Values{"symbol": {"BTCUSDT"}, "orderId": {"42"}}
	b.ReportAllocs()
	for b.Loop() {
		if c := w.Cost(host, "GET", "/api/v3/myTrades", q); c.Weight == 0 {
			b.Fatal("no weight")
		}
	}
}

// benchWeights prices myTrades by a rule on its parameters, as Binance's
// catalogue does (binance.DefaultWeights).
func benchWeights() *Weights {
	return NewWeights(DefaultUnknownWeight, Endpoint{Path: "/api/v3/myTrades", Weight: 20, Weigh: func(q url.Values) int {
		if q.Get("orderId") != "" {
			return 5
		}
		return 20
	}})
}
