package kucoin

import (
	"testing"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/venuetest"
)

// FuzzVerify feeds Verify arbitrary requests: it must never panic, must
// answer one of KuCoin's codes, and must accept only what Sign produced
// (a signature it did not compute verifies with negligible probability).
func FuzzVerify(f *testing.F) {
	f.Add("GET", "/api/v1/accounts", "currency=BTC", "", "key-1", "", "1700000000000", "", "2")
	f.Add("POST", "/api/v1/orders", "", `{"side":"buy"}`, "key-1", "c2lnbmF0dXJl", "1700000000000", "x", "1")
	f.Add("DELETE", "/api/v1/orders/1", "a=%zz&b", "", "other", "!!", "1e300", "p", "9")
	f.Fuzz(func(t *testing.T, method, path, query, body, key, sig, ts, pass, version string) {
		h := venuetest.HeaderOf(map[string]string{HeaderKey: key, HeaderSign: sig, HeaderTimestamp: ts, HeaderPassphrase: pass, HeaderKeyVersion: version})
		v := New().Verify(exchange.Incoming{Method: method, Path: path, RawQuery: query, Header: h, Body: []byte(body)}, exchange.Keys(testCreds), testNow)
		venuetest.CheckUnsigned(t, v, func(v exchange.Verdict) bool { _, known := messages[v.Code]; return known && v.Message != "" }, testCreds)
		venuetest.CheckSignedQuery(t, New(), "/api/v1/x", query, testCreds, testNow)
	})
}
