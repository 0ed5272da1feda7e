package binance_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// People with their own HTTP code put the signing Transport in their
// *http.Client: their requests verify on the local exchange, non-ASCII
// bytes are percent-encoded, and the query they wrote is otherwise sent as is.
func TestTransportSignsOtherCode(t *testing.T) {
	srv, base := exchange(t, nil)
	h, _ := sign.NewHMAC(secret.FromString(docsSecret))
	hc := &http.Client{Transport: &binance.Transport{APIKey: docsKey, Signer: h}}
	ctx := context.Background()
	get := func(url string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(base + "/api/v3/account"); code != 200 || !strings.Contains(body, "balances") {
		t.Fatalf("account via Transport: %d %s", code, body)
	}
	// A raw UTF-8 symbol in the caller's URL is encoded before signing.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v3/openOrders", nil)
	req.URL.RawQuery = "symbol=这是测试币456"
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("non-ASCII via Transport: %d", resp.StatusCode)
	}
	// A form POST: signature goes last in the body; the order is placed.
	preq, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v3/order",
		strings.NewReader("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=10000&newClientOrderId=transport-1"))
	preq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	presp, err := hc.Do(preq)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(presp.Body)
	presp.Body.Close()
	if presp.StatusCode != 200 || !strings.Contains(string(b), "transport-1") {
		t.Fatalf("order via Transport: %d %s", presp.StatusCode, b)
	}
	recent := srv.Recent()
	last := recent[len(recent)-1]
	if !strings.Contains(last.Body, "&signature=") || strings.Contains(last.RawQuery, "signature") {
		t.Fatalf("signature should be last in the body: query %q body %q", last.RawQuery, last.Body)
	}
	// A request that already carries a signature is refused, not double-signed.
	if _, err := hc.Get(base + "/api/v3/account?timestamp=1&signature=abc"); err == nil || !strings.Contains(err.Error(), "already carries a signature") {
		t.Fatalf("pre-signed request: %v", err)
	}
}

func TestClientMetrics(t *testing.T) {
	_, base := exchange(t, nil)
	reg := prometheus.NewRegistry()
	c := newClient(t, base, nil, func(o *binance.Options) { o.Metrics = reg })
	ctx := context.Background()
	if _, err := c.Account(ctx); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Do(ctx, &binance.Request{Method: http.MethodGet, Path: "/api/v3/order", Security: binance.Signed})
	n, err := testutil.GatherAndCount(reg, "mbx_client_requests_total")
	if err != nil || n < 2 {
		t.Fatalf("requests_total series = %d, %v", n, err)
	}
	out, _ := reg.Gather()
	var sawError bool
	for _, mf := range out {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "code" && l.GetValue() != "0" {
					sawError = true
				}
			}
		}
	}
	if !sawError {
		t.Fatal("the failed call is not counted with its Binance code")
	}
}
