package binance_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/binance/binancetest"
	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

// benchExchange is the local exchange with limits out of the way, so the
// benchmarks measure request cost, not rate limiting.
func benchExchange(b *testing.B) string {
	b.Helper()
	cfg := emulator.DefaultConfig()
	cfg.Limits.RequestWeightPerMinute = 1 << 30
	cfg.Limits.RawRequestsPer5m = 1 << 30
	return binancetest.NewServer(b, binancetest.WithConfig(cfg)).URL
}

// BenchmarkSignedGET compares, in one run, a signed GET /api/v3/account made
// by the mbx client (clock, governor, signing, error handling) with the same
// request made by hand with net/http, against the same local exchange.
func BenchmarkSignedGET(b *testing.B) {
	base := benchExchange(b)
	ctx := context.Background()
	b.Run("bare-net-http", func(b *testing.B) {
		hc := &http.Client{}
		mac := hmac.New(sha256.New, []byte(docsSecret))
		b.ReportAllocs()
		for b.Loop() {
			q := "timestamp=" + strconv.FormatInt(time.Now().UnixMilli(), 10)
			mac.Reset()
			mac.Write([]byte(q))
			q += "&signature=" + hex.EncodeToString(mac.Sum(nil))
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v3/account?"+q, nil)
			req.Header.Set("X-MBX-APIKEY", docsKey)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
	b.Run("mbx-client", func(b *testing.B) {
		h, _ := sign.NewHMAC(secret.FromString(docsSecret))
		c, err := binance.New(binance.Options{BaseURL: base, APIKey: docsKey, Signer: h, HTTPClient: &http.Client{}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.ExchangeInfo(ctx); err != nil { // learn the exchange's limits
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Do(ctx, &binance.Request{Method: http.MethodGet, Path: "/api/v3/account", Security: binance.Signed}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
