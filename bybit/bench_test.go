package bybit

import (
	"testing"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/venuetest"
	"github.com/mbxkit/mbx/secret"
)

// BenchmarkAuth measures Sign, and Verify accepting and rejecting, on a
// spot order.
func BenchmarkAuth(b *testing.B) {
	venuetest.RunBench(b, New(), venuetest.Bench{
		Sign: exchange.Request{Method: "POST", Path: "/v5/order/create", Time: time.UnixMilli(1700000000000), Params: venuetest.Pairs(
			"category", "spot", "symbol", "BTCUSDT", "side", "Buy", "orderType", "Limit", "qty", "0.01", "price", "30000")},
		Creds:  exchange.Credentials{APIKey: "KEY123", Secret: secret.FromString(testSecret)},
		Tamper: func(in *exchange.Incoming) { in.Header.Set(HeaderSign, "00"+in.Header.Get(HeaderSign)[2:]) },
	})
}
