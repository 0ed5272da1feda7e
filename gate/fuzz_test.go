package gate

import (
	"testing"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/venuetest"
)

// FuzzVerify feeds Verify arbitrary requests: it must never panic, must
// answer one of Gate's labels, and must accept only what Sign produced.
func FuzzVerify(f *testing.F) {
	f.Add("GET", "/api/v4/spot/accounts", "currency=USDT", "", "gkey", "00", "1700000000")
	f.Add("POST", "/api/v4/spot/orders", "", `{"a":"b"}`, "gkey", "", "1700000000.5")
	f.Add("DELETE", "/api/v4/spot/orders/1", "a=%zz&b", "", "other", "zz", "NaN")
	f.Fuzz(func(t *testing.T, method, path, query, body, key, sig, ts string) {
		h := venuetest.HeaderOf(map[string]string{HeaderKey: key, HeaderSign: sig, HeaderTimestamp: ts})
		v := New().Verify(exchange.Incoming{Method: method, Path: path, RawQuery: query, Header: h, Body: []byte(body)}, exchange.Keys(testCreds), testNow)
		venuetest.CheckUnsigned(t, v, func(v exchange.Verdict) bool { _, known := messages[v.Code]; return known }, testCreds)
		venuetest.CheckSignedQuery(t, New(), "/api/v4/x", query, testCreds, testNow)
	})
}
