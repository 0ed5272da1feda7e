package proxy_test

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/proxy"
	"github.com/mbxkit/mbx/binance/verify"
	"github.com/mbxkit/mbx/ratelimit"
)

// BenchmarkProxyForward measures the proxy's overhead: the same signed GET
// sent to the local exchange directly and through the proxy (which
// verifies it, reserves its weight and forwards it), in the same run; and
// a wrongly signed one the proxy answers itself. Compare with benchstat:
//
//	go test -run '^$' -bench ProxyForward -benchmem -count 6 ./proxy/ | tee new.txt
func BenchmarkProxyForward(b *testing.B) {
	cfg := emulator.DefaultConfig()
	cfg.Limits.RequestWeightPerMinute = 1 << 30
	cfg.Limits.RawRequestsPer5m = 1 << 30
	ctx := context.Background()
	srv, err := emulator.New(ctx, cfg, emulator.Options{})
	if err != nil {
		b.Fatal(err)
	}
	exBase, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	h := docsHMAC(b)
	unlimited := []ratelimit.Limit{{Kind: ratelimit.KindRequestWeight, Interval: time.Minute, Max: 1 << 30}}
	_, pxBase := startProxy(b, proxy.Options{Upstream: exBase, Keys: []verify.Key{{APIKey: docsAPIKey, Verifier: h}},
		Limits: map[string][]ratelimit.Limit{"api": unlimited}})
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	send := func(b *testing.B, base string, bad bool) {
		q := "symbol=BTCUSDT&recvWindow=5000&timestamp=" + strconv.FormatInt(time.Now().UnixMilli(), 10)
		raw, _ := h.AppendSign(nil, []byte(q))
		sig := hex.EncodeToString(raw)
		if bad {
			raw[31] ^= 1 // a signature that matches no known mistake: the costliest explanation
			sig = hex.EncodeToString(raw)
		}
		req, err := http.NewRequest(http.MethodGet, base+"/api/v3/openOrders", nil)
		if err != nil {
			b.Fatal(err)
		}
		req.URL.RawQuery = q + "&signature=" + sig
		req.Header.Set("X-MBX-APIKEY", docsAPIKey)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		want := http.StatusOK
		if bad {
			want = http.StatusBadRequest
		}
		if resp.StatusCode != want {
			b.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
	}
	// One request first, so that the proxy's clock sync is not measured.
	send(b, pxBase, false)
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			send(b, exBase, false)
		}
	})
	b.Run("proxy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			send(b, pxBase, false)
		}
	})
	b.Run("proxy-rejects-locally", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			send(b, pxBase, true)
		}
	})
}
