package gate

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/clock"
	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/venuetest"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sim/exsim"
)

func startLocal(t *testing.T, path string) (string, exchange.Emulator) {
	t.Helper()
	em, base := venuetest.Start(t, New().NewEmulator, exchange.EmulatorConfig{DataPath: path, Keys: []exchange.EmulatorKey{{
		APIKey: testCreds.APIKey, Secret: testCreds.Secret, Balances: map[string]string{"USDT": "1000", "BTC": "0.5"}}}})
	return base, em
}

// call signs with mbx at the current time and sends the exact bytes.
func call(t *testing.T, base string, c exchange.Credentials, method, path string, params ...exchange.Param) (*http.Response, []byte) {
	t.Helper()
	return venuetest.Call(t, New(), base, c, time.Now(), method, path, params...)
}

func TestEmulatorOrderLifecycle(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "gate.db")
	base, em := startLocal(t, dbPath)
	p := func(n, v string) exchange.Param { return exchange.Param{Name: n, Value: v} }
	decode := func(b []byte) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		return m
	}

	resp, body := call(t, base, testCreds, "POST", "/api/v4/spot/orders", p("text", "t-1"), p("currency_pair", "BTC_USDT"),
		p("type", "limit"), p("account", "spot"), p("side", "buy"), p("amount", "0.01"), p("price", "50000"))
	o := decode(body)
	if resp.StatusCode != http.StatusOK || o["status"] != "open" || o["text"] != "t-1" || o["left"] != "0.01" {
		t.Fatalf("place: %d %s", resp.StatusCode, body)
	}
	id := o["id"].(string)
	_, body = call(t, base, testCreds, "GET", "/api/v4/spot/accounts", p("currency", "USDT"))
	if !strings.Contains(string(body), `"available":"500"`) || !strings.Contains(string(body), `"locked":"500"`) {
		t.Errorf("USDT after a resting 500 USDT buy: %s", body)
	}
	_, body = call(t, base, testCreds, "GET", "/api/v4/spot/open_orders")
	if !strings.Contains(string(body), `"currency_pair":"BTC_USDT","orders":[`) && !strings.Contains(string(body), id) {
		t.Errorf("open orders: %s", body)
	}
	_, body = call(t, base, testCreds, "GET", "/api/v4/spot/orders/"+id, p("currency_pair", "BTC_USDT"))
	if decode(body)["id"] != id {
		t.Errorf("get: %s", body)
	}
	_, body = call(t, base, testCreds, "DELETE", "/api/v4/spot/orders/"+id, p("currency_pair", "BTC_USDT"))
	if o := decode(body); o["status"] != "cancelled" || o["finish_as"] != "cancelled" {
		t.Errorf("cancel: %s", body)
	}
	resp, body = call(t, base, testCreds, "DELETE", "/api/v4/spot/orders/"+id, p("currency_pair", "BTC_USDT"))
	if decode(body)["label"] != LabelOrderNotFound || resp.Header.Get(exsim.ExplainHeader) == "" {
		t.Errorf("second cancel: %d %s", resp.StatusCode, body)
	}
	_, body = call(t, base, testCreds, "POST", "/api/v4/spot/orders", p("currency_pair", "BTC_USDT"),
		p("side", "buy"), p("amount", "1"), p("price", "50000"))
	if decode(body)["label"] != LabelBalanceNotEnough {
		t.Errorf("oversized order: %s", body)
	}
	// A wrong secret: INVALID_SIGNATURE, explained in the header and at /mbx/recent.
	bad := exchange.Credentials{APIKey: testCreds.APIKey, Secret: secret.FromString("wrong")}
	resp, body = call(t, base, bad, "GET", "/api/v4/spot/accounts")
	if resp.StatusCode != http.StatusUnauthorized || decode(body)["label"] != LabelInvalidSignature || resp.Header.Get(exsim.ExplainHeader) == "" {
		t.Errorf("wrong secret: %d %s", resp.StatusCode, body)
	}
	r, err := http.Get(base + "/mbx/recent")
	if err != nil {
		t.Fatal(err)
	}
	var recent []exsim.Entry
	_ = json.NewDecoder(r.Body).Decode(&recent)
	r.Body.Close()
	if len(recent) == 0 || recent[0].Code != LabelInvalidSignature || recent[0].Explanation == "" {
		t.Errorf("/mbx/recent newest: %+v", recent[:min(1, len(recent))])
	}

	if err := em.Close(); err != nil {
		t.Fatal(err)
	}
	base2, _ := startLocal(t, dbPath)
	_, body = call(t, base2, testCreds, "GET", "/api/v4/spot/orders/"+id, p("currency_pair", "BTC_USDT"))
	if o := decode(body); o["status"] != "cancelled" || o["text"] != "t-1" {
		t.Errorf("order after restart: %s", body)
	}
}

func TestTimeSource(t *testing.T) {
	base, _ := startLocal(t, "")
	c := clock.New(New().TimeSource(base, nil), clock.Options{})
	est, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if est.Offset > time.Second || est.Offset < -time.Second {
		t.Errorf("offset to a local exchange on this host is %v", est.Offset)
	}
	for _, tt := range []struct {
		body string
		ok   bool
	}{
		{`{"server_time":1731447921098}`, true},
		{`{"server_time":1731447921}`, false},
		{`{"serverTime":1731447921098}`, false},
		{`[]`, false},
	} {
		if _, err := parseTime([]byte(tt.body)); (err == nil) != tt.ok {
			t.Errorf("parseTime(%s): %v", tt.body, err)
		}
	}
}
