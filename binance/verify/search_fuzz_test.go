package verify_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/codes"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// FuzzExplainSearch drives the pipeline search with fuzzed requests signed
// three ways: correctly (accepted, nothing searched), with a secret plus a
// trailing newline (the search must name exactly that step), and with an
// unrelated key (the search must name no cause). It never panics, and its
// output never holds the secret.
func FuzzExplainSearch(f *testing.F) {
	f.Add("symbol=BTCUSDT&side=BUY&quantity=0.00001", "price=0.1&strategy=%7B%22a%22%3A1%7D", "")
	f.Add("note=a+b%20c%e5%b8%81", "", "application/json")
	f.Add("a=1&&b=%25E5", "x={\"k\": [1, 2]}&flag=True", "application/x-www-form-urlencoded")
	f.Add("", "quantity=1e-05&timestamp=1", "text/plain")
	f.Fuzz(func(t *testing.T, query, body, contentType string) {
		if len(query)+len(body) > 2048 {
			return
		}
		_, key := keyFor(t, "hmac")
		query = strings.TrimSuffix(query, "&")
		if query != "" {
			query += "&"
		}
		query += "timestamp=" + testTS()
		opt := verify.Options{ServerTime: testNow, ExplainBudget: time.Second}
		// The payload Binance verifies is query ‖ body as sent.
		for _, tc := range []struct {
			name string
			key  string
			want string // the mistake id the search must report; "" none
		}{
			{"correct", docSecret, ""},
			{"secret with newline", docSecret + "\n", verify.MistakeSecretNewline},
			{"unrelated key", "unrelated-secret-for-the-fuzzer-0123456789", ""},
		} {
			h, err := sign.NewHMAC(secret.FromString(tc.key))
			if err != nil {
				t.Fatal(err)
			}
			sig := hex.EncodeToString(rawSig(t, h, query+body))
			req := &verify.Request{Method: "POST", Path: "/api/v3/order", RawQuery: query + "&signature=" + sig, Body: []byte(body), ContentType: contentType, APIKey: docAPIKey, HasAPIKey: true}
			_, rej := verify.Verify(req, key, opt)
			if rej == nil {
				if tc.key != docSecret {
					t.Fatalf("%s: accepted", tc.name)
				}
				continue
			}
			e := rej.Explanation
			if strings.Contains(e.Text(), docSecret) || strings.Contains(e.Header(), docSecret) {
				t.Fatalf("%s: the explanation shows the secret", tc.name)
			}
			if rej.Code != codes.InvalidSignature {
				continue // refused before the signature: nothing searched
			}
			// A correct signature is rejected only for raw non-ASCII bytes.
			if tc.key == docSecret {
				if e.Mistake == nil || e.Mistake.ID != verify.MistakeNonASCII {
					t.Fatalf("correct signature rejected without the non-ASCII rule:\n%s", e.Text())
				}
				continue
			}
			got := ""
			if e.Mistake != nil {
				got = e.Mistake.ID
			}
			if got != tc.want {
				t.Fatalf("%s: mistake %q, want %q\n%s", tc.name, got, tc.want, e.Text())
			}
		}
	})
}
