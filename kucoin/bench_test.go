package kucoin

import (
	"testing"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/venuetest"
)

// BenchmarkAuth measures Sign on a spot order and Verify accepting a
// balance query.
func BenchmarkAuth(b *testing.B) {
	venuetest.RunBench(b, New(), venuetest.Bench{
		Sign: exchange.Request{Method: "POST", Path: "/api/v1/orders", Time: testNow, Params: venuetest.Pairs(
			"clientOid", "c-1", "side", "buy", "symbol", "BTC-USDT", "type", "limit", "price", "50000", "size", "0.001")},
		Verify: exchange.Request{Method: "GET", Path: "/api/v1/accounts", Time: testNow, Params: venuetest.Pairs("currency", "BTC")},
		Creds:  testCreds,
	})
}
