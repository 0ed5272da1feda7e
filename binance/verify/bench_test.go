package verify_test

import (
	"net/http"
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
