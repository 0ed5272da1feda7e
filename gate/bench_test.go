package gate

import (
	"testing"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/venuetest"
)

// BenchmarkAuth measures Sign on a spot order and Verify accepting a
// balance query.
func BenchmarkAuth(b *testing.B) {
	venuetest.RunBench(b, New(), venuetest.Bench{
		Sign: exchange.Request{Method: "POST", Path: "/api/v4/spot/orders", Time: testNow, Params: venuetest.Pairs(
			"text", "t-1", "side", "buy", "currency_pair", "BTC_USDT", "type", "limit", "price", "50000", "amount", "0.001")},
		Verify: exchange.Request{Method: "GET", Path: "/api/v4/spot/accounts", Time: testNow, Params: venuetest.Pairs("currency", "USDT")},
		Creds:  testCreds,
	})
}
