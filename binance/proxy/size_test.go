package proxy_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/verify"
)

// TestOversizedAnswersAgree: mbx explain (verify), the local exchange and
// the proxy give an oversized request the same answer (one size policy).
func TestOversizedAnswersAgree(t *testing.T) {
	r := newRig(t, emulator.DefaultConfig(), nil)
	longQuery := "symbol=BTCUSDT&note=" + strings.Repeat("x", verify.DefaultMaxQueryBytes)
	bigBody := "symbol=BTCUSDT&note=" + strings.Repeat("x", verify.DefaultMaxBodyBytes)
	tests := []struct {
		name        string
		method      string
		query, body string
		status      int
	}{
		{"query over 64 KiB", http.MethodGet, longQuery, "", http.StatusRequestURITooLong},
		{"body over 1 MiB", http.MethodPost, "", bigBody, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := verify.CheckSize(len(tt.query), len(tt.body), 0, 0)
			if want == nil || want.HTTPStatus != tt.status {
				t.Fatalf("verify: %+v, want HTTP %d", want, tt.status)
			}
			for _, side := range []struct{ name, base string }{{"exchange", r.exBase}, {"proxy", r.pxBase}} {
				a := r.send(side.base, tt.method, "/api/v3/order", tt.query, tt.body, "application/x-www-form-urlencoded", docsAPIKey)
				if a.Status != want.HTTPStatus || a.Code != int(want.Code) || a.Msg != want.Msg {
					t.Errorf("%s answered HTTP %d %d %q; verify says HTTP %d %d %q", side.name, a.Status, a.Code, a.Msg, want.HTTPStatus, want.Code, want.Msg)
				}
			}
		})
	}
}
