package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/payload"
)

// The two benchmarks below run in the same process with the same client (a
// keep-alive http.Client, b.RunParallel, each request signed with the docs'
// HMAC key) against two servers on 127.0.0.1: the exchange answering a
// signed GET /api/v3/account, and a bare net/http handler writing an
// account-sized JSON body. Compare their ns/op (benchstat) for the ratio
// the issue asks for: the exchange should serve at least 0.6 times the
// bare handler's requests per second.

func benchConfig() Config {
	cfg := DefaultConfig()
	cfg.Limits.RequestWeightPerMinute = 1 << 40
	cfg.Limits.RawRequestsPer5m = 1 << 40
	return cfg
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, DisableCompression: true}}
}

// runSignedGets sends signed GETs of path to base until b.N are done.
func runSignedGets(b *testing.B, base, path string) {
	k := docsKey(b)
	hc := benchClient()
	defer hc.CloseIdleConnections()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var r payload.REST
		for pb.Next() {
			r.Reset()
			r.Method = http.MethodGet
			s, err := r.Sign(k.signer, payload.Options{})
			if err != nil {
				b.Error(err)
				return
			}
			req, err := s.NewRequest(ctx, base, path)
			if err != nil {
				b.Error(err)
				return
			}
			req.Header.Set("X-MBX-APIKEY", k.apiKey)
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("HTTP %d", resp.StatusCode)
				return
			}
		}
	})
}

func BenchmarkSignedAccountHTTP(b *testing.B) {
	ctx := context.Background()
	srv, err := New(ctx, benchConfig(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	runSignedGets(b, base, "/api/v3/account")
}

// accountSizedBody is what GET /api/v3/account answers for the default key.
func accountSizedBody(b *testing.B) []byte {
	out := accountResp{CommissionRates: commissionRates{Maker: zero8, Taker: zero8, Buyer: zero8, Seller: zero8},
		CanTrade: true, CanDeposit: true, UpdateTime: time.Now().UnixMilli(), AccountType: "SPOT",
		Permissions: []string{"SPOT"}, UID: uidOf(DocsAPIKey)}
	for asset := range DefaultKey().Balances {
		out.Balances = append(out.Balances, balanceJSON{Asset: asset, Free: "10000.00000000", Locked: zero8})
	}
	body, err := json.Marshal(out)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func BenchmarkBareHandlerHTTP(b *testing.B) {
	body := accountSizedBody(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	runSignedGets(b, "http://"+ln.Addr().String(), "/api/v3/account")
}
