package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/params"
)

// TestAdminRefusesWhatAWebPageCanSend: DNS rebinding (a foreign Host), a
// cross-site Origin and a form or text/plain POST never reach the admin API,
// over a real loopback connection.
func TestAdminRefusesWhatAWebPageCanSend(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{})
	u, err := url.Parse(e.base)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	tests := []struct {
		name, method, path, host, origin, ctype, body string
		status                                        int
	}{
		{"rebinding reset", "POST", "/reset", "rebind.attacker.example:" + port, "http://rebind.attacker.example:" + port, "application/json", "", 403},
		{"rebinding without Origin", "POST", "/clock", "rebind.attacker.example:" + port, "", "application/json", `{"skew":"9s"}`, 403},
		{"rebinding read", "GET", "/state", "attacker.example", "", "", "", 403},
		{"host 0.0.0.0", "GET", "/state", "0.0.0.0:" + port, "", "", "", 403},
		{"host localhost.attacker.example", "GET", "/state", "localhost.attacker.example:" + port, "", "", "", 403},
		{"cross-site text/plain", "POST", "/clock", "127.0.0.1:" + port, "http://evil.example", "text/plain", `{"skew":"9s"}`, 403},
		{"null origin", "POST", "/clock", "127.0.0.1:" + port, "null", "application/json", `{"skew":"9s"}`, 403},
		{"other local port", "POST", "/clock", "127.0.0.1:" + port, "http://127.0.0.1:1", "application/json", `{"skew":"9s"}`, 403},
		{"same host text/plain", "POST", "/clock", "127.0.0.1:" + port, "", "text/plain", `{"skew":"9s"}`, 415},
		{"form", "POST", "/latency", "127.0.0.1:" + port, "", "application/x-www-form-urlencoded", `latency=1s`, 415},
		{"no content type", "POST", "/reset", "127.0.0.1:" + port, "", "", "", 415},
		{"delete without type", "DELETE", "/faults", "localhost:" + port, "", "", "", 415},
		{"localhost", "POST", "/clock", "localhost:" + port, "", "application/json; charset=utf-8", `{"skew":"2s"}`, 200},
		{"127.0.0.2", "GET", "/state", "127.0.0.2:" + port, "", "", "", 200},
		{"[::1]", "GET", "/state", "[::1]:" + port, "", "", "", 200},
		{"LOCALHOST.", "GET", "/state", "LOCALHOST.:" + port, "", "", "", 200},
		{"own origin", "POST", "/clock", "127.0.0.1:" + port, "http://127.0.0.1:" + port, "application/json", `{"skew":"2s"}`, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.base+"/mbx/admin"+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tc.host
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			a := e.do(req)
			if a.Err != nil || a.Status != tc.status {
				t.Fatalf("HTTP %d %s (%v); want %d", a.Status, a.Body, a.Err, tc.status)
			}
			// Only the allowed requests changed the clock.
			if got := e.srv.ServerTime().Sub(e.clock.Now()); got != 0 && got != 2*time.Second {
				t.Fatalf("skew = %v after a refused request", got)
			}
		})
	}
}

func TestAdminRecentMasksKeys(t *testing.T) {
	e := startExchange(t, DefaultConfig(), Options{})
	wantOK(t, e.signed(docsKey(t), "GET", "/api/v3/account", params.List{}, params.List{}))
	for _, path := range []string{"/recent", "/recent?id=1"} {
		a := e.admin("GET", path, "")
		wantOK(t, a)
		if strings.Contains(string(a.Body), DocsAPIKey) || !strings.Contains(string(a.Body), `"apiKey": "vmPU…Eh8A"`) {
			t.Errorf("%s shows the key unmasked: %s", path, a.Body)
		}
	}
}
