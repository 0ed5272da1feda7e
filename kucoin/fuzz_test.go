package kucoin

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/exchange"
)

// FuzzVerify feeds Verify arbitrary requests: it must never panic, must
// answer one of KuCoin's codes, and must accept only what Sign produced
// (a signature it did not compute verifies with negligible probability).
func FuzzVerify(f *testing.F) {
	f.Add("GET", "/api/v1/accounts", "currency=BTC", "", "key-1", "", "1700000000000", "", "2")
	f.Add("POST", "/api/v1/orders", "", `{"side":"buy"}`, "key-1", "c2lnbmF0dXJl", "1700000000000", "x", "1")
	f.Add("DELETE", "/api/v1/orders/1", "a=%zz&b", "", "other", "!!", "1e300", "p", "9")
	f.Fuzz(func(t *testing.T, method, path, query, body, key, sig, ts, pass, version string) {
		h := http.Header{}
		for name, v := range map[string]string{HeaderKey: key, HeaderSign: sig, HeaderTimestamp: ts, HeaderPassphrase: pass, HeaderKeyVersion: version} {
			if v != "" {
				h.Set(name, v)
			}
		}
		v := New().Verify(exchange.Incoming{Method: method, Path: path, RawQuery: query, Header: h, Body: []byte(body)}, exchange.Keys(testCreds), testNow)
		if v.OK {
			t.Fatalf("accepted a request nobody signed: %+v", v)
		}
		if _, known := messages[v.Code]; !known || v.Status != http.StatusUnauthorized || v.Message == "" {
			t.Fatalf("unknown answer %+v", v)
		}
		if strings.Contains(v.Explanation+strings.Join(v.Mistakes, ""), string(testCreds.Secret.Expose())) {
			t.Fatal("the secret leaks")
		}
		// The same request, signed, is accepted.
		s, err := New().Sign(exchange.Request{Method: "GET", Path: "/api/v1/x", Params: []exchange.Param{{Name: "q", Value: query}}, Time: testNow}, testCreds)
		if err != nil {
			return
		}
		if v := New().Verify(s.Incoming(), exchange.Keys(testCreds), testNow.Add(time.Second)); !v.OK {
			t.Fatalf("rejected a signed request: %+v", v)
		}
	})
}
