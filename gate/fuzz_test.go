package gate

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/exchange"
)

// FuzzVerify feeds Verify arbitrary requests: it must never panic, must
// answer one of Gate's labels, and must accept only what Sign produced.
func FuzzVerify(f *testing.F) {
	f.Add("GET", "/api/v4/spot/accounts", "currency=USDT", "", "gkey", "00", "1700000000")
	f.Add("POST", "/api/v4/spot/orders", "", `{"a":"b"}`, "gkey", "", "1700000000.5")
	f.Add("DELETE", "/api/v4/spot/orders/1", "a=%zz&b", "", "other", "zz", "NaN")
	f.Fuzz(func(t *testing.T, method, path, query, body, key, sig, ts string) {
		h := http.Header{}
		for name, v := range map[string]string{HeaderKey: key, HeaderSign: sig, HeaderTimestamp: ts} {
			if v != "" {
				h.Set(name, v)
			}
		}
		v := New().Verify(exchange.Incoming{Method: method, Path: path, RawQuery: query, Header: h, Body: []byte(body)}, exchange.Keys(testCreds), testNow)
		if v.OK {
			t.Fatalf("accepted a request nobody signed: %+v", v)
		}
		if _, known := messages[v.Code]; !known || v.Status != http.StatusUnauthorized {
			t.Fatalf("unknown answer %+v", v)
		}
		if strings.Contains(v.Explanation+strings.Join(v.Mistakes, ""), string(testCreds.Secret.Expose())) {
			t.Fatal("the secret leaks")
		}
		s, err := New().Sign(exchange.Request{Method: "GET", Path: "/api/v4/x", Params: []exchange.Param{{Name: "q", Value: query}}, Time: testNow}, testCreds)
		if err != nil {
			return
		}
		if v := New().Verify(s.Incoming(), exchange.Keys(testCreds), testNow.Add(time.Second)); !v.OK {
			t.Fatalf("rejected a signed request (query %q): %+v", s.Query, v)
		}
	})
}
