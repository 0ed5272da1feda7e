package verify_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/sign"
)

// benchVerify verifies a typical signed LIMIT order (about 160 payload
// bytes) built by the client's own builder.
func benchVerify(b *testing.B, alg string) {
	s, key := keyFor(b, alg)
	var r payload.REST
	r.Method = http.MethodPost
	r.Query.AddString("symbol", "BTCUSDT").
		AddString("side", "BUY").
		AddString("type", "LIMIT").
		AddString("timeInForce", "GTC").
		AddString("quantity", "0.00150000").
		AddString("price", "67012.34000000").
		AddString("newClientOrderId", "mbx-7f3a9c2e4b1d4e8f")
	signed, err := r.Sign(s, payload.Options{Now: func() time.Time { return testNow }, RecvWindow: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	req := fromSigned(signed)
	opt := opts()
	if _, rej := verify.Verify(req, key, opt); rej != nil {
		b.Fatal(rej)
	}
	b.SetBytes(int64(len(signed.Payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, rej := verify.Verify(req, key, opt); rej != nil {
			b.Fatal(rej)
		}
	}
}

func BenchmarkVerifyHMAC(b *testing.B)    { benchVerify(b, "hmac") }
func BenchmarkVerifyEd25519(b *testing.B) { benchVerify(b, "ed25519") }
func BenchmarkVerifyRSA(b *testing.B)     { benchVerify(b, "rsa") }

// BenchmarkExplainMismatch is the cost of a rejection with its explanation
// (every candidate mistake tried), for comparison with the accept path.
func BenchmarkExplainMismatch(b *testing.B) {
	s, key := keyFor(b, "hmac")
	q := "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=0.1&timestamp=" + testTS()
	sig := wireSig(sign.HMACSHA256, rawSig(b, s, "unrelated"))
	req := request(withSig(q, sig), "")
	b.ReportAllocs()
	for b.Loop() {
		if _, rej := verify.Verify(req, key, opts()); rej == nil {
			b.Fatal("accepted")
		}
	}
}

// BenchmarkVerifyWSHMAC is the accept path of a signed WebSocket API order
// (the same LIMIT order as benchVerify, as params).
func BenchmarkVerifyWSHMAC(b *testing.B) {
	s, key := keyFor(b, "hmac")
	ps := []verify.Param{{Name: "symbol", Value: "BTCUSDT"}, {Name: "side", Value: "BUY"}, {Name: "type", Value: "LIMIT"},
		{Name: "timeInForce", Value: "GTC"}, {Name: "quantity", Value: "0.00150000"}, {Name: "price", Value: "67012.34000000"},
		{Name: "newClientOrderId", Value: "mbx-7f3a9c2e4b1d4e8f"}, {Name: "apiKey", Value: "k"}, {Name: "timestamp", Value: testTS()}}
	pl := verify.WSPayload(ps)
	ps = append(ps, verify.Param{Name: "signature", Value: wireSig(sign.HMACSHA256, rawSig(b, s, string(pl)))})
	opt := opts()
	if rej := verify.VerifyWS(ps, key, opt); rej != nil {
		b.Fatal(rej)
	}
	b.SetBytes(int64(len(pl)))
	b.ReportAllocs()
	for b.Loop() {
		if rej := verify.VerifyWS(ps, key, opt); rej != nil {
			b.Fatal(rej)
		}
	}
}

// BenchmarkExplainPairs is a full search of a typical order's pipeline:
// every single step and every pair of steps, none of which reproduces the
// signature (it was made with another key), so nothing ends the search
// early. The bound is 20 ms on one core.
func BenchmarkExplainPairs(b *testing.B) {
	for _, alg := range []string{"hmac", "ed25519", "rsa"} {
		b.Run(alg, func(b *testing.B) {
			_, key := keyFor(b, alg)
			c := brokenClient{key: "an-entirely-different-secret-0123456789abcdef"}
			text := c.build(b)
			req := parseRaw(b, text)
			if alg != "hmac" {
				// Sign with a fresh key of the same type: no step reproduces it.
				s, _ := keyFor(b, alg)
				q, body := req.RawQuery, string(req.Body)
				body = body[:strings.LastIndex(body, "&signature=")]
				sig := rawSig(b, s, "something else entirely"+q+body)
				req.Body = []byte(body + "&signature=" + wireSig(s.Algorithm(), sig))
			}
			o := opts()
			o.ExplainBudget = time.Minute // measure the whole search
			_, rej := verify.Verify(req, key, o)
			if rej == nil || rej.Explanation.Mistake != nil {
				b.Fatalf("want an unexplained rejection, got %+v", rej)
			}
			b.ReportAllocs()
			for b.Loop() {
				verify.Verify(req, key, o)
			}
		})
	}
}
