package gate

import (
	"testing"

	"github.com/mbxkit/mbx/exchange"
)

func BenchmarkSign(b *testing.B) {
	req := exchange.Request{Method: "POST", Path: "/api/v4/spot/orders", Time: testNow, Params: []exchange.Param{
		{Name: "text", Value: "t-1"}, {Name: "side", Value: "buy"}, {Name: "currency_pair", Value: "BTC_USDT"},
		{Name: "type", Value: "limit"}, {Name: "price", Value: "50000"}, {Name: "amount", Value: "0.001"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New().Sign(req, testCreds); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	s, err := New().Sign(exchange.Request{Method: "GET", Path: "/api/v4/spot/accounts", Time: testNow,
		Params: []exchange.Param{{Name: "currency", Value: "USDT"}}}, testCreds)
	if err != nil {
		b.Fatal(err)
	}
	in, lookup := incoming(s), lookupOf(testCreds)
	b.ReportAllocs()
	for b.Loop() {
		if v := New().Verify(in, lookup, testNow); !v.OK {
			b.Fatal(v)
		}
	}
}
