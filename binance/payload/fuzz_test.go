package payload_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// FuzzRESTBuilder: for any names and values the builder accepts, the signed
// payload equals query‖body with the signature pair removed, the signature
// verifies over it, and every value decodes back to what was given.
func FuzzRESTBuilder(f *testing.F) {
	f.Add("symbol", "这是测试币456", "email", "a+b@c.d", "memo", `["x","y"]`, uint8(0), true)
	f.Add("side", "BUY", "type", "LIMIT", "quantity", "1", uint8(3), false)
	f.Add("a b", "~*'()", "ü", "\x00", "x", "y", uint8(5), true)
	h, _ := sign.NewHMAC(secret.FromString(benchSecret))
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2, n3, v3 string, placement uint8, post bool) {
		r := payload.REST{Method: "GET"}
		if post {
			r.Method = "POST"
		}
		given := [][2]string{{n1, v1}, {n2, v2}, {n3, v3}}
		for i, p := range given {
			if post && placement&(1<<i) != 0 {
				r.Body.AddString(p[0], p[1])
			} else {
				r.Query.AddString(p[0], p[1])
			}
		}
		if post && placement&8 != 0 {
			r.TimestampIn = payload.Query
		}
		s, err := r.Sign(h, payload.Options{Now: func() time.Time { return time.UnixMilli(1700000000000) }})
		if err != nil {
			return // refused input (duplicate, empty, illegal value): fine, never a panic
		}
		q, qsig := stripSig(s.Query)
		b, bsig := stripSig(s.Body)
		if q+b != s.Payload {
			t.Fatalf("payload %q != query‖body %q", s.Payload, q+b)
		}
		if (qsig == "") == (bsig == "") || qsig+bsig != s.Signature {
			t.Fatalf("signature must appear exactly once: %q %q", s.Query, s.Body)
		}
		raw, err := hex.DecodeString(s.Signature)
		if err != nil || h.Verify([]byte(s.Payload), raw) != nil {
			t.Fatalf("signature does not verify")
		}
		got := map[string]string{}
		for _, part := range []string{q, b} {
			if part == "" {
				continue
			}
			for _, kv := range strings.Split(part, "&") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Fatalf("pair without '=': %q", kv)
				}
				dk, err1 := pct.Unescape(k)
				dv, err2 := pct.Unescape(v)
				if err1 != nil || err2 != nil {
					t.Fatalf("undecodable pair %q", kv)
				}
				got[dk] = dv
			}
		}
		for _, p := range given {
			if got[p[0]] != p[1] {
				t.Fatalf("%q decodes to %q, want %q", p[0], got[p[0]], p[1])
			}
		}
		if got["timestamp"] != "1700000000000" {
			t.Fatalf("timestamp missing: %v", got)
		}
	})
}
