package bybit

import (
	"testing"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/secret"
)

func benchRequest() (exchange.Request, exchange.Credentials) {
	return exchange.Request{Method: "POST", Path: "/v5/order/create", Time: time.UnixMilli(1700000000000), Params: []exchange.Param{
			{Name: "category", Value: "spot"}, {Name: "symbol", Value: "BTCUSDT"}, {Name: "side", Value: "Buy"},
			{Name: "orderType", Value: "Limit"}, {Name: "qty", Value: "0.01"}, {Name: "price", Value: "30000"}}},
		exchange.Credentials{APIKey: "KEY123", Secret: secret.FromString(testSecret)}
}

func BenchmarkSign(b *testing.B) {
	req, c := benchRequest()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := New().Sign(req, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyReject is the cost of a rejected request: the check plus
// the whole mistake search, which a hostile client can trigger at will.
func BenchmarkVerifyReject(b *testing.B) {
	req, c := benchRequest()
	s, err := New().Sign(req, c)
	if err != nil {
		b.Fatal(err)
	}
	in := s.Incoming()
	in.Header.Set(HeaderSign, "00"+s.Signature[2:])
	lookup := exchange.Keys(c)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if v := New().Verify(in, lookup, req.Time); v.OK {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkVerifyAccept(b *testing.B) {
	req, c := benchRequest()
	s, err := New().Sign(req, c)
	if err != nil {
		b.Fatal(err)
	}
	in, lookup := s.Incoming(), exchange.Keys(c)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if v := New().Verify(in, lookup, req.Time); !v.OK {
			b.Fatal(v)
		}
	}
}
