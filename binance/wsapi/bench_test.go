package wsapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/wsapi"
	"github.com/mbxkit/mbx/ratelimit"
)

// BenchmarkOrderPlaceRoundTrip is one order.place over loopback against
// the local exchange: build, sign, send, the exchange's verification and
// matching, the answer, decoding into a binance.Order. The exchange's
// limits are raised so that neither side throttles.
//
//	go test -run '^$' -bench OrderPlaceRoundTrip -benchmem -count 6 ./wsapi/
func BenchmarkOrderPlaceRoundTrip(b *testing.B) {
	_, _, url := exchange(b, func(c *emulator.Config) {
		c.Limits.OrdersPer10s = 1 << 30
		c.Limits.OrdersPerDay = 1 << 30
		c.Limits.RequestWeightPerMinute = 1 << 30
		c.Limits.RawRequestsPer5m = 1 << 30
	})
	for _, tc := range []struct {
		name, typ string
		logon     bool
	}{
		{"hmac", "hmac", false}, {"rsa", "rsa", false}, {"ed25519", "ed25519", false}, {"ed25519-logon", "ed25519", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			gov := ratelimit.NewGovernor(ratelimit.NewMemory(), ratelimit.Options{Limits: map[string][]ratelimit.Limit{
				"api": {
					{Kind: ratelimit.KindRequestWeight, Interval: time.Minute, Max: 1 << 30},
					{Kind: ratelimit.KindOrders, Interval: 10 * time.Second, Max: 1 << 30},
				},
			}})
			c := dial(b, url, tc.typ, func(o *wsapi.Options) { o.Logon, o.Governor = tc.logon, gov })
			ctx := context.Background()
			o := limitOrder("BTCUSDT")
			if _, err := c.PlaceOrder(ctx, o); err != nil { // warm up: clock sync, logon
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.PlaceOrder(ctx, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
