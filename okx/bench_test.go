package okx

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
		Sign: exchange.Request{Method: "POST", Path: "/api/v5/trade/order", Time: time.UnixMilli(1700000000000), Params: venuetest.Pairs(
			"instId", "BTC-USDT", "tdMode", "cash", "side", "buy", "ordType", "limit", "sz", "0.01", "px", "30000")},
		Creds:  exchange.Credentials{APIKey: "KEY123", Secret: secret.FromString(testSecret), Passphrase: secret.FromString(testPass)},
		Tamper: func(in *exchange.Incoming) { in.Header.Set(HeaderSign, "AA"+in.Header.Get(HeaderSign)[2:]) },
	})
}
