package kucoin

import (
	"testing"

	"github.com/mbxkit/mbx/exchange"
)

func BenchmarkSign(b *testing.B) {
	req := exchange.Request{Method: "POST", Path: "/api/v1/orders", Time: testNow, Params: []exchange.Param{
		{Name: "clientOid", Value: "c-1"}, {Name: "side", Value: "buy"}, {Name: "symbol", Value: "BTC-USDT"},
		{Name: "type", Value: "limit"}, {Name: "price", Value: "50000"}, {Name: "size", Value: "0.001"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New().Sign(req, testCreds); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	s, err := New().Sign(exchange.Request{Method: "GET", Path: "/api/v1/accounts", Time: testNow,
		Params: []exchange.Param{{Name: "currency", Value: "BTC"}}}, testCreds)
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
