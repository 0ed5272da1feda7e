package payload_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/pct"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

const benchSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

var benchNow = time.UnixMilli(1499827319559)

// buildOrder fills a typical LIMIT order: about 160 payload bytes once
// recvWindow and timestamp are added.
func buildOrder(r *payload.REST) {
	r.Reset()
	r.Method = http.MethodPost
	r.Query.AddString("symbol", "BTCUSDT").
		AddString("side", "BUY").
		AddString("type", "LIMIT").
		AddString("timeInForce", "GTC").
		AddString("quantity", "0.00150000").
		AddString("price", "67012.34000000").
		AddString("newClientOrderId", "mbx-7f3a9c2e4b1d4e8f")
}

var benchOpt = payload.Options{Now: func() time.Time { return benchNow }, RecvWindow: 5 * time.Second}

func benchSign(b *testing.B, s sign.Signer) {
	var r payload.REST
	buildOrder(&r)
	if _, err := r.Sign(s, benchOpt); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		buildOrder(&r)
		out, err := r.Sign(s, benchOpt)
		if err != nil || len(out.Signature) == 0 {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignOrderHMAC(b *testing.B) {
	h, _ := sign.NewHMAC(secret.FromString(benchSecret))
	benchSign(b, h)
}

// BenchmarkHMACFloor is the cost of the HMAC alone over the same payload with
// the keyed state reused: no signer can go below it.
func BenchmarkHMACFloor(b *testing.B) {
	var r payload.REST
	buildOrder(&r)
	h, _ := sign.NewHMAC(secret.FromString(benchSecret))
	out, _ := r.Sign(h, benchOpt)
	msg := []byte(out.Payload)
	b.Logf("payload %d bytes", len(msg))
	m := hmac.New(sha256.New, []byte(benchSecret))
	var sum [32]byte
	b.ReportAllocs()
	for b.Loop() {
		m.Reset()
		m.Write(msg)
		m.Sum(sum[:0])
	}
}

func BenchmarkSignOrderEd25519(b *testing.B) {
	s, err := sign.GenerateEd25519()
	if err != nil {
		b.Fatal(err)
	}
	benchSign(b, s)
}

func BenchmarkSignOrderRSA(b *testing.B) {
	s, err := sign.GenerateRSA(2048)
	if err != nil {
		b.Fatal(err)
	}
	benchSign(b, s)
}

// BenchmarkMinimalBuildSign is the least any REST builder can do for the
// same order: escape the pairs, append recvWindow and timestamp, HMAC, hex,
// one string — with none of mbx's checks (duplicates, empty values, legal
// ranges, placement). It shows how far above the HMAC floor building and
// signing must sit on this machine, whatever the design.
func BenchmarkMinimalBuildSign(b *testing.B) {
	kv := []string{"symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.00150000",
		"price", "67012.34000000", "newClientOrderId", "mbx-7f3a9c2e4b1d4e8f"}
	m := hmac.New(sha256.New, []byte(benchSecret))
	buf := make([]byte, 0, 512)
	var sum [32]byte
	var sink string
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for i := 0; i < len(kv); i += 2 {
			if i > 0 {
				buf = append(buf, '&')
			}
			buf = pct.AppendEscape(buf, kv[i])
			buf = append(buf, '=')
			buf = pct.AppendEscape(buf, kv[i+1])
		}
		buf = append(buf, "&recvWindow=5000&timestamp="...)
		buf = strconv.AppendInt(buf, benchNow.UnixMilli(), 10)
		m.Reset()
		m.Write(buf)
		s := m.Sum(sum[:0])
		buf = append(buf, "&signature="...)
		buf = hex.AppendEncode(buf, s)
		sink = string(buf)
	}
	_ = sink
}
